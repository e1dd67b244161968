// seqnet/layers/gpu/motif_conv1d.hpp -- the motif convolution on a GPU device. As on the CPU
// (layers/motif_conv1d.hpp), the logits become log-odds weights, here one thread per filter position,
// and the weights run as a GPU conv1d; backward folds the bank's weight gradient through the
// log-softmax, with the information penalty, one thread per filter position (in double, as on the CPU).
#pragma once

#include <seqnet/backend/device_memory.hpp>
#include <seqnet/layers/gpu/conv1d.hpp>
#include <seqnet/layers/motif_conv1d.hpp>

#include <cmath>

namespace seqnet {

namespace gpu_kernels {

/// The base background q and the filter geometry that the motif kernels share.
struct motif_geometry {
    index_t F, K;
    double background[4];
    /// Index of theta[f, c, k] for filter position i = f K + k.
    SEQNET_HD index_t at(index_t i, index_t c) const { return ((i / K) * 4 + c) * K + i % K; }
};

/// Thread i < F K: filter position (f, k); p = softmax of the logits over the bases, the bank's weight
/// log2(p / q). Threads F K .. F K + F - 1 copy the biases (when there are any).
template <class T>
struct motif_log_odds {
    const T* theta;
    const T* bias;  // null without bias
    T* probs;
    T* bank;
    motif_geometry g;
    SEQNET_HD void operator()(index_t i) const {
        const index_t positions = g.F * g.K;
        if (i >= positions) {
            bank[4 * positions + (i - positions)] = bias[i - positions];
            return;
        }
        T top = theta[g.at(i, 0)];
        for (index_t c = 1; c < 4; ++c) top = max_of(top, theta[g.at(i, c)]);
        T e[4], sum = 0;
        for (index_t c = 0; c < 4; ++c) sum += (e[c] = std::exp(theta[g.at(i, c)] - top));
        for (index_t c = 0; c < 4; ++c) {
            const T p = e[c] / sum;
            probs[g.at(i, c)] = p;
            bank[g.at(i, c)] = T(std::log2(double(p) / g.background[c]));
        }
    }
};

/// Thread i < F K: dtheta += (dW - p sum_b dW_b) / ln 2, plus the information penalty's gradient;
/// threads F K .. F K + F - 1 add the bias gradients.
template <class T>
struct fold_motif_gradients {
    const T* bank_grad;
    const T* probs;
    T* dtheta;
    T* db;
    double penalty;
    motif_geometry g;
    SEQNET_HD void operator()(index_t i) const {
        const index_t positions = g.F * g.K;
        if (i >= positions) {
            db[i - positions] += bank_grad[4 * positions + (i - positions)];
            return;
        }
        double sum = 0, ic = 0;
        for (index_t c = 0; c < 4; ++c) {
            const double p = probs[g.at(i, c)];
            sum += bank_grad[g.at(i, c)];
            if (p > 0) ic += p * std::log2(p / g.background[c]);
        }
        constexpr double ln2 = 0.69314718055994530942;
        for (index_t c = 0; c < 4; ++c) {
            const index_t j = g.at(i, c);
            const double p = probs[j];
            double d = (double(bank_grad[j]) - p * sum) / ln2;
            if (penalty > 0 && p > 0) d += penalty * p * (std::log2(p / g.background[c]) - ic);
            dtheta[j] += T(d);
        }
    }
};

}  // namespace gpu_kernels

template <class T, gpu_device Dev>
class motif_conv1d_layer<T, Dev> : public motif_conv1d_layer<T, cpu> {
    using cpu_layer = motif_conv1d_layer<T, cpu>;
    using memory = device_memory<Dev>;

public:
    using device_type = Dev;

    motif_conv1d_layer(const motif_conv1d_options& o, shape in)
        : cpu_layer(o, in), bank_(o.bank(), in), probs_(static_cast<std::size_t>(this->weight_size())) {}

    /// The convolution it runs, with the log-odds weights of the last forward pass (on the device).
    const conv1d_layer<T, Dev>& bank() const { return bank_.conv; }

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase ph) {
        gpu_runtime<Dev>::for_each(ctx, positions() + (this->b_ ? this->opts_.filters : 0),
                                   gpu_kernels::motif_log_odds<T>{this->theta_, this->b_, probs_.data(), bank_.weights.data(),
                                                                  geometry()});
        bank_.conv.forward(ctx, x, y, ph);
    }

    void backward(context<Dev>& ctx, const_batch_view<T, Dev> x, const_batch_view<T, Dev> y,
                  const_batch_view<T, Dev> dy, batch_view<T, Dev> dx, grad_mode mode) {
        const bool params = mode == grad_mode::parameters;
        if (params) memory::zero(bank_.grads.data(), bank_.conv.parameter_count());
        bank_.conv.backward(ctx, x, y, dy, dx, mode);
        if (!params) return;
        gpu_runtime<Dev>::for_each(ctx, positions() + (this->db_ ? this->opts_.filters : 0),
                                   gpu_kernels::fold_motif_gradients<T>{bank_.grads.data(), probs_.data(), this->dtheta_,
                                                                        this->db_, this->opts_.ic_penalty, geometry()});
    }

private:
    index_t positions() const { return this->opts_.filters * this->opts_.kernel; }
    gpu_kernels::motif_geometry geometry() const {
        const auto& q = this->opts_.background;
        return {this->opts_.filters, this->opts_.kernel, {q[0], q[1], q[2], q[3]}};
    }

    gpu_filter_bank<T, Dev> bank_;
    typename memory::template buffer<T> probs_;  // p of the last forward pass, for backward
};

}  // namespace seqnet
