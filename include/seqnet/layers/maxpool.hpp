// seqnet/layers/maxpool.hpp -- max pooling along the sequence, per channel.
//
// y[c, j] = max_{k < P} x[c, j*s + k]; L_out = floor((L - P) / s) + 1 (floor mode: a trailing partial
// window is dropped, at the 3' end). Ties go to the first (5'-most) maximum, and the gradient flows
// only to that winner, accumulating where windows overlap (SCIENCE.md section 2). The stride defaults to
// the size. Cost: P comparisons per output.
#pragma once

#include <seqnet/backend/cpu/pool.hpp>
#include <seqnet/layers/fusion.hpp>
#include <seqnet/layers/layer_base.hpp>
#include <seqnet/layers/parameter_free.hpp>

namespace seqnet {

struct maxpool_options {
    index_t size = 2;
    index_t stride = 0;  ///< 0: same as size

    constexpr index_t step() const { return stride == 0 ? size : stride; }
    constexpr shape_result output_shape(shape in) const {
        if (size < 1 || stride < 0) return {{}, "pool size must be at least 1 and stride not negative"};
        if (in.length == dyn) return {{in.channels, dyn}};
        if (in.length < size) return {{}, "the input is shorter than the pool size"};
        return {{in.channels, (in.length - size) / step() + 1}};
    }
};

template <class T, class Dev = cpu>
class maxpool_layer : public layer_base<maxpool_layer<T, Dev>, T, Dev, maxpool_options>,
    public parameter_free<T> {
    using base = layer_base<maxpool_layer<T, Dev>, T, Dev, maxpool_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "maxpool";

    maxpool_layer(const maxpool_options& o, shape in) : base(o, in) {}

    window receptive_field() const { return {opts_.size, opts_.step(), 1, 0, false}; }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase) {
        const index_t rows = x.batch * in_.channels;
        ctx.pool().parallel_for(rows, double(in_.length), [&](index_t b, index_t e, int) {
            for (index_t r = b; r < e; ++r)
                cpu_kernels::maxpool_row_forward(x.data + r * in_.length, y.data + r * out_.length,
                                                 out_.length, opts_.size, opts_.step());
        });
    }

    void backward(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T>, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode) {
        if (dx.empty()) return;
        const index_t rows = x.batch * in_.channels;
        ctx.pool().parallel_for(rows, double(in_.length), [&](index_t b, index_t e, int) {
            for (index_t r = b; r < e; ++r) {
                const T* xr = x.data + r * in_.length;
                const T* g = dy.data + r * out_.length;
                T* d = dx.data + r * in_.length;
                if (opts_.step() >= opts_.size) {
                    cpu_kernels::maxpool_row_backward_disjoint(xr, g, d, in_.length, out_.length, opts_.size,
                                                               opts_.step());
                    continue;
                }
                std::fill(d, d + in_.length, T(0));
                cpu_kernels::maxpool_row_backward(xr, g, d, out_.length, opts_.size, opts_.step());
            }
        });
    }

    bool fuse_into(epilogue_builder<T>& e) const {
        return e.add_maxpool(opts_.size, opts_.step(), out_.length);
    }

protected:
};

/// Compile-time spec: maxpool<size, stride = size>.
template <index_t Size, index_t Stride = 0>
struct maxpool : spec_of<maxpool_options{Size, Stride}, maxpool_layer> {};

}  // namespace seqnet
