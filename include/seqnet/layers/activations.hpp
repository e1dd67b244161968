// seqnet/layers/activations.hpp -- nonlinearities: ReLU, sigmoid and softmax.
//
// relu(z) = max(z, 0) with derivative 0 at z = 0 (PyTorch, TensorFlow and DeepLIFT agree);
// sigmoid(z) = 1 / (1 + e^-z), evaluated stably on both sides; softmax over the channels at each
// position, p_c = exp(z_c - m) / sum_k exp(z_k - m) with m = max_k z_k (PyTorch's nn.Softmax(dim=1);
// SCIENCE.md section 4). All keep the input shape and have a pointwise receptive field along the
// sequence. Cost: one pass over the activations.
#pragma once

#include <seqnet/layers/fusion.hpp>
#include <seqnet/layers/parameter_free.hpp>

#include <xsimd/xsimd.hpp>

#include <cmath>

namespace seqnet {

/// The logistic function 1 / (1 + e^-z), evaluated so that neither side overflows. Shared by the
/// sigmoid layer, the LSTM gates, the BCE loss and everything that turns logits into probabilities.
template <class T>
SEQNET_HD T logistic(T z) {
    if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
    const T e = std::exp(z);
    return e / (T(1) + e);
}

// Each activation has its own options type, so a run-time spec's options identify the layer.
struct relu_options : shape_preserving_options {};
struct sigmoid_options : shape_preserving_options {};
struct softmax_options : shape_preserving_options {};

template <class T, class Dev = cpu>
class relu_layer : public pointwise_layer<T, Dev, relu_options> {
public:
    static constexpr std::string_view name = "relu";

    relu_layer(const relu_options&, shape in) : pointwise_layer<T, Dev, relu_options>(in) {}

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase) {
        using batch = xsimd::batch<T>;
        constexpr index_t W = batch::size;
        ctx.pool().parallel_for(x.size(), 1.0, [&](index_t b, index_t e, int) {
            index_t i = b;
            for (; i + W <= e; i += W)
                xsimd::max(batch::load_unaligned(x.data + i), batch(T(0))).store_unaligned(y.data + i);
            for (; i < e; ++i) y.data[i] = x.data[i] > T(0) ? x.data[i] : T(0);
        });
    }

    void backward(context<cpu>& ctx, const_batch_view<T>, const_batch_view<T> y, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode) {
        if (dx.empty()) return;
        // Vector selects: a branch per element mispredicts on real activations (half of them zero).
        using batch = xsimd::batch<T>;
        constexpr index_t W = batch::size;
        ctx.pool().parallel_for(y.size(), 1.0, [&](index_t b, index_t e, int) {
            index_t i = b;
            for (; i + W <= e; i += W)
                xsimd::select(batch::load_unaligned(y.data + i) > batch(T(0)), batch::load_unaligned(dy.data + i),
                              batch(T(0)))
                    .store_unaligned(dx.data + i);
            for (; i < e; ++i) dx.data[i] = y.data[i] > T(0) ? dy.data[i] : T(0);
        });
    }

    bool fuse_into(epilogue_builder<T>& e) const { return e.add_relu(); }
};

template <class T, class Dev = cpu>
class sigmoid_layer : public pointwise_layer<T, Dev, sigmoid_options> {
public:
    static constexpr std::string_view name = "sigmoid";

    sigmoid_layer(const sigmoid_options&, shape in) : pointwise_layer<T, Dev, sigmoid_options>(in) {}

    static T apply(T z) { return logistic(z); }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase) {
        ctx.pool().parallel_for(x.size(), 1.0, [&](index_t b, index_t e, int) {
            for (index_t i = b; i < e; ++i) y.data[i] = apply(x.data[i]);
        });
    }

    void backward(context<cpu>& ctx, const_batch_view<T>, const_batch_view<T> y, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode) {
        if (dx.empty()) return;
        ctx.pool().parallel_for(y.size(), 1.0, [&](index_t b, index_t e, int) {
            for (index_t i = b; i < e; ++i) dx.data[i] = dy.data[i] * y.data[i] * (T(1) - y.data[i]);
        });
    }
};

template <class T, class Dev = cpu>
class softmax_layer : public pointwise_layer<T, Dev, softmax_options> {
public:
    static constexpr std::string_view name = "softmax";

    softmax_layer(const softmax_options&, shape in) : pointwise_layer<T, Dev, softmax_options>(in) {}

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase) {
        const index_t C = this->in_.channels, L = this->in_.length;
        ctx.pool().parallel_for(x.batch, double(4 * C * L), [&](index_t b, index_t e, int) {
            for (index_t n = b; n < e; ++n)
                for (index_t l = 0; l < L; ++l) {
                    T m = x(n, 0, l);
                    for (index_t c = 1; c < C; ++c) m = x(n, c, l) > m ? x(n, c, l) : m;
                    T sum = 0;
                    for (index_t c = 0; c < C; ++c) sum += (y(n, c, l) = std::exp(x(n, c, l) - m));
                    for (index_t c = 0; c < C; ++c) y(n, c, l) /= sum;
                }
        });
    }

    /// dz_c = p_c (dp_c - sum_k dp_k p_k)
    void backward(context<cpu>& ctx, const_batch_view<T>, const_batch_view<T> y, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode) {
        if (dx.empty()) return;
        const index_t C = this->in_.channels, L = this->in_.length;
        ctx.pool().parallel_for(y.batch, double(4 * C * L), [&](index_t b, index_t e, int) {
            for (index_t n = b; n < e; ++n)
                for (index_t l = 0; l < L; ++l) {
                    T dot = 0;
                    for (index_t c = 0; c < C; ++c) dot += dy(n, c, l) * y(n, c, l);
                    for (index_t c = 0; c < C; ++c) dx(n, c, l) = y(n, c, l) * (dy(n, c, l) - dot);
                }
        });
    }
};

struct relu : spec_of<relu_options{}, relu_layer> {};
struct sigmoid : spec_of<sigmoid_options{}, sigmoid_layer> {};
struct softmax : spec_of<softmax_options{}, softmax_layer> {};

}  // namespace seqnet
