// tests for seqnet/train/curves_svg.hpp
#include <catch2/catch.hpp>
#include <seqnet/train/curves_svg.hpp>
#include "svg_text.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace seqnet;

namespace {

// Polyline points of an SVG document mapped back from pixels to data coordinates (plot area 62..462 x
// 340..40, see io/svg.hpp).
std::vector<std::vector<std::pair<double, double>>> curves_in(const std::string& svg) {
    auto lines = test::polylines(svg);
    for (auto& line : lines)
        for (auto& [x, y] : line) std::tie(x, y) = std::pair((x - 62) / 400, (340 - y) / 300);
    return lines;
}

}  // namespace

TEST_CASE("roc_svg draws each task's ROC curve with its AUROC in the legend", "[svg][metrics]") {
    const std::vector<float> s{0.1f, 0.4f, 0.35f, 0.8f}, y{0, 0, 1, 1}, y_neg{0, 0, 0, 0};
    const std::string svg = roc_svg({"ctcf", "empty <task>"}, {roc_curve(s, y), roc_curve(s, y_neg)},
                                    {auroc(s, y), auroc(s, y_neg)});
    CHECK(svg.find(">ctcf (AUROC 0.750)</text>") != std::string::npos);
    CHECK(svg.find(">empty &lt;task&gt; (AUROC n/a)</text>") != std::string::npos);
    CHECK(svg.find(">False positive rate</text>") != std::string::npos);
    CHECK(svg.find("stroke-dasharray=\"4 4\"") != std::string::npos);
    const auto lines = curves_in(svg);
    REQUIRE(lines.size() == 1);  // the task without positives has NaN TPR everywhere: nothing drawn
    // (0, 0), (0, 1/2), (1/2, 1/2), (1/2, 1), (1, 1): trapezoid area 3/4.
    REQUIRE(lines[0].size() == 5);
    double area = 0;
    for (std::size_t i = 1; i < lines[0].size(); ++i)
        area += (lines[0][i].first - lines[0][i - 1].first) * (lines[0][i].second + lines[0][i - 1].second) / 2;
    CHECK(area == Approx(0.75).margin(1e-3));
    CHECK_THROWS_AS(roc_svg({"a"}, {}, {0.5}), argument_error);
    CHECK_THROWS_AS(roc_svg({"a"}, {roc_curve(s, y)}, {}), argument_error);
}

TEST_CASE("pr_svg draws steps whose area is the average precision", "[svg][metrics]") {
    // PR points (0, 1), (1/2, 1), (1/2, 1/2), (1, 2/3), (1, 1/2): AP = 1/2 * 1 + 1/2 * 2/3 = 5/6, while
    // straight lines between the points would enclose 0.79.
    const std::vector<float> s{0.1f, 0.4f, 0.35f, 0.8f}, y{0, 0, 1, 1};
    const double ap = average_precision(s, y);
    const std::string svg = pr_svg({"ctcf"}, {pr_curve(s, y)}, {ap}, "PR & more");
    CHECK(svg.find(">ctcf (AUPRC 0.833)</text>") != std::string::npos);
    CHECK(svg.find(">PR &amp; more</text>") != std::string::npos);
    CHECK(svg.find(">Recall</text>") != std::string::npos);
    CHECK(svg.find("stroke-dasharray=\"4 4\"") == std::string::npos);
    const auto lines = curves_in(svg);
    REQUIRE(lines.size() == 1);
    const auto& c = lines[0];
    REQUIRE(c.size() == 2 * 5 - 1);
    double area = 0;
    for (std::size_t i = 1; i < c.size(); ++i) {
        const bool vertical = std::abs(c[i].first - c[i - 1].first) < 1e-9;
        const bool horizontal = std::abs(c[i].second - c[i - 1].second) < 1e-9;
        CHECK((vertical || horizontal));
        area += (c[i].first - c[i - 1].first) * c[i].second;
    }
    CHECK(area == Approx(ap).margin(1e-3));
    CHECK_THROWS_AS(pr_svg({"a", "b"}, {pr_curve(s, y)}, {ap}), argument_error);
}
