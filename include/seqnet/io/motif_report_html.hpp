// seqnet/io/motif_report_html.hpp -- one self-contained HTML page about a model's first-layer filters:
// each filter's logo, its sites, information and influence, and its best matches in a motif database
// with aligned pair logos.
// Module seqnet::io (no library beyond the core).
//
// The page needs nothing but itself: logos are inline SVG (io/motif_logo_svg.hpp's, which define no
// ids), styles are inline, there is no script. Filters appear in the order given (seqnet motifs sorts
// them by influence, most influential first); a filter with too few sites to read as a motif is listed
// but greyed. Every text is escaped, so any motif or file name gives a well-formed page.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/svg.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace seqnet::io {

struct motif_report_match {
    std::string target;     // id and name of the database motif
    double p = 1, e = 1, q = 1;
    index_t offset = 0, overlap = 0;
    char strand = '+';
    std::string pair_logo;  // SVG: the filter over the match
};

struct motif_report_filter {
    std::string id, consensus;
    index_t sites = 0;
    double information = 0;               // total bits
    double influence = 0;                 // overall influence (mean squared change of the predictions)
    std::vector<double> task_influence;   // mean change per task
    bool informative = true;              // false: too few sites
    std::string logo;                     // SVG
    std::vector<motif_report_match> matches;
};

struct motif_report {
    std::string title = "seqnet motifs";
    std::vector<std::pair<std::string, std::string>> settings;  // shown as a table: what was run on what
    std::vector<std::string> tasks;
    std::vector<motif_report_filter> filters;
    bool has_database = false;
};

namespace detail {
inline std::string html_text(const std::string& s) { return svg_text(s); }
inline std::string html_number(double v, const char* format = "%.3g") {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}
/// An SVG document as inline HTML: without its XML declaration.
inline std::string inline_svg(const std::string& svg) {
    const auto start = svg.find("<svg");
    return start == std::string::npos ? std::string() : svg.substr(start);
}
}  // namespace detail

inline std::string motif_report_html(const motif_report& r) {
    using detail::html_number;
    using detail::html_text;
    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_text(r.title) +
         "</title>\n<style>\n"
         "body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}\n"
         "table{border-collapse:collapse;margin:8px 0 20px 0}td,th{border:1px solid #ccc;padding:4px 8px;"
         "vertical-align:top;text-align:left}th{background:#f3f3f3}\n"
         ".filter{border-top:2px solid #888;padding:12px 0}.weak{opacity:0.45}\n"
         ".stats{font-size:14px;color:#444}.match{display:inline-block;margin:6px 16px 6px 0;font-size:13px}\n"
         "h2{font-size:20px;margin:4px 0}\n</style>\n</head>\n<body>\n<h1>" +
         html_text(r.title) + "</h1>\n";
    if (!r.settings.empty()) {
        h += "<table>\n";
        for (const auto& [k, v] : r.settings) h += "<tr><th>" + html_text(k) + "</th><td>" + html_text(v) + "</td></tr>\n";
        h += "</table>\n";
    }
    h += "<p>" + std::to_string(r.filters.size()) +
         " filters, most influential first. Influence: the mean squared change of the predictions when the "
         "filter's output is replaced by its mean";
    if (!r.tasks.empty()) h += "; per task, the mean change (positive: the filter raises the prediction)";
    h += ".</p>\n";
    for (const auto& f : r.filters) {
        h += std::string("<div class=\"filter") + (f.informative ? "" : " weak") + "\">\n<h2>" + html_text(f.id) +
             " &nbsp; <code>" + html_text(f.consensus) + "</code></h2>\n<div class=\"stats\">" +
             std::to_string(f.sites) + " sites, " + html_number(f.information, "%.2f") + " bits, influence " +
             html_number(f.influence);
        if (!f.informative) h += " &mdash; too few sites to read as a motif";
        h += "</div>\n";
        if (!f.task_influence.empty() && f.task_influence.size() == r.tasks.size()) {
            h += "<table><tr>";
            for (const auto& t : r.tasks) h += "<th>" + html_text(t) + "</th>";
            h += "</tr><tr>";
            for (double v : f.task_influence) h += "<td>" + html_number(v, "%+.3g") + "</td>";
            h += "</tr></table>\n";
        }
        h += "<div>" + detail::inline_svg(f.logo) + "</div>\n";
        if (r.has_database) {
            if (f.matches.empty()) h += "<p class=\"stats\">no database match</p>\n";
            for (const auto& m : f.matches) {
                h += "<div class=\"match\">" + detail::inline_svg(m.pair_logo) + "<br>" + html_text(m.target) +
                     ": p " + html_number(m.p) + ", E " + html_number(m.e) + ", q " + html_number(m.q) + ", offset " +
                     std::to_string(m.offset) + ", strand " + std::string(1, m.strand) + ", overlap " +
                     std::to_string(m.overlap) + "</div>\n";
            }
        }
        h += "</div>\n";
    }
    h += "<p class=\"stats\">Written by seqnet " SEQNET_VERSION_STRING ".</p>\n</body>\n</html>\n";
    return h;
}

}  // namespace seqnet::io
