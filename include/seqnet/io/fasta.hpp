// seqnet/io/fasta.hpp -- FASTA records from plain or gzip-compressed files, or from memory.
// Module seqnet::io (needs zlib for gzip input).
//
// fasta_reader streams one record at a time; read_fasta reads a whole file and parse_fasta a text in
// memory, both by the same rules and also rejecting duplicate record names. Input is read in chunks with
// no limit on line length (a whole chromosome on one line is fine); cost O(bytes).
//
// Rules: a record is a header line '>' name [whitespace description] followed by one or more sequence
// lines, concatenated. The name is the first word after '>' (which must follow it directly); the
// description is the rest of the line, trimmed. Line endings may be LF, CRLF or a lone CR (old Mac).
// Blank (or all-whitespace) lines are ignored anywhere; spaces and tabs inside sequence lines are
// ignored; ';' comment lines before the first record (old FASTA) are skipped; a UTF-8 byte-order mark at
// the start is skipped. Sequence letters are kept as written (soft-masked lowercase stays lowercase) and
// must be nucleotide or IUPAC codes, in either case, exactly the set that tensor/dna.hpp encodes
// (A C G T U N R Y S W K M B D H V), so a record that reads also one-hot encodes.
//
// Errors are format_error with a message starting "<source>:<line>: ": sequence data before the first
// header; a header with an empty name; a record with no sequence; a character that is not a nucleotide
// code, with its record and column ("record 'chr1': invalid character 'Z' at column 12"), alignment gaps
// ('-', '.') included; a NUL byte (a binary file); a duplicate name in read_fasta / parse_fasta ("(first
// at line 7)"). File problems start "<path>: ": cannot open, gzip stream corrupt or truncated, a file
// compressed with something other than gzip (bzip2, xz, zstd).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/tensor/dna.hpp>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seqnet::io {

struct fasta_record {
    std::string name;         ///< first word after '>'
    std::string description;  ///< rest of the header line after the name, trimmed (may be empty)
    std::string sequence;     ///< the sequence lines concatenated, case preserved
    index_t line = 0;         ///< 1-based line number of the header, for messages
};

namespace detail {

// What a byte is to the parser.
enum class fasta_char : std::uint8_t { invalid, base, space, cr, lf, nul, gap };

constexpr std::array<fasta_char, 256> make_fasta_classes() {
    std::array<fasta_char, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[static_cast<std::size_t>(c)] =
            seqnet::detail::base_masks[static_cast<std::size_t>(c)] ? fasta_char::base : fasta_char::invalid;
    t[' '] = t['\t'] = t['\v'] = t['\f'] = fasta_char::space;
    t['\r'] = fasta_char::cr;
    t['\n'] = fasta_char::lf;
    t[0] = fasta_char::nul;
    t['-'] = t['.'] = fasta_char::gap;
    return t;
}
inline constexpr auto fasta_classes = make_fasta_classes();

inline fasta_char classify(char c) { return fasta_classes[static_cast<unsigned char>(c)]; }

// 'Z' for a printable character, '\x01' for any other byte.
inline std::string quote_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u > 32 && u < 127) return std::string("'") + c + "'";
    static constexpr char hex[] = "0123456789abcdef";
    return std::string("'\\x") + hex[u >> 4] + hex[u & 15] + "'";
}

// A byte-order mark or the magic number of a compression format seqnet does not read, at the start of
// the input. Returns how many bytes to skip (the BOM); throws for bzip2, xz and zstd, none of whose
// first bytes can begin a FASTA file, so no valid input is refused.
inline std::size_t check_start(std::string_view head, const std::string& source) {
    if (head.starts_with("\xEF\xBB\xBF")) return 3;
    const char* format = nullptr;
    if (head.size() >= 4 && head.starts_with("BZh") && head[3] >= '1' && head[3] <= '9')
        format = "bzip2";
    else if (head.starts_with(std::string_view("\xFD" "7zXZ\0", 6)))
        format = "xz";
    else if (head.starts_with("\x28\xB5\x2F\xFD"))
        format = "zstd";
    if (format)
        throw format_error(source + ": compressed with " + format +
                           "; FASTA is read plain or gzip-compressed only (decompress it first)");
    return 0;
}

// The FASTA state machine, fed any split of the input into chunks: the same records and errors whatever
// the split (a CR at the end of one chunk and an LF at the start of the next are one line break).
class fasta_parser {
public:
    explicit fasta_parser(std::string source) : source_(std::move(source)) {}

    const std::string& source() const { return source_; }
    index_t line() const { return line_; }

    // Consumes bytes from [p, end), advancing p. Returns true, with `out` filled, when a record is
    // complete (at the '>' of the next header); false when the chunk is used up.
    bool consume(const char*& p, const char* end, fasta_record& out) {
        while (p < end) {
            if (prev_cr_) {
                prev_cr_ = false;
                if (*p == '\n') {  // the LF of a CRLF: the line already ended at the CR
                    ++p;
                    continue;
                }
            }
            switch (kind_) {
                case line_kind::start:
                    if (*p == '>') {
                        ++p;
                        ++col_;
                        kind_ = line_kind::header;
                        header_line_ = line_;
                        header_.clear();
                        if (open_) {
                            finish_record(out);
                            return true;
                        }
                        continue;
                    }
                    if (*p == ';' && !seen_header_) {
                        ++p;
                        ++col_;
                        kind_ = line_kind::comment;
                        continue;
                    }
                    kind_ = line_kind::blank;
                    continue;
                case line_kind::blank:
                    switch (classify(*p)) {
                        case fasta_char::space: ++p; ++col_; continue;
                        case fasta_char::cr: case fasta_char::lf: end_line(*p++); continue;
                        case fasta_char::nul: ++col_; nul_error();
                        default:
                            if (!open_) {
                                ++col_;
                                fail("sequence data before the first '>' header (is this a FASTA file?)");
                            }
                            kind_ = line_kind::sequence;
                            continue;
                    }
                case line_kind::sequence: {
                    const char* run = p;
                    while (p < end && classify(*p) == fasta_char::base) ++p;
                    cur_.sequence.append(run, static_cast<std::size_t>(p - run));
                    col_ += static_cast<index_t>(p - run);
                    if (p == end) return false;
                    switch (classify(*p)) {
                        case fasta_char::space: ++p; ++col_; continue;
                        case fasta_char::cr: case fasta_char::lf: end_line(*p++); continue;
                        case fasta_char::nul: ++col_; nul_error();
                        case fasta_char::gap:
                            ++col_;
                            fail("record '" + cur_.name + "': gap " + quote_char(*p) + " at column " +
                                 std::to_string(col_) +
                                 " (aligned FASTA? the models need ungapped sequence)");
                        default:
                            ++col_;
                            fail("record '" + cur_.name + "': invalid character " + quote_char(*p) +
                                 " at column " + std::to_string(col_));
                    }
                }
                case line_kind::header:
                case line_kind::comment: {
                    const char* run = p;
                    while (p < end && *p != '\r' && *p != '\n' && *p != '\0') ++p;
                    if (kind_ == line_kind::header) header_.append(run, static_cast<std::size_t>(p - run));
                    col_ += static_cast<index_t>(p - run);
                    if (p == end) return false;
                    if (*p == '\0') {
                        ++col_;
                        nul_error();
                    }
                    end_line(*p++);
                    continue;
                }
            }
        }
        return false;
    }

    // At the end of the input: returns true with the last record, then false.
    bool finish(fasta_record& out) {
        if (kind_ == line_kind::header) end_header();
        kind_ = line_kind::start;
        if (!open_) return false;
        finish_record(out);
        return true;
    }

private:
    enum class line_kind { start, blank, header, sequence, comment };

    [[noreturn]] void fail(const std::string& what) const {
        throw format_error(source_ + ":" + std::to_string(line_) + ": " + what);
    }
    [[noreturn]] void nul_error() const {
        fail("NUL byte at column " + std::to_string(col_) + " (a binary file?)");
    }

    void end_line(char c) {
        if (kind_ == line_kind::header) end_header();
        kind_ = line_kind::start;
        prev_cr_ = c == '\r';
        ++line_;
        col_ = 0;
    }

    void end_header() {
        std::size_t i = 0;
        while (i < header_.size() && classify(header_[i]) != fasta_char::space) ++i;
        if (i == 0)
            throw format_error(source_ + ":" + std::to_string(header_line_) +
                               ": header with an empty name (the name must follow '>' directly)");
        cur_.name.assign(header_, 0, i);
        std::size_t b = i, e = header_.size();
        while (b < e && classify(header_[b]) == fasta_char::space) ++b;
        while (e > b && classify(header_[e - 1]) == fasta_char::space) --e;
        cur_.description.assign(header_, b, e - b);
        cur_.sequence.clear();
        cur_.line = header_line_;
        open_ = true;
        seen_header_ = true;
    }

    void finish_record(fasta_record& out) {
        if (cur_.sequence.empty())
            throw format_error(source_ + ":" + std::to_string(cur_.line) + ": record '" + cur_.name +
                               "' has no sequence");
        std::swap(out, cur_);  // hands the caller's old buffers back for reuse
        open_ = false;
    }

    std::string source_;
    index_t line_ = 1;         // current line, 1-based
    index_t col_ = 0;          // bytes of the current line consumed so far
    index_t header_line_ = 0;  // line of the header being read
    line_kind kind_ = line_kind::start;
    bool prev_cr_ = false;      // the last byte was a CR (an LF next is part of the same line break)
    bool open_ = false;         // cur_ holds a record whose header has been read
    bool seen_header_ = false;  // ';' comments are only allowed before the first header
    std::string header_;        // header line text after '>'
    fasta_record cur_;
};

inline std::vector<fasta_record> read_all(auto&& next, const std::string& source) {
    std::vector<fasta_record> records;
    std::unordered_map<std::string, index_t> first_line;
    fasta_record rec;
    while (next(rec)) {
        auto [it, fresh] = first_line.try_emplace(rec.name, rec.line);
        if (!fresh)
            throw format_error(source + ":" + std::to_string(rec.line) + ": duplicate record name '" +
                               rec.name + "' (first at line " + std::to_string(it->second) + ")");
        records.push_back(std::move(rec));
        rec = fasta_record{};
    }
    return records;
}

struct gzfile_closer {
    void operator()(gzFile_s* f) const { gzclose(f); }
};

}  // namespace detail

/// Reads the records of a FASTA file one at a time, plain or gzip-compressed (also multi-member gzip,
/// as bgzip writes). Throws format_error (see the file comment); after an error, next() throws it again.
class fasta_reader {
public:
    explicit fasta_reader(const std::filesystem::path& path) : parser_(path.string()) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec))
            throw format_error(source() + ": cannot open: is a directory");
        errno = 0;
#if defined(_WIN32)
        file_.reset(gzopen_w(path.c_str(), "rb"));
#else
        file_.reset(gzopen(path.c_str(), "rb"));
#endif
        if (!file_) {
            const int err = errno;
            throw format_error(source() + ": cannot open: " +
                               (err ? std::generic_category().message(err) : std::string("out of memory")));
        }
        gzbuffer(file_.get(), 1u << 17);
    }

    /// The next record into `rec` (its buffers are reused); false at the end of the file.
    bool next(fasta_record& rec) {
        if (!error_.empty()) throw format_error(error_);
        try {
            for (;;) {
                if (pos_ < buffer_.size()) {
                    const char* p = buffer_.data() + pos_;
                    const bool got = parser_.consume(p, buffer_.data() + buffer_.size(), rec);
                    pos_ = static_cast<std::size_t>(p - buffer_.data());
                    if (got) return true;
                    continue;
                }
                if (done_) return false;
                if (eof_) {
                    done_ = true;
                    return parser_.finish(rec);
                }
                refill();
            }
        } catch (const format_error& e) {
            error_ = e.what();
            throw;
        }
    }

    const std::string& source() const { return parser_.source(); }

private:
    static constexpr unsigned chunk_size = 1u << 16;

    void refill() {
        buffer_.resize(chunk_size);
        const int n = gzread(file_.get(), buffer_.data(), chunk_size);
        if (n <= 0) {
            // 0 is the end of the input, or of a truncated gzip stream ("unexpected end of file"); bytes
            // read before a truncation come first, so the line in the message is where the data stops.
            int errnum = Z_OK;
            const char* msg = gzerror(file_.get(), &errnum);
            if (n < 0 || errnum != Z_OK) gzip_error(msg ? msg : "");
            eof_ = true;
        }
        buffer_.resize(static_cast<std::size_t>(n));
        pos_ = 0;
        if (first_) {
            first_ = false;
            pos_ = detail::check_start(std::string_view(buffer_.data(), buffer_.size()), source());
        }
    }

    [[noreturn]] void gzip_error(std::string msg) const {
        // zlib's messages start with the path it was given; ours already does.
        const std::string prefix = source() + ": ";
        if (msg.starts_with(prefix)) msg.erase(0, prefix.size());
        throw format_error(source() + ": gzip error near line " + std::to_string(parser_.line()) + ": " +
                           msg + " (corrupt or truncated gzip file)");
    }

    std::unique_ptr<gzFile_s, detail::gzfile_closer> file_;
    detail::fasta_parser parser_;
    std::vector<char> buffer_;
    std::size_t pos_ = 0;
    bool first_ = true, eof_ = false, done_ = false;
    std::string error_;
};

/// Every record of a FASTA file (plain or gzip); also rejects duplicate record names.
inline std::vector<fasta_record> read_fasta(const std::filesystem::path& path) {
    fasta_reader reader(path);
    return detail::read_all([&](fasta_record& r) { return reader.next(r); }, reader.source());
}

/// Every record of a FASTA text in memory, by read_fasta's rules; `source_name` names it in errors.
inline std::vector<fasta_record> parse_fasta(std::string_view text, std::string source_name) {
    text.remove_prefix(detail::check_start(text, source_name));
    detail::fasta_parser parser(std::move(source_name));
    const char* p = text.data();
    const char* end = p + text.size();
    bool done = false;
    return detail::read_all(
        [&](fasta_record& r) {
            if (done) return false;
            if (parser.consume(p, end, r)) return true;
            done = true;
            return parser.finish(r);
        },
        parser.source());
}

/// Writes records as FASTA, `width` bases a line (0: one line per sequence). Throws format_error naming
/// the file when it cannot be written.
inline void write_fasta(const std::filesystem::path& path, const std::vector<std::string>& names,
                        const std::vector<std::string>& sequences, std::size_t width = 60) {
    if (names.size() != sequences.size())
        throw argument_error("write_fasta: " + std::to_string(names.size()) + " names for " +
                             std::to_string(sequences.size()) + " sequences");
    std::ofstream out(path, std::ios::binary);
    if (!out) throw format_error(path.string() + ": cannot open for writing");
    for (std::size_t i = 0; i < sequences.size(); ++i) {
        out << '>' << names[i] << '\n';
        const std::string& s = sequences[i];
        const std::size_t step = width == 0 ? std::max<std::size_t>(s.size(), 1) : width;
        for (std::size_t p = 0; p < s.size(); p += step) out.write(s.data() + p, std::streamsize(std::min(step, s.size() - p))).put('\n');
    }
    if (!out.flush()) throw format_error(path.string() + ": write failed");
}

}  // namespace seqnet::io
