// tests for seqnet/train/optimizers.hpp
#include <catch2/catch.hpp>
#include <seqnet/train/optimizers.hpp>

#include <cmath>
#include <vector>

using namespace seqnet;

TEST_CASE("Adam's first step moves each parameter by lr against the gradient's sign", "[adam]") {
    // With bias correction, step 1 is p -= lr * g / (|g| + eps).
    adam<double> opt({.lr = 0.01});
    std::vector<double> p{1.0, -2.0, 0.5}, g{0.3, -4.0, 0.0};
    opt.step(p, g);
    CHECK(p[0] == Approx(1.0 - 0.01 * 0.3 / (0.3 + 1e-8)));
    CHECK(p[1] == Approx(-2.0 + 0.01));
    CHECK(p[2] == 0.5);
}

TEST_CASE("Adam and AdamW follow torch.optim over ten steps of a quadratic", "[adam]") {
    for (bool decoupled : {false, true}) {
        adam_options o{.lr = 0.1, .weight_decay = 0.05, .decoupled_weight_decay = decoupled};
        adam<double> opt(o);
        std::vector<double> p{2.0, -1.0};
        // Reference recurrences written out from torch.optim's documented algorithm.
        double rp[2] = {2.0, -1.0}, m[2] = {0, 0}, v[2] = {0, 0};
        for (int t = 1; t <= 10; ++t) {
            std::vector<double> g{2 * p[0], 6 * p[1]};  // f = p0^2 + 3 p1^2
            opt.step(p, g);
            for (int i = 0; i < 2; ++i) {
                double gi = (i == 0 ? 2 : 6) * rp[i];
                if (decoupled) rp[i] *= 1 - o.lr * o.weight_decay;
                else gi += o.weight_decay * rp[i];
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                const double mh = m[i] / (1 - std::pow(0.9, t)), vh = v[i] / (1 - std::pow(0.999, t));
                rp[i] -= o.lr * mh / (std::sqrt(vh) + 1e-8);
            }
            CHECK(p[0] == Approx(rp[0]).epsilon(1e-12));
            CHECK(p[1] == Approx(rp[1]).epsilon(1e-12));
        }
    }
}
