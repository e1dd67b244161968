// tests for seqnet/io/motif_logo_svg.hpp
#include <catch2/catch.hpp>

#include <seqnet/io/motif_logo_svg.hpp>
#include "svg_text.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <string>
#include <vector>

using namespace seqnet;

using test::occurrences;

namespace {

// One drawn letter read back from the SVG: which base (by its outline), its colour, and its box in
// pixels (left edge, bottom = where it stands, height; upright when the y scale is negative).
struct drawn_letter {
    int base = -1;
    std::string colour;
    double x = 0, bottom = 0, width = 0, height = 0;
    bool upright = false;
};

std::vector<drawn_letter> letters(const std::string& svg) {
    static const std::regex path(
        "<path fill=\"(#[0-9A-Fa-f]{6})\" fill-rule=\"evenodd\" transform=\"translate\\(([-0-9.]+),([-0-9.]+)\\) "
        "scale\\(([-0-9.]+),([-0-9.]+)\\)\" d=\"([^\"]*)\"/>");
    std::vector<drawn_letter> out;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), path); it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        drawn_letter l;
        for (int b = 0; b < 4; ++b)
            if (m[6].str() == io::detail::base_outline[b]) l.base = b;
        l.colour = m[1].str();
        l.x = std::stod(m[2].str());
        l.bottom = std::stod(m[3].str());
        l.width = std::stod(m[4].str());
        l.height = std::abs(std::stod(m[5].str()));
        l.upright = std::stod(m[5].str()) < 0;
        out.push_back(l);
    }
    return out;
}

// Letters grouped by their column's left edge, each column bottom to top.
std::map<double, std::vector<drawn_letter>> columns(const std::vector<drawn_letter>& ls) {
    std::map<double, std::vector<drawn_letter>> out;
    for (const auto& l : ls) out[l.x].push_back(l);
    for (auto& [x, col] : out)
        std::sort(col.begin(), col.end(),
                  [](const drawn_letter& a, const drawn_letter& b) { return a.bottom > b.bottom; });
    return out;
}

// The bases of `ls` from left to right (one letter per column: one-hot motifs).
std::string bases_left_to_right(std::vector<drawn_letter> ls) {
    std::sort(ls.begin(), ls.end(), [](const drawn_letter& a, const drawn_letter& b) { return a.x < b.x; });
    std::string s;
    for (const auto& l : ls) s += "ACGT"[l.base];
    return s;
}

motif_row one_hot(char base) {
    motif_row r{0, 0, 0, 0};
    r[std::string("ACGT").find(base)] = 1;
    return r;
}

motif one_hot_motif(std::string id, const std::string& bases) {
    motif_matrix rows;
    for (char c : bases) rows.push_back(one_hot(c));
    return motif::from_probabilities(std::move(id), "", std::move(rows));
}

constexpr double bit_px = io::motif_logo_options{}.bit_height;

}  // namespace

TEST_CASE("a one-hot column is one upright letter 2 bits tall and a uniform column draws nothing",
          "[svg][motif_logo]") {
    const motif m = motif::from_probabilities("m1", "", {one_hot('G'), {0.25, 0.25, 0.25, 0.25}, one_hot('T')});
    const std::string svg = io::motif_logo_svg(m);
    CHECK(svg.rfind("<?xml", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    const auto ls = letters(svg);
    REQUIRE(ls.size() == 2);  // nothing for the uniform column
    CHECK(bases_left_to_right(ls) == "GT");
    for (const auto& l : ls) {
        CHECK(l.upright);
        CHECK(l.height == Approx(2 * bit_px).margin(0.01));
        CHECK(l.bottom == Approx(ls[0].bottom));  // one baseline
    }
    // The gap where the uniform column is: G in column 1, T in column 3.
    CHECK(ls[1].x - ls[0].x == Approx(2 * io::motif_logo_options{}.column_width));
    // Axis: ticks 0, 1, 2 bits, the label, and positions 1..3.
    for (const char* t : {">0<", ">1<", ">2<", ">3<", ">bits<"}) CHECK(svg.find(t) != std::string::npos);
    CHECK(svg.find(">4<") == std::string::npos);
}

TEST_CASE("a column's letter heights add up to its information content, smallest at the bottom",
          "[svg][motif_logo]") {
    const motif_row p{0.1, 0.6, 0.05, 0.25};
    const motif m = motif::from_probabilities("m2", "", {p});
    const double ic = information_content(ppm(m)).front();
    const auto col = columns(letters(io::motif_logo_svg(m)));
    REQUIRE(col.size() == 1);
    const auto& stack = col.begin()->second;  // bottom to top
    REQUIRE(stack.size() == 4);
    CHECK(bases_left_to_right({stack[0]}) == "G");  // 0.05, the smallest
    double sum = 0;
    for (std::size_t i = 0; i < stack.size(); ++i) {
        CHECK(stack[i].height == Approx(p[stack[i].base] * ic * bit_px).margin(0.01));
        if (i > 0) {
            CHECK(stack[i].height >= stack[i - 1].height);                         // ascending upward
            CHECK(stack[i].bottom == Approx(stack[i - 1].bottom - stack[i - 1].height).margin(0.02));  // stacked
        }
        sum += stack[i].height;
    }
    CHECK(sum == Approx(ic * bit_px).margin(0.04));
    std::string order;
    for (const auto& l : stack) order += "ACGT"[l.base];
    CHECK(order == "GATC");
}

TEST_CASE("pseudocounts, the small-sample correction and a non-uniform background change the heights",
          "[svg][motif_logo]") {
    motif m = one_hot_motif("m3", "A");
    m.nsites = 10;
    io::motif_logo_options o;
    o.small_sample_correction = true;  // 2 - 3 / (2 ln 2 * 10) bits
    auto ls = letters(io::motif_logo_svg(m, o));
    REQUIRE(ls.size() == 1);
    CHECK(ls[0].height == Approx((2 - 3 / (20 * std::log(2.0))) * bit_px).margin(0.01));

    m.nsites = 1;  // e_1 = 2.16 bits: the column would be negative and is clamped to nothing
    CHECK(letters(io::motif_logo_svg(m, o)).empty());

    // A pseudocount of 1 spread evenly over 10 sites: p(A) = 10.25 / 11, the others 0.25 / 11.
    m.nsites = 10;
    io::motif_logo_options pc;
    pc.pseudocount = 1;
    ls = letters(io::motif_logo_svg(m, pc));
    REQUIRE(ls.size() == 4);
    const double ic = information_content(ppm(m, 1)).front();
    double sum = 0;
    for (const auto& l : ls) sum += l.height;
    CHECK(sum == Approx(ic * bit_px).margin(0.04));
    CHECK(ic < 2);

    // A G against a 20% GC genome carries log2(1 / 0.1) = 3.32 bits: the axis grows to 4.
    io::motif_logo_options gc;
    gc.bg = background::from_gc(0.2);
    const std::string svg = io::motif_logo_svg(one_hot_motif("m4", "G"), gc);
    ls = letters(svg);
    REQUIRE(ls.size() == 1);
    CHECK(ls[0].height == Approx(std::log2(10.0) * bit_px).margin(0.01));
    CHECK(svg.find(">4<") != std::string::npos);
    CHECK(svg.find(">5<") == std::string::npos);
}

TEST_CASE("the palette option changes the letter colours", "[svg][motif_logo]") {
    const motif m = one_hot_motif("m5", "ACGT");
    io::motif_logo_options meme;
    meme.palette = io::logo_palette::meme;
    const std::array<const char*, 4> attribution_colours{"#109648", "#255C99", "#F7B32B", "#D62839"};
    const std::array<const char*, 4> meme_colours{"#CC0000", "#0000CC", "#FFB300", "#008000"};
    for (const auto& l : letters(io::motif_logo_svg(m))) CHECK(l.colour == attribution_colours[l.base]);
    const auto ls = letters(io::motif_logo_svg(m, meme));
    REQUIRE(ls.size() == 4);
    for (const auto& l : ls) CHECK(l.colour == meme_colours[l.base]);
}

TEST_CASE("the option sizes set the pixels per column and per bit", "[svg][motif_logo]") {
    io::motif_logo_options o;
    o.column_width = 40;
    o.bit_height = 30;
    const std::string svg = io::motif_logo_svg(one_hot_motif("m6", "AC"), o);
    const auto ls = letters(svg);
    REQUIRE(ls.size() == 2);
    CHECK(ls[1].x - ls[0].x == Approx(40));
    CHECK(ls[0].height == Approx(60));
    // A standalone document sized by attributes and a matching viewBox, wide enough for its columns.
    std::smatch m;
    const std::regex size("<svg [^>]*width=\"([0-9.]+)\" height=\"([0-9.]+)\" viewBox=\"0 0 ([0-9.]+) ([0-9.]+)\"");
    REQUIRE(std::regex_search(svg, m, size));
    CHECK(m[1].str() == m[3].str());
    CHECK(m[2].str() == m[4].str());
    CHECK(std::stod(m[1].str()) >= ls[1].x + ls[1].width);
}

TEST_CASE("the pair logo puts query column i over target column i + offset", "[svg][motif_logo]") {
    const motif query = one_hot_motif("q", "ACG");
    const motif target = one_hot_motif("t", "TTACGTA");
    // Letters of the upper row (the query) stand on a baseline above the target's.
    auto split = [](const std::string& svg) {
        auto ls = letters(svg);
        const auto [low, high] =
            std::minmax_element(ls.begin(), ls.end(), [](auto& a, auto& b) { return a.bottom < b.bottom; });
        const double mid = (low->bottom + high->bottom) / 2;
        std::vector<drawn_letter> top, bottom;
        for (const auto& l : ls) (l.bottom < mid ? top : bottom).push_back(l);
        auto by_x = [](const drawn_letter& a, const drawn_letter& b) { return a.x < b.x; };
        std::sort(top.begin(), top.end(), by_x);
        std::sort(bottom.begin(), bottom.end(), by_x);
        return std::pair{top, bottom};
    };
    for (index_t offset : {index_t{2}, index_t{0}, index_t{-1}, index_t{-2}, index_t{6}}) {
        CAPTURE(offset);
        const std::string svg = io::motif_pair_logo_svg(query, target, offset, '+');
        const auto [q, t] = split(svg);
        REQUIRE(q.size() == 3);
        REQUIRE(t.size() == 7);
        CHECK(bases_left_to_right(q) == "ACG");
        CHECK(bases_left_to_right(t) == "TTACGTA");
        for (index_t i = 0; i < 3; ++i) {
            const index_t j = i + offset;
            if (j >= 0 && j < 7) CHECK(q[std::size_t(i)].x == Approx(t[std::size_t(j)].x));
        }
        if (offset < 0) CHECK(q[0].x < t[0].x);  // the query starts first
        CHECK(svg.find("(reverse complement)") == std::string::npos);
    }
    // At offset 2 the query's ACG sits right over the target's ACG.
    const auto [q2, t2] = split(io::motif_pair_logo_svg(query, target, 2, '+'));
    for (std::size_t i = 0; i < 3; ++i) CHECK(q2[i].base == t2[i + 2].base);
}

TEST_CASE("on the minus strand the target is drawn reverse complemented and the offset counts its columns",
          "[svg][motif_logo]") {
    const motif query = one_hot_motif("q", "CG");
    motif target = one_hot_motif("t", "AACGG");  // reverse complement CCGTT
    target.name = "tf";
    const std::string svg = io::motif_pair_logo_svg(query, target, 1, '-', {}, "p = 1.2e-05, q = 3.4e-04");
    auto ls = letters(svg);
    REQUIRE(ls.size() == 7);
    std::sort(ls.begin(), ls.end(), [](const drawn_letter& a, const drawn_letter& b) { return a.bottom < b.bottom; });
    const std::vector<drawn_letter> q(ls.begin(), ls.begin() + 2), t(ls.begin() + 2, ls.end());
    CHECK(bases_left_to_right(q) == "CG");
    CHECK(bases_left_to_right(t) == "CCGTT");
    // Query column 0 (C) over reverse-complement column 1 (C), column 1 (G) over column 2 (G).
    auto xs = [](std::vector<drawn_letter> v) {
        std::vector<double> x;
        for (const auto& l : v) x.push_back(l.x);
        std::sort(x.begin(), x.end());
        return x;
    };
    CHECK(xs(q)[0] == Approx(xs(t)[1]));
    CHECK(xs(q)[1] == Approx(xs(t)[2]));
    CHECK(svg.find("t tf (reverse complement)") != std::string::npos);  // the row's label
    CHECK(svg.find("p = 1.2e-05, q = 3.4e-04") != std::string::npos);   // the caption
    // Both rows share one bit scale: every letter is a 2-bit one-hot letter.
    for (const auto& l : ls) CHECK(l.height == Approx(2 * bit_px).margin(0.01));
}

TEST_CASE("names are escaped and logos define no ids, so several can be inlined in one page", "[svg][motif_logo]") {
    motif m = one_hot_motif("id<1>&\"x\"", "GATC");
    m.name = "name's <b>";
    const std::string svg = io::motif_logo_svg(m);
    CHECK(svg.find("id&lt;1&gt;&amp;&quot;x&quot; name&apos;s &lt;b&gt;") != std::string::npos);
    CHECK(svg.find("<b>") == std::string::npos);
    CHECK(svg.find("<1>") == std::string::npos);
    const std::string pair = io::motif_pair_logo_svg(m, m, 0, '-', {}, "p < 0.05 & q < 0.1");
    CHECK(pair.find("p &lt; 0.05 &amp; q &lt; 0.1") != std::string::npos);
    CHECK(pair.find("<b>") == std::string::npos);
    for (const std::string* s : {&svg, &pair}) {
        CHECK(occurrences(*s, " id=") == 0);
        CHECK(occurrences(*s, "url(#") == 0);
        // Every '&' starts an entity.
        CHECK(!std::regex_search(*s, std::regex("&(?!(amp|lt|gt|quot|apos);)")));
    }
}

TEST_CASE("bad motifs, strands, offsets and options are errors naming the motif", "[svg][motif_logo]") {
    const motif good = one_hot_motif("good", "ACGT");
    motif empty = good;
    empty.id = "hollow";
    empty.rows.clear();
    CHECK_THROWS_AS(io::motif_logo_svg(empty), argument_error);
    CHECK_THROWS_WITH(io::motif_logo_svg(empty), Catch::Contains("'hollow'") && Catch::Contains("no positions"));
    motif bad = good;
    bad.id = "skewed";
    bad.rows[2] = {0.5, 0.5, 0.5, 0.0};
    CHECK_THROWS_WITH(io::motif_logo_svg(bad), Catch::Contains("'skewed'") && Catch::Contains("position 3"));
    CHECK_THROWS_WITH(io::motif_pair_logo_svg(good, bad, 0, '+'), Catch::Contains("'skewed'"));
    CHECK_THROWS_WITH(io::motif_pair_logo_svg(empty, good, 0, '+'), Catch::Contains("'hollow'"));

    CHECK_THROWS_AS(io::motif_pair_logo_svg(good, good, 0, 'x'), argument_error);
    CHECK_THROWS_WITH(io::motif_pair_logo_svg(good, good, 0, '.'),
                      Catch::Contains("strand") && Catch::Contains("'good'"));
    // No overlap: the query ends before the target starts, or starts after it ends.
    CHECK_THROWS_WITH(io::motif_pair_logo_svg(good, good, -4, '+'), Catch::Contains("offset -4"));
    CHECK_THROWS_WITH(io::motif_pair_logo_svg(good, good, 4, '+'), Catch::Contains("offset 4"));
    CHECK_NOTHROW(io::motif_pair_logo_svg(good, good, -3, '+'));
    CHECK_NOTHROW(io::motif_pair_logo_svg(good, good, 3, '-'));

    io::motif_logo_options o;
    o.pseudocount = -1;
    CHECK_THROWS_WITH(io::motif_logo_svg(good, o), Catch::Contains("pseudocount") && Catch::Contains("'good'"));
    o = {};
    o.column_width = 0;
    CHECK_THROWS_AS(io::motif_logo_svg(good, o), argument_error);
    o = {};
    o.bg.p = {0.5, 0.5, 0.0, 0.0};
    CHECK_THROWS_WITH(io::motif_logo_svg(good, o), Catch::Contains("background") && Catch::Contains("'good'"));
}
