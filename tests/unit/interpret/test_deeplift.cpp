// tests for seqnet/interpret/deeplift.hpp
#include <catch2/catch.hpp>
#include "unit/interpret/models.hpp"

using namespace seqnet;

namespace {
template <class Model>
void check_summation_to_delta(Model& m, index_t L, const reference_options& ref, const target& t = {}) {
    context<cpu> ctx(2);
    const auto x = test::random_one_hot<float>(4, L, 41, true);
    const auto r = deeplift(m, ctx, x, t, {.reference = ref, .batch = 3});
    REQUIRE(r.delta.size() == 4);
    for (std::size_t n = 0; n < 4; ++n) {
        INFO("sequence " << n << ": f(x) - f(ref) = " << r.difference[n] << ", sum of contributions - that = " << r.delta[n]);
        CHECK(std::abs(r.difference[n]) > 1e-4);  // something to explain
        CHECK(std::abs(r.delta[n]) <= 1e-4 * std::max(1.0, std::abs(r.difference[n])));
    }
}
}  // namespace

TEST_CASE("DeepLIFT contributions sum to f(x) - f(reference) on every model family", "[interpret][deeplift]") {
    for (auto kind : {reference_kind::zeros, reference_kind::uniform}) {
        const reference_options ref{.kind = kind};
        test::small_deepbind<float> deepbind;
        test::randomise(deepbind, 51);
        check_summation_to_delta(deepbind, 50, ref);
        test::small_basset<float> basset;  // batch norm, overlapping max-pool windows
        test::randomise(basset, 52);
        check_summation_to_delta(basset, 64, ref, target{{0, 2}});
        test::small_rc<float> rc;  // RC max over strands, explained below its sigmoid and above it
        test::randomise(rc, 53);
        check_summation_to_delta(rc, 40, ref);
        check_summation_to_delta(rc, 40, ref, target{{1}, target_scale::probability});
        spec_model spec(test::small_spec());
        test::randomise(spec, 54);
        check_summation_to_delta(spec, 48, ref, target{{1}});
    }
}

TEST_CASE("zoo models: DeepLIFT sums to delta on DeepBind and Basset", "[interpret][deeplift][zoo]") {
    zoo::deepbind deepbind;
    test::randomise(deepbind, 55);
    check_summation_to_delta(deepbind, 101, {.kind = reference_kind::uniform});
    zoo::basset basset;
    test::randomise(basset, 56);
    check_summation_to_delta(basset, 600, {.kind = reference_kind::uniform}, target{{7}});
}

TEST_CASE("DeepLIFT-SHAP averages over shuffled references; hypothetical contributions project onto the actual ones",
          "[interpret][deeplift]") {
    context<cpu> ctx(2);
    test::small_basset<float> m;
    test::randomise(m, 57);
    const auto x = test::random_one_hot<float>(3, 64, 42);
    const deeplift_options o{.reference = {.kind = reference_kind::shuffle, .count = 5, .seed = 3}, .batch = 4};
    const auto r = deeplift(m, ctx, x, {}, o);
    CHECK(r.worst_relative_delta() < 1e-4);
    // Each reference alone, averaged by hand, gives the same scores.
    xt::xtensor<float, 3> by_hand = xt::zeros<float>(x.shape());
    std::vector<float> refs(5 * 256);
    for (index_t n = 0; n < 3; ++n) {
        make_references(x.data() + n * 256, n, {4, 64}, o.reference, refs.data());
        for (index_t k = 0; k < 5; ++k) {
            xt::xtensor<float, 2> one = xt::zeros<float>({4, 64});
            std::copy(refs.begin() + k * 256, refs.begin() + (k + 1) * 256, one.begin());
            xt::xtensor<float, 3> xn = xt::view(x, xt::range(n, n + 1), xt::all(), xt::all());
            const auto single = deeplift(m, ctx, xn, {}, {.reference = {.kind = reference_kind::sequence, .sequence = one}});
            xt::view(by_hand, n, xt::all(), xt::all()) += xt::view(single.scores, 0, xt::all(), xt::all()) / 5.0f;
        }
    }
    CHECK(xt::amax(xt::abs(by_hand - r.scores))() < 1e-5);
    // x * hypothetical summed over bases is the actual contribution at each position.
    const xt::xtensor<float, 2> projected = xt::sum(x * r.hypothetical, {1});
    const xt::xtensor<float, 2> actual = xt::sum(r.scores, {1});
    CHECK(xt::amax(xt::abs(projected - actual))() < 1e-5);
}

TEST_CASE("DeepLIFT of an input equal to its reference is zero", "[interpret][deeplift]") {
    context<cpu> ctx;
    test::small_basset<float> m;
    test::randomise(m, 58);
    const auto x = test::random_one_hot<float>(1, 64, 43);
    xt::xtensor<float, 2> same = xt::view(x, 0, xt::all(), xt::all());
    const auto r = deeplift(m, ctx, x, {}, {.reference = {.kind = reference_kind::sequence, .sequence = same}});
    CHECK(xt::amax(xt::abs(r.scores))() == 0.0f);
}

TEST_CASE("for a linear model DeepLIFT, integrated gradients and gradient x input coincide", "[interpret][deeplift]") {
    context<cpu> ctx;
    test::linear_model<double> m;
    test::randomise(m, 59);
    const auto x = test::random_one_hot<double>(2, 30, 44);
    const auto dl = deeplift(m, ctx, x, target{{0}});
    const auto ig = integrated_gradients(m, ctx, x, target{{0}}, {.steps = 3});
    const auto gx = gradient_x_input(m, ctx, x, target{{0}});
    CHECK(xt::amax(xt::abs(dl.scores - gx))() < 1e-12);
    CHECK(xt::amax(xt::abs(ig.scores - gx))() < 1e-12);
}

TEST_CASE("with one nonlinear layer DeepLIFT-rescale equals exact integrated gradients", "[interpret][deeplift]") {
    // f = dense(relu(conv(x))): along the straight path each ReLU input moves linearly, so the path
    // integral of its derivative is exactly the secant slope DeepLIFT uses.
    context<cpu> ctx;
    basic_sequential<double, cpu, input<20>, conv1d<5, 4>, relu, flatten, dense<1>> m;
    test::randomise(m, 60);
    const auto x = test::random_one_hot<double>(2, 20, 45);
    const auto dl = deeplift(m, ctx, x);
    const auto ig = integrated_gradients(m, ctx, x, {}, {.steps = 4000, .rule = integration::riemann_middle, .batch = 512});
    CHECK(xt::amax(xt::abs(dl.scores - ig.scores))() < 2e-3 * xt::amax(xt::abs(dl.scores))());
}

TEST_CASE("max-pool routing: an input that raises a window's max is credited, the reference's winner blamed",
          "[interpret][deeplift]") {
    // One window of 3 after an identity conv: y = max(x), y0 = max(r).
    context<cpu> ctx;
    basic_sequential<double, cpu, input<3>, conv1d<1, 1, valid, 1, 1, false>, maxpool<3>, flatten, dense<1, false>> m;
    for (auto& p : m.parameters()) p = 1.0;
    // input channel 0 carries the values; the rest are zero
    auto one = [](double a, double b, double c) {
        xt::xtensor<double, 3> v = xt::zeros<double>({1, 4, 3});
        v(0, 0, 0) = a, v(0, 0, 1) = b, v(0, 0, 2) = c;
        return v;
    };
    auto ref_of = [](double a, double b, double c) {
        xt::xtensor<double, 2> v = xt::zeros<double>({4, 3});
        v(0, 0) = a, v(0, 1) = b, v(0, 2) = c;
        return v;
    };
    // Max rose (2 -> 5): all of it to the input's winner, position 1.
    auto r = deeplift(m, ctx, one(1, 5, 0), {}, {.reference = {.kind = reference_kind::sequence, .sequence = ref_of(2, 0, 0)}});
    CHECK(r.scores(0, 0, 1) == Approx(3.0));
    CHECK(r.scores(0, 0, 0) == Approx(0.0).margin(1e-12));
    // Max fell (4 -> 1): the reference's winner, position 2, carries the loss.
    r = deeplift(m, ctx, one(1, 0, 0), {}, {.reference = {.kind = reference_kind::sequence, .sequence = ref_of(0, 0, 4)}});
    CHECK(r.scores(0, 0, 2) == Approx(-3.0));
    CHECK(r.delta[0] == Approx(0.0).margin(1e-12));
}

TEST_CASE("DeepLIFT through a BiLSTM or a softmax says it cannot", "[interpret][deeplift]") {
    context<cpu> ctx;
    basic_sequential<float, cpu, input<12>, conv1d<3, 3>, bilstm<2>, flatten, dense<1>> m;
    const auto x = test::random_one_hot<float>(1, 12, 46);
    CHECK_THROWS_WITH(deeplift(m, ctx, x), Catch::Contains("no rule for the bilstm layer"));
    basic_sequential<float, cpu, input<12>, conv1d<3, 3>, flatten, dense<3>, softmax> s;
    CHECK_NOTHROW(deeplift(s, ctx, x));  // the logits below the softmax
    CHECK_THROWS_WITH(deeplift(s, ctx, x, target{{0}, target_scale::probability}), Catch::Contains("softmax"));
}
