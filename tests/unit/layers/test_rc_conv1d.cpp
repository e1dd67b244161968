// tests for seqnet/layers/rc_conv1d.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

#include <cmath>

using namespace seqnet;
using test::bound;

namespace {
// RC of an N x C x L buffer: x[n, C-1-c, L-1-l].
template <class T>
std::vector<T> rc(const std::vector<T>& x, index_t N, shape s) {
    std::vector<T> out(x.size());
    for (index_t n = 0; n < N; ++n)
        for (index_t c = 0; c < s.channels; ++c)
            for (index_t l = 0; l < s.length; ++l)
                out[(n * s.channels + s.channels - 1 - c) * s.length + s.length - 1 - l] =
                    x[(n * s.channels + c) * s.length + l];
    return out;
}
}  // namespace

TEST_CASE("the filter bank pairs each filter with its reverse complement", "[rc_conv1d]") {
    bound<rc_conv1d_layer<double>> r(rc_conv1d_options{3, 5}, {4, 20});
    r.set_params(test::random_vector<double>(r.params.size(), 1));
    r.forward(test::random_vector<double>(80, 2), 1);  // builds the bank
    const auto w = r.layer.bank().weight();
    const auto b = r.layer.bank().bias();
    CHECK(w.dims[0] == 6);
    for (index_t f = 0; f < 3; ++f) {
        for (index_t c = 0; c < 4; ++c)
            for (index_t k = 0; k < 5; ++k) {
                CHECK(w[(f * 4 + c) * 5 + k] == r.params[(f * 4 + c) * 5 + k]);
                CHECK(w[((5 - f) * 4 + 3 - c) * 5 + 4 - k] == r.params[(f * 4 + c) * 5 + k]);
            }
        CHECK(b[f] == b[5 - f]);
    }
}

TEST_CASE("rc_conv1d equals an ordinary conv1d with the explicit 2F-filter bank", "[rc_conv1d]") {
    bound<rc_conv1d_layer<double>> r(rc_conv1d_options{4, 7, strands::both, same, 1, 2}, {4, 33});
    r.set_params(test::random_vector<double>(r.params.size(), 3));
    auto x = test::random_vector<double>(2 * 4 * 33, 4);
    auto y = r.forward(x, 2);
    bound<conv1d_layer<double>> c(conv1d_options{8, 7, same, 1, 2}, {4, 33});
    std::vector<double> full(c.params.size());
    const auto w = r.layer.bank().weight();
    const auto b = r.layer.bank().bias();
    for (index_t i = 0; i < w.size(); ++i) full[i] = w[i];
    for (index_t f = 0; f < 8; ++f) full[w.size() + f] = b[f];
    c.set_params(full);
    CHECK(c.forward(x, 2) == y);
}

TEST_CASE("an RC layer with both strands is equivariant: layer(RC(x)) = RC(layer(x))", "[rc_conv1d]") {
    for (auto p : {valid, same}) {
        bound<rc_conv1d_layer<double>> r(rc_conv1d_options{5, 9, strands::both, p}, {4, 40});
        r.set_params(test::random_vector<double>(r.params.size(), 5));
        const shape in{4, 40}, out = r.layer.output_shape();
        auto x = test::random_vector<double>(3 * in.size(), 6);
        auto a = r.forward(rc(x, 3, in), 3);
        auto b = rc(r.forward(x, 3), 3, out);
        for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(1e-12));
    }
}

TEST_CASE("combined strands give the max or sum of a filter and its partner", "[rc_conv1d]") {
    bound<rc_conv1d_layer<double>> both(rc_conv1d_options{3, 4, strands::both}, {4, 12});
    bound<rc_conv1d_layer<double>> mx(rc_conv1d_options{3, 4, strands::max}, {4, 12});
    bound<rc_conv1d_layer<double>> sm(rc_conv1d_options{3, 4, strands::sum}, {4, 12});
    auto p = test::random_vector<double>(both.params.size(), 7);
    both.set_params(p);
    mx.set_params(p);
    sm.set_params(p);
    auto x = test::random_vector<double>(48, 8);
    auto full = both.forward(x, 1), ym = mx.forward(x, 1), ys = sm.forward(x, 1);
    CHECK(mx.layer.output_shape() == shape{3, 9});
    for (index_t f = 0; f < 3; ++f)
        for (index_t j = 0; j < 9; ++j) {
            CHECK(ym[f * 9 + j] == std::max(full[f * 9 + j], full[(5 - f) * 9 + j]));
            CHECK(ys[f * 9 + j] == full[f * 9 + j] + full[(5 - f) * 9 + j]);
        }
}

TEST_CASE("rc_conv1d gradients accumulate into the shared weights (finite differences)", "[rc_conv1d][gradcheck]") {
    for (auto mode : {strands::both, strands::max, strands::sum})
        for (auto [K, p, s, d] : {std::tuple{5, valid, 1, 1}, {4, same, 1, 1}, {3, valid, 2, 2}}) {
            rc_conv1d_layer<double> layer(rc_conv1d_options{3, K, mode, p, s, d}, {4, 17});
            auto r = gradcheck(layer, {.batch = 2, .seed = 11});
            INFO("strands " << int(mode) << " K=" << K);
            CHECK(r.parameters_checked == 3 * 4 * K + 3);
            CHECK(r.input_error < 1e-6);
            CHECK(r.parameter_error < 1e-6);
        }
}

TEST_CASE("an RC-shared model gives the same output on both strands", "[rc_conv1d][sequential]") {
    // RC conv (both strands) -> ReLU -> pool over a length it divides -> RC conv (strands combined) ->
    // global max pool -> dense: every stage is equivariant and the combination makes it invariant.
    using model_t = basic_sequential<double, cpu, input<108>, rc_conv1d<8, 9>, relu, maxpool<4>,
                                     rc_conv1d<6, 5, strands::max>, relu, global_maxpool, dense<3>>;
    model_t m;
    context<cpu> ctx;
    for (std::uint64_t seed : {1, 2, 3}) {
        m.initialize(seed);
        random_engine rng(seed + 100);
        std::vector<std::string> seqs(4, std::string(108, 'A'));
        for (auto& s : seqs)
            for (auto& c : s) c = "ACGT"[rng.next() % 4];
        std::vector<std::string> rcs;
        for (auto& s : seqs) rcs.push_back(reverse_complement(s));
        auto x = one_hot<double>(seqs), xr = one_hot<double>(rcs);
        auto a = to_matrix(m.predict(ctx, as_batch_view(x)));
        auto b = to_matrix(m.predict(ctx, as_batch_view(xr)));
        double scale = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            CHECK(std::abs(a.data()[i] - b.data()[i]) <= 1e-6 * std::max(1.0, std::abs(a.data()[i])));
            scale = std::max(scale, std::abs(a.data()[i]));
        }
        CHECK(scale > 1e-3);  // not trivially zero
    }
    auto r = gradcheck_model(m, {.batch = 2, .seed = 4});
    CHECK(r.input_error < 1e-6);
    CHECK(r.parameter_error < 1e-6);
}
