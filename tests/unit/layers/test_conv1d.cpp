// tests for seqnet/layers/conv1d.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

using namespace seqnet;
using test::bound;

namespace {
// Independent reference: the definition of SCIENCE.md section 1, written as plainly as possible.
std::vector<double> naive_conv(const std::vector<double>& x, const std::vector<double>& w, const double* b,
                               index_t N, index_t C, index_t L, index_t F, index_t K, index_t s, index_t d,
                               index_t pl, index_t Lout) {
    std::vector<double> y(static_cast<std::size_t>(N * F * Lout));
    for (index_t n = 0; n < N; ++n)
        for (index_t f = 0; f < F; ++f)
            for (index_t j = 0; j < Lout; ++j) {
                double acc = b ? b[f] : 0.0;
                for (index_t c = 0; c < C; ++c)
                    for (index_t k = 0; k < K; ++k) {
                        const index_t i = j * s - pl + k * d;
                        if (i >= 0 && i < L) acc += w[(f * C + c) * K + k] * x[(n * C + c) * L + i];
                    }
                y[(n * F + f) * Lout + j] = acc;
            }
    return y;
}
}  // namespace

TEST_CASE("conv1d output length follows the formula for every kernel, dilation, stride and padding", "[conv1d]") {
    for (index_t K = 1; K <= 25; ++K)
        for (index_t d : {1, 2, 4})
            for (index_t s : {1, 2, 3})
                for (index_t L : {30, 101, 128}) {
                    const index_t span = d * (K - 1) + 1;
                    // valid: count the windows that fit, by brute force
                    index_t windows = 0;
                    for (index_t j = 0; j * s + span <= L; ++j) ++windows;
                    auto v = conv1d_options{3, K, valid, s, d}.output_shape({4, L});
                    if (span > L) {
                        CHECK_FALSE(v.ok());
                        continue;
                    }
                    CHECK(v.out == shape{3, windows});
                    auto sm = conv1d_options{3, K, same, s, d}.output_shape({4, L});
                    CHECK(sm.out.length == (L + s - 1) / s);
                    auto ex = conv1d_options{3, K, pad(2, 1), s, d}.output_shape({4, L});
                    CHECK(ex.out.length == (L + 3 - span) / s + 1);
                }
}

TEST_CASE("same padding puts the odd zero on the right", "[conv1d]") {
    auto [l4, r4] = same.amounts(10, 4, 1);
    CHECK(l4 == 1);
    CHECK(r4 == 2);
    auto [l5, r5] = same.amounts(10, 5, 1);
    CHECK(l5 == 2);
    CHECK(r5 == 2);
    // TensorFlow rule for stride 2: L_out = 5, P = max(4*2 + 3 - 10, 0) = 1 -> (0, 1)
    auto [l, r] = same.amounts(10, 3, 2);
    CHECK(l == 0);
    CHECK(r == 1);
}

TEST_CASE("conv1d forward on a hand-computed case", "[conv1d]") {
    // x = [1 2 3 4], w = [1 0 -1], b = 0.5
    for (auto pmode : {valid, same}) {
        bound<conv1d_layer<double>> c(conv1d_options{1, 3, pmode}, {1, 4});
        c.set_params(std::vector<double>{1, 0, -1, 0.5});
        auto y = c.forward({1, 2, 3, 4}, 1);
        if (pmode == valid) CHECK(y == std::vector<double>{-1.5, -1.5});
        else CHECK(y == std::vector<double>{-1.5, -1.5, -1.5, 3.5});
    }
    // Two channels, stride 2, dilation 2: y[j] = sum_c w[c,0] x[c, 2j] + w[c,1] x[c, 2j+2]
    bound<conv1d_layer<double>> c(conv1d_options{1, 2, valid, 2, 2, false}, {2, 6});
    c.set_params(std::vector<double>{1, 10, 100, 1000});
    auto y = c.forward({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 1);
    // j=0: 1*1 + 10*3 + 100*7 + 1000*9; j=1: 1*3 + 10*5 + 100*9 + 1000*11
    CHECK(y == std::vector<double>{1 + 30 + 700 + 9000, 3 + 50 + 900 + 11000});
}

TEST_CASE("a single one in the input reproduces the filter tap that reads it", "[conv1d]") {
    const index_t C = 4, L = 17, F = 3, K = 5;
    for (index_t s : {1, 2})
        for (index_t d : {1, 3})
            for (auto p : {valid, same}) {
                bound<conv1d_layer<double>> c(conv1d_options{F, K, p, s, d, false}, {C, L});
                c.set_params(test::random_vector<double>(c.params.size(), 11));
                const auto w = c.layer.weight();
                const index_t pl = c.layer.receptive_field().pad_left;
                const index_t Lout = c.layer.output_shape().length;
                for (index_t i : {0, 7, 16})
                    for (index_t ch : {0, 3}) {
                        std::vector<double> x(C * L, 0.0);
                        x[ch * L + i] = 1.0;
                        auto y = c.forward(x, 1);
                        for (index_t f = 0; f < F; ++f)
                            for (index_t j = 0; j < Lout; ++j) {
                                double expect = 0;
                                for (index_t k = 0; k < K; ++k)
                                    if (j * s - pl + k * d == i) expect = w[(f * C + ch) * K + k];
                                CHECK(y[f * Lout + j] == expect);
                            }
                    }
            }
}

TEST_CASE("conv1d matches the naive definition on random data, with threads", "[conv1d]") {
    struct cfg { index_t C, L, F, K, s, d; padding p; };
    for (auto g : {cfg{4, 101, 16, 24, 1, 1, valid}, cfg{4, 600, 30, 19, 1, 1, valid}, cfg{30, 77, 20, 11, 1, 1, same},
                   cfg{7, 50, 9, 4, 2, 1, same}, cfg{5, 64, 12, 3, 3, 2, pad(4)}, cfg{3, 40, 41, 8, 1, 4, valid}}) {
        bound<conv1d_layer<float>> c(conv1d_options{g.F, g.K, g.p, g.s, g.d}, {g.C, g.L});
        c.set_params(test::random_vector<float>(c.params.size(), 3));
        const index_t N = 5;
        auto x = test::random_vector<float>(N * g.C * g.L, 4);
        auto y = c.forward(x, N, phase::inference, 2);
        std::vector<double> xd(x.begin(), x.end()), wd(c.params.begin(), c.params.end());
        const index_t Lout = c.layer.output_shape().length;
        auto ref = naive_conv(xd, wd, wd.data() + g.F * g.C * g.K, N, g.C, g.L, g.F, g.K, g.s, g.d,
                              c.layer.receptive_field().pad_left, Lout);
        double worst = 0;
        for (std::size_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::abs(y[i] - ref[i]));
        INFO("C=" << g.C << " L=" << g.L << " F=" << g.F << " K=" << g.K);
        CHECK(worst < 1e-4);
    }
}

// The float kernels take different routes by size: the weight gradient splits columns (with the bias as
// one more column) or samples (first layers), and the input gradient groups short outputs. Each route
// against the plain definition: dW[f,c,k] = sum dy[n,f,j] x[n,c,j*s-p+k*d], db[f] = sum dy[n,f,j],
// dx[n,c,i] = sum w[f,c,k] dy[n,f,j] over (j, k) reading i.
TEST_CASE("conv1d backward matches the naive definition on every kernel route, with threads", "[conv1d]") {
    struct cfg { index_t C, L, F, K, s, d; padding p; bool bias; };
    for (auto g : {cfg{4, 600, 30, 19, 1, 1, valid, true}, cfg{4, 101, 16, 24, 1, 1, same, false},
                   cfg{30, 77, 20, 11, 1, 1, same, true}, cfg{64, 46, 24, 7, 1, 1, valid, true},
                   cfg{31, 46, 23, 7, 1, 1, valid, true}, cfg{40, 60, 12, 5, 2, 2, same, true}}) {
        for (int threads : {1, 2, 3})
        for (bool sparse : {false, true}) {  // mostly zeros: the sparse input gradient (16+ channels)
            bound<conv1d_layer<float>> c(conv1d_options{g.F, g.K, g.p, g.s, g.d, g.bias}, {g.C, g.L});
            c.set_params(test::random_vector<float>(c.params.size(), 3));
            const index_t N = 9, Lout = c.layer.output_shape().length, pl = c.layer.receptive_field().pad_left;
            auto x = test::random_vector<float>(N * g.C * g.L, 4);
            auto dy = test::random_vector<float>(N * g.F * Lout, 5);
            if (sparse)
                for (std::size_t i = 0; i < dy.size(); ++i)
                    if (i % 7 != 3) dy[i] = 0;
            auto y = c.forward(x, N, phase::training, threads);
            auto dx = c.backward(x, y, dy, N, threads);
            std::vector<double> dw(static_cast<std::size_t>(g.F * g.C * g.K)), db(static_cast<std::size_t>(g.F)),
                dx_ref(x.size());
            for (index_t n = 0; n < N; ++n)
                for (index_t f = 0; f < g.F; ++f)
                    for (index_t j = 0; j < Lout; ++j) {
                        const double gy = dy[(n * g.F + f) * Lout + j];
                        db[f] += gy;
                        for (index_t ch = 0; ch < g.C; ++ch)
                            for (index_t k = 0; k < g.K; ++k) {
                                const index_t i = j * g.s - pl + k * g.d;
                                if (i < 0 || i >= g.L) continue;
                                dw[(f * g.C + ch) * g.K + k] += gy * x[(n * g.C + ch) * g.L + i];
                                dx_ref[(n * g.C + ch) * g.L + i] += gy * c.params[(f * g.C + ch) * g.K + k];
                            }
                    }
            auto worst = [](const auto& got, const std::vector<double>& want, std::size_t offset = 0) {
                double w = 0, scale = 1;
                for (double v : want) scale = std::max(scale, std::abs(v));
                for (std::size_t i = 0; i < want.size(); ++i) w = std::max(w, std::abs(got[offset + i] - want[i]));
                return w / scale;
            };
            INFO("C=" << g.C << " L=" << g.L << " F=" << g.F << " K=" << g.K << " threads=" << threads << " sparse=" << sparse);
            CHECK(worst(c.grads, dw) < 1e-5);
            if (g.bias) CHECK(worst(c.grads, db, dw.size()) < 1e-5);
            CHECK(worst(dx, dx_ref) < 1e-5);
        }
    }
}

TEST_CASE("conv1d gradients match central finite differences", "[conv1d][gradcheck]") {
    struct cfg { index_t C, L, F, K, s, d; padding p; bool bias; };
    for (auto g : {cfg{4, 13, 3, 5, 1, 1, valid, true}, cfg{3, 17, 4, 4, 1, 1, same, true},
                   cfg{2, 19, 3, 3, 2, 1, valid, true}, cfg{2, 21, 2, 3, 1, 3, same, false},
                   cfg{3, 23, 5, 2, 3, 2, pad(2, 1), true}, cfg{1, 9, 2, 9, 1, 1, valid, true}}) {
        conv1d_layer<double> layer(conv1d_options{g.F, g.K, g.p, g.s, g.d, g.bias}, {g.C, g.L});
        auto r = gradcheck(layer, {.batch = 3, .seed = 5});
        INFO("C=" << g.C << " L=" << g.L << " K=" << g.K << " s=" << g.s << " d=" << g.d);
        CHECK(r.inputs_checked == 3 * g.C * g.L);
        CHECK(r.parameters_checked == layer.parameter_count());
        CHECK(r.input_error < 1e-6);
        CHECK(r.parameter_error < 1e-6);
    }
}

TEST_CASE("conv1d rejects inputs shorter than its span, naming the layer and shape", "[conv1d]") {
    CHECK_THROWS_WITH((conv1d_layer<float>(conv1d_options{4, 9, valid, 1, 2}, {4, 16})),
                      Catch::Contains("conv1d") && Catch::Contains("(4, 16)") && Catch::Contains("shorter"));
}

TEST_CASE("conv1d describes its receptive field", "[conv1d]") {
    conv1d_layer<float> c(conv1d_options{8, 5, same, 2, 3}, {4, 50});
    const window w = c.receptive_field();
    CHECK(w.size == 5);
    CHECK(w.stride == 2);
    CHECK(w.dilation == 3);
    CHECK(w.pad_left == same.amounts(50, 13, 2).first);
    CHECK(w.first_input(4) == 8 - w.pad_left);
    CHECK(w.last_input(4) == 8 - w.pad_left + 12 + 1);
    CHECK_FALSE(w.global);
}

TEST_CASE("a deep stack of dilated convolutions has the composed receptive field and correct gradients",
          "[conv1d][dilation][gradcheck]") {
    // Dilations 1, 2, 4, 8 with kernel 3 ('same'): the receptive field grows to 1 + 2 * (1+2+4+8) = 31.
    using model_t = basic_sequential<double, cpu, input<40>, conv1d<4, 3, same, 1, 1>, relu,
                                     conv1d<4, 3, same, 1, 2>, relu, conv1d<4, 3, same, 1, 4>, relu,
                                     conv1d<2, 3, same, 1, 8>>;
    model_t m;
    index_t span = 1;
    m.visit([&](auto& step) {
        const window w = step.layer.receptive_field();
        span += (w.size - 1) * w.dilation;
    });
    CHECK(span == 31);
    // A change at position 20 reaches no output further than 15 positions from it.
    context<cpu> ctx;
    m.initialize(3, init::glorot_uniform);
    std::vector<double> x(4 * 40, 0.0), x2;
    random_engine rng(5);
    for (auto& v : x) v = rng.uniform(0.1, 1.0);
    x2 = x;
    x2[2 * 40 + 20] += 1.0;
    auto a = to_xtensor(m.forward(ctx, const_batch_view<double>{x.data(), 1, m.input_shape()}));
    auto b = to_xtensor(m.forward(ctx, const_batch_view<double>{x2.data(), 1, m.input_shape()}));
    for (index_t j = 0; j < 40; ++j) {
        const bool changed = a(0, 0, j) != b(0, 0, j) || a(0, 1, j) != b(0, 1, j);
        if (j < 5 || j > 35) CHECK_FALSE(changed);
        if (j == 20) CHECK(changed);
    }
    auto r = gradcheck_model(m, {.batch = 2, .seed = 7});
    CHECK(r.input_error < 1e-6);
    CHECK(r.parameter_error < 1e-6);
}
