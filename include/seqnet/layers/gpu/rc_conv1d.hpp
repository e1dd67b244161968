// seqnet/layers/gpu/rc_conv1d.hpp -- the reverse-complement parameter-sharing convolution on a GPU
// device. As on the CPU (layers/rc_conv1d.hpp), the F shared filters are expanded into a 2F-filter bank,
// here by a kernel, and the bank runs as a GPU conv1d; max or sum over the strands, their routing in
// backward, and the fold of the bank's gradients onto the shared parameters are one thread per value.
#pragma once

#include <seqnet/layers/gpu/conv1d.hpp>
#include <seqnet/layers/rc_conv1d.hpp>

namespace seqnet {

namespace gpu_kernels {

/// Thread i over the bank's weights (2F x C x K) then biases (2F): filter 2F-1-f is filter f with taps
/// reversed and channels mirrored, with f's bias.
template <class T>
struct expand_rc_bank {
    const T* w;
    const T* b;  // null without bias
    T* bank;
    index_t F, C, K;
    SEQNET_HD void operator()(index_t i) const {
        const index_t per_filter = C * K, weights = 2 * F * per_filter;
        if (i >= weights) {
            const index_t g = i - weights;
            bank[i] = b[g < F ? g : 2 * F - 1 - g];
            return;
        }
        const index_t g = i / per_filter, c = (i % per_filter) / K, k = i % K;
        bank[i] = g < F ? w[i] : w[((2 * F - 1 - g) * C + (C - 1 - c)) * K + (K - 1 - k)];
    }
};

/// Thread i over the shared weights (F x C x K) then biases (F): the sum of the gradients of a filter
/// and of its partner's mirrored tap.
template <class T>
struct fold_rc_gradients {
    const T* bank_grad;
    T* dw;
    T* db;  // null without bias
    index_t F, C, K;
    SEQNET_HD void operator()(index_t i) const {
        const index_t per_filter = C * K, weights = F * per_filter;
        if (i >= weights) {
            const index_t f = i - weights;
            const T* gb = bank_grad + 2 * weights;
            db[f] += gb[f] + gb[2 * F - 1 - f];
            return;
        }
        const index_t f = i / per_filter, c = (i % per_filter) / K, k = i % K;
        dw[i] += bank_grad[i] + bank_grad[(2 * F - 1 - f) * per_filter + (C - 1 - c) * K + (K - 1 - k)];
    }
};

/// Thread i over y (N x F x L): the max or sum of filter f and its partner 2F-1-f.
template <class T>
struct combine_strands {
    const T* full;  // N x 2F x L
    T* y;
    index_t F, L;
    bool sum;
    SEQNET_HD void operator()(index_t i) const {
        const index_t j = i % L, f = (i / L) % F, n = i / (L * F);
        const T a = full[(n * 2 * F + f) * L + j], p = full[(n * 2 * F + 2 * F - 1 - f) * L + j];
        y[i] = sum ? a + p : (p > a ? p : a);
    }
};

/// Thread i over dy (N x F x L): its gradient to both strands (sum) or to the strand that won (max; ties
/// to the forward filter).
template <class T>
struct route_strands {
    const T* full;
    const T* dy;
    T* dfull;
    index_t F, L;
    bool sum;
    SEQNET_HD void operator()(index_t i) const {
        const index_t j = i % L, f = (i / L) % F, n = i / (L * F);
        const index_t a = (n * 2 * F + f) * L + j, p = (n * 2 * F + 2 * F - 1 - f) * L + j;
        const bool partner_wins = !sum && full[p] > full[a], forward_wins = !sum && !partner_wins;
        dfull[a] = partner_wins ? T(0) : dy[i];
        dfull[p] = forward_wins ? T(0) : dy[i];
    }
};

}  // namespace gpu_kernels

template <class T, gpu_device Dev>
class rc_conv1d_layer<T, Dev> : public rc_conv1d_layer<T, cpu> {
    using cpu_layer = rc_conv1d_layer<T, cpu>;
    using memory = device_memory<Dev>;

public:
    using device_type = Dev;

    rc_conv1d_layer(const rc_conv1d_options& o, shape in) : cpu_layer(o, in), bank_(o.full_bank(), in) {}

    /// The 2F-filter bank on the device, with the weights of the last forward pass.
    const conv1d_layer<T, Dev>& bank() const { return bank_.conv; }
    conv1d_layer<T, Dev>& bank() { return bank_.conv; }
    /// Both strands' outputs (2F channels) of the last forward pass (strands::max and strands::sum).
    const_batch_view<T, Dev> strand_outputs(index_t batch) const {
        return {full_.data(), batch, bank().output_shape()};
    }

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase ph) {
        const index_t F = this->opts_.filters, C = this->in_.channels, K = this->opts_.kernel;
        auto& bank = bank_.conv;
        gpu_runtime<Dev>::for_each(ctx, bank.parameter_count(),
                                   gpu_kernels::expand_rc_bank<T>{this->w_, this->b_, bank_.weights.data(), F, C, K});
        if (this->opts_.combine == strands::both) {
            bank.forward(ctx, x, y, ph);
            return;
        }
        grow_to(full_, x.batch * bank.output_shape().size());
        bank.forward(ctx, x, {full_.data(), x.batch, bank.output_shape()}, ph);
        gpu_runtime<Dev>::for_each(ctx, y.size(), gpu_kernels::combine_strands<T>{full_.data(), y.data, F, this->out_.length,
                                                                                   this->opts_.combine == strands::sum});
    }

    void backward(context<Dev>& ctx, const_batch_view<T, Dev> x, const_batch_view<T, Dev> y,
                  const_batch_view<T, Dev> dy, batch_view<T, Dev> dx, grad_mode mode) {
        const index_t F = this->opts_.filters, C = this->in_.channels, K = this->opts_.kernel;
        auto& bank = bank_.conv;
        const shape bank_out = bank.output_shape();
        const_batch_view<T, Dev> full_y = y, full_dy = dy;
        if (this->opts_.combine != strands::both) {
            grow_to(dfull_, x.batch * bank_out.size());
            gpu_runtime<Dev>::for_each(ctx, dy.size(),
                                       gpu_kernels::route_strands<T>{full_.data(), dy.data, dfull_.data(), F, this->out_.length,
                                                                     this->opts_.combine == strands::sum});
            full_y = {full_.data(), x.batch, bank_out};
            full_dy = {dfull_.data(), x.batch, bank_out};
        }
        const bool params = mode == grad_mode::parameters;
        if (params) memory::zero(bank_.grads.data(), bank.parameter_count());
        bank.backward(ctx, x, full_y, full_dy, dx, mode);
        if (!params) return;
        gpu_runtime<Dev>::for_each(ctx, this->parameter_count(),
                                   gpu_kernels::fold_rc_gradients<T>{bank_.grads.data(), this->dw_, this->db_, F, C, K});
    }

private:
    gpu_filter_bank<T, Dev> bank_;
    typename memory::template buffer<T> full_, dfull_;  // both strands' outputs and their gradient
};

}  // namespace seqnet
