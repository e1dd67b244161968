// seqnet/train/gpu/optimizers.hpp -- Adam, AdamW and SGD on a GPU device: one thread per parameter, the
// same per-parameter update as the CPU (train/optimizers.hpp's adam_element and sgd_element), with the
// state and the optional trainable mask in device memory. Also the L1/L2 penalties and gradient-norm
// clipping the trainer applies before a step.
#pragma once

#include <seqnet/backend/device_memory.hpp>
#include <seqnet/backend/gpu/runtime.hpp>
#include <seqnet/train/optimizers.hpp>

#include <cmath>
#include <vector>

namespace seqnet {

namespace gpu_kernels {

template <class T>
struct adam_step {
    T* params;
    const T* grads;
    T* m;
    T* v;
    const std::uint8_t* trainable;  // null: all
    adam_coefficients<T> c;
    SEQNET_HD void operator()(index_t i) const {
        if (trainable && !trainable[i]) return;
        adam_element(params[i], m[i], v[i], grads[i], c);
    }
};

template <class T>
struct sgd_step {
    T* params;
    const T* grads;
    T* buffer;  // null: no momentum
    const std::uint8_t* trainable;
    sgd_coefficients<T> c;
    SEQNET_HD void operator()(index_t i) const {
        if (trainable && !trainable[i]) return;
        sgd_element(params[i], buffer ? buffer + i : nullptr, grads[i], c);
    }
};

/// g += l1 sign(p) + 2 l2 p where penalised.
template <class T>
struct add_penalties {
    T* grads;
    const T* params;
    const std::uint8_t* penalised;
    T l1, two_l2;
    SEQNET_HD void operator()(index_t i) const {
        if (!penalised[i]) return;
        const T p = params[i];
        grads[i] += l1 * T((p > T(0)) - (p < T(0))) + two_l2 * p;
    }
};

/// Thread b: the sum of squares of block b of the (trainable) gradients.
template <class T>
struct block_squares {
    const T* grads;
    const std::uint8_t* trainable;
    double* partial;
    index_t n, block;
    SEQNET_HD void operator()(index_t b) const {
        double s = 0;
        const index_t end = min_of(n, (b + 1) * block);
        for (index_t i = b * block; i < end; ++i)
            if (!trainable || trainable[i]) s += double(grads[i]) * double(grads[i]);
        partial[b] = s;
    }
};

template <class T>
struct scale_values {
    T* values;
    T factor;
    SEQNET_HD void operator()(index_t i) const { values[i] *= factor; }
};

}  // namespace gpu_kernels

namespace detail {
template <class T, class Dev>
void check_optimizer_sizes(const char* name, std::span<T> params, std::span<const T> grads,
                           std::span<const std::uint8_t> trainable) {
    if (params.size() != grads.size() || (!trainable.empty() && trainable.size() != params.size()))
        throw shape_error(std::string(name) + ": " + std::to_string(params.size()) + " parameters but " +
                          std::to_string(grads.size()) + " gradients and " + std::to_string(trainable.size()) +
                          " mask entries");
}
}  // namespace detail

/// Adam on a GPU device: params, grads and the mask (if any) are device memory.
template <class T, gpu_device Dev>
class adam<T, Dev> {
public:
    explicit adam(adam_options o = {}) : o_(o) {}
    const adam_options& options() const { return o_; }
    long steps() const { return t_; }

    void step(context<Dev>& ctx, std::span<T> params, std::span<const T> grads,
              std::span<const std::uint8_t> trainable = {}) {
        detail::check_optimizer_sizes<T, Dev>("adam", params, grads, trainable);
        const auto n = static_cast<index_t>(params.size());
        if (m_.size() != params.size()) {
            if (t_ != 0) throw shape_error("adam: the parameter count changed");
            m_.resize(params.size());
            v_.resize(params.size());
            device_memory<Dev>::zero(m_.data(), n);
            device_memory<Dev>::zero(v_.data(), n);
        }
        ++t_;
        gpu_runtime<Dev>::for_each(ctx, n,
                                   gpu_kernels::adam_step<T>{params.data(), grads.data(), m_.data(), v_.data(),
                                                             trainable.empty() ? nullptr : trainable.data(),
                                                             adam_coefficients<T>::of(o_, t_)});
    }

private:
    adam_options o_;
    typename device_memory<Dev>::template buffer<T> m_, v_;
    long t_ = 0;
};

/// SGD (with momentum) on a GPU device.
template <class T, gpu_device Dev>
class sgd<T, Dev> {
public:
    explicit sgd(sgd_options o = {}) : o_(o) {}
    const sgd_options& options() const { return o_; }
    long steps() const { return t_; }

    void step(context<Dev>& ctx, std::span<T> params, std::span<const T> grads,
              std::span<const std::uint8_t> trainable = {}) {
        detail::check_optimizer_sizes<T, Dev>("sgd", params, grads, trainable);
        const auto n = static_cast<index_t>(params.size());
        if (o_.momentum != 0.0 && buf_.size() != params.size()) {
            if (t_ != 0) throw shape_error("sgd: the parameter count changed");
            buf_.resize(params.size());
        }
        gpu_runtime<Dev>::for_each(ctx, n,
                                   gpu_kernels::sgd_step<T>{params.data(), grads.data(),
                                                            o_.momentum != 0.0 ? buf_.data() : nullptr,
                                                            trainable.empty() ? nullptr : trainable.data(),
                                                            sgd_coefficients<T>::of(o_, t_)});
        ++t_;
    }

private:
    sgd_options o_;
    typename device_memory<Dev>::template buffer<T> buf_;
    long t_ = 0;
};

/// Where clip_gradient_norm on a GPU sums: per-block partial sums on the device and on the host. They
/// only grow, so a trainer that keeps one allocates nothing per step.
template <class Dev>
struct gradient_norm_scratch {
    typename device_memory<Dev>::template buffer<double> partial;
    std::vector<double> host;
};

/// The 2-norm of the (trainable) gradients, and their scaling to at most max_norm (if positive), as
/// clip_gradient_norm does on the host. Blocks of 4096 are summed on the device, the blocks on the host.
template <class T, gpu_device Dev>
double clip_gradient_norm(context<Dev>& ctx, std::span<T> grads, double max_norm, std::span<const std::uint8_t> trainable,
                          gradient_norm_scratch<Dev>& scratch) {
    constexpr index_t block = 4096;
    const auto n = static_cast<index_t>(grads.size());
    const index_t blocks = (n + block - 1) / block;
    grow_to(scratch.partial, blocks);
    grow_to(scratch.host, blocks);
    gpu_runtime<Dev>::for_each(ctx, blocks,
                               gpu_kernels::block_squares<T>{grads.data(), trainable.empty() ? nullptr : trainable.data(),
                                                             scratch.partial.data(), n, block});
    device_memory<Dev>::download(scratch.host.data(), scratch.partial.data(), blocks);
    double sq = 0.0;
    for (index_t b = 0; b < blocks; ++b) sq += scratch.host[static_cast<std::size_t>(b)];
    const double norm = std::sqrt(sq);
    if (max_norm > 0 && norm > max_norm)
        gpu_runtime<Dev>::for_each(ctx, n, gpu_kernels::scale_values<T>{grads.data(), T(max_norm / (norm + 1e-6))});
    return norm;
}

/// The same with scratch of its own (allocated per call).
template <class T, gpu_device Dev>
double clip_gradient_norm(context<Dev>& ctx, std::span<T> grads, double max_norm, std::span<const std::uint8_t> trainable = {}) {
    gradient_norm_scratch<Dev> scratch;
    return clip_gradient_norm(ctx, grads, max_norm, trainable, scratch);
}

}  // namespace seqnet
