// seqnet/layers/motif_conv1d.hpp -- a first convolution whose filters are motifs: each filter is a
// position probability matrix, and it scores a window by its log-odds (SCIENCE.md sections 22 and 24).
//
// Parameters are logits theta[f, c, k]; the probabilities are a softmax over the four bases at each
// position, p[f, :, k] = softmax(theta[f, :, k]), and the convolution runs with the weights
// W[f, c, k] = log2(p[f, c, k] / q_c), q the background (uniform unless given), plus a bias per filter.
// So the learned filter reads directly as a motif: its logo is p, its information content
// sum_c p log2(p / q) lies in [0, 2] bits per position against a uniform background, and on one-hot
// input it scores a window's log-likelihood ratio. Backward goes through the log-softmax:
// dL/dtheta_c = (dL/dW_c - p_c sum_b dL/dW_b) / ln 2.
// An optional sparsity penalty ic_penalty * sum over filters and positions of IC adds its gradient,
// ic_penalty * p_c (log2(p_c / q_c) - IC_k), to dtheta on every parameter backward pass (the loss the
// trainer reports does not include it): it pulls uninformative positions towards the background, so
// the logos keep only what the data support. Shapes and cost: a conv1d with F filters.
#pragma once

#include <seqnet/layers/conv1d.hpp>
#include <seqnet/layers/layer_base.hpp>

#include <array>
#include <cmath>
#include <numbers>

namespace seqnet {

struct motif_conv1d_options {
    index_t filters = 1;
    index_t kernel = 1;
    padding pad = valid;
    index_t dilation = 1;
    bool bias = true;
    double ic_penalty = 0;                                  // lambda of the information sparsity penalty
    std::array<double, 4> background{0.25, 0.25, 0.25, 0.25};  // q, A C G T

    constexpr conv1d_options bank() const { return {filters, kernel, pad, 1, dilation, bias}; }
    constexpr shape_result output_shape(shape in) const {
        if (in.channels != 4 && in.channels != dyn) return {{}, "motif_conv1d reads one-hot DNA: 4 channels"};
        return bank().output_shape(in);
    }
};

template <class T, class Dev = cpu>
class motif_conv1d_layer : public layer_base<motif_conv1d_layer<T, Dev>, T, Dev, motif_conv1d_options> {
    using base = layer_base<motif_conv1d_layer<T, Dev>, T, Dev, motif_conv1d_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "motif_conv1d";

    motif_conv1d_layer(const motif_conv1d_options& o, shape in) : base(o, in), bank_(o.bank(), in) {
        bank_params_.resize(static_cast<std::size_t>(bank_.parameter_count()));
        bank_grads_.resize(bank_params_.size());
        probs_.resize(static_cast<std::size_t>(weight_size()));
        bank_.bind_parameters(bank_params_.data(), bank_grads_.data());
    }
    motif_conv1d_layer(const motif_conv1d_layer& o)
        : base(o), bank_(o.bank_), bank_params_(o.bank_params_), bank_grads_(o.bank_grads_), probs_(o.probs_) {
        bank_.bind_parameters(bank_params_.data(), bank_grads_.data());
    }
    motif_conv1d_layer& operator=(const motif_conv1d_layer& o) {
        if (this != &o) {
            motif_conv1d_layer copy(o);
            *this = std::move(copy);
        }
        return *this;
    }
    motif_conv1d_layer(motif_conv1d_layer&&) noexcept = default;
    motif_conv1d_layer& operator=(motif_conv1d_layer&&) noexcept = default;

    window receptive_field() const { return bank_.receptive_field(); }
    index_t parameter_count() const { return weight_size() + (opts_.bias ? opts_.filters : 0); }
    index_t flops() const { return bank_.flops(); }

    void bind_parameters(T* values, T* grads) {
        theta_ = values;
        dtheta_ = grads;
        b_ = opts_.bias ? values + weight_size() : nullptr;
        db_ = opts_.bias ? grads + weight_size() : nullptr;
    }
    template <class F>
    void visit_parameters(F&& f) {
        f("logits", logits(), param_view<T>{dtheta_, {opts_.filters, 4, opts_.kernel}, 3});
        if (opts_.bias) f("bias", bias(), param_view<T>{db_, {opts_.filters, 1, 1}, 1});
    }
    /// theta: softmax over the bases at each position gives the filter's probabilities.
    param_view<T> logits() const { return {theta_, {opts_.filters, 4, opts_.kernel}, 3}; }
    param_view<T> bias() const { return {b_, {opts_.filters, 1, 1}, opts_.bias ? 1 : 0}; }

    /// p[f, c, k] of the current logits.
    T probability(index_t f, index_t c, index_t k) const {
        const index_t K = opts_.kernel;
        T top = theta_[(f * 4) * K + k];
        for (index_t b = 1; b < 4; ++b) top = std::max(top, theta_[(f * 4 + b) * K + k]);
        T sum = 0;
        for (index_t b = 0; b < 4; ++b) sum += std::exp(theta_[(f * 4 + b) * K + k] - top);
        return std::exp(theta_[(f * 4 + c) * K + k] - top) / sum;
    }

    /// Logits all zero (every filter uniform, scoring 0) plus a little seeded noise to break symmetry;
    /// the bias starts at 0.
    void initialize(random_engine& rng, init) {
        for (index_t i = 0; i < weight_size(); ++i) theta_[i] = T(rng.uniform(-0.5, 0.5));
        if (b_) std::fill(b_, b_ + opts_.filters, T(0));
    }

    /// The convolution it runs, with the log-odds weights of the last forward pass.
    const conv1d_layer<T, Dev>& bank() const { return bank_; }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase ph) {
        build_bank();
        bank_.forward(ctx, x, y, ph);
    }

    void backward(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T> y, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode mode) {
        if (mode == grad_mode::parameters) std::fill(bank_grads_.begin(), bank_grads_.end(), T(0));
        bank_.backward(ctx, x, y, dy, dx, mode);
        if (mode == grad_mode::input_only) return;
        const index_t F = opts_.filters, K = opts_.kernel;
        const T* dw = bank_grads_.data();
        const double lambda = opts_.ic_penalty;
        for (index_t f = 0; f < F; ++f)
            for (index_t k = 0; k < K; ++k) {
                double sum = 0, ic = 0;
                for (index_t c = 0; c < 4; ++c) {
                    const double p = probs_[static_cast<std::size_t>((f * 4 + c) * K + k)];
                    sum += dw[(f * 4 + c) * K + k];
                    if (p > 0) ic += p * std::log2(p / opts_.background[static_cast<std::size_t>(c)]);
                }
                for (index_t c = 0; c < 4; ++c) {
                    const index_t i = (f * 4 + c) * K + k;
                    const double p = probs_[static_cast<std::size_t>(i)];
                    double g = (double(dw[i]) - p * sum) / std::numbers::ln2;
                    if (lambda > 0 && p > 0) g += lambda * p * (std::log2(p / opts_.background[static_cast<std::size_t>(c)]) - ic);
                    dtheta_[i] += T(g);
                }
            }
        if (db_)
            for (index_t f = 0; f < F; ++f) db_[f] += dw[weight_size() + f];
    }

protected:
    index_t weight_size() const { return opts_.filters * 4 * opts_.kernel; }

    void build_bank() {
        const index_t F = opts_.filters, K = opts_.kernel;
        T* w = bank_params_.data();
        for (index_t f = 0; f < F; ++f)
            for (index_t k = 0; k < K; ++k)
                for (index_t c = 0; c < 4; ++c) {
                    const index_t i = (f * 4 + c) * K + k;
                    const T p = probability(f, c, k);
                    probs_[static_cast<std::size_t>(i)] = p;
                    w[i] = T(std::log2(double(p) / opts_.background[static_cast<std::size_t>(c)]));
                }
        if (b_) std::copy(b_, b_ + F, w + weight_size());
    }

    conv1d_layer<T, Dev> bank_;
    aligned_buffer<T> bank_params_, bank_grads_;
    std::vector<T> probs_;
    T *theta_ = nullptr, *b_ = nullptr, *dtheta_ = nullptr, *db_ = nullptr;
};

/// Compile-time spec: motif_conv1d<filters, kernel, padding, dilation, bias, ic_penalty>.
template <index_t Filters, index_t Kernel, padding Pad = valid, index_t Dilation = 1, bool Bias = true, double Penalty = 0.0>
struct motif_conv1d
    : spec_of<motif_conv1d_options{Filters, Kernel, Pad, Dilation, Bias, Penalty}, motif_conv1d_layer> {};

}  // namespace seqnet
