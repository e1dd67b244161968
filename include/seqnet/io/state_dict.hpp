// seqnet/io/state_dict.hpp -- a model's parameters and buffers as named tensors, and back.
// Module seqnet::io.
//
// Names are the model's visit_parameters / visit_buffers names, which follow PyTorch's state_dict
// ("0.weight", "1.running_mean", or a spec's own layer names), and shapes are PyTorch's, so a state
// dict saved from the equivalent nn.Sequential loads without edits. Loading is all or nothing: every
// tensor is checked (present, floating point, the model's shape; no tensor the model lacks, except
// BatchNorm's num_batches_tracked) before the first value is copied, and one error lists what did not
// fit, naming each tensor and the file.
#pragma once

#include <seqnet/io/tensor_file.hpp>
#include <seqnet/tensor/view.hpp>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace seqnet::io {

/// Every parameter, then every buffer, as float32 tensors.
template <class Model>
tensor_file state_dict(Model& model) {
    tensor_file f;
    auto add = [&](const std::string& name, auto v) {
        named_tensor t;
        t.name = name;
        t.shape.assign(v.dims.begin(), v.dims.begin() + v.rank);
        t.values.assign(v.data, v.data + v.size());
        f.tensors.push_back(std::move(t));
    };
    model.visit_parameters([&](const std::string& name, auto v, auto) { add(name, v); });
    model.visit_buffers([&](const std::string& name, auto v) { add(name, v); });
    return f;
}

/// Copies the tensors of `file` into the model's parameters and buffers. Throws format_error listing
/// every tensor that is missing, of the wrong shape or type, or unknown to the model; then nothing
/// has been changed.
template <class Model>
void load_state_dict(Model& model, const tensor_file& file) {
    using T = typename Model::scalar_type;
    struct target {
        std::string name;
        param_view<T> view;
    };
    std::vector<target> targets;
    model.visit_parameters([&](const std::string& name, param_view<T> v, param_view<T>) { targets.push_back({name, v}); });
    model.visit_buffers([&](const std::string& name, param_view<T> v) { targets.push_back({name, v}); });

    std::unordered_map<std::string, const named_tensor*> by_name;
    for (const auto& t : file.tensors) by_name.emplace(t.name, &t);

    std::vector<std::string> problems;
    std::unordered_set<std::string> wanted;
    for (const auto& [name, view] : targets) {
        wanted.insert(name);
        const std::vector<index_t> expected(view.dims.begin(), view.dims.begin() + view.rank);
        auto it = by_name.find(name);
        if (it == by_name.end()) {
            problems.push_back("missing tensor '" + name + "' (expected shape " + shape_string(expected) + ")");
        } else if (!it->second->is_floating()) {
            problems.push_back("tensor '" + name + "' is " + it->second->dtype + ", expected a floating-point tensor");
        } else if (it->second->shape != expected) {
            problems.push_back("tensor '" + name + "' has shape " + shape_string(it->second->shape) +
                               ", the model expects " + shape_string(expected));
        }
    }
    for (const auto& t : file.tensors) {
        if (wanted.contains(t.name)) continue;
        const std::string suffix = ".num_batches_tracked";
        if (t.name.ends_with(suffix) &&
            wanted.contains(t.name.substr(0, t.name.size() - suffix.size()) + ".running_mean"))
            continue;  // PyTorch's BatchNorm step counter: inference does not use it
        problems.push_back("unexpected tensor '" + t.name + "' (the model has no parameter or buffer of that name)");
    }
    if (!problems.empty()) {
        std::string msg = file.path + ": the weights do not fit the model: ";
        const std::size_t shown = std::min<std::size_t>(problems.size(), 8);
        for (std::size_t i = 0; i < shown; ++i) msg += (i ? "; " : "") + problems[i];
        if (problems.size() > shown) msg += "; and " + std::to_string(problems.size() - shown) + " more";
        throw format_error(msg);
    }
    for (const auto& [name, view] : targets) {
        const auto& values = by_name.at(name)->values;
        for (std::size_t i = 0; i < values.size(); ++i) view.data[i] = static_cast<T>(values[i]);
    }
}

}  // namespace seqnet::io
