// seqnet/backend/gpu/conv1d.hpp -- 1-D convolution on a GPU device as im2col plus one GEMM per chunk of
// samples (the layout of backend/cpu/conv1d.hpp's geometry and SCIENCE.md section 1).
//
// For a chunk of n samples, cols is (C*K) x (n*L_out): column (s, j) holds the input patch under output j
// of sample s, zero where it reads padding. Then
//   forward          Y' (F x n*L_out) = W (F x C*K) cols, scattered to y (n x F x L_out) with the bias
//   weight gradient  dW += dY' cols^T, db += row sums of dY' (dY' is dy gathered to F x n*L_out)
//   input gradient   dcols = W^T dY', gathered back: each input value sums the taps that read it
// Each kernel writes only its own element (the col2im gather needs no atomics). Chunks keep cols under
// 2^25 values (128 MiB in float); the workspaces only grow.
#pragma once

#include <seqnet/backend/context.hpp>
#include <seqnet/backend/cpu/conv1d.hpp>
#include <seqnet/backend/device_memory.hpp>
#include <seqnet/backend/gpu/runtime.hpp>

#include <algorithm>

namespace seqnet {

namespace gpu_kernels {

using conv1d_geometry = cpu_kernels::conv1d_geometry;

/// Thread i: row r = i / (n L_out) of cols (channel c = r / K, tap k = r % K), column i % (n L_out).
template <class T>
struct im2col {
    const T* x;  // the chunk's first sample
    T* cols;
    conv1d_geometry g;
    index_t width;  // n * L_out
    SEQNET_HD void operator()(index_t i) const {
        const index_t r = i / width, col = i % width;
        const index_t c = r / g.kernel, k = r % g.kernel, s = col / g.out_length, j = col % g.out_length;
        const index_t p = j * g.stride - g.pad_left + k * g.dilation;
        cols[i] = p >= 0 && p < g.in_length ? x[(s * g.in_channels + c) * g.in_length + p] : T(0);
    }
};

/// Thread i over y's chunk (n x F x L_out): y = Y'[f, s L_out + j] + b[f].
template <class T>
struct scatter_output {
    const T* yp;
    const T* bias;  // may be null
    T* y;
    index_t filters, out_length, width;
    SEQNET_HD void operator()(index_t i) const {
        const index_t j = i % out_length, f = (i / out_length) % filters, s = i / (out_length * filters);
        y[i] = yp[f * width + s * out_length + j] + (bias ? bias[f] : T(0));
    }
};

/// Thread i over y's chunk (n x F x L_y): the epilogue of Y' (layers/gpu/fusion.hpp), max-pooled over
/// its windows when it pools (L_y the pooled length), or value by value (L_y = L_out).
template <class T, class Epilogue>
struct scatter_fused_output {
    const T* yp;
    T* y;
    Epilogue e;
    index_t filters, out_length, width, length;
    SEQNET_HD void operator()(index_t i) const {
        const index_t j = i % length, f = (i / length) % filters, s = i / (length * filters);
        const T* row = yp + f * width + s * out_length;
        if (!e.pool) {
            y[i] = e.apply(f, row[j]);
            return;
        }
        T m = e.apply(f, row[j * e.stride]);
        for (index_t k = 1; k < e.pool; ++k) m = max_of(m, e.apply(f, row[j * e.stride + k]));
        y[i] = m;
    }
};

/// Thread i over dY' (F x n L_out): the gather of dy.
template <class T>
struct gather_output_gradient {
    const T* dy;
    T* dyp;
    index_t filters, out_length, width;
    SEQNET_HD void operator()(index_t i) const {
        const index_t f = i / width, col = i % width, s = col / out_length, j = col % out_length;
        dyp[i] = dy[(s * filters + f) * out_length + j];
    }
};

/// Thread f: out[f] += sum of row f.
template <class T>
struct accumulate_row_sums {
    const T* rows;
    T* out;
    index_t width;
    SEQNET_HD void operator()(index_t f) const {
        T s = 0;
        for (index_t i = 0; i < width; ++i) s += rows[f * width + i];
        out[f] += s;
    }
};

/// Thread i over dx's chunk (n x C x L): the sum of dcols over the taps that read input value i.
template <class T>
struct col2im {
    const T* dcols;
    T* dx;
    conv1d_geometry g;
    index_t width;
    SEQNET_HD void operator()(index_t i) const {
        const index_t p = i % g.in_length, c = (i / g.in_length) % g.in_channels;
        const index_t s = i / (g.in_length * g.in_channels);
        T acc = 0;
        for (index_t k = 0; k < g.kernel; ++k) {
            const index_t q = p + g.pad_left - k * g.dilation;  // j * stride
            if (q < 0 || q % g.stride != 0) continue;
            const index_t j = q / g.stride;
            if (j >= g.out_length) continue;
            acc += dcols[(c * g.kernel + k) * width + s * g.out_length + j];
        }
        dx[i] = acc;
    }
};

}  // namespace gpu_kernels

/// The convolution's passes on a GPU device for one geometry, with its workspaces.
template <class T, class Dev>
class gpu_conv1d {
public:
    /// Values of cols per chunk at most (at least one sample per chunk).
    static constexpr index_t chunk_values = index_t(1) << 25;

    explicit gpu_conv1d(cpu_kernels::conv1d_geometry g = {}) : g_(g) {}

    const cpu_kernels::conv1d_geometry& geometry() const { return g_; }

    /// y = conv(x) + bias (bias may be null).
    void forward(context<Dev>& ctx, const T* x, const T* w, const T* bias, T* y, index_t batch) {
        const index_t F = g_.filters, Lo = g_.out_length;
        for_product_chunks(ctx, x, w, batch, [&](index_t n0, index_t n, index_t width) {
            gpu_runtime<Dev>::for_each(ctx, n * F * Lo,
                                       gpu_kernels::scatter_output<T>{rows_.data(), bias, y + n0 * F * Lo, F, Lo, width});
        });
    }

    /// Inference with an epilogue (layers/gpu/fusion.hpp: bias, batch norm, ReLU, max pool) applied as
    /// the GEMM's output is scattered; y has the pooled length when the epilogue pools.
    template <class Epilogue>
    void forward_fused(context<Dev>& ctx, const T* x, const T* w, const Epilogue& e, T* y, index_t batch) {
        const index_t F = g_.filters, Lo = g_.out_length, Ly = e.pool ? e.pooled_length : Lo;
        for_product_chunks(ctx, x, w, batch, [&](index_t n0, index_t n, index_t width) {
            gpu_runtime<Dev>::for_each(ctx, n * F * Ly,
                                       gpu_kernels::scatter_fused_output<T, Epilogue>{rows_.data(), y + n0 * F * Ly, e, F,
                                                                                      Lo, width, Ly});
        });
    }

    /// dw += dW and db += db (when not null) if dw is not null; dx = J^T dy if dx is not null.
    void backward(context<Dev>& ctx, const T* x, const T* w, const T* dy, T* dw, T* db, T* dx, index_t batch) {
        using rt = gpu_runtime<Dev>;
        const index_t CK = g_.patch(), F = g_.filters, Lo = g_.out_length;
        for_chunks(batch, [&](index_t n0, index_t n) {
            const index_t width = n * Lo;
            grow_to(rows_, F * width);
            rt::for_each(ctx, F * width, gpu_kernels::gather_output_gradient<T>{dy + n0 * F * Lo, rows_.data(), F, Lo, width});
            if (dw) {
                grow_to(cols_, CK * width);
                rt::for_each(ctx, CK * width, gpu_kernels::im2col<T>{x + n0 * in_size(), cols_.data(), g_, width});
                rt::gemm(ctx, transpose::no, transpose::yes, F, CK, width, T(1), rows_.data(), width, cols_.data(),
                         width, T(1), dw, CK);
                if (db) {  // rows of n L_out values: summed in two steps, so F x lanes threads share the work
                    const index_t lanes = std::min<index_t>(width, 256);
                    grow_to(lanes_, F * lanes);
                    rt::for_each(ctx, F * lanes, gpu_kernels::strided_row_sums<T>{rows_.data(), lanes_.data(), width, lanes});
                    rt::for_each(ctx, F, gpu_kernels::accumulate_row_sums<T>{lanes_.data(), db, lanes});
                }
            }
            if (dx) {
                grow_to(dcols_, CK * width);
                rt::gemm(ctx, transpose::yes, transpose::no, CK, width, F, T(1), w, CK, rows_.data(), width, T(0),
                         dcols_.data(), width);
                rt::for_each(ctx, n * in_size(), gpu_kernels::col2im<T>{dcols_.data(), dx + n0 * in_size(), g_, width});
            }
        });
    }

private:
    index_t in_size() const { return g_.in_channels * g_.in_length; }

    /// For each chunk of samples: rows_ = W cols (F x n L_out), then scatter(n0, n, n L_out).
    template <class Scatter>
    void for_product_chunks(context<Dev>& ctx, const T* x, const T* w, index_t batch, Scatter&& scatter) {
        const index_t CK = g_.patch(), F = g_.filters, Lo = g_.out_length;
        for_chunks(batch, [&](index_t n0, index_t n) {
            const index_t width = n * Lo;
            grow_to(cols_, CK * width);
            grow_to(rows_, F * width);
            gpu_runtime<Dev>::for_each(ctx, CK * width, gpu_kernels::im2col<T>{x + n0 * in_size(), cols_.data(), g_, width});
            gpu_runtime<Dev>::gemm(ctx, transpose::no, transpose::no, F, width, CK, T(1), w, CK, cols_.data(), width, T(0),
                                   rows_.data(), width);
            scatter(n0, n, width);
        });
    }

    template <class F>
    void for_chunks(index_t batch, F&& f) {
        const index_t per_sample = std::max<index_t>(1, std::max(g_.patch(), g_.filters) * g_.out_length);
        const index_t chunk = std::max<index_t>(1, chunk_values / per_sample);
        for (index_t n0 = 0; n0 < batch; n0 += chunk) f(n0, std::min(chunk, batch - n0));
    }

    cpu_kernels::conv1d_geometry g_;
    typename device_memory<Dev>::template buffer<T> cols_, rows_, dcols_, lanes_;
};

}  // namespace seqnet
