// seqnet/layers/concepts.hpp -- what a layer is: the concepts every layer and layer spec satisfy.
//
// A *layer* (conv1d_layer<T, Dev>, relu_layer<T, Dev>, ...) is a class templated on its scalar type and
// device. It is constructed from its options and its per-sample input shape (checked there), and
// provides:
//   name                       static, e.g. "conv1d"
//   output_shape(in)           the per-sample output shape for input shape `in` (throws shape_error)
//   receptive_field()          the window through which an output position sees the input
//   parameter_count()          learnable scalars; bind_parameters(values, grads) points the layer at
//                              its slices of the model's one parameter and one gradient buffer
//   visit_parameters(f)        f(name, value view, gradient view) for each parameter tensor
//   initialize(rng, scheme)    seeded initialisation
//   forward(ctx, x, y, phase)  y = layer(x) for a batch; phase::training enables batch statistics and
//                              dropout
//   backward(ctx, x, y, dy, dx, mode)
//                              dx = J^T dy (skipped when dx is empty); with grad_mode::parameters also
//                              accumulates parameter gradients
// Optional hooks, detected with `requires`: visit_buffers (non-learned state such as running
// statistics), penalised_weights (false: L1/L2 penalties skip its "weight" tensors), flops()
// (forward multiply-adds x 2 per sample), forward_fused / fuse_into (inference
// epilogue fusion, layers/fusion.hpp).
//
// A *layer spec* (conv1d<300, 19>, relu, maxpool<3>, ...) is the compile-time description that
// sequential<> takes: it carries constexpr `options` and names its layer type.
#pragma once

#include <seqnet/backend/context.hpp>
#include <seqnet/layers/random.hpp>
#include <seqnet/layers/init.hpp>
#include <seqnet/tensor/shape.hpp>
#include <seqnet/tensor/view.hpp>

#include <concepts>
#include <string_view>

namespace seqnet {

/// Whether a forward pass is for inference or for training (batch statistics, dropout masks).
enum class phase { inference, training };

/// What a layer's backward computes besides dx: parameter gradients are accumulated only with
/// grad_mode::parameters.
enum class grad_mode { input_only, parameters };

namespace detail {
template <class T>
struct parameter_visitor_archetype {
    void operator()(std::string_view, param_view<T>, param_view<T>) const {}
};
}  // namespace detail

/// The device-independent part of a layer: shapes, receptive field and parameters.
template <class L>
concept layer = requires(L& l, const L& cl, shape in, typename L::scalar_type* p,
                         random_engine& rng) {
    typename L::scalar_type;
    typename L::device_type;
    typename L::options_type;
    { L::name } -> std::convertible_to<std::string_view>;
    { cl.output_shape(in) } -> std::same_as<shape>;
    { cl.input_shape() } -> std::same_as<shape>;
    { cl.receptive_field() } -> std::same_as<window>;
    { cl.parameter_count() } -> std::convertible_to<index_t>;
    l.bind_parameters(p, p);
    l.visit_parameters(detail::parameter_visitor_archetype<typename L::scalar_type>{});
    l.initialize(rng, init::he_uniform);
};

/// A layer that runs forward and backward on its device.
template <class L>
concept differentiable_layer =
    layer<L> && requires(L& l, context<typename L::device_type>& ctx,
                         batch_view<const typename L::scalar_type, typename L::device_type> cx,
                         batch_view<typename L::scalar_type, typename L::device_type> x) {
        l.forward(ctx, cx, x, phase::inference);
        l.backward(ctx, cx, cx, cx, x, grad_mode::parameters);
    };

/// A compile-time layer description usable in sequential<>: constexpr options whose output_shape()
/// can be evaluated at compile time, and the layer type it builds for a scalar type and device.
template <class S>
concept layer_spec = requires {
    S::options;
    { S::options.output_shape(shape{}) } -> std::same_as<shape_result>;
    typename S::template layer_type<float, cpu>;
} && differentiable_layer<typename S::template layer_type<float, cpu>>;

/// Helper for spec types: `struct relu : spec_of<relu_options, relu_layer> {};`
template <auto Options, template <class, class> class Layer>
struct spec_of {
    static constexpr auto options = Options;
    template <class T, class Dev>
    using layer_type = Layer<T, Dev>;
};

/// Throws shape_error with the layer's name if `r` failed; returns the output shape otherwise.
inline shape checked(shape_result r, std::string_view layer_name, shape in) {
    if (!r.ok())
        throw shape_error(std::string(layer_name) + ": input shape " + to_string(in) + ": " + r.error);
    return r.out;
}

}  // namespace seqnet
