// seqnet/io/text_file.hpp -- the pieces shared by seqnet's line-oriented text readers (labels, BED):
// whole-file reading (plain or gzip), line splitting, field splitting and strict number parsing.
// Module seqnet::io (needs zlib).
//
// read_text_file reads a file whole, plain or gzip-compressed (zlib reads plain files through the same
// call; multi-member gzip such as bgzip output works too), refusing bzip2, xz and zstd by their magic
// numbers as fasta.hpp does, and skipping a UTF-8 byte-order mark. Errors are format_error starting
// "<path>: ". line_reader walks a text line by line with 1-based line numbers, LF, CRLF or lone-CR line
// endings, and rejects NUL bytes ("<source>:<line>: NUL byte ... (a binary file?)"). The number parsers
// accept exactly what std::from_chars accepts for the whole field: no leading '+', no spaces, no trailing
// text, and (for integers) no overflow.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/fasta.hpp>

#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace seqnet::io::detail {

/// The whole content of a plain or gzip-compressed file; a leading UTF-8 BOM is dropped.
inline std::string read_text_file(const std::filesystem::path& path) {
    const std::string source = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw format_error(source + ": cannot open: is a directory");
    errno = 0;
#if defined(_WIN32)
    std::unique_ptr<gzFile_s, gzfile_closer> file(gzopen_w(path.c_str(), "rb"));
#else
    std::unique_ptr<gzFile_s, gzfile_closer> file(gzopen(path.c_str(), "rb"));
#endif
    if (!file) {
        const int err = errno;
        throw format_error(source + ": cannot open: " +
                           (err ? std::generic_category().message(err) : std::string("out of memory")));
    }
    gzbuffer(file.get(), 1u << 17);
    std::string text;
    constexpr unsigned chunk = 1u << 16;
    for (;;) {
        const std::size_t at = text.size();
        text.resize(at + chunk);
        const int n = gzread(file.get(), text.data() + at, chunk);
        int errnum = Z_OK;
        const char* msg = gzerror(file.get(), &errnum);
        if (n < 0 || (n == 0 && errnum != Z_OK)) {
            std::string m = msg ? msg : "";
            if (m.starts_with(source + ": ")) m.erase(0, source.size() + 2);
            throw format_error(source + ": gzip error: " + m + " (corrupt or truncated gzip file)");
        }
        text.resize(at + static_cast<std::size_t>(n));
        if (n == 0) break;
    }
    text.erase(0, check_start(text, source));
    return text;
}

/// Lines of a text, numbered from 1; the line ending (LF, CRLF or CR) is not part of the line.
class line_reader {
public:
    line_reader(std::string_view text, const std::string& source) : text_(text), source_(source) {}

    /// The next line into `line`; false at the end of the text. Throws format_error for a NUL byte.
    bool next(std::string_view& line) {
        if (pos_ >= text_.size()) return false;
        if (started_) ++line_no_;
        started_ = true;
        std::size_t e = pos_;
        while (e < text_.size() && text_[e] != '\n' && text_[e] != '\r') {
            if (text_[e] == '\0')
                throw format_error(source_ + ":" + std::to_string(line_no_) + ": NUL byte at column " +
                                   std::to_string(e - pos_ + 1) + " (a binary file?)");
            ++e;
        }
        line = text_.substr(pos_, e - pos_);
        if (e < text_.size()) {  // past the line ending: LF, CR, or CR LF
            if (text_[e++] == '\r' && e < text_.size() && text_[e] == '\n') ++e;
        }
        pos_ = e;
        return true;
    }

    /// Number of the line last returned by next().
    index_t line() const { return line_no_; }
    const std::string& source() const { return source_; }

    /// "<source>:<line>: " for messages about the current line.
    std::string where() const { return source_ + ":" + std::to_string(line_no_) + ": "; }

private:
    std::string_view text_;
    const std::string& source_;
    std::size_t pos_ = 0;
    index_t line_no_ = 1;
    bool started_ = false;
};

/// Fields of a line separated by `sep` (empty fields kept: "a\t\tb" has three).
inline void split_fields(std::string_view line, char sep, std::vector<std::string_view>& out) {
    out.clear();
    std::size_t b = 0;
    for (;;) {
        const std::size_t e = line.find(sep, b);
        if (e == std::string_view::npos) {
            out.push_back(line.substr(b));
            return;
        }
        out.push_back(line.substr(b, e - b));
        b = e + 1;
    }
}

/// Fields of a line separated by runs of spaces or tabs (no empty fields).
inline void split_whitespace(std::string_view line, std::vector<std::string_view>& out) {
    out.clear();
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i == line.size()) break;
        std::size_t e = i;
        while (e < line.size() && line[e] != ' ' && line[e] != '\t') ++e;
        out.push_back(line.substr(i, e - i));
        i = e;
    }
}

inline std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

inline bool is_blank(std::string_view s) { return trim_spaces(s).empty(); }

/// The whole field as a base-10 integer (optional leading '-'); false on anything else or overflow.
inline bool parse_int(std::string_view s, std::int64_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

/// The whole field as a finite float (decimal or scientific notation); false on anything else,
/// including "inf", "nan" and values outside float's range.
inline bool parse_finite_float(std::string_view s, float& out) {
    if (s.empty()) return false;
    double d = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d)) return false;
    if (std::abs(d) > static_cast<double>(std::numeric_limits<float>::max())) return false;
    out = static_cast<float>(d);
    return true;
}

/// The whole field as a finite double, as motif files write them: a leading '+' is allowed, and a
/// value too small for a double (MEME prints E-values such as 1e-400) reads as 0. False for anything
/// else, including inf, nan and overflow.
inline bool parse_real(std::string_view s, double& out) {
    if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (p != s.data() + s.size()) return false;
    if (ec == std::errc::result_out_of_range) {
        const std::string_view mag = s.starts_with('-') ? s.substr(1) : s;
        const std::size_t e = mag.find_first_of("eE");
        const bool tiny = e != std::string_view::npos ? mag.substr(e + 1).starts_with('-')
                                                      : mag.starts_with("0.") || mag.starts_with('.');
        if (!tiny) return false;
        out = s.starts_with('-') ? -0.0 : 0.0;
        return true;
    }
    return ec == std::errc() && std::isfinite(out);
}

/// The shortest text that reads back as the same double (std::to_chars): exact round trips.
inline std::string shortest_real(double v) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

/// A field quoted for a message, shortened past 40 characters, control bytes as \xNN.
inline std::string quote_field(std::string_view s) {
    std::string out = "'";
    const std::size_t n = s.size() > 40 ? 37 : s.size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (u >= 32 && u < 127) {
            out += s[i];
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    if (n < s.size()) out += "...";
    return out + "'";
}

/// Up to `shown` names joined by ", ", then " (and N more)".
inline std::string name_list(const std::vector<std::string>& names, std::size_t shown = 5) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < shown; ++i) {
        if (i) out += ", ";
        out += names[i];
    }
    if (names.size() > shown) out += " (and " + std::to_string(names.size() - shown) + " more)";
    return out;
}

}  // namespace seqnet::io::detail
