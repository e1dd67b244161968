// seqnet/io/spec_json.hpp -- model specs as JSON: read a model_spec from a file or string, write one back.
// Module seqnet::io (needs nlohmann-json).
//
//   {"input_length": 600, "tasks": ["ctcf", "gata1"],
//    "layers": [{"type": "conv1d", "filters": 300, "kernel": 19, "padding": "same"},
//               {"type": "relu"}, {"type": "global_maxpool"}, {"type": "dense", "units": "tasks"}]}
//
// Every layer object has "type" and optionally "name" (the prefix of its tensors in a state dict; by
// default its index, as in a PyTorch nn.Sequential). Each layer's fields are described once, in
// fields(options, io), and that one description both reads and writes them (docs/spec-format.md lists
// them). Reading is strict: a missing required field, a value of the wrong type and an unknown field (a
// typo such as "kernal") are errors naming the file, the layer index and type, and the field; the
// finished spec is then checked by chain_shapes(), which names the layer whose shapes do not chain.
#pragma once

#include <seqnet/models/spec_model.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace seqnet::io {

namespace detail {

using json = nlohmann::json;

inline std::string json_type(const json& v) {
    if (v.is_number_integer()) return "an integer";
    if (v.is_number()) return "a number";
    return std::string(v.is_string() ? "a string " + v.dump() : std::string("a ") + v.type_name());
}

/// Reads the fields of one layer object, remembering which it used so that the rest are reported as
/// unknown.
class field_reader {
public:
    field_reader(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

    template <class V>
    void required(std::string_view key, V& v) {
        known_.emplace_back(key);
        auto it = obj_.find(key);
        if (it == obj_.end()) fail(key, "missing required field");
        read(key, *it, v);
    }
    template <class V>
    void optional(std::string_view key, V& v) {
        known_.emplace_back(key);
        if (auto it = obj_.find(key); it != obj_.end()) read(key, *it, v);
    }
    /// Dense units: a count, or "tasks" for the model's task count.
    void units(std::string_view key, index_t& v) {
        known_.emplace_back(key);
        auto it = obj_.find(key);
        if (it == obj_.end()) fail(key, "missing required field");
        if (it->is_string() && *it == "tasks") v = dyn;
        else if (!it->is_number_integer() || it->get<index_t>() < 1) fail(key, "must be a positive integer or \"tasks\", got " + json_type(*it));
        else v = it->get<index_t>();
    }

    /// Throws for the first field that no description asked for.
    void reject_unknown() const {
        for (auto it = obj_.begin(); it != obj_.end(); ++it) {
            if (it.key() == "type" || it.key() == "name") continue;
            if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
            std::string list = "type, name";
            for (auto& k : known_) list += ", " + k;
            throw spec_error(where_ + ": unknown field '" + it.key() + "' (this layer takes " + list + ")");
        }
    }

private:
    [[noreturn]] void fail(std::string_view key, const std::string& problem) const {
        throw spec_error(where_ + ": field '" + std::string(key) + "': " + problem);
    }

    void read(std::string_view key, const json& v, index_t& out) const {
        if (!v.is_number_integer()) fail(key, "must be an integer, got " + json_type(v));
        out = v.get<index_t>();
    }
    void read(std::string_view key, const json& v, bool& out) const {
        if (!v.is_boolean()) fail(key, "must be true or false, got " + json_type(v));
        out = v.get<bool>();
    }
    void read(std::string_view key, const json& v, double& out) const {
        if (!v.is_number()) fail(key, "must be a number, got " + json_type(v));
        out = v.get<double>();
    }
    void read(std::string_view key, const json& v, padding& out) const {
        if (v == "valid") out = valid;
        else if (v == "same") out = same;
        else if (v.is_number_integer() && v.get<index_t>() >= 0) out = pad(v.get<index_t>());
        else if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer() &&
                 v[0].get<index_t>() >= 0 && v[1].get<index_t>() >= 0)
            out = pad(v[0].get<index_t>(), v[1].get<index_t>());
        else fail(key, "must be \"valid\", \"same\", a non-negative integer or [left, right], got " + json_type(v));
    }
    void read(std::string_view key, const json& v, std::array<double, 4>& out) const {
        if (!v.is_array() || v.size() != 4) fail(key, "must be four numbers (A, C, G, T), got " + json_type(v));
        double sum = 0;
        for (std::size_t b = 0; b < 4; ++b) {
            if (!v[b].is_number() || !(v[b].get<double>() > 0)) fail(key, "must be four positive numbers (A, C, G, T)");
            out[b] = v[b].get<double>();
            sum += out[b];
        }
        if (std::abs(sum - 1.0) > 1e-6) fail(key, "must sum to 1, sums to " + std::to_string(sum));
    }
    void read(std::string_view key, const json& v, strands& out) const {
        if (v == "both") out = strands::both;
        else if (v == "max") out = strands::max;
        else if (v == "sum") out = strands::sum;
        else fail(key, "must be \"both\", \"max\" or \"sum\", got " + json_type(v));
    }

    const json& obj_;
    std::string where_;
    std::vector<std::string> known_;
};

/// Writes the fields of one layer object (every field, so that a file says exactly what it runs), in
/// the order fields() lists them.
class field_writer {
public:
    explicit field_writer(nlohmann::ordered_json& obj) : obj_(obj) {}

    template <class V>
    void required(std::string_view key, const V& v) { obj_[std::string(key)] = value(v); }
    template <class V>
    void optional(std::string_view key, const V& v) { obj_[std::string(key)] = value(v); }
    void units(std::string_view key, index_t v) {
        obj_[std::string(key)] = v == dyn ? nlohmann::ordered_json("tasks") : nlohmann::ordered_json(v);
    }

private:
    using json = nlohmann::ordered_json;
    static json value(index_t v) { return v; }
    static json value(bool v) { return v; }
    static json value(double v) { return v; }
    static json value(padding p) {
        switch (p.kind) {
            case padding::mode::valid: return "valid";
            case padding::mode::same: return "same";
            case padding::mode::explicit_amounts: break;
        }
        return p.left == p.right ? json(p.left) : json::array({p.left, p.right});
    }
    static json value(strands s) { return s == strands::both ? "both" : s == strands::max ? "max" : "sum"; }
    static json value(const std::array<double, 4>& a) { return json::array({a[0], a[1], a[2], a[3]}); }

    json& obj_;
};

// One description per layer type: its JSON fields, required or optional with the options' defaults.
template <class IO, class O> void fields(IO& io, O& o) { static_assert(std::is_empty_v<O>, "describe this layer's fields"); }
/// The fields conv1d and rc_conv1d share; rc_conv1d adds its strand handling in between.
template <class IO, class O, class Between>
void convolution_fields(IO& io, O& o, Between&& between) {
    io.required("filters", o.filters);
    io.required("kernel", o.kernel);
    between();
    io.optional("padding", o.pad);
    io.optional("stride", o.stride);
    io.optional("dilation", o.dilation);
    io.optional("bias", o.bias);
}
template <class IO, class O>
    requires std::same_as<std::remove_const_t<O>, conv1d_options>
void fields(IO& io, O& o) {
    convolution_fields(io, o, [] {});
}
template <class IO, class O>
    requires std::same_as<std::remove_const_t<O>, rc_conv1d_options>
void fields(IO& io, O& o) {
    convolution_fields(io, o, [&] { io.optional("strands", o.combine); });
}
template <class IO, class O>
    requires std::same_as<std::remove_const_t<O>, motif_conv1d_options>
void fields(IO& io, O& o) {
    io.required("filters", o.filters);
    io.required("kernel", o.kernel);
    io.optional("padding", o.pad);
    io.optional("dilation", o.dilation);
    io.optional("bias", o.bias);
    io.optional("ic_penalty", o.ic_penalty);
    io.optional("background", o.background);
}
template <class IO, class O>
    requires std::same_as<std::remove_const_t<O>, batchnorm_options>
void fields(IO& io, O& o) {
    io.optional("eps", o.eps);
    io.optional("momentum", o.momentum);
}
template <class IO, class O>
    requires std::same_as<std::remove_const_t<O>, maxpool_options>
void fields(IO& io, O& o) {
    io.required("size", o.size);
    if constexpr (std::is_const_v<O>) io.optional("stride", o.step());  // write what stride 0 means
    else io.optional("stride", o.stride);
}
template <class IO, class O>
    requires std::same_as<std::remove_const_t<O>, dropout_options>
void fields(IO& io, O& o) { io.optional("p", o.p); }
template <class IO, class O>
    requires std::same_as<std::remove_const_t<O>, dense_options>
void fields(IO& io, O& o) {
    io.units("units", o.units);
    io.optional("bias", o.bias);
}
template <class IO, class O>
    requires std::same_as<std::remove_const_t<O>, separable_dense_options>
void fields(IO& io, O& o) {
    io.required("units", o.units);
    io.optional("symmetric", o.symmetric);
}
template <class IO, class O>
    requires std::same_as<std::remove_const_t<O>, bilstm_options>
void fields(IO& io, O& o) { io.required("hidden", o.hidden); }

inline std::string known_layer_types() {
    std::string list;
    for (std::size_t i = 0; i < all_layers::size; ++i) {
        layer_options o;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((i == I ? (o.emplace<I>(), true) : false) || ...);
        }(std::make_index_sequence<all_layers::size>{});
        list += (i ? ", " : "") + std::string(layer_type_name(o));
    }
    return list;
}

inline layer_entry parse_layer(const json& v, std::size_t i, const std::string& source) {
    const std::string at = source + ": layer " + std::to_string(i);
    if (!v.is_object()) throw spec_error(at + ": must be an object like {\"type\": \"relu\"}, got " + json_type(v));
    auto type = v.find("type");
    if (type == v.end()) throw spec_error(at + ": missing required field 'type'");
    if (!type->is_string()) throw spec_error(at + ": field 'type' must be a string, got " + json_type(*type));
    auto options = default_options(type->get<std::string>());
    if (!options)
        throw spec_error(at + ": unknown layer type '" + type->get<std::string>() + "' (known: " + known_layer_types() + ")");
    layer_entry entry{*options, {}};
    field_reader reader(v, at + " (" + type->get<std::string>() + ")");
    std::visit([&](auto& o) { fields(reader, o); }, entry.options);
    reader.reject_unknown();
    if (auto name = v.find("name"); name != v.end()) {
        if (!name->is_string() || name->get<std::string>().empty())
            throw spec_error(at + ": field 'name' must be a non-empty string, got " + json_type(*name));
        entry.name = name->get<std::string>();
    }
    return entry;
}

}  // namespace detail

/// A spec from a parsed JSON document (a model file's metadata); `source` names it in messages.
inline model_spec spec_from_json(const nlohmann::json& doc, const std::string& source) {
    using detail::json, detail::json_type;
    if (!doc.is_object()) throw spec_error(source + ": a spec must be a JSON object, got " + json_type(doc));
    for (auto it = doc.begin(); it != doc.end(); ++it)
        if (it.key() != "input_length" && it.key() != "input_channels" && it.key() != "tasks" && it.key() != "layers")
            throw spec_error(source + ": unknown field '" + it.key() +
                             "' (a spec has input_length, input_channels, tasks and layers)");
    model_spec spec;
    auto integer = [&](const char* key, index_t& out, bool required) {
        auto it = doc.find(key);
        if (it == doc.end()) {
            if (required) throw spec_error(source + ": missing required field '" + key + "'");
            return;
        }
        if (!it->is_number_integer() || it->get<index_t>() < 1)
            throw spec_error(source + ": field '" + key + "' must be a positive integer, got " + json_type(*it));
        out = it->get<index_t>();
    };
    integer("input_length", spec.input_length, true);
    integer("input_channels", spec.input_channels, false);

    auto tasks = doc.find("tasks");
    if (tasks == doc.end()) throw spec_error(source + ": missing required field 'tasks'");
    if (tasks->is_number_integer() && tasks->get<index_t>() >= 1 && tasks->get<index_t>() <= 1'000'000) {
        for (index_t t = 0; t < tasks->get<index_t>(); ++t) spec.tasks.push_back("task_" + std::to_string(t));
    } else if (tasks->is_array()) {
        for (std::size_t t = 0; t < tasks->size(); ++t) {
            if (!(*tasks)[t].is_string())
                throw spec_error(source + ": tasks[" + std::to_string(t) + "] must be a string, got " +
                                 json_type((*tasks)[t]));
            spec.tasks.push_back((*tasks)[t].get<std::string>());
        }
    } else {
        throw spec_error(source + ": field 'tasks' must be a list of task names or a task count, got " +
                         json_type(*tasks));
    }

    auto layers = doc.find("layers");
    if (layers == doc.end()) throw spec_error(source + ": missing required field 'layers'");
    if (!layers->is_array()) throw spec_error(source + ": field 'layers' must be a list, got " + json_type(*layers));
    for (std::size_t i = 0; i < layers->size(); ++i) spec.layers.push_back(detail::parse_layer((*layers)[i], i, source));

    try {
        chain_shapes(spec);
    } catch (const spec_error& e) {
        throw spec_error(source + ": " + e.what());
    }
    return spec;
}

/// Parses a spec from JSON text. Throws format_error for text that is not JSON and spec_error for JSON
/// that is not a model spec.
inline model_spec parse_spec(std::string_view text, const std::string& source = "<spec>") {
    using detail::json;
    json doc;
    try {
        doc = json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
        throw format_error(source + ": not valid JSON: " + e.what());
    }
    return spec_from_json(doc, source);
}

/// Reads a spec from a JSON file.
inline model_spec read_spec(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw format_error(path.string() + ": cannot open for reading");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_spec(text.str(), path.string());
}

/// The spec as a JSON document (every field written, defaults included; "type" first).
inline nlohmann::ordered_json spec_to_json(const model_spec& spec) {
    using json = nlohmann::ordered_json;
    json layers = json::array();
    for (const auto& entry : spec.layers) {
        json obj{{"type", std::string(layer_type_name(entry.options))}};
        detail::field_writer writer(obj);
        std::visit([&](const auto& o) { detail::fields(writer, o); }, entry.options);
        if (!entry.name.empty()) obj["name"] = entry.name;
        layers.push_back(std::move(obj));
    }
    return json{{"input_length", spec.input_length}, {"input_channels", spec.input_channels},
                {"tasks", spec.tasks}, {"layers", std::move(layers)}};
}

/// The spec as JSON text, one layer per line.
inline std::string format_spec(const model_spec& spec) {
    const auto doc = spec_to_json(spec);
    std::string out = "{\n  \"input_length\": " + doc["input_length"].dump() +
                      ",\n  \"input_channels\": " + doc["input_channels"].dump() +
                      ",\n  \"tasks\": " + doc["tasks"].dump() + ",\n  \"layers\": [\n";
    const auto& layers = doc["layers"];
    for (std::size_t i = 0; i < layers.size(); ++i) out += "    " + layers[i].dump() + (i + 1 < layers.size() ? ",\n" : "\n");
    return out + "  ]\n}\n";
}

/// Writes the spec as a JSON file.
inline void write_spec(const std::filesystem::path& path, const model_spec& spec) {
    std::ofstream out(path, std::ios::binary);
    out << format_spec(spec);
    if (!out.flush()) throw format_error(path.string() + ": cannot write");
}

}  // namespace seqnet::io
