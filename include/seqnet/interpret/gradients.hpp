// seqnet/interpret/gradients.hpp -- the gradient of a target with respect to the input, for a batch:
// the one backward pass that saliency, gradient x input and integrated gradients share.
//
// Inputs and results are host memory whatever the model's device: on a GPU the batch is uploaded, the
// target's values and seeds are computed on the host from the downloaded outputs (N x outputs values),
// and the input gradient is downloaded (backend/host_staging.hpp). On the CPU nothing is copied.
#pragma once

#include <seqnet/backend/host_staging.hpp>
#include <seqnet/interpret/target.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

namespace seqnet {

/// Wraps a backward rule so that the head layer above the explained activation passes its seed
/// through unchanged (target_function::skips_head).
template <class Rule>
struct skip_head_rule {
    std::size_t head;  // index of the head layer; past the last layer when nothing is skipped
    Rule inner;

    template <class Ctx, class Step>
    void operator()(Ctx& ctx, Step& s) {
        if (s.index == head) {
            device_memory<typename Ctx::device_type>::copy(s.d_input.data, s.d_output.data, s.d_output.size());
            return;
        }
        inner(ctx, s);
    }
};

/// Scratch of the gradient pass, kept between chunks so that steady state allocates nothing.
template <class T, class Dev = cpu>
struct gradient_workspace {
    std::vector<T> seed;
    host_staging<T, Dev> input, seeds, outputs, gradient;
};

/// For the `x.batch` samples of x: grad = df/dx (same shape as x) and values[n] = f(x_n). Runs one
/// inference-mode forward pass and one input-only backward pass of the model.
template <interpretable_model Model, class T = typename Model::scalar_type, class Dev = typename Model::device_type>
void target_gradient(Model& model, context<Dev>& ctx, std::type_identity_t<const_batch_view<T>> x, const target_function<T>& f,
                     T* grad, double* values, gradient_workspace<T, Dev>& ws) {
    model.forward(ctx, {ws.input.upload(x.data, x.size()), x.batch, x.sample}, phase::inference);
    const auto zd = model.activation(f.depth());
    const T* z = ws.outputs.download(zd.data, zd.size());
    const index_t out = model.output_shape().size();
    ws.seed.resize(static_cast<std::size_t>(x.batch * out));
    for (index_t n = 0; n < x.batch; ++n) {
        const T* zn = z + n * f.width();
        if (values) values[n] = f.value(zn);
        f.seed(zn, ws.seed.data() + n * out);
    }
    const std::size_t head = f.skips_head(model.depth()) ? model.depth() - 1 : model.depth();
    auto dx = model.backward_with(ctx,
                                  const_batch_view<T, Dev>{ws.seeds.upload(ws.seed.data(), x.batch * out), x.batch,
                                                           model.output_shape()},
                                  skip_head_rule<gradient_rule>{head, gradient_rule{grad_mode::input_only}});
    const T* g = ws.gradient.download(dx.data, dx.size());
    std::copy(g, g + dx.size(), grad);
}

/// f(x_n) for every sample: one inference-mode forward pass.
template <interpretable_model Model, class T = typename Model::scalar_type, class Dev = typename Model::device_type>
void target_values(Model& model, context<Dev>& ctx, std::type_identity_t<const_batch_view<T>> x, const target_function<T>& f,
                   double* values, gradient_workspace<T, Dev>& ws) {
    model.forward(ctx, {ws.input.upload(x.data, x.size()), x.batch, x.sample}, phase::inference);
    const auto zd = model.activation(f.depth());
    const T* z = ws.outputs.download(zd.data, zd.size());
    for (index_t n = 0; n < x.batch; ++n) values[n] = f.value(z + n * f.width());
}
template <interpretable_model Model, class T = typename Model::scalar_type, class Dev = typename Model::device_type>
void target_values(Model& model, context<Dev>& ctx, std::type_identity_t<const_batch_view<T>> x, const target_function<T>& f,
                   double* values) {
    gradient_workspace<T, Dev> ws;
    target_values(model, ctx, x, f, values, ws);
}

/// Subtracts, at every position, the mean over the channels (the one-hot gradient correction of
/// Majdandzic, Rajesh & Koo 2023; SCIENCE.md section 15): the component normal to the simplex that
/// one-hot inputs live on carries no information.
template <class T>
void centre_channels(T* g, index_t batch, shape s) {
    for (index_t n = 0; n < batch; ++n)
        for (index_t l = 0; l < s.length; ++l) {
            T* col = g + n * s.size() + l;
            T mean = 0;
            for (index_t c = 0; c < s.channels; ++c) mean += col[c * s.length];
            mean /= T(s.channels);
            for (index_t c = 0; c < s.channels; ++c) col[c * s.length] -= mean;
        }
}

namespace detail {
/// Checks that x has the model's per-sample shape, naming the method.
template <class Model, class T>
void expect_model_input(const Model& model, const xt::xtensor<T, 3>& x, const char* method) {
    const shape in = model.input_shape();
    if (x.shape()[1] != static_cast<std::size_t>(in.channels) || x.shape()[2] != static_cast<std::size_t>(in.length))
        throw shape_error(std::string(method) + ": input is " + std::to_string(x.shape()[0]) + " x " +
                          std::to_string(x.shape()[1]) + " x " + std::to_string(x.shape()[2]) +
                          "; the model takes N x " + std::to_string(in.channels) + " x " + std::to_string(in.length));
}
}  // namespace detail

}  // namespace seqnet
