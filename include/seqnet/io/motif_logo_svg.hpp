// seqnet/io/motif_logo_svg.hpp -- sequence logos of motifs (SCIENCE.md section 27): one motif, or a query
// motif drawn above its database match, aligned.
// Module seqnet::io (no library beyond the core); reads seqnet/motif/motif.hpp.
//
// motif_logo_svg draws an information logo. Column k is R_k bits tall, R_k the information content of
// ppm(m, o.pseudocount, o.bg) against o.bg (SCIENCE.md section 22), less the small-sample correction
// e_n = 3 / (2 ln 2 * m.nsites) when o.small_sample_correction is set, clamped at 0. Each base's letter
// is p[k, b] * R_k tall, so a column's letters add up to R_k; they are stacked smallest at the bottom,
// largest on top (ties in A, C, G, T order, A lowest: MEME's rule). A uniform column is empty and a
// one-hot column is one letter 2 bits tall. The y axis is in bits from 0 to 2 with a tick per bit; it
// reaches higher (to the next whole bit) only where a non-uniform background lets a column pass 2 bits.
// Positions are numbered 1..W under the columns; the title is the motif's id and name.
//
// motif_pair_logo_svg draws a comparison: the query's logo above the target's, on one x grid and one bit
// scale, with query column i over target column i + offset. With strand '-' the target is drawn reverse
// complemented (reverse_complement(target)) and the offset counts columns of that reverse complement,
// which is how a match on the other strand is reported. A negative offset puts the query's start before
// the target's; widths may differ, but the two must overlap by at least one column. The columns the two
// share are shaded in both rows. Each row is labelled with its motif's id and name ("(reverse
// complement)" added where it applies) and numbered 1..W as drawn; the caption (e.g. "p = 1.2e-05,
// q = 3.4e-04") is a line under the title.
//
// Letters are filled outlines (io/attribution_svg.hpp's), not font text, so logos scale exactly and need
// no font; the palette is a parameter: by default that of the attribution logos (A green, C blue, G
// orange, T red), or MEME Suite's (A red #CC0000, C blue #0000CC, G orange #FFB300, T green #008000).
// Each column's letters carry a tooltip (<title>) with the position, R_k and the four probabilities.
// The result is a standalone SVG 1.1 document with width, height and viewBox; it defines no ids, so any
// number of logos can be inlined in one HTML page. Text is escaped (io/svg.hpp's svg_text), so any id
// or name gives a well-formed document.
//
// Errors: argument_error naming the motif for an invalid motif (m.validate(): no positions, a negative
// or non-finite entry, a row of probabilities not summing to 1...), an invalid background, a negative
// pseudocount, a column width or bit height outside [1, 1000] pixels, a strand other than '+' or '-', or
// an offset that leaves no query column over a target column.
// Cost: O(W) time and output (about 400 bytes per column).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/attribution_svg.hpp>
#include <seqnet/io/svg.hpp>
#include <seqnet/motif/motif.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

namespace seqnet::io {

/// Letter colours of a logo (A, C, G, T).
enum class logo_palette {
    attribution,  ///< as the attribution logos: A green, C blue, G orange, T red
    meme          ///< MEME Suite: A red #CC0000, C blue #0000CC, G orange #FFB300, T green #008000
};

struct motif_logo_options {
    double pseudocount = 0;                 ///< spread by the background, as ppm(); 0 draws a PPM as stored
    background bg{};                        ///< what information is measured against
    bool small_sample_correction = false;   ///< subtract e_n = 3 / (2 ln 2 nsites) bits from each column
    logo_palette palette = logo_palette::attribution;
    double column_width = 24;               ///< pixels per position
    double bit_height = 50;                 ///< pixels per bit
};

namespace detail {

inline constexpr std::array<const char*, 4> meme_base_colour{"#CC0000", "#0000CC", "#FFB300", "#008000"};

inline const std::array<const char*, 4>& logo_colours(logo_palette p) {
    return p == logo_palette::meme ? meme_base_colour : base_colour;
}

struct motif_logo_layout {
    static constexpr double left = wrapped_layout::left, right_margin = 16;
    static constexpr double title_char = 7.2, label_char = 6.4;  // estimated pixels per character (13 px, 11 px)
    static constexpr std::size_t max_label_chars = 100;
};

// Probabilities and column heights in bits of one motif, as drawn.
struct logo_columns {
    motif_matrix p;
    std::vector<double> bits;
};

inline logo_columns motif_logo_columns(const motif& m, const motif_logo_options& o) {
    logo_columns c{ppm(m, o.pseudocount, o.bg), {}};
    c.bits = information_content(c.p, o.bg);
    // Schneider et al. (1986), SCIENCE.md section 22: e_n = (A - 1) / (2 ln 2 n) with A = 4.
    const double e_n = o.small_sample_correction ? 3.0 / (2.0 * std::log(2.0) * m.nsites) : 0.0;
    for (double& r : c.bits) r = std::max(0.0, r - e_n);  // clamped for display (section 27)
    return c;
}

inline void check_logo_motif(const motif& m, const char* where) {
    try {
        m.validate();
    } catch (const argument_error& e) {
        throw argument_error(std::string(where) + ": " + e.what());
    }
}

inline void check_logo_options(const motif_logo_options& o, const char* where, const std::string& who) {
    const std::string at = std::string(where) + " (" + who + ")";
    o.bg.validate(at);
    if (!(o.pseudocount >= 0.0) || !std::isfinite(o.pseudocount))
        throw argument_error(at + ": the pseudocount must be a finite non-negative number");
    if (!(o.column_width >= 1.0 && o.column_width <= 1000.0))
        throw argument_error(at + ": column width " + std::to_string(o.column_width) + " is not in [1, 1000] pixels");
    if (!(o.bit_height >= 1.0 && o.bit_height <= 1000.0))
        throw argument_error(at + ": bit height " + std::to_string(o.bit_height) + " is not in [1, 1000] pixels");
}

// The axis's top in whole bits: 2, or more where a column passes 2 bits (a non-uniform background).
inline int logo_top_bits(const std::vector<double>& bits) {
    double top = 2;
    for (double r : bits) top = std::max(top, r);
    return static_cast<int>(std::ceil(top - 1e-9));
}

inline std::string logo_label(const motif& m) { return m.name.empty() ? m.id : m.id + " " + m.name; }

inline std::string two_decimals(double x) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2f", x);
    return buf;
}

// The letters of columns [0, W) with column k's left edge at x0 + (first + k) * column_width, standing on
// the baseline: in each column the smallest letter lowest.
inline void draw_logo_stacks(std::string& s, const logo_columns& c, const motif_logo_options& o, double x0,
                             double baseline, const std::string& who) {
    const auto& colour = logo_colours(o.palette);
    const double cw = o.column_width, pad = std::min(1.0, cw / 10), letter_w = cw - 2 * pad;
    for (std::size_t k = 0; k < c.p.size(); ++k) {
        std::array<double, 4> h{};
        for (int b = 0; b < 4; ++b) h[b] = c.p[k][b] * c.bits[k] * o.bit_height;
        std::array<int, 4> order{0, 1, 2, 3};
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return h[a] < h[b]; });
        std::string letters;
        double y = baseline;
        for (int b : order) {
            if (h[b] < 0.01) continue;  // nothing visible (and a uniform column stays empty)
            // The unit letter (y up) is flipped into SVG's y-down: bottom at y, top at y - h.
            letters += "<path fill=\"" + std::string(colour[b]) + "\" fill-rule=\"evenodd\" transform=\"translate(" +
                       svg_num(x0 + double(k) * cw + pad) + "," + svg_num(y) + ") scale(" + svg_num(letter_w) + "," +
                       svg_num(-h[b]) + ")\" d=\"" + base_outline[b] + "\"/>\n";
            y -= h[b];
        }
        if (letters.empty()) continue;
        std::string tip = who + ", position " + std::to_string(k + 1) + ": " + two_decimals(c.bits[k]) + " bits;";
        for (int b = 0; b < 4; ++b) tip += std::string(" ") + "ACGT"[b] + " " + two_decimals(c.p[k][b]);
        s += "<g><title>" + svg_text(tip) + "</title>\n" + letters + "</g>\n";
    }
}

// The y axis in bits at the plot's left edge, ticks at whole bits, and the "bits" label.
inline void draw_bits_axis(std::string& s, double baseline, int top_bits, double bit_height) {
    const double x = motif_logo_layout::left - 3, top = baseline - top_bits * bit_height;
    s += "<g stroke=\"#333333\" stroke-width=\"1\">\n";
    s += "<line x1=\"" + svg_num(x) + "\" y1=\"" + svg_num(baseline) + "\" x2=\"" + svg_num(x) + "\" y2=\"" +
         svg_num(top) + "\"/>\n";
    for (int t = 0; t <= top_bits; ++t) {
        const double y = baseline - t * bit_height;
        s += "<line x1=\"" + svg_num(x - 4) + "\" y1=\"" + svg_num(y) + "\" x2=\"" + svg_num(x) + "\" y2=\"" +
             svg_num(y) + "\"/>\n";
    }
    s += "</g>\n<g font-size=\"10\" fill=\"#333333\" text-anchor=\"end\">\n";
    for (int t = 0; t <= top_bits; ++t)
        s += "<text x=\"" + svg_num(x - 6) + "\" y=\"" + svg_num(baseline - t * bit_height + 3.5) + "\">" +
             std::to_string(t) + "</text>\n";
    s += "</g>\n";
    const std::string lx = svg_num(x - 24), ly = svg_num((baseline + top) / 2);
    s += "<text x=\"" + lx + "\" y=\"" + ly + "\" font-size=\"11\" fill=\"#333333\" text-anchor=\"middle\" " +
         "transform=\"rotate(-90 " + lx + " " + ly + ")\">bits</text>\n";
}

// The x axis under `count` columns starting at x0, numbered 1..count (every 5th or 10th when narrow).
inline void draw_position_axis(std::string& s, double x0, index_t count, double baseline, double column_width) {
    s += "<line x1=\"" + svg_num(x0) + "\" y1=\"" + svg_num(baseline + 0.5) + "\" x2=\"" +
         svg_num(x0 + double(count) * column_width) + "\" y2=\"" + svg_num(baseline + 0.5) +
         "\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
    const index_t step = column_width >= 18 ? 1 : column_width >= 9 ? 5 : 10;
    s += "<g font-size=\"10\" fill=\"#333333\" text-anchor=\"middle\">\n";
    for (index_t i = 0; i < count; ++i)
        if (i == 0 || (i + 1) % step == 0)
            s += "<text x=\"" + svg_num(x0 + (double(i) + 0.5) * column_width) + "\" y=\"" + svg_num(baseline + 14) +
                 "\">" + std::to_string(i + 1) + "</text>\n";
    s += "</g>\n";
}

// Pixels a line of text of `chars` characters needs, for the document's width.
inline double logo_text_width(const std::string& text, std::size_t max_chars, double char_width) {
    return double(std::min(svg_char_count(svg_clean_utf8(text)), max_chars + 1)) * char_width;
}

}  // namespace detail

/// An SVG information logo of one motif (see the file comment).
inline std::string motif_logo_svg(const motif& m, const motif_logo_options& o = {}) {
    using namespace detail;
    using L = motif_logo_layout;
    check_logo_motif(m, "motif_logo_svg");
    check_logo_options(o, "motif_logo_svg", "motif '" + m.id + "'");
    const logo_columns c = motif_logo_columns(m, o);
    const int top_bits = logo_top_bits(c.bits);
    const std::string title = logo_label(m);
    const double width = std::max(L::left + double(m.width()) * o.column_width + L::right_margin,
                                  L::left + logo_text_width(title, 120, L::title_char) + L::right_margin);
    const double baseline = 42 + top_bits * o.bit_height;
    std::string s = svg_header(width, baseline + 24, title);
    draw_bits_axis(s, baseline, top_bits, o.bit_height);
    draw_logo_stacks(s, c, o, L::left, baseline, m.id);
    draw_position_axis(s, L::left, m.width(), baseline, o.column_width);
    s += "</svg>\n";
    return s;
}

/// An SVG of `query`'s logo above `target`'s, query column i over target column i + offset, the target
/// reverse complemented when `strand` is '-' (the offset then counts its columns); see the file comment.
inline std::string motif_pair_logo_svg(const motif& query, const motif& target, index_t offset, char strand,
                                       const motif_logo_options& o = {}, std::string caption = {}) {
    using namespace detail;
    using L = motif_logo_layout;
    constexpr const char* where = "motif_pair_logo_svg";
    check_logo_motif(query, where);
    check_logo_motif(target, where);
    const std::string who = "query '" + query.id + "', target '" + target.id + "'";
    check_logo_options(o, where, who);
    if (strand != '+' && strand != '-')
        throw argument_error(std::string(where) + " (" + who + "): strand '" + svg_clean_utf8(std::string(1, strand)) +
                             "' is neither '+' nor '-'");
    const index_t wq = query.width(), wt = target.width();
    if (offset <= -wq || offset >= wt)
        throw argument_error(std::string(where) + " (" + who + "): offset " + std::to_string(offset) +
                             " puts no query column over a target column (query width " + std::to_string(wq) +
                             ", target width " + std::to_string(wt) + ")");

    const motif shown = strand == '-' ? reverse_complement(target) : target;
    const logo_columns cq = motif_logo_columns(query, o), ct = motif_logo_columns(shown, o);
    std::vector<double> all = cq.bits;
    all.insert(all.end(), ct.bits.begin(), ct.bits.end());
    const int top_bits = logo_top_bits(all);

    // Grid columns: the target starts at `shift`, the query at offset + shift, neither before 0.
    const index_t shift = std::max<index_t>(0, -offset), q_start = offset + shift, t_start = shift;
    const index_t columns = std::max(q_start + wq, t_start + wt);
    const double cw = o.column_width;
    const std::string title = query.id + " vs " + target.id;
    const std::string q_label = logo_label(query);
    const std::string t_label = logo_label(target) + (strand == '-' ? " (reverse complement)" : "");
    double width = L::left + double(columns) * cw + L::right_margin;
    width = std::max(width, L::left + logo_text_width(title, 120, L::title_char) + L::right_margin);
    for (const std::string* t : std::initializer_list<const std::string*>{&q_label, &t_label, &caption})
        width = std::max(width, L::left + logo_text_width(*t, L::max_label_chars, L::label_char) + L::right_margin);

    const double row_top0 = caption.empty() ? 30 : 46, plot_h = top_bits * o.bit_height;
    const double row_height = 24 + plot_h + 26;
    std::string s = svg_header(width, row_top0 + 2 * row_height, title);
    if (!caption.empty())
        s += "<text x=\"" + svg_num(L::left) + "\" y=\"38\" font-size=\"11\" fill=\"#444444\">" +
             svg_text(svg_truncate(svg_clean_utf8(caption), L::max_label_chars)) + "</text>\n";

    // The columns both motifs cover, shaded in each row.
    const index_t both_from = std::max(q_start, t_start), both_to = std::min(q_start + wq, t_start + wt);
    struct row {
        const logo_columns* columns;
        index_t start, width;
        const std::string* label;
        const std::string* id;
    };
    const std::array<row, 2> rows{row{&cq, q_start, wq, &q_label, &query.id},
                                  row{&ct, t_start, wt, &t_label, &target.id}};
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const double top = row_top0 + double(r) * row_height, baseline = top + 24 + plot_h;
        s += "<text x=\"" + svg_num(L::left) + "\" y=\"" + svg_num(top + 12) + "\" font-size=\"11\" fill=\"#222222\">" +
             svg_text(svg_truncate(svg_clean_utf8(*rows[r].label), L::max_label_chars)) + "</text>\n";
        s += "<rect x=\"" + svg_num(L::left + double(both_from) * cw) + "\" y=\"" + svg_num(baseline - plot_h) +
             "\" width=\"" + svg_num(double(both_to - both_from) * cw) + "\" height=\"" + svg_num(plot_h) +
             "\" fill=\"#f2f2f2\"/>\n";
        draw_bits_axis(s, baseline, top_bits, o.bit_height);
        const double x0 = L::left + double(rows[r].start) * cw;
        draw_logo_stacks(s, *rows[r].columns, o, x0, baseline, *rows[r].id);
        draw_position_axis(s, x0, rows[r].width, baseline, cw);
    }
    s += "</svg>\n";
    return s;
}

}  // namespace seqnet::io
