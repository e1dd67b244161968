// seqnet/io/model_file.hpp -- a whole model in one file: save_model / load_model, and weights from
// PyTorch (read_weights, import_weights). Module seqnet::io (needs nlohmann-json and zlib).
//
// A seqnet model file is a safetensors file (io/safetensors.hpp) whose __metadata__ holds
//   "format": "seqnet-model", "format_version": "1", "written_by": "seqnet 0.1.0" (or the exporter),
//   "spec": the model's JSON spec (io/spec_json.hpp), task names included,
// and whose tensors are the model's state dict (io/state_dict.hpp): every parameter and batch-norm
// running statistic, float32, named and shaped as in PyTorch. Any safetensors reader can open it, and
// examples/python/export_pytorch.py writes it from a PyTorch nn.Sequential.
#pragma once

#include <seqnet/io/npz.hpp>
#include <seqnet/io/safetensors.hpp>
#include <seqnet/io/spec_json.hpp>
#include <seqnet/io/state_dict.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace seqnet::io {

inline constexpr const char* model_file_format = "seqnet-model";

/// Writes a model file: the spec and every parameter and buffer. For a sequential<>, `tasks` names its
/// outputs (default task_0, task_1, ...).
template <class Model>
void save_model(const std::filesystem::path& path, Model& model, std::vector<std::string> tasks = {}) {
    const model_spec spec = model_spec_of(model, std::move(tasks));
    chain_shapes(spec);  // task count and shapes must describe this model
    tensor_file f = state_dict(model);
    f.metadata = {{"format", model_file_format},
                  {"format_version", "1"},
                  {"written_by", "seqnet " SEQNET_VERSION_STRING},
                  {"spec", spec_to_json(spec).dump()}};
    write_safetensors(path, f);
}

/// Reads weights saved from PyTorch, as safetensors or NumPy .npz (told apart by their first bytes).
inline tensor_file read_weights(const std::filesystem::path& path) {
    const auto bytes = detail::read_file_bytes(path);
    if (bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K')
        return read_npz(std::span<const std::uint8_t>(bytes), path.string());
    return read_safetensors(std::span<const std::uint8_t>(bytes), path.string());
}

/// The model a file describes, with its weights.
template <class T = float, class Dev = cpu>
basic_spec_model<T, Dev> model_from_file(const tensor_file& file) {
    auto format = file.metadata.find("format");
    auto spec_text = file.metadata.find("spec");
    if (format == file.metadata.end() || format->second != model_file_format || spec_text == file.metadata.end())
        throw format_error(file.path + ": not a seqnet model file (its metadata has no seqnet spec); to use "
                           "PyTorch weights, combine them with a spec: seqnet import --spec SPEC.json --weights " +
                           file.path + " --out MODEL.safetensors");
    basic_spec_model<T, Dev> model(parse_spec(spec_text->second, file.path + " (metadata 'spec')"));
    load_state_dict(model, file);
    return model;
}

/// Loads a model file written by save_model, `seqnet import` or export_pytorch.py.
template <class T = float, class Dev = cpu>
basic_spec_model<T, Dev> load_model(const std::filesystem::path& path) {
    return model_from_file<T, Dev>(read_safetensors(path));
}

/// A model built from `spec` with the weights of a PyTorch state dict (safetensors or .npz).
template <class T = float, class Dev = cpu>
basic_spec_model<T, Dev> import_weights(const model_spec& spec, const std::filesystem::path& weights) {
    basic_spec_model<T, Dev> model(spec);
    load_state_dict(model, read_weights(weights));
    return model;
}

}  // namespace seqnet::io
