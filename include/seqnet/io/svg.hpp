// seqnet/io/svg.hpp -- a small, dependency-free SVG line-plot writer for curves on the unit square
// (ROC and precision-recall curves: train/curves_svg.hpp builds those on it).
//
// line_plot_svg draws each series as a polyline on fixed axes 0..1 x 0..1, ticks and grid lines every
// 0.2, an optional dashed chance diagonal, a title, axis labels and a legend with one entry per series
// (the caller's label, e.g. "ctcf (AUROC 0.973)"). The picture is a fixed 480 x 400 SVG 1.1 document
// (UTF-8, standalone): series take the Okabe-Ito colour-blind-safe palette in order, and after the eighth
// series the colours repeat with a dash pattern. Points are data coordinates; a non-finite point breaks
// its line, and the lines are clipped to the plot area. A series of more than 2000 points is thinned to
// every k-th point plus both endpoints (k the smallest that keeps at most 2000). The legend goes into the
// corner of the plot crossed by the fewest line segments (like matplotlib's "best"); it shows at most 17
// entries (the last then says how many more series there are) and truncates labels to 52 characters.
// Text is escaped for XML, control characters become spaces and invalid UTF-8 becomes U+FFFD, so any
// label gives a well-formed document. Cost: O(total points).
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seqnet::io {

/// One curve: its legend label and its (x, y) points in data coordinates, drawn in order.
struct svg_series {
    std::string label;
    std::vector<std::pair<double, double>> points;
};

namespace detail {

struct svg_layout {
    static constexpr double width = 480, height = 400;
    static constexpr double left = 62, right = 462, top = 40, bottom = 340;  // plot area in pixels
    static constexpr std::size_t max_points = 2000;
    static constexpr std::size_t max_legend_rows = 17;
    static constexpr std::size_t max_label_chars = 52;
    static constexpr double legend_row = 16, legend_pad = 6, legend_swatch = 20, legend_char = 6.2;
};

// Okabe & Ito (2008), "Color Universal Design": yellow last (weakest on white).
inline constexpr std::array<const char*, 8> okabe_ito{"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                      "#E69F00", "#56B4E9", "#000000", "#F0E442"};
inline constexpr std::array<const char*, 4> svg_dashes{"", "6 3", "2 2", "8 3 2 3"};

// `s` as valid UTF-8 holding only characters XML 1.0 allows in text: each byte that does not start a
// well-formed sequence becomes U+FFFD, control characters (tab and line breaks included) become spaces.
inline std::string svg_clean_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out += c < 0x20 ? ' ' : static_cast<char>(c);
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0, least = 0;
        if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1Fu, least = 0x80;
        else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0Fu, least = 0x800;
        else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07u, least = 0x10000;
        bool ok = len > 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            ok = (d & 0xC0) == 0x80;
            cp = (cp << 6) | (d & 0x3Fu);
        }
        ok = ok && cp >= least && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE && cp != 0xFFFF &&
             !(cp >= 0x80 && cp <= 0x9F);  // C1 controls: allowed by XML 1.0 but discouraged
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

// Number of characters (code points) of valid UTF-8.
inline std::size_t svg_char_count(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Valid UTF-8 cut to at most `n` characters, the last one then an ellipsis.
inline std::string svg_truncate(const std::string& s, std::size_t n) {
    if (svg_char_count(s) <= n) return s;
    std::size_t chars = 0, i = 0;
    for (; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == n - 1) break;
    return s.substr(0, i) + "\xE2\x80\xA6";
}

inline std::string svg_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

inline std::string svg_text(std::string_view s) { return svg_escape(svg_clean_utf8(s)); }

// A pixel coordinate with two decimals (locale-independent).
inline std::string svg_num(double x) {
    x = std::clamp(x, -1e6, 1e6);
    if (std::abs(x) < 0.005) x = 0;  // no "-0.00"
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, 2);
    return std::string(buf, r.ptr);
}

inline double svg_px(double x) { return svg_layout::left + x * (svg_layout::right - svg_layout::left); }
inline double svg_py(double y) { return svg_layout::bottom - y * (svg_layout::bottom - svg_layout::top); }

// Every k-th point and the last, k the smallest that keeps at most `max` points.
inline std::vector<std::pair<double, double>> svg_thin(const std::vector<std::pair<double, double>>& p,
                                                       std::size_t max) {
    if (p.size() <= max) return p;
    const std::size_t k = (p.size() - 1 + (max - 2)) / (max - 1);  // ceil((n-1)/(max-1)): n-1 steps in max-1 hops
    std::vector<std::pair<double, double>> out;
    out.reserve(max);
    for (std::size_t i = 0; i < p.size() - 1; i += k) out.push_back(p[i]);
    out.push_back(p.back());
    return out;
}

// Whether the segment a-b (pixels) meets the rectangle [x0, x1] x [y0, y1] (Liang-Barsky clipping).
inline bool svg_segment_hits(double ax, double ay, double bx, double by, double x0, double y0, double x1, double y1) {
    double t0 = 0, t1 = 1;
    const double dx = bx - ax, dy = by - ay;
    const double p[4] = {-dx, dx, -dy, dy}, q[4] = {ax - x0, x1 - ax, ay - y0, y1 - ay};
    for (int k = 0; k < 4; ++k) {
        if (p[k] == 0) {
            if (q[k] < 0) return false;
            continue;
        }
        const double t = q[k] / p[k];
        if (p[k] < 0) t0 = std::max(t0, t);
        else t1 = std::min(t1, t);
        if (t0 > t1) return false;
    }
    return true;
}

}  // namespace detail

/// An SVG 1.1 document (480 x 400 pixels) plotting `series` on the unit square, with a title, axis
/// labels, a legend and, when `diagonal` is set, the dashed y = x chance line of a ROC plot.
inline std::string line_plot_svg(const std::vector<svg_series>& series, std::string title, std::string x_label,
                                 std::string y_label, bool diagonal = false) {
    using L = detail::svg_layout;
    using detail::svg_num;
    using detail::svg_px;
    using detail::svg_py;
    std::string s;
    s += "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"480\" height=\"400\" "
         "viewBox=\"0 0 480 400\" font-family=\"Helvetica, Arial, sans-serif\">\n";
    s += "<title>" + detail::svg_text(title) + "</title>\n";
    s += "<defs><clipPath id=\"plot-area\"><rect x=\"" + svg_num(L::left) + "\" y=\"" + svg_num(L::top) +
         "\" width=\"" + svg_num(L::right - L::left) + "\" height=\"" + svg_num(L::bottom - L::top) +
         "\"/></clipPath></defs>\n";
    s += "<rect x=\"0\" y=\"0\" width=\"480\" height=\"400\" fill=\"#ffffff\"/>\n";

    // Grid, ticks and tick labels every 0.2.
    static constexpr std::array<const char*, 6> tick_text{"0", "0.2", "0.4", "0.6", "0.8", "1"};
    s += "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
    for (int i = 1; i < 5; ++i) {
        const double v = 0.2 * i;
        s += "<line x1=\"" + svg_num(svg_px(v)) + "\" y1=\"" + svg_num(L::top) + "\" x2=\"" + svg_num(svg_px(v)) +
             "\" y2=\"" + svg_num(L::bottom) + "\"/>\n";
        s += "<line x1=\"" + svg_num(L::left) + "\" y1=\"" + svg_num(svg_py(v)) + "\" x2=\"" + svg_num(L::right) +
             "\" y2=\"" + svg_num(svg_py(v)) + "\"/>\n";
    }
    s += "</g>\n<g stroke=\"#333333\" stroke-width=\"1\">\n";
    for (int i = 0; i <= 5; ++i) {
        const double v = 0.2 * i;
        s += "<line x1=\"" + svg_num(svg_px(v)) + "\" y1=\"" + svg_num(L::bottom) + "\" x2=\"" + svg_num(svg_px(v)) +
             "\" y2=\"" + svg_num(L::bottom + 5) + "\"/>\n";
        s += "<line x1=\"" + svg_num(L::left - 5) + "\" y1=\"" + svg_num(svg_py(v)) + "\" x2=\"" + svg_num(L::left) +
             "\" y2=\"" + svg_num(svg_py(v)) + "\"/>\n";
    }
    s += "</g>\n<g font-size=\"11\" fill=\"#333333\">\n";
    for (std::size_t i = 0; i <= 5; ++i) {
        const double v = 0.2 * static_cast<double>(i);
        s += "<text x=\"" + svg_num(svg_px(v)) + "\" y=\"" + svg_num(L::bottom + 18) + "\" text-anchor=\"middle\">" +
             tick_text[i] + "</text>\n";
        s += "<text x=\"" + svg_num(L::left - 8) + "\" y=\"" + svg_num(svg_py(v) + 4) + "\" text-anchor=\"end\">" +
             tick_text[i] + "</text>\n";
    }
    s += "</g>\n";

    // Title and axis labels.
    s += "<text x=\"240\" y=\"24\" font-size=\"15\" text-anchor=\"middle\" fill=\"#111111\">" +
         detail::svg_text(title) + "</text>\n";
    s += "<text x=\"" + svg_num((L::left + L::right) / 2) + "\" y=\"" + svg_num(L::bottom + 42) +
         "\" font-size=\"13\" text-anchor=\"middle\" fill=\"#111111\">" + detail::svg_text(x_label) + "</text>\n";
    const std::string ly = svg_num((L::top + L::bottom) / 2);
    s += "<text x=\"18\" y=\"" + ly + "\" font-size=\"13\" text-anchor=\"middle\" fill=\"#111111\" " +
         "transform=\"rotate(-90 18 " + ly + ")\">" + detail::svg_text(y_label) + "</text>\n";

    // The curves, in pixels, split at non-finite points.
    std::vector<std::vector<std::vector<std::pair<double, double>>>> runs(series.size());
    for (std::size_t k = 0; k < series.size(); ++k) {
        std::vector<std::pair<double, double>> run;
        for (const auto& [x, y] : detail::svg_thin(series[k].points, L::max_points)) {
            if (std::isfinite(x) && std::isfinite(y)) {
                run.emplace_back(svg_px(x), svg_py(y));
            } else if (!run.empty()) {
                runs[k].push_back(std::move(run));
                run.clear();
            }
        }
        if (!run.empty()) runs[k].push_back(std::move(run));
    }
    auto style = [](std::size_t k) {
        const std::string dash = detail::svg_dashes[(k / detail::okabe_ito.size()) % detail::svg_dashes.size()];
        return std::string("stroke=\"") + detail::okabe_ito[k % detail::okabe_ito.size()] + "\"" +
               (dash.empty() ? std::string() : " stroke-dasharray=\"" + dash + "\"");
    };
    s += "<g clip-path=\"url(#plot-area)\" fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\">\n";
    if (diagonal)
        s += "<line x1=\"" + svg_num(svg_px(0)) + "\" y1=\"" + svg_num(svg_py(0)) + "\" x2=\"" + svg_num(svg_px(1)) +
             "\" y2=\"" + svg_num(svg_py(1)) + "\" stroke=\"#9a9a9a\" stroke-width=\"1\" stroke-dasharray=\"4 4\"/>\n";
    for (std::size_t k = 0; k < series.size(); ++k)
        for (const auto& run : runs[k]) {
            s += "<polyline " + style(k) + " stroke-width=\"1.8\" points=\"";
            for (std::size_t i = 0; i < run.size(); ++i) {
                if (i) s += ' ';
                s.append(svg_num(run[i].first)).append(1, ',').append(svg_num(run[i].second));
            }
            s += "\"/>\n";
        }
    s += "</g>\n";
    s += "<rect x=\"" + svg_num(L::left) + "\" y=\"" + svg_num(L::top) + "\" width=\"" + svg_num(L::right - L::left) +
         "\" height=\"" + svg_num(L::bottom - L::top) + "\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n";

    // The legend: entries, box size, then the corner its box crosses the fewest segments in.
    if (!series.empty()) {
        std::vector<std::pair<std::string, std::size_t>> entries;  // text, series index (or size() for "more")
        const std::size_t shown =
            series.size() <= L::max_legend_rows ? series.size() : L::max_legend_rows - 1;
        for (std::size_t k = 0; k < shown; ++k)
            entries.emplace_back(detail::svg_truncate(detail::svg_clean_utf8(series[k].label), L::max_label_chars), k);
        if (shown < series.size())
            entries.emplace_back("+ " + std::to_string(series.size() - shown) + " more series", series.size());
        std::size_t chars = 0;
        for (const auto& e : entries) chars = std::max(chars, detail::svg_char_count(e.first));
        const double box_w = 3 * L::legend_pad + L::legend_swatch + L::legend_char * static_cast<double>(chars);
        const double box_h = 2 * L::legend_pad + L::legend_row * static_cast<double>(entries.size());
        const double inset = 8;
        // Candidate corners, preferred in this order when tied: lower right, lower left, upper right, upper left.
        const std::array<std::pair<double, double>, 4> corners{
            std::pair{L::right - inset - box_w, L::bottom - inset - box_h},
            std::pair{L::left + inset, L::bottom - inset - box_h},
            std::pair{L::right - inset - box_w, L::top + inset},
            std::pair{L::left + inset, L::top + inset}};
        std::size_t best = 0, best_hits = static_cast<std::size_t>(-1);
        for (std::size_t c = 0; c < corners.size(); ++c) {
            const auto [x0, y0] = corners[c];
            std::size_t hits = 0;
            auto hit = [&](double ax, double ay, double bx, double by) {
                hits += detail::svg_segment_hits(ax, ay, bx, by, x0, y0, x0 + box_w, y0 + box_h) ? 1u : 0u;
            };
            if (diagonal) hit(svg_px(0), svg_py(0), svg_px(1), svg_py(1));
            for (const auto& series_runs : runs)
                for (const auto& run : series_runs) {
                    if (run.size() == 1) hit(run[0].first, run[0].second, run[0].first, run[0].second);
                    for (std::size_t i = 1; i < run.size(); ++i)
                        hit(run[i - 1].first, run[i - 1].second, run[i].first, run[i].second);
                }
            if (hits < best_hits) best = c, best_hits = hits;
        }
        const auto [bx, by] = corners[best];
        s += "<g font-size=\"11\" fill=\"#111111\">\n";
        s += "<rect x=\"" + svg_num(bx) + "\" y=\"" + svg_num(by) + "\" width=\"" + svg_num(box_w) + "\" height=\"" +
             svg_num(box_h) + "\" fill=\"#ffffff\" fill-opacity=\"0.88\" stroke=\"#bbbbbb\" stroke-width=\"0.8\"/>\n";
        for (std::size_t r = 0; r < entries.size(); ++r) {
            const double cy = by + L::legend_pad + L::legend_row * (static_cast<double>(r) + 0.5);
            const std::size_t k = entries[r].second;
            if (k < series.size())
                s += "<line x1=\"" + svg_num(bx + L::legend_pad) + "\" y1=\"" + svg_num(cy) + "\" x2=\"" +
                     svg_num(bx + L::legend_pad + L::legend_swatch) + "\" y2=\"" + svg_num(cy) + "\" " + style(k) +
                     " stroke-width=\"2.4\"/>\n";
            s += "<text x=\"" + svg_num(bx + 2 * L::legend_pad + L::legend_swatch) + "\" y=\"" + svg_num(cy + 4) +
                 "\">" + detail::svg_escape(entries[r].first) + "</text>\n";
        }
        s += "</g>\n";
    }
    s += "</svg>\n";
    return s;
}

}  // namespace seqnet::io
