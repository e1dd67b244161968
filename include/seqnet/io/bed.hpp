// seqnet/io/bed.hpp -- BED intervals (BED3 to BED12, narrowPeak with its summit), plain or gzip.
// Module seqnet::io (needs zlib for gzip input).
//
// Coordinates are BED's: 0-based, half-open [start, end), so "chr1 100 200" is the 100 bases 100..199
// (the 1-based, closed chr1:101-200 of a genome browser). Columns: chrom, start, end, then optionally
// name (4), score (5, not interpreted), strand (6: '+', '-' or '.'); columns 7 and up are ignored except
// in a line of exactly 10 columns (narrowPeak), whose 10th is the summit's offset from start (-1: none);
// BED12's 10th column is a block count, hence the exact count. Fields are tab-separated; a line without
// any tab is split at runs of spaces. Blank lines and lines starting with '#', "track" or "browser" are
// skipped; line endings may be LF, CRLF or CR.
//
// Errors are format_error "<source>:<line>: ...", naming the column: fewer than 3 columns; a start or
// end that is not a non-negative integer (quoted); end <= start; an empty chromosome name; a strand other
// than + - .; a narrowPeak summit that is not an integer or lies outside the interval; a NUL byte. File
// problems start "<path>: " (cannot open, corrupt gzip, other compression).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/text_file.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seqnet::io {

struct bed_interval {
    std::string chrom;
    index_t start = 0;   ///< 0-based, first base
    index_t end = 0;     ///< 0-based, one past the last base
    std::string name;    ///< column 4, or empty
    char strand = '.';   ///< column 6: '+', '-' or '.'
    index_t summit = -1; ///< narrowPeak column 10: summit offset from start, or -1
    index_t line = 0;    ///< 1-based line in the file, for messages

    index_t length() const { return end - start; }
};

namespace detail {

inline bool is_bed_meta_line(std::string_view line) {
    if (line.starts_with("#")) return true;
    for (std::string_view word : {std::string_view("track"), std::string_view("browser")})
        if (line.starts_with(word) && (line.size() == word.size() || line[word.size()] == ' ' ||
                                       line[word.size()] == '\t'))
            return true;
    return false;
}

}  // namespace detail

/// The intervals of a BED text in memory, in file order; `source` names it in errors.
inline std::vector<bed_interval> parse_bed(std::string_view text, const std::string& source) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    detail::line_reader lines(text, source);
    std::string_view line;
    std::vector<std::string_view> f;
    std::vector<bed_interval> out;
    while (lines.next(line)) {
        if (detail::is_blank(line) || detail::is_bed_meta_line(line)) continue;
        if (line.find('\t') != std::string_view::npos)
            detail::split_fields(line, '\t', f);
        else
            detail::split_whitespace(line, f);
        if (f.size() < 3)
            throw format_error(lines.where() + "expected at least 3 columns (chrom, start, end), got " +
                               std::to_string(f.size()) + (line.find('\t') == std::string_view::npos
                                                               ? " (fields are tab-separated)"
                                                               : ""));
        bed_interval b;
        b.line = lines.line();
        b.chrom = std::string(detail::trim_spaces(f[0]));
        if (b.chrom.empty()) throw format_error(lines.where() + "column 1 (chrom) is empty");
        auto coordinate = [&](std::size_t c, const char* what) {
            const std::string_view s = detail::trim_spaces(f[c]);
            std::int64_t v = 0;
            if (!detail::parse_int(s, v) || v < 0)
                throw format_error(lines.where() + "column " + std::to_string(c + 1) + " (" + what + "): " +
                                   detail::quote_field(s) + " is not a non-negative integer");
            return static_cast<index_t>(v);
        };
        b.start = coordinate(1, "start");
        b.end = coordinate(2, "end");
        if (b.end <= b.start)
            throw format_error(lines.where() + "end " + std::to_string(b.end) + " (column 3) is not after start " +
                               std::to_string(b.start) +
                               " (column 2); BED intervals are 0-based and half-open, so end must exceed start");
        if (f.size() > 3) b.name = std::string(detail::trim_spaces(f[3]));
        if (f.size() > 5) {
            const std::string_view s = detail::trim_spaces(f[5]);
            if (s != "+" && s != "-" && s != ".")
                throw format_error(lines.where() + "column 6 (strand): " + detail::quote_field(s) +
                                   " is not '+', '-' or '.'");
            b.strand = s[0];
        }
        if (f.size() == 10) {  // narrowPeak
            const std::string_view s = detail::trim_spaces(f[9]);
            std::int64_t v = 0;
            if (!detail::parse_int(s, v))
                throw format_error(lines.where() + "column 10 (narrowPeak summit offset): " + detail::quote_field(s) +
                                   " is not an integer");
            if (v < -1 || v >= b.length())
                throw format_error(lines.where() + "column 10 (narrowPeak summit offset): " + std::to_string(v) +
                                   " is outside the interval (0 to " + std::to_string(b.length() - 1) +
                                   " from start, or -1 for none)");
            b.summit = static_cast<index_t>(v);
        }
        out.push_back(std::move(b));
    }
    return out;
}

/// The intervals of a BED file, plain or gzip-compressed, in file order.
inline std::vector<bed_interval> read_bed(const std::filesystem::path& path) {
    return parse_bed(detail::read_text_file(path), path.string());
}

}  // namespace seqnet::io
