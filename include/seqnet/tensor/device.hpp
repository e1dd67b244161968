// seqnet/tensor/device.hpp -- compile-time tags naming where memory lives and where kernels run.
//
// Views, contexts and models carry one of these tags as a template parameter, so host memory can never
// reach a CUDA kernel and no operation branches on a run-time backend flag. The CUDA backend's kernels
// live under backend/cuda/ and are compiled only in nvcc translation units; the GPU backend's layers
// (layers/gpu/) are plain C++ shared by cuda and its host emulation.
#pragma once

#include <concepts>

namespace seqnet {

struct cpu {
    static constexpr const char* name = "cpu";
};

struct cuda {
    static constexpr const char* name = "cuda";
};

/// The GPU backend's code run on the host: the same layer code and kernel bodies as cuda, each kernel
/// a loop over its thread indices and each GEMM a plain triple loop, on ordinary memory. It exists so
/// that the GPU backend is tested against the CPU backend where there is no GPU (CI); it is slow.
struct emulated_gpu {
    static constexpr const char* name = "emulated_gpu";
};

/// Devices that run the GPU backend (layers/gpu/): kernels over thread indices, GEMMs in a BLAS.
template <class D>
concept gpu_device = std::same_as<D, cuda> || std::same_as<D, emulated_gpu>;

template <class D>
concept device = std::same_as<D, cpu> || gpu_device<D>;

}  // namespace seqnet
