// tests for seqnet/io/attribution_svg.hpp
#include <catch2/catch.hpp>

#include <seqnet/io/attribution_svg.hpp>
#include "svg_text.hpp"

#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <vector>

using namespace seqnet;

using test::occurrences;

TEST_CASE("attribution logos stack letters above the axis for positive scores and below for negative",
          "[svg][attribution]") {
    // Position 0: A +2 (the largest anywhere); position 1: T -1; position 2: nothing.
    std::vector<float> v(4 * 3, 0.0f);
    v[0 * 3 + 0] = 2.0f;
    v[3 * 3 + 1] = -1.0f;
    const io::attribution_picture p{.title = "seq <1> & co", .values = v.data(), .length = 3};
    const std::string svg = io::attribution_logo_svg(p);
    CHECK(svg.rfind("<?xml", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(svg.find("seq &lt;1&gt; &amp; co") != std::string::npos);  // escaped title
    CHECK(occurrences(svg, "<path ") == 2);                                // nothing drawn for zero scores
    // A, green, upright (negative y scale) and full height (34 px); T, red, flipped, half height.
    CHECK(std::regex_search(svg, std::regex("fill=\"#109648\"[^>]*scale\\([0-9.]+,-34.00\\)")));
    CHECK(std::regex_search(svg, std::regex("fill=\"#D62839\"[^>]*scale\\([0-9.]+,17.00\\)")));
}

TEST_CASE("long sequences wrap into numbered rows", "[svg][attribution]") {
    std::vector<float> v(4 * 250, 0.1f);
    io::attribution_picture p{.title = "long", .values = v.data(), .length = 250, .first_position = 1001};
    const std::string svg = io::attribution_logo_svg(p);
    for (const char* label : {">1001<", ">1101<", ">1201<"}) CHECK(svg.find(label) != std::string::npos);
    CHECK(svg.find(">1301<") == std::string::npos);
    CHECK(occurrences(svg, "<path ") == 4 * 250);
}

TEST_CASE("ISM heatmaps colour every cell on one diverging scale and mark the base present", "[svg][attribution]") {
    // 4 x 2: at position 0, C lowers the target most (-3) and G raises it (+1.5); position 1 is flat.
    std::vector<float> v(4 * 2, 0.0f);
    v[1 * 2 + 0] = -3.0f;
    v[2 * 2 + 0] = 1.5f;
    const io::attribution_picture p{.title = "ism", .values = v.data(), .length = 2, .sequence = "AN"};
    const std::string svg = io::ism_heatmap_svg(p);
    CHECK(occurrences(svg, "<circle ") == 1);                 // A at position 0; the N has no base to mark
    CHECK(svg.find("fill=\"#2166AC\"") != std::string::npos);  // the most negative cell: full blue
    CHECK(svg.find("fill=\"#D98C95\"") != std::string::npos);  // +1.5 of 3: halfway to red
    CHECK(svg.find("-3 to +3") != std::string::npos);          // the key names the scale
}

TEST_CASE("a picture of non-finite scores is an error naming the position", "[svg][attribution]") {
    std::vector<float> v(4 * 5, 0.0f);
    v[2 * 5 + 3] = std::numeric_limits<float>::quiet_NaN();
    const io::attribution_picture p{.title = "bad", .values = v.data(), .length = 5, .first_position = 10};
    CHECK_THROWS_WITH(io::attribution_logo_svg(p), Catch::Contains("'bad'") && Catch::Contains("position 13"));
    CHECK_THROWS_WITH(io::ism_heatmap_svg(p), Catch::Contains("not finite"));
}
