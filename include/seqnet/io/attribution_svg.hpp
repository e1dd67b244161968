// seqnet/io/attribution_svg.hpp -- pictures of attributions: sequence logos of contributions and
// heatmaps of in-silico mutagenesis.
// Module seqnet::io (no library beyond the core).
//
// attribution_logo_svg draws, at each position, the four bases' letters stacked with heights
// proportional to their scores: positive scores above the axis, largest outermost, negative ones below
// (the convention of DeepLIFT and tangermeme plots). Projected contributions (x * hypothetical, or
// gradient x input) show one letter per position: the base present, up or down. ism_heatmap_svg draws a
// 4 x L grid, one cell per base and position, blue for a substitution that lowers the target and red
// for one that raises it (a diverging scale symmetric about zero), with the sequence's own base marked
// by a dot. Letters are drawn as filled outlines, not text, so they scale exactly and need no font:
// A green, C blue, G orange, T red. Long sequences wrap into rows of `per_row` positions (100 by
// default), so 1,000 bp stay readable; each row has its first position's number.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/svg.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace seqnet::io {

/// One sequence's scores, channel-major (4 x length, A C G T), with the name shown as the title.
struct attribution_picture {
    std::string title{};
    const float* values = nullptr;  // 4 x length
    index_t length = 0;
    std::string sequence{};         // the bases, for the heatmap's dots (may be empty)
    index_t first_position = 1;     // number of the first position (genome coordinate when known)
    index_t per_row = 100;
};

namespace detail {

inline constexpr std::array<const char*, 4> base_colour{"#109648", "#255C99", "#F7B32B", "#D62839"};

// Letter outlines in a unit box, y up (0 = baseline, 1 = top), for fill-rule evenodd.
inline constexpr std::array<const char*, 4> base_outline{
    // A: two legs and a crossbar, with the triangular counter
    "M0,0 L0.38,1 L0.62,1 L1,0 L0.79,0 L0.69,0.28 L0.31,0.28 L0.21,0 Z M0.37,0.44 L0.63,0.44 L0.5,0.8 Z",
    // C: an open ring
    "M0.93,0.3 A0.47,0.5 0 1 0 0.93,0.7 L0.76,0.62 A0.29,0.32 0 1 1 0.76,0.38 Z",
    // G: the ring with a spur and a bar
    "M0.93,0.7 A0.47,0.5 0 1 1 0.97,0.42 L0.97,0.08 L0.84,0.08 L0.8,0.16 A0.29,0.32 0 1 0 0.79,0.42 L0.55,0.42 "
    "L0.55,0.56 L0.97,0.56 L0.97,0.42 Z",
    // T: a bar and a stem
    "M0,1 L1,1 L1,0.83 L0.59,0.83 L0.59,0 L0.41,0 L0.41,0.83 L0,0.83 Z"};

struct wrapped_layout {
    static constexpr double left = 56, right_margin = 16, top = 34, cell = 9;  // pixels per position
    index_t per_row, rows;
    double row_height, width, height;
};

inline wrapped_layout wrap(index_t length, index_t per_row, double row_height) {
    per_row = std::max<index_t>(1, std::min(per_row, length));
    wrapped_layout w{per_row, (length + per_row - 1) / per_row, row_height, 0, 0};
    w.width = wrapped_layout::left + double(per_row) * wrapped_layout::cell + wrapped_layout::right_margin;
    w.height = wrapped_layout::top + double(w.rows) * row_height + 8;
    return w;
}

inline std::string svg_header(double width, double height, const std::string& title) {
    std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + svg_num(width) + "\" height=\"" +
         svg_num(height) + "\" viewBox=\"0 0 " + svg_num(width) + " " + svg_num(height) +
         "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
    s += "<title>" + svg_text(title) + "</title>\n";
    s += "<rect x=\"0\" y=\"0\" width=\"" + svg_num(width) + "\" height=\"" + svg_num(height) + "\" fill=\"#ffffff\"/>\n";
    s += "<text x=\"" + svg_num(wrapped_layout::left) + "\" y=\"20\" font-size=\"13\" fill=\"#222222\">" +
         svg_text(svg_truncate(title, 120)) + "</text>\n";
    return s;
}

/// Blue (negative) - white - red (positive), t in [-1, 1].
inline std::string diverging(double t) {
    t = std::clamp(t, -1.0, 1.0);
    const double w = 1 - std::abs(t);
    const std::array<double, 3> end = t < 0 ? std::array<double, 3>{33, 102, 172} : std::array<double, 3>{178, 24, 43};
    char buf[8];
    int rgb[3];
    for (int i = 0; i < 3; ++i) rgb[i] = int(std::lround(end[i] + (255 - end[i]) * w));
    std::snprintf(buf, sizeof buf, "#%02X%02X%02X", rgb[0], rgb[1], rgb[2]);
    return buf;
}

/// Three significant digits, for labels (svg_num's fixed two decimals would print small scales as 0).
inline std::string short_number(double x) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, 3);
    return std::string(buf, r.ptr);
}

inline void check_picture(const attribution_picture& p) {
    if (!p.values || p.length < 1) throw argument_error("attribution picture '" + p.title + "': no values");
    for (index_t i = 0; i < 4 * p.length; ++i)
        if (!std::isfinite(p.values[i]))
            throw argument_error("attribution picture '" + p.title + "': a score is not finite (position " +
                                 std::to_string(i % p.length + p.first_position) + ")");
}

}  // namespace detail

/// An SVG logo of one sequence's attribution scores (4 x length): letters stacked above the axis for
/// positive scores, below it for negative ones, on one scale for the whole sequence.
inline std::string attribution_logo_svg(const attribution_picture& p) {
    using namespace detail;
    check_picture(p);
    const double half = 34;  // pixels from the axis to the largest stack
    const auto w = wrap(p.length, p.per_row, 2 * half + 22);
    double top = 0;
    for (index_t l = 0; l < p.length; ++l) {
        double up = 0, down = 0;
        for (int c = 0; c < 4; ++c) (p.values[c * p.length + l] > 0 ? up : down) += std::abs(p.values[c * p.length + l]);
        top = std::max({top, up, down});
    }
    const double scale = top > 0 ? half / top : 0;
    std::string s = svg_header(w.width, w.height, p.title);
    for (index_t r = 0; r < w.rows; ++r) {
        const double axis = wrapped_layout::top + double(r) * w.row_height + half;
        const index_t first = r * w.per_row, count = std::min(w.per_row, p.length - first);
        s += "<text x=\"" + svg_num(wrapped_layout::left - 6) + "\" y=\"" + svg_num(axis + 4) +
             "\" font-size=\"10\" fill=\"#555555\" text-anchor=\"end\">" + std::to_string(first + p.first_position) +
             "</text>\n";
        s += "<line x1=\"" + svg_num(wrapped_layout::left) + "\" y1=\"" + svg_num(axis) + "\" x2=\"" +
             svg_num(wrapped_layout::left + double(count) * wrapped_layout::cell) + "\" y2=\"" + svg_num(axis) +
             "\" stroke=\"#999999\" stroke-width=\"0.5\"/>\n";
        for (index_t i = 0; i < count; ++i) {
            const index_t l = first + i;
            const double x = wrapped_layout::left + double(i) * wrapped_layout::cell;
            std::array<int, 4> order{0, 1, 2, 3};  // smallest first, so the largest ends outermost
            std::sort(order.begin(), order.end(), [&](int a, int b) {
                return std::abs(p.values[a * p.length + l]) < std::abs(p.values[b * p.length + l]);
            });
            double above = axis, below = axis;
            for (int c : order) {
                const double v = p.values[c * p.length + l], h = std::abs(v) * scale;
                if (h < 0.05) continue;
                // The unit letter is drawn upright above the axis and flipped below it.
                const double y0 = v > 0 ? above - h : below;
                const std::string flip = v > 0 ? svg_num(-h) : svg_num(h);
                const std::string base_y = v > 0 ? svg_num(above) : svg_num(below);
                s += "<path fill=\"" + std::string(base_colour[c]) + "\" fill-rule=\"evenodd\" transform=\"translate(" +
                     svg_num(x + 0.5) + "," + base_y + ") scale(" + svg_num(wrapped_layout::cell - 1) + "," + flip +
                     ")\" d=\"" + base_outline[c] + "\"/>\n";
                (v > 0 ? above : below) = v > 0 ? y0 : below + h;
            }
        }
    }
    s += "</svg>\n";
    return s;
}

/// An SVG heatmap of one sequence's saturation mutagenesis (4 x length): rows A, C, G, T, a diverging
/// colour per cell on one scale for the whole sequence; the sequence's own base (from p.sequence) is
/// marked with a dot.
inline std::string ism_heatmap_svg(const attribution_picture& p) {
    using namespace detail;
    check_picture(p);
    const double cell = wrapped_layout::cell;
    const auto w = wrap(p.length, p.per_row, 4 * cell + 18);
    double top = 0;
    for (index_t i = 0; i < 4 * p.length; ++i) top = std::max(top, double(std::abs(p.values[i])));
    std::string s = svg_header(w.width, w.height + 22, p.title);
    for (index_t r = 0; r < w.rows; ++r) {
        const double y = wrapped_layout::top + double(r) * w.row_height;
        const index_t first = r * w.per_row, count = std::min(w.per_row, p.length - first);
        s += "<text x=\"" + svg_num(wrapped_layout::left - 16) + "\" y=\"" + svg_num(y + 2 * cell + 4) +
             "\" font-size=\"10\" fill=\"#555555\" text-anchor=\"end\">" + std::to_string(first + p.first_position) +
             "</text>\n";
        for (int c = 0; c < 4; ++c)
            s += "<text x=\"" + svg_num(wrapped_layout::left - 3) + "\" y=\"" + svg_num(y + (c + 1) * cell - 1) +
                 "\" font-size=\"8\" fill=\"" + base_colour[c] + "\" text-anchor=\"end\">" + "ACGT"[c] + "</text>\n";
        for (index_t i = 0; i < count; ++i) {
            const index_t l = first + i;
            const double x = wrapped_layout::left + double(i) * cell;
            const char present = l < static_cast<index_t>(p.sequence.size()) ? p.sequence[static_cast<std::size_t>(l)] : 'N';
            for (int c = 0; c < 4; ++c) {
                const double v = p.values[c * p.length + l];
                const bool own = (present & ~0x20) == "ACGT"[c];
                s += "<rect x=\"" + svg_num(x) + "\" y=\"" + svg_num(y + c * cell) + "\" width=\"" + svg_num(cell) +
                     "\" height=\"" + svg_num(cell) + "\" fill=\"" + diverging(top > 0 ? v / top : 0) + "\"/>\n";
                if (own)
                    s += "<circle cx=\"" + svg_num(x + cell / 2) + "\" cy=\"" + svg_num(y + c * cell + cell / 2) +
                         "\" r=\"1.4\" fill=\"#333333\"/>\n";
            }
        }
    }
    // Colour key.
    const double ky = w.height + 4;
    for (int i = 0; i <= 20; ++i)
        s += "<rect x=\"" + svg_num(wrapped_layout::left + i * 6) + "\" y=\"" + svg_num(ky) +
             "\" width=\"6\" height=\"8\" fill=\"" + diverging((i - 10) / 10.0) + "\"/>\n";
    s += "<text x=\"" + svg_num(wrapped_layout::left + 132) + "\" y=\"" + svg_num(ky + 8) +
         "\" font-size=\"10\" fill=\"#555555\">" + svg_text("-" + short_number(top) + " to +" + short_number(top) +
                                                           " (change of the target)") +
         "</text>\n";
    s += "</svg>\n";
    return s;
}

}  // namespace seqnet::io
