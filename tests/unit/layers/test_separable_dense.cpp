// tests for seqnet/layers/separable_dense.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

using namespace seqnet;
using test::bound;

TEST_CASE("separable dense equals a dense layer whose weights are the outer products", "[separable_dense]") {
    for (bool symmetric : {false, true}) {
        const index_t C = 5, L = 7, U = 4;
        bound<separable_dense_layer<double>> s(separable_dense_options{U, symmetric}, {C, L});
        s.set_params(test::random_vector<double>(s.params.size(), 2));
        CHECK(s.layer.parameter_count() == U * ((symmetric ? 4 : 7) + C));
        // Dense over flatten's channel-major order e = c * L + l.
        bound<dense_layer<double>> d(dense_options{U, false}, {C * L, 1});
        const index_t lh = symmetric ? 4 : 7;
        std::vector<double> w(U * C * L);
        for (index_t u = 0; u < U; ++u)
            for (index_t c = 0; c < C; ++c)
                for (index_t l = 0; l < L; ++l) {
                    const index_t lp = symmetric && l >= lh ? L - 1 - l : l;
                    w[u * C * L + c * L + l] = s.params[u * lh + lp] * s.params[U * lh + u * C + c];
                }
        d.set_params(w);
        auto x = test::random_vector<double>(3 * C * L, 3);
        auto a = s.forward(x, 3), b = d.forward(x, 3);
        for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).epsilon(1e-12));
    }
}

TEST_CASE("symmetric positional weights mirror around the centre", "[separable_dense]") {
    bound<separable_dense_layer<double>> s(separable_dense_options{2, true}, {3, 6});
    s.set_params(test::random_vector<double>(s.params.size(), 4));
    for (index_t u = 0; u < 2; ++u)
        for (index_t l = 0; l < 6; ++l) CHECK(s.layer.position_weight(u, l) == s.layer.position_weight(u, 5 - l));
}

TEST_CASE("separable dense gradients match finite differences", "[separable_dense][gradcheck]") {
    for (auto [C, L, U, sym] : {std::tuple{4, 9, 3, false}, {6, 8, 2, true}, {2, 7, 5, true}}) {
        separable_dense_layer<double> layer(separable_dense_options{U, sym}, {C, L});
        auto r = gradcheck(layer, {.batch = 3, .seed = 6});
        INFO("C=" << C << " L=" << L << " U=" << U << " symmetric=" << sym);
        CHECK(r.input_error < 1e-6);
        CHECK(r.parameter_error < 1e-6);
    }
}
