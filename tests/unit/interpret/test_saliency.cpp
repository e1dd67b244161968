// tests for seqnet/interpret/saliency.hpp and interpret/gradients.hpp
#include <catch2/catch.hpp>
#include "unit/interpret/models.hpp"

using namespace seqnet;

namespace {
// Central finite difference of the target along every input coordinate, in double.
template <class Model>
xt::xtensor<double, 3> finite_difference(Model& m, const xt::xtensor<double, 3>& x, const target& t) {
    context<cpu> ctx;
    const target_function<double> f(m, t);
    xt::xtensor<double, 3> g = xt::zeros<double>(x.shape());
    auto value = [&](const xt::xtensor<double, 3>& v) {
        double out = 0;
        target_values(m, ctx, as_batch_view(v), f, &out);
        return out;
    };
    xt::xtensor<double, 3> probe = x;
    const double h = 1e-5;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double keep = probe.data()[i];
        probe.data()[i] = keep + h;
        const double up = value(probe);
        probe.data()[i] = keep - h;
        const double down = value(probe);
        probe.data()[i] = keep;
        g.data()[i] = (up - down) / (2 * h);
    }
    return g;
}
}  // namespace

TEST_CASE("saliency is the gradient of the target: finite differences, with and without a head",
          "[interpret][saliency]") {
    context<cpu> ctx(2);
    {
        test::small_basset<double> m;
        test::randomise(m, 3);
        const auto x = test::random_one_hot<double>(1, 64, 9);
        const target t{{0, 2}};
        const auto g = saliency(m, ctx, x, t);
        const auto fd = finite_difference(m, x, t);
        CHECK(xt::amax(xt::abs(g - fd))() < 1e-6 * std::max(1.0, xt::amax(xt::abs(fd))()));
    }
    {
        test::small_rc<double> m;  // explained below its sigmoid, then above it
        test::randomise(m, 4);
        const auto x = test::random_one_hot<double>(1, 40, 10);
        for (auto scale : {target_scale::logit, target_scale::probability}) {
            const target t{{1}, scale};
            const auto g = saliency(m, ctx, x, t);
            const auto fd = finite_difference(m, x, t);
            CHECK(xt::amax(xt::abs(g - fd))() < 1e-6 * std::max(1.0, xt::amax(xt::abs(fd))()));
        }
    }
}

TEST_CASE("batches give the same saliency as one sequence at a time", "[interpret][saliency]") {
    context<cpu> ctx(2);
    test::small_deepbind<float> m;
    test::randomise(m, 5);
    const auto x = test::random_one_hot<float>(7, 50, 11);
    const auto all = saliency(m, ctx, x, {}, {.batch = 64});
    const auto ones = saliency(m, ctx, x, {}, {.batch = 1});
    const auto threes = saliency(m, ctx, x, {}, {.batch = 3});
    CHECK(xt::amax(xt::abs(all - ones))() < 1e-6);
    CHECK(xt::amax(xt::abs(all - threes))() < 1e-6);
}

TEST_CASE("the one-hot correction centres the gradient over bases; absolute values come after it",
          "[interpret][saliency]") {
    context<cpu> ctx;
    test::small_deepbind<float> m;
    test::randomise(m, 6);
    const auto x = test::random_one_hot<float>(2, 50, 12);
    const auto g = saliency(m, ctx, x);
    const auto c = saliency(m, ctx, x, {}, {.correct_one_hot = true});
    const auto a = saliency(m, ctx, x, {}, {.correct_one_hot = true, .absolute = true});
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t l = 0; l < 50; ++l) {
            double mean = 0, sum = 0;
            for (std::size_t b = 0; b < 4; ++b) mean += g(n, b, l) / 4;
            for (std::size_t b = 0; b < 4; ++b) {
                CHECK(c(n, b, l) == Approx(g(n, b, l) - mean).margin(1e-6));
                CHECK(a(n, b, l) == Approx(std::abs(c(n, b, l))).margin(1e-6));
                sum += c(n, b, l);
            }
            CHECK(std::abs(sum) < 1e-5);
        }
}

TEST_CASE("gradient x input keeps the gradient at the base present only", "[interpret][saliency]") {
    context<cpu> ctx;
    test::small_basset<float> m;
    test::randomise(m, 7);
    const auto x = test::random_one_hot<float>(2, 64, 13);
    const auto g = saliency(m, ctx, x);
    const auto gx = gradient_x_input(m, ctx, x);
    CHECK(xt::amax(xt::abs(gx - g * x))() == 0.0f);
}

TEST_CASE("a linear model's saliency is its weights seen from the input", "[interpret][saliency]") {
    // f(x) = sum w[c, l] x[c, l] + b: the gradient is w for every input, whatever the input.
    context<cpu> ctx;
    test::linear_model<double> m;
    test::randomise(m, 8);
    const auto x1 = test::random_one_hot<double>(1, 30, 14);
    const auto x2 = test::random_one_hot<double>(1, 30, 15);
    const auto g1 = saliency(m, ctx, x1, target{{2}});
    const auto g2 = saliency(m, ctx, x2, target{{2}});
    CHECK(xt::amax(xt::abs(g1 - g2))() < 1e-12);
    // and f(x) - f(0) = sum g * x
    const target_function<double> f(m, target{{2}});
    double fx = 0, f0 = 0;
    target_values(m, ctx, as_batch_view(x1), f, &fx);
    xt::xtensor<double, 3> zero = xt::zeros<double>(x1.shape());
    target_values(m, ctx, as_batch_view(zero), f, &f0);
    CHECK(xt::sum(g1 * x1)() == Approx(fx - f0).epsilon(1e-10));
}

TEST_CASE("saliency names a mismatched input shape", "[interpret][saliency]") {
    context<cpu> ctx;
    test::small_deepbind<float> m;
    const auto x = test::random_one_hot<float>(1, 49, 1);
    CHECK_THROWS_WITH(saliency(m, ctx, x), Catch::Contains("saliency") && Catch::Contains("N x 4 x 50"));
}
