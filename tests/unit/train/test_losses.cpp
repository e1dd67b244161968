// tests for seqnet/train/losses.hpp
#include <catch2/catch.hpp>
#include <seqnet/train/losses.hpp>

#include <cmath>
#include <vector>

using namespace seqnet;

TEST_CASE("BCE with logits equals the textbook formula and its gradient is sigmoid(z) - y", "[losses]") {
    std::vector<double> z{-2, 0.5, 3, 0}, y{0, 1, 1, 0}, g(4);
    const double loss = binary_cross_entropy_with_logits<double>(z, y, g);
    double expect = 0;
    for (int i = 0; i < 4; ++i) {
        const double p = 1 / (1 + std::exp(-z[i]));
        expect -= y[i] * std::log(p) + (1 - y[i]) * std::log(1 - p);
        CHECK(g[i] == Approx((p - y[i]) / 4));
    }
    CHECK(loss == Approx(expect / 4));
}

TEST_CASE("BCE with logits is stable at |z| = 1e4 and masks missing labels", "[losses]") {
    std::vector<float> z{1e4f, -1e4f, 1e4f, 5.0f}, y{1, 0, 0, 1}, m{1, 1, 1, 0}, g(4);
    const double loss = binary_cross_entropy_with_logits<float>(z, y, g, m);
    CHECK(std::isfinite(loss));
    CHECK(loss == Approx(1e4 / 3));  // only the confidently wrong third entry costs
    CHECK(g[3] == 0.0f);
    CHECK(g[2] == Approx(1.0 / 3));
    CHECK_THROWS_AS(binary_cross_entropy_with_logits<float>(z, std::vector<float>{1, 0}, g), shape_error);
}
