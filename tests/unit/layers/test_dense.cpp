// tests for seqnet/layers/dense.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

using namespace seqnet;
using test::bound;

TEST_CASE("dense forward on a hand-computed case", "[dense]") {
    bound<dense_layer<double>> d(dense_options{2}, {3, 1});
    d.set_params(std::vector<double>{1, 2, 3, /**/ -1, 0, 1, /**/ 0.5, -0.5});  // W (2 x 3), then b
    CHECK(d.forward({1, 1, 2}, 1) == std::vector<double>{1 + 2 + 6 + 0.5, -1 + 2 - 0.5});
}

TEST_CASE("dense matches a reference product at batch sizes for both kernel paths", "[dense]") {
    const index_t D = 53, U = 37;
    bound<dense_layer<float>> d(dense_options{U}, {D, 1});
    d.set_params(test::random_vector<float>(d.params.size(), 2));
    for (index_t N : {1, 3, 4, 9, 70}) {
        auto x = test::random_vector<float>(N * D, 100 + N);
        for (int threads : {1, 2}) {
            auto y = d.forward(x, N, phase::inference, threads);
            for (index_t n = 0; n < N; ++n)
                for (index_t u = 0; u < U; ++u) {
                    double ref = d.params[U * D + u];
                    for (index_t e = 0; e < D; ++e) ref += double(d.params[u * D + e]) * x[n * D + e];
                    CHECK(y[n * U + u] == Approx(ref).margin(1e-4));
                }
        }
    }
}

TEST_CASE("dense gradients match finite differences", "[dense][gradcheck]") {
    for (auto [D, U, N, bias] : {std::tuple{7, 5, 1, true}, {16, 3, 5, true}, {33, 12, 6, false}}) {
        dense_layer<double> layer(dense_options{U, bias}, {D, 1});
        auto r = gradcheck(layer, {.batch = N});
        INFO("D=" << D << " U=" << U << " N=" << N);
        CHECK(r.input_error < 1e-6);
        CHECK(r.parameter_error < 1e-6);
    }
}

TEST_CASE("dense refuses a feature map that was not flattened", "[dense]") {
    CHECK_THROWS_WITH((dense_layer<float>(dense_options{10}, {8, 20})),
                      Catch::Contains("dense") && Catch::Contains("flatten"));
}
