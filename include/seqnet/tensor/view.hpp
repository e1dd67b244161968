// seqnet/tensor/view.hpp -- non-owning views over contiguous batched activations and parameters.
//
// batch_view<T, Dev> is N x C x L, length contiguous (PyTorch's Conv1d layout). T may be const.
// param_view<T> is a named parameter tensor of rank 1 to 3 (PyTorch's state_dict layout).
// Kernels work on these; users receive results as xtensor arrays (see tensor/dna.hpp and the models).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/tensor/device.hpp>
#include <seqnet/tensor/shape.hpp>

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace seqnet {

template <class T, class Dev = cpu>
struct batch_view {
    using value_type = std::remove_const_t<T>;
    using device_type = Dev;

    T* data = nullptr;
    index_t batch = 0;
    shape sample{};

    constexpr index_t sample_size() const { return sample.size(); }
    constexpr index_t size() const { return batch * sample.size(); }
    constexpr bool empty() const { return data == nullptr; }

    /// The sample-n slice: a C x L row-major block.
    T* sample_data(index_t n) const { return data + n * sample.size(); }
    /// Row (channel) c of sample n: L contiguous values.
    T* row(index_t n, index_t c) const { return data + (n * sample.channels + c) * sample.length; }
    T& operator()(index_t n, index_t c, index_t l) const { return row(n, c)[l]; }

    /// Samples [first, first + count).
    batch_view slice(index_t first, index_t count) const {
        return {data + first * sample.size(), count, sample};
    }

    template <class U = T>
        requires(!std::is_const_v<U>)
    operator batch_view<const value_type, Dev>() const {
        return {data, batch, sample};
    }
};

template <class T, class Dev = cpu>
using const_batch_view = batch_view<const T, Dev>;

/// Throws shape_error unless `v` holds `batch` samples of shape `s`.
template <class T, class Dev>
void expect_shape(const batch_view<T, Dev>& v, shape s, std::string_view what) {
    if (v.sample != s)
        throw shape_error(std::string(what) + ": expected per-sample shape " + to_string(s) + ", got " +
                          to_string(v.sample));
}

/// A parameter tensor: rank 1..3, row-major, with the dimension order PyTorch uses for the same tensor
/// (Conv1d weight F x C x K, Linear weight U x D, biases and batch-norm vectors of length F).
template <class T>
struct param_view {
    T* data = nullptr;
    std::array<index_t, 3> dims{0, 1, 1};
    int rank = 1;

    constexpr index_t size() const {
        index_t n = 1;
        for (int i = 0; i < rank; ++i) n *= dims[i];
        return n;
    }
    std::span<T> span() const { return {data, static_cast<std::size_t>(size())}; }
    T& operator[](index_t i) const { return data[i]; }
};

template <class T>
inline std::string dims_string(const param_view<T>& p) {
    std::string s = "(";
    for (int i = 0; i < p.rank; ++i) s += (i ? ", " : "") + std::to_string(p.dims[i]);
    return s + ")";
}

}  // namespace seqnet
