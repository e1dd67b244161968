// seqnet/layers/gpu/conv1d.hpp -- the 1-D convolution layer on a GPU device (backend/gpu/conv1d.hpp's
// im2col and GEMMs). The same layer as layers/conv1d.hpp, with its padding, stride and dilation.
#pragma once

#include <seqnet/backend/device_memory.hpp>
#include <seqnet/backend/gpu/conv1d.hpp>
#include <seqnet/layers/conv1d.hpp>
#include <seqnet/layers/gpu/fusion.hpp>

namespace seqnet {

template <class T, gpu_device Dev>
class conv1d_layer<T, Dev> : public conv1d_layer<T, cpu> {
    using cpu_layer = conv1d_layer<T, cpu>;

public:
    using device_type = Dev;

    conv1d_layer(const conv1d_options& o, shape in) : cpu_layer(o, in), engine_(this->geom_) {}

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase) {
        engine_.forward(ctx, x.data, this->w_, this->b_, y.data, x.batch);
    }
    /// Inference with the epilogue gathered from the layers that follow (layers/gpu/fusion.hpp).
    void forward_fused(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, const gpu_epilogue<T>& e) {
        engine_.forward_fused(ctx, x.data, this->w_, e, y.data, x.batch);
    }
    void start_epilogue(gpu_epilogue<T>& e) const { e.reset(this->b_, true); }

    void backward(context<Dev>& ctx, const_batch_view<T, Dev> x, const_batch_view<T, Dev>, const_batch_view<T, Dev> dy,
                  batch_view<T, Dev> dx, grad_mode mode) {
        const bool params = mode == grad_mode::parameters;
        engine_.backward(ctx, x.data, this->w_, dy.data, params ? this->dw_ : nullptr, params ? this->db_ : nullptr,
                         dx.data, dy.batch);
    }

private:
    gpu_conv1d<T, Dev> engine_;
};

/// A convolution on the device whose weights a layer derives from its own parameters (the RC and motif
/// convolutions expand theirs into it before each forward pass and fold its gradients back): the
/// convolution and its weight and gradient buffers.
template <class T, gpu_device Dev>
struct gpu_filter_bank {
    gpu_filter_bank(const conv1d_options& o, shape in) : conv(o, in) {
        weights.resize(static_cast<std::size_t>(conv.parameter_count()));
        grads.resize(weights.size());
        conv.bind_parameters(weights.data(), grads.data());
    }
    gpu_filter_bank(gpu_filter_bank&&) noexcept = default;  // device buffers move with their addresses
    gpu_filter_bank& operator=(gpu_filter_bank&&) noexcept = default;

    conv1d_layer<T, Dev> conv;
    typename device_memory<Dev>::template buffer<T> weights, grads;
};

}  // namespace seqnet
