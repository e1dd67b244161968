// seqnet/io/fai.hpp -- random access to an uncompressed reference FASTA through a samtools-style .fai
// index, read or built by seqnet itself (no htslib; for bgzip-compressed genomes see hts_fasta.hpp).
// Module seqnet::io.
//
// indexed_fasta(path) reads PATH.fai (samtools faidx format: name, length, offset of the first base,
// bases per line, bytes per line; one tab-separated line per record) or, when it is absent and
// build_index_if_absent is true, builds the index by one pass over the FASTA and writes it to PATH.fai
// (written to a temporary file and renamed into place; if that fails, e.g. in a read-only directory,
// the index is kept in memory only). fetch(chrom, start, end) returns the bases [start, end) -- 0-based,
// half-open, as BED -- exactly as stored: soft-masked lowercase stays lowercase. fetch is thread-safe
// (one file handle under a mutex); cost O(end - start) plus one seek.
//
// Building follows samtools: the record name is the first word of its header; within a record every
// sequence line has the same number of bases and the same line ending (LF or CRLF), except the last
// line, which may be shorter. Blank lines may end a record; a sequence line after a shorter line or a
// blank line is an error ("<path>:<line>: record 'chr2': ..."), as are sequence data before the first
// header, an empty name, a duplicate name, NUL bytes and a file with no record.
//
// Other errors: a .fai line that is malformed ("<path>.fai:<line>: ..."); a .fai that does not fit the
// FASTA -- a record that would end past the end of the file, or bytes at its offsets that are not
// sequence -- is reported as stale ("the index looks stale (was the FASTA changed after indexing?):
// delete <path>.fai to rebuild it"); gzip or bgzip input (named as such: an index on a gzip file needs
// bgzip; a bgzip file needs hts_fasta); these are format_error. fetch and length on an unknown
// chromosome (the message lists some known ones) and a range outside the chromosome are argument_error.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/fasta.hpp>
#include <seqnet/io/text_file.hpp>

#include <chrono>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seqnet::io {

/// One record of a .fai index.
struct fai_entry {
    std::string name;
    index_t length = 0;      ///< bases
    index_t offset = 0;      ///< byte offset of the first base in the FASTA file
    index_t line_bases = 0;  ///< bases per full line
    index_t line_width = 0;  ///< bytes per full line, line ending included
    index_t line = 0;        ///< line of the .fai it came from (0: built), for messages
};

namespace detail {

// Throws for a FASTA file that an index cannot address: gzip, bgzip, bzip2, xz or zstd.
inline void check_indexable_start(std::string_view head, const std::string& source) {
    if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
        static_cast<unsigned char>(head[1]) == 0x8b) {
        const bool bgzf = head.size() >= 16 && (static_cast<unsigned char>(head[3]) & 4) && head[12] == 'B' &&
                          head[13] == 'C';
        if (bgzf)
            throw format_error(source + ": compressed with bgzip: indexed_fasta reads uncompressed FASTA only; use "
                                        "seqnet::io::hts_fasta (seqnet/io/hts_fasta.hpp, target seqnet::hts) or "
                                        "decompress it (bgzip -d)");
        throw format_error(source + ": compressed with gzip, not bgzip: index needs bgzip or no compression "
                                    "(gunzip it; or gunzip, then bgzip for a compressed indexed genome)");
    }
    check_start(head, source);
}

// Byte offset of base `pos` of the record; false if the arithmetic overflows.
inline bool fai_byte_of(const fai_entry& e, index_t pos, index_t& out) {
    if (e.line_bases <= 0) return false;
    index_t lines = 0, within = 0;
    if (__builtin_mul_overflow(pos / e.line_bases, e.line_width, &lines)) return false;
    within = pos % e.line_bases;
    return !__builtin_add_overflow(e.offset, lines, &out) && !__builtin_add_overflow(out, within, &out);
}

inline std::string fai_stale(const std::string& fai_path) {
    return "the index looks stale (was the FASTA changed after indexing?): delete " + fai_path + " to rebuild it";
}

}  // namespace detail

/// The records of a .fai text; `source` names it in errors.
inline std::vector<fai_entry> parse_fai(std::string_view text, const std::string& source) {
    detail::line_reader lines(text, source);
    std::string_view line;
    std::vector<std::string_view> f;
    std::vector<fai_entry> out;
    std::unordered_map<std::string, index_t> first_line;
    static constexpr const char* field_names[] = {"name", "length", "offset", "linebases", "linewidth"};
    while (lines.next(line)) {
        if (detail::is_blank(line)) continue;
        detail::split_fields(line, '\t', f);
        if (f.size() == 6)
            throw format_error(lines.where() + "6 fields: a FASTQ index (indexed_fasta reads FASTA indexes: name, "
                                               "length, offset, linebases, linewidth)");
        if (f.size() != 5)
            throw format_error(lines.where() + "expected 5 tab-separated fields (name, length, offset, linebases, "
                                               "linewidth), got " + std::to_string(f.size()));
        fai_entry e;
        e.name = std::string(f[0]);
        e.line = lines.line();
        if (e.name.empty()) throw format_error(lines.where() + "empty record name");
        index_t* values[] = {&e.length, &e.offset, &e.line_bases, &e.line_width};
        for (std::size_t c = 1; c < 5; ++c) {
            std::int64_t v = 0;
            if (!detail::parse_int(f[c], v) || v < 0)
                throw format_error(lines.where() + "field " + std::to_string(c + 1) + " (" + field_names[c] +
                                   "): " + detail::quote_field(f[c]) + " is not a non-negative integer");
            *values[c - 1] = static_cast<index_t>(v);
        }
        if (e.length > 0 && e.line_bases == 0)
            throw format_error(lines.where() + "record '" + e.name + "' has " + std::to_string(e.length) +
                               " bases but 0 bases per line");
        if (e.line_width < e.line_bases)
            throw format_error(lines.where() + "record '" + e.name + "': linewidth " + std::to_string(e.line_width) +
                               " is less than linebases " + std::to_string(e.line_bases));
        auto [it, fresh] = first_line.try_emplace(e.name, e.line);
        if (!fresh)
            throw format_error(lines.where() + "duplicate record name '" + e.name + "' (first at line " +
                               std::to_string(it->second) + ")");
        out.push_back(std::move(e));
    }
    if (out.empty()) throw format_error(source + ": empty index (no records)");
    return out;
}

/// The .fai text of `entries` (samtools format).
inline std::string format_fai(const std::vector<fai_entry>& entries) {
    std::string s;
    for (const auto& e : entries)
        s += e.name + '\t' + std::to_string(e.length) + '\t' + std::to_string(e.offset) + '\t' +
             std::to_string(e.line_bases) + '\t' + std::to_string(e.line_width) + '\n';
    return s;
}

namespace detail {

// What the index builder needs to know of one line of the FASTA.
struct fai_line {
    index_t start = 0;    // file offset of its first byte
    index_t bytes = 0;    // bytes before the '\n' (a CR included)
    index_t eol = 0;      // 1 for '\n', 0 at the end of a file without a final newline
    bool cr = false;      // its last byte before the '\n' is a CR
    bool blank = true;    // only spaces and tabs (or nothing)
    char first = 0;       // its first byte
    std::string header;   // its text, for a header line ('>' first) only
};

// Builds the index of a FASTA file from its lines (see the file comment for the rules).
class fai_builder {
public:
    explicit fai_builder(std::string source) : source_(std::move(source)) {}

    void line(const fai_line& l) {
        ++line_no_;
        const index_t n = l.bytes - (l.cr ? 1 : 0);  // bases on the line
        const index_t eol = l.eol + (l.cr ? 1 : 0);  // bytes of its line ending
        if (l.blank) {
            if (open_ && lines_ > 0) ended_ = true;
            return;
        }
        if (l.first == '>') {
            finish();
            std::string_view text(l.header);
            if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
            std::size_t i = 1;
            while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\v' && text[i] != '\f') ++i;
            if (i == 1) fail("header with an empty name (the name must follow '>' directly)");
            cur_ = fai_entry{};
            cur_.name = std::string(text.substr(1, i - 1));
            cur_.offset = l.start + l.bytes + l.eol;
            auto [it, fresh] = first_line_.try_emplace(cur_.name, line_no_);
            if (!fresh)
                fail("duplicate record name '" + cur_.name + "' (first at line " + std::to_string(it->second) + ")");
            open_ = true;
            ended_ = false;
            lines_ = 0;
            return;
        }
        if (!open_) fail("sequence data before the first '>' header (is this a FASTA file?)");
        const std::string rewrap = "; an index needs every line of a record but the last to have the same length "
                                   "(rewrap the FASTA to one line width)";
        if (ended_) fail("record '" + cur_.name + "': sequence line after a shorter or blank line" + rewrap);
        if (lines_ == 0) {
            cur_.offset = l.start;
            cur_.line_bases = n;
            cur_.line_width = n + eol;
        } else if (n > cur_.line_bases) {
            fail("record '" + cur_.name + "': line has " + std::to_string(n) + " bases, more than the " +
                 std::to_string(cur_.line_bases) + " of the record's first sequence line" + rewrap);
        } else if (n < cur_.line_bases) {
            ended_ = true;
        } else if (l.eol != 0 && n + eol != cur_.line_width) {
            fail("record '" + cur_.name + "': line ending differs from the record's first sequence line (mixed LF "
                 "and CRLF); an index needs one line width");
        }
        cur_.length += n;
        ++lines_;
    }

    std::vector<fai_entry> finish_all() {
        finish();
        if (out_.empty()) throw format_error(source_ + ": no FASTA records to index");
        return std::move(out_);
    }

    index_t line_no() const { return line_no_; }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw format_error(source_ + ":" + std::to_string(line_no_) + ": " + what);
    }

    void finish() {
        if (!open_) return;
        out_.push_back(std::move(cur_));
        cur_ = fai_entry{};
        open_ = false;
    }

    std::string source_;
    index_t line_no_ = 0;
    bool open_ = false, ended_ = false;
    index_t lines_ = 0;  // sequence lines of the current record
    fai_entry cur_;
    std::unordered_map<std::string, index_t> first_line_;
    std::vector<fai_entry> out_;
};

// Adds bytes [p, p + n) of the current line (no '\n' among them) to its summary.
inline void fai_extend(fai_line& l, const char* p, std::size_t n) {
    if (n == 0) return;
    if (l.bytes == 0) l.first = p[0];
    if (l.cr || std::memchr(p, '\r', n - 1))
        throw format_error("a CR inside a line (old Mac line endings?); an index needs LF or CRLF line endings");
    if (l.first != '>' && std::memchr(p, '>', n))
        throw format_error("'>' inside a sequence line (a header must start its line)");
    if (l.blank)
        for (std::size_t i = 0; i < n && l.blank; ++i) l.blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
    if (l.first == '>') {
        if (l.header.size() + n > (std::size_t(1) << 24))
            throw format_error("header line longer than 16 MiB");
        l.header.append(p, n);
    }
    l.cr = p[n - 1] == '\r';
    l.bytes += static_cast<index_t>(n);
}

}  // namespace detail

/// The index of an uncompressed FASTA file, built by reading it once (see the file comment).
inline std::vector<fai_entry> build_fai(const std::filesystem::path& path) {
    const std::string source = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw format_error(source + ": cannot open: is a directory");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        throw format_error(source + ": cannot open: " +
                           (err ? std::generic_category().message(err) : std::string("failed")));
    }
    detail::fai_builder builder(source);
    std::vector<char> buf(std::size_t(1) << 20);
    detail::fai_line cur;
    index_t file_pos = 0;  // file offset of buf[0]
    bool first = true, in_line = false;
    try {
        for (;;) {
            in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
            const auto got = static_cast<std::size_t>(in.gcount());
            if (got == 0) break;
            const char* data = buf.data();
            if (first) {
                first = false;
                detail::check_indexable_start(std::string_view(data, got), source);
            }
            if (const void* z = std::memchr(data, 0, got)) {
                index_t line = builder.line_no() + 1;
                for (const char* q = data; q < static_cast<const char*>(z); ++q) line += *q == '\n';
                throw format_error(source + ":" + std::to_string(line) + ": NUL byte (a binary file?)");
            }
            std::size_t b = 0;
            while (b < got) {
                if (!in_line) {
                    cur = detail::fai_line{};
                    cur.start = file_pos + static_cast<index_t>(b);
                    in_line = true;
                }
                const void* nl = std::memchr(data + b, '\n', got - b);
                const std::size_t e = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : got;
                detail::fai_extend(cur, data + b, e - b);
                if (!nl) break;
                cur.eol = 1;
                builder.line(cur);
                in_line = false;
                b = e + 1;
            }
            file_pos += static_cast<index_t>(got);
        }
    } catch (const format_error& e) {
        const std::string what = e.what();
        if (what.starts_with(source)) throw;
        throw format_error(source + ":" + std::to_string(builder.line_no() + 1) + ": " + what);
    }
    if (in.bad()) throw format_error(source + ": read error");
    if (in_line) builder.line(cur);
    return builder.finish_all();
}

/// A reference FASTA with random access by chromosome and range (see the file comment).
class indexed_fasta {
public:
    /// Opens `path` with its index PATH.fai; builds the index when it is absent and
    /// `build_index_if_absent` is true (writing it next to the FASTA where possible).
    explicit indexed_fasta(const std::filesystem::path& path, bool build_index_if_absent = true)
        : path_(path), source_(path.string()), state_(std::make_unique<state>()) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) throw format_error(source_ + ": cannot open: is a directory");
        errno = 0;
        state_->file.open(path, std::ios::binary);
        if (!state_->file) {
            const int err = errno;
            throw format_error(source_ + ": cannot open: " +
                               (err ? std::generic_category().message(err) : std::string("failed")));
        }
        char head[32] = {};
        state_->file.read(head, sizeof head);
        detail::check_indexable_start(std::string_view(head, static_cast<std::size_t>(state_->file.gcount())),
                                      source_);
        state_->file.clear();
        size_ = static_cast<index_t>(std::filesystem::file_size(path, ec));
        if (ec) throw format_error(source_ + ": cannot read its size: " + ec.message());

        const std::filesystem::path fai = std::filesystem::path(source_ + ".fai");
        if (std::filesystem::exists(fai, ec)) {
            fai_source_ = fai.string();
            entries_ = parse_fai(read_whole(fai), fai_source_);
            index_path_ = fai;
        } else if (build_index_if_absent) {
            entries_ = build_fai(path);
            fai_source_ = source_ + " (index built in memory)";
            if (try_write(fai, format_fai(entries_))) {
                index_path_ = fai;
                fai_source_ = fai.string();
            }
        } else {
            throw format_error(source_ + ": no index " + fai.string() +
                               " (create it with samtools faidx, or let indexed_fasta build it)");
        }
        names_.reserve(entries_.size());
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            const fai_entry& e = entries_[i];
            names_.push_back(e.name);
            by_name_.emplace(e.name, i);
            if (e.length == 0) continue;
            if (e.offset < 1)
                throw format_error(where(e) + "record '" + e.name + "' starts at byte 0, where a FASTA file has a "
                                   "header: " + detail::fai_stale(fai_path_text()));
            index_t last = 0;
            if (!detail::fai_byte_of(e, e.length - 1, last) || last >= size_)
                throw format_error(where(e) + "record '" + e.name + "' (" + std::to_string(e.length) +
                                   " bases from byte " + std::to_string(e.offset) + ") would end past the end of " +
                                   source_ + " (" + std::to_string(size_) + " bytes): " +
                                   detail::fai_stale(fai_path_text()));
        }
        state_->checked.assign(entries_.size(), false);
    }

    /// Bases [start, end) of `chrom` (0-based, half-open), as stored (case kept).
    std::string fetch(std::string_view chrom, index_t start, index_t end) const {
        const std::size_t i = find(chrom);
        const fai_entry& e = entries_[i];
        if (start < 0 || end < start || end > e.length)
            throw argument_error("indexed_fasta " + source_ + ": range " + std::string(chrom) + ":" +
                                 std::to_string(start) + "-" + std::to_string(end) +
                                 (start < 0 || end < start ? " is not a valid range (need 0 <= start <= end)"
                                                           : " runs past the end of '" + e.name + "' (length " +
                                                                 std::to_string(e.length) + ")"));
        std::string out;
        if (start == end) return out;
        index_t first = 0, last = 0;
        detail::fai_byte_of(e, start, first);  // in range: checked against the file size when opened
        detail::fai_byte_of(e, end - 1, last);
        std::string raw(static_cast<std::size_t>(last - first + 1), '\0');
        {
            std::lock_guard lock(state_->mutex);
            if (!state_->checked[i]) {
                check_record_ends(e);
                state_->checked[i] = true;
            }
            read_at(first, raw.data(), static_cast<index_t>(raw.size()), e);
        }
        out.reserve(static_cast<std::size_t>(end - start));
        index_t col = (first - e.offset) % e.line_width;
        for (char c : raw) {
            if (col < e.line_bases) {
                if (c == '\n' || c == '\r' || c == '>' || c == '\0')
                    throw format_error(where(e) + "record '" + e.name + "': byte " + std::to_string(first + col) +
                                       " of " + source_ + " is not sequence: " + detail::fai_stale(fai_path_text()));
                out += c;
            }
            if (++col == e.line_width) col = 0;
        }
        return out;
    }

    /// Length of `chrom` in bases.
    index_t length(std::string_view chrom) const { return entries_[find(chrom)].length; }
    /// Whether the FASTA has a record called `chrom`.
    bool contains(std::string_view chrom) const { return by_name_.count(std::string(chrom)) != 0; }
    /// Record names in file order.
    const std::vector<std::string>& chromosomes() const { return names_; }
    /// The index records in file order.
    const std::vector<fai_entry>& index() const { return entries_; }
    const std::filesystem::path& path() const { return path_; }
    /// Where the index was read from or written to; empty when it is held in memory only.
    const std::filesystem::path& index_path() const { return index_path_; }

private:
    struct state {
        std::ifstream file;
        std::mutex mutex;
        std::vector<bool> checked;  // the bytes around a record's sequence were checked once
    };

    std::string fai_path_text() const { return source_ + ".fai"; }
    std::string where(const fai_entry& e) const {
        return e.line > 0 ? fai_source_ + ":" + std::to_string(e.line) + ": " : fai_source_ + ": ";
    }

    std::size_t find(std::string_view chrom) const {
        const std::string key(chrom);
        auto it = by_name_.find(key);
        if (it != by_name_.end()) return it->second;
        std::string msg = "indexed_fasta " + source_ + ": unknown chromosome '" + key + "' (" +
                          std::to_string(names_.size()) + " known: " + detail::name_list(names_, 5) + ")";
        const std::string alt = key.starts_with("chr") ? key.substr(3) : "chr" + key;
        if (by_name_.count(alt)) msg += "; did you mean '" + alt + "'?";
        throw argument_error(msg);
    }

    // Reads n bytes at `pos` (mutex held).
    void read_at(index_t pos, char* out, index_t n, const fai_entry& e) const {
        auto& f = state_->file;
        f.clear();
        f.seekg(static_cast<std::streamoff>(pos));
        f.read(out, static_cast<std::streamsize>(n));
        if (f.gcount() != static_cast<std::streamsize>(n))
            throw format_error(where(e) + "record '" + e.name + "': " + source_ + " ends before byte " +
                               std::to_string(pos + n) + " (shorter than expected): " +
                               detail::fai_stale(fai_path_text()));
    }

    // The byte before a record's first base must end its header line, and the one after its last base
    // must end a line (or the file): cheap evidence that the index fits the file (mutex held).
    void check_record_ends(const fai_entry& e) const {
        char c = 0;
        read_at(e.offset - 1, &c, 1, e);
        if (c != '\n')
            throw format_error(where(e) + "record '" + e.name + "': the byte before offset " + std::to_string(e.offset) +
                               " does not end a line: " + detail::fai_stale(fai_path_text()));
        index_t last = 0;
        detail::fai_byte_of(e, e.length - 1, last);
        if (last + 1 < size_) {
            read_at(last + 1, &c, 1, e);
            if (c != '\n' && c != '\r')
                throw format_error(where(e) + "record '" + e.name + "': sequence does not end where the index says (byte " +
                                   std::to_string(last + 1) + "): " + detail::fai_stale(fai_path_text()));
        }
    }

    static std::string read_whole(const std::filesystem::path& p) {
        std::ifstream f(p, std::ios::binary);
        if (!f) throw format_error(p.string() + ": cannot open");
        std::string s;
        char buf[1 << 16];
        while (f.read(buf, sizeof buf) || f.gcount() > 0) s.append(buf, static_cast<std::size_t>(f.gcount()));
        if (f.bad()) throw format_error(p.string() + ": read error");
        return s;
    }

    // Writes `text` to `target` through a temporary file and a rename; false (nothing left behind) on failure.
    static bool try_write(const std::filesystem::path& target, const std::string& text) {
        std::error_code ec;
        const auto tick = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        const std::filesystem::path tmp(target.string() + ".tmp" + std::to_string(tick % 1000000007u));
        {
            std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
            if (!f) return false;
            f.write(text.data(), static_cast<std::streamsize>(text.size()));
            f.close();
            if (!f) {
                std::filesystem::remove(tmp, ec);
                return false;
            }
        }
        std::filesystem::rename(tmp, target, ec);
        if (ec) {
            std::filesystem::remove(tmp, ec);
            return false;
        }
        return true;
    }

    std::filesystem::path path_;
    std::string source_;
    std::string fai_source_;
    std::filesystem::path index_path_;
    index_t size_ = 0;
    std::vector<fai_entry> entries_;
    std::vector<std::string> names_;
    std::unordered_map<std::string, std::size_t> by_name_;
    std::unique_ptr<state> state_;
};

}  // namespace seqnet::io
