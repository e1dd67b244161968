// seqnet/layers/gpu/separable_dense.hpp -- the separable fully connected layer on a GPU device, one
// thread per output value of each pass (outputs; positional and channel weight gradients; input
// gradient), each summing what it needs, so no two threads write the same value. The same layer as
// layers/separable_dense.hpp.
#pragma once

#include <seqnet/backend/gpu/runtime.hpp>
#include <seqnet/layers/separable_dense.hpp>

namespace seqnet {

namespace gpu_kernels {

/// The factors of a separable dense layer: positional weights U x L_h (mirrored when L_h < L) and
/// channel weights U x C over an input of C x L.
template <class T>
struct separable_factors {
    const T* pos;
    const T* chan;
    index_t U, C, L, lh;
    SEQNET_HD T position(index_t u, index_t l) const { return pos[u * lh + (l < lh ? l : L - 1 - l)]; }
    /// sum_l h[l] W_pos[u, l] over one row h of the input.
    SEQNET_HD T positional_sum(const T* h, index_t u) const {
        T s = 0;
        for (index_t l = 0; l < L; ++l) s += h[l] * position(u, l);
        return s;
    }
};

/// Thread i over y (N x U).
template <class T>
struct separable_dense_forward {
    separable_factors<T> w;
    const T* x;
    T* y;
    SEQNET_HD void operator()(index_t i) const {
        const index_t n = i / w.U, u = i % w.U;
        T acc = 0;
        for (index_t c = 0; c < w.C; ++c) acc += w.positional_sum(x + (n * w.C + c) * w.L, u) * w.chan[u * w.C + c];
        y[i] = acc;
    }
};

/// Thread i over the positional weights (U x L_h), then the channel weights (U x C): += their gradient
/// over the batch. A learned position q of a mirrored layer collects positions q and L-1-q.
template <class T>
struct separable_dense_weight_gradients {
    separable_factors<T> w;
    const T* x;
    const T* dy;
    T* dpos;
    T* dchan;
    index_t N;
    SEQNET_HD void operator()(index_t i) const {
        const index_t U = w.U, C = w.C, L = w.L;
        T acc = 0;
        if (i < U * w.lh) {
            const index_t u = i / w.lh, q = i % w.lh, mirror = L - 1 - q;
            for (index_t n = 0; n < N; ++n) {
                const T g = dy[n * U + u];
                for (index_t c = 0; c < C; ++c) {
                    const T* h = x + (n * C + c) * L;
                    acc += g * w.chan[u * C + c] * (mirror != q && w.lh < L ? h[q] + h[mirror] : h[q]);
                }
            }
            dpos[i] += acc;
            return;
        }
        const index_t j = i - U * w.lh, u = j / C, c = j % C;
        for (index_t n = 0; n < N; ++n) acc += dy[n * U + u] * w.positional_sum(x + (n * C + c) * L, u);
        dchan[j] += acc;
    }
};

/// Thread i over dx (N x C x L).
template <class T>
struct separable_dense_input_gradient {
    separable_factors<T> w;
    const T* dy;
    T* dx;
    SEQNET_HD void operator()(index_t i) const {
        const index_t l = i % w.L, c = (i / w.L) % w.C, n = i / (w.L * w.C);
        T acc = 0;
        for (index_t u = 0; u < w.U; ++u) acc += dy[n * w.U + u] * w.chan[u * w.C + c] * w.position(u, l);
        dx[i] = acc;
    }
};

}  // namespace gpu_kernels

template <class T, gpu_device Dev>
class separable_dense_layer<T, Dev> : public separable_dense_layer<T, cpu> {
    using cpu_layer = separable_dense_layer<T, cpu>;

public:
    using device_type = Dev;
    using cpu_layer::cpu_layer;

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase) {
        gpu_runtime<Dev>::for_each(ctx, y.size(), gpu_kernels::separable_dense_forward<T>{factors(), x.data, y.data});
    }

    void backward(context<Dev>& ctx, const_batch_view<T, Dev> x, const_batch_view<T, Dev>, const_batch_view<T, Dev> dy,
                  batch_view<T, Dev> dx, grad_mode mode) {
        if (mode == grad_mode::parameters)
            gpu_runtime<Dev>::for_each(ctx, this->parameter_count(),
                                       gpu_kernels::separable_dense_weight_gradients<T>{factors(), x.data, dy.data, this->dpos_,
                                                                                        this->dchan_, x.batch});
        if (dx.empty()) return;
        gpu_runtime<Dev>::for_each(ctx, dx.size(), gpu_kernels::separable_dense_input_gradient<T>{factors(), dy.data, dx.data});
    }

private:
    gpu_kernels::separable_factors<T> factors() const {
        return {this->pos_, this->chan_, this->opts_.units, this->in_.channels, this->in_.length, this->lh_};
    }
};

}  // namespace seqnet
