// seqnet/backend/cuda/activations.cuh -- element-wise activations on the GPU: ReLU forward and backward
// over n values, queued on a context's stream (the CPU backend's relu_layer computes the same). Include
// from nvcc-compiled files only.
#pragma once

#include <seqnet/backend/cuda/check.hpp>
#include <seqnet/backend/cuda/context.hpp>

namespace seqnet::cuda_kernels {

template <class T>
__global__ void relu_forward_kernel(const T* __restrict__ x, T* __restrict__ y, long long n) {
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<long long>(gridDim.x) * blockDim.x)
        y[i] = x[i] > T(0) ? x[i] : T(0);
}

template <class T>
__global__ void relu_backward_kernel(const T* __restrict__ x, const T* __restrict__ dy, T* __restrict__ dx, long long n) {
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<long long>(gridDim.x) * blockDim.x)
        dx[i] = x[i] > T(0) ? dy[i] : T(0);
}

/// Blocks of 256 threads, at most 4096 blocks (grid-stride loops cover the rest).
inline unsigned grid_for(long long n) {
    const long long blocks = (n + 255) / 256;
    return static_cast<unsigned>(blocks < 1 ? 1 : blocks > 4096 ? 4096 : blocks);
}

template <class T>
void relu_forward(const context<cuda>& ctx, const T* x, T* y, long long n) {
    if (n == 0) return;
    relu_forward_kernel<<<grid_for(n), 256, 0, ctx.stream()>>>(x, y, n);
    SEQNET_CUDA_CHECK_LAUNCH("relu_forward_kernel launch");
}

template <class T>
void relu_backward(const context<cuda>& ctx, const T* x, const T* dy, T* dx, long long n) {
    if (n == 0) return;
    relu_backward_kernel<<<grid_for(n), 256, 0, ctx.stream()>>>(x, dy, dx, n);
    SEQNET_CUDA_CHECK_LAUNCH("relu_backward_kernel launch");
}

}  // namespace seqnet::cuda_kernels
