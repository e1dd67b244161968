// tests for seqnet/layers/activations.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

#include <cmath>

using namespace seqnet;
using test::bound;

TEST_CASE("relu clamps negatives and has zero gradient at zero", "[relu]") {
    bound<relu_layer<double>> r(relu_options{}, {1, 5});
    const std::vector<double> x{-2, 0, 3, -0.5, 1e-9};
    auto y = r.forward(x, 1);
    CHECK(y == std::vector<double>{0, 0, 3, 0, 1e-9});
    CHECK(r.backward(x, y, {1, 1, 1, 1, 1}, 1) == std::vector<double>{0, 0, 1, 0, 1});
    relu_layer<double> layer(relu_options{}, {3, 40});
    CHECK(gradcheck(layer, {.batch = 2}).input_error < 1e-6);
}

TEST_CASE("sigmoid is stable at large magnitudes and symmetric", "[sigmoid]") {
    bound<sigmoid_layer<double>> s(sigmoid_options{}, {1, 6});
    auto y = s.forward({-1000, -30, 0, 2, 30, 1000}, 1);
    CHECK(y[0] == 0.0);
    CHECK(y[2] == 0.5);
    CHECK(y[5] == 1.0);
    for (double v : y) CHECK(std::isfinite(v));
    CHECK(y[1] == Approx(1 - y[4]).margin(1e-15));
    CHECK(y[3] == Approx(1 / (1 + std::exp(-2.0))));
    sigmoid_layer<double> layer(sigmoid_options{}, {2, 30});
    CHECK(gradcheck(layer, {.batch = 2, .input_scale = 4}).input_error < 1e-6);
}

TEST_CASE("softmax normalises over channels at each position, stably", "[softmax]") {
    bound<softmax_layer<double>> s(softmax_options{}, {3, 2});
    // position 0: logits 1, 2, 3; position 1: 1000, 1000, -1000 (no overflow)
    auto y = s.forward({1, 1000, 2, 1000, 3, -1000}, 1);
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    CHECK(y[0] == Approx(std::exp(1.0) / z));
    CHECK(y[2] == Approx(std::exp(2.0) / z));
    CHECK(y[4] == Approx(std::exp(3.0) / z));
    CHECK(y[1] == Approx(0.5));
    CHECK(y[3] == Approx(0.5));
    CHECK(y[5] == 0.0);
    // Adding a constant to every logit changes nothing.
    auto shifted = s.forward({11, 1010, 12, 1010, 13, -990}, 1);
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(shifted[i] == Approx(y[i]).margin(1e-12));
    softmax_layer<double> layer(softmax_options{}, {5, 7});
    CHECK(gradcheck(layer, {.batch = 2, .input_scale = 3}).input_error < 1e-6);
}
