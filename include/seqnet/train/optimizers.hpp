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

template <class T>
class adam {
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
        const T b1 = T(o_.beta1), b2 = T(o_.beta2), eps = T(o_.eps), wd = T(o_.weight_decay);
        const T step_size = T(o_.lr / (1.0 - std::pow(o_.beta1, double(t_))));
        const T bias2 = T(1.0 / std::sqrt(1.0 - std::pow(o_.beta2, double(t_))));
        const T lr = T(o_.lr);
        T* m = m_.data();
        T* v = v_.data();
        for (std::size_t i = begin; i < end; ++i) {
            if (!trainable.empty() && !trainable[i]) continue;
            T g = grads[i];
            T p = params[i];
            if (o_.decoupled_weight_decay) p -= lr * wd * p;
            else g += wd * p;
            m[i] = b1 * m[i] + (T(1) - b1) * g;
            v[i] = b2 * v[i] + (T(1) - b2) * g * g;
            params[i] = p - step_size * m[i] / (std::sqrt(v[i]) * bias2 + eps);
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

template <class T>
class sgd {
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
        const T lr = T(o_.lr), mu = T(o_.momentum), wd = T(o_.weight_decay);
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (!trainable.empty() && !trainable[i]) continue;
            T g = grads[i] + wd * params[i];
            if (o_.momentum != 0.0) {
                buf_[i] = t_ == 0 ? g : mu * buf_[i] + g;
                g = o_.nesterov ? g + mu * buf_[i] : buf_[i];
            }
            params[i] -= lr * g;
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
