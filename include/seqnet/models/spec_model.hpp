// seqnet/models/spec_model.hpp -- a model whose layers are chosen at run time, from a model_spec.
//
//   model_spec spec{.input_length = 101, .tasks = {"ctcf"},
//                   .layers = {{conv1d_options{16, 24}}, {relu_options{}}, {global_maxpool_options{}},
//                              {dense_options{dyn}}}};
//   spec_model model(spec);
//
// The layers are the same classes a compile-time sequential<> uses, held in a
// std::vector<any_layer<T, Dev>>; passes, visitors and parameter names come from the same model_base,
// so every algorithm that works on a sequential<> works on a spec_model. A model_spec is usually read
// from JSON (io/spec_json.hpp) or from a seqnet model file (io/model_file.hpp). Cost over sequential<>:
// one std::visit per layer and pass.
#pragma once

#include <seqnet/models/any_layer.hpp>
#include <seqnet/models/model_base.hpp>

#include <new>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace seqnet {

/// One layer of a spec: its options, and optionally the prefix of its tensors in a state dict (empty:
/// its position, as in a PyTorch nn.Sequential).
struct layer_entry {
    layer_entry(layer_options o, std::string prefix = {}) : options(std::move(o)), name(std::move(prefix)) {}

    layer_options options;
    std::string name;
};

/// A model described as data: input shape, task names and layers. Layers whose size is the task count
/// (dense_options{dyn}) get it from `tasks`.
struct model_spec {
    index_t input_length = 0;
    index_t input_channels = 4;
    std::vector<std::string> tasks;
    std::vector<layer_entry> layers;
};

/// Sizes a spec may ask for. They keep every size and parameter count the layers compute far from
/// overflowing index_t, so that a corrupt or hostile spec is an error rather than undefined behaviour.
struct spec_limits {
    static constexpr index_t channels = index_t(1) << 20;     ///< filters, units, hidden size, channels
    static constexpr index_t length = index_t(1) << 30;       ///< input length, strides, padding, pool sizes
    static constexpr index_t sample_size = index_t(1) << 32;  ///< channels x length of any activation
    static constexpr index_t kernel = index_t(1) << 20;       ///< kernel taps and dilation
};

namespace detail {
/// The first size in `o` over its limit, as "field: problem", or empty.
template <class O>
std::string oversized_field(const O& o) {
    auto over = [](const char* field, index_t v, index_t limit) {
        return v > limit ? std::string(field) + " " + std::to_string(v) + " exceeds seqnet's limit of " +
                               std::to_string(limit)
                         : std::string();
    };
    std::string r;
    auto check = [&](const char* field, index_t v, index_t limit) {
        if (r.empty()) r = over(field, v, limit);
    };
    if constexpr (requires { o.filters; }) check("filters", o.filters, spec_limits::channels);
    if constexpr (requires { o.units; }) check("units", o.units, spec_limits::channels);
    if constexpr (requires { o.hidden; }) check("hidden", o.hidden, spec_limits::channels);
    if constexpr (requires { o.kernel; }) check("kernel", o.kernel, spec_limits::kernel);
    if constexpr (requires { o.dilation; }) check("dilation", o.dilation, spec_limits::kernel);
    if constexpr (requires { o.stride; }) check("stride", o.stride, spec_limits::length);
    if constexpr (requires { o.size; }) check("size", o.size, spec_limits::length);
    if constexpr (requires { o.pad; }) {
        check("padding", o.pad.left, spec_limits::length);
        check("padding", o.pad.right, spec_limits::length);
    }
    return r;
}
}  // namespace detail

/// "layer 3 (maxpool)": how messages name a spec's layer.
inline std::string describe_layer(const model_spec& spec, std::size_t i) {
    return "layer " + std::to_string(i) + " (" + std::string(layer_type_name(spec.layers[i].options)) + ")";
}

/// Checks a spec and returns the shape entering each layer and leaving the last. Throws spec_error
/// naming the layer index and the problem.
inline std::vector<shape> chain_shapes(const model_spec& spec) {
    if (spec.input_length < 1 || spec.input_length > spec_limits::length)
        throw spec_error("input_length must be between 1 and " + std::to_string(spec_limits::length) + ", got " +
                         std::to_string(spec.input_length));
    if (spec.input_channels < 1 || spec.input_channels > spec_limits::channels)
        throw spec_error("input_channels must be between 1 and " + std::to_string(spec_limits::channels) + ", got " +
                         std::to_string(spec.input_channels));
    if (spec.tasks.empty()) throw spec_error("tasks: a model needs at least one task");
    if (static_cast<index_t>(spec.tasks.size()) > spec_limits::channels)
        throw spec_error("tasks: " + std::to_string(spec.tasks.size()) + " tasks exceed seqnet's limit of " +
                         std::to_string(spec_limits::channels));
    std::set<std::string> seen;
    for (std::size_t t = 0; t < spec.tasks.size(); ++t) {
        if (spec.tasks[t].empty()) throw spec_error("tasks[" + std::to_string(t) + "]: empty task name");
        if (!seen.insert(spec.tasks[t]).second)
            throw spec_error("tasks[" + std::to_string(t) + "]: duplicate task name '" + spec.tasks[t] + "'");
    }
    if (spec.layers.empty()) throw spec_error("layers: a model needs at least one layer");

    const auto tasks = static_cast<index_t>(spec.tasks.size());
    std::vector<shape> s{{spec.input_channels, spec.input_length}};
    std::set<std::string> prefixes;
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const std::string& name = spec.layers[i].name;
        if (!prefixes.insert(name.empty() ? std::to_string(i) : name).second)
            throw spec_error(describe_layer(spec, i) + ": name '" + (name.empty() ? std::to_string(i) : name) +
                             "' is already used by an earlier layer");
        const std::string oversized = std::visit([](const auto& o) { return detail::oversized_field(o); },
                                                 spec.layers[i].options);
        if (!oversized.empty()) throw spec_error(describe_layer(spec, i) + ": " + oversized);
        const shape_result r = std::visit(
            [&](const auto& o) {
                if constexpr (requires { o.with_tasks(tasks); }) return o.with_tasks(tasks).output_shape(s.back());
                else return o.output_shape(s.back());
            },
            spec.layers[i].options);
        if (!r.ok()) throw spec_error(describe_layer(spec, i) + ": input shape " + to_string(s.back()) + ": " + r.error);
        if (r.out.channels > spec_limits::channels || r.out.length > spec_limits::length ||
            r.out.size() > spec_limits::sample_size)
            throw spec_error(describe_layer(spec, i) + ": output shape " + to_string(r.out) + " exceeds seqnet's limits");
        s.push_back(r.out);
    }
    if (s.back().size() != tasks)
        throw spec_error("the last layer outputs " + to_string(s.back()) + " = " + std::to_string(s.back().size()) +
                         " values per sequence, but tasks names " + std::to_string(tasks));
    return s;
}

template <class T, class Dev = cpu>
class basic_spec_model : public model_base<basic_spec_model<T, Dev>, T, Dev> {
    using base = model_base<basic_spec_model, T, Dev>;
    friend base;

public:
    /// Builds the layers the spec describes (throws spec_error naming the layer and the problem),
    /// initialised with seed 0.
    explicit basic_spec_model(model_spec spec) : base(chain_shapes(spec)), spec_(std::move(spec)) {
        const auto tasks = static_cast<index_t>(spec_.tasks.size());
        layers_.reserve(spec_.layers.size());
        try {
            for (std::size_t i = 0; i < spec_.layers.size(); ++i) {
                layer_options o = spec_.layers[i].options;
                std::visit([&](auto& opts) {
                    if constexpr (requires { opts.with_tasks(tasks); }) opts = opts.with_tasks(tasks);
                }, o);
                layers_.push_back(make_layer<T, Dev>(o, this->shapes_[i]));
            }
            this->allocate_parameters();
        } catch (const std::bad_alloc&) {
            throw error("model spec: not enough memory for the model's parameters (" +
                        std::to_string(layers_.size()) + " of " + std::to_string(spec_.layers.size()) +
                        " layers built)");
        }
    }

    basic_spec_model(const basic_spec_model& o) : base(o), spec_(o.spec_), layers_(o.layers_) { this->bind(); }
    basic_spec_model& operator=(const basic_spec_model& o) {
        if (this != &o) {
            base::operator=(o);
            spec_ = o.spec_;
            layers_ = o.layers_;
            this->bind();
        }
        return *this;
    }
    basic_spec_model(basic_spec_model&&) noexcept = default;  // buffers move with their addresses
    basic_spec_model& operator=(basic_spec_model&&) noexcept = default;

    const model_spec& spec() const { return spec_; }
    const std::vector<std::string>& tasks() const { return spec_.tasks; }

    any_layer<T, Dev>& layer(std::size_t i) { return layers_.at(i); }
    const any_layer<T, Dev>& layer(std::size_t i) const { return layers_.at(i); }

private:
    std::string parameter_prefix(std::size_t i) const {
        return spec_.layers[i].name.empty() ? std::to_string(i) : spec_.layers[i].name;
    }

    template <class F>
    void for_each_layer(F&& f) {
        for (std::size_t i = 0; i < layers_.size(); ++i) std::visit([&](auto& l) { f(i, l); }, layers_[i]);
    }
    template <class F>
    void for_each_layer(F&& f) const {
        for (std::size_t i = 0; i < layers_.size(); ++i) std::visit([&](const auto& l) { f(i, l); }, layers_[i]);
    }
    template <class F>
    void for_each_layer_reverse(F&& f) {
        for (std::size_t i = layers_.size(); i-- > 0;) std::visit([&](auto& l) { f(i, l); }, layers_[i]);
    }

    model_spec spec_;
    std::vector<any_layer<T, Dev>> layers_;
};

/// A float model on the CPU built from a spec.
using spec_model = basic_spec_model<float, cpu>;

/// The spec of any model: a spec_model's own, or one written from a sequential<>'s layers with the
/// given task names (one per output value).
template <class Model>
model_spec model_spec_of(Model& model, std::vector<std::string> tasks = {}) {
    if constexpr (requires { model.spec(); }) {
        if (tasks.empty()) return model.spec();
        model_spec s = model.spec();
        s.tasks = std::move(tasks);
        return s;
    } else {
        model_spec s{.input_length = model.input_shape().length, .input_channels = model.input_shape().channels,
                     .tasks = std::move(tasks), .layers = {}};
        if (s.tasks.empty())
            for (index_t t = 0; t < model.output_shape().size(); ++t) s.tasks.push_back("task_" + std::to_string(t));
        model.visit([&](auto& step) { s.layers.push_back({layer_options(step.layer.options()), {}}); });
        return s;
    }
}

}  // namespace seqnet
