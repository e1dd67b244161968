// seqnet/backend/cuda/context.hpp -- context<cuda>: the device a model runs on, the stream its kernels go
// to and the cuBLAS handle its products use. Created once and passed to every call, as context<cpu> is.
// cuda_device_count() says how many devices there are, 0 (not an exception) where there is no GPU or
// driver, so tests and programs can skip. Include from nvcc-compiled files only.
#pragma once

#include <seqnet/backend/context.hpp>
#include <seqnet/backend/cuda/check.hpp>

#include <string>

namespace seqnet {

/// CUDA devices this process can use; 0 without a device or a driver.
inline int cuda_device_count() {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError();  // clear the sticky "no device" error
        return 0;
    }
    return n;
}

template <>
class context<cuda> {
public:
    using device_type = cuda;

    explicit context(int device = 0) : device_(device) {
        const int n = cuda_device_count();
        if (device < 0 || device >= n)
            throw cuda_error("context<cuda>: device " + std::to_string(device) + " requested, " + std::to_string(n) +
                                 " available",
                             cudaErrorInvalidDevice);
        SEQNET_CUDA_CHECK(cudaSetDevice(device_));
        // A blocking stream: the synchronous copies of device_memory<cuda> (on the legacy default stream)
        // wait for the kernels queued here, and kernels queued later wait for them.
        SEQNET_CUDA_CHECK(cudaStreamCreate(&stream_));
        try {
            SEQNET_CUBLAS_CHECK(cublasCreate(&blas_));
            SEQNET_CUBLAS_CHECK(cublasSetStream(blas_, stream_));
        } catch (...) {
            release();
            throw;
        }
    }
    context(const context&) = delete;
    context& operator=(const context&) = delete;
    ~context() { release(); }

    int device() const { return device_; }
    cudaStream_t stream() const { return stream_; }
    cublasHandle_t blas() const { return blas_; }
    /// Waits for every kernel queued on this context's stream; reports their errors.
    void synchronize() const { SEQNET_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

private:
    void release() noexcept {
        if (blas_) cublasDestroy(blas_);
        if (stream_) cudaStreamDestroy(stream_);
        blas_ = nullptr;
        stream_ = nullptr;
    }

    int device_ = 0;
    cudaStream_t stream_ = nullptr;
    cublasHandle_t blas_ = nullptr;
};

}  // namespace seqnet
