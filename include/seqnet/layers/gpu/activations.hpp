// seqnet/layers/gpu/activations.hpp -- ReLU, sigmoid and softmax on a GPU device: one thread per value
// (softmax: per position, over the channels). The same definitions as layers/activations.hpp.
#pragma once

#include <seqnet/backend/gpu/runtime.hpp>
#include <seqnet/layers/activations.hpp>
#include <seqnet/layers/gpu/fusion.hpp>

#include <cmath>

namespace seqnet {

namespace gpu_kernels {

template <class T>
struct relu_forward {
    const T* x;
    T* y;
    SEQNET_HD void operator()(index_t i) const { y[i] = x[i] > T(0) ? x[i] : T(0); }
};

template <class T>
struct relu_backward {
    const T* y;
    const T* dy;
    T* dx;
    SEQNET_HD void operator()(index_t i) const { dx[i] = y[i] > T(0) ? dy[i] : T(0); }
};

template <class T>
struct sigmoid_forward {
    const T* x;
    T* y;
    SEQNET_HD void operator()(index_t i) const { y[i] = logistic(x[i]); }
};

template <class T>
struct sigmoid_backward {
    const T* y;
    const T* dy;
    T* dx;
    SEQNET_HD void operator()(index_t i) const { dx[i] = dy[i] * y[i] * (T(1) - y[i]); }
};

/// Thread i: sample i / L, position i % L.
template <class T>
struct softmax_forward {
    const T* x;
    T* y;
    index_t C, L;
    SEQNET_HD void operator()(index_t i) const {
        const index_t base = (i / L) * C * L + i % L;
        T m = x[base];
        for (index_t c = 1; c < C; ++c) m = max_of(m, x[base + c * L]);
        T sum = 0;
        for (index_t c = 0; c < C; ++c) sum += (y[base + c * L] = std::exp(x[base + c * L] - m));
        for (index_t c = 0; c < C; ++c) y[base + c * L] /= sum;
    }
};

template <class T>
struct softmax_backward {
    const T* y;
    const T* dy;
    T* dx;
    index_t C, L;
    SEQNET_HD void operator()(index_t i) const {
        const index_t base = (i / L) * C * L + i % L;
        T dot = 0;
        for (index_t c = 0; c < C; ++c) dot += dy[base + c * L] * y[base + c * L];
        for (index_t c = 0; c < C; ++c) dx[base + c * L] = y[base + c * L] * (dy[base + c * L] - dot);
    }
};

}  // namespace gpu_kernels

/// An activation applied value by value: Forward{x, y} and Backward{y, dy, dx} kernels over a CPU
/// layer's shapes.
template <class CpuLayer, class Dev, class Forward, class Backward>
class gpu_elementwise_layer : public CpuLayer {
    using T = typename CpuLayer::scalar_type;

public:
    using device_type = Dev;
    using CpuLayer::CpuLayer;

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase) {
        gpu_runtime<Dev>::for_each(ctx, x.size(), Forward{x.data, y.data});
    }
    void backward(context<Dev>& ctx, const_batch_view<T, Dev>, const_batch_view<T, Dev> y,
                  const_batch_view<T, Dev> dy, batch_view<T, Dev> dx, grad_mode) {
        if (dx.empty()) return;
        gpu_runtime<Dev>::for_each(ctx, y.size(), Backward{y.data, dy.data, dx.data});
    }
};

template <class T, gpu_device Dev>
class relu_layer<T, Dev>
    : public gpu_elementwise_layer<relu_layer<T, cpu>, Dev, gpu_kernels::relu_forward<T>, gpu_kernels::relu_backward<T>> {
public:
    using gpu_elementwise_layer<relu_layer<T, cpu>, Dev, gpu_kernels::relu_forward<T>,
                                gpu_kernels::relu_backward<T>>::gpu_elementwise_layer;
    bool fuse_into(gpu_epilogue<T>& e) const { return e.add_relu(); }
};

template <class T, gpu_device Dev>
class sigmoid_layer<T, Dev> : public gpu_elementwise_layer<sigmoid_layer<T, cpu>, Dev, gpu_kernels::sigmoid_forward<T>,
                                                           gpu_kernels::sigmoid_backward<T>> {
public:
    using gpu_elementwise_layer<sigmoid_layer<T, cpu>, Dev, gpu_kernels::sigmoid_forward<T>,
                                gpu_kernels::sigmoid_backward<T>>::gpu_elementwise_layer;
};

template <class T, gpu_device Dev>
class softmax_layer<T, Dev> : public softmax_layer<T, cpu> {
public:
    using device_type = Dev;
    using softmax_layer<T, cpu>::softmax_layer;

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase) {
        const shape s = this->input_shape();
        gpu_runtime<Dev>::for_each(ctx, x.batch * s.length,
                                   gpu_kernels::softmax_forward<T>{x.data, y.data, s.channels, s.length});
    }
    void backward(context<Dev>& ctx, const_batch_view<T, Dev>, const_batch_view<T, Dev> y,
                  const_batch_view<T, Dev> dy, batch_view<T, Dev> dx, grad_mode) {
        if (dx.empty()) return;
        const shape s = this->input_shape();
        gpu_runtime<Dev>::for_each(ctx, y.batch * s.length,
                                   gpu_kernels::softmax_backward<T>{y.data, dy.data, dx.data, s.channels, s.length});
    }
};

}  // namespace seqnet
