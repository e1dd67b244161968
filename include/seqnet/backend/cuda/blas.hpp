// seqnet/backend/cuda/blas.hpp -- cuBLAS for the CUDA backend: a handle bound to a context's stream, every
// call checked (cublas_error names the call and the status), and the one product the layers need, row-major
// C = A * B^T (a dense layer's y = x W^T over a batch). Include from nvcc-compiled files only.
#pragma once

#include <seqnet/backend/cuda/check.hpp>
#include <seqnet/backend/cuda/context.hpp>

#include <cublas_v2.h>

#include <string>

namespace seqnet {

/// A cuBLAS call that failed: the message names the call and the status.
class cublas_error : public error {
public:
    using error::error;
};

namespace cuda_detail {
inline void check_blas(cublasStatus_t s, const char* call, const char* file, int line) {
    if (s == CUBLAS_STATUS_SUCCESS) return;
    throw cublas_error(std::string(call) + " failed: " + cublasGetStatusString(s) + " at " + file + ":" +
                       std::to_string(line));
}
}  // namespace cuda_detail

}  // namespace seqnet

#define SEQNET_CUBLAS_CHECK(call) ::seqnet::cuda_detail::check_blas((call), #call, __FILE__, __LINE__)

namespace seqnet {

/// A cuBLAS handle that queues its work on one context's stream.
class blas_handle {
public:
    explicit blas_handle(const context<cuda>& ctx) {
        SEQNET_CUBLAS_CHECK(cublasCreate(&h_));
        SEQNET_CUBLAS_CHECK(cublasSetStream(h_, ctx.stream()));
    }
    blas_handle(const blas_handle&) = delete;
    blas_handle& operator=(const blas_handle&) = delete;
    ~blas_handle() {
        if (h_) cublasDestroy(h_);
    }
    cublasHandle_t get() const { return h_; }

private:
    cublasHandle_t h_ = nullptr;
};

namespace cuda_kernels {

/// Row-major C (m x n) = A (m x k) * B^T (B: n x k). cuBLAS is column-major, where row-major C is C^T
/// (n x m) = B (n x k, its row-major data read as k x n column-major, transposed) * A^T: one GEMM, no copy.
inline void gemm_abt(const blas_handle& h, const float* a, const float* b, float* c, int m, int n, int k) {
    const float one = 1.0f, zero = 0.0f;
    SEQNET_CUBLAS_CHECK(cublasSgemm(h.get(), CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one, b, k, a, k, &zero, c, n));
}
inline void gemm_abt(const blas_handle& h, const double* a, const double* b, double* c, int m, int n, int k) {
    const double one = 1.0, zero = 0.0;
    SEQNET_CUBLAS_CHECK(cublasDgemm(h.get(), CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one, b, k, a, k, &zero, c, n));
}

template <class T>
__global__ void add_row_bias_kernel(T* __restrict__ y, const T* __restrict__ bias, long long rows, int units) {
    const long long n = rows * units;
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<long long>(gridDim.x) * blockDim.x)
        y[i] += bias[i % units];
}

/// A dense layer's forward pass over a batch: y (batch x units) = x (batch x inputs) W^T + b, W row-major
/// (units x inputs) as in PyTorch's Linear; bias may be null.
template <class T>
void dense_forward(const context<cuda>& ctx, const blas_handle& h, const T* x, const T* w, const T* bias, T* y, int batch,
                   int inputs, int units) {
    if (batch == 0 || units == 0) return;
    gemm_abt(h, x, w, y, batch, units, inputs);
    if (!bias) return;
    const long long n = static_cast<long long>(batch) * units;
    const unsigned blocks = static_cast<unsigned>(n / 256 + 1 > 4096 ? 4096 : n / 256 + 1);
    add_row_bias_kernel<<<blocks, 256, 0, ctx.stream()>>>(y, bias, static_cast<long long>(batch), units);
    SEQNET_CUDA_CHECK_LAUNCH("add_row_bias_kernel launch");
}

}  // namespace cuda_kernels

}  // namespace seqnet
