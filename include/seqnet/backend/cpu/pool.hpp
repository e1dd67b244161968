// seqnet/backend/cpu/pool.hpp -- max pooling along the length axis, one row at a time.
//
// Floor mode (trailing positions that do not fill a window are dropped) and first-index tie-breaking:
// a window's winner is its left-most maximum, as PyTorch's strict '>' scan does (SCIENCE.md section 2).
// The backward pass recomputes the winner from the input, so it needs no cached indices, and
// overlapping windows accumulate into shared winners.
#pragma once

#include <seqnet/config.hpp>

#include <xsimd/xsimd.hpp>

namespace seqnet::cpu_kernels {

/// Index of the first maximum of x[begin], x[begin+1], ..., x[begin+size-1].
template <class T>
inline index_t argmax_first(const T* x, index_t begin, index_t size) {
    index_t best = begin;
    for (index_t k = 1; k < size; ++k)
        if (x[begin + k] > x[best]) best = begin + k;
    return best;
}

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

template <class T>
inline void maxpool_row_forward(const T* x, T* y, index_t out_length, index_t size, index_t stride) {
    for (index_t j = 0; j < out_length; ++j) y[j] = window_max(x + j * stride, size);
}

/// dx[winner of window j] += dy[j]; dx must already hold its other contributions (or zeros).
template <class T>
inline void maxpool_row_backward(const T* x, const T* dy, T* dx, index_t out_length, index_t size,
                                 index_t stride) {
    for (index_t j = 0; j < out_length; ++j) dx[argmax_first(x, j * stride, size)] += dy[j];
}

}  // namespace seqnet::cpu_kernels
