// seqnet/layers/gpu/dense.hpp -- the fully connected layer on a GPU device: three GEMMs (y = x W^T,
// dW += dy^T x, dx = dy W) and a bias kernel per pass. The same layer as layers/dense.hpp.
#pragma once

#include <seqnet/backend/gpu/runtime.hpp>
#include <seqnet/layers/dense.hpp>
#include <seqnet/layers/gpu/fusion.hpp>

namespace seqnet {

namespace gpu_kernels {

/// y[n, u] += b[u] over an N x U block.
template <class T>
struct add_bias_rows {
    T* y;
    const T* b;
    index_t U;
    SEQNET_HD void operator()(index_t i) const { y[i] += b[i % U]; }
};

/// db[u] += sum_n dy[n, u]; thread u.
template <class T>
struct accumulate_column_sums {
    const T* dy;
    T* db;
    index_t N, U;
    SEQNET_HD void operator()(index_t u) const {
        T s = 0;
        for (index_t n = 0; n < N; ++n) s += dy[n * U + u];
        db[u] += s;
    }
};

}  // namespace gpu_kernels

template <class T, gpu_device Dev>
class dense_layer<T, Dev> : public dense_layer<T, cpu> {
    using cpu_layer = dense_layer<T, cpu>;

public:
    using device_type = Dev;
    using cpu_layer::cpu_layer;

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase) {
        using rt = gpu_runtime<Dev>;
        const index_t N = x.batch, D = this->in_.channels, U = this->opts_.units;
        rt::gemm(ctx, transpose::no, transpose::yes, N, U, D, T(1), x.data, D, this->w_, D, T(0), y.data, U);
        if (this->b_) rt::for_each(ctx, N * U, gpu_kernels::add_bias_rows<T>{y.data, this->b_, U});
    }

    /// Inference with the epilogue gathered from the layers that follow (layers/gpu/fusion.hpp).
    void forward_fused(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, const gpu_epilogue<T>& e) {
        using rt = gpu_runtime<Dev>;
        const index_t N = x.batch, D = this->in_.channels, U = this->opts_.units;
        rt::gemm(ctx, transpose::no, transpose::yes, N, U, D, T(1), x.data, D, this->w_, D, T(0), y.data, U);
        rt::for_each(ctx, N * U, gpu_kernels::dense_epilogue<T>{y.data, e, U});
    }
    void start_epilogue(gpu_epilogue<T>& e) const { e.reset(this->b_, false); }

    void backward(context<Dev>& ctx, const_batch_view<T, Dev> x, const_batch_view<T, Dev>, const_batch_view<T, Dev> dy,
                  batch_view<T, Dev> dx, grad_mode mode) {
        using rt = gpu_runtime<Dev>;
        const index_t N = x.batch, D = this->in_.channels, U = this->opts_.units;
        if (mode == grad_mode::parameters) {
            rt::gemm(ctx, transpose::yes, transpose::no, U, D, N, T(1), dy.data, U, x.data, D, T(1), this->dw_, D);
            if (this->db_) rt::for_each(ctx, U, gpu_kernels::accumulate_column_sums<T>{dy.data, this->db_, N, U});
        }
        if (dx.empty()) return;
        rt::gemm(ctx, transpose::no, transpose::no, N, D, U, T(1), dy.data, U, this->w_, D, T(0), dx.data, D);
    }
};

}  // namespace seqnet
