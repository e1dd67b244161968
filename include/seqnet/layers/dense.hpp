// seqnet/layers/dense.hpp -- fully connected layer on a vector.
//
// y[u] = b[u] + sum_e W[u, e] h[e]. Parameters: weight U x D (PyTorch's Linear.weight layout), bias U.
// Shapes: (D, 1) -> (U, 1); put flatten or a global pool before it (a (C, L) input with L > 1 is a
// shape_error rather than a silent choice of flatten order). Cost: 2 * U * D flops per sample. Batch 1
// runs as a matrix-vector product; larger batches as one packed GEMM split across units. At inference a
// following batch norm and ReLU run in its epilogue.
#pragma once

#include <seqnet/backend/cpu/gemm.hpp>
#include <seqnet/layers/layer_base.hpp>
#include <seqnet/layers/fusion.hpp>

#include <vector>

namespace seqnet {

struct dense_options {
    index_t units = 1;  ///< dyn: the model's task count, given when the model is constructed
    bool bias = true;

    constexpr dense_options with_tasks(index_t tasks) const {
        dense_options o = *this;
        if (o.units == dyn) o.units = tasks;
        return o;
    }
    constexpr shape_result output_shape(shape in) const {
        if (units == dyn) return {{dyn, 1}};
        if (units < 1) return {{}, "units must be at least 1"};
        if (in.length != 1 && in.length != dyn)
            return {{}, "dense expects a vector (length 1): put flatten or a global pool before it"};
        return {{units, 1}};
    }
};

template <class T, class Dev = cpu>
class dense_layer : public layer_base<dense_layer<T, Dev>, T, Dev, dense_options> {
    using base = layer_base<dense_layer<T, Dev>, T, Dev, dense_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "dense";

    dense_layer(const dense_options& o, shape in) : base(o, in) {}

    window receptive_field() const { return {1, 1, 1, 0, true}; }
    index_t parameter_count() const { return weight_size() + (opts_.bias ? opts_.units : 0); }
    index_t flops() const { return 2 * opts_.units * in_.channels; }

    void bind_parameters(T* values, T* grads) {
        w_ = values;
        dw_ = grads;
        b_ = opts_.bias ? values + weight_size() : nullptr;
        db_ = opts_.bias ? grads + weight_size() : nullptr;
    }

    template <class F>
    void visit_parameters(F&& f) {
        f("weight", weight(), param_view<T>{dw_, {opts_.units, in_.channels, 1}, 2});
        if (opts_.bias) f("bias", bias(), param_view<T>{db_, {opts_.units, 1, 1}, 1});
    }
    param_view<T> weight() const { return {w_, {opts_.units, in_.channels, 1}, 2}; }
    param_view<T> bias() const { return {b_, {opts_.units, 1, 1}, opts_.bias ? 1 : 0}; }

    void initialize(random_engine& rng, init scheme) {
        initialize_weights(weight(), opts_.bias ? bias() : param_view<T>{}, in_.channels, opts_.units,
                           scheme, rng);
    }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase) {
        run_forward(ctx, x, y, {nullptr, b_, false});
    }
    void forward_fused(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y,
                       const epilogue_builder<T>& e) {
        run_forward(ctx, x, y, e.rows());
    }
    void start_epilogue(epilogue_builder<T>& e) const { e.reset(opts_.units, b_, false); }

    void backward(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T>, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode mode) {
        using namespace cpu_kernels;
        const index_t N = x.batch, D = in_.channels, U = opts_.units;
        ensure_workspaces(ctx.threads());
        if (mode == grad_mode::parameters) {
            // dW[U x D] += dY^T[U x N] * X[N x D], split across units.
            for_unit_blocks(ctx, U, N, [&](index_t u0, index_t u1, worker_space& ws) {
                ws.a_packed.resize(static_cast<std::size_t>(packed_a_size<T>(u1 - u0, N)));
                pack_a<T>(u1 - u0, N, strided_matrix<T>{dy.data + u0, 1, U}, ws.a_packed.data());
                gemm<T>(0, u1 - u0, D, N, ws.a_packed.data(), strided_b_packer<T>{{x.data, D, 1}, D},
                        store_sink<T>{dw_ + u0 * D, D, 1, true, {}}, ws.gemm);
                if (db_)
                    for (index_t u = u0; u < u1; ++u) {
                        T s = 0;
                        for (index_t n = 0; n < N; ++n) s += dy.data[n * U + u];
                        db_[u] += s;
                    }
            });
        }
        if (dx.empty()) return;
        // dX^T[D x N] = W^T[D x U] * dY^T[U x N], split across input features.
        for_unit_blocks(ctx, D, N, [&](index_t d0, index_t d1, worker_space& ws) {
            ws.a_packed.resize(static_cast<std::size_t>(packed_a_size<T>(d1 - d0, U)));
            pack_a<T>(d1 - d0, U, strided_matrix<T>{w_ + d0, 1, D}, ws.a_packed.data());
            gemm<T>(0, d1 - d0, N, U, ws.a_packed.data(), strided_b_packer<T>{{dy.data, 1, U}, N},
                    store_sink<T>{dx.data + d0, 1, D, false, {}}, ws.gemm);
        });
    }

protected:
    struct worker_space {
        cpu_kernels::gemm_workspace<T> gemm;
        aligned_buffer<T> a_packed;
    };

    index_t weight_size() const { return opts_.units * in_.channels; }

    void ensure_workspaces(int workers) {
        if (static_cast<int>(workspaces_.size()) < workers) workspaces_.resize(workers);
    }

    /// Splits [0, rows) into MR-aligned blocks, one per worker (if the work is worth several).
    template <class F>
    void for_unit_blocks(context<cpu>& ctx, index_t rows, index_t batch, F&& f) {
        constexpr index_t MR = cpu_kernels::gemm_shape<T>::mr;
        const index_t blocks = (rows + MR - 1) / MR;
        const double cost = 2.0 * MR * in_.channels * std::max<index_t>(batch, 1);
        ctx.pool().parallel_for(blocks, cost, [&](index_t b, index_t e, int w) {
            f(b * MR, std::min(rows, e * MR), workspaces_[w]);
        });
    }

    void run_forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y,
                     const cpu_kernels::row_epilogue<T>& epi) {
        using namespace cpu_kernels;
        const index_t N = x.batch, D = in_.channels, U = opts_.units;
        ensure_workspaces(ctx.threads());
        if (N < 4) {
            // Matrix-vector products: packing the weights would cost more than the product.
            for_unit_blocks(ctx, U, N, [&](index_t u0, index_t u1, worker_space&) {
                for (index_t n = 0; n < N; ++n) {
                    T* yn = y.data + n * U;
                    gemv<T>(u0, u1, D, w_, D, x.data + n * D, yn);
                    for (index_t u = u0; u < u1; ++u) {
                        T v = yn[u];
                        if (epi.scale) v *= epi.scale[u];
                        if (epi.shift) v += epi.shift[u];
                        if (epi.relu && v < T(0)) v = T(0);
                        yn[u] = v;
                    }
                }
            });
            return;
        }
        // Y^T[U x N] = W[U x D] * X^T[D x N]: units are GEMM rows, so the epilogue is per row.
        for_unit_blocks(ctx, U, N, [&](index_t u0, index_t u1, worker_space& ws) {
            ws.a_packed.resize(static_cast<std::size_t>(packed_a_size<T>(u1 - u0, D)));
            pack_a<T>(u1 - u0, D, strided_matrix<T>{w_ + u0 * D, D, 1}, ws.a_packed.data());
            row_epilogue<T> local{epi.scale ? epi.scale + u0 : nullptr, epi.shift ? epi.shift + u0 : nullptr,
                                  epi.relu};
            gemm<T>(0, u1 - u0, N, D, ws.a_packed.data(), strided_b_packer<T>{{x.data, 1, D}, N},
                    store_sink<T>{y.data + u0, 1, U, false, local}, ws.gemm);
        });
    }

    T *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
    std::vector<worker_space> workspaces_;
};

/// Compile-time spec: dense<units, bias = true>; dense<dyn> takes the model's task count.
template <index_t Units, bool Bias = true>
struct dense : spec_of<dense_options{Units, Bias}, dense_layer> {};

}  // namespace seqnet
