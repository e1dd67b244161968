// seqnet/models/model_base.hpp -- what every model does with its chain of layers, written once for the
// compile-time sequential<> and the run-time spec_model.
//
// A model is a chain of layers with shapes s_0 -> s_1 -> ... -> s_n. model_base owns the shapes, one
// parameter buffer and one gradient buffer (layers hold views into them), the cached activations of the
// last forward pass and the workspaces of backward and predict, and implements every pass and visitor
// over them. The derived model owns the layers and says how to walk them:
//   for_each_layer(f), for_each_layer(f) const, for_each_layer_reverse(f)
//                        call f(index, layer&) for each layer, where index converts to std::size_t (an
//                        integral_constant in sequential<>, a std::size_t in spec_model)
//   parameter_prefix(i)  the state-dict prefix of layer i ("0", "1", ... or a spec's own names)
// Activations and workspaces only grow: repeated calls at the same batch size allocate nothing.
// Buffers live on the model's device (backend/device_memory.hpp): on a GPU, parameters(), gradients()
// and activation(i) are device memory, to be read through models/transfer.hpp or device_memory<Dev>.
#pragma once

#include <seqnet/backend/device_memory.hpp>
#include <seqnet/layers/concepts.hpp>
#include <seqnet/layers/fusion.hpp>
#include <seqnet/layers/gpu/fusion.hpp>
#include <seqnet/models/visit.hpp>
#include <seqnet/tensor/buffer.hpp>

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace seqnet {

namespace detail {

template <class L>
concept has_fused_forward = requires(L& l, const L& cl, epilogue_builder<typename L::scalar_type>& e) {
    cl.start_epilogue(e);
};
template <class L>
concept has_gpu_fused_forward = requires(const L& cl, gpu_epilogue<typename L::scalar_type>& e) {
    cl.start_epilogue(e);
};
/// Whether layer L joins an epilogue of type E (epilogue_builder on the CPU, gpu_epilogue on a GPU).
template <class L, class E>
concept fuses_into = requires(const L& cl, E& e) {
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

/// A visitor must accept the step of every layer; a compile-time position is named when there is one.
template <class Index, class Layer, class Visitor>
constexpr bool check_visitor() {
    if constexpr (requires { Index::value; })
        return visitor_accepts<Index::value, Layer, Visitor, layer_step<Layer>>::value;
    else
        return visitor_accepts_any<Layer, Visitor, layer_step<Layer>>::value;
}

}  // namespace detail

/// Layers [first, last) of a model; the default is all of them.
struct layer_range {
    std::size_t first = 0;
    std::size_t last = ~std::size_t(0);
};

template <class Derived, class T, class Dev>
class model_base {
public:
    using scalar_type = T;
    using device_type = Dev;

    // ---- structure -------------------------------------------------------------------------------
    std::size_t depth() const { return shapes_.size() - 1; }
    shape input_shape() const { return shapes_.front(); }
    shape output_shape() const { return shapes_.back(); }
    /// Shape entering layer i (i = depth() gives the model's output shape).
    shape shape_at(std::size_t i) const { return shapes_.at(i); }

    /// Forward flops per sample (2 per multiply-add), summed over layers that report them.
    index_t flops() const {
        index_t f = 0;
        self().for_each_layer([&](auto, const auto& l) {
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
    void zero_grad() { memory::zero(grads_.data(), static_cast<index_t>(grads_.size())); }

    /// Seeded initialisation; each layer draws from its own stream, so changing one layer does not
    /// change the others' initial weights.
    /// A GPU model draws the same values as a CPU model of the same layers on the host and uploads
    /// them.
    void initialize(std::uint64_t seed, init scheme = init::he_uniform) {
        if constexpr (std::same_as<Dev, cpu>) {
            initialize_bound(seed, scheme);
        } else {
            aligned_buffer<T> host(params_.size());
            bind(host.data());
            initialize_bound(seed, scheme);
            bind();
            memory::upload(params_.data(), host.data(), static_cast<index_t>(host.size()));
        }
    }

    /// f(name, value, gradient) for every parameter tensor, named "<prefix>.<name>" as in a PyTorch
    /// state_dict ("0.weight", "0.bias", ... for an nn.Sequential).
    template <class F>
    void visit_parameters(F&& f) {
        self().for_each_layer([&](auto i, auto& l) {
            const std::string prefix = self().parameter_prefix(i) + ".";
            l.visit_parameters([&](std::string_view name, param_view<T> v, param_view<T> g) {
                f(prefix + std::string(name), v, g);
            });
        });
    }
    /// f(name, value) for non-learned state (batch-norm running statistics).
    template <class F>
    void visit_buffers(F&& f) {
        self().for_each_layer([&](auto i, auto& l) {
            if constexpr (detail::has_buffers<std::remove_cvref_t<decltype(l)>>) {
                const std::string prefix = self().parameter_prefix(i) + ".";
                l.visit_buffers([&](std::string_view name, param_view<T> v) { f(prefix + std::string(name), v); });
            }
        });
    }

    // ---- passes ----------------------------------------------------------------------------------
    /// Runs every layer, keeping each output for backward() and visitors. Returns the output (valid
    /// until the next pass). With a range, runs layers [first, last) on x, the input of layer first,
    /// and returns the input of layer last; activations outside the range are stale afterwards.
    const_batch_view<T, Dev> forward(context<Dev>& ctx, const_batch_view<T, Dev> x, phase ph = phase::inference,
                                     layer_range r = {}) {
        const auto [first, last] = clamp(r);
        expect_shape(x, shapes_[first], first == 0 ? "model input" : "model activation");
        batch_ = x.batch;
        for (std::size_t i = first; i <= last; ++i)
            grow_to(acts_[i], batch_ * shapes_[i].size());
        memory::copy(acts_[first].data(), x.data, x.size());
        self().for_each_layer([&](auto i, auto& l) {
            if (i >= first && i < last) l.forward(ctx, activation(i), mutable_activation(i + 1), ph);
        });
        return activation(last);
    }

    /// Back-propagates `dy` (shaped like the output) through the last forward pass. With
    /// grad_mode::parameters, parameter gradients are accumulated (call zero_grad() first) and the
    /// input gradient is skipped; with grad_mode::input_only only the input gradient is computed.
    /// Returns the input gradient (empty with grad_mode::parameters).
    const_batch_view<T, Dev> backward(context<Dev>& ctx, const_batch_view<T, Dev> dy, grad_mode mode) {
        return backward_with(ctx, dy, gradient_rule{mode}, mode == grad_mode::input_only);
    }

    /// Back-propagation with a per-layer rule: rule(ctx, backward_step<L>&) must fill step.d_input
    /// (when not empty) from step.d_output. DeepLIFT substitutes its rules here. With a range, dy
    /// arrives at the output of layer last - 1 and the gradient at the input of layer first is
    /// returned (always computed when first > 0); the range's activations must come from the last
    /// forward pass.
    template <class Rule>
    const_batch_view<T, Dev> backward_with(context<Dev>& ctx, const_batch_view<T, Dev> dy, Rule&& rule,
                                           bool input_gradient = true, layer_range r = {}) {
        const auto [first, last] = clamp(r);
        expect_shape(dy, shapes_[last], last == depth() ? "model output gradient" : "model activation gradient");
        if (dy.batch != batch_)
            throw shape_error("model output gradient: batch " + std::to_string(dy.batch) +
                              " does not match the last forward pass (" + std::to_string(batch_) + ")");
        for (auto& g : grad_) grow_to(g, batch_ * largest_shape());
        const_batch_view<T, Dev> upstream = dy;
        int side = 0;
        self().for_each_layer_reverse([&](auto i, auto& l) {
            using L = std::remove_cvref_t<decltype(l)>;
            if (i < first || i >= last) return;
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
    /// keep intermediate activations: use forward() before backward() or visitors. With `layers`
    /// below depth(), runs only the first `layers` layers and returns the input of the next (the
    /// logits under an output sigmoid, or an embedding).
    const_batch_view<T, Dev> predict(context<Dev>& ctx, const_batch_view<T, Dev> x, std::size_t layers = ~std::size_t(0)) {
        expect_shape(x, input_shape(), "model input");
        for (auto& b : predict_) grow_to(b, x.batch * largest_shape());
        const std::size_t end = std::min(layers, depth());
        const_batch_view<T, Dev> cur = x;
        int side = 0;
        std::size_t next = 0;  // first layer not yet run
        self().for_each_layer([&](auto i, auto& l) {
            using L = std::remove_cvref_t<decltype(l)>;
            if (i < next || i >= end) return;  // absorbed into an earlier layer's epilogue, or not asked for
            std::size_t last = i;
            batch_view<T, Dev> out{};
            // The layers after i join its epilogue while they fit; returns the last that joined.
            auto gather = [&](auto& e) {
                using E = std::remove_cvref_t<decltype(e)>;
                std::size_t joined = i;
                bool open = true;
                self().for_each_layer([&](auto j, auto& follower) {
                    using F = std::remove_cvref_t<decltype(follower)>;
                    if (j <= i || !open) return;
                    if (j >= end) {
                        open = false;
                        return;
                    }
                    if constexpr (detail::fuses_into<F, E>) {
                        if (follower.fuse_into(e)) {
                            joined = j;
                            return;
                        }
                    }
                    open = false;
                });
                return joined;
            };
            if constexpr (std::same_as<Dev, cpu> && detail::has_fused_forward<L>) {  // CPU epilogues
                auto& e = builders_[i];
                l.start_epilogue(e);
                last = gather(e);
                out = {predict_[side].data(), x.batch, shapes_[last + 1]};
                l.forward_fused(ctx, cur, out, e);
            } else if constexpr (gpu_device<Dev> && detail::has_gpu_fused_forward<L>) {  // GPU epilogues
                gpu_epilogue<T> e;
                l.start_epilogue(e);
                last = gather(e);
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
        self().for_each_layer([&](auto i, auto& l) { visit_one(f, i, l); });
    }
    /// The same, last layer first.
    template <class F>
    void visit_reverse(F&& f) {
        self().for_each_layer_reverse([&](auto i, auto& l) { visit_one(f, i, l); });
    }

    /// Batch size of the last forward pass.
    index_t batch() const { return batch_; }
    /// Input of layer i (i = depth(): the model output) from the last forward pass.
    const_batch_view<T, Dev> activation(std::size_t i) const { return {acts_[i].data(), batch_, shapes_[i]}; }

protected:
    explicit model_base(std::vector<shape> shapes)
        : shapes_(std::move(shapes)), acts_(shapes_.size()), builders_(shapes_.size() - 1) {}

    /// Sizes the parameter and gradient buffers for the derived model's layers, binds them and
    /// initialises with seed 0. Called once the layers exist.
    void allocate_parameters() {
        index_t total = 0;
        self().for_each_layer([&](auto, auto& l) { total += static_cast<index_t>(l.parameter_count()); });
        params_.resize(static_cast<std::size_t>(total));
        grads_.resize(static_cast<std::size_t>(total));
        memory::zero(grads_.data(), total);
        bind();
        initialize(0);
    }

    /// Points every layer at its slices of the buffers (again after a copy); with `values`, at slices
    /// of that host copy of the parameters instead.
    void bind(T* values = nullptr) {
        index_t offset = 0;
        T* v = values ? values : params_.data();
        self().for_each_layer([&](auto, auto& l) {
            l.bind_parameters(v + offset, grads_.data() + offset);
            offset += static_cast<index_t>(l.parameter_count());
        });
    }

    std::vector<shape> shapes_;

private:
    using memory = device_memory<Dev>;
    template <class U>
    using buffer = typename memory::template buffer<U>;

    void initialize_bound(std::uint64_t seed, init scheme) {
        self().for_each_layer([&](auto i, auto& l) {
            random_engine rng(mix64(seed) ^ mix64(0x1a7e5 + static_cast<std::size_t>(i)));
            l.initialize(rng, scheme);
        });
    }

    Derived& self() { return static_cast<Derived&>(*this); }
    const Derived& self() const { return static_cast<const Derived&>(*this); }

    template <class F, class I, class L>
    void visit_one(F& f, I i, L& l) {
        static_assert(detail::check_visitor<I, L, F>());
        layer_step<L> step{i, l, activation(i), activation(i + 1)};
        f(step);
    }

    std::pair<std::size_t, std::size_t> clamp(layer_range r) const {
        const std::size_t last = std::min(r.last, depth());
        if (r.first > last)
            throw argument_error("model: layer range [" + std::to_string(r.first) + ", " + std::to_string(last) +
                                 ") is reversed");
        return {r.first, last};
    }

    /// Buffers keep their largest size: a smaller batch between larger ones must not shrink them, or
    /// the next larger batch would zero the regrown part again.

    index_t largest_shape() const {
        index_t largest = 0;
        for (auto s : shapes_) largest = std::max(largest, s.size());
        return largest;
    }

    batch_view<T, Dev> mutable_activation(std::size_t i) { return {acts_[i].data(), batch_, shapes_[i]}; }

    buffer<T> params_, grads_;
    std::vector<buffer<T>> acts_;
    std::array<buffer<T>, 2> grad_, predict_;
    std::vector<epilogue_builder<T>> builders_;
    index_t batch_ = 0;
};

}  // namespace seqnet
