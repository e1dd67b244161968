// seqnet/tensor/xtensor_views.hpp -- between xtensor arrays (what users hold) and batch views (what
// kernels take). N x C x L arrays view without copying; results come back as xtensor copies.
#pragma once

#include <seqnet/tensor/view.hpp>

#include <xtensor/xtensor.hpp>

namespace seqnet {

/// A read-only view of an N x C x L array (row-major, as xtensor's default layout is).
template <class T>
const_batch_view<T> as_batch_view(const xt::xtensor<T, 3>& x) {
    return {x.data(), static_cast<index_t>(x.shape()[0]),
            {static_cast<index_t>(x.shape()[1]), static_cast<index_t>(x.shape()[2])}};
}
template <class T>
batch_view<T> as_batch_view(xt::xtensor<T, 3>& x) {
    return {x.data(), static_cast<index_t>(x.shape()[0]),
            {static_cast<index_t>(x.shape()[1]), static_cast<index_t>(x.shape()[2])}};
}

/// Copies a batch into an N x C x L array.
template <class U>
xt::xtensor<std::remove_const_t<U>, 3> to_xtensor(const batch_view<U, cpu>& v) {
    using V = std::remove_const_t<U>;
    xt::xtensor<V, 3> out = xt::xtensor<V, 3>::from_shape(
        {static_cast<std::size_t>(v.batch), static_cast<std::size_t>(v.sample.channels),
         static_cast<std::size_t>(v.sample.length)});
    std::copy(v.data, v.data + v.size(), out.data());
    return out;
}

/// Copies a batch of vectors (length-1 samples, e.g. model outputs) into an N x C array.
template <class U>
xt::xtensor<std::remove_const_t<U>, 2> to_matrix(const batch_view<U, cpu>& v) {
    using V = std::remove_const_t<U>;
    xt::xtensor<V, 2> out = xt::xtensor<V, 2>::from_shape(
        {static_cast<std::size_t>(v.batch), static_cast<std::size_t>(v.sample.size())});
    std::copy(v.data, v.data + v.size(), out.data());
    return out;
}

}  // namespace seqnet
