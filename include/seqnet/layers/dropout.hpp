// seqnet/layers/dropout.hpp -- inverted dropout: identity at inference, seeded mask in training.
//
// Training: y = x * m / (1 - p) with m ~ Bernoulli(1 - p) per element; p is the drop probability
// (SCIENCE.md section 6). The mask depends only on the layer's seed (drawn at initialize()), the number
// of training passes so far and the element index, so it is reproducible whatever the thread count.
#pragma once

#include <seqnet/layers/fusion.hpp>
#include <seqnet/layers/layer_base.hpp>
#include <seqnet/layers/parameter_free.hpp>

#include <cstring>

namespace seqnet {

struct dropout_options {
    double p = 0.5;
    constexpr shape_result output_shape(shape in) const {
        if (!(p >= 0.0 && p < 1.0)) return {{}, "dropout probability must be in [0, 1)"};
        return {in};
    }
};

template <class T, class Dev = cpu>
class dropout_layer : public layer_base<dropout_layer<T, Dev>, T, Dev, dropout_options> {
    using base = layer_base<dropout_layer<T, Dev>, T, Dev, dropout_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "dropout";

    dropout_layer(const dropout_options& o, shape in) : base(o, in) {}

    window receptive_field() const { return pointwise_window; }
    index_t parameter_count() const { return 0; }
    void bind_parameters(T*, T*) {}
    template <class F>
    void visit_parameters(F&&) {}
    void initialize(random_engine& rng, init) {
        seed_ = rng.next();
        passes_ = 0;
    }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase ph) {
        last_ = ph;
        if (ph == phase::inference || opts_.p == 0.0) {
            if (y.data != x.data) std::memcpy(y.data, x.data, x.size() * sizeof(T));
            last_ = phase::inference;
            return;
        }
        mask_.resize(static_cast<std::size_t>(x.size()));
        const std::uint64_t pass_seed = mix64(seed_ + ++passes_);
        const T keep = T(1) / T(1 - opts_.p);
        ctx.pool().parallel_for(x.size(), 4.0, [&](index_t b, index_t e, int) {
            for (index_t i = b; i < e; ++i) {
                const T m = hashed_uniform(pass_seed, static_cast<std::uint64_t>(i)) >= opts_.p ? keep : T(0);
                mask_[i] = m;
                y.data[i] = x.data[i] * m;
            }
        });
    }

    void backward(context<cpu>& ctx, const_batch_view<T>, const_batch_view<T>, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode) {
        if (dx.empty()) return;
        if (last_ == phase::inference) {
            if (dx.data != dy.data) std::memcpy(dx.data, dy.data, dy.size() * sizeof(T));
            return;
        }
        ctx.pool().parallel_for(dy.size(), 1.0, [&](index_t b, index_t e, int) {
            for (index_t i = b; i < e; ++i) dx.data[i] = dy.data[i] * mask_[i];
        });
    }

    bool fuse_into(epilogue_builder<T>&) const { return true; }  // identity at inference

protected:
    std::uint64_t seed_ = 0x5eed, passes_ = 0;
    phase last_ = phase::inference;
    aligned_buffer<T> mask_;
};

/// Compile-time spec: dropout<0.3> drops 30 % of activations in training.
template <double P>
struct dropout : spec_of<dropout_options{P}, dropout_layer> {};

}  // namespace seqnet
