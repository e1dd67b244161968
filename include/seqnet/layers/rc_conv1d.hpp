// seqnet/layers/rc_conv1d.hpp -- reverse-complement parameter-sharing convolution (Shrikumar,
// Greenside & Kundaje 2017; SCIENCE.md section 7).
//
// F learned filters W[f, c, k] and biases b[f] become a 2F-filter bank: filter f is W[f], and its partner
// 2F-1-f is W[f] reverse-complemented, W[f, C-1-c, K-1-k] (taps reversed, channels mirrored: A<->T,
// C<->G for one-hot DNA, and partner channels for an RC-paired feature map), with the same bias.
// strands:
//   both  output 2F channels, partner f <-> 2F-1-f, so RC(output of x) = output of RC(x): the layer is
//         equivariant and stacks with further RC layers (stride 1 and valid padding, or 'same' with an
//         odd span);
//   max / sum  output F channels, position by position the max or sum of a filter and its partner.
// Gradients of a filter and of its partner accumulate into the shared W and b.
// Shapes: (C, L) -> (2F or F, L_out) with conv1d's L_out. Cost: a conv1d with 2F filters.
#pragma once

#include <seqnet/layers/conv1d.hpp>
#include <seqnet/layers/layer_base.hpp>

#include <algorithm>
#include <utility>

namespace seqnet {

enum class strands { both, max, sum };

struct rc_conv1d_options {
    index_t filters = 1;  ///< learned filters F (the layer runs 2F)
    index_t kernel = 1;
    strands combine = strands::both;
    padding pad = valid;
    index_t stride = 1;
    index_t dilation = 1;
    bool bias = true;

    constexpr conv1d_options full_bank() const { return {2 * filters, kernel, pad, stride, dilation, bias}; }
    constexpr shape_result output_shape(shape in) const {
        shape_result r = full_bank().output_shape(in);
        if (r.ok() && combine != strands::both) r.out.channels = filters;
        return r;
    }
};

template <class T, class Dev = cpu>
class rc_conv1d_layer : public layer_base<rc_conv1d_layer<T, Dev>, T, Dev, rc_conv1d_options> {
    using base = layer_base<rc_conv1d_layer<T, Dev>, T, Dev, rc_conv1d_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "rc_conv1d";

    rc_conv1d_layer(const rc_conv1d_options& o, shape in)
        : base(o, in), bank_(o.full_bank(), in) {
        bank_params_.resize(static_cast<std::size_t>(bank_.parameter_count()));
        bank_grads_.resize(bank_params_.size());
        bank_.bind_parameters(bank_params_.data(), bank_grads_.data());
    }
    rc_conv1d_layer(const rc_conv1d_layer& o)
        : base(o), bank_(o.bank_), bank_params_(o.bank_params_),
          bank_grads_(o.bank_grads_), w_(o.w_), b_(o.b_), dw_(o.dw_), db_(o.db_) {
        bank_.bind_parameters(bank_params_.data(), bank_grads_.data());
    }
    rc_conv1d_layer& operator=(const rc_conv1d_layer& o) {
        if (this != &o) {
            rc_conv1d_layer copy(o);
            *this = std::move(copy);
        }
        return *this;
    }
    rc_conv1d_layer(rc_conv1d_layer&&) noexcept = default;  // buffers move with their addresses
    rc_conv1d_layer& operator=(rc_conv1d_layer&&) noexcept = default;

    window receptive_field() const { return bank_.receptive_field(); }
    index_t parameter_count() const { return weight_size() + (opts_.bias ? opts_.filters : 0); }
    index_t flops() const { return bank_.flops(); }

    void bind_parameters(T* values, T* grads) {
        w_ = values;
        dw_ = grads;
        b_ = opts_.bias ? values + weight_size() : nullptr;
        db_ = opts_.bias ? grads + weight_size() : nullptr;
    }
    template <class F>
    void visit_parameters(F&& f) {
        f("weight", weight(), param_view<T>{dw_, {opts_.filters, in_.channels, opts_.kernel}, 3});
        if (opts_.bias) f("bias", bias(), param_view<T>{db_, {opts_.filters, 1, 1}, 1});
    }
    param_view<T> weight() const { return {w_, {opts_.filters, in_.channels, opts_.kernel}, 3}; }
    param_view<T> bias() const { return {b_, {opts_.filters, 1, 1}, opts_.bias ? 1 : 0}; }

    void initialize(random_engine& rng, init scheme) {
        initialize_weights(weight(), opts_.bias ? bias() : param_view<T>{},
                           in_.channels * opts_.kernel, 2 * opts_.filters * opts_.kernel, scheme, rng);
    }

    /// The 2F-filter bank this layer runs (filter 2F-1-f is filter f reverse-complemented).
    const conv1d_layer<T, Dev>& bank() const { return bank_; }
    conv1d_layer<T, Dev>& bank() { return bank_; }
    /// Both strands' outputs (2F channels) of the last forward pass of `batch` samples, before max or
    /// sum combined them (strands::max and strands::sum only): what a rule for the combination needs.
    const_batch_view<T> strand_outputs(index_t batch) const {
        return {full_.data(), batch, bank_.output_shape()};
    }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase ph) {
        build_bank();
        if (opts_.combine == strands::both) {
            bank_.forward(ctx, x, y, ph);
            return;
        }
        full_.resize(static_cast<std::size_t>(x.batch * bank_.output_shape().size()));
        batch_view<T> full{full_.data(), x.batch, bank_.output_shape()};
        bank_.forward(ctx, x, full, ph);
        const index_t F = opts_.filters, L = out_.length;
        ctx.pool().parallel_for(x.batch * F, double(L), [&](index_t b, index_t e, int) {
            for (index_t r = b; r < e; ++r) {
                const index_t n = r / F, f = r % F;
                const T* a = full.row(n, f);
                const T* p = full.row(n, 2 * F - 1 - f);
                T* o = y.row(n, f);
                for (index_t j = 0; j < L; ++j)
                    o[j] = opts_.combine == strands::sum ? a[j] + p[j] : (p[j] > a[j] ? p[j] : a[j]);
            }
        });
    }

    void backward(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T> y, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode mode) {
        const index_t F = opts_.filters, L = out_.length;
        const shape bank_out = bank_.output_shape();
        const_batch_view<T> full_y = y, full_dy = dy;
        if (opts_.combine != strands::both) {
            // Route each output's gradient to both strands (sum) or to the strand that won (max; ties
            // go to the forward filter, as max pooling's go to the first maximum).
            const_batch_view<T> full{full_.data(), x.batch, bank_out};
            dfull_.resize(full_.size());
            batch_view<T> dfull{dfull_.data(), x.batch, bank_out};
            ctx.pool().parallel_for(x.batch * F, double(L), [&](index_t b, index_t e, int) {
                for (index_t r = b; r < e; ++r) {
                    const index_t n = r / F, f = r % F;
                    const T* a = full.row(n, f);
                    const T* p = full.row(n, 2 * F - 1 - f);
                    const T* g = dy.row(n, f);
                    T* da = dfull.row(n, f);
                    T* dp = dfull.row(n, 2 * F - 1 - f);
                    for (index_t j = 0; j < L; ++j) {
                        const bool partner_wins = opts_.combine == strands::max && p[j] > a[j];
                        const bool forward_wins = opts_.combine == strands::max && !partner_wins;
                        da[j] = partner_wins ? T(0) : g[j];
                        dp[j] = forward_wins ? T(0) : g[j];
                    }
                }
            });
            full_y = full;
            full_dy = dfull;
        }
        if (mode == grad_mode::parameters) std::fill(bank_grads_.begin(), bank_grads_.end(), T(0));
        bank_.backward(ctx, x, full_y, full_dy, dx, mode);
        if (mode != grad_mode::parameters) return;
        // Fold the bank's gradients onto the shared parameters.
        const index_t C = in_.channels, K = opts_.kernel, per_filter = C * K;
        const T* g = bank_grads_.data();
        for (index_t f = 0; f < F; ++f)
            for (index_t c = 0; c < C; ++c)
                for (index_t k = 0; k < K; ++k)
                    dw_[(f * C + c) * K + k] += g[(f * C + c) * K + k] +
                                                g[(2 * F - 1 - f) * per_filter + (C - 1 - c) * K + (K - 1 - k)];
        if (db_) {
            const T* gb = g + 2 * F * per_filter;
            for (index_t f = 0; f < F; ++f) db_[f] += gb[f] + gb[2 * F - 1 - f];
        }
    }

protected:
    index_t weight_size() const { return opts_.filters * in_.channels * opts_.kernel; }

    // W_full[f] = W[f]; W_full[2F-1-f][c][k] = W[f][C-1-c][K-1-k]; b_full[f] = b_full[2F-1-f] = b[f].
    void build_bank() {
        const index_t F = opts_.filters, C = in_.channels, K = opts_.kernel, per_filter = C * K;
        T* wf = bank_params_.data();
        for (index_t f = 0; f < F; ++f)
            for (index_t c = 0; c < C; ++c)
                for (index_t k = 0; k < K; ++k) {
                    const T v = w_[(f * C + c) * K + k];
                    wf[(f * C + c) * K + k] = v;
                    wf[(2 * F - 1 - f) * per_filter + (C - 1 - c) * K + (K - 1 - k)] = v;
                }
        if (b_)
            for (index_t f = 0; f < F; ++f) wf[2 * F * per_filter + f] = wf[2 * F * per_filter + 2 * F - 1 - f] = b_[f];
    }

    conv1d_layer<T, Dev> bank_;
    aligned_buffer<T> bank_params_, bank_grads_;
    aligned_buffer<T> full_, dfull_;  // the 2F-channel output and its gradient (combined strands only)
    T *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
};

/// Compile-time spec: rc_conv1d<filters, kernel, strands, padding, stride, dilation, bias>.
template <index_t Filters, index_t Kernel, strands Combine = strands::both, padding Pad = valid, index_t Stride = 1,
          index_t Dilation = 1, bool Bias = true>
struct rc_conv1d
    : spec_of<rc_conv1d_options{Filters, Kernel, Combine, Pad, Stride, Dilation, Bias}, rc_conv1d_layer> {};

}  // namespace seqnet
