// tests for seqnet/backend/cpu/gemm.hpp, against Eigen's matrix product as an independent reference.
#include <catch2/catch.hpp>
#include <seqnet/backend/cpu/gemm.hpp>
#include <seqnet/layers/random.hpp>

#include <Eigen/Dense>

using namespace seqnet;
using namespace seqnet::cpu_kernels;

template <class T>
using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class T>
matrix<T> random_matrix(index_t r, index_t c, random_engine& rng) {
    matrix<T> m(r, c);
    for (index_t i = 0; i < r; ++i)
        for (index_t j = 0; j < c; ++j) m(i, j) = T(rng.uniform(-1, 1));
    return m;
}

TEMPLATE_TEST_CASE("gemm matches Eigen over edge-heavy shapes", "[gemm]", float, double) {
    using T = TestType;
    random_engine rng(42);
    const index_t MR = gemm_shape<T>::mr, NR = gemm_shape<T>::nr, KC = gemm_shape<T>::kc;
    for (index_t M : {index_t(1), MR - 1, MR, MR + 1, 3 * MR + 2})
        for (index_t N : {index_t(1), NR - 1, NR + 3, 2 * NR})
            for (index_t K : {index_t(1), index_t(7), KC, KC + 5}) {
                auto A = random_matrix<T>(M, K, rng);
                auto B = random_matrix<T>(K, N, rng);
                matrix<T> C = matrix<T>::Constant(M, N, T(3));
                aligned_buffer<T> ap(static_cast<std::size_t>(packed_a_size<T>(M, K)));
                pack_a<T>(M, K, strided_matrix<T>{A.data(), K, 1}, ap.data());
                gemm_workspace<T> ws;
                gemm<T>(0, M, N, K, ap.data(), strided_b_packer<T>{{B.data(), N, 1}, N},
                        store_sink<T>{C.data(), N}, ws);
                matrix<T> ref = A * B;
                const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
                INFO("M=" << M << " N=" << N << " K=" << K);
                CHECK((C - ref).cwiseAbs().maxCoeff() <= tol * std::max<T>(1, ref.cwiseAbs().maxCoeff()) * std::sqrt(double(K)));
            }
}

TEST_CASE("gemm with transposed operands, accumulation, strided output and an epilogue", "[gemm]") {
    using T = double;
    random_engine rng(7);
    const index_t M = 23, N = 37, K = 300;
    auto At = random_matrix<T>(K, M, rng);  // A stored transposed
    auto Bt = random_matrix<T>(N, K, rng);  // B stored transposed
    matrix<T> Ct = random_matrix<T>(N, M, rng);  // C written transposed (column stride != 1)
    const matrix<T> C0 = Ct;
    std::vector<T> scale(M), shift(M);
    for (index_t i = 0; i < M; ++i) {
        scale[i] = rng.uniform(-2, 2);
        shift[i] = rng.uniform(-1, 1);
    }
    aligned_buffer<T> ap(static_cast<std::size_t>(packed_a_size<T>(M, K)));
    pack_a<T>(M, K, strided_matrix<T>{At.data(), 1, M}, ap.data());
    gemm_workspace<T> ws;
    store_sink<T> sink{Ct.data(), 1, M, true, {scale.data(), shift.data(), true}};
    gemm<T>(0, M, N, K, ap.data(), strided_b_packer<T>{{Bt.data(), 1, K}, N}, sink, ws);
    matrix<T> ref = At.transpose() * Bt.transpose() + C0.transpose();
    for (index_t i = 0; i < M; ++i)
        for (index_t j = 0; j < N; ++j) {
            const T expect = std::max(T(0), ref(i, j) * scale[i] + shift[i]);
            CHECK(Ct(j, i) == Approx(expect).margin(1e-12));
        }
}

TEST_CASE("gemm over a row range leaves other rows alone", "[gemm]") {
    using T = float;
    random_engine rng(3);
    const index_t MR = gemm_shape<T>::mr, M = 4 * MR, N = 20, K = 16;
    auto A = random_matrix<T>(M, K, rng);
    auto B = random_matrix<T>(K, N, rng);
    matrix<T> C = matrix<T>::Zero(M, N);
    aligned_buffer<T> ap(static_cast<std::size_t>(packed_a_size<T>(M, K)));
    pack_a<T>(M, K, strided_matrix<T>{A.data(), K, 1}, ap.data());
    gemm_workspace<T> ws;
    gemm<T>(MR, 3 * MR, N, K, ap.data(), strided_b_packer<T>{{B.data(), N, 1}, N}, store_sink<T>{C.data(), N}, ws);
    matrix<T> ref = A * B;
    CHECK(C.topRows(MR).cwiseAbs().maxCoeff() == 0);
    CHECK(C.bottomRows(MR).cwiseAbs().maxCoeff() == 0);
    CHECK((C.middleRows(MR, 2 * MR) - ref.middleRows(MR, 2 * MR)).cwiseAbs().maxCoeff() < 1e-5);
}

TEST_CASE("gemv matches Eigen", "[gemm]") {
    random_engine rng(5);
    for (index_t M : {1, 3, 4, 9})
        for (index_t K : {1, 15, 16, 17, 100}) {
            auto A = random_matrix<double>(M, K, rng);
            auto x = random_matrix<double>(K, 1, rng);
            std::vector<double> y(M);
            gemv<double>(0, M, K, A.data(), K, x.data(), y.data());
            matrix<double> ref = A * x;
            for (index_t i = 0; i < M; ++i) CHECK(y[i] == Approx(ref(i, 0)).margin(1e-12));
        }
}
