// tests for seqnet/train/losses.hpp
#include <catch2/catch.hpp>
#include <seqnet/train/losses.hpp>

#include <limits>
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

TEST_CASE("mean squared error and softmax cross-entropy, by hand and by finite differences", "[losses]") {
    std::vector<double> z{0.5, -1.0, 2.0, 0.0}, y{1.0, -1.0, 0.0, 0.5}, g(4);
    // (0.25 + 0 + 4 + 0.25) / 4 = 1.125
    CHECK(mean_squared_error<double>(z, y, g) == Approx(1.125));
    CHECK(g[0] == Approx(2 * -0.5 / 4));
    CHECK(g[2] == Approx(2 * 2.0 / 4));

    // Two rows of two classes: row 0 logits (0, ln 3) -> softmax (1/4, 3/4), target class 1:
    // loss -ln(3/4); row 1 logits (1, 1), soft target (0.5, 0.5): loss ln 2. Mean over rows.
    std::vector<double> logits{0.0, std::log(3.0), 1.0, 1.0}, targets{0, 1, 0.5, 0.5}, gs(4);
    CHECK(softmax_cross_entropy<double>(logits, targets, gs, 2) == Approx((-std::log(0.75) + std::log(2.0)) / 2));
    CHECK(gs[0] == Approx(0.25 / 2));
    CHECK(gs[1] == Approx(-0.25 / 2));
    CHECK(gs[2] == Approx(0.0).margin(1e-15));
    for (std::size_t i = 0; i < logits.size(); ++i) {
        auto at = [&](double d) {
            auto l = logits;
            l[i] += d;
            std::vector<double> scratch(4);
            return softmax_cross_entropy<double>(l, targets, scratch, 2);
        };
        CHECK(gs[i] == Approx((at(1e-6) - at(-1e-6)) / 2e-6).margin(1e-8));
    }
}

TEST_CASE("loss() leaves NaN labels out of the loss and the gradient", "[losses]") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> z{0.0f, 3.0f, -1.0f, 2.0f}, y{1.0f, nan, 0.0f, nan}, g(4), scratch;
    const double with_nan = loss<float>(loss_kind::binary_cross_entropy, z, y, g, 2, scratch);
    std::vector<float> z2{0.0f, -1.0f}, y2{1.0f, 0.0f}, g2(2);
    CHECK(with_nan == Approx(binary_cross_entropy_with_logits<float>(z2, y2, g2)));
    CHECK(g[1] == 0.0f);
    CHECK(g[3] == 0.0f);
    CHECK(g[0] == Approx(g2[0]));
    CHECK(std::isfinite(loss<float>(loss_kind::mean_squared_error, z, y, g, 2, scratch)));
    CHECK(g[1] == 0.0f);
    // Softmax: a row with a missing label is left out whole.
    const double sce = loss<float>(loss_kind::softmax_cross_entropy, z, y, g, 2, scratch);
    CHECK(std::isfinite(sce));
    CHECK(g[2] == 0.0f);
    CHECK(g[3] == 0.0f);
}

TEST_CASE("BCE with positive weights: PyTorch's pos_weight, by hand and by finite differences", "[losses]") {
    // z = 0, w = 3: a positive costs 3 ln 2 with gradient 0.5 * 3 - 3 = -1.5; a negative ln 2 and 0.5.
    std::vector<double> z{0.0, 0.0}, y{1.0, 0.0}, w{3.0, 3.0}, g(2);
    CHECK(binary_cross_entropy_with_logits<double>(z, y, g, {}, std::vector<double>{3.0}) ==
          Approx((3 * std::log(2.0) + std::log(2.0)) / 2));
    CHECK(g[0] == Approx(-1.5 / 2));
    CHECK(g[1] == Approx(0.5 / 2));
    // Per task (entry i uses weight i % T), large logits stay finite, and the gradient matches.
    std::vector<double> logits{2.5, -40.0, 0.3, 60.0}, labels{1, 1, 0, 0.5}, weights{0.5, 4.0}, grad(4);
    const double l = binary_cross_entropy_with_logits<double>(logits, labels, grad, {}, weights);
    CHECK(std::isfinite(l));
    for (std::size_t i = 0; i < logits.size(); ++i) {
        auto at = [&](double d) {
            auto zz = logits;
            zz[i] += d;
            std::vector<double> scratch(4);
            return binary_cross_entropy_with_logits<double>(zz, labels, scratch, {}, weights);
        };
        CHECK(grad[i] == Approx((at(1e-6) - at(-1e-6)) / 2e-6).margin(1e-7));
    }
    // Weight 1 is the unweighted loss.
    std::vector<double> g1(4), g2(4);
    CHECK(binary_cross_entropy_with_logits<double>(logits, labels, g1, {}, std::vector<double>{1.0, 1.0}) ==
          Approx(binary_cross_entropy_with_logits<double>(logits, labels, g2)));
    CHECK(g1 == g2);
}
