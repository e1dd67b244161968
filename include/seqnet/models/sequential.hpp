// seqnet/models/sequential.hpp -- a model as a flat, compile-time list of layers.
//
//   using deepbind = seqnet::sequential<seqnet::input<101>, conv1d<16, 24>, relu, global_maxpool,
//                                       dense<32>, relu, dense<1>>;
//
// Shapes propagate through the list at compile time when the input length is in the type (a mismatch
// is a static_assert naming the position, the layer and the input shape), or once at construction for
// input<dyn> (a seqnet::shape_error naming the same). The model owns one parameter buffer and one
// gradient buffer; layers hold views into them. forward() keeps every layer's output for backward()
// and for visitors; predict() is the inference fast path, fusing batch norm, ReLU and pooling into the
// preceding conv or dense layer. Activations and workspaces only grow: repeated calls at the same batch
// size allocate nothing.
//
// basic_sequential<T, Dev, input<...>, specs...> chooses the scalar type (double for gradient checks)
// and the device; sequential<...> is float on the CPU.
#pragma once

#include <seqnet/layers/concepts.hpp>
#include <seqnet/layers/fusion.hpp>
#include <seqnet/models/input.hpp>
#include <seqnet/models/visit.hpp>
#include <seqnet/tensor/buffer.hpp>

#include <array>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>

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

template <class L>
concept has_fused_forward = requires(L& l, const L& cl, epilogue_builder<typename L::scalar_type>& e) {
    cl.start_epilogue(e);
};
template <class L>
concept has_fuse_into = requires(const L& cl, epilogue_builder<typename L::scalar_type>& e) {
    { cl.fuse_into(e) } -> std::same_as<bool>;
};
template <class L>
concept has_buffers = requires(L& l) {
    l.visit_buffers([](std::string_view, param_view<typename L::scalar_type>) {});
};
template <class L>
concept has_flops = requires(const L& l) {
    { l.flops() } -> std::convertible_to<index_t>;
};

}  // namespace detail

template <class T, class Dev, class Input, class... Specs>
class basic_sequential {
    static_assert(sizeof...(Specs) > 0, "seqnet::sequential: a model needs at least one layer");
    static_assert([]<std::size_t... I>(std::index_sequence<I...>) {
        return (detail::is_layer_at<I, Specs>::value && ...);
    }(std::index_sequence_for<Specs...>{}));
    static_assert(Input::sample.length == dyn ||
                  detail::static_chain<0, Input::sample, Specs...>::ok);

public:
    using scalar_type = T;
    using device_type = Dev;
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
        : shapes_(chain_shapes(length, tasks)),
          layers_(make_layers(shapes_, tasks, std::index_sequence_for<Specs...>{})) {
        index_t total = 0;
        for_each_layer([&](auto, auto& l) { total += static_cast<index_t>(l.parameter_count()); });
        params_.resize(static_cast<std::size_t>(total));
        grads_.resize(static_cast<std::size_t>(total));
        bind();
        initialize(0);
    }

    basic_sequential(const basic_sequential& o)
        : shapes_(o.shapes_), layers_(o.layers_), params_(o.params_), grads_(o.grads_) {
        bind();
    }
    basic_sequential& operator=(const basic_sequential& o) {
        if (this != &o) {
            shapes_ = o.shapes_;
            layers_ = o.layers_;
            params_ = o.params_;
            grads_ = o.grads_;
            bind();
        }
        return *this;
    }
    basic_sequential(basic_sequential&&) noexcept = default;  // buffers move with their addresses
    basic_sequential& operator=(basic_sequential&&) noexcept = default;

    // ---- structure -------------------------------------------------------------------------------
    static constexpr std::size_t depth() { return layer_count; }
    shape input_shape() const { return shapes_.front(); }
    shape output_shape() const { return shapes_.back(); }
    /// Shape entering layer i (i = depth() gives the model's output shape).
    shape shape_at(std::size_t i) const { return shapes_.at(i); }

    template <std::size_t I>
    layer_type<I>& layer() { return std::get<I>(layers_); }
    template <std::size_t I>
    const layer_type<I>& layer() const { return std::get<I>(layers_); }

    /// Forward flops per sample (2 per multiply-add), summed over layers that report them.
    index_t flops() const {
        index_t f = 0;
        for_each_layer([&](auto, const auto& l) {
            if constexpr (detail::has_flops<std::remove_cvref_t<decltype(l)>>) f += l.flops();
        });
        return f;
    }

    // ---- parameters ------------------------------------------------------------------------------
    index_t parameter_count() const { return static_cast<index_t>(params_.size()); }
    std::span<T> parameters() { return params_.span(); }
    std::span<const T> parameters() const { return params_.span(); }
    std::span<T> gradients() { return grads_.span(); }
    std::span<const T> gradients() const { return grads_.span(); }
    void zero_grad() { grads_.fill(T(0)); }

    /// Seeded initialisation; each layer draws from its own stream, so changing one layer does not
    /// change the others' initial weights.
    void initialize(std::uint64_t seed, init scheme = init::he_uniform) {
        for_each_layer([&](auto i, auto& l) {
            random_engine rng(mix64(seed) ^ mix64(0x1a7e5 + i));
            l.initialize(rng, scheme);
        });
    }

    /// f(name, value, gradient) for every parameter tensor, named "<position>.<name>" as in a PyTorch
    /// nn.Sequential state_dict ("0.weight", "0.bias", ...).
    template <class F>
    void visit_parameters(F&& f) {
        for_each_layer([&](auto i, auto& l) {
            l.visit_parameters([&](std::string_view name, param_view<T> v, param_view<T> g) {
                f(std::to_string(i) + "." + std::string(name), v, g);
            });
        });
    }
    /// f(name, value) for non-learned state (batch-norm running statistics).
    template <class F>
    void visit_buffers(F&& f) {
        for_each_layer([&](auto i, auto& l) {
            if constexpr (detail::has_buffers<std::remove_cvref_t<decltype(l)>>)
                l.visit_buffers([&](std::string_view name, param_view<T> v) {
                    f(std::to_string(i) + "." + std::string(name), v);
                });
        });
    }

    // ---- passes ----------------------------------------------------------------------------------
    /// Runs every layer, keeping each output for backward() and visitors. Returns the output (valid
    /// until the next pass).
    const_batch_view<T, Dev> forward(context<Dev>& ctx, const_batch_view<T, Dev> x, phase ph = phase::inference) {
        expect_shape(x, input_shape(), "model input");
        batch_ = x.batch;
        for (std::size_t i = 0; i <= layer_count; ++i)
            acts_[i].resize(static_cast<std::size_t>(batch_ * shapes_[i].size()));
        std::memcpy(acts_[0].data(), x.data, static_cast<std::size_t>(x.size()) * sizeof(T));
        for_each_layer([&](auto i, auto& l) { l.forward(ctx, activation(i), mutable_activation(i + 1), ph); });
        return activation(layer_count);
    }

    /// Back-propagates `dy` (shaped like the output) through the last forward pass. With
    /// grad_mode::parameters, parameter gradients are accumulated (call zero_grad() first) and the
    /// input gradient is skipped; with grad_mode::input_only only the input gradient is computed.
    /// Returns the input gradient (empty with grad_mode::parameters).
    const_batch_view<T, Dev> backward(context<Dev>& ctx, const_batch_view<T, Dev> dy, grad_mode mode) {
        return backward_with(ctx, dy, gradient_rule{mode}, mode == grad_mode::input_only);
    }

    /// Back-propagation with a per-layer rule: rule(ctx, backward_step<L>&) must fill step.d_input
    /// (when not empty) from step.d_output. DeepLIFT substitutes its rules here.
    template <class Rule>
    const_batch_view<T, Dev> backward_with(context<Dev>& ctx, const_batch_view<T, Dev> dy, Rule&& rule,
                                           bool input_gradient = true) {
        expect_shape(dy, output_shape(), "model output gradient");
        if (dy.batch != batch_)
            throw shape_error("model output gradient: batch " + std::to_string(dy.batch) +
                              " does not match the last forward pass (" + std::to_string(batch_) + ")");
        index_t largest = 0;
        for (auto s : shapes_) largest = std::max(largest, s.size());
        for (auto& g : grad_) g.resize(static_cast<std::size_t>(batch_ * largest));
        const_batch_view<T, Dev> upstream = dy;
        int side = 0;
        visit_reverse_impl([&](auto i, auto& l) {
            using L = std::remove_cvref_t<decltype(l)>;
            batch_view<T, Dev> dx{};
            if (i > 0 || input_gradient) dx = {grad_[side].data(), batch_, shapes_[i]};
            backward_step<L> step{{i, l, activation(i), activation(i + 1)}, upstream, dx};
            rule(ctx, step);
            upstream = dx;
            side ^= 1;
        });
        return upstream;
    }

    /// Inference fast path: conv or dense layers followed by batch norm, ReLU, max pooling, dropout
    /// or flatten run as one fused pass. Returns the output (valid until the next pass). Does not
    /// keep intermediate activations: use forward() before backward() or visitors.
    const_batch_view<T, Dev> predict(context<Dev>& ctx, const_batch_view<T, Dev> x) {
        expect_shape(x, input_shape(), "model input");
        index_t largest = 0;
        for (auto s : shapes_) largest = std::max(largest, s.size());
        for (auto& b : predict_) b.resize(static_cast<std::size_t>(x.batch * largest));
        const_batch_view<T, Dev> cur = x;
        int side = 0;
        std::size_t next = 0;  // first layer not yet run
        for_each_layer([&](auto i, auto& l) {
            using L = std::remove_cvref_t<decltype(l)>;
            if (i < next) return;  // absorbed into an earlier layer's epilogue
            std::size_t last = i;
            batch_view<T, Dev> out{};
            if constexpr (detail::has_fused_forward<L>) {
                auto& e = builders_[i];
                l.start_epilogue(e);
                bool open = true;
                for_each_layer([&](auto j, auto& follower) {
                    using F = std::remove_cvref_t<decltype(follower)>;
                    if (j <= i || !open) return;
                    if constexpr (detail::has_fuse_into<F>) {
                        if (follower.fuse_into(e)) {
                            last = j;
                            return;
                        }
                    }
                    open = false;
                });
                out = {predict_[side].data(), x.batch, shapes_[last + 1]};
                l.forward_fused(ctx, cur, out, e);
            } else {
                out = {predict_[side].data(), x.batch, shapes_[i + 1]};
                l.forward(ctx, cur, out, phase::inference);
            }
            cur = out;
            side ^= 1;
            next = last + 1;
        });
        return cur;
    }

    // ---- visiting --------------------------------------------------------------------------------
    /// f(layer_step<L>&) for each layer, first to last, with the activations of the last forward().
    template <class F>
    void visit(F&& f) {
        for_each_layer([&](auto i, auto& l) {
            using L = std::remove_cvref_t<decltype(l)>;
            static_assert(detail::visitor_accepts<decltype(i)::value, L, F, layer_step<L>>::value);
            layer_step<L> step{i, l, activation(i), activation(i + 1)};
            f(step);
        });
    }
    /// The same, last layer first.
    template <class F>
    void visit_reverse(F&& f) {
        visit_reverse_impl([&](auto i, auto& l) {
            using L = std::remove_cvref_t<decltype(l)>;
            static_assert(detail::visitor_accepts<decltype(i)::value, L, F, layer_step<L>>::value);
            layer_step<L> step{i, l, activation(i), activation(i + 1)};
            f(step);
        });
    }

    /// Batch size of the last forward pass.
    index_t batch() const { return batch_; }
    /// Input of layer i (i = depth(): the model output) from the last forward pass.
    const_batch_view<T, Dev> activation(std::size_t i) const {
        return {acts_[i].data(), batch_, shapes_[i]};
    }

private:
    using shape_array = std::array<shape, layer_count + 1>;

    /// The spec's options with the model's task count filled in where the spec leaves it open.
    template <class Spec>
    static constexpr auto resolved_options(index_t tasks) {
        if constexpr (requires { Spec::options.with_tasks(tasks); }) return Spec::options.with_tasks(tasks);
        else return Spec::options;
    }

    static shape_array chain_shapes(index_t length, index_t tasks) {
        if (static_length && length != Input::sample.length)
            throw shape_error("model input: this model type fixes the length at " +
                              std::to_string(Input::sample.length) + ", not " + std::to_string(length));
        if (length < 1) throw shape_error("model input: length must be at least 1, got " + std::to_string(length));
        shape_array s{};
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
    static layers_type make_layers(const shape_array& s, index_t tasks, std::index_sequence<I...>) {
        return layers_type{typename Specs::template layer_type<T, Dev>(resolved_options<Specs>(tasks), s[I])...};
    }

    void bind() {
        index_t offset = 0;
        for_each_layer([&](auto, auto& l) {
            l.bind_parameters(params_.data() + offset, grads_.data() + offset);
            offset += static_cast<index_t>(l.parameter_count());
        });
    }

    batch_view<T, Dev> mutable_activation(std::size_t i) { return {acts_[i].data(), batch_, shapes_[i]}; }

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
    void visit_reverse_impl(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f(std::integral_constant<std::size_t, layer_count - 1 - I>{},
               std::get<layer_count - 1 - I>(layers_)),
             ...);
        }(std::index_sequence_for<Specs...>{});
    }

    shape_array shapes_;
    layers_type layers_;
    aligned_buffer<T> params_, grads_;
    std::array<aligned_buffer<T>, layer_count + 1> acts_;
    std::array<aligned_buffer<T>, 2> grad_, predict_;
    std::array<epilogue_builder<T>, layer_count> builders_;
    index_t batch_ = 0;
};

/// A float model on the CPU: sequential<input<600>, conv1d<300, 19>, ...>.
template <class Input, class... Specs>
using sequential = basic_sequential<float, cpu, Input, Specs...>;

}  // namespace seqnet
