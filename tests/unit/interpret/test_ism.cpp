// tests for seqnet/interpret/ism.hpp
#include <catch2/catch.hpp>
#include "unit/interpret/models.hpp"

using namespace seqnet;

TEST_CASE("ISM is zero at the base present and alt minus ref elsewhere", "[interpret][ism]") {
    context<cpu> ctx(2);
    test::small_basset<float> m;
    test::randomise(m, 61);
    const auto x = test::random_one_hot<float>(2, 64, 51, true);
    const auto d = naive_ism(m, ctx, x, target{{1}}, {.batch = 50});
    const target_function<float> f(m, target{{1}});
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t l : {0u, 21u, 63u}) {  // 21 = 64 / 3: the N column
            for (std::size_t b = 0; b < 4; ++b) {
                if (x(n, b, l) == 1.0f) {
                    CHECK(d(n, b, l) == 0.0f);
                    continue;
                }
                xt::xtensor<float, 3> mutant = xt::view(x, xt::range(n, n + 1), xt::all(), xt::all());
                xt::xtensor<float, 3> original = mutant;
                for (std::size_t c = 0; c < 4; ++c) mutant(0, c, l) = c == b ? 1.0f : 0.0f;
                double fm = 0, fx = 0;
                target_values(m, ctx, as_batch_view(mutant), f, &fm);
                target_values(m, ctx, as_batch_view(original), f, &fx);
                CHECK(d(n, b, l) == Approx(fm - fx).margin(1e-5));
            }
        }
    // The N column has all four substitutions.
    for (std::size_t b = 0; b < 4; ++b) CHECK(d(0, b, 21) != 0.0f);
}

TEST_CASE("ISM of a linear model is w[b] - w[ref]; mean-centred, w - mean(w)", "[interpret][ism]") {
    context<cpu> ctx;
    test::linear_model<double> m;
    test::randomise(m, 62);
    const auto x = test::random_one_hot<double>(1, 30, 52);
    const auto w = saliency(m, ctx, x, target{{0}});  // the weights seen from the input
    const auto d = naive_ism(m, ctx, x, target{{0}});
    const auto c = naive_ism(m, ctx, x, target{{0}}, {.mean_centre = true});
    for (std::size_t l = 0; l < 30; ++l) {
        std::size_t ref = 0;
        for (std::size_t b = 0; b < 4; ++b)
            if (x(0, b, l) == 1.0) ref = b;
        double mean = 0;
        for (std::size_t b = 0; b < 4; ++b) mean += w(0, b, l) / 4;
        for (std::size_t b = 0; b < 4; ++b) {
            CHECK(d(0, b, l) == Approx(w(0, b, l) - w(0, ref, l)).margin(1e-12));
            CHECK(c(0, b, l) == Approx(w(0, b, l) - mean).margin(1e-12));
        }
    }
}

TEST_CASE("ISM explains logits under an output sigmoid, and does not depend on the batch", "[interpret][ism]") {
    context<cpu> ctx(2);
    test::small_rc<double> m;
    test::randomise(m, 63);
    const auto x = test::random_one_hot<double>(2, 40, 53);
    const auto a = naive_ism(m, ctx, x, target{{0}}, {.batch = 7});
    const auto b = naive_ism(m, ctx, x, target{{0}}, {.batch = 200});
    CHECK(xt::amax(xt::abs(a - b))() < 1e-12);
    const auto p = naive_ism(m, ctx, x, target{{0}, target_scale::probability});
    // The probability changes are smaller than the logit changes (sigmoid slope <= 1/4) and of the same sign.
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(std::abs(p.data()[i]) <= std::abs(a.data()[i]) / 4 + 1e-12);
        CHECK(p.data()[i] * a.data()[i] >= 0);
    }
}
