// seqnet/cuda.hpp -- the CUDA backend: context<cuda>, device memory, the kernels' launcher and cuBLAS,
// and every GPU layer (seqnet/gpu.hpp). Include from nvcc-compiled (.cu) files only; see docs/cuda.md.
#pragma once

#include <seqnet/backend/cuda/check.hpp>
#include <seqnet/backend/cuda/context.hpp>
#include <seqnet/backend/cuda/memory.hpp>
#include <seqnet/backend/cuda/runtime.cuh>
#include <seqnet/gpu.hpp>
