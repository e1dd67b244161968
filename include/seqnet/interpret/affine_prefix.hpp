// seqnet/interpret/affine_prefix.hpp -- which layers are affine maps at inference, and how many of them
// open a model.
//
// Convolution (motif convolutions too: linear in the input), dense and separable dense layers, batch norm with running statistics, flatten and
// dropout at inference are x -> A x + b. DeepLIFT passes multipliers through them as gradients, and
// integrated gradients evaluates them only at the two ends of each straight path: along
// x(a) = r + a (x - r) an affine prefix gives h(a) = h(r) + a (h(x) - h(r)), and its input gradient
// is the same linear map at every point, so it is applied once to the weighted sum of the gradients.
// Specialise affine_at_inference for a layer of your own that is affine.
#pragma once

#include <seqnet/layers.hpp>

#include <cstddef>
#include <type_traits>

namespace seqnet {

template <class Layer>
struct affine_at_inference : std::false_type {};

template <class T, class Dev> struct affine_at_inference<conv1d_layer<T, Dev>> : std::true_type {};
template <class T, class Dev> struct affine_at_inference<motif_conv1d_layer<T, Dev>> : std::true_type {};
template <class T, class Dev> struct affine_at_inference<dense_layer<T, Dev>> : std::true_type {};
template <class T, class Dev> struct affine_at_inference<separable_dense_layer<T, Dev>> : std::true_type {};
template <class T, class Dev> struct affine_at_inference<batchnorm_layer<T, Dev>> : std::true_type {};
template <class T, class Dev> struct affine_at_inference<flatten_layer<T, Dev>> : std::true_type {};
template <class T, class Dev> struct affine_at_inference<dropout_layer<T, Dev>> : std::true_type {};

template <class Layer>
concept inference_affine_layer = affine_at_inference<Layer>::value;

/// The number of leading layers of `model` that are affine at inference (0 when the first is not).
template <class Model>
std::size_t affine_prefix(Model& model) {
    std::size_t count = 0;
    bool open = true;
    model.visit([&](auto& step) {
        using L = typename std::remove_cvref_t<decltype(step)>::layer_type;
        if (!open) return;
        if constexpr (inference_affine_layer<L>) ++count;
        else open = false;
    });
    return count;
}

}  // namespace seqnet
