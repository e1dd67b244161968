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

TEST_CASE("Adam's second step, worked by hand", "[adam]") {
    // p = 1, g1 = 0.5, g2 = -0.25, lr 0.1, betas 0.9 / 0.999, eps 1e-8:
    //   step 1: m = 0.05, v = 0.00025; m^ = 0.5, v^ = 0.25 -> p = 1 - 0.1 * 0.5 / 0.5 = 0.9
    //   step 2: m = 0.045 - 0.025 = 0.02, v = 0.00024975 + 0.0000625 = 0.00031225
    //           m^ = 0.02 / 0.19 = 0.105263..., v^ = 0.00031225 / 0.001999 = 0.156203...
    //           p = 0.9 - 0.1 * 0.105263 / (0.395225 + 1e-8) = 0.873366...
    adam<double> opt({.lr = 0.1});
    std::vector<double> p{1.0};
    opt.step(p, std::vector<double>{0.5});
    const double p1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8);  // eps makes it 0.900000002
    CHECK(p[0] == Approx(p1).epsilon(1e-12));
    opt.step(p, std::vector<double>{-0.25});
    const double mhat = 0.02 / 0.19, vhat = 0.00031225 / (1 - 0.999 * 0.999);
    CHECK(p[0] == Approx(p1 - 0.1 * mhat / (std::sqrt(vhat) + 1e-8)).epsilon(1e-12));
    CHECK(p[0] == Approx(0.873366).epsilon(1e-5));
}

TEST_CASE("SGD with momentum follows torch.optim.SGD", "[sgd]") {
    // g = 2p (f = p^2), lr 0.1, momentum 0.9, weight decay 0.01:
    //   step 1: g = 2 + 0.01 = 2.01, b = 2.01, p = 1 - 0.201 = 0.799
    //   step 2: g = 1.598 + 0.00799 = 1.60599, b = 0.9 * 2.01 + 1.60599 = 3.41499, p = 0.799 - 0.341499
    sgd<double> opt({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    std::vector<double> p{1.0};
    opt.step(p, std::vector<double>{2 * p[0]});
    CHECK(p[0] == Approx(0.799).epsilon(1e-12));
    opt.step(p, std::vector<double>{2 * p[0]});
    CHECK(p[0] == Approx(0.799 - 0.341499).epsilon(1e-12));
    sgd<double> nesterov({.lr = 0.1, .momentum = 0.5, .nesterov = true});
    std::vector<double> q{1.0};
    nesterov.step(q, std::vector<double>{1.0});  // b = 1, g = 1 + 0.5 = 1.5
    CHECK(q[0] == Approx(0.85).epsilon(1e-12));
}

TEST_CASE("frozen parameters are left exactly as they are, weight decay and momentum included", "[sgd][adam]") {
    const std::vector<std::uint8_t> trainable{1, 0, 1};
    adam<float> adamw({.lr = 0.1f, .weight_decay = 0.1, .decoupled_weight_decay = true});
    sgd<float> momentum({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1});
    std::vector<float> a{1, 2, 3}, b{1, 2, 3};
    for (int i = 0; i < 5; ++i) {
        adamw.step(a, std::vector<float>{1, 1, 1}, trainable);
        momentum.step(b, std::vector<float>{1, 1, 1}, trainable);
    }
    CHECK(a[1] == 2.0f);
    CHECK(b[1] == 2.0f);
    CHECK(a[0] != 1.0f);
    CHECK(b[2] != 3.0f);
}

TEST_CASE("gradient clipping scales the 2-norm down to the limit", "[sgd]") {
    std::vector<float> g{3, 4};
    CHECK(clip_gradient_norm<float>(g, 1.0) == Approx(5.0));
    CHECK(g[0] == Approx(0.6).epsilon(1e-5));
    CHECK(g[1] == Approx(0.8).epsilon(1e-5));
    std::vector<float> small{0.3f, 0.4f};
    clip_gradient_norm<float>(small, 1.0);
    CHECK(small == std::vector<float>{0.3f, 0.4f});
}

TEST_CASE("Adam split over threads gives exactly the serial result", "[adam]") {
    std::vector<float> a(100003), b, g(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        a[i] = float(std::sin(double(i)));
        g[i] = float(std::cos(double(i) * 0.7));
    }
    b = a;
    adam<float> serial({.lr = 0.01, .weight_decay = 0.01}), threaded({.lr = 0.01, .weight_decay = 0.01});
    context<cpu> ctx(2);
    for (int t = 0; t < 3; ++t) {
        serial.step(a, g);
        threaded.step(ctx, b, g);
    }
    CHECK(a == b);
}
