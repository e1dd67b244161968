// seqnet/backend/gpu/emulated.hpp -- the emulated GPU: the GPU backend's layers and kernel bodies run on
// the host, each kernel as a loop over its thread indices and each GEMM as a triple loop.
//
// It is a test device. Where there is no GPU (CI), a model on emulated_gpu runs exactly the code a model
// on cuda runs, except the launch and cuBLAS, and the tests compare it with the CPU backend. It is slow
// and single-threaded; nothing here needs CUDA.
#pragma once

#include <seqnet/backend/context.hpp>
#include <seqnet/backend/device_memory.hpp>
#include <seqnet/backend/gpu/runtime.hpp>

namespace seqnet {

template <>
class context<emulated_gpu> {
public:
    using device_type = emulated_gpu;
    /// Ordered like a stream: every call has finished when it returns.
    void synchronize() const {}
};

template <>
struct device_memory<emulated_gpu> : device_memory<cpu> {};

template <>
struct gpu_runtime<emulated_gpu> {
    template <class F>
    static void for_each(context<emulated_gpu>&, index_t n, const F& f) {
        for (index_t i = 0; i < n; ++i) f(i);
    }

    template <class T>
    static void gemm(context<emulated_gpu>&, transpose ta, transpose tb, index_t M, index_t N, index_t K, T alpha,
                     const T* A, index_t lda, const T* B, index_t ldb, T beta, T* C, index_t ldc) {
        for (index_t i = 0; i < M; ++i)
            for (index_t j = 0; j < N; ++j) {
                T acc = 0;
                for (index_t k = 0; k < K; ++k) {
                    const T a = ta == transpose::no ? A[i * lda + k] : A[k * lda + i];
                    const T b = tb == transpose::no ? B[k * ldb + j] : B[j * ldb + k];
                    acc += a * b;
                }
                T& c = C[i * ldc + j];
                c = beta == T(0) ? alpha * acc : alpha * acc + beta * c;
            }
    }
};

}  // namespace seqnet
