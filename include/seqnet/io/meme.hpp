// seqnet/io/meme.hpp -- DNA motifs in the MEME minimal motif format (SCIENCE.md section 26a), plain or
// gzip. Module seqnet::io (needs zlib for gzip input).
//
// A file is a "MEME version <n>" line (first, after any blank lines), then optionally "ALPHABET= ACGT",
// "strands: +" or "strands: + -" (absent: both strands) and "Background letter frequencies" followed by
// the four pairs "A p C p G p T p" (absent: uniform), then motifs: "MOTIF <id> [<name>]", a
// "letter-probability matrix: alength= 4 w= W nsites= n E= e" line and W rows of A, C, G, T
// probabilities, then optionally "URL <url>". Motifs are read as probabilities (motif::from_probabilities)
// with the file's nsites (default 20) and E-value (default 0).
//
// Accepted, as real files have it: LF, CRLF or CR line endings; tabs or runs of spaces; leading and
// trailing whitespace; blank lines; "(from <source>)" or any other text after the background header;
// background pairs spread over several lines and in any letter order; a background summing to 1 within
// 0.01 (renormalised when off by more than 1e-6, so that background::validate accepts it); "S=" in place
// of "E="; "key=value" with or without spaces; unknown keys; any of alength, w, nsites, E missing (without
// w, the rows run up to a blank line, the next MOTIF or URL line, or the end of the file); E-values below
// the smallest double (MEME prints some) read as 0; extra words after "MOTIF <id> <name>" (ignored);
// lines MEME's minimal format does not define, between or inside motifs outside a matrix (ignored).
//
// Errors are format_error "<source>:<line>: ...", naming the motif (and position for a row): no
// "MEME version" line first, or a second one; an ALPHABET other than ACGT (custom alphabet definitions
// too); "strands:" other than + or + -; header sections repeated or after the first MOTIF; a background
// that is not four positive numbers for A, C, G, T summing to 1 within 0.01; a MOTIF line without an
// identifier, or one already used; a motif without a letter-probability matrix, or with two; alength
// other than 4; a malformed key= value; w not a positive integer or not the number of rows; a row with
// other than 4 columns; a field that is not a number; a negative probability; a row summing to 1 +- more
// than 0.01; a matrix cut off by the end of the file; no motifs at all ("<source>: no motifs").
// File problems start "<path>: " (cannot open, corrupt gzip, other compression).
//
// format_meme writes what parse_meme reads back bit for bit: numbers in their shortest round-trip form
// (std::to_chars), probability rows as stored, motifs of counts as ppm(m) with nsites = m.nsites. It
// throws argument_error for what the format cannot hold: no motifs, an empty identifier, whitespace or
// '=' in an identifier or name, duplicate identifiers, a line break in a URL, a motif failing
// motif::validate(), a non-finite E-value or an invalid background.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/text_file.hpp>
#include <seqnet/motif/motif.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
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

/// The content of a MEME motif file.
struct meme_file {
    std::vector<motif> motifs;  ///< probabilities, with the file's nsites, E-value, URL, id and name
    background bg;              ///< uniform when the file has none
    bool both_strands = true;   ///< the "strands:" line; absent = both
};

namespace detail::meme {



/// `line` starts with `word` as a whole word (followed by the end, a space, a tab or `also`).
inline bool starts_with_word(std::string_view line, std::string_view word, char also = ' ') {
    if (!line.starts_with(word)) return false;
    if (line.size() == word.size()) return true;
    const char c = line[word.size()];
    return c == ' ' || c == '\t' || c == also;
}

inline bool is_motif_line(std::string_view line) { return starts_with_word(line, "MOTIF"); }
inline bool is_url_line(std::string_view line) { return starts_with_word(line, "URL"); }

/// A row of numbers (its first field is one), as opposed to text such as a line of dashes: what follows
/// a complete matrix must not look like one.
inline bool looks_like_row(std::string_view line) {
    const std::size_t e = line.find_first_of(" \t");
    double v = 0;
    return parse_real(line.substr(0, e), v);
}

/// line_reader with one line of push-back, so that the line ending a matrix is read again.
class lines_with_pushback {
public:
    lines_with_pushback(std::string_view text, const std::string& source) : lines_(text, source) {}
    bool next(std::string_view& line) {
        if (pushed_) {
            pushed_ = false;
            line = pushed_line_;
            return true;
        }
        return lines_.next(line);
    }
    void push_back(std::string_view line) {
        pushed_ = true;
        pushed_line_ = line;
    }
    index_t line() const { return lines_.line(); }
    const std::string& source() const { return lines_.source(); }
    std::string where() const { return lines_.where(); }
    std::string where(index_t line) const { return source() + ":" + std::to_string(line) + ": "; }

private:
    line_reader lines_;
    bool pushed_ = false;
    std::string_view pushed_line_;
};

inline int base_index(char c) {
    switch (c) {
        case 'A': case 'a': return 0;
        case 'C': case 'c': return 1;
        case 'G': case 'g': return 2;
        case 'T': case 't': return 3;
        default: return -1;
    }
}

// "Background letter frequencies ..." already read; the pairs follow on one or more lines.
inline background parse_background(lines_with_pushback& lines) {
    const index_t header_line = lines.line();
    std::vector<std::string_view> fields, tokens;  // views into the text, which outlives the parse
    std::vector<index_t> token_line;
    std::string_view raw;
    while (tokens.size() < 8 && lines.next(raw)) {
        const std::string_view line = trim_spaces(raw);
        if (line.empty()) continue;
        if (is_motif_line(line) || line.starts_with("letter-probability matrix") || is_url_line(line)) {
            lines.push_back(raw);
            break;
        }
        split_whitespace(line, fields);
        if (tokens.size() + fields.size() > 8)
            throw format_error(lines.where() + "background: expected 4 letter-frequency pairs (A p C p G p T p), got " +
                               std::to_string(tokens.size() + fields.size()) + " fields");
        tokens.insert(tokens.end(), fields.begin(), fields.end());
        token_line.resize(tokens.size(), lines.line());
    }
    if (tokens.size() < 8)
        throw format_error(lines.where() + "background: expected 4 letter-frequency pairs (A p C p G p T p) after line " +
                           std::to_string(header_line) + ", got " + std::to_string(tokens.size()) + " fields");
    background bg;
    bool seen[4] = {false, false, false, false};
    double sum = 0;
    for (std::size_t i = 0; i < 8; i += 2) {
        const std::string_view letter = tokens[i], value = tokens[i + 1];
        const std::string where = lines.where(token_line[i + 1]) + "background: ";
        const int b = letter.size() == 1 ? base_index(letter[0]) : -1;
        if (b < 0)
            throw format_error(lines.where(token_line[i]) + "background: " + quote_field(letter) +
                               " is not one of the letters A, C, G, T (seqnet reads DNA motifs)");
        if (seen[b])
            throw format_error(lines.where(token_line[i]) + "background: letter " + std::string(letter) + " is given twice");
        seen[b] = true;
        double v = 0;
        if (!parse_real(value, v))
            throw format_error(where + "frequency of " + std::string(letter) + ", " + quote_field(value) + ", is not a number");
        if (!(v > 0.0))
            throw format_error(where + "frequency of " + std::string(letter) + " is " + std::string(value) +
                               "; background frequencies must be positive");
        bg.p[static_cast<std::size_t>(b)] = v;
        sum += v;
    }
    if (std::abs(sum - 1.0) > 0.01)
        throw format_error(lines.where() + "background: frequencies sum to " + std::to_string(sum) + ", not 1");
    // Files print rounded frequencies (0.303 0.183 0.209 0.306 sums to 1.001); one seqnet wrote sums to 1.
    if (std::abs(sum - 1.0) > 1e-6)
        for (double& v : bg.p) v /= sum;
    return bg;
}

struct matrix_keys {
    std::optional<std::int64_t> alength, w;
    double nsites = 20;
    double evalue = 0;
};

// The "key= value" pairs after "letter-probability matrix:"; unknown keys are skipped.
inline matrix_keys parse_matrix_keys(std::string_view rest, const std::string& where, const std::string& who) {
    matrix_keys k;
    bool have_e = false;
    std::size_t i = 0;
    auto skip_space = [&] {
        while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
    };
    for (;;) {
        skip_space();
        if (i == rest.size()) break;
        const std::size_t kb = i;
        while (i < rest.size() && rest[i] != ' ' && rest[i] != '\t' && rest[i] != '=') ++i;
        const std::string_view key = rest.substr(kb, i - kb);
        skip_space();
        if (i == rest.size() || rest[i] != '=')
            throw format_error(where + who + ": expected 'key= value' in the letter-probability matrix line, found " +
                               quote_field(key));
        ++i;
        skip_space();
        const std::size_t vb = i;
        while (i < rest.size() && rest[i] != ' ' && rest[i] != '\t') ++i;
        const std::string_view value = rest.substr(vb, i - vb);
        if (key.empty() || value.empty() || value.find('=') != std::string_view::npos)
            throw format_error(where + who + ": expected 'key= value' in the letter-probability matrix line, found " +
                               quote_field(rest.substr(kb, i - kb)));
        if (key == "alength" || key == "w") {
            std::int64_t v = 0;
            if (!parse_int(value, v) || v <= 0)
                throw format_error(where + who + ": " + std::string(key) + "= " + quote_field(value) +
                                   " is not a positive integer");
            (key == "w" ? k.w : k.alength) = v;
        } else if (key == "nsites") {
            if (!parse_real(value, k.nsites) || !(k.nsites > 0.0))
                throw format_error(where + who + ": nsites= " + quote_field(value) + " is not a positive number");
        } else if (key == "E" || (key == "S" && !have_e)) {  // S= stands in for E=; E= wins when both are given
            if (!parse_real(value, k.evalue))
                throw format_error(where + who + ": " + std::string(key) + "= " + quote_field(value) + " is not a number");
            have_e = have_e || key == "E";
        }
    }
    if (k.alength && *k.alength != 4)
        throw format_error(where + who + ": alength= " + std::to_string(*k.alength) +
                           "; seqnet reads DNA motifs, alength= 4 (A, C, G, T)");
    return k;
}

inline motif_row parse_row(std::string_view line, const std::string& where, const std::string& who, std::size_t position) {
    std::vector<std::string_view> f;
    split_whitespace(line, f);
    const std::string at = where + who + ", position " + std::to_string(position) + ": ";
    if (f.size() != 4)
        throw format_error(at + "row has " + std::to_string(f.size()) + (f.size() == 1 ? " column" : " columns") +
                           ", expected 4 (A, C, G, T)");
    motif_row r{};
    double sum = 0;
    for (std::size_t b = 0; b < 4; ++b) {
        if (!parse_real(f[b], r[b]))
            throw format_error(at + "column " + std::to_string(b + 1) + ", " + quote_field(f[b]) + ", is not a number");
        if (r[b] < 0.0)
            throw format_error(at + "negative probability " + std::string(f[b]) + " in column " + std::to_string(b + 1));
        sum += r[b];
    }
    if (std::abs(sum - 1.0) > 0.01)
        throw format_error(at + "probabilities sum to " + std::to_string(sum) + ", not 1 (within 0.01)");
    return r;
}

// The rows after a "letter-probability matrix:" line: w of them when w is given, else up to a blank
// line, a MOTIF or URL line, or the end of the file.
inline motif_matrix read_rows(lines_with_pushback& lines, const matrix_keys& keys, const std::string& who) {
    const index_t header_line = lines.line();
    motif_matrix rows;
    std::string_view raw;
    const auto cut_short = [&](const std::string& where, const std::string& what) {
        if (keys.w)
            throw format_error(where + who + ": " + what + " after " + std::to_string(rows.size()) + " of the w= " +
                               std::to_string(*keys.w) + " rows declared at line " + std::to_string(header_line));
        throw format_error(where + who + ": " + what + " before any row of the letter-probability matrix at line " +
                           std::to_string(header_line));
    };
    for (;;) {
        if (!lines.next(raw)) {
            if (rows.empty() || (keys.w && static_cast<std::int64_t>(rows.size()) < *keys.w))
                cut_short(lines.where(), "the matrix is cut off by the end of the file");
            break;
        }
        const std::string_view line = trim_spaces(raw);
        if (keys.w && static_cast<std::int64_t>(rows.size()) == *keys.w) {
            if (!line.empty() && looks_like_row(line))
                throw format_error(lines.where() + who + ": more rows than the w= " + std::to_string(*keys.w) +
                                   " declared at line " + std::to_string(header_line));
            lines.push_back(raw);
            break;
        }
        if (line.empty() && rows.empty()) continue;
        if (line.empty() || is_motif_line(line) || is_url_line(line)) {
            if (rows.empty() || keys.w) cut_short(lines.where(), "the matrix ends");
            lines.push_back(raw);
            break;
        }
        rows.push_back(parse_row(line, lines.where(), who, rows.size() + 1));
    }
    return rows;
}

}  // namespace detail::meme

/// The motifs of a MEME minimal motif file in memory, in file order; `source` names it in errors.
inline meme_file parse_meme(std::string_view text, const std::string& source) {
    namespace d = detail::meme;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    d::lines_with_pushback lines(text, source);
    std::string_view raw;
    std::vector<std::string_view> f;

    index_t version_line = 0;
    while (lines.next(raw)) {
        const std::string_view line = detail::trim_spaces(raw);
        if (line.empty()) continue;
        detail::split_whitespace(line, f);
        if (f.size() < 2 || f[0] != "MEME" || f[1] != "version")
            throw format_error(lines.where() + "expected the 'MEME version <n>' line first (MEME minimal motif format), found " +
                               detail::quote_field(line));
        if (f.size() < 3 || !(f[2][0] >= '0' && f[2][0] <= '9'))
            throw format_error(lines.where() + "'MEME version' without a version number (e.g. 'MEME version 4')");
        version_line = lines.line();
        break;
    }
    if (version_line == 0)
        throw format_error(lines.where() + "empty file: expected the 'MEME version <n>' line (MEME minimal motif format)");

    meme_file out;
    index_t alphabet_line = 0, strands_line = 0, background_line = 0;
    std::unordered_map<std::string, index_t> id_lines;
    struct open_motif {
        motif m;
        index_t line = 0, matrix_line = 0, url_line = 0;
    };
    std::optional<open_motif> current;
    const auto who = [](const open_motif& o) { return "motif '" + o.m.id + "'"; };
    const auto close = [&] {
        if (!current) return;
        if (current->matrix_line == 0)
            throw format_error(lines.where(current->line) + who(*current) + " has no letter-probability matrix");
        out.motifs.push_back(std::move(current->m));
        current.reset();
    };
    const auto header_section = [&](index_t& seen, const char* what) {
        if (!out.motifs.empty() || current)
            throw format_error(lines.where() + what + " after the first MOTIF; it belongs in the header, before the motifs");
        if (seen)
            throw format_error(lines.where() + "a second " + what + " (the first is at line " + std::to_string(seen) + ")");
        seen = lines.line();
    };

    while (lines.next(raw)) {
        const std::string_view line = detail::trim_spaces(raw);
        if (line.empty()) continue;
        if (line.starts_with("MEME version")) {
            throw format_error(lines.where() + "a second 'MEME version' line (the first is at line " +
                               std::to_string(version_line) + "; concatenated files?)");
        } else if (d::starts_with_word(line, "ALPHABET", '=')) {
            header_section(alphabet_line, "ALPHABET line");
            std::string_view rest = detail::trim_spaces(line.substr(8));
            if (!rest.starts_with('='))
                throw format_error(lines.where() + "custom alphabet definitions are not read; seqnet reads DNA motifs "
                                                   "('ALPHABET= ACGT')");
            rest = detail::trim_spaces(rest.substr(1));
            if (rest != "ACGT")
                throw format_error(lines.where() + "ALPHABET= " + detail::quote_field(rest) +
                                   ": seqnet reads DNA motifs ('ALPHABET= ACGT')");
        } else if (line.starts_with("strands:")) {
            header_section(strands_line, "'strands:' line");
            detail::split_whitespace(line.substr(8), f);
            const bool plus = f.size() == 1 && f[0] == "+";
            const bool both = f.size() == 2 && ((f[0] == "+" && f[1] == "-") || (f[0] == "-" && f[1] == "+"));
            if (!plus && !both)
                throw format_error(lines.where() + "'strands:' must be followed by '+' or '+ -', found " +
                                   detail::quote_field(detail::trim_spaces(line.substr(8))));
            out.both_strands = both;
        } else if (line.starts_with("Background letter frequencies")) {
            header_section(background_line, "background ('Background letter frequencies')");
            out.bg = d::parse_background(lines);
        } else if (d::is_motif_line(line)) {
            close();
            detail::split_whitespace(line, f);
            if (f.size() < 2) throw format_error(lines.where() + "MOTIF line without an identifier");
            const std::string id(f[1]);
            if (const auto [it, fresh] = id_lines.emplace(id, lines.line()); !fresh)
                throw format_error(lines.where() + "duplicate motif identifier '" + id + "' (first at line " +
                                   std::to_string(it->second) + ")");
            current.emplace();
            current->m = motif::from_probabilities(id, f.size() > 2 ? std::string(f[2]) : std::string(), {});
            current->line = lines.line();
        } else if (line.starts_with("letter-probability matrix")) {
            if (!current) throw format_error(lines.where() + "letter-probability matrix before any MOTIF line");
            if (current->matrix_line)
                throw format_error(lines.where() + who(*current) + " has a second letter-probability matrix (the first at line " +
                                   std::to_string(current->matrix_line) + ")");
            current->matrix_line = lines.line();
            std::string_view rest = line.substr(std::string_view("letter-probability matrix").size());
            if (rest.starts_with(':')) rest.remove_prefix(1);
            const auto keys = d::parse_matrix_keys(rest, lines.where(), who(*current));
            current->m.nsites = keys.nsites;
            current->m.evalue = keys.evalue;
            current->m.rows = d::read_rows(lines, keys, who(*current));
        } else if (d::is_url_line(line)) {
            if (!current) throw format_error(lines.where() + "URL line before any MOTIF line");
            if (current->url_line)
                throw format_error(lines.where() + who(*current) + " has a second URL line (the first at line " +
                                   std::to_string(current->url_line) + ")");
            current->url_line = lines.line();
            current->m.url = std::string(detail::trim_spaces(line.substr(3)));
        }
        // Anything else is outside what the minimal format defines: skipped.
    }
    close();
    if (out.motifs.empty()) throw format_error(source + ": no motifs (no MOTIF line with a letter-probability matrix)");
    return out;
}

/// The motifs of a MEME minimal motif file, plain or gzip-compressed.
inline meme_file read_meme(const std::filesystem::path& path) {
    return parse_meme(detail::read_text_file(path), path.string());
}

namespace detail::meme {

inline void check_word(const std::string& s, const std::string& what, const std::string& who) {
    for (char c : s)
        if (c == '=' || static_cast<unsigned char>(c) <= ' ' || c == '\x7f')
            throw argument_error("format_meme: " + who + ": the " + what + " " + quote_field(s) +
                                 " contains whitespace, a control character or '=', which the MEME format cannot hold");
}

}  // namespace detail::meme

/// A MEME minimal motif file as text (see the file comment); parse_meme reads it back exactly.
inline std::string format_meme(const meme_file& file) {
    namespace d = detail::meme;
    if (file.motifs.empty()) throw argument_error("format_meme: no motifs (a MEME file without motifs is not read back)");
    file.bg.validate("format_meme");
    std::string out = "MEME version 4\n\nALPHABET= ACGT\n\nstrands: ";
    out += file.both_strands ? "+ -" : "+";
    out += "\n\nBackground letter frequencies\n";
    for (int b = 0; b < 4; ++b) {
        out += b ? " " : "";
        out += "ACGT"[b];
        out += ' ';
        out += detail::shortest_real(file.bg.p[static_cast<std::size_t>(b)]);
    }
    out += "\n\n";
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < file.motifs.size(); ++i) {
        const motif& m = file.motifs[i];
        const std::string who = "motif " + std::to_string(i) + " ('" + m.id + "')";
        if (m.id.empty()) throw argument_error("format_meme: motif " + std::to_string(i) + " has an empty identifier");
        d::check_word(m.id, "identifier", who);
        d::check_word(m.name, "name", who);
        if (!seen.emplace(m.id, i).second)
            throw argument_error("format_meme: " + who + ": identifier already used by motif " + std::to_string(seen[m.id]));
        if (m.url.find_first_of("\r\n") != std::string::npos)
            throw argument_error("format_meme: " + who + ": the URL contains a line break");
        if (!std::isfinite(m.evalue)) throw argument_error("format_meme: " + who + ": the E-value is not finite");
        m.validate();
        const motif_matrix p = m.counts ? ppm(m) : m.rows;

        out += "MOTIF " + m.id;
        if (!m.name.empty()) out += " " + m.name;
        out += "\nletter-probability matrix: alength= 4 w= " + std::to_string(p.size()) + " nsites= ";
        out += detail::shortest_real(m.nsites);
        out += " E= ";
        out += detail::shortest_real(m.evalue);
        out += '\n';
        // Columns padded to a common width, for the reader's eye; the parser does not care.
        std::vector<std::string> cells(p.size() * 4);
        std::size_t width = 1;
        for (std::size_t k = 0; k < p.size(); ++k)
            for (std::size_t b = 0; b < 4; ++b) {
                cells[k * 4 + b] += detail::shortest_real(p[k][b]);
                width = std::max(width, cells[k * 4 + b].size());
            }
        for (std::size_t k = 0; k < p.size(); ++k) {
            for (std::size_t b = 0; b < 4; ++b) {
                const std::string& c = cells[k * 4 + b];
                if (b) out += "  ";
                out += c;
                if (b < 3) out.append(width - c.size(), ' ');
            }
            out += '\n';
        }
        out += '\n';
        if (!m.url.empty()) out += "URL " + m.url + "\n\n";
    }
    return out;
}

/// Writes format_meme(file) to `path`. Throws format_error naming the file when it cannot be written.
inline void write_meme(const std::filesystem::path& path, const meme_file& file) {
    const std::string text = format_meme(file);
    std::ofstream out(path, std::ios::binary);
    if (!out) throw format_error(path.string() + ": cannot open for writing");
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) throw format_error(path.string() + ": write failed");
}

}  // namespace seqnet::io
