// seqnet/tensor/device.hpp -- compile-time tags naming where memory lives and where kernels run.
//
// Views, contexts and models carry one of these tags as a template parameter, so host memory can never
// reach a CUDA kernel and no operation branches on a run-time backend flag. The CUDA backend's kernels
// live under backend/cuda/ and are compiled only in nvcc translation units.
#pragma once

#include <concepts>

namespace seqnet {

struct cpu {
    static constexpr const char* name = "cpu";
};

struct cuda {
    static constexpr const char* name = "cuda";
};

template <class D>
concept device = std::same_as<D, cpu> || std::same_as<D, cuda>;

}  // namespace seqnet
