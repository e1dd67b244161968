// seqnet/backend/cuda/check.hpp -- every CUDA runtime and cuBLAS call checked: a failure becomes a
// cuda_error (cublas_error) naming the call, the error's name and text, and where it was made. Include
// from nvcc-compiled files only.
#pragma once

#include <seqnet/config.hpp>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

namespace seqnet {

/// A CUDA runtime call that failed: the message names the call and the error.
class cuda_error : public error {
public:
    cuda_error(const std::string& what, cudaError_t code) : error(what), code_(code) {}
    cudaError_t code() const { return code_; }

private:
    cudaError_t code_;
};

/// A cuBLAS call that failed: the message names the call and the status.
class cublas_error : public error {
public:
    using error::error;
};

namespace cuda_detail {
inline void check(cudaError_t e, const char* call, const char* file, int line) {
    if (e == cudaSuccess) return;
    throw cuda_error(std::string(call) + " failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ") at " +
                         file + ":" + std::to_string(line),
                     e);
}
inline void check_blas(cublasStatus_t s, const char* call, const char* file, int line) {
    if (s == CUBLAS_STATUS_SUCCESS) return;
    throw cublas_error(std::string(call) + " failed: " + cublasGetStatusString(s) + " at " + file + ":" +
                       std::to_string(line));
}
}  // namespace cuda_detail

}  // namespace seqnet

/// Checks a CUDA runtime call: SEQNET_CUDA_CHECK(cudaMalloc(&p, bytes)).
#define SEQNET_CUDA_CHECK(call) ::seqnet::cuda_detail::check((call), #call, __FILE__, __LINE__)
/// Checks the last kernel launch (launch errors are reported by cudaGetLastError, not by the launch).
#define SEQNET_CUDA_CHECK_LAUNCH(what) ::seqnet::cuda_detail::check(cudaGetLastError(), what, __FILE__, __LINE__)
/// Checks a cuBLAS call: SEQNET_CUBLAS_CHECK(cublasSgemm(...)).
#define SEQNET_CUBLAS_CHECK(call) ::seqnet::cuda_detail::check_blas((call), #call, __FILE__, __LINE__)
