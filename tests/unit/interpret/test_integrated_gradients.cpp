// tests for seqnet/interpret/integrated_gradients.hpp and interpret/references.hpp
#include <catch2/catch.hpp>
#include "unit/interpret/models.hpp"

using namespace seqnet;

TEST_CASE("every quadrature rule integrates what it should exactly", "[interpret][ig]") {
    for (auto rule : {integration::riemann_left, integration::riemann_right, integration::riemann_middle,
                      integration::trapezoid, integration::gauss_legendre})
        for (index_t m : {2, 5, 16}) {
            const auto q = make_quadrature(rule, m);
            double sum = 0, linear = 0;
            for (std::size_t k = 0; k < q.nodes.size(); ++k) {
                CHECK(q.nodes[k] >= 0.0);
                CHECK(q.nodes[k] <= 1.0);
                sum += q.weights[k];
                linear += q.weights[k] * q.nodes[k];
            }
            CHECK(sum == Approx(1.0).epsilon(1e-12));
            if (rule == integration::riemann_middle || rule == integration::trapezoid ||
                rule == integration::gauss_legendre)
                CHECK(linear == Approx(0.5).epsilon(1e-12));
        }
    // Gauss-Legendre with m points is exact for polynomials of degree 2m - 1: integral of t^9 is 1/10.
    const auto q = make_quadrature(integration::gauss_legendre, 5);
    double p9 = 0;
    for (std::size_t k = 0; k < 5; ++k) p9 += q.weights[k] * std::pow(q.nodes[k], 9);
    CHECK(p9 == Approx(0.1).epsilon(1e-12));
    // The 3-point rule's nodes: 1/2 and 1/2 -+ sqrt(3/5)/2.
    const auto q3 = make_quadrature(integration::gauss_legendre, 3);
    CHECK(q3.nodes[1] == Approx(0.5));
    CHECK(q3.nodes[0] == Approx(0.5 - std::sqrt(0.6) / 2));
    CHECK(q3.weights[1] == Approx(4.0 / 9.0));
    CHECK_THROWS_WITH(make_quadrature(integration::trapezoid, 1), Catch::Contains("at least 2"));
}

TEST_CASE("integrated-gradients completeness error falls with the steps and is under 1% at 200",
          "[interpret][ig]") {
    context<cpu> ctx(2);
    auto check = [&](auto& m, index_t L, const reference_options& baseline) {
        const auto x = test::random_one_hot<float>(3, L, 21);
        double at_10 = 0;
        for (index_t steps : {10, 50, 200}) {
            const auto r = integrated_gradients(m, ctx, x, target{{0}},
                                                {.baseline = baseline, .steps = steps, .rule = integration::riemann_middle});
            double worst = 0;
            for (std::size_t n = 0; n < 3; ++n)
                worst = std::max(worst, std::abs(r.delta[n]) / std::max(1e-3, std::abs(r.difference[n])));
            INFO("steps " << steps << " worst relative completeness error " << worst);
            for (std::size_t n = 0; n < 3; ++n) CHECK(std::abs(r.difference[n]) > 0.01);  // something to explain
            if (steps == 10) at_10 = worst;
            if (steps == 200) {
                CHECK(worst < 0.01);
                CHECK(worst < at_10 / 4);  // roughly 1/steps for ReLU networks: 20x fewer steps, much larger error
            }
        }
    };
    test::small_deepbind<float> deepbind;
    test::randomise(deepbind, 31);
    check(deepbind, 50, {});
    test::small_basset<float> basset;
    test::randomise(basset, 32);
    check(basset, 64, {.kind = reference_kind::uniform});
    spec_model spec(test::small_spec());
    test::randomise(spec, 33);
    check(spec, 48, {.kind = reference_kind::zeros});
}

TEST_CASE("integrated gradients equals its definition, point by point, whatever the model opens with",
          "[interpret][ig]") {
    // The definition, evaluated without the shortcut: (x - r) * sum_k w_k df/dx(r + a_k (x - r)), with
    // every path point a whole forward and backward pass (target_gradient). integrated_gradients runs
    // an affine opening (conv, batch norm) only at the path's ends; models that open otherwise check
    // the plain route.
    context<cpu> ctx(2);
    auto check = [&](auto& m, index_t L, bool correct) {
        using T = typename std::remove_cvref_t<decltype(m)>::scalar_type;
        const auto x = test::random_one_hot<T>(3, L, 41);
        const reference_options baseline{.kind = reference_kind::shuffle, .count = 2, .seed = 5};
        const integrated_gradients_options o{.baseline = baseline, .steps = 7, .rule = integration::gauss_legendre,
                                             .correct_one_hot = correct, .batch = 5};
        const auto r = integrated_gradients(m, ctx, x, target{{0, 1}}, o);
        const target_function<T> f(m, target{{0, 1}});
        const auto q = make_quadrature(o.rule, o.steps);
        const shape s = m.input_shape();
        const index_t S = s.size();
        std::vector<T> refs(2 * S), point(S), grad(S);
        gradient_workspace<T> ws;
        double worst = 0, scale = 0;
        for (index_t n = 0; n < 3; ++n) {
            const T* xn = x.data() + n * S;
            make_references(xn, n, s, baseline, refs.data());
            std::vector<double> expected(S, 0.0);
            for (index_t k = 0; k < 2; ++k)
                for (std::size_t j = 0; j < q.nodes.size(); ++j) {
                    for (index_t e = 0; e < S; ++e) point[e] = refs[k * S + e] + T(q.nodes[j]) * (xn[e] - refs[k * S + e]);
                    target_gradient(m, ctx, const_batch_view<T>{point.data(), 1, s}, f, grad.data(), nullptr, ws);
                    if (correct) centre_channels(grad.data(), 1, s);
                    for (index_t e = 0; e < S; ++e) expected[e] += (xn[e] - refs[k * S + e]) * q.weights[j] * grad[e] / 2.0;
                }
            for (index_t e = 0; e < S; ++e) {
                worst = std::max(worst, std::abs(double(r.scores.data()[n * S + e]) - expected[e]));
                scale = std::max(scale, std::abs(expected[e]));
            }
        }
        CHECK(scale > 1e-3);
        CHECK(worst <= 1e-10 * std::max(1.0, scale));  // double: only the order of the sums differs
    };
    test::small_basset<double> basset;  // opens with conv + batch norm
    test::randomise(basset, 42);
    test::small_deepbind<double> deepbind;  // opens with a conv
    test::randomise(deepbind, 43);
    test::small_rc<double> rc;  // opens with an RC conv taking the strand max: not affine
    test::randomise(rc, 44);
    for (bool correct : {false, true}) {
        INFO("one-hot correction " << correct);
        check(basset, 64, correct);
        check(deepbind, 50, correct);
        check(rc, 40, correct);
    }
    CHECK(affine_prefix(basset) == 2);
    CHECK(affine_prefix(deepbind) == 1);
    CHECK(affine_prefix(rc) == 0);
}

TEST_CASE("for a linear model integrated gradients from zero equal gradient x input", "[interpret][ig]") {
    context<cpu> ctx;
    test::linear_model<double> m;
    test::randomise(m, 34);
    const auto x = test::random_one_hot<double>(2, 30, 22);
    const auto ig = integrated_gradients(m, ctx, x, target{{1}}, {.steps = 1, .rule = integration::riemann_middle});
    const auto gx = gradient_x_input(m, ctx, x, target{{1}});
    CHECK(xt::amax(xt::abs(ig.scores - gx))() < 1e-12);
    CHECK(std::abs(ig.delta[0]) < 1e-10);
}

TEST_CASE("shuffled baselines keep each sequence's dinucleotides and do not depend on the batch",
          "[interpret][ig][references]") {
    const auto x = test::random_one_hot<float>(2, 50, 23, true);
    const shape s{4, 50};
    std::vector<float> refs(3 * 200);
    const reference_options o{.kind = reference_kind::shuffle, .count = 3, .seed = 9};
    make_references(x.data() + 200, 1, s, o, refs.data());
    auto letters = [](const float* v) {
        std::string out;
        for (index_t l = 0; l < 50; ++l) {
            char c = 'N';
            for (index_t b = 0; b < 4; ++b)
                if (v[b * 50 + l] == 1.0f) c = "ACGT"[b];
            out += c;
        }
        return out;
    };
    auto dinucleotides = [](const std::string& q) {
        std::map<std::string, int> counts;
        for (std::size_t i = 0; i + 1 < q.size(); ++i) counts[q.substr(i, 2)]++;
        return counts;
    };
    const std::string original = letters(x.data() + 200);
    bool any_different = false;
    for (int k = 0; k < 3; ++k) {
        const std::string shuffled = letters(refs.data() + k * 200);
        CHECK(dinucleotides(shuffled) == dinucleotides(original));
        any_different |= shuffled != original;
    }
    CHECK(any_different);
    // The same sequence index and seed give the same shuffles.
    std::vector<float> again(refs.size());
    make_references(x.data() + 200, 1, s, o, again.data());
    CHECK(again == refs);
    context<cpu> ctx;
    test::small_deepbind<float> m;
    test::randomise(m, 35);
    const integrated_gradients_options a{.baseline = o, .steps = 8, .batch = 5};
    auto b = a;
    b.batch = 64;
    const auto ra = integrated_gradients(m, ctx, xt::xtensor<float, 3>(xt::concatenate(xt::xtuple(x, x))), target{}, a);
    const auto rb = integrated_gradients(m, ctx, xt::xtensor<float, 3>(xt::concatenate(xt::xtuple(x, x))), target{}, b);
    CHECK(xt::amax(xt::abs(ra.scores - rb.scores))() < 1e-6);
}
