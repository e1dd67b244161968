// seqnet/layers/gpu/bilstm.hpp -- the bidirectional LSTM on a GPU device. The same layer as
// layers/bilstm.hpp (PyTorch's gates i, f, g, o and parameter layout), laid out for GEMMs:
//
// forward, per direction: the input is gathered time-major, X_t (L N x D), and all input projections
//   are one GEMM, Z = X_t W_ih^T (L N x 4H); then for each step the recurrent GEMM adds h_prev W_hh^T
//   to that step's N x 4H block, and a cell kernel (one thread per sample and unit) applies the gates,
//   keeping them (in place of Z) and the cell state for backward;
// backward, per direction, steps in reverse: a cell kernel turns dh and dc into the gate gradients dZ
//   of the step (kept, time-major) and one GEMM carries dZ W_hh back to dh of the previous step; then
//   the parameter gradients are three GEMMs over all steps at once (dZ^T X_t, dZ^T H_prev, and column
//   sums for the biases), and the input gradient one GEMM, dZ W_ih, scattered back to N x D x L.
// Cost: 2 + L GEMMs and L cell kernels per direction and pass.
#pragma once

#include <seqnet/backend/device_memory.hpp>
#include <seqnet/layers/activations.hpp>
#include <seqnet/layers/bilstm.hpp>
#include <seqnet/layers/gpu/dense.hpp>

#include <cmath>

namespace seqnet {

namespace gpu_kernels {

/// Thread i over X_t (L N x D): X_t[t N + n, d] = x[n, d, t].
template <class T>
struct gather_time_major {
    const T* x;
    T* xt;
    index_t N, D, L;
    SEQNET_HD void operator()(index_t i) const {
        const index_t d = i % D, n = (i / D) % N, t = i / (D * N);
        xt[i] = x[(n * D + d) * L + t];
    }
};

/// Thread i over x (N x D x L): the inverse of gather_time_major.
template <class T>
struct scatter_time_major {
    const T* xt;
    T* x;
    index_t N, D, L;
    SEQNET_HD void operator()(index_t i) const {
        const index_t t = i % L, d = (i / L) % D, n = i / (L * D);
        x[i] = xt[(t * N + n) * D + d];
    }
};

/// The sizes and position of one LSTM step: direction dir at position t of L.
struct lstm_step {
    index_t N, H, L, t;
    int dir;
    bool first;  // the first position this direction reads (no previous state)
};

/// Thread i = n H + k of one step. z (N x 4H) holds W_ih x_t + W_hh h_prev; it is overwritten by the
/// gate activations i, f, g, o, which backward reads, as is the cell state c (N x H).
template <class T>
struct lstm_cell_forward {
    T* z;
    const T* c_prev;  // the previous step's cell states (unused on the first step)
    T* c;
    T* h;             // N x H: the next step's h_prev
    T* y;             // N x 2H x L
    const T* bias_ih;
    const T* bias_hh;
    lstm_step s;
    SEQNET_HD void operator()(index_t i) const {
        const index_t H = s.H, n = i / H, k = i % H;
        T* zn = z + n * 4 * H;
        T a[4];
        for (index_t r = 0; r < 4; ++r) a[r] = zn[r * H + k] + bias_ih[r * H + k] + bias_hh[r * H + k];
        const T in = logistic(a[0]), f = logistic(a[1]), g = std::tanh(a[2]), o = logistic(a[3]);
        const T cell = (s.first ? T(0) : f * c_prev[i]) + in * g;
        const T out = o * std::tanh(cell);
        zn[k] = in;
        zn[H + k] = f;
        zn[2 * H + k] = g;
        zn[3 * H + k] = o;
        c[i] = cell;
        h[i] = out;
        y[(n * 2 * H + s.dir * H + k) * s.L + s.t] = out;
    }
};

/// Thread i = n H + k of one step, in reverse: from dh (dy plus what the later step sent back) and dc,
/// the gate gradients dz (N x 4H) and the cell gradient passed to the previous step.
template <class T>
struct lstm_cell_backward {
    const T* gates;   // N x 4H activations of the step
    const T* c;       // N x H cell states of the step
    const T* c_prev;  // of the previous step (unused on the first)
    const T* dy;      // N x 2H x L
    const T* dh_next; // N x H from the later step (zero on the last)
    T* dc_next;       // N x H, in: from the later step, out: to the previous
    T* dz;            // N x 4H
    lstm_step s;
    SEQNET_HD void operator()(index_t i) const {
        const index_t H = s.H, n = i / H, k = i % H;
        const T* gn = gates + n * 4 * H;
        const T in = gn[k], f = gn[H + k], g = gn[2 * H + k], o = gn[3 * H + k];
        const T tc = std::tanh(c[i]);
        const T dh = dy[(n * 2 * H + s.dir * H + k) * s.L + s.t] + dh_next[i];
        const T dc = dh * o * (T(1) - tc * tc) + dc_next[i];
        const T cp = s.first ? T(0) : c_prev[i];
        T* dzn = dz + n * 4 * H;
        dzn[k] = dc * g * in * (T(1) - in);
        dzn[H + k] = dc * cp * f * (T(1) - f);
        dzn[2 * H + k] = dc * in * (T(1) - g * g);
        dzn[3 * H + k] = dh * tc * o * (T(1) - o);
        dc_next[i] = dc * f;
    }
};

/// Thread i over H_prev (L N x H) of a direction: row t N + n holds the hidden state the step at t read
/// (zero at the direction's first position).
template <class T>
struct gather_previous_hidden {
    const T* y;  // N x 2H x L
    T* hprev;
    index_t N, H, L;
    int dir;
    SEQNET_HD void operator()(index_t i) const {
        const index_t k = i % H, n = (i / H) % N, t = i / (H * N);
        const index_t t_prev = dir ? t + 1 : t - 1;
        hprev[i] = t_prev >= 0 && t_prev < L ? y[(n * 2 * H + dir * H + k) * L + t_prev] : T(0);
    }
};

}  // namespace gpu_kernels

template <class T, gpu_device Dev>
class bilstm_layer<T, Dev> : public bilstm_layer<T, cpu> {
    using cpu_layer = bilstm_layer<T, cpu>;
    using memory = device_memory<Dev>;
    using device_buffer = typename memory::template buffer<T>;

public:
    using device_type = Dev;
    using cpu_layer::cpu_layer;

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase) {
        using rt = gpu_runtime<Dev>;
        const index_t N = x.batch, H = this->opts_.hidden, H4 = 4 * H, D = this->in_.channels, L = this->in_.length;
        grow_to(xt_, L * N * D);
        grow_to(state_, N * H);
        rt::for_each(ctx, L * N * D, gpu_kernels::gather_time_major<T>{x.data, xt_.data(), N, D, L});
        for (int dir = 0; dir < 2; ++dir) {
            const T* p = this->values_ + dir * this->direction_size();
            grow_to(gates_[dir], L * N * H4);
            grow_to(cells_[dir], L * N * H);
            rt::gemm(ctx, transpose::no, transpose::yes, L * N, H4, D, T(1), xt_.data(), D, p, D, T(0),
                     gates_[dir].data(), H4);
            for (index_t s = 0; s < L; ++s) {
                const index_t t = dir ? L - 1 - s : s, t_prev = dir ? t + 1 : t - 1;
                T* z = gates_[dir].data() + t * N * H4;
                if (s > 0)  // z += h_prev W_hh^T
                    rt::gemm(ctx, transpose::no, transpose::yes, N, H4, H, T(1), state_.data(), H, p + H4 * D, H, T(1),
                             z, H4);
                rt::for_each(ctx, N * H,
                             gpu_kernels::lstm_cell_forward<T>{
                                 z, s > 0 ? cells_[dir].data() + t_prev * N * H : nullptr, cells_[dir].data() + t * N * H,
                                 state_.data(), y.data, p + H4 * (D + H), p + H4 * (D + H + 1), {N, H, L, t, dir, s == 0}});
            }
        }
    }

    void backward(context<Dev>& ctx, const_batch_view<T, Dev> x, const_batch_view<T, Dev> y, const_batch_view<T, Dev> dy,
                  batch_view<T, Dev> dx, grad_mode mode) {
        using rt = gpu_runtime<Dev>;
        const index_t N = x.batch, H = this->opts_.hidden, H4 = 4 * H, D = this->in_.channels, L = this->in_.length;
        const bool params = mode == grad_mode::parameters;
        grow_to(dz_, L * N * H4);
        grow_to(dh_, N * H);
        grow_to(dc_, N * H);
        if (params) {
            grow_to(xt_, L * N * D);
            grow_to(hprev_, L * N * H);
            rt::for_each(ctx, L * N * D, gpu_kernels::gather_time_major<T>{x.data, xt_.data(), N, D, L});
        }
        if (!dx.empty()) grow_to(dxt_, L * N * D);
        for (int dir = 0; dir < 2; ++dir) {
            const T* p = this->values_ + dir * this->direction_size();
            T* g = this->grads_ + dir * this->direction_size();
            memory::zero(dh_.data(), N * H);
            memory::zero(dc_.data(), N * H);
            for (index_t s = L - 1; s >= 0; --s) {
                const index_t t = dir ? L - 1 - s : s, t_prev = dir ? t + 1 : t - 1;
                T* dz = dz_.data() + t * N * H4;
                rt::for_each(ctx, N * H,
                             gpu_kernels::lstm_cell_backward<T>{
                                 gates_[dir].data() + t * N * H4, cells_[dir].data() + t * N * H,
                                 s > 0 ? cells_[dir].data() + t_prev * N * H : nullptr, dy.data, dh_.data(), dc_.data(),
                                 dz, {N, H, L, t, dir, s == 0}});
                if (s > 0)  // dh_prev = dz W_hh
                    rt::gemm(ctx, transpose::no, transpose::no, N, H, H4, T(1), dz, H4, p + H4 * D, H, T(0), dh_.data(), H);
            }
            if (params) {
                rt::for_each(ctx, L * N * H, gpu_kernels::gather_previous_hidden<T>{y.data, hprev_.data(), N, H, L, dir});
                rt::gemm(ctx, transpose::yes, transpose::no, H4, D, L * N, T(1), dz_.data(), H4, xt_.data(), D, T(1), g, D);
                rt::gemm(ctx, transpose::yes, transpose::no, H4, H, L * N, T(1), dz_.data(), H4, hprev_.data(), H, T(1),
                         g + H4 * D, H);
                for (index_t b = 0; b < 2; ++b)  // bias_ih and bias_hh receive the same gradient
                    rt::for_each(ctx, H4, gpu_kernels::accumulate_column_sums<T>{dz_.data(), g + H4 * (D + H + b), L * N, H4});
            }
            if (!dx.empty())  // dX_t (+)= dZ W_ih
                rt::gemm(ctx, transpose::no, transpose::no, L * N, D, H4, T(1), dz_.data(), H4, p, D, T(dir ? 1 : 0),
                         dxt_.data(), D);
        }
        if (!dx.empty()) rt::for_each(ctx, dx.size(), gpu_kernels::scatter_time_major<T>{dxt_.data(), dx.data, N, D, L});
    }

private:
    device_buffer xt_, state_, gates_[2], cells_[2];  // forward, kept for backward
    device_buffer dz_, dh_, dc_, hprev_, dxt_;        // backward
};

}  // namespace seqnet
