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

namespace {
template <class Model, class T = typename Model::scalar_type>
void check_fast_equals_naive(Model& m, index_t L, const target& t, double tolerance, index_t batch = 37) {
    context<cpu> ctx(2);
    const auto x = test::random_one_hot<T>(3, L, 71, true);
    const auto naive = naive_ism(m, ctx, x, t);
    const auto fast = fast_ism(m, ctx, x, t, {.batch = batch});
    const double scale = std::max(1e-3, double(xt::amax(xt::abs(naive))()));
    const double worst = xt::amax(xt::abs(fast - naive))();
    INFO("largest |ISM| " << scale << ", largest difference fast - naive " << worst);
    CHECK(worst <= tolerance * scale);
    CHECK(scale > 1e-3);  // the mutations did something
}
}  // namespace

TEST_CASE("fast ISM equals naive ISM on every model family, edges and N columns included", "[interpret][ism]") {
    test::small_deepbind<double> deepbind;  // conv then global pooling
    test::randomise(deepbind, 72);
    check_fast_equals_naive(deepbind, 50, target{{1}}, 1e-10);
    test::small_basset<double> basset;  // same padding, batch norm, overlapping and floor-mode pooling
    test::randomise(basset, 73);
    check_fast_equals_naive(basset, 64, target{{0, 2}}, 1e-10);
    test::small_rc<double> rc;  // RC max over strands, below its sigmoid
    test::randomise(rc, 74);
    check_fast_equals_naive(rc, 40, target{{0}}, 1e-10);
    check_fast_equals_naive(rc, 40, target{{1}, target_scale::probability}, 1e-10, 500);
    basic_spec_model<double> spec(test::small_spec());
    test::randomise(spec, 75);
    check_fast_equals_naive(spec, 48, target{{1}}, 1e-10, 1);
    // float, as users run it: equal to rounding
    test::small_basset<float> basset_f;
    test::randomise(basset_f, 76);
    check_fast_equals_naive(basset_f, 64, target{{1}}, 1e-5);
}

TEST_CASE("fast ISM handles dilation, RC strand sums, strided layers and models with nothing local",
          "[interpret][ism]") {
    // dilated 'same' convolution and an RC layer that sums its strands
    basic_sequential<double, cpu, input<45>, conv1d<4, 3, same, 1, 3>, relu, rc_conv1d<3, 4, strands::sum>, sigmoid,
                     maxpool<5, 3>, flatten, dense<2>> dilated;
    test::randomise(dilated, 77);
    check_fast_equals_naive(dilated, 45, target{{0}}, 1e-10);
    // a strided convolution stops the change propagation: the rest runs in full
    basic_sequential<double, cpu, input<40>, conv1d<4, 5>, relu, conv1d<3, 4, valid, 2>, relu, flatten, dense<1>> strided;
    test::randomise(strided, 78);
    check_fast_equals_naive(strided, 40, target{{0}}, 1e-10);
    // a dense first layer: no local layer at all
    basic_sequential<double, cpu, input<12>, flatten, dense<5>, relu, dense<1>> dense_first;
    test::randomise(dense_first, 79);
    check_fast_equals_naive(dense_first, 12, target{{0}}, 1e-10);
    // a dense layer after flatten takes only the window's columns: here 64 channels x a window of
    // 5 positions (more than one GEMM K-block), several window starts, a small batch that splits
    // the runs of equal start, and a dense layer that is not the last
    basic_sequential<double, cpu, input<60>, conv1d<64, 9>, relu, maxpool<2>, flatten, dense<23>, relu, dense<2>> wide;
    test::randomise(wide, 83);
    check_fast_equals_naive(wide, 60, target{{0, 1}}, 1e-10, 5);
    check_fast_equals_naive(wide, 60, target{{1}}, 1e-10, 400);
    // motif filters: a convolution with log-odds weights
    basic_sequential<double, cpu, input<40>, motif_conv1d<5, 6>, relu, maxpool<2>, flatten, dense<2>> motif_filters;
    test::randomise(motif_filters, 84);
    check_fast_equals_naive(motif_filters, 40, target{{1}}, 1e-10);
    // every layer local: the target is one position of a convolutional output
    basic_sequential<double, cpu, input<30>, conv1d<3, 5, same>, relu, conv1d<2, 3>> all_local;
    test::randomise(all_local, 80);
    check_fast_equals_naive(all_local, 30, target{{0, 17, 40}}, 1e-10);
}

TEST_CASE("ism() runs the fast method unless told otherwise", "[interpret][ism]") {
    context<cpu> ctx;
    test::small_deepbind<double> m;
    test::randomise(m, 81);
    const auto x = test::random_one_hot<double>(1, 50, 82);
    CHECK(xt::amax(xt::abs(ism(m, ctx, x) - naive_ism(m, ctx, x)))() < 1e-10);
    CHECK(xt::amax(xt::abs(ism(m, ctx, x, {}, {}, ism_method::naive) - naive_ism(m, ctx, x)))() == 0.0);
}
