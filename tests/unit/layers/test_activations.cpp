// tests for seqnet/layers/activations.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

#include <cmath>

using namespace seqnet;
using test::bound;

TEST_CASE("relu clamps negatives and has zero gradient at zero", "[relu]") {
    bound<relu_layer<double>> r(shape_preserving_options{}, {1, 5});
    const std::vector<double> x{-2, 0, 3, -0.5, 1e-9};
    auto y = r.forward(x, 1);
    CHECK(y == std::vector<double>{0, 0, 3, 0, 1e-9});
    CHECK(r.backward(x, y, {1, 1, 1, 1, 1}, 1) == std::vector<double>{0, 0, 1, 0, 1});
    relu_layer<double> layer(shape_preserving_options{}, {3, 40});
    CHECK(gradcheck(layer, {.batch = 2}).input_error < 1e-6);
}

TEST_CASE("sigmoid is stable at large magnitudes and symmetric", "[sigmoid]") {
    bound<sigmoid_layer<double>> s(shape_preserving_options{}, {1, 6});
    auto y = s.forward({-1000, -30, 0, 2, 30, 1000}, 1);
    CHECK(y[0] == 0.0);
    CHECK(y[2] == 0.5);
    CHECK(y[5] == 1.0);
    for (double v : y) CHECK(std::isfinite(v));
    CHECK(y[1] == Approx(1 - y[4]).margin(1e-15));
    CHECK(y[3] == Approx(1 / (1 + std::exp(-2.0))));
    sigmoid_layer<double> layer(shape_preserving_options{}, {2, 30});
    CHECK(gradcheck(layer, {.batch = 2, .input_scale = 4}).input_error < 1e-6);
}
