// seqnet/io/jaspar.hpp -- DNA motifs in JASPAR's count formats (SCIENCE.md section 26b), one motif or a
// collection, plain or gzip. Module seqnet::io (needs zlib for gzip input).
//
// JASPAR matrices are bases x positions, the transpose of seqnet's rows. Two layouts, told apart per
// motif by its first row:
//   "jaspar"  a header ">ID<TAB>NAME", then four rows "A  [ 4 19 0 ... ]", one per base, letter first and
//             counts in brackets; rows in any order, each base once.
//   "pfm"     a header ">ID NAME", then four rows of counts without letters or brackets, in A, C, G, T
//             order. A file holding nothing but those four rows (as JASPAR's older single-matrix
//             downloads do) is one motif named after the file: "MA0004.1.pfm" or "MA0004.1.pfm.gz"
//             gives id "MA0004.1".
// Motifs are read as counts (motif::from_counts); counts may be integers or reals, and each position keeps
// its own total. In a header, a tab separates ID and name (the name may then hold spaces); without a tab,
// the first run of spaces does. Accepted: LF, CRLF or CR line endings; tabs or runs of spaces; leading and
// trailing whitespace; blank lines anywhere; "A[1 2]" without spaces around the brackets; lower-case base
// letters; headers without a name.
//
// Errors are format_error "<source>:<line>: ...", naming the motif: count rows without a header before
// them; a header without an ID; an ID used twice; a header with no rows; a missing or repeated base row; a
// fifth row; rows of unequal length; rows of both layouts in one motif; bracket errors ('[' missing, ']'
// missing, a second '[', text after ']', brackets without a base letter or after a letter other than
// A, C, G, T); text where counts should be; a negative count; a position whose counts total 0; no motifs
// at all ("<source>: no motifs"). File problems start "<path>: " (cannot open, corrupt gzip, other
// compression).
//
// format_jaspar writes the bracketed format, which parse_jaspar reads back bit for bit: counts as stored in
// their shortest round-trip form (std::to_chars), motifs of probabilities as ppm(m) * nsites. It throws
// argument_error for what the format cannot hold: no motifs, an empty identifier, whitespace in an
// identifier, a name with a tab, line break or surrounding spaces, duplicate identifiers, or a motif
// failing motif::validate().
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/text_file.hpp>
#include <seqnet/motif/motif.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seqnet::io {

namespace detail::jaspar {



inline int base_index(char c) {
    switch (c) {
        case 'A': case 'a': return 0;
        case 'C': case 'c': return 1;
        case 'G': case 'g': return 2;
        case 'T': case 't': return 3;
        default: return -1;
    }
}

/// "A  [ ... ]" or "A[...]": a base letter, then (after optional spaces) a bracket.
inline bool is_bracketed_row(std::string_view line) {
    if (line.size() < 2 || base_index(line[0]) < 0) return false;
    return line[1] == ' ' || line[1] == '\t' || line[1] == '[';
}

/// The id of a headerless single matrix: the file name without ".gz" and one more extension.
inline std::string id_from_source(const std::string& source) {
    std::filesystem::path p(source);
    if (p.extension() == ".gz") p = p.stem();
    std::string id = p.stem().string();
    return id.empty() ? std::string("motif") : id;
}

struct open_record {
    std::string id, name;
    index_t line = 0;                        // of the header, or of the first row when there is none
    bool headerless = false;
    int layout = 0;                          // 0 none yet, 1 bracketed, 2 plain
    std::array<std::vector<double>, 4> rows;
    std::array<index_t, 4> row_line{0, 0, 0, 0};
    int plain_rows = 0;
};

}  // namespace detail::jaspar

/// The motifs of a JASPAR file (bracketed "jaspar" or raw "pfm" layout) in memory, in file order, as
/// counts; `source` names it in errors.
inline std::vector<motif> parse_jaspar(std::string_view text, const std::string& source) {
    namespace d = detail::jaspar;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    detail::line_reader lines(text, source);
    const auto at = [&](index_t line) { return source + ":" + std::to_string(line) + ": "; };
    std::string_view raw;
    std::vector<std::string_view> f;
    std::vector<motif> out;
    std::unordered_map<std::string, index_t> id_lines;
    std::optional<d::open_record> rec;

    const auto close = [&] {
        if (!rec) return;
        const std::string who = "motif '" + rec->id + "'";
        if (rec->layout == 0) throw format_error(at(rec->line) + who + " has no count rows");
        for (int b = 0; b < 4; ++b)
            if (rec->row_line[static_cast<std::size_t>(b)] == 0)
                throw format_error(at(rec->line) + who + (rec->layout == 1
                                                              ? std::string(" has no ") + "ACGT"[b] + " row"
                                                              : " has " + std::to_string(rec->plain_rows) +
                                                                    (rec->plain_rows == 1 ? " count row" : " count rows") +
                                                                    ", expected 4 (A, C, G, T)"));
        const std::size_t W = rec->rows[0].size();
        motif_matrix m(W);
        for (std::size_t k = 0; k < W; ++k) {
            for (std::size_t b = 0; b < 4; ++b) m[k][b] = rec->rows[b][k];
            if (!(m[k][0] + m[k][1] + m[k][2] + m[k][3] > 0.0))
                throw format_error(at(rec->line) + who + ", position " + std::to_string(k + 1) +
                                   ": no counts (the column totals 0)");
        }
        out.push_back(motif::from_counts(std::move(rec->id), std::move(rec->name), std::move(m)));
        rec.reset();
    };

    while (lines.next(raw)) {
        const std::string_view line = detail::trim_spaces(raw);
        if (line.empty()) continue;
        if (line.starts_with('>')) {
            if (rec && rec->headerless)
                throw format_error(at(rec->line) + "count rows without a '>ID NAME' header before them (no header)");
            close();
            const std::string_view h = line.substr(1);
            std::string_view id, name;
            if (const std::size_t tab = h.find('\t'); tab != std::string_view::npos) {
                id = detail::trim_spaces(h.substr(0, tab));
                name = detail::trim_spaces(h.substr(tab + 1));
            } else {
                const std::string_view t = detail::trim_spaces(h);
                const std::size_t sp = t.find(' ');
                id = t.substr(0, sp);
                name = sp == std::string_view::npos ? std::string_view() : detail::trim_spaces(t.substr(sp));
            }
            if (id.empty()) throw format_error(lines.where() + "header without a matrix ID");
            if (id.find(' ') != std::string_view::npos)
                throw format_error(lines.where() + "matrix ID " + detail::quote_field(id) + " contains a space");
            if (const auto [it, fresh] = id_lines.emplace(std::string(id), lines.line()); !fresh)
                throw format_error(lines.where() + "duplicate motif identifier '" + std::string(id) + "' (first at line " +
                                   std::to_string(it->second) + ")");
            rec.emplace();
            rec->id = std::string(id);
            rec->name = std::string(name);
            rec->line = lines.line();
            continue;
        }

        const bool bracketed = d::is_bracketed_row(line);
        if (!rec) {
            if (!out.empty() || bracketed)
                throw format_error(lines.where() + "count rows without a '>ID NAME' header before them (no header)");
            detail::split_whitespace(line, f);
            double first = 0;
            if (!io::detail::parse_real(f[0], first))
                throw format_error(lines.where() + "expected a '>ID NAME' header, found " + detail::quote_field(line));
            rec.emplace();
            rec->id = d::id_from_source(source);
            rec->line = lines.line();
            rec->headerless = true;
        }
        const std::string who = "motif '" + rec->id + "'";
        const int layout = bracketed ? 1 : 2;
        if (rec->layout != 0 && rec->layout != layout)
            throw format_error(lines.where() + who + " mixes rows with base letters and brackets and rows without");
        rec->layout = layout;

        int base = 0;
        std::string_view counts = line;
        if (bracketed) {
            base = d::base_index(line[0]);
            const std::string letter(1, "ACGT"[base]);
            if (rec->row_line[static_cast<std::size_t>(base)])
                throw format_error(lines.where() + who + ": a second " + letter + " row (the first at line " +
                                   std::to_string(rec->row_line[static_cast<std::size_t>(base)]) + ")");
            counts = detail::trim_spaces(line.substr(1));
            if (!counts.starts_with('['))
                throw format_error(lines.where() + who + ", row " + letter + ": expected '[' after the base letter");
            const std::size_t close_at = counts.find(']');
            if (close_at == std::string_view::npos)
                throw format_error(lines.where() + who + ", row " + letter + ": no closing ']'");
            if (!detail::trim_spaces(counts.substr(close_at + 1)).empty())
                throw format_error(lines.where() + who + ", row " + letter + ": text after ']': " +
                                   detail::quote_field(detail::trim_spaces(counts.substr(close_at + 1))));
            counts = counts.substr(1, close_at - 1);
            if (counts.find('[') != std::string_view::npos)
                throw format_error(lines.where() + who + ", row " + letter + ": a second '['");
        } else {
            const char c0 = line[0];
            if (line.find_first_of("[]") != std::string_view::npos && ((c0 >= 'A' && c0 <= 'Z') || (c0 >= 'a' && c0 <= 'z')))
                throw format_error(lines.where() + who + ": a bracketed row starts with " + detail::quote_field(line.substr(0, 1)) +
                                   ", not one of the base letters A, C, G, T");
            if (line.find_first_of("[]") != std::string_view::npos)
                throw format_error(lines.where() + who + ": brackets in a row without a base letter (expected 'A  [ ... ]')");
            if (rec->plain_rows == 4)
                throw format_error(lines.where() + who + ": a fifth count row; a motif has 4 (A, C, G, T), and the next "
                                                         "motif needs a '>ID NAME' header");
            base = rec->plain_rows++;
        }
        const std::string row_name = std::string(who) + ", row " + "ACGT"[base];

        detail::split_whitespace(counts, f);
        std::vector<double>& row = rec->rows[static_cast<std::size_t>(base)];
        row.resize(f.size());
        for (std::size_t k = 0; k < f.size(); ++k) {
            if (!io::detail::parse_real(f[k], row[k]))
                throw format_error(lines.where() + row_name + ", position " + std::to_string(k + 1) + ": " +
                                   detail::quote_field(f[k]) + " is not a number (expected counts)");
            if (row[k] < 0.0)
                throw format_error(lines.where() + row_name + ", position " + std::to_string(k + 1) + ": negative count " +
                                   std::string(f[k]));
        }
        if (row.empty()) throw format_error(lines.where() + row_name + ": no counts");
        for (std::size_t b = 0; b < 4; ++b)
            if (rec->row_line[b] && rec->rows[b].size() != row.size())
                throw format_error(lines.where() + row_name + " has " + std::to_string(row.size()) + " counts but row " +
                                   "ACGT"[b] + " (line " + std::to_string(rec->row_line[b]) + ") has " +
                                   std::to_string(rec->rows[b].size()) + "; rows must be of equal length");
        rec->row_line[static_cast<std::size_t>(base)] = lines.line();
    }
    close();
    if (out.empty()) throw format_error(source + ": no motifs (no '>ID NAME' header with count rows)");
    return out;
}

/// The motifs of a JASPAR file, plain or gzip-compressed.
inline std::vector<motif> read_jaspar(const std::filesystem::path& path) {
    return parse_jaspar(detail::read_text_file(path), path.string());
}

/// Motifs in JASPAR's bracketed format, a blank line between motifs; parse_jaspar reads them back exactly.
inline std::string format_jaspar(const std::vector<motif>& motifs) {
    namespace d = detail::jaspar;
    if (motifs.empty()) throw argument_error("format_jaspar: no motifs (a file without motifs is not read back)");
    std::unordered_map<std::string, std::size_t> seen;
    std::string out;
    for (std::size_t i = 0; i < motifs.size(); ++i) {
        const motif& m = motifs[i];
        const std::string who = "format_jaspar: motif " + std::to_string(i) + " ('" + m.id + "')";
        if (m.id.empty()) throw argument_error("format_jaspar: motif " + std::to_string(i) + " has an empty identifier");
        for (char c : m.id)
            if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f')
                throw argument_error(who + ": the identifier contains whitespace or a control character");
        for (char c : m.name)
            if (static_cast<unsigned char>(c) < ' ' || c == '\x7f')
                throw argument_error(who + ": the name contains a tab, line break or control character");
        if (detail::trim_spaces(m.name).size() != m.name.size())
            throw argument_error(who + ": the name starts or ends with a space");
        if (!seen.emplace(m.id, i).second)
            throw argument_error(who + ": identifier already used by motif " + std::to_string(seen[m.id]));
        m.validate();

        motif_matrix c = m.counts ? m.rows : ppm(m);
        if (!m.counts)
            for (auto& r : c)
                for (double& v : r) v *= m.nsites;
        // Each position padded to its widest count, so that the columns line up.
        std::array<std::vector<std::string>, 4> cells;
        for (std::size_t b = 0; b < 4; ++b)
            for (const auto& r : c) cells[b].push_back(io::detail::shortest_real(r[b]));
        if (i) out += '\n';
        out += '>' + m.id;
        if (!m.name.empty()) out += '\t' + m.name;
        out += '\n';
        for (std::size_t b = 0; b < 4; ++b) {
            out += "ACGT"[b];
            out += "  [";
            for (std::size_t k = 0; k < c.size(); ++k) {
                std::size_t width = 0;
                for (std::size_t e = 0; e < 4; ++e) width = std::max(width, cells[e][k].size());
                out.append(width + 1 - cells[b][k].size(), ' ');
                out += cells[b][k];
            }
            out += " ]\n";
        }
    }
    return out;
}

/// Writes format_jaspar(motifs) to `path`. Throws format_error naming the file when it cannot be written.
inline void write_jaspar(const std::filesystem::path& path, const std::vector<motif>& motifs) {
    const std::string text = format_jaspar(motifs);
    std::ofstream out(path, std::ios::binary);
    if (!out) throw format_error(path.string() + ": cannot open for writing");
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) throw format_error(path.string() + ": write failed");
}

}  // namespace seqnet::io
