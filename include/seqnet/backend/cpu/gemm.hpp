// seqnet/backend/cpu/gemm.hpp -- packed, register-blocked matrix multiply with pluggable packing and
// output sinks, written with xsimd for the instruction set the user compiles for.
//
// Computes C = A * B for A (M x K) and B (K x N) in the BLIS manner: A is packed into MR-row panels
// (usually once per call, shared by all samples), B into NR-column panels one K-block at a time, and a
// micro-kernel keeps an MR x NR tile in registers. Two hooks make it the engine of every linear layer:
//  * the B packer is a callable, so a convolution packs its im2col matrix straight from the input
//    without materialising it;
//  * the result goes to a sink, called once per tile and K-block, so a layer stores with an epilogue
//    (bias, folded batch norm, ReLU), accumulates weight gradients, or scatters col2im sums into dx.
// Cost: 2*M*N*K flops; packing touches A once per call and B once per row block.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/tensor/buffer.hpp>

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cstring>

namespace seqnet::cpu_kernels {

template <class T>
struct gemm_shape {
    using batch = xsimd::batch<T>;
    static constexpr int lanes = static_cast<int>(batch::size);
    // Registers: MR x NV accumulators plus NV B vectors and a broadcast. 32 vector registers with
    // AVX-512, 16 otherwise.
// SEQNET_GEMM_MR / _NV / _KC override the register tile and K-block (for tuning on other CPUs).
#if defined(SEQNET_GEMM_MR) && defined(SEQNET_GEMM_NV)
    static constexpr int mr = SEQNET_GEMM_MR;
    static constexpr int nv = SEQNET_GEMM_NV;
#elif defined(__AVX512F__)  // 10 x 32 measured best on Zen 4; 200 and 300 filters divide evenly
    static constexpr int mr = 10;
    static constexpr int nv = 2;
#else
    static constexpr int mr = 6;
    static constexpr int nv = 2;
#endif
    static constexpr int nr = nv * lanes;
#if defined(SEQNET_GEMM_KC)
    static constexpr index_t kc = SEQNET_GEMM_KC;
#else
    static constexpr index_t kc = 256;  // an MR x KC A panel and a KC x NR B panel stay in L1/L2
#endif
    static constexpr index_t nc = 16 * nr;  // the M x NC block of C stays in L2 across the K loop
};

/// Rounds n up to a multiple of m.
constexpr index_t round_up(index_t n, index_t m) { return (n + m - 1) / m * m; }

/// A read-only strided matrix: element (i, k) is data[i * row_stride + k * col_stride].
template <class T>
struct strided_matrix {
    const T* data;
    index_t row_stride;
    index_t col_stride;
    const T& operator()(index_t i, index_t k) const { return data[i * row_stride + k * col_stride]; }
};

/// Packs rows [0, M) and all K columns of A into MR-row panels: panel p holds K x MR values, so the
/// K-block [k0, k0 + kc) of panel p starts at p * K * MR + k0 * MR. Rows past M are zero.
/// With k_total > K, A is one slice of a wider matrix whose columns [k_offset, k_offset + K) it fills
/// (a weight gradient packs each sample's dY next to the others' this way).
template <class T, class Source>
void pack_a(index_t M, index_t K, const Source& a, T* dst, index_t k_offset = 0, index_t k_total = -1) {
    constexpr int MR = gemm_shape<T>::mr;
    if (k_total < 0) k_total = K;
    for (index_t p = 0; p < M; p += MR) {
        const index_t rows = std::min<index_t>(MR, M - p);
        T* panel = dst + p * k_total + k_offset * MR;
        for (index_t k = 0; k < K; ++k) {
            T* out = panel + k * MR;
            index_t r = 0;
            for (; r < rows; ++r) out[r] = a(p + r, k);
            for (; r < MR; ++r) out[r] = T(0);
        }
    }
}

/// Size of the buffer pack_a needs.
template <class T>
constexpr index_t packed_a_size(index_t M, index_t K) {
    return round_up(M, gemm_shape<T>::mr) * K;
}

/// Packs the K-block [k0, k0 + kc) of a strided B into NR-column panels (kc x NR each), zero-padded.
template <class T>
struct strided_b_packer {
    strided_matrix<T> b;
    index_t cols;
    void operator()(index_t k0, index_t kc, index_t j0, T* out) const {
        constexpr int NR = gemm_shape<T>::nr;
        const index_t n = std::min<index_t>(NR, cols - j0);
        for (index_t k = 0; k < kc; ++k, out += NR) {
            if (b.col_stride == 1 && n == NR) {
                std::memcpy(out, &b(k0 + k, j0), NR * sizeof(T));
                continue;
            }
            index_t c = 0;
            for (; c < n; ++c) out[c] = b(k0 + k, j0 + c);
            for (; c < NR; ++c) out[c] = T(0);
        }
    }
};

/// tile[MR x NR] = sum over kc of a-panel column times b-panel row.
template <class T>
inline void micro_kernel(index_t kc, const T* __restrict a, const T* __restrict b, T* __restrict tile) {
    using shape_t = gemm_shape<T>;
    using batch = typename shape_t::batch;
    constexpr int MR = shape_t::mr, NV = shape_t::nv, W = shape_t::lanes;
    batch acc[MR][NV];
SEQNET_UNROLL(16)
    for (int r = 0; r < MR; ++r)
SEQNET_UNROLL(4)
        for (int v = 0; v < NV; ++v) acc[r][v] = batch(T(0));
    for (index_t k = 0; k < kc; ++k) {
        batch bv[NV];
SEQNET_UNROLL(4)
        for (int v = 0; v < NV; ++v) bv[v] = batch::load_aligned(b + v * W);
SEQNET_UNROLL(16)
        for (int r = 0; r < MR; ++r) {
            const batch av(a[r]);
SEQNET_UNROLL(4)
            for (int v = 0; v < NV; ++v) acc[r][v] = xsimd::fma(av, bv[v], acc[r][v]);
        }
        a += MR;
        b += NV * W;
    }
SEQNET_UNROLL(16)
    for (int r = 0; r < MR; ++r)
SEQNET_UNROLL(4)
        for (int v = 0; v < NV; ++v) acc[r][v].store_aligned(tile + r * NV * W + v * W);
}

/// Per-thread scratch for gemm(): the packed B block, one output tile, and the packed A block of
/// gemm_packing_a().
template <class T>
struct gemm_workspace {
    aligned_buffer<T> b_block;
    aligned_buffer<T> a_block;
    aligned_buffer<T> tile;
};

/// Where the micro-kernel finds the K-block of A's row panels: the panel of rows [m_begin + p * MR, ...)
/// starts at first + p * panel_stride.
template <class T>
struct a_panels {
    const T* first;
    index_t panel_stride;
};

/// The driver, BLIS's loop order: column blocks of NC (so the C block stays in L2 across all of K),
/// K-blocks of KC (B block packed once, reused by every row panel), then MR x NR micro-tiles.
/// `a_block(k0, kc)` gives the a_panels of rows [m_begin, m_end) (m_begin a multiple of MR) for one
/// K-block; `pack_b(k0, kc, j0, out)` packs a kc x NR panel starting at column j0.
/// `sink(i0, j0, tile, rows, cols, first_k_block, last_k_block)` receives each MR x NR tile (row-major,
/// stride NR) for every K-block; `rows` and `cols` are the valid extents.
template <class T, class ABlock, class PackB, class Sink>
void gemm_blocked(index_t m_begin, index_t m_end, index_t n_begin, index_t n_end, index_t K, ABlock&& a_block,
                  const PackB& pack_b, Sink&& sink, gemm_workspace<T>& ws) {
    using shape_t = gemm_shape<T>;
    constexpr int MR = shape_t::mr, NR = shape_t::nr;
    constexpr index_t KC = shape_t::kc, NC = shape_t::nc;
    if (m_begin >= m_end || n_begin >= n_end) return;
    ws.b_block.resize(static_cast<std::size_t>(std::min(K, KC) * std::min(round_up(n_end - n_begin, NR), NC)));
    ws.tile.resize(MR * NR);
    T* tile = ws.tile.data();
    if (K == 0) {  // empty product: sinks still see every tile once, as zeros
        std::fill(tile, tile + MR * NR, T(0));
        for (index_t i0 = m_begin; i0 < m_end; i0 += MR)
            for (index_t j0 = n_begin; j0 < n_end; j0 += NR)
                sink(i0, j0, tile, std::min<index_t>(MR, m_end - i0), std::min<index_t>(NR, n_end - j0),
                     true, true);
        return;
    }
    for (index_t jc = n_begin; jc < n_end; jc += NC) {
        const index_t nc = std::min(NC, n_end - jc);
        const index_t n_panels = (nc + NR - 1) / NR;
        for (index_t k0 = 0; k0 < K; k0 += KC) {
            const index_t kc = std::min(KC, K - k0);
            T* bp = ws.b_block.data();
            for (index_t q = 0; q < n_panels; ++q) pack_b(k0, kc, jc + q * NR, bp + q * kc * NR);
            const a_panels<T> a = a_block(k0, kc);
            const bool first = k0 == 0, last = k0 + kc >= K;
            for (index_t q = 0; q < n_panels; ++q) {
                const index_t j0 = jc + q * NR;
                const index_t cols = std::min<index_t>(NR, n_end - j0);
                const T* ap = a.first;
                for (index_t i0 = m_begin; i0 < m_end; i0 += MR, ap += a.panel_stride) {
                    micro_kernel(kc, ap, bp + q * kc * NR, tile);
                    sink(i0, j0, tile, std::min<index_t>(MR, m_end - i0), cols, first, last);
                }
            }
        }
    }
}

/// C = A * B with A packed once for the whole call: `a_packed` is pack_a's output for all M rows and
/// K columns; rows [m_begin, m_end) (m_begin a multiple of MR) and columns [n_begin, n_end) are computed.
template <class T, class PackB, class Sink>
void gemm(index_t m_begin, index_t m_end, index_t n_begin, index_t n_end, index_t K, const T* a_packed,
          const PackB& pack_b, Sink&& sink, gemm_workspace<T>& ws) {
    constexpr int MR = gemm_shape<T>::mr;
    gemm_blocked<T>(
        m_begin, m_end, n_begin, n_end, K,
        [&](index_t k0, index_t) { return a_panels<T>{a_packed + m_begin * K + k0 * MR, K * MR}; }, pack_b,
        std::forward<Sink>(sink), ws);
}

/// C = A * B with A packed one K-block at a time, for an A read once and too large to pack whole (a
/// weight gradient's output gradient over the batch): `pack_a(i_begin, i_end, k0, kc, out)` writes the
/// kc-column block of rows [i_begin, i_end) as MR-row panels of kc x MR values, zero past i_end. With
/// more than NC columns A is packed again for each column block.
template <class T, class PackA, class PackB, class Sink>
void gemm_packing_a(index_t m_begin, index_t m_end, index_t n_begin, index_t n_end, index_t K,
                    const PackA& pack_a_block, const PackB& pack_b, Sink&& sink, gemm_workspace<T>& ws) {
    constexpr int MR = gemm_shape<T>::mr;
    constexpr index_t KC = gemm_shape<T>::kc;
    ws.a_block.resize(static_cast<std::size_t>(round_up(m_end - m_begin, MR) * std::min(K, KC)));
    gemm_blocked<T>(
        m_begin, m_end, n_begin, n_end, K,
        [&](index_t k0, index_t kc) {
            pack_a_block(m_begin, m_end, k0, kc, ws.a_block.data());
            return a_panels<T>{ws.a_block.data(), kc * MR};
        },
        pack_b, std::forward<Sink>(sink), ws);
}

/// All columns [0, N).
template <class T, class PackB, class Sink>
void gemm(index_t m_begin, index_t m_end, index_t N, index_t K, const T* a_packed, const PackB& pack_b,
          Sink&& sink, gemm_workspace<T>& ws) {
    gemm<T>(m_begin, m_end, 0, N, K, a_packed, pack_b, std::forward<Sink>(sink), ws);
}

/// Per-row affine map and optional ReLU applied when a tile is final: y = y * scale[i] + shift[i].
/// Null scale means 1, null shift means 0. This is how bias, folded batch norm and ReLU ride along.
template <class T>
struct row_epilogue {
    const T* scale = nullptr;
    const T* shift = nullptr;
    bool relu = false;

    bool is_identity() const { return !scale && !shift && !relu; }
};

/// Writes one tile row segment of `len` contiguous values: dst = (add ? dst : 0) + src, then on the last
/// K-block the epilogue of row `row`.
template <class T>
inline void store_row(T* dst, const T* src, index_t len, bool add, bool last, const row_epilogue<T>& e,
                      index_t row) {
    using batch = xsimd::batch<T>;
    constexpr index_t W = batch::size;
    const bool apply = last && !e.is_identity();
    const T s = e.scale ? e.scale[row] : T(1);
    const T t = e.shift ? e.shift[row] : T(0);
    index_t j = 0;
    for (; j + W <= len; j += W) {
        batch y = batch::load_unaligned(src + j);
        if (add) y += batch::load_unaligned(dst + j);
        if (apply) {
            y = xsimd::fma(y, batch(s), batch(t));
            if (e.relu) y = xsimd::max(y, batch(T(0)));
        }
        y.store_unaligned(dst + j);
    }
    for (; j < len; ++j) {
        T y = src[j];
        if (add) y += dst[j];
        if (apply) {
            y = y * s + t;
            if (e.relu) y = y > T(0) ? y : T(0);
        }
        dst[j] = y;
    }
}

/// Sink storing into C (row stride ldc, columns contiguous unless col_stride != 1). With
/// `accumulate`, the product is added to C's existing values; the epilogue runs on the final value.
template <class T>
struct store_sink {
    T* c;
    index_t ldc;
    index_t col_stride = 1;
    bool accumulate = false;
    row_epilogue<T> epilogue{};

    void operator()(index_t i0, index_t j0, const T* tile, index_t rows, index_t cols, bool first,
                    bool last) const {
        constexpr int NR = gemm_shape<T>::nr;
        const bool add = accumulate || !first;
        for (index_t r = 0; r < rows; ++r) {
            const index_t i = i0 + r;
            T* crow = c + i * ldc + j0 * col_stride;
            const T* trow = tile + r * NR;
            if (col_stride == 1) {
                store_row(crow, trow, cols, add, last, epilogue, i);
                continue;
            }
            const T s = epilogue.scale ? epilogue.scale[i] : T(1);
            const T t = epilogue.shift ? epilogue.shift[i] : T(0);
            for (index_t j = 0; j < cols; ++j) {
                T y = trow[j];
                if (add) y += crow[j * col_stride];
                if (last && !epilogue.is_identity()) {
                    y = y * s + t;
                    if (epilogue.relu) y = y > T(0) ? y : T(0);
                }
                crow[j * col_stride] = y;
            }
        }
    }
};

/// y[i] = sum_k A(i, k) x[k] for row-major A (M x K): the batch-1 path of dense layers, where packing
/// would cost more than it saves. Memory-bound; rows [m_begin, m_end).
template <class T>
void gemv(index_t m_begin, index_t m_end, index_t K, const T* a, index_t lda, const T* x, T* y) {
    using batch = xsimd::batch<T>;
    constexpr index_t W = batch::size;
    index_t i = m_begin;
    for (; i + 4 <= m_end; i += 4) {
        const T* r0 = a + i * lda;
        const T* r1 = r0 + lda;
        const T* r2 = r1 + lda;
        const T* r3 = r2 + lda;
        batch s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
        index_t k = 0;
        for (; k + W <= K; k += W) {
            const batch xv = batch::load_unaligned(x + k);
            s0 = xsimd::fma(batch::load_unaligned(r0 + k), xv, s0);
            s1 = xsimd::fma(batch::load_unaligned(r1 + k), xv, s1);
            s2 = xsimd::fma(batch::load_unaligned(r2 + k), xv, s2);
            s3 = xsimd::fma(batch::load_unaligned(r3 + k), xv, s3);
        }
        T t0 = xsimd::hadd(s0), t1 = xsimd::hadd(s1), t2 = xsimd::hadd(s2),
          t3 = xsimd::hadd(s3);
        for (; k < K; ++k) {
            t0 += r0[k] * x[k];
            t1 += r1[k] * x[k];
            t2 += r2[k] * x[k];
            t3 += r3[k] * x[k];
        }
        y[i] = t0;
        y[i + 1] = t1;
        y[i + 2] = t2;
        y[i + 3] = t3;
    }
    for (; i < m_end; ++i) {
        const T* r = a + i * lda;
        batch s(T(0));
        index_t k = 0;
        for (; k + W <= K; k += W) s = xsimd::fma(batch::load_unaligned(r + k), batch::load_unaligned(x + k), s);
        T t = xsimd::hadd(s);
        for (; k < K; ++k) t += r[k] * x[k];
        y[i] = t;
    }
}

}  // namespace seqnet::cpu_kernels
