// seqnet/layers/bilstm.hpp -- bidirectional LSTM over the sequence axis (DanQ; SCIENCE.md section 9).
//
// One LSTM reads positions 0..T-1, a second (its own weights) reads T-1..0; the output at position t is
// [h_fwd_t ; h_bwd_t]: (D, T) -> (2H, T). Gates in PyTorch's order i, f, g, o with the logistic sigmoid:
//   z = W_ih x_t + b_ih + W_hh h_prev + b_hh,  i, f, o = sigmoid(z_i, z_f, z_o),  g = tanh(z_g)
//   c_t = f c_prev + i g,  h_t = o tanh(c_t),  h and c start at 0.
// Parameters use nn.LSTM(bidirectional=True)'s names and layouts: weight_ih_l0 (4H x D), weight_hh_l0
// (4H x H), bias_ih_l0, bias_hh_l0 (4H), and the same with the suffix _reverse. Backward is
// back-propagation through time from gates cached by the forward pass. A stop layer for fast ISM:
// every output depends on every input. Cost: 16 H (D + H) flops per position and sample.
#pragma once

#include <seqnet/backend/cpu/gemm.hpp>
#include <seqnet/layers/activations.hpp>
#include <seqnet/layers/layer_base.hpp>
#include <seqnet/tensor/buffer.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace seqnet {

struct bilstm_options {
    index_t hidden = 1;  ///< H per direction

    constexpr shape_result output_shape(shape in) const {
        if (hidden < 1) return {{}, "hidden size must be at least 1"};
        if (in.length != dyn && in.length < 1) return {{}, "the input is empty"};
        return {{2 * hidden, in.length}};
    }
};

template <class T, class Dev = cpu>
class bilstm_layer : public layer_base<bilstm_layer<T, Dev>, T, Dev, bilstm_options> {
    using base = layer_base<bilstm_layer<T, Dev>, T, Dev, bilstm_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "bilstm";

    bilstm_layer(const bilstm_options& o, shape in) : base(o, in) {}

    window receptive_field() const { return {1, 1, 1, 0, true}; }
    index_t parameter_count() const { return 2 * direction_size(); }
    index_t flops() const { return 2 * 2 * 4 * opts_.hidden * (in_.channels + opts_.hidden) * in_.length; }

    void bind_parameters(T* values, T* grads) {
        values_ = values;
        grads_ = grads;
    }
    template <class F>
    void visit_parameters(F&& f) {
        const index_t H4 = 4 * opts_.hidden, D = in_.channels, H = opts_.hidden;
        for (int dir = 0; dir < 2; ++dir) {
            const std::string suffix = dir ? "_reverse" : "";
            const index_t base = dir * direction_size();
            f("weight_ih_l0" + suffix, view(values_ + base, H4, D), view(grads_ + base, H4, D));
            f("weight_hh_l0" + suffix, view(values_ + base + H4 * D, H4, H), view(grads_ + base + H4 * D, H4, H));
            f("bias_ih_l0" + suffix, view(values_ + base + H4 * (D + H), H4), view(grads_ + base + H4 * (D + H), H4));
            f("bias_hh_l0" + suffix, view(values_ + base + H4 * (D + H + 1), H4),
              view(grads_ + base + H4 * (D + H + 1), H4));
        }
    }
    /// PyTorch's default: every weight and bias U(-1/sqrt(H), 1/sqrt(H)), whatever `scheme` says.
    void initialize(random_engine& rng, init) {
        const double b = 1.0 / std::sqrt(double(opts_.hidden));
        for (index_t i = 0; i < parameter_count(); ++i) values_[i] = T(rng.uniform(-b, b));
    }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase) {
        using namespace cpu_kernels;
        const index_t N = x.batch, H = opts_.hidden, H4 = 4 * H, D = in_.channels, L = in_.length;
        cache_.resize(static_cast<std::size_t>(N * 2 * L * 5 * H));
        ensure_scratch(ctx.threads());
        // The input projections of all positions, W_ih X + b_ih + b_hh, are one GEMM per sample and
        // direction; only W_hh h_prev stays inside the recurrence.
        for (int dir = 0; dir < 2; ++dir) {
            const T* p = values_ + dir * direction_size();
            w_ih_packed_[dir].resize(static_cast<std::size_t>(packed_a_size<T>(H4, D)));
            pack_a<T>(H4, D, strided_matrix<T>{p, D, 1}, w_ih_packed_[dir].data());
            gate_bias_[dir].resize(static_cast<std::size_t>(H4));
            for (index_t r = 0; r < H4; ++r) gate_bias_[dir][r] = p[H4 * (D + H) + r] + p[H4 * (D + H + 1) + r];
        }
        ctx.pool().parallel_for(N * 2, double(flops()) / 2, [&](index_t b, index_t e, int w) {
            T* z = scratch_[w].data();
            T* h = z + H4;
            T* c = h + H;
            auto& zx = projections_[w];  // L x 4H: position t's projection is contiguous
            zx.resize(static_cast<std::size_t>(L * H4));
            for (index_t r = b; r < e; ++r) {
                const index_t n = r / 2;
                const int dir = static_cast<int>(r % 2);
                const T* w_hh = values_ + dir * direction_size() + H4 * D;
                gemm<T>(0, H4, L, D, w_ih_packed_[dir].data(),
                        strided_b_packer<T>{{x.sample_data(n), L, 1}, L},
                        store_sink<T>{zx.data(), 1, H4, false, {nullptr, gate_bias_[dir].data(), false}},
                        workspaces_[w]);
                std::fill(h, h + H, T(0));
                std::fill(c, c + H, T(0));
                for (index_t s = 0; s < L; ++s) {
                    const index_t t = dir ? L - 1 - s : s;
                    gemv<T>(0, H4, H, w_hh, H, h, z);
                    const T* zt = zx.data() + t * H4;
                    T* cached = cache_at(n, dir, t);  // i, f, g, o, c
                    for (index_t k = 0; k < H; ++k) {
                        const T i = sigmoid(z[k] + zt[k]), f = sigmoid(z[H + k] + zt[H + k]),
                                g = std::tanh(z[2 * H + k] + zt[2 * H + k]), o = sigmoid(z[3 * H + k] + zt[3 * H + k]);
                        c[k] = f * c[k] + i * g;
                        h[k] = o * std::tanh(c[k]);
                        cached[k] = i;
                        cached[H + k] = f;
                        cached[2 * H + k] = g;
                        cached[3 * H + k] = o;
                        cached[4 * H + k] = c[k];
                        y(n, dir * H + k, t) = h[k];
                    }
                }
            }
        });
    }

    void backward(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T> y, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode mode) {
        const index_t N = x.batch, H = opts_.hidden, D = in_.channels, L = in_.length, H4 = 4 * H;
        if (!dx.empty()) std::fill(dx.data, dx.data + dx.size(), T(0));
        ensure_scratch(ctx.threads());
        if (static_cast<int>(partials_.size()) < ctx.threads()) partials_.resize(ctx.threads());
        for (auto& part : partials_) {
            part.resize(static_cast<std::size_t>(parameter_count()));
            part.fill(T(0));
        }
        // Directions write disjoint gradient halves but share dx: one worker takes both of a sample.
        ctx.pool().parallel_for(N, double(2 * flops()), [&](index_t b, index_t e, int w) {
            auto& part = partials_[w];
            T* dz = scratch_[w].data();
            T* dh_next = dz + H4;
            T* dc_next = dh_next + H;
            for (index_t n = b; n < e; ++n)
                for (int dir = 0; dir < 2; ++dir) {
                    const T* p = values_ + dir * direction_size();
                    T* g = part.data() + dir * direction_size();
                    const T* w_ih = p;
                    const T* w_hh = p + H4 * D;
                    std::fill(dh_next, dh_next + H, T(0));
                    std::fill(dc_next, dc_next + H, T(0));
                    for (index_t s = L - 1; s >= 0; --s) {
                        const index_t t = dir ? L - 1 - s : s;
                        const index_t t_prev = dir ? t + 1 : t - 1;  // processed just before t
                        const T* cached = cache_at(n, dir, t);
                        const T* c_prev = s > 0 ? cache_at(n, dir, t_prev) + 4 * H : nullptr;
                        for (index_t k = 0; k < H; ++k) {
                            const T i = cached[k], f = cached[H + k], gg = cached[2 * H + k], o = cached[3 * H + k];
                            const T tc = std::tanh(cached[4 * H + k]);
                            const T dhk = dy(n, dir * H + k, t) + dh_next[k];
                            const T dck = dhk * o * (T(1) - tc * tc) + dc_next[k];
                            const T cp = c_prev ? c_prev[k] : T(0);
                            dz[k] = dck * gg * i * (T(1) - i);
                            dz[H + k] = dck * cp * f * (T(1) - f);
                            dz[2 * H + k] = dck * i * (T(1) - gg * gg);
                            dz[3 * H + k] = dhk * tc * o * (T(1) - o);
                            dc_next[k] = dck * f;
                        }
                        // dh_prev = W_hh^T dz; dx_t += W_ih^T dz; parameter gradients.
                        for (index_t k = 0; k < H; ++k) dh_next[k] = T(0);
                        for (index_t r = 0; r < H4; ++r) {
                            const T d = dz[r];
                            for (index_t k = 0; k < H; ++k) dh_next[k] += w_hh[r * H + k] * d;
                        }
                        if (!dx.empty())
                            for (index_t r = 0; r < H4; ++r)
                                for (index_t c = 0; c < D; ++c) dx(n, c, t) += w_ih[r * D + c] * dz[r];
                        if (mode == grad_mode::parameters) {
                            for (index_t r = 0; r < H4; ++r) {
                                const T d = dz[r];
                                for (index_t c = 0; c < D; ++c) g[r * D + c] += d * x(n, c, t);
                                if (s > 0)
                                    for (index_t k = 0; k < H; ++k) g[H4 * D + r * H + k] += d * y(n, dir * H + k, t_prev);
                                g[H4 * (D + H) + r] += d;
                                g[H4 * (D + H + 1) + r] += d;
                            }
                        }
                    }
                }
        });
        if (mode != grad_mode::parameters) return;
        for (const auto& part : partials_)
            for (index_t i = 0; i < parameter_count(); ++i) grads_[i] += part[i];
    }

protected:
    // Per-worker gate and state vectors (6H forward, 6H backward): grow-only, no allocation per pass.
    void ensure_scratch(int workers) {
        if (static_cast<int>(scratch_.size()) < workers) scratch_.resize(workers);
        if (static_cast<int>(projections_.size()) < workers) projections_.resize(workers);
        if (static_cast<int>(workspaces_.size()) < workers) workspaces_.resize(workers);
        for (auto& s : scratch_) s.resize(static_cast<std::size_t>(6 * opts_.hidden));
    }

    static T sigmoid(T z) { return logistic(z); }

    index_t direction_size() const {
        const index_t H4 = 4 * opts_.hidden;
        return H4 * (in_.channels + opts_.hidden) + 2 * H4;
    }
    T* cache_at(index_t n, int dir, index_t t) const {
        return const_cast<T*>(cache_.data()) + ((n * 2 + dir) * in_.length + t) * 5 * opts_.hidden;
    }
    param_view<T> view(T* p, index_t rows, index_t cols = 0) const {
        return cols ? param_view<T>{p, {rows, cols, 1}, 2} : param_view<T>{p, {rows, 1, 1}, 1};
    }
    T *values_ = nullptr, *grads_ = nullptr;
    aligned_buffer<T> cache_;
    std::vector<aligned_buffer<T>> partials_, scratch_, projections_;
    std::vector<cpu_kernels::gemm_workspace<T>> workspaces_;
    aligned_buffer<T> w_ih_packed_[2], gate_bias_[2];
};

/// Compile-time spec: bilstm<hidden per direction>.
template <index_t Hidden>
struct bilstm : spec_of<bilstm_options{Hidden}, bilstm_layer> {};

}  // namespace seqnet
