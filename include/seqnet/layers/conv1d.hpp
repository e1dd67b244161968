// seqnet/layers/conv1d.hpp -- 1-D convolution (cross-correlation), the workhorse of sequence models.
//
// y[n, f, j] = b[f] + sum_{c, k} W[f, c, k] * x~[n, c, j*s + k*d]   (SCIENCE.md section 1)
// Parameters: weight F x C_in x K (PyTorch's Conv1d.weight layout), bias F (optional).
// Shapes: (C_in, L) -> (F, L_out), L_out = floor((L + p_l + p_r - d*(K-1) - 1) / s) + 1.
// Cost: 2 * F * C_in * K * L_out flops per sample forward, twice that backward. Runs on the packed GEMM
// of backend/cpu/conv1d.hpp, split across the batch; at inference a following batch norm, ReLU and max
// pool run in its epilogue (layers/fusion.hpp).
#pragma once

#include <seqnet/backend/cpu/conv1d.hpp>
#include <seqnet/layers/layer_base.hpp>
#include <seqnet/layers/fusion.hpp>
#include <seqnet/layers/padding.hpp>

#include <array>
#include <cstring>
#include <vector>

namespace seqnet {

struct conv1d_options {
    index_t filters = 1;
    index_t kernel = 1;
    padding pad = valid;
    index_t stride = 1;
    index_t dilation = 1;
    bool bias = true;

    constexpr index_t span() const { return dilation * (kernel - 1) + 1; }

    constexpr shape_result output_shape(shape in) const {
        if (filters < 1 || kernel < 1 || stride < 1 || dilation < 1)
            return {{}, "filters, kernel, stride and dilation must all be at least 1"};
        if (pad.left < 0 || pad.right < 0) return {{}, "padding must not be negative"};
        if (in.length == dyn) return {{filters, dyn}};
        const auto [pl, pr] = pad.amounts(in.length, span(), stride);
        if (in.length + pl + pr < span())
            return {{}, "the input (plus padding) is shorter than the kernel's span"};
        return {{filters, (in.length + pl + pr - span()) / stride + 1}};
    }
};

template <class T, class Dev = cpu>
class conv1d_layer : public layer_base<conv1d_layer<T, Dev>, T, Dev, conv1d_options> {
    using base = layer_base<conv1d_layer<T, Dev>, T, Dev, conv1d_options>;

protected:  // the GPU backend's layers (layers/gpu/) derive from these
    using base::opts_, base::in_, base::out_;

public:
    static constexpr std::string_view name = "conv1d";

    conv1d_layer(const conv1d_options& o, shape in) : base(o, in) {
        const auto [pl, pr] = o.pad.amounts(in.length, o.span(), o.stride);
        (void)pr;
        geom_ = {in.channels, in.length, o.filters, o.kernel, o.stride, o.dilation, pl, out_.length};
    }

    window receptive_field() const {
        return {opts_.kernel, opts_.stride, opts_.dilation, geom_.pad_left, false};
    }
    index_t parameter_count() const { return weight_size() + (opts_.bias ? opts_.filters : 0); }
    index_t flops() const { return 2 * opts_.filters * geom_.patch() * out_.length; }

    void bind_parameters(T* values, T* grads) {
        w_ = values;
        dw_ = grads;
        b_ = opts_.bias ? values + weight_size() : nullptr;
        db_ = opts_.bias ? grads + weight_size() : nullptr;
    }

    template <class F>
    void visit_parameters(F&& f) {
        f("weight", weight(), param_view<T>{dw_, {opts_.filters, in_.channels, opts_.kernel}, 3});
        if (opts_.bias) f("bias", bias(), param_view<T>{db_, {opts_.filters, 1, 1}, 1});
    }

    param_view<T> weight() const { return {w_, {opts_.filters, in_.channels, opts_.kernel}, 3}; }
    param_view<T> bias() const { return {b_, {opts_.filters, 1, 1}, opts_.bias ? 1 : 0}; }

    void initialize(random_engine& rng, init scheme) {
        initialize_weights(weight(), opts_.bias ? bias() : param_view<T>{}, geom_.patch(),
                           opts_.filters * opts_.kernel, scheme, rng);
    }

    void forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y, phase) {
        cpu_kernels::row_epilogue<T> epi{nullptr, b_, false};
        run_forward(ctx, x, y, epi, {});
    }

    /// Inference with the epilogue built by the layers that follow (layers/fusion.hpp).
    void forward_fused(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y,
                       const epilogue_builder<T>& e) {
        run_forward(ctx, x, y, e.rows(), e.pool());
    }
    void start_epilogue(epilogue_builder<T>& e) const { e.reset(opts_.filters, b_, true); }

    void backward(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T>, const_batch_view<T> dy,
                  batch_view<T> dx, grad_mode mode) {
        using namespace cpu_kernels;
        ensure_workspaces(ctx.threads());
        const index_t N = dy.batch, ck = geom_.patch();
        const double sample_flops = double(flops());
        if (mode == grad_mode::parameters) {
            constexpr index_t NR = gemm_shape<T>::nr;
            const index_t panels = (cpu_kernels::weight_gradient_columns(geom_, db_ != nullptr) + NR - 1) / NR;
            if (panels >= 4 * ctx.threads()) backward_weights_by_columns(ctx, x, dy, panels);
            else backward_weights_by_samples(ctx, x, dy);
        }
        if (dx.empty()) return;
        // Behind a ReLU and a max pool most of dy is zero: then only its nonzeros are carried back.
        if (in_.channels >= index_t(xsimd::batch<T>::size) &&
            nonzero_fraction(dy.data, dy.size()) < sparse_input_gradient_density) {
            taps_.resize(static_cast<std::size_t>(opts_.filters * opts_.kernel * sparse_row_stride<T>(in_.channels)));
            pack_taps(geom_, w_, taps_.data());
            ctx.pool().parallel_for(N, sample_flops * sparse_input_gradient_density, [&](index_t b, index_t e, int w) {
                sparse_conv1d_backward_input(geom_, dy.data, taps_.data(), dx.data, b, e, workspaces_[w].positions);
            });
            return;
        }
        pack_weights(ctx, wt_packed_, ck, opts_.filters, strided_matrix<T>{w_, 1, ck});
        ctx.pool().parallel_for(N, sample_flops, [&](index_t b, index_t e, int w) {
            conv1d_backward_input(geom_, dy.data, wt_packed_.data(), dx.data, b, e, workspaces_[w]);
        });
    }

protected:
    // dW = [dY_0 ... dY_N-1] * [Xcol_0 ... Xcol_N-1]^T as one GEMM over the batch, workers taking
    // disjoint column blocks of dW: no partial sums to reduce. Needs enough columns to share.
    void backward_weights_by_columns(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T> dy,
                                     index_t panels) {
        using namespace cpu_kernels;
        constexpr index_t NR = gemm_shape<T>::nr;
        const index_t N = dy.batch;
        dy_packed_.resize(static_cast<std::size_t>(packed_a_size<T>(opts_.filters, N * geom_.out_length)));
        ctx.pool().parallel_for(N, double(out_.size()), [&](index_t b, index_t e, int) {
            pack_output_gradient(geom_, dy.data, b, e, N, dy_packed_.data());
        });
        const index_t columns = weight_gradient_columns(geom_, db_ != nullptr);
        ctx.pool().parallel_for(panels, double(flops()) * N / panels, [&](index_t b, index_t e, int w) {
            conv1d_backward_weights(geom_, x.data, dy_packed_.data(), N, dw_, db_, b * NR, std::min(columns, e * NR),
                                    workspaces_[w].gemm);
        });
    }

    // A first layer's dW has few columns (4 channels x K taps): workers take sample ranges instead and
    // their partial sums are added at the end.
    void backward_weights_by_samples(context<cpu>& ctx, const_batch_view<T> x, const_batch_view<T> dy) {
        using namespace cpu_kernels;
        const index_t F = opts_.filters, wsize = weight_size();
        const index_t in_size = in_.size(), out_size = out_.size();
        std::array<bool, 256> used{};
        if (ctx.threads() > static_cast<int>(used.size())) throw argument_error("conv1d: more than 256 threads");
        ctx.pool().parallel_for(dy.batch, double(flops()), [&](index_t b, index_t e, int w) {
            auto& ws = workspaces_[w];
            used[w] = true;
            T* dw = dw_;
            T* db = db_;
            if (w != 0) {  // worker 0 accumulates in place
                ws.dweight.resize(static_cast<std::size_t>(wsize));
                ws.dweight.fill(T(0));
                ws.dbias.resize(static_cast<std::size_t>(F));
                ws.dbias.fill(T(0));
                dw = ws.dweight.data();
                db = db_ ? ws.dbias.data() : nullptr;
            }
            conv1d_backward_weights_streaming(geom_, x.data + b * in_size, dy.data + b * out_size, e - b, dw, db,
                                              ws.gemm);
        });
        for (int w = 1; w < ctx.threads(); ++w) {
            if (!used[w]) continue;
            const T* p = workspaces_[w].dweight.data();
            for (index_t i = 0; i < wsize; ++i) dw_[i] += p[i];
            if (db_)
                for (index_t f = 0; f < F; ++f) db_[f] += workspaces_[w].dbias[f];
        }
    }

    index_t weight_size() const { return opts_.filters * in_.channels * opts_.kernel; }
    // Below this share of nonzeros in dy the sparse input gradient beats the GEMM. Measured on Basset's
    // second convolution (300 channels, 11 taps, batch 50, 2 threads): 3.1x faster at 10 % nonzeros, 1.7x
    // at 20 %, even near 28 %. Behind ReLU and a pool of 4 there are at most 25 %. Inputs of fewer
    // channels than a vector's lanes (first layers) keep the GEMM: the padding would be wasted.
    static constexpr double sparse_input_gradient_density = 0.25;

    void ensure_workspaces(int workers) {
        if (static_cast<int>(workspaces_.size()) < workers) workspaces_.resize(workers);
    }

    /// pack_a of an M x K view of the weights, split across workers by row panels.
    void pack_weights(context<cpu>& ctx, aligned_buffer<T>& dst, index_t M, index_t K,
                      cpu_kernels::strided_matrix<T> src) {
        constexpr index_t MR = cpu_kernels::gemm_shape<T>::mr;
        dst.resize(static_cast<std::size_t>(cpu_kernels::packed_a_size<T>(M, K)));
        const index_t panels = (M + MR - 1) / MR;
        ctx.pool().parallel_for(panels, double(MR * K), [&](index_t b, index_t e, int) {
            const index_t r0 = b * MR, rows = std::min(M, e * MR) - r0;
            cpu_kernels::pack_a<T>(rows, K, cpu_kernels::strided_matrix<T>{src.data + r0 * src.row_stride,
                                                                           src.row_stride, src.col_stride},
                                   dst.data() + r0 * K);
        });
    }

    void run_forward(context<cpu>& ctx, const_batch_view<T> x, batch_view<T> y,
                     const cpu_kernels::row_epilogue<T>& epi, const cpu_kernels::pool_epilogue& pool) {
        using namespace cpu_kernels;
        ensure_workspaces(ctx.threads());
        const index_t ck = geom_.patch(), F = opts_.filters, N = x.batch;
        // Repack only when the weights changed since the last pass: comparing is several times cheaper
        // than packing, and at batch 1 packing is a tenth of a small layer's time.
        const std::size_t bytes = static_cast<std::size_t>(weight_size()) * sizeof(T);
        if (packed_from_.size() != static_cast<std::size_t>(weight_size()) ||
            std::memcmp(packed_from_.data(), w_, bytes) != 0) {
            pack_weights(ctx, w_packed_, F, ck, strided_matrix<T>{w_, ck, 1});
            packed_from_.resize(static_cast<std::size_t>(weight_size()));
            std::memcpy(packed_from_.data(), w_, bytes);
        }
        if (N >= ctx.threads()) {
            ctx.pool().parallel_for(N, double(flops()), [&](index_t b, index_t e, int w) {
                conv1d_forward(geom_, x.data, w_packed_.data(), y.data, b, e, 0, F, epi, pool, workspaces_[w]);
            });
            return;
        }
        // Fewer samples than workers (batch 1): split the filters.
        constexpr index_t MR = gemm_shape<T>::mr;
        const index_t panels = (F + MR - 1) / MR;
        ctx.pool().parallel_for(panels, double(flops()) * N / panels, [&](index_t b, index_t e, int w) {
            conv1d_forward(geom_, x.data, w_packed_.data(), y.data, 0, N, b * MR, std::min(F, e * MR), epi, pool,
                           workspaces_[w]);
        });
    }

    cpu_kernels::conv1d_geometry geom_{};
    T *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
    aligned_buffer<T> w_packed_, wt_packed_, dy_packed_, taps_;
    aligned_buffer<T> packed_from_;  // the weights w_packed_ was built from
    std::vector<cpu_kernels::conv1d_workspace<T>> workspaces_;
};

/// Compile-time spec: conv1d<filters, kernel, padding, stride, dilation, bias>.
template <index_t Filters, index_t Kernel, padding Pad = valid, index_t Stride = 1, index_t Dilation = 1,
          bool Bias = true>
struct conv1d : spec_of<conv1d_options{Filters, Kernel, Pad, Stride, Dilation, Bias}, conv1d_layer> {};

}  // namespace seqnet
