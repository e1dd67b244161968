// Test helpers that read back what seqnet's SVG writers drew: counts of a snippet, polyline points.
#pragma once

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace seqnet::test {

/// How often `what` occurs in `s` (non-overlapping).
inline std::size_t occurrences(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
    return n;
}

/// The numbers of every <polyline points="..."> in the document, as (x, y) pixel pairs per polyline.
inline std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg) {
    std::vector<std::vector<std::pair<double, double>>> out;
    const std::string key = "points=\"";
    for (std::size_t at = svg.find(key); at != std::string::npos; at = svg.find(key, at + 1)) {
        const std::size_t end = svg.find('"', at + key.size());
        std::string text = svg.substr(at + key.size(), end - at - key.size());
        for (char& c : text)
            if (c == ',') c = ' ';
        std::istringstream in(text);
        std::vector<std::pair<double, double>> pts;
        double x = 0, y = 0;
        while (in >> x >> y) pts.emplace_back(x, y);
        out.push_back(std::move(pts));
    }
    return out;
}

}  // namespace seqnet::test
