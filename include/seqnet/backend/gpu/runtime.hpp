// seqnet/backend/gpu/runtime.hpp -- what the GPU backend's layers ask of a GPU device.
//
// The GPU layers (layers/gpu/) are plain C++ templates over a gpu_device. Their kernels are small
// function objects whose call operator, marked SEQNET_HD, computes one output element from a flat
// thread index; their products are row-major GEMMs. gpu_runtime<Dev> runs both:
//   for_each(ctx, n, f)            f(i) for every i in [0, n), in any order and in parallel: f must write
//                                  only what element i owns
//   gemm(ctx, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
//                                  row-major C (M x N, row stride ldc) = alpha op(A) op(B) + beta C, with
//                                  op(A) M x K and op(B) K x N; C is not read when beta is 0
// cuda's runtime (backend/cuda/runtime.cuh, nvcc only) launches a grid-stride kernel and calls cuBLAS;
// emulated_gpu's (backend/gpu/emulated.hpp) loops on the host, so the same kernel bodies are tested
// against the CPU backend on machines without a GPU.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/tensor/device.hpp>

namespace seqnet {

template <class Dev>
struct gpu_runtime;

/// Whether a GEMM operand is used as stored or transposed.
enum class transpose : bool { no = false, yes = true };

namespace gpu_kernels {

template <class T>
SEQNET_HD constexpr T max_of(T a, T b) { return a > b ? a : b; }
template <class T>
SEQNET_HD constexpr T min_of(T a, T b) { return a < b ? a : b; }

/// The first index of the largest of x[0], x[step], ..., x[(n-1) step] (ties go to the first, as on the
/// CPU backend and in PyTorch).
template <class T>
SEQNET_HD index_t argmax_first(const T* x, index_t n, index_t step = 1) {
    index_t best = 0;
    T m = x[0];
    for (index_t k = 1; k < n; ++k)
        if (x[k * step] > m) {
            m = x[k * step];
            best = k;
        }
    return best;
}

/// Thread i = f lanes + j: the sum of values j, j + lanes, j + 2 lanes, ... of row f, so that adjacent
/// threads read adjacent values; a second kernel then adds the lanes of each row.
template <class T>
struct strided_row_sums {
    const T* rows;
    T* partial;
    index_t width, lanes;
    SEQNET_HD void operator()(index_t i) const {
        const index_t f = i / lanes;
        T s = 0;
        for (index_t k = i % lanes; k < width; k += lanes) s += rows[f * width + k];
        partial[i] = s;
    }
};

}  // namespace gpu_kernels

}  // namespace seqnet
