// tests for seqnet/layers/bilstm.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

#include <cmath>

using namespace seqnet;
using test::bound;

TEST_CASE("bilstm gradients match finite differences", "[bilstm][gradcheck]") {
    for (auto [D, L, H] : {std::tuple{4, 6, 3}, {3, 9, 2}, {5, 1, 4}}) {
        bilstm_layer<double> layer(bilstm_options{H}, {D, L});
        auto r = gradcheck(layer, {.batch = 2, .seed = 3});
        INFO("D=" << D << " L=" << L << " H=" << H);
        CHECK(r.parameters_checked == 2 * (4 * H * (D + H) + 8 * H));
        CHECK(r.input_error < 1e-6);
        CHECK(r.parameter_error < 1e-6);
    }
}

TEST_CASE("bilstm on a one-position input is one LSTM cell per direction", "[bilstm]") {
    // With L = 1 and h = c = 0 before: c = i g, h = o tanh(c); checked by hand for H = 1, D = 1.
    bound<bilstm_layer<double>> b(bilstm_options{1}, {1, 1});
    // forward direction: w_ih (i,f,g,o) = 1, 2, 3, 4; w_hh = 0; b_ih = 0.1 each; b_hh = 0
    // reverse direction: w_ih = -1 each; w_hh = 0; b_ih = 0; b_hh = 0.5 each
    b.set_params({1, 2, 3, 4, 0, 0, 0, 0, 0.1, 0.1, 0.1, 0.1, 0, 0, 0, 0,
                  -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5});
    auto y = b.forward({2.0}, 1);
    auto s = [](double z) { return 1 / (1 + std::exp(-z)); };
    const double c0 = s(2.1) * std::tanh(6.1), h0 = s(8.1) * std::tanh(c0);
    const double c1 = s(-1.5) * std::tanh(-1.5), h1 = s(-1.5) * std::tanh(c1);
    CHECK(y[0] == Approx(h0));
    CHECK(y[1] == Approx(h1));
}

TEST_CASE("reversing the input swaps the roles of the two directions", "[bilstm]") {
    const index_t D = 3, L = 7, H = 2;
    bound<bilstm_layer<double>> b(bilstm_options{H}, {D, L});
    auto p = test::random_vector<double>(b.params.size(), 5);
    // Give the reverse direction the forward direction's weights.
    const std::size_t half = p.size() / 2;
    std::copy(p.begin(), p.begin() + half, p.begin() + half);
    b.set_params(p);
    auto x = test::random_vector<double>(D * L, 6);
    std::vector<double> xr(x.size());
    for (index_t c = 0; c < D; ++c)
        for (index_t l = 0; l < L; ++l) xr[c * L + l] = x[c * L + L - 1 - l];
    auto y = b.forward(x, 1), yr = b.forward(xr, 1);
    for (index_t k = 0; k < H; ++k)
        for (index_t l = 0; l < L; ++l) {
            CHECK(yr[(H + k) * L + L - 1 - l] == Approx(y[k * L + l]).margin(1e-12));
            CHECK(yr[k * L + L - 1 - l] == Approx(y[(H + k) * L + l]).margin(1e-12));
        }
}
