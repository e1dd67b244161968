// seqnet/backend/cpu/reduce.hpp -- vectorised sums over one row (a channel of one sample).
//
// A plain `s += x[i]` loop is a chain of dependent adds that the compiler may not reorder, so it runs
// at one element per add latency: on a first layer's 45 MB of activations that costs more than the
// memory traffic. These keep several vector accumulators in float; callers add the per-row results in
// double, so a row of a few hundred values is the only float sum (error about 1e-7 relative).
#pragma once

#include <seqnet/config.hpp>

#include <xsimd/xsimd.hpp>

#include <utility>

namespace seqnet::cpu_kernels {

namespace detail {

/// Sums f(i) over a row with two vector accumulators; f(i) returns a batch for elements [i, i+W),
/// tail(i) the scalar term of element i.
template <class T, class Vector, class Scalar>
inline T row_reduce(index_t n, Vector&& f, Scalar&& tail) {
    using batch = xsimd::batch<T>;
    constexpr index_t W = batch::size;
    batch a(T(0)), b(T(0));
    index_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        a += f(i);
        b += f(i + W);
    }
    if (i + W <= n) {
        a += f(i);
        i += W;
    }
    T s = xsimd::hadd(a + b);
    for (; i < n; ++i) s += tail(i);
    return s;
}

}  // namespace detail

/// x[0] + ... + x[n-1].
template <class T>
inline T row_sum(const T* x, index_t n) {
    using batch = xsimd::batch<T>;
    return detail::row_reduce<T>(n, [&](index_t i) { return batch::load_unaligned(x + i); },
                                 [&](index_t i) { return x[i]; });
}

/// Sum of (x[i] - centre)^2: the second pass of a two-pass variance.
template <class T>
inline T row_sum_squared_deviation(const T* x, index_t n, T centre) {
    using batch = xsimd::batch<T>;
    const batch c(centre);
    return detail::row_reduce<T>(
        n,
        [&](index_t i) {
            const batch d = batch::load_unaligned(x + i) - c;
            return d * d;
        },
        [&](index_t i) { return (x[i] - centre) * (x[i] - centre); });
}

/// {sum of g[i], sum of g[i] * (x[i] - centre)}: what a batch-norm backward pass needs of a row.
template <class T>
inline std::pair<T, T> row_sum_and_centred_dot(const T* g, const T* x, index_t n, T centre) {
    using batch = xsimd::batch<T>;
    constexpr index_t W = batch::size;
    const batch c(centre);
    batch s0(T(0)), s1(T(0)), d0(T(0)), d1(T(0));
    index_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        const batch g0 = batch::load_unaligned(g + i), g1 = batch::load_unaligned(g + i + W);
        s0 += g0;
        s1 += g1;
        d0 = xsimd::fma(g0, batch::load_unaligned(x + i) - c, d0);
        d1 = xsimd::fma(g1, batch::load_unaligned(x + i + W) - c, d1);
    }
    if (i + W <= n) {
        const batch g0 = batch::load_unaligned(g + i);
        s0 += g0;
        d0 = xsimd::fma(g0, batch::load_unaligned(x + i) - c, d0);
        i += W;
    }
    T sum = xsimd::hadd(s0 + s1), dot = xsimd::hadd(d0 + d1);
    for (; i < n; ++i) {
        sum += g[i];
        dot += g[i] * (x[i] - centre);
    }
    return {sum, dot};
}

}  // namespace seqnet::cpu_kernels
