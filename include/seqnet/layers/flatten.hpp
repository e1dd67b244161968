// seqnet/layers/flatten.hpp -- (C, L) -> (C * L, 1) in channel-major order e = c * L + l.
//
// This is PyTorch's nn.Flatten on (N, C, L), so a dense layer after it takes PyTorch Linear weights
// unchanged; Keras models (e = l * C + c) need their first dense columns permuted on import
// (SCIENCE.md section 3). The memory layout is unchanged: forward and backward are copies, and at
// inference flatten joins the preceding layer's fused epilogue for free.
#pragma once

#include <seqnet/layers/fusion.hpp>
#include <seqnet/layers/layer_base.hpp>
#include <seqnet/layers/parameter_free.hpp>

#include <cstring>

namespace seqnet {

struct flatten_options {
    constexpr shape_result output_shape(shape in) const {
        if (in.length == dyn) return {{dyn, 1}};
        return {{in.channels * in.length, 1}};
    }
};

template <class T, class Dev = cpu>
class flatten_layer : public layer_base<flatten_layer<T, Dev>, T, Dev, flatten_options>,
    public parameter_free<T> {
    using base = layer_base<flatten_layer<T, Dev>, T, Dev, flatten_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "flatten";

    flatten_layer(const flatten_options& o, shape in) : base(o, in) {}
    window receptive_field() const { return {1, 1, 1, 0, true}; }

    void forward(context<cpu>&, const_batch_view<T> x, batch_view<T> y, phase) {
        if (y.data != x.data) std::memcpy(y.data, x.data, x.size() * sizeof(T));
    }
    void backward(context<cpu>&, const_batch_view<T>, const_batch_view<T>, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode) {
        if (!dx.empty() && dx.data != dy.data) std::memcpy(dx.data, dy.data, dy.size() * sizeof(T));
    }
    bool fuse_into(epilogue_builder<T>& e) const { return e.add_reshape(); }

protected:
};

struct flatten : spec_of<flatten_options{}, flatten_layer> {};

}  // namespace seqnet
