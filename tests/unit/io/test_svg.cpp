// tests for seqnet/io/svg.hpp
#include <catch2/catch.hpp>
#include <seqnet/io/svg.hpp>
#include "svg_text.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using seqnet::io::line_plot_svg;
using seqnet::io::svg_series;
namespace fs = std::filesystem;
using namespace seqnet;

namespace {

using test::occurrences;
using test::polylines;

// The legend box: the rect with fill-opacity, its x and y attributes.
std::pair<double, double> legend_corner(const std::string& svg) {
    const std::size_t at = svg.rfind("<rect", svg.find("fill-opacity"));
    auto attr = [&](const std::string& name) {
        const std::size_t p = svg.find(" " + name + "=\"", at) + name.size() + 3;
        return std::stod(svg.substr(p));
    };
    return {attr("x"), attr("y")};
}

bool have_python() { return fs::exists("/usr/bin/python3"); }

struct temp_file {
    fs::path path;
    explicit temp_file(const std::string& text) {
        const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
        path = fs::temp_directory_path() /
               ("seqnet_svg_" + std::to_string(std::random_device{}()) + "_" + std::to_string(tick) + ".svg");
        std::ofstream(path, std::ios::binary) << text;
    }
    ~temp_file() {
        std::error_code ec;
        fs::remove(path, ec);
    }
};

}  // namespace

TEST_CASE("UTF-8 cleaning, truncation and XML escaping of labels", "[svg]") {
    using namespace seqnet::io::detail;
    CHECK(svg_clean_utf8("plain") == "plain");
    const std::string valid = "\xC3\xA9t\xC3\xA9 \xE2\x86\x92 \xF0\x9F\xA7\xAC";  // été, an arrow, an emoji
    CHECK(svg_clean_utf8(valid) == valid);
    CHECK(svg_clean_utf8("a\tb\nc\x01") == "a b c ");
    CHECK(svg_clean_utf8("\xFF") == "\xEF\xBF\xBD");
    CHECK(svg_clean_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");              // overlong '/'
    CHECK(svg_clean_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
    CHECK(svg_clean_utf8("x\xE2\x86") == "x\xEF\xBF\xBD\xEF\xBF\xBD");             // cut short
    CHECK(svg_clean_utf8("\xEF\xBF\xBE") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFE, not XML
    CHECK(svg_escape("a<b & \"c\" 'd' >") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt;");
    CHECK(svg_char_count("\xC3\xA9t\xC3\xA9") == 3);
    CHECK(svg_truncate("abcdef", 6) == "abcdef");
    CHECK(svg_truncate("abcdef", 4) == "abc\xE2\x80\xA6");
    CHECK(svg_truncate("\xC3\xA9\xC3\xA9\xC3\xA9", 2) == "\xC3\xA9\xE2\x80\xA6");  // never mid-character
}

TEST_CASE("Thinning keeps at most 2000 points with both endpoints, every k-th between", "[svg]") {
    using seqnet::io::detail::svg_thin;
    for (std::size_t n : {1u, 2u, 1999u, 2000u, 2001u, 4000u, 4001u, 10007u}) {
        std::vector<std::pair<double, double>> p(n);
        for (std::size_t i = 0; i < n; ++i) p[i] = {static_cast<double>(i), 0};
        const auto t = svg_thin(p, 2000);
        INFO(n << " points");
        CHECK(t.size() <= 2000);
        CHECK(t.front() == p.front());
        CHECK(t.back() == p.back());
        if (n <= 2000) CHECK(t.size() == n);
        else CHECK(t.size() >= 1000);  // k is the smallest that fits: no more than halves the budget
        for (std::size_t i = 2; i + 1 < t.size(); ++i)
            CHECK(t[i].first - t[i - 1].first == t[1].first - t[0].first);
    }
}

TEST_CASE("A line plot has the fixed frame, ticks, one coloured polyline and legend entry per series", "[svg]") {
    std::vector<svg_series> series{{"ctcf (AUROC 0.973)", {{0, 0}, {0.1, 0.8}, {1, 1}}},
                                   {"dnase (AUROC 0.810)", {{0, 0}, {0.4, 0.7}, {1, 1}}}};
    const std::string svg = line_plot_svg(series, "ROC curves", "False positive rate", "True positive rate", true);
    CHECK(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"", 0) == 0);
    CHECK(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"480\" height=\"400\"") !=
          std::string::npos);
    CHECK(svg.find("</svg>\n") == svg.size() - 7);
    CHECK(occurrences(svg, "<polyline") == 2);
    CHECK(svg.find("stroke=\"#0072B2\"") != std::string::npos);  // Okabe-Ito blue, then vermillion
    CHECK(svg.find("stroke=\"#D55E00\"") != std::string::npos);
    CHECK(svg.find(">ctcf (AUROC 0.973)</text>") != std::string::npos);
    CHECK(svg.find(">dnase (AUROC 0.810)</text>") != std::string::npos);
    CHECK(svg.find(">False positive rate</text>") != std::string::npos);
    for (const char* tick : {">0</text>", ">0.2</text>", ">0.4</text>", ">0.6</text>", ">0.8</text>", ">1</text>"})
        CHECK(occurrences(svg, tick) == 2);  // on both axes
    CHECK(svg.find("stroke-dasharray=\"4 4\"") != std::string::npos);  // the chance line
    const std::string no_diagonal = line_plot_svg(series, "PR", "Recall", "Precision", false);
    CHECK(no_diagonal.find("stroke-dasharray=\"4 4\"") == std::string::npos);
    // Data (0, 0) is the plot's lower-left pixel, (1, 1) its upper-right.
    const auto lines = polylines(svg);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].front() == std::pair<double, double>{62, 340});
    CHECK(lines[0].back() == std::pair<double, double>{462, 40});
}

TEST_CASE("The legend goes where the curves are not; long legends are cut", "[svg]") {
    // A ROC-like curve hugging the upper-left: the legend takes the lower right.
    const std::vector<svg_series> roc{{"a", {{0, 0}, {0.02, 0.9}, {0.1, 1}, {1, 1}}}};
    const auto [rx, ry] = legend_corner(line_plot_svg(roc, "t", "x", "y", true));
    CHECK(rx > 262);
    CHECK(ry > 190);
    // A curve along the bottom and right edges plus the diagonal: the upper left is the free corner.
    const std::vector<svg_series> low{{"a", {{0, 0.05}, {0.95, 0.05}, {0.95, 1}}}};
    const auto [lx, ly] = legend_corner(line_plot_svg(low, "t", "x", "y", true));
    CHECK(lx < 262);
    CHECK(ly < 190);

    // 20 series: 16 entries and "+ 4 more series"; colours repeat with a dash pattern from the ninth.
    std::vector<svg_series> many;
    for (int k = 0; k < 20; ++k) many.push_back({"task " + std::to_string(k), {{0, 0}, {1, 1.0 - 0.02 * k}}});
    const std::string svg = line_plot_svg(many, "many", "x", "y", false);
    CHECK(occurrences(svg, "<polyline") == 20);
    CHECK(svg.find(">task 15</text>") != std::string::npos);
    CHECK(svg.find(">task 16</text>") == std::string::npos);
    CHECK(svg.find(">+ 4 more series</text>") != std::string::npos);
    CHECK(occurrences(svg, "stroke=\"#0072B2\"") == 3 + 2);  // series 0, 8 (dashed) and 16; legend 0 and 8
    CHECK(occurrences(svg, "stroke=\"#0072B2\" stroke-dasharray=\"6 3\"") == 2);  // series 8 and its legend line
    // A long label is cut to 52 characters.
    const std::vector<svg_series> longer{{std::string(80, 'x'), {{0, 0}, {1, 1}}}};
    const std::string cut = line_plot_svg(longer, "t", "x", "y", false);
    CHECK(cut.find(">" + std::string(51, 'x') + "\xE2\x80\xA6</text>") != std::string::npos);
}

TEST_CASE("Large, broken and out-of-range series still give a small well-formed document", "[svg]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<svg_series> series;
    svg_series big{"big <&> \"quoted\" 'single'", {}};
    for (int i = 0; i <= 100000; ++i) big.points.emplace_back(i / 100000.0, std::sqrt(i / 100000.0));
    series.push_back(big);
    series.push_back({"gap \xFF\xC0 \x01 \xE2\x86\x92", {{0, 0}, {0.3, 0.5}, {nan, 0.2}, {0.5, 0.6}, {1, 1}}});
    series.push_back({"outside", {{-1, -1}, {2, 3}, {1e300, -1e300}}});
    series.push_back({"empty", {}});
    const std::string svg = line_plot_svg(series, "T\xC3\xADtulo & <more>", "x & y", "p < q", true);
    CHECK(svg.size() < 100000);
    const auto lines = polylines(svg);
    REQUIRE(lines.size() == 4);  // big, gap in two pieces, outside; nothing for the empty series
    CHECK(lines[0].size() <= 2000);
    CHECK(lines[0].front() == std::pair<double, double>{62, 340});
    CHECK(lines[0].back() == std::pair<double, double>{462, 40});
    CHECK(lines[1].size() == 2);
    CHECK(lines[2].size() == 2);
    CHECK(lines[3].size() == 3);
    CHECK(lines[3].back() == std::pair<double, double>{1e6, 1e6});  // clamped, then clipped by the plot area
    CHECK(svg.find(">big &lt;&amp;&gt; &quot;quoted&quot; &apos;single&apos;</text>") != std::string::npos);
    CHECK(svg.find("<title>T\xC3\xADtulo &amp; &lt;more&gt;</title>") != std::string::npos);
    CHECK(svg.find(">empty</text>") != std::string::npos);

    if (!have_python()) {
        WARN("/usr/bin/python3 not found: SVG well-formedness not checked by an XML parser");
        return;
    }
    temp_file file(svg);
    const std::string check =
        "import sys, xml.etree.ElementTree as ET\n"
        "root = ET.parse(sys.argv[1]).getroot()\n"
        "ns = '{http://www.w3.org/2000/svg}'\n"
        "assert root.tag == ns + 'svg' and root.get('version') == '1.1', root.tag\n"
        "assert root.get('width') == '480' and root.get('height') == '400'\n"
        "texts = [t.text for t in root.iter(ns + 'text')]\n"
        "assert 'big <&> \"quoted\" \\'single\\'' in texts, texts\n"
        "assert 'gap \\ufffd\\ufffd   \\u2192' in texts, texts\n"
        "assert root.find(ns + 'title').text == 'T\\u00edtulo & <more>'\n"
        "for p in root.iter(ns + 'polyline'):\n"
        "    for xy in p.get('points').split():\n"
        "        x, y = map(float, xy.split(','))\n"
        "        assert abs(x) <= 1e6 and abs(y) <= 1e6\n";
    temp_file script(check);
    const std::string cmd = "/usr/bin/python3 '" + script.path.string() + "' '" + file.path.string() + "'";
    CHECK(std::system(cmd.c_str()) == 0);
}
