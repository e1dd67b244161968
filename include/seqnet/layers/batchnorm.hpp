// seqnet/layers/batchnorm.hpp -- batch normalisation over (batch, length) per channel (BatchNorm1d).
//
// Training: each channel is normalised with its batch mean and biased variance over N x L values;
// running statistics move as running = (1 - momentum) * running + momentum * batch, with the unbiased
// variance, as PyTorch does. Inference: y = a * x + (beta - a * mean), a = gamma / sqrt(var + eps)
// (SCIENCE.md section 5), which the model folds into the preceding conv or dense epilogue.
// Parameters "weight" (gamma) and "bias" (beta), buffers "running_mean" and "running_var": PyTorch's
// state_dict names. Works on conv outputs (C, L) and dense outputs (U, 1) alike.
#pragma once

#include <seqnet/backend/cpu/reduce.hpp>
#include <seqnet/layers/layer_base.hpp>
#include <seqnet/layers/fusion.hpp>

#include <cmath>
#include <vector>

namespace seqnet {

struct batchnorm_options {
    double eps = 1e-5;
    double momentum = 0.1;
    constexpr shape_result output_shape(shape in) const {
        if (!(eps > 0.0)) return {{}, "eps must be positive"};
        if (!(momentum >= 0.0 && momentum <= 1.0)) return {{}, "momentum must be in [0, 1]"};
        return {in};
    }
};

/// The inference map of one channel, y = a x + b: a = gamma / sqrt(running_var + eps),
/// b = beta - a running_mean. One definition for the CPU layer, the GPU layer and the GPU epilogue.
template <class T>
struct channel_affine {
    T a, b;
};
template <class T>
SEQNET_HD channel_affine<T> batchnorm_inference_map(T gamma, T beta, T running_mean, T running_var, double eps) {
    const T a = gamma / std::sqrt(running_var + T(eps));
    return {a, beta - a * running_mean};
}

template <class T, class Dev = cpu>
class batchnorm_layer : public layer_base<batchnorm_layer<T, Dev>, T, Dev, batchnorm_options> {
    using base = layer_base<batchnorm_layer<T, Dev>, T, Dev, batchnorm_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "batchnorm";
    /// Its scale and shift are not weights: L1/L2 penalties leave them alone (a layer without this
    /// member has its "weight" tensors penalised).
    static constexpr bool penalised_weights = false;

    batchnorm_layer(const batchnorm_options& o, shape in) : base(o, in) {
        const auto C = static_cast<std::size_t>(in.channels);
        running_mean_.resize(C);
        running_var_.resize(C);
        running_var_.fill(T(1));
        batch_mean_.resize(C);
        batch_inv_std_.resize(C);
    }

    window receptive_field() const { return pointwise_window; }
    index_t parameter_count() const { return 2 * in_.channels; }

    void bind_parameters(T* values, T* grads) {
        gamma_ = values;
        beta_ = values + in_.channels;
        dgamma_ = grads;
        dbeta_ = grads + in_.channels;
    }
    template <class F>
    void visit_parameters(F&& f) {
        f("weight", vec(gamma_), vec(dgamma_));
        f("bias", vec(beta_), vec(dbeta_));
    }
    /// Non-learned state, saved with the model.
    template <class F>
    void visit_buffers(F&& f) {
        f("running_mean", vec(running_mean_.data()));
        f("running_var", vec(running_var_.data()));
    }
    void initialize(random_engine&, init) {
        for (index_t c = 0; c < in_.channels; ++c) {
            gamma_[c] = T(1);
            beta_[c] = T(0);
        }
        running_mean_.fill(T(0));
        running_var_.fill(T(1));
    }

    /// a and b of the inference map y = a x + b for channel c.
    std::pair<T, T> inference_affine(index_t c) const {
        const auto m = batchnorm_inference_map(gamma_[c], beta_[c], running_mean_[c], running_var_[c], opts_.eps);
        return {m.a, m.b};
    }
    /// a of the inference map of every channel.
    std::vector<T> inference_scales() const {
        std::vector<T> a(static_cast<std::size_t>(in_.channels));
        for (index_t c = 0; c < in_.channels; ++c) a[static_cast<std::size_t>(c)] = inference_affine(c).first;
        return a;
    }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase ph) {
        const index_t N = x.batch, C = in_.channels, L = in_.length;
        last_ = ph;
        ctx.pool().parallel_for(C, 4.0 * N * L, [&](index_t c0, index_t c1, int) {
            for (index_t c = c0; c < c1; ++c) {
                T a, b;
                if (ph == phase::training) {
                    // Two-pass mean and variance: rows summed in float vectors, rows added in double.
                    double sum = 0.0;
                    for (index_t n = 0; n < N; ++n) sum += cpu_kernels::row_sum(x.row(n, c), L);
                    const double count = static_cast<double>(N * L);
                    const double mean = sum / count;
                    double ss = 0.0;
                    for (index_t n = 0; n < N; ++n)
                        ss += cpu_kernels::row_sum_squared_deviation(x.row(n, c), L, T(mean));
                    const double var = ss / count;
                    const double inv_std = 1.0 / std::sqrt(var + opts_.eps);
                    batch_mean_[c] = mean;
                    batch_inv_std_[c] = inv_std;
                    const double unbiased = count > 1 ? ss / (count - 1) : var;
                    running_mean_[c] = T((1 - opts_.momentum) * running_mean_[c] + opts_.momentum * mean);
                    running_var_[c] = T((1 - opts_.momentum) * running_var_[c] + opts_.momentum * unbiased);
                    a = T(gamma_[c] * inv_std);
                    b = T(beta_[c] - gamma_[c] * inv_std * mean);
                } else {
                    std::tie(a, b) = inference_affine(c);
                }
                for (index_t n = 0; n < N; ++n) {
                    const T* r = x.row(n, c);
                    T* o = y.row(n, c);
                    for (index_t l = 0; l < L; ++l) o[l] = a * r[l] + b;
                }
            }
        });
    }

    void backward(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T>, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode mode) {
        const index_t N = x.batch, C = in_.channels, L = in_.length;
        const bool training = last_ == phase::training;
        ctx.pool().parallel_for(C, 4.0 * N * L, [&](index_t c0, index_t c1, int) {
            for (index_t c = c0; c < c1; ++c) {
                const double mean = training ? batch_mean_[c] : double(running_mean_[c]);
                const double inv_std = training ? batch_inv_std_[c]
                                                : 1.0 / std::sqrt(double(running_var_[c]) + opts_.eps);
                // The channel sums feed the parameter gradients and the training-mode dx; at inference
                // with only dx asked for, the layer is a fixed affine map and needs none of them.
                double sum_dy = 0.0, sum_dy_xhat = 0.0;
                if (training || mode == grad_mode::parameters) {
                    // Rows are centred on the float nearest the mean; sum(dy * (x - mean)) is that sum
                    // plus (float mean - mean) * sum(dy).
                    const T centre = T(mean);
                    double sum_dy_xc = 0.0;
                    for (index_t n = 0; n < N; ++n) {
                        const auto [s, d] = cpu_kernels::row_sum_and_centred_dot(dy.row(n, c), x.row(n, c), L, centre);
                        sum_dy += s;
                        sum_dy_xc += d;
                    }
                    sum_dy_xhat = (sum_dy_xc + (double(centre) - mean) * sum_dy) * inv_std;
                }
                if (mode == grad_mode::parameters) {
                    dgamma_[c] += T(sum_dy_xhat);
                    dbeta_[c] += T(sum_dy);
                }
                if (dx.empty()) continue;
                if (!training) {  // dx = scale * dy
                    const T k = T(gamma_[c] * inv_std);
                    for (index_t n = 0; n < N; ++n) {
                        const T* g = dy.row(n, c);
                        T* d = dx.row(n, c);
                        for (index_t l = 0; l < L; ++l) d[l] = k * g[l];
                    }
                    continue;
                }
                // dx = gamma * inv_std * (dy - mean(dy) - xhat * mean(dy * xhat)), in double: with few
                // values per channel the three terms nearly cancel.
                const double count = static_cast<double>(N * L);
                const double m_dy = sum_dy / count, m_dyx = sum_dy_xhat / count;
                const double kd = double(gamma_[c]) * double(inv_std);
                const double slope = -kd * inv_std * m_dyx, shift = -kd * m_dy;  // of (x - mean), constant
                for (index_t n = 0; n < N; ++n) {
                    const T* xr = x.row(n, c);
                    const T* g = dy.row(n, c);
                    T* d = dx.row(n, c);
                    for (index_t l = 0; l < L; ++l)
                        d[l] = T(kd * double(g[l]) + slope * (double(xr[l]) - mean) + shift);
                }
            }
        });
    }

    bool fuse_into(epilogue_builder<T>& e) const {
        if (!e.accepts_affine()) return false;
        for (index_t c = 0; c < in_.channels; ++c) {
            const auto [a, b] = inference_affine(c);
            e.affine(c, a, b);
        }
        return true;
    }

protected:
    param_view<T> vec(T* p) const { return {p, {in_.channels, 1, 1}, 1}; }

    T *gamma_ = nullptr, *beta_ = nullptr, *dgamma_ = nullptr, *dbeta_ = nullptr;
    aligned_buffer<T> running_mean_, running_var_;
    aligned_buffer<double> batch_mean_, batch_inv_std_;  // double: the training backward cancels terms
    phase last_ = phase::inference;
};

/// Compile-time spec with PyTorch's defaults (eps 1e-5, momentum 0.1).
struct batchnorm : spec_of<batchnorm_options{}, batchnorm_layer> {};
/// Compile-time spec with other settings, e.g. batchnorm_with<1e-3, 0.01> for Keras' defaults.
template <double Eps, double Momentum = 0.1>
struct batchnorm_with : spec_of<batchnorm_options{Eps, Momentum}, batchnorm_layer> {};

}  // namespace seqnet
