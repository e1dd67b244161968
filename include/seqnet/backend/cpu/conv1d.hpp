// seqnet/backend/cpu/conv1d.hpp -- 1-D convolution (cross-correlation) forward and backward on the CPU.
//
// Every pass is the packed GEMM of gemm.hpp with a convolution-specific packer or sink, so no im2col
// matrix is ever materialised (SCIENCE.md section 1 for the index maps):
//   forward  Y[F x (n, Lout)] = W[F x CK] * Xcol[CK x (n, Lout)]   (B packed straight from x; a few
//                                                                   samples per GEMM when Lout is short)
//   dW, db   [dW db][F x CK+1] += dY[F x (n, Lout)] * [Xcol^T 1]      (one GEMM over the whole batch;
//                                                                   a column of ones gives the bias)
//   dX       dXcol[CK x (n, Lout)] = W^T * dY, scattered into dx  (sink adds tiles into dx rows; a
//                                                                   few samples per GEMM, as forward)
// with CK = C_in * K and row (c, k) = c * K + k, the order of PyTorch's weight[f][c][k]. Forward and dX
// split the batch across workers; dW splits its columns, so no partial sums need reducing.
#pragma once

#include <xsimd/xsimd.hpp>

#include <seqnet/backend/cpu/gemm.hpp>
#include <seqnet/backend/cpu/pool.hpp>
#include <seqnet/backend/cpu/reduce.hpp>
#include <seqnet/config.hpp>

#include <algorithm>
#include <cstring>

namespace seqnet::cpu_kernels {

/// Everything the kernels need to know about one convolution.
struct conv1d_geometry {
    index_t in_channels;
    index_t in_length;
    index_t filters;
    index_t kernel;
    index_t stride;
    index_t dilation;
    index_t pad_left;
    index_t out_length;

    constexpr index_t patch() const { return in_channels * kernel; }
    /// Input position read by output j through tap k (may be outside [0, in_length): padding).
    constexpr index_t input_pos(index_t j, index_t k) const {
        return j * stride - pad_left + k * dilation;
    }
};

/// Copies a run of at most a few register widths: inline vector moves rather than a memcpy call,
/// which costs more than the copy at these sizes (a first layer packs hundreds of such runs per tile).
template <class T>
inline void copy_short(T* dst, const T* src, index_t n) {
    using batch = xsimd::batch<T>;
    constexpr index_t W = batch::size;
    index_t i = 0;
    for (; i + W <= n; i += W) batch::load_unaligned(src + i).store_unaligned(dst + i);
    for (; i < n; ++i) dst[i] = src[i];
}

/// o[t] = row[first + t * step] for t < length, zero where the position falls outside [0, row_length):
/// one run of a packed panel, reading through the convolution's zero padding.
template <class T>
inline void gather_run(T* o, const T* row, index_t first, index_t step, index_t length, index_t row_length) {
    if (step == 1) {
        const index_t lo = std::clamp<index_t>(-first, 0, length);
        const index_t hi = std::clamp<index_t>(row_length - first, lo, length);
        for (index_t t = 0; t < lo; ++t) o[t] = T(0);
        copy_short(o + lo, row + first + lo, hi - lo);
        for (index_t t = hi; t < length; ++t) o[t] = T(0);
        return;
    }
    for (index_t t = 0; t < length; ++t) {
        const index_t i = first + t * step;
        o[t] = (i >= 0 && i < row_length) ? row[i] : T(0);
    }
}

/// Packs the im2col matrix of a group of samples laid side by side along the columns:
/// B[(c, k), n * L_out + j] = x[n, c, j*s - p + k*d], zero outside the input. Grouping short outputs
/// (a deep layer's 40 positions) fills the NR-wide register tiles that one sample would leave empty.
template <class T>
struct im2col_packer {
    const T* x;  // first sample of the group
    conv1d_geometry g;

    void operator()(index_t k0, index_t kc, index_t j0, T* out, index_t total_cols) const {
        constexpr int NR = gemm_shape<T>::nr;
        const index_t cols = std::min<index_t>(NR, total_cols - j0);
        const index_t sample_size = g.in_channels * g.in_length;
        // The panel's columns split into runs, one per sample they touch; found once, not per row.
        struct run_t {
            index_t q, j, length;
            const T* sample;
        } runs[NR];
        int run_count = 0;
        for (index_t q = 0; q < cols;) {
            const index_t n = (j0 + q) / g.out_length, j = (j0 + q) % g.out_length;
            const index_t length = std::min(cols - q, g.out_length - j);
            runs[run_count++] = {q, j, length, x + n * sample_size};
            q += length;
        }
        index_t c = k0 / g.kernel, k = k0 % g.kernel;  // row (c, k), advanced without dividing
        for (index_t r = 0; r < kc; ++r, out += NR) {
            for (int u = 0; u < run_count; ++u) {
                const run_t& ru = runs[u];
                gather_run(out + ru.q, ru.sample + c * g.in_length, g.input_pos(ru.j, k), g.stride, ru.length,
                           g.in_length);
            }
            for (index_t q = cols; q < NR; ++q) out[q] = T(0);
            if (++k == g.kernel) {
                k = 0;
                ++c;
            }
        }
    }
};

/// Sink storing a group's tiles into N x F x L_out memory (column n * L_out + j of row f lands on
/// y[n, f, j]), applying the epilogue.
template <class T>
struct grouped_store_sink {
    T* y;
    index_t filters;
    index_t out_length;
    row_epilogue<T> epilogue;

    void operator()(index_t i0, index_t j0, const T* tile, index_t rows, index_t cols, bool first,
                    bool last) const {
        constexpr int NR = gemm_shape<T>::nr;
        for (index_t q = 0; q < cols;) {
            const index_t n = (j0 + q) / out_length, j = (j0 + q) % out_length;
            const index_t run = std::min(cols - q, out_length - j);
            for (index_t r = 0; r < rows; ++r) {
                const index_t f = i0 + r;
                store_row(y + (n * filters + f) * out_length + j, tile + r * NR + q, run, !first, last,
                          epilogue, f);
            }
            q += run;
        }
    }
};

/// Packs B = Xcol^T for the weight gradient over a run of samples laid end to end along K:
/// row r = n * L_out + j, column (c, k): B[r, (c, k)] = x[n0 + n, c, j*s - p + k*d].
/// A panel's columns are runs of consecutive taps of one channel, which (for dilation 1) read
/// consecutive input positions: each row is a few short vector copies, not a gather.
/// With `ones_column`, column CK is all ones, so the same GEMM sums dY over positions: the bias gradient.
template <class T>
struct im2col_transposed_packer {
    const T* x;  // first sample of the run
    conv1d_geometry g;
    bool ones_column = false;

    void operator()(index_t k0, index_t kc, index_t col0, T* out) const {
        constexpr int NR = gemm_shape<T>::nr;
        const index_t cols = std::max<index_t>(0, std::min<index_t>(NR, g.patch() - col0));
        const index_t ones = ones_column && g.patch() - col0 < NR ? g.patch() - col0 : -1;
        struct run_t {
            index_t q, length, row_offset, first_tap;  // columns [q, q + length) = taps of one channel
        } runs[NR];
        int run_count = 0;
        for (index_t q = 0; q < cols;) {
            const index_t c = (col0 + q) / g.kernel, k = (col0 + q) % g.kernel;
            const index_t length = std::min(cols - q, g.kernel - k);
            runs[run_count++] = {q, length, c * g.in_length, k * g.dilation - g.pad_left};
            q += length;
        }
        const index_t sample_size = g.in_channels * g.in_length;
        index_t n = k0 / g.out_length, j = k0 % g.out_length;  // advanced without dividing
        for (index_t r = 0; r < kc; ++r, out += NR) {
            const T* xn = x + n * sample_size;
            const index_t base = j * g.stride;
            for (int u = 0; u < run_count; ++u) {
                const run_t& ru = runs[u];
                gather_run(out + ru.q, xn + ru.row_offset, base + ru.first_tap, g.dilation, ru.length, g.in_length);
            }
            for (index_t q = cols; q < NR; ++q) out[q] = T(0);
            if (ones >= 0) out[ones] = T(1);
            if (++j == g.out_length) {
                j = 0;
                ++n;
            }
        }
    }
};

/// Sink that adds dXcol tiles of a group of samples into dx (col2im): tile row (c, k), column
/// m * L_out + j lands on dx[m, c, j*s - p + k*d].
template <class T>
struct col2im_sink {
    T* dx;  // first sample of the group, C x L each, pre-zeroed
    conv1d_geometry g;

    void operator()(index_t i0, index_t j0, const T* tile, index_t rows, index_t cols, bool, bool) const {
        constexpr int NR = gemm_shape<T>::nr;
        for (index_t q = 0; q < cols;) {
            const index_t m = (j0 + q) / g.out_length, j = (j0 + q) % g.out_length;
            const index_t run = std::min(cols - q, g.out_length - j);
            T* dxm = dx + m * g.in_channels * g.in_length;
            index_t c = i0 / g.kernel, k = i0 % g.kernel;  // row (c, k), advanced without dividing
            for (index_t r = 0; r < rows; ++r) {
                add_tap(dxm + c * g.in_length, tile + r * NR + q, g.input_pos(j, k), run);
                if (++k == g.kernel) {
                    k = 0;
                    ++c;
                }
            }
            q += run;
        }
    }

    // dxc[start + t * s] += t[t] for the positions inside the row.
    void add_tap(T* dxc, const T* t, index_t start, index_t run) const {
        if (g.stride == 1) {
            const index_t lo = std::clamp<index_t>(-start, 0, run);
            const index_t hi = std::clamp<index_t>(g.in_length - start, lo, run);
            T* d = dxc + start;
#pragma GCC ivdep
            for (index_t j = lo; j < hi; ++j) d[j] += t[j];
            return;
        }
        for (index_t j = 0; j < run; ++j) {
            const index_t i = start + j * g.stride;
            if (i >= 0 && i < g.in_length) dxc[i] += t[j];
        }
    }
};

/// Packs the B operand of the input gradient for a group of samples laid side by side:
/// B[f, m * L_out + j] = dy[m, f, j].
template <class T>
struct grouped_output_gradient_packer {
    const T* dy;  // first sample of the group
    conv1d_geometry g;
    index_t total_cols;

    void operator()(index_t k0, index_t kc, index_t j0, T* out) const {
        constexpr int NR = gemm_shape<T>::nr;
        const index_t cols = std::min<index_t>(NR, total_cols - j0);
        for (index_t r = 0; r < kc; ++r, out += NR) {
            const index_t f = k0 + r;
            for (index_t q = 0; q < cols;) {
                const index_t m = (j0 + q) / g.out_length, j = (j0 + q) % g.out_length;
                const index_t run = std::min(cols - q, g.out_length - j);
                copy_short(out + q, dy + (m * g.filters + f) * g.out_length + j, run);
                q += run;
            }
            for (index_t q = cols; q < NR; ++q) out[q] = T(0);
        }
    }
};

/// Max pooling fused after the convolution: applied to each sample's full conv output.
struct pool_epilogue {
    index_t size = 1;
    index_t stride = 1;
    index_t out_length = 0;
    bool active() const { return size > 1 || stride > 1; }
};

/// Per-worker scratch of a convolution layer.
template <class T>
struct conv1d_workspace {
    gemm_workspace<T> gemm;
    aligned_buffer<T> conv_out;  // one sample's pre-pooling output (fused pooling only)
    aligned_buffer<T> dweight, dbias;  // this worker's partial sums (weight gradient split by samples)
    aligned_buffer<T> positions;       // one sample's input gradient, position-major (sparse path)
};

/// Samples per GEMM in the forward pass: enough that a group spans about eight register tiles.
template <class T>
constexpr index_t forward_group(const conv1d_geometry& g) {
    return std::max<index_t>(1, (8 * gemm_shape<T>::nr + g.out_length - 1) / g.out_length);
}

/// Forward for samples [n_begin, n_end) and filters [f_begin, f_end) (f_begin a multiple of MR; a
/// batch smaller than the worker count splits the filters instead of the samples). `w_packed` is
/// pack_a of W (F x CK). `epi` applies per-filter scale/shift (bias, folded batch norm) and ReLU;
/// `pool` optionally max-pools the result, in which case y rows have pool.out_length positions.
template <class T>
void conv1d_forward(const conv1d_geometry& g, const T* x, const T* w_packed, T* y, index_t n_begin,
                    index_t n_end, index_t f_begin, index_t f_end, const row_epilogue<T>& epi,
                    const pool_epilogue& pool, conv1d_workspace<T>& ws) {
    const index_t in_size = g.in_channels * g.in_length;
    const index_t conv_size = g.filters * g.out_length;
    const index_t out_size = pool.active() ? g.filters * pool.out_length : conv_size;
    const index_t group = forward_group<T>(g);
    if (pool.active()) ws.conv_out.resize(static_cast<std::size_t>(conv_size * std::min(group, n_end - n_begin)));
    for (index_t n = n_begin; n < n_end; n += group) {
        const index_t count = std::min(group, n_end - n);
        const index_t cols = count * g.out_length;
        T* target = pool.active() ? ws.conv_out.data() : y + n * out_size;
        const im2col_packer<T> packer{x + n * in_size, g};
        gemm<T>(f_begin, f_end, cols, g.patch(), w_packed,
                [&](index_t k0, index_t kc, index_t j0, T* out) { packer(k0, kc, j0, out, cols); },
                grouped_store_sink<T>{target, g.filters, g.out_length, epi}, ws.gemm);
        if (pool.active())
            for (index_t m = 0; m < count; ++m)
                for (index_t f = f_begin; f < f_end; ++f)
                    maxpool_row_forward(target + (m * g.filters + f) * g.out_length,
                                        y + (n + m) * out_size + f * pool.out_length, pool.out_length,
                                        pool.size, pool.stride);
    }
}

/// Packs dY of samples [n_begin, n_end) of N into the A operand (F x N*L_out) of the weight gradient,
/// where the samples sit side by side.
template <class T>
void pack_output_gradient(const conv1d_geometry& g, const T* dy, index_t n_begin, index_t n_end, index_t N,
                          T* dst) {
    const index_t out_size = g.filters * g.out_length;
    for (index_t n = n_begin; n < n_end; ++n)
        pack_a<T>(g.filters, g.out_length, strided_matrix<T>{dy + n * out_size, g.out_length, 1}, dst,
                  n * g.out_length, N * g.out_length);
}

/// Packs one K-block of the same A operand (columns n * L_out + j of samples laid end to end) for
/// gemm_packing_a: the output gradient is read once, and its packed copy never leaves the cache.
template <class T>
struct output_gradient_packer {
    const T* dy;  // first sample of the run
    conv1d_geometry g;

    void operator()(index_t f_begin, index_t f_end, index_t k0, index_t kc, T* out) const {
        constexpr int MR = gemm_shape<T>::mr;
        for (index_t f0 = f_begin; f0 < f_end; f0 += MR, out += kc * MR) {
            const index_t rows = std::min<index_t>(MR, f_end - f0);
            for (index_t q = 0; q < kc;) {
                const index_t n = (k0 + q) / g.out_length, j = (k0 + q) % g.out_length;
                const index_t run = std::min(kc - q, g.out_length - j);
                const T* src = dy + (n * g.filters + f0) * g.out_length + j;
                T* o = out + q * MR;
                for (index_t r = 0; r < rows; ++r, src += g.out_length)
                    for (index_t t = 0; t < run; ++t) o[t * MR + r] = src[t];
                for (index_t r = rows; r < MR; ++r)
                    for (index_t t = 0; t < run; ++t) o[t * MR + r] = T(0);
                q += run;
            }
        }
    }
};

/// Sink adding weight-gradient tiles into dw (F x CK); column CK, when present, is the bias gradient.
template <class T>
struct weight_gradient_sink {
    T* dw;
    T* db;  // null: no bias column
    index_t patch;

    void operator()(index_t i0, index_t j0, const T* tile, index_t rows, index_t cols, bool, bool) const {
        constexpr int NR = gemm_shape<T>::nr;
        const index_t weight_cols = std::clamp<index_t>(patch - j0, 0, cols);
        for (index_t r = 0; r < rows; ++r) {
            const index_t f = i0 + r;
            if (weight_cols > 0) store_row(dw + f * patch + j0, tile + r * NR, weight_cols, true, false, {}, f);
            if (weight_cols < cols) db[f] += tile[r * NR + weight_cols];
        }
    }
};

/// Columns of the weight-gradient GEMM: the CK weights, and one more for the bias when `db` is set.
inline index_t weight_gradient_columns(const conv1d_geometry& g, bool bias) { return g.patch() + (bias ? 1 : 0); }

/// Weight gradient columns [col_begin, col_end) of (c, k), summed over all N samples, added into
/// dw (F x CK) and, for column CK, db: dW += [dY_0 ... dY_N-1] * [Xcol_0 ... Xcol_N-1]^T, one GEMM with
/// K = N * L_out, so each block of dW stays in cache for the whole batch. `dy_packed` is
/// pack_output_gradient's result, shared by workers that split the columns.
template <class T>
void conv1d_backward_weights(const conv1d_geometry& g, const T* x, const T* dy_packed, index_t N, T* dw, T* db,
                             index_t col_begin, index_t col_end, gemm_workspace<T>& ws) {
    gemm<T>(0, g.filters, col_begin, col_end, N * g.out_length, dy_packed,
            im2col_transposed_packer<T>{x, g, db != nullptr}, weight_gradient_sink<T>{dw, db, g.patch()}, ws);
}

/// The same over all columns for one worker's run of N samples, packing dY block by block.
template <class T>
void conv1d_backward_weights_streaming(const conv1d_geometry& g, const T* x, const T* dy, index_t N, T* dw, T* db,
                                       gemm_workspace<T>& ws) {
    gemm_packing_a<T>(0, g.filters, 0, weight_gradient_columns(g, db != nullptr), N * g.out_length,
                      output_gradient_packer<T>{dy, g}, im2col_transposed_packer<T>{x, g, db != nullptr},
                      weight_gradient_sink<T>{dw, db, g.patch()}, ws);
}

/// Input gradient of samples [n_begin, n_end): dx = conv^T(dy), a group of samples per GEMM as in the
/// forward pass. `wt_packed` is pack_a of W^T (CK x F).
template <class T>
void conv1d_backward_input(const conv1d_geometry& g, const T* dy, const T* wt_packed, T* dx,
                           index_t n_begin, index_t n_end, conv1d_workspace<T>& ws) {
    const index_t in_size = g.in_channels * g.in_length;
    const index_t out_size = g.filters * g.out_length;
    const index_t group = forward_group<T>(g);
    for (index_t n = n_begin; n < n_end; n += group) {
        const index_t count = std::min(group, n_end - n), cols = count * g.out_length;
        T* dxn = dx + n * in_size;
        std::fill(dxn, dxn + count * in_size, T(0));
        gemm<T>(0, g.patch(), cols, g.filters, wt_packed,
                grouped_output_gradient_packer<T>{dy + n * out_size, g, cols}, col2im_sink<T>{dxn, g}, ws.gemm);
    }
}

/// The fraction of nonzero values among n.
template <class T>
double nonzero_fraction(const T* v, index_t n) {
    index_t nz = 0;
    for (index_t i = 0; i < n; ++i) nz += v[i] != T(0);
    return n ? double(nz) / double(n) : 0.0;
}

/// Row stride of the tap and scratch rows of sparse_conv1d_backward_input: C rounded up to whole vectors.
template <class T>
constexpr index_t sparse_row_stride(index_t channels) {
    constexpr index_t lanes = static_cast<index_t>(xsimd::batch<T>::size);
    return (channels + lanes - 1) / lanes * lanes;
}

/// The weights as taps for sparse_conv1d_backward_input: W[f, c, k] at (f * K + k) * Cp + c, zero-padded
/// to Cp = sparse_row_stride(C).
template <class T>
void pack_taps(const conv1d_geometry& g, const T* w, T* taps) {
    const index_t C = g.in_channels, K = g.kernel, Cp = sparse_row_stride<T>(C);
    std::fill(taps, taps + g.filters * K * Cp, T(0));
    for (index_t f = 0; f < g.filters; ++f)
        for (index_t c = 0; c < C; ++c)
            for (index_t k = 0; k < K; ++k) taps[(f * K + k) * Cp + c] = w[(f * C + c) * K + k];
}

/// Input gradient of samples [n_begin, n_end) from an output gradient that is mostly zeros (behind a
/// ReLU and a max pool, at most one position per pooling window is not): each nonzero dy[f, j] adds
/// W[f, :, k] * dy to input position j*s - p + k*d, for every tap k. The cost follows the nonzeros, not
/// the output's size. Sums run over a position-major scratch (channels contiguous and padded to whole
/// vectors: one vector loop per tap), filter by filter so that a filter's taps stay in L1. `taps` is
/// pack_taps' output; `scratch` grows to in_length x Cp.
template <class T>
void sparse_conv1d_backward_input(const conv1d_geometry& g, const T* dy, const T* taps, T* dx, index_t n_begin,
                                  index_t n_end, aligned_buffer<T>& scratch) {
    using batch = xsimd::batch<T>;
    constexpr index_t lanes = static_cast<index_t>(batch::size);
    const index_t C = g.in_channels, L = g.in_length, K = g.kernel, F = g.filters, Lout = g.out_length;
    const index_t Cp = sparse_row_stride<T>(C);
    scratch.resize(static_cast<std::size_t>(L * Cp));
    T* acc = scratch.data();
    for (index_t n = n_begin; n < n_end; ++n) {
        std::fill(acc, acc + L * Cp, T(0));
        for (index_t f = 0; f < F; ++f) {
            const T* gy = dy + (n * F + f) * Lout;
            const T* wf = taps + f * K * Cp;
            for (index_t j = 0; j < Lout; ++j) {
                if (gy[j] == T(0)) continue;
                const batch v(gy[j]);
                for (index_t k = 0; k < K; ++k) {
                    const index_t i = g.input_pos(j, k);
                    if (i < 0 || i >= L) continue;
                    T* row = acc + i * Cp;
                    const T* w = wf + k * Cp;
                    for (index_t c = 0; c < Cp; c += lanes)
                        xsimd::fma(batch::load_unaligned(w + c), v, batch::load_unaligned(row + c)).store_unaligned(row + c);
                }
            }
        }
        T* out = dx + n * C * L;  // back to channel-major
        for (index_t c = 0; c < C; ++c)
            for (index_t i = 0; i < L; ++i) out[c * L + i] = acc[i * Cp + c];
    }
}

}  // namespace seqnet::cpu_kernels
