// tests for seqnet/layers/dropout.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

using namespace seqnet;
using test::bound;

TEST_CASE("dropout is the identity at inference", "[dropout]") {
    bound<dropout_layer<double>> d(dropout_options{0.5}, {3, 10});
    auto x = test::random_vector<double>(60, 1);
    CHECK(d.forward(x, 2) == x);
    dropout_layer<double> layer(dropout_options{0.5}, {3, 10});
    CHECK(gradcheck(layer).input_error < 1e-6);
}

TEST_CASE("training dropout zeroes about p and rescales the rest, unbiased on average", "[dropout]") {
    const double p = 0.3;
    bound<dropout_layer<double>> d(dropout_options{p}, {1, 1000});
    std::vector<double> x(100000 / 1000 * 1000, 1.0);
    auto y = d.forward(x, 100, phase::training);
    double dropped = 0, mean = 0;
    for (double v : y) {
        CHECK((v == 0.0 || v == Approx(1 / (1 - p))));
        dropped += v == 0.0;
        mean += v;
    }
    dropped /= y.size();
    mean /= y.size();
    // 100 000 Bernoulli draws: the standard error of the drop rate is 0.0014
    CHECK(dropped == Approx(p).margin(0.01));
    CHECK(mean == Approx(1.0).margin(0.02));
    // The backward pass applies the same mask.
    std::vector<double> ones(y.size(), 1.0);
    CHECK(d.backward(x, y, ones, 100) == y);
}

TEST_CASE("dropout masks are seeded and independent of the thread count", "[dropout]") {
    auto masks = [](int threads) {
        bound<dropout_layer<float>> d(dropout_options{0.5}, {4, 10000});
        std::vector<float> x(80000, 1.0f);
        auto first = d.forward(x, 2, phase::training, threads);
        auto second = d.forward(x, 2, phase::training, threads);
        return std::pair{first, second};
    };
    auto [a1, a2] = masks(1);
    auto [b1, b2] = masks(2);
    CHECK(a1 == b1);
    CHECK(a2 == b2);
    CHECK(a1 != a2);  // a fresh mask each training pass
}
