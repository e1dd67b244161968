// seqnet/layers/global_maxpool.hpp -- max over the whole sequence, per channel (DeepBind).
//
// y[c] = max_l x[c, l]: (C, L) -> (C, 1). The gradient goes to the first maximum only (unlike the old
// DeepLIFT GlobalMaxPool1D, which double-counts ties; SCIENCE.md section 2). Receptive field: global.
#pragma once

#include <seqnet/backend/cpu/pool.hpp>
#include <seqnet/layers/fusion.hpp>
#include <seqnet/layers/layer_base.hpp>
#include <seqnet/layers/parameter_free.hpp>

namespace seqnet {

struct global_maxpool_options {
    constexpr shape_result output_shape(shape in) const {
        if (in.length != dyn && in.length < 1) return {{}, "the input is empty"};
        return {{in.channels, 1}};
    }
};

template <class T, class Dev = cpu>
class global_maxpool_layer : public layer_base<global_maxpool_layer<T, Dev>, T, Dev, global_maxpool_options>,
    public parameter_free<T> {
    using base = layer_base<global_maxpool_layer<T, Dev>, T, Dev, global_maxpool_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "global_maxpool";

    global_maxpool_layer(const global_maxpool_options& o, shape in) : base(o, in) {}

    window receptive_field() const { return {1, 1, 1, 0, true}; }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase) {
        ctx.pool().parallel_for(x.batch * in_.channels, double(in_.length), [&](index_t b, index_t e, int) {
            for (index_t r = b; r < e; ++r) {
                const T* row = x.data + r * in_.length;
                y.data[r] = cpu_kernels::window_max(row, in_.length);
            }
        });
    }

    void backward(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T>, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode) {
        if (dx.empty()) return;
        ctx.pool().parallel_for(x.batch * in_.channels, double(in_.length), [&](index_t b, index_t e, int) {
            for (index_t r = b; r < e; ++r) {
                const T* row = x.data + r * in_.length;
                T* d = dx.data + r * in_.length;
                std::fill(d, d + in_.length, T(0));
                d[cpu_kernels::argmax_first(row, 0, in_.length)] = dy.data[r];
            }
        });
    }

    /// At inference, a whole-length max pool in the producer's epilogue.
    bool fuse_into(epilogue_builder<T>& e) const { return e.add_maxpool(in_.length, in_.length, 1); }

protected:
};

struct global_maxpool : spec_of<global_maxpool_options{}, global_maxpool_layer> {};

}  // namespace seqnet
