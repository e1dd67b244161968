// seqnet/train/optimizers.hpp -- optimisers over a model's single parameter buffer.
//
// Adam and AdamW exactly as torch.optim.Adam / AdamW (SCIENCE.md section 12):
//   g += wd * p (Adam's L2 form) | p -= lr * wd * p (AdamW, decoupled)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// SGD with momentum as torch.optim.SGD (dampening 0):
//   g += wd * p;  b = mu b + g (b = g on the first step);  g = nesterov ? g + mu b : b;  p -= lr g
// State lives in buffers the size of the parameters, allocated on the first step. Every step takes an
// optional `trainable` mask (one byte per parameter; 0 = frozen): a frozen parameter is left exactly as
// it is, untouched by weight decay and momentum (SCIENCE.md sections 12 and 23).
#pragma once

#include <seqnet/backend/context.hpp>
#include <seqnet/config.hpp>
#include <seqnet/tensor/buffer.hpp>

#include <cmath>
#include <cstdint>
#include <span>

namespace seqnet {

struct adam_options {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
    bool decoupled_weight_decay = false;  ///< true: AdamW
};

/// Adam's per-step constants (step t, counted from 1).
template <class T>
struct adam_coefficients {
    T b1, b2, eps, wd, lr, step_size, bias2;
    bool decoupled;

    static adam_coefficients of(const adam_options& o, long t) {
        return {T(o.beta1), T(o.beta2), T(o.eps), T(o.weight_decay), T(o.lr),
                T(o.lr / (1.0 - std::pow(o.beta1, double(t)))), T(1.0 / std::sqrt(1.0 - std::pow(o.beta2, double(t)))),
                o.decoupled_weight_decay};
    }
};

/// One parameter's Adam update: the CPU loop and the GPU kernel (train/gpu/optimizers.hpp) both call it.
template <class T>
SEQNET_HD inline void adam_element(T& param, T& m, T& v, T g, const adam_coefficients<T>& c) {
    T p = param;
    if (c.decoupled) p -= c.lr * c.wd * p;
    else g += c.wd * p;
    m = c.b1 * m + (T(1) - c.b1) * g;
    v = c.b2 * v + (T(1) - c.b2) * g * g;
    param = p - c.step_size * m / (std::sqrt(v) * c.bias2 + c.eps);
}

template <class T, class Dev = cpu>
class adam;

template <class T>
class adam<T, cpu> {
public:
    explicit adam(adam_options o = {}) : o_(o) {}

    const adam_options& options() const { return o_; }
    long steps() const { return t_; }

    /// One update of `params` from `grads` (same size on every call), skipping frozen parameters.
    void step(std::span<T> params, std::span<const T> grads, std::span<const std::uint8_t> trainable = {}) {
        prepare(params, grads, trainable);
        update(params, grads, trainable, 0, params.size());
    }
    /// The same, split over the context's threads (element-wise: the result does not depend on them).
    void step(context<cpu>& ctx, std::span<T> params, std::span<const T> grads,
              std::span<const std::uint8_t> trainable = {}) {
        prepare(params, grads, trainable);
        ctx.pool().parallel_for(static_cast<index_t>(params.size()), 8.0, [&](index_t b, index_t e, int) {
            update(params, grads, trainable, static_cast<std::size_t>(b), static_cast<std::size_t>(e));
        });
    }

private:
    void prepare(std::span<T> params, std::span<const T> grads, std::span<const std::uint8_t> trainable) {
        if (params.size() != grads.size() || (!trainable.empty() && trainable.size() != params.size()))
            throw shape_error("adam: " + std::to_string(params.size()) + " parameters but " +
                              std::to_string(grads.size()) + " gradients");
        if (m_.size() != params.size()) {
            if (t_ != 0)
                throw shape_error("adam: the parameter count changed from " + std::to_string(m_.size()) +
                                  " to " + std::to_string(params.size()));
            m_.resize(params.size());
            v_.resize(params.size());
        }
        ++t_;
    }
    void update(std::span<T> params, std::span<const T> grads, std::span<const std::uint8_t> trainable,
                std::size_t begin, std::size_t end) {
        const auto c = adam_coefficients<T>::of(o_, t_);
        T* m = m_.data();
        T* v = v_.data();
        for (std::size_t i = begin; i < end; ++i) {
            if (!trainable.empty() && !trainable[i]) continue;
            adam_element(params[i], m[i], v[i], grads[i], c);
        }
    }

    adam_options o_;
    aligned_buffer<T> m_, v_;
    long t_ = 0;
};

struct sgd_options {
    double lr = 0.01;
    double momentum = 0.0;
    double weight_decay = 0.0;
    bool nesterov = false;
};

/// SGD's per-step constants (`first`: no momentum buffer yet).
template <class T>
struct sgd_coefficients {
    T lr, mu, wd;
    bool nesterov, first;
    static sgd_coefficients of(const sgd_options& o, long t) {
        return {T(o.lr), T(o.momentum), T(o.weight_decay), o.nesterov, t == 0};
    }
};

/// One parameter's SGD update; `buffer` (the momentum) is null without momentum.
template <class T>
SEQNET_HD inline void sgd_element(T& param, T* buffer, T g, const sgd_coefficients<T>& c) {
    g += c.wd * param;
    if (buffer) {
        *buffer = c.first ? g : c.mu * *buffer + g;
        g = c.nesterov ? g + c.mu * *buffer : *buffer;
    }
    param -= c.lr * g;
}

template <class T, class Dev = cpu>
class sgd;

template <class T>
class sgd<T, cpu> {
public:
    explicit sgd(sgd_options o = {}) : o_(o) {}

    const sgd_options& options() const { return o_; }
    long steps() const { return t_; }

    void step(std::span<T> params, std::span<const T> grads, std::span<const std::uint8_t> trainable = {}) {
        if (params.size() != grads.size() || (!trainable.empty() && trainable.size() != params.size()))
            throw shape_error("sgd: " + std::to_string(params.size()) + " parameters but " +
                              std::to_string(grads.size()) + " gradients");
        if (o_.momentum != 0.0 && buf_.size() != params.size()) {
            if (t_ != 0) throw shape_error("sgd: the parameter count changed");
            buf_.resize(params.size());
        }
        const auto c = sgd_coefficients<T>::of(o_, t_);
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (!trainable.empty() && !trainable[i]) continue;
            sgd_element(params[i], o_.momentum != 0.0 ? &buf_[i] : nullptr, grads[i], c);
        }
        ++t_;
    }

private:
    sgd_options o_;
    aligned_buffer<T> buf_;
    long t_ = 0;
};

/// Scales `grads` so that their 2-norm is at most `max_norm` (torch.nn.utils.clip_grad_norm_); returns
/// the norm before clipping. Only trainable entries count when a mask is given.
template <class T>
double clip_gradient_norm(std::span<T> grads, double max_norm, std::span<const std::uint8_t> trainable = {}) {
    double sq = 0.0;
    for (std::size_t i = 0; i < grads.size(); ++i)
        if (trainable.empty() || trainable[i]) sq += double(grads[i]) * double(grads[i]);
    const double norm = std::sqrt(sq);
    if (max_norm > 0 && norm > max_norm) {
        const T scale = T(max_norm / (norm + 1e-6));
        for (auto& g : grads) g *= scale;
    }
    return norm;
}

}  // namespace seqnet
