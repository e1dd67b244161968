// seqnet/layers/separable_dense.hpp -- the separable fully connected layer (Alexandari, Shrikumar &
// Kundaje 2017; SCIENCE.md section 8): a dense layer over a (C, L) feature map whose weight for each
// output is the outer product of a positional and a channel vector.
//
//   o[u] = sum_{c, l} h[c, l] * W_pos[u, l] * W_chan[u, c]          (no bias, as in keras-genomics)
//
// Parameters "weight_pos" U x L_h and "weight_chan" U x C: U (L_h + C) instead of U L C. With
// `symmetric`, only L_h = ceil(L / 2) positional weights are learned and mirrored,
// W_pos[u, l] = W_pos[u, L-1-l] (the middle weight of an odd L appears once), which, with channel
// weights tied across RC partners, makes the output RC-invariant. Used in place of flatten + dense.
// Shapes: (C, L) -> (U, 1). Cost: 2 U C L flops per sample forward.
#pragma once

#include <seqnet/layers/layer_base.hpp>

#include <cmath>

namespace seqnet {

struct separable_dense_options {
    index_t units = 1;
    bool symmetric = false;

    constexpr index_t learned_positions(index_t length) const { return symmetric ? (length + 1) / 2 : length; }
    constexpr shape_result output_shape(shape in) const {
        if (units < 1) return {{}, "units must be at least 1"};
        if (in.length != dyn && in.length < 1) return {{}, "the input is empty"};
        return {{units, 1}};
    }
};

template <class T, class Dev = cpu>
class separable_dense_layer : public layer_base<separable_dense_layer<T, Dev>, T, Dev, separable_dense_options> {
    using base = layer_base<separable_dense_layer<T, Dev>, T, Dev, separable_dense_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "separable_dense";

    separable_dense_layer(const separable_dense_options& o, shape in)
        : base(o, in), lh_(o.learned_positions(in.length)) {}

    window receptive_field() const { return {1, 1, 1, 0, true}; }
    index_t parameter_count() const { return opts_.units * (lh_ + in_.channels); }
    index_t flops() const { return 2 * opts_.units * in_.size(); }

    void bind_parameters(T* values, T* grads) {
        pos_ = values;
        chan_ = values + opts_.units * lh_;
        dpos_ = grads;
        dchan_ = grads + opts_.units * lh_;
    }
    template <class F>
    void visit_parameters(F&& f) {
        f("weight_pos", matrix(pos_, lh_), matrix(dpos_, lh_));
        f("weight_chan", matrix(chan_, in_.channels), matrix(dchan_, in_.channels));
    }

    /// keras-genomics' scheme: both factors U(-b, b), b = (2 / (L_h C + U))^(1/4), so that their product
    /// has roughly Glorot variance. `scheme` is not used: the factorisation needs its own scale.
    void initialize(random_engine& rng, init) {
        const double b = std::pow(2.0 / double(lh_ * in_.channels + opts_.units), 0.25);
        for (index_t i = 0; i < parameter_count(); ++i) pos_[i] = T(rng.uniform(-b, b));  // pos_ then chan_
    }

    /// The positional weight of unit u at position l (mirrored when symmetric).
    T position_weight(index_t u, index_t l) const { return pos_[u * lh_ + learned_index(l)]; }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase) {
        const index_t U = opts_.units, C = in_.channels, L = in_.length;
        ctx.pool().parallel_for(x.batch * U, double(2 * C * L), [&](index_t b, index_t e, int) {
            for (index_t r = b; r < e; ++r) {
                const index_t n = r / U, u = r % U;
                T acc = 0;
                for (index_t c = 0; c < C; ++c) {
                    const T* h = x.row(n, c);
                    T s = 0;
                    for (index_t l = 0; l < L; ++l) s += h[l] * position_weight(u, l);
                    acc += s * chan_[u * C + c];
                }
                y.data[n * U + u] = acc;
            }
        });
    }

    void backward(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T>, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode mode) {
        const index_t U = opts_.units, C = in_.channels, L = in_.length, N = x.batch;
        if (mode == grad_mode::parameters) {
            // Units are independent: workers take disjoint units, so gradients need no reduction.
            ctx.pool().parallel_for(U, double(4 * N * C * L), [&](index_t b, index_t e, int) {
                for (index_t u = b; u < e; ++u)
                    for (index_t n = 0; n < N; ++n) {
                        const T g = dy.data[n * U + u];
                        for (index_t c = 0; c < C; ++c) {
                            const T* h = x.row(n, c);
                            T s = 0;
                            for (index_t l = 0; l < L; ++l) {
                                s += h[l] * position_weight(u, l);
                                dpos_[u * lh_ + learned_index(l)] += g * chan_[u * C + c] * h[l];
                            }
                            dchan_[u * C + c] += g * s;
                        }
                    }
            });
        }
        if (dx.empty()) return;
        ctx.pool().parallel_for(N, double(2 * U * C * L), [&](index_t b, index_t e, int) {
            for (index_t n = b; n < e; ++n)
                for (index_t c = 0; c < C; ++c) {
                    T* d = dx.row(n, c);
                    for (index_t l = 0; l < L; ++l) d[l] = T(0);
                    for (index_t u = 0; u < U; ++u) {
                        const T k = dy.data[n * U + u] * chan_[u * C + c];
                        for (index_t l = 0; l < L; ++l) d[l] += k * position_weight(u, l);
                    }
                }
        });
    }

protected:
    index_t learned_index(index_t l) const { return l < lh_ ? l : in_.length - 1 - l; }
    param_view<T> matrix(T* p, index_t cols) const { return {p, {opts_.units, cols, 1}, 2}; }

    index_t lh_;
    T *pos_ = nullptr, *chan_ = nullptr, *dpos_ = nullptr, *dchan_ = nullptr;
};

/// Compile-time spec: separable_dense<units, symmetric = false>.
template <index_t Units, bool Symmetric = false>
struct separable_dense : spec_of<separable_dense_options{Units, Symmetric}, separable_dense_layer> {};

}  // namespace seqnet
