// seqnet/layers/gpu/maxpool.hpp -- max pooling and global max pooling on a GPU device. Forward: one
// thread per output. Backward: one thread per input value, which sums dy over the windows it wins (the
// first maximum, as on the CPU), so no two threads write the same value. The same layers as
// layers/maxpool.hpp and layers/global_maxpool.hpp.
#pragma once

#include <seqnet/backend/gpu/runtime.hpp>
#include <seqnet/layers/global_maxpool.hpp>
#include <seqnet/layers/gpu/fusion.hpp>
#include <seqnet/layers/maxpool.hpp>

namespace seqnet {

namespace gpu_kernels {

/// Thread i: row i / L_out (sample x channel), window i % L_out.
template <class T>
struct maxpool_forward {
    const T* x;
    T* y;
    index_t in_length, out_length, size, stride;
    SEQNET_HD void operator()(index_t i) const {
        const T* w = x + (i / out_length) * in_length + (i % out_length) * stride;
        y[i] = w[argmax_first(w, size)];
    }
};

/// Thread i: input value i of row i / L; windows j with j*stride <= p < j*stride + size.
template <class T>
struct maxpool_backward {
    const T* x;
    const T* dy;
    T* dx;
    index_t in_length, out_length, size, stride;
    SEQNET_HD void operator()(index_t i) const {
        const index_t row = i / in_length, p = i % in_length;
        const T* xr = x + row * in_length;
        const index_t first = p >= size ? (p - size) / stride + 1 : 0;
        const index_t last = min_of(p / stride, out_length - 1);
        T g = 0;
        for (index_t j = first; j <= last; ++j)
            if (j * stride + argmax_first(xr + j * stride, size) == p) g += dy[row * out_length + j];
        dx[i] = g;
    }
};

/// Thread r: row r of a global max pool, zeroed except at its first maximum.
template <class T>
struct global_maxpool_backward {
    const T* x;
    const T* dy;
    T* dx;
    index_t length;
    SEQNET_HD void operator()(index_t r) const {
        T* d = dx + r * length;
        for (index_t l = 0; l < length; ++l) d[l] = T(0);
        d[argmax_first(x + r * length, length)] = dy[r];
    }
};

}  // namespace gpu_kernels

template <class T, gpu_device Dev>
class maxpool_layer<T, Dev> : public maxpool_layer<T, cpu> {
public:
    using device_type = Dev;
    using maxpool_layer<T, cpu>::maxpool_layer;

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase) {
        gpu_runtime<Dev>::for_each(ctx, y.size(),
                                   gpu_kernels::maxpool_forward<T>{x.data, y.data, this->in_.length, this->out_.length,
                                                                   this->opts_.size, this->opts_.step()});
    }
    void backward(context<Dev>& ctx, const_batch_view<T, Dev> x, const_batch_view<T, Dev>, const_batch_view<T, Dev> dy,
                  batch_view<T, Dev> dx, grad_mode) {
        if (dx.empty()) return;
        gpu_runtime<Dev>::for_each(ctx, x.size(),
                                   gpu_kernels::maxpool_backward<T>{x.data, dy.data, dx.data, this->in_.length,
                                                                    this->out_.length, this->opts_.size,
                                                                    this->opts_.step()});
    }
    bool fuse_into(gpu_epilogue<T>& e) const { return e.add_maxpool(this->opts_.size, this->opts_.step(), this->out_.length); }
};

/// A whole-length max pool: one thread per row.
template <class T, gpu_device Dev>
class global_maxpool_layer<T, Dev> : public global_maxpool_layer<T, cpu> {
public:
    using device_type = Dev;
    using global_maxpool_layer<T, cpu>::global_maxpool_layer;

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase) {
        const index_t L = this->in_.length;
        gpu_runtime<Dev>::for_each(ctx, y.size(), gpu_kernels::maxpool_forward<T>{x.data, y.data, L, 1, L, L});
    }
    void backward(context<Dev>& ctx, const_batch_view<T, Dev> x, const_batch_view<T, Dev>, const_batch_view<T, Dev> dy,
                  batch_view<T, Dev> dx, grad_mode) {
        if (dx.empty()) return;
        const index_t L = this->in_.length;
        gpu_runtime<Dev>::for_each(ctx, dy.size(), gpu_kernels::global_maxpool_backward<T>{x.data, dy.data, dx.data, L});
    }
    bool fuse_into(gpu_epilogue<T>& e) const { return e.add_maxpool(this->in_.length, this->in_.length, 1); }
};

}  // namespace seqnet
