// seqnet/models/visit.hpp -- what a model visitor sees: one step per layer, with its activations.
//
// Every algorithm (training, saliency, integrated gradients, DeepLIFT, ISM) walks a model through
// visit(f) / visit_reverse(f) or backward_with(ctx, dy, rule), never through its concrete type.
//   layer_step     index, the layer, and the input and output activations cached by the last forward
//   backward_step  the same plus d_output (gradient arriving from above) and d_input (to be written;
//                  empty when the caller did not ask for the input gradient of layer 0)
// A visitor must accept every layer: the model static_asserts that it is invocable with each step type
// and names the first position that fails.
#pragma once

#include <seqnet/backend/context.hpp>
#include <seqnet/layers/concepts.hpp>
#include <seqnet/tensor/view.hpp>

#include <concepts>
#include <cstddef>

namespace seqnet {

template <class Layer>
struct layer_step {
    using layer_type = Layer;
    using scalar_type = typename Layer::scalar_type;
    using device_type = typename Layer::device_type;

    std::size_t index;
    Layer& layer;
    const_batch_view<scalar_type, device_type> input;
    const_batch_view<scalar_type, device_type> output;
};

template <class Layer>
struct backward_step : layer_step<Layer> {
    const_batch_view<typename Layer::scalar_type, typename Layer::device_type> d_output;
    batch_view<typename Layer::scalar_type, typename Layer::device_type> d_input;
};

/// The rule backward() applies at every step: the layer's own backward pass.
struct gradient_rule {
    grad_mode mode = grad_mode::parameters;

    template <class Layer, class Ctx>
    void operator()(Ctx& ctx, backward_step<Layer>& s) const {
        s.layer.backward(ctx, s.input, s.output, s.d_output, s.d_input, mode);
    }
};

namespace detail {
/// Instantiated per position so that a failing visitor is named with its position and layer type.
template <std::size_t Position, class Layer, class Visitor, class Step>
struct visitor_accepts {
    static_assert(std::invocable<Visitor&, Step&>,
                  "seqnet: this visitor cannot be called with the step of the layer at Position "
                  "(see the template arguments of visitor_accepts): a visitor must accept every layer");
    static constexpr bool value = true;
};
/// The same for a model whose layers are known only at run time (spec_model): it may hold any layer.
template <class Layer, class Visitor, class Step>
struct visitor_accepts_any {
    static_assert(std::invocable<Visitor&, Step&>,
                  "seqnet: this visitor cannot be called with the step of the layer type named in "
                  "visitor_accepts_any's template arguments: a run-time model may hold any seqnet layer "
                  "(models/any_layer.hpp), so a visitor must accept every layer (a generic lambda)");
    static constexpr bool value = true;
};
}  // namespace detail

/// What every model offers to algorithms; sequential<> and the run-time spec model both satisfy it.
template <class M>
concept differentiable_model = requires(M& m, const M& cm, context<typename M::device_type>& ctx,
                                        const_batch_view<typename M::scalar_type, typename M::device_type> x) {
    typename M::scalar_type;
    typename M::device_type;
    { cm.input_shape() } -> std::same_as<shape>;
    { cm.output_shape() } -> std::same_as<shape>;
    { cm.depth() } -> std::convertible_to<std::size_t>;
    m.forward(ctx, x, phase::inference);
    m.backward(ctx, x, grad_mode::input_only);
};

}  // namespace seqnet
