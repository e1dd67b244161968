// seqnet/interpret/fast_ism_plan.hpp -- which layers a point mutation's change can cross as a window, and
// how (SCIENCE.md section 20): the plan that fast ISM follows on every device.
//
// Walking the layers in order, each layer type's ism_change_rule<Layer> says how a change crosses it
// (a convolution, a per-channel scale, an element-wise function, max pooling, a reshape, or a dense layer
// that ends the plan) and the window's width at its output. The plan stops at the first layer without a
// rule; from there the mutants run in full. The CPU (interpret/fast_ism.hpp) and GPU
// (interpret/gpu/fast_ism.hpp) implementations carry the changes along the same plan.
#pragma once

#include <seqnet/interpret/target.hpp>
#include <seqnet/layers.hpp>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace seqnet {

namespace detail {

inline index_t floor_div(index_t a, index_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline index_t ceil_div(index_t a, index_t b) { return -floor_div(-a, b); }

enum class change_rule { stop, conv, rc_conv, scale, relu, sigmoid, copy, maxpool, reshape, dense };

/// How a change crosses one layer of the plan, and the window it occupies at its output.
template <class T>
struct change_layer {
    change_rule rule = change_rule::stop;
    shape in{}, out{};
    shape geometry{};  // channels x length that the window indexes: out, except through a reshape (flatten)
    index_t width_in = 0, width_out = 0;
    // convolutions (an RC convolution's full bank of 2F filters): weight F x C x K, as the layer stores it
    index_t filters = 0, kernel = 1, dilation = 1, pad = 0;
    strands combine = strands::both;
    // strands::max: both strands' outputs (2F x L) of the reference pass, where the layer keeps them. The
    // reference passes are all of one sample, so the layer's buffer stays put and holds the current one.
    const T* strand_ref = nullptr;
    // batch norm: the scale of each channel (host)
    std::vector<T> scale;
    // max pooling
    index_t pool = 1, stride = 1;
    // convolutions and the dense layer that ends a plan (units x in.channels, row-major), where the layer
    // keeps it: on the model's device
    const T* weight = nullptr;
    index_t units = 0;

    /// First output position of the window whose input window starts at a.
    index_t output_start(index_t a) const {
        if (rule == change_rule::reshape) return a;  // the window keeps its place in the input's geometry
        index_t s = a;
        if (rule == change_rule::conv || rule == change_rule::rc_conv) s = a + pad - (kernel - 1) * dilation;
        if (rule == change_rule::maxpool) s = ceil_div(a - pool + 1, stride);
        return std::clamp<index_t>(s, 0, out.length - width_out);
    }
};

/// Fills a convolution's geometry, weights and output width into c; false for a stride other than 1
/// (not local in the sense used here: the rest of the model then runs in full).
template <class Conv, class T>
bool describe_convolution(const Conv& conv, change_layer<T>& c) {
    const auto& opts = conv.options();
    if (opts.stride != 1) return false;
    c.filters = opts.filters;
    c.kernel = opts.kernel;
    c.dilation = opts.dilation;
    c.pad = conv.receptive_field().pad_left;
    c.weight = conv.weight().data;
    c.width_out = c.width_in + (opts.kernel - 1) * opts.dilation;
    return true;
}

}  // namespace detail

/// How a substitution's change crosses a layer of type Layer: describe(layer, c) fills the change rule
/// (and what it needs) into c, or returns false where the local part of the model ends. Layers without a
/// specialisation end it, so the result stays exact for any layer; specialise for a layer of your own
/// that is element-wise or a per-channel scale to keep fast ISM going through it. Weights stay where the
/// layer keeps them (device pointers on a GPU); a scale is read to the host.
template <class Layer>
struct ism_change_rule {
    template <class T>
    static bool describe(const Layer&, detail::change_layer<T>&) { return false; }
};

template <class T, class Dev>
struct ism_change_rule<conv1d_layer<T, Dev>> {
    static bool describe(const conv1d_layer<T, Dev>& l, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::conv;
        return detail::describe_convolution(l, c);
    }
};
template <class T, class Dev>
struct ism_change_rule<motif_conv1d_layer<T, Dev>> {
    static bool describe(const motif_conv1d_layer<T, Dev>& l, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::conv;
        return detail::describe_convolution(l.bank(), c);  // the log-odds weights of the last forward pass
    }
};
template <class T, class Dev>
struct ism_change_rule<rc_conv1d_layer<T, Dev>> {
    static bool describe(const rc_conv1d_layer<T, Dev>& l, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::rc_conv;
        c.combine = l.options().combine;
        if (c.combine == strands::max) c.strand_ref = l.strand_outputs(1).data;
        return detail::describe_convolution(l.bank(), c);
    }
};
template <class T, class Dev>
struct ism_change_rule<flatten_layer<T, Dev>> {
    static bool describe(const flatten_layer<T, Dev>&, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::reshape;
        return true;
    }
};
template <class T, class Dev>
struct ism_change_rule<dense_layer<T, Dev>> {
    static bool describe(const dense_layer<T, Dev>& l, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::dense;
        c.weight = l.weight().data;
        c.units = c.out.channels;
        return true;
    }
};
template <class T, class Dev>
struct ism_change_rule<batchnorm_layer<T, Dev>> {
    static bool describe(const batchnorm_layer<T, Dev>& l, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::scale;
        c.scale = l.inference_scales();
        return true;
    }
};
template <class T, class Dev>
struct ism_change_rule<relu_layer<T, Dev>> {
    static bool describe(const relu_layer<T, Dev>&, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::relu;
        return true;
    }
};
template <class T, class Dev>
struct ism_change_rule<sigmoid_layer<T, Dev>> {
    static bool describe(const sigmoid_layer<T, Dev>&, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::sigmoid;
        return true;
    }
};
template <class T, class Dev>
struct ism_change_rule<dropout_layer<T, Dev>> {
    static bool describe(const dropout_layer<T, Dev>&, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::copy;
        return true;
    }
};
template <class T, class Dev>
struct ism_change_rule<maxpool_layer<T, Dev>> {
    static bool describe(const maxpool_layer<T, Dev>& l, detail::change_layer<T>& c) {
        c.rule = detail::change_rule::maxpool;
        c.pool = l.options().size;
        c.stride = l.options().step();
        c.width_out = (c.width_in + c.pool - 2) / c.stride + 1;
        return true;
    }
};

namespace detail {

/// The layers a change crosses as a window, up to the target's depth `end`.
template <class T>
struct change_plan {
    std::vector<change_layer<T>> layers;  // the local layers, then the dense layer that ends the plan if any
    bool ends_dense = false;
    std::size_t stop = 0;   // activation index where the mutants are rebuilt in full (layers.size())
    std::size_t local = 0;  // layers whose changes are windows (stop, less the final dense layer)
    shape input{};          // the model's per-sample input
    shape window_geometry{};  // channels x length that the last window indexes
    index_t window_width = 1;

    /// Where the window of a substitution at position l starts at activations 0..local: starts[0..local].
    void window_starts(index_t l, index_t* starts) const {
        starts[0] = l;
        for (std::size_t i = 0; i < local; ++i) starts[i + 1] = layers[i].output_start(starts[i]);
    }
};

/// The plan of `model` (its layers' weights derived: run a forward pass first) up to activation `end`.
/// A flatten keeps the window in its input's geometry and may only lead into a dense layer, which ends
/// the plan: its output changes everywhere.
template <class Model, class T = typename Model::scalar_type>
change_plan<T> plan_changes(Model& model, std::size_t end) {
    change_plan<T> p;
    p.input = model.input_shape();
    bool open = true;
    index_t width = 1;
    shape geometry = p.input;
    model.visit([&](auto& step) {
        using L = typename std::remove_cvref_t<decltype(step)>::layer_type;
        if (!open || step.index >= end) return;
        change_layer<T> c;
        c.in = step.input.sample;
        c.out = step.output.sample;
        c.width_in = width;
        if (!ism_change_rule<L>::describe(step.layer, c)) c.rule = change_rule::stop;
        const bool after_reshape = !p.layers.empty() && p.layers.back().rule == change_rule::reshape;
        if (c.rule == change_rule::stop || (after_reshape && c.rule != change_rule::dense) ||
            (c.rule == change_rule::dense && !after_reshape && c.in.length != 1)) {
            open = false;
            return;
        }
        if (c.rule == change_rule::reshape || c.rule == change_rule::dense) {
            c.geometry = geometry;
            c.width_out = c.rule == change_rule::dense ? 1 : width;
            open = c.rule != change_rule::dense;
        } else {
            if (c.width_out == 0) c.width_out = width;
            c.width_out = std::min(c.width_out, c.out.length);
            c.geometry = c.out;
        }
        geometry = c.geometry;
        width = c.width_out;
        p.layers.push_back(std::move(c));
    });
    p.ends_dense = !p.layers.empty() && p.layers.back().rule == change_rule::dense;
    p.stop = p.layers.size();
    p.local = p.ends_dense ? p.stop - 1 : p.stop;
    p.window_geometry = p.local == 0 ? p.input : p.layers[p.local - 1].geometry;
    p.window_width = p.local == 0 ? 1 : p.layers[p.local - 1].width_out;
    return p;
}

/// The most values per sample among the activations at `from` and the outputs of layers [from, to): what
/// run_layers' buffers must hold per sample.
template <class Model>
index_t largest_output(Model& model, std::size_t from, std::size_t to) {
    index_t most = model.shape_at(from).size();
    model.visit([&](auto& step) {
        if (step.index >= from && step.index < to) most = std::max(most, step.output.sample.size());
    });
    return most;
}

/// Runs layers [from, to) of `model` at inference on a batch of `count` activations at `from` (where the
/// model runs), alternating between two buffers large enough for any of their outputs; returns the
/// activations at `to`.
template <class Model, class Dev = typename Model::device_type, class T = typename Model::scalar_type>
const T* run_layers(Model& model, context<Dev>& ctx, std::size_t from, std::size_t to, const T* values, index_t count,
                    T* buffer_a, T* buffer_b) {
    T* buffers[2] = {buffer_a, buffer_b};
    int side = 0;
    model.visit([&](auto& step) {
        if (step.index < from || step.index >= to) return;
        batch_view<T, Dev> out{buffers[side], count, step.output.sample};
        step.layer.forward(ctx, const_batch_view<T, Dev>{values, count, step.input.sample}, out, phase::inference);
        values = out.data;
        side ^= 1;
    });
    return values;
}

}  // namespace detail

}  // namespace seqnet
