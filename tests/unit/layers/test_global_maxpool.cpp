// tests for seqnet/layers/global_maxpool.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

using namespace seqnet;
using test::bound;

TEST_CASE("global max pool takes the per-channel maximum and routes to the first maximum", "[global_maxpool]") {
    bound<global_maxpool_layer<double>> g(global_maxpool_options{}, {2, 5});
    CHECK(g.layer.output_shape() == shape{2, 1});
    const std::vector<double> x{1, 4, 4, 0, 2, /**/ -3, -1, -2, -1, -5};
    auto y = g.forward(x, 1);
    CHECK(y == std::vector<double>{4, -1});
    auto dx = g.backward(x, y, {2, 3}, 1);
    CHECK(dx == std::vector<double>{0, 2, 0, 0, 0, /**/ 0, 3, 0, 0, 0});
    CHECK(g.layer.receptive_field().global);
}

TEST_CASE("global max pool gradient matches finite differences", "[global_maxpool][gradcheck]") {
    global_maxpool_layer<double> layer(global_maxpool_options{}, {4, 19});
    auto r = gradcheck(layer, {.batch = 3});
    CHECK(r.input_error < 1e-6);
}
