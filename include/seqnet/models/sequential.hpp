// seqnet/models/sequential.hpp -- a model as a flat, compile-time list of layers.
//
//   using deepbind = seqnet::sequential<seqnet::input<101>, conv1d<16, 24>, relu, global_maxpool,
//                                       dense<32>, relu, dense<1>>;
//
// Shapes propagate through the list at compile time when the input length is in the type (a mismatch
// is a static_assert naming the position, the layer and the input shape), or once at construction for
// input<dyn> (a seqnet::shape_error naming the same). The layers live in a std::tuple; the passes
// (forward, backward, the fused predict) and visitors come from model_base, shared with the run-time
// spec_model.
//
// basic_sequential<T, Dev, input<...>, specs...> chooses the scalar type (double for gradient checks)
// and the device; sequential<...> is float on the CPU.
#pragma once

#include <seqnet/models/input.hpp>
#include <seqnet/models/model_base.hpp>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace seqnet {

namespace detail {

/// Instantiated once per list element, so a non-layer is reported with its position.
template <std::size_t Position, class Spec>
struct is_layer_at {
    static_assert(layer_spec<Spec>,
                  "seqnet::sequential: the type at this Position is not a seqnet layer spec "
                  "(a layer spec has constexpr `options` and a `layer_type<T, Dev>` satisfying "
                  "seqnet::differentiable_layer; see layers/concepts.hpp)");
    static constexpr bool value = layer_spec<Spec>;
};

/// Instantiated per position when the input length is static: the layer at Position must accept the
/// shape (InChannels, InLength) produced before it.
template <std::size_t Position, class Spec, index_t InChannels, index_t InLength>
struct layer_fits {
    static constexpr shape_result result = Spec::options.output_shape(shape{InChannels, InLength});
    static_assert(result.ok(),
                  "seqnet::sequential: the layer at this Position cannot take the input shape "
                  "(InChannels, InLength) that the layers before it produce (see the template "
                  "arguments of layer_fits; constructing the model with input<dyn> reports the "
                  "reason as a seqnet::shape_error)");
    static constexpr shape out = result.ok() ? result.out : shape{InChannels, InLength};
};

template <std::size_t Position, shape In, class... Specs>
struct static_chain {
    static constexpr bool ok = true;
};
template <std::size_t Position, shape In, class Spec, class... Rest>
struct static_chain<Position, In, Spec, Rest...> {
    using fits = layer_fits<Position, Spec, In.channels, In.length>;
    static constexpr bool ok = fits::result.ok() && static_chain<Position + 1, fits::out, Rest...>::ok;
};

}  // namespace detail

template <class T, class Dev, class Input, class... Specs>
class basic_sequential : public model_base<basic_sequential<T, Dev, Input, Specs...>, T, Dev> {
    static_assert(sizeof...(Specs) > 0, "seqnet::sequential: a model needs at least one layer");
    static_assert([]<std::size_t... I>(std::index_sequence<I...>) {
        return (detail::is_layer_at<I, Specs>::value && ...);
    }(std::index_sequence_for<Specs...>{}));
    static_assert(Input::sample.length == dyn ||
                  detail::static_chain<0, Input::sample, Specs...>::ok);

    using base = model_base<basic_sequential, T, Dev>;
    friend base;

public:
    using layers_type = std::tuple<typename Specs::template layer_type<T, Dev>...>;
    template <std::size_t I>
    using layer_type = std::tuple_element_t<I, layers_type>;
    static constexpr std::size_t layer_count = sizeof...(Specs);
    static constexpr bool static_length = Input::sample.length != dyn;

    /// A model whose input length is fixed in its type.
    basic_sequential()
        requires static_length
        : basic_sequential(Input::sample.length) {}

    /// A model for inputs of `length` positions (must equal the type's length if that is fixed). `tasks`
    /// sizes the layers whose spec leaves it open (dense<dyn>, typically the output layer).
    explicit basic_sequential(index_t length, index_t tasks = dyn)
        : base(chain_shapes(length, tasks)),
          layers_(make_layers(this->shapes_, tasks, std::index_sequence_for<Specs...>{})) {
        this->allocate_parameters();
    }

    basic_sequential(const basic_sequential& o) : base(o), layers_(o.layers_) { this->bind(); }
    basic_sequential& operator=(const basic_sequential& o) {
        if (this != &o) {
            base::operator=(o);
            layers_ = o.layers_;
            this->bind();
        }
        return *this;
    }
    basic_sequential(basic_sequential&&) noexcept = default;  // buffers move with their addresses
    basic_sequential& operator=(basic_sequential&&) noexcept = default;

    static constexpr std::size_t depth() { return layer_count; }

    template <std::size_t I>
    layer_type<I>& layer() { return std::get<I>(layers_); }
    template <std::size_t I>
    const layer_type<I>& layer() const { return std::get<I>(layers_); }

private:
    /// The spec's options with the model's task count filled in where the spec leaves it open.
    template <class Spec>
    static constexpr auto resolved_options(index_t tasks) {
        if constexpr (requires { Spec::options.with_tasks(tasks); }) return Spec::options.with_tasks(tasks);
        else return Spec::options;
    }

    static std::vector<shape> chain_shapes(index_t length, index_t tasks) {
        if (static_length && length != Input::sample.length)
            throw shape_error("model input: this model type fixes the length at " +
                              std::to_string(Input::sample.length) + ", not " + std::to_string(length));
        if (length < 1) throw shape_error("model input: length must be at least 1, got " + std::to_string(length));
        std::vector<shape> s(layer_count + 1);
        s[0] = {Input::sample.channels, length};
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((s[I + 1] = step_shape<I, Specs>(s[I], tasks)), ...);
        }(std::index_sequence_for<Specs...>{});
        return s;
    }

    template <std::size_t I, class Spec>
    static shape step_shape(shape in, index_t tasks) {
        const std::string where = "layer " + std::to_string(I) + " (" +
                                  std::string(Spec::template layer_type<T, Dev>::name) + "): ";
        const shape_result r = resolved_options<Spec>(tasks).output_shape(in);
        if (!r.ok()) throw shape_error(where + "input shape " + to_string(in) + ": " + r.error);
        if (r.out.channels == dyn)
            throw shape_error(where + "its size is the model's task count: construct the model with tasks");
        return r.out;
    }

    template <std::size_t... I>
    static layers_type make_layers(const std::vector<shape>& s, index_t tasks, std::index_sequence<I...>) {
        return layers_type{typename Specs::template layer_type<T, Dev>(resolved_options<Specs>(tasks), s[I])...};
    }

    static std::string parameter_prefix(std::size_t i) { return std::to_string(i); }

    template <class F>
    void for_each_layer(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(std::integral_constant<std::size_t, I>{}, std::get<I>(layers_)), ...);
        }(std::index_sequence_for<Specs...>{});
    }
    template <class F>
    void for_each_layer(F&& f) const {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(std::integral_constant<std::size_t, I>{}, std::get<I>(layers_)), ...);
        }(std::index_sequence_for<Specs...>{});
    }
    template <class F>
    void for_each_layer_reverse(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(std::integral_constant<std::size_t, layer_count - 1 - I>{},
               std::get<layer_count - 1 - I>(layers_)),
             ...);
        }(std::index_sequence_for<Specs...>{});
    }

    layers_type layers_;
};

/// A float model on the CPU: sequential<input<600>, conv1d<300, 19>, ...>.
template <class Input, class... Specs>
using sequential = basic_sequential<float, cpu, Input, Specs...>;

}  // namespace seqnet
