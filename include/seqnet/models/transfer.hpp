// seqnet/models/transfer.hpp -- moving a model between devices.
//
//   auto gpu = seqnet::to_device<seqnet::cuda>(cpu_model);   // the same layers and weights on the GPU
//   ... train or explain on the GPU ...
//   seqnet::copy_weights(gpu, cpu_model);                    // and back
//
// copy_weights copies every parameter and buffer (batch-norm running statistics) between two models of
// the same layers, whatever their devices, after checking that names and shapes agree (a shape_error
// names the first that does not). Gradients, optimiser state and activations are not copied.
#pragma once

#include <seqnet/models/sequential.hpp>
#include <seqnet/models/spec_model.hpp>

#include <string>
#include <vector>

namespace seqnet {

namespace detail {

struct tensor_entry {
    std::string name;
    index_t size;
    void* data;
};

template <class Model>
std::vector<tensor_entry> parameter_entries(Model& m) {
    using T = typename Model::scalar_type;
    std::vector<tensor_entry> out;
    m.visit_parameters([&](const std::string& name, param_view<T> v, param_view<T>) { out.push_back({name, v.size(), v.data}); });
    return out;
}

template <class Model>
std::vector<tensor_entry> buffer_entries(Model& m) {
    using T = typename Model::scalar_type;
    std::vector<tensor_entry> out;
    m.visit_buffers([&](const std::string& name, param_view<T> v) { out.push_back({name, v.size(), v.data}); });
    return out;
}

template <class DevFrom, class DevTo, class T>
void copy_entries(const std::vector<tensor_entry>& from, const std::vector<tensor_entry>& to, const char* what) {
    if (from.size() != to.size())
        throw shape_error(std::string("copy_weights: the models have ") + std::to_string(from.size()) + " and " +
                          std::to_string(to.size()) + " " + what);
    std::vector<T> host;
    for (std::size_t i = 0; i < from.size(); ++i) {
        if (from[i].name != to[i].name || from[i].size != to[i].size)
            throw shape_error("copy_weights: " + std::string(what) + " " + std::to_string(i) + " is " + from[i].name +
                              " (" + std::to_string(from[i].size) + " values) in one model and " + to[i].name + " (" +
                              std::to_string(to[i].size) + " values) in the other");
        host.resize(static_cast<std::size_t>(from[i].size));
        device_memory<DevFrom>::download(host.data(), static_cast<const T*>(from[i].data), from[i].size);
        device_memory<DevTo>::upload(static_cast<T*>(to[i].data), host.data(), to[i].size);
    }
}

}  // namespace detail

/// Copies parameters and buffers from `from` into `to` (models of the same layers; any devices).
template <class From, class To>
    requires std::same_as<typename From::scalar_type, typename To::scalar_type>
void copy_weights(From& from, To& to) {
    using T = typename From::scalar_type;
    using DF = typename From::device_type;
    using DT = typename To::device_type;
    detail::copy_entries<DF, DT, T>(detail::parameter_entries(from), detail::parameter_entries(to), "parameter tensors");
    detail::copy_entries<DF, DT, T>(detail::buffer_entries(from), detail::buffer_entries(to), "buffers");
}

/// The same compile-time model on device Dev, with `m`'s weights.
template <class Dev, class T, class From, class Input, class... Specs>
basic_sequential<T, Dev, Input, Specs...> to_device(basic_sequential<T, From, Input, Specs...>& m) {
    basic_sequential<T, Dev, Input, Specs...> out(m.input_shape().length, m.output_shape().channels);
    copy_weights(m, out);
    return out;
}

/// The same run-time model on device Dev, with `m`'s weights.
template <class Dev, class T, class From>
basic_spec_model<T, Dev> to_device(basic_spec_model<T, From>& m) {
    basic_spec_model<T, Dev> out(m.spec());
    copy_weights(m, out);
    return out;
}

}  // namespace seqnet
