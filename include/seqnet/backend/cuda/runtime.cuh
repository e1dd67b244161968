// seqnet/backend/cuda/runtime.cuh -- gpu_runtime<cuda>: the GPU layers' kernels as grid-stride CUDA
// kernels on the context's stream, and their row-major GEMMs through cuBLAS (backend/gpu/runtime.hpp has
// the contract). Include from nvcc-compiled files only.
#pragma once

#include <seqnet/backend/cuda/context.hpp>
#include <seqnet/backend/cuda/memory.hpp>
#include <seqnet/backend/gpu/runtime.hpp>

#include <climits>
#include <string>
#include <type_traits>

namespace seqnet {

namespace cuda_kernels {

template <class F>
__global__ void for_each_kernel(index_t n, F f) {
    for (index_t i = blockIdx.x * index_t(blockDim.x) + threadIdx.x; i < n; i += index_t(gridDim.x) * blockDim.x)
        f(i);
}

/// Blocks of 256 threads, at most 8192 blocks (the grid-stride loop covers the rest).
inline unsigned grid_for(index_t n) {
    const index_t blocks = (n + 255) / 256;
    return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 8192 ? 8192 : blocks);
}

inline int blas_int(index_t v, const char* what) {
    if (v < 0 || v > INT_MAX)
        throw argument_error(std::string("cuBLAS GEMM: ") + what + " = " + std::to_string(v) +
                             " does not fit cuBLAS's 32-bit int");
    return static_cast<int>(v);
}

}  // namespace cuda_kernels

template <>
struct gpu_runtime<cuda> {
    template <class F>
    static void for_each(context<cuda>& ctx, index_t n, const F& f) {
        static_assert(std::is_trivially_copyable_v<F>, "a GPU kernel body is copied to the device: it must be trivially copyable");
        if (n <= 0) return;
        cuda_kernels::for_each_kernel<<<cuda_kernels::grid_for(n), 256, 0, ctx.stream()>>>(n, f);
        SEQNET_CUDA_CHECK_LAUNCH("for_each_kernel launch");
    }

    /// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T, and a row-major matrix read
    /// column-major is its transpose: one cuBLAS call with the operands swapped, no copies.
    template <class T>
    static void gemm(context<cuda>& ctx, transpose ta, transpose tb, index_t M, index_t N, index_t K, T alpha,
                     const T* A, index_t lda, const T* B, index_t ldb, T beta, T* C, index_t ldc) {
        static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "cuBLAS GEMM: float or double");
        if (M == 0 || N == 0) return;
        using cuda_kernels::blas_int;
        const cublasOperation_t oa = ta == transpose::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
        const cublasOperation_t ob = tb == transpose::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
        const int m = blas_int(N, "N"), n = blas_int(M, "M"), k = blas_int(K, "K");
        const int la = blas_int(lda, "lda"), lb = blas_int(ldb, "ldb"), lc = blas_int(ldc, "ldc");
        if constexpr (std::is_same_v<T, float>)
            SEQNET_CUBLAS_CHECK(cublasSgemm(ctx.blas(), ob, oa, m, n, k, &alpha, B, lb, A, la, &beta, C, lc));
        else
            SEQNET_CUBLAS_CHECK(cublasDgemm(ctx.blas(), ob, oa, m, n, k, &alpha, B, lb, A, la, &beta, C, lc));
    }
};

}  // namespace seqnet
