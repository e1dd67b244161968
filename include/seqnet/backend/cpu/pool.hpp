// seqnet/backend/cpu/pool.hpp -- max pooling along the length axis, one row at a time.
//
// Floor mode (trailing positions that do not fill a window are dropped) and first-index tie-breaking:
// a window's winner is its left-most maximum, as PyTorch's strict '>' scan does (SCIENCE.md section 2).
// The backward pass recomputes the winner from the input, so it needs no cached indices, and
// overlapping windows accumulate into shared winners.
#pragma once

#include <seqnet/config.hpp>

#include <xsimd/xsimd.hpp>

#include <algorithm>

namespace seqnet::cpu_kernels {

/// max(x[0], ..., x[size-1]); vectorised for long windows (global pooling).
template <class T>
inline T window_max(const T* x, index_t size) {
    using batch = xsimd::batch<T>;
    constexpr index_t W = batch::size;
    T m = x[0];
    index_t k = 1;
    if (size >= 2 * W) {
        batch v = batch::load_unaligned(x);
        for (k = W; k + W <= size; k += W) v = xsimd::max(v, batch::load_unaligned(x + k));
        alignas(64) T lanes[W];
        v.store_aligned(lanes);
        m = lanes[0];
        for (index_t i = 1; i < W; ++i) m = lanes[i] > m ? lanes[i] : m;
    }
    for (; k < size; ++k) m = x[k] > m ? x[k] : m;
    return m;
}

/// Index of the first maximum of x[begin], x[begin+1], ..., x[begin+size-1]. Short windows are
/// scanned without branches: on real activations which position wins is random, and a mispredicted
/// branch per window cost more than the rest of the backward pass. Long windows (global pooling) find
/// the maximum with vectors, then its first occurrence.
template <class T>
inline index_t argmax_first(const T* x, index_t begin, index_t size) {
    if (size >= 4 * index_t(xsimd::batch<T>::size)) {
        const T top = window_max(x + begin, size);
        for (index_t k = 0; k < size; ++k)
            if (x[begin + k] == top) return begin + k;  // not found only for NaN: fall through
    }
    index_t best = 0;
    T top = x[begin];
    for (index_t k = 1; k < size; ++k) {
        const T v = x[begin + k];
        const index_t higher = v > top;  // strict: a tie keeps the first
        best += higher * (k - best);
        top = v > top ? v : top;
    }
    return begin + best;
}

template <class T>
inline void maxpool_row_forward(const T* x, T* y, index_t out_length, index_t size, index_t stride) {
    for (index_t j = 0; j < out_length; ++j) y[j] = window_max(x + j * stride, size);
}

/// Windows that do not overlap (stride >= size): writes the whole dx row, dy[j] at the winner of
/// window j and zero everywhere else (no read-modify-write of dx).
template <class T>
inline void maxpool_row_backward_disjoint(const T* x, const T* dy, T* dx, index_t in_length, index_t out_length,
                                          index_t size, index_t stride) {
    std::fill(dx, dx + in_length, T(0));
    for (index_t j = 0; j < out_length; ++j) dx[argmax_first(x, j * stride, size)] = dy[j];
}

/// dx[winner of window j] += dy[j]; dx must already hold its other contributions (or zeros).
template <class T>
inline void maxpool_row_backward(const T* x, const T* dy, T* dx, index_t out_length, index_t size,
                                 index_t stride) {
    for (index_t j = 0; j < out_length; ++j) dx[argmax_first(x, j * stride, size)] += dy[j];
}

}  // namespace seqnet::cpu_kernels
