// tests for seqnet/layers/maxpool.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

using namespace seqnet;
using test::bound;

TEST_CASE("maxpool forward on a hand-computed case, floor mode", "[maxpool]") {
    bound<maxpool_layer<double>> p(maxpool_options{3}, {1, 8});
    CHECK(p.layer.output_shape() == shape{1, 2});  // the trailing 2 positions are dropped
    CHECK(p.forward({1, 5, 2, 0, -1, -3, 9, 9}, 1) == std::vector<double>{5, 0});
    bound<maxpool_layer<double>> q(maxpool_options{3, 2}, {2, 7});
    CHECK(q.layer.output_shape() == shape{2, 3});
    CHECK(q.forward({1, 5, 2, 0, -1, -3, 9, /**/ 0, 0, 0, 0, 0, 0, 0}, 1) ==
          std::vector<double>{5, 2, 9, 0, 0, 0});
}

TEST_CASE("maxpool breaks ties toward the first position and routes one unit per window", "[maxpool]") {
    bound<maxpool_layer<double>> p(maxpool_options{4}, {1, 8});
    const std::vector<double> x{0, 0, 0, 0, 2, 7, 7, 1};  // ReLU-like zeros tie in window 0
    auto y = p.forward(x, 1);
    auto dx = p.backward(x, y, {1.0, 1.0}, 1);
    CHECK(dx == std::vector<double>{1, 0, 0, 0, 0, 1, 0, 0});
}

TEST_CASE("overlapping windows accumulate into shared winners", "[maxpool]") {
    bound<maxpool_layer<double>> p(maxpool_options{3, 1}, {1, 6});
    const std::vector<double> x{0, 1, 9, 2, 3, 1};
    auto y = p.forward(x, 1);
    CHECK(y == std::vector<double>{9, 9, 9, 3});
    auto dy = std::vector<double>{1, 2, 3, 4};
    auto dx = p.backward(x, y, dy, 1);
    CHECK(dx == std::vector<double>{0, 0, 6, 0, 4, 0});
    double in = 0, out = 0;
    for (double v : dx) in += v;
    for (double v : dy) out += v;
    CHECK(in == out);
}

TEST_CASE("maxpool gradients match finite differences", "[maxpool][gradcheck]") {
    for (auto [C, L, P, S] : {std::tuple{3, 12, 3, 3}, {2, 13, 4, 4}, {2, 11, 3, 1}, {1, 17, 5, 2}}) {
        maxpool_layer<double> layer(maxpool_options{P, S}, {C, L});
        auto r = gradcheck(layer, {.batch = 2, .seed = 9});
        CHECK(r.input_error < 1e-6);
    }
}

TEST_CASE("maxpool describes its receptive field and refuses short inputs", "[maxpool]") {
    maxpool_layer<float> p(maxpool_options{13, 13}, {320, 975});
    CHECK(p.output_shape() == shape{320, 75});
    CHECK(p.receptive_field() == window{13, 13, 1, 0, false});
    CHECK_THROWS_WITH((maxpool_layer<float>(maxpool_options{4}, {8, 3})),
                      Catch::Contains("maxpool") && Catch::Contains("(8, 3)"));
}
