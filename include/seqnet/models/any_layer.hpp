// seqnet/models/any_layer.hpp -- the one list of layers a run-time model can hold.
//
// any_layer<T, Dev> is a std::variant over every layer type, and layer_options a std::variant over their
// options types, in the same order, so the options of a spec entry say which layer to build. A new
// layer joins run-time models by being added to all_layers here (and to io/spec_json.hpp for its JSON
// fields); visitors are generic lambdas, so nothing else changes.
#pragma once

#include <seqnet/layers.hpp>

#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace seqnet {

template <template <class, class> class... Layers>
struct layer_list {
    template <class T, class Dev>
    using variant = std::variant<Layers<T, Dev>...>;
    using options_variant = std::variant<typename Layers<float, cpu>::options_type...>;
    static constexpr std::size_t size = sizeof...(Layers);
};

using all_layers = layer_list<conv1d_layer, rc_conv1d_layer, batchnorm_layer, relu_layer, sigmoid_layer,
                              softmax_layer, maxpool_layer, global_maxpool_layer, flatten_layer, dropout_layer,
                              dense_layer, separable_dense_layer, bilstm_layer, motif_conv1d_layer>;

/// Any layer, for models whose layer list is known only at run time.
template <class T, class Dev = cpu>
using any_layer = all_layers::variant<T, Dev>;

/// The options of any layer; the alternative held says which layer they build.
using layer_options = all_layers::options_variant;

namespace detail {
template <class Variant>
struct alternatives_distinct;
template <class... Ts>
struct alternatives_distinct<std::variant<Ts...>> {
    template <class U>
    static constexpr std::size_t count = (std::size_t(std::is_same_v<U, Ts>) + ...);
    static constexpr bool value = ((count<Ts> == 1) && ...);
};
static_assert(alternatives_distinct<layer_options>::value,
              "seqnet: every layer in all_layers needs its own options type, so that options identify the layer");
}  // namespace detail

/// The layer type's name ("conv1d", "relu", ...) for a set of options.
inline std::string_view layer_type_name(const layer_options& o) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        std::string_view name;
        ((o.index() == I ? (name = std::variant_alternative_t<I, any_layer<float>>::name, true) : false) || ...);
        return name;
    }(std::make_index_sequence<all_layers::size>{});
}

/// Builds the layer that `o` describes for per-sample input shape `in` (throws shape_error if it does
/// not fit).
template <class T, class Dev = cpu>
any_layer<T, Dev> make_layer(const layer_options& o, shape in) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        std::optional<any_layer<T, Dev>> made;
        ((o.index() == I ? (made.emplace(std::in_place_index<I>, std::get<I>(o), in), true) : false) || ...);
        return std::move(*made);
    }(std::make_index_sequence<all_layers::size>{});
}

/// The options of the layer called `name` with their defaults, or nothing if no layer has that name.
inline std::optional<layer_options> default_options(std::string_view name) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        std::optional<layer_options> o;
        ((std::variant_alternative_t<I, any_layer<float>>::name == name ? (o.emplace(std::in_place_index<I>), true)
                                                                         : false) ||
         ...);
        return o;
    }(std::make_index_sequence<all_layers::size>{});
}

}  // namespace seqnet
