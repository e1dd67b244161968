// seqnet/interpret/saliency.hpp -- saliency and gradient x input (SCIENCE.md sections 14 and 15).
//
//   saliency           G[n, c, l] = df(x_n)/dx[n, c, l] (Simonyan et al. 2013), optionally |G|
//   gradient_x_input   x * G
// With `correct_one_hot`, G is first centred over the four bases at each position (Majdandzic, Rajesh &
// Koo 2023), before any absolute value or product. Captum's Saliency defaults to |G|; seqnet returns
// the signed gradient unless `absolute` is set. Cost: one forward and one backward pass per sequence,
// run `batch` sequences at a time on the context's threads, or on the model's GPU.
#pragma once

#include <seqnet/interpret/gradients.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace seqnet {

struct saliency_options {
    bool correct_one_hot = false;  // subtract the mean over bases at each position
    bool absolute = false;         // |G| (saliency only)
    index_t batch = 64;            // sequences per forward/backward pass
};

namespace detail {
template <interpretable_model Model, class T, class Dev, class Finish>
xt::xtensor<T, 3> gradient_method(Model& model, context<Dev>& ctx, const xt::xtensor<T, 3>& x, const target& t,
                                  const saliency_options& o, const char* method, Finish&& finish) {
    expect_model_input(model, x, method);
    if (o.batch < 1) throw argument_error(std::string(method) + ": batch must be at least 1");
    const target_function<T> f(model, t);
    const shape s = model.input_shape();
    const index_t N = static_cast<index_t>(x.shape()[0]);
    xt::xtensor<T, 3> g = xt::xtensor<T, 3>::from_shape(x.shape());
    gradient_workspace<T, Dev> ws;
    for (index_t n0 = 0; n0 < N; n0 += o.batch) {
        const index_t count = std::min(o.batch, N - n0);
        T* out = g.data() + n0 * s.size();
        target_gradient(model, ctx, const_batch_view<T>{x.data() + n0 * s.size(), count, s}, f, out, nullptr, ws);
        if (o.correct_one_hot) centre_channels(out, count, s);
    }
    for (std::size_t i = 0; i < g.size(); ++i) g.data()[i] = finish(g.data()[i], x.data()[i]);
    return g;
}
}  // namespace detail

/// df/dx for every sequence of x (N x 4 x L), for the model's target `t`.
template <interpretable_model Model, class T = typename Model::scalar_type>
xt::xtensor<T, 3> saliency(Model& model, context<typename Model::device_type>& ctx, const xt::xtensor<T, 3>& x, const target& t = {},
                           const saliency_options& o = {}) {
    return detail::gradient_method(model, ctx, x, t, o, "saliency",
                                   [&](T g, T) { return o.absolute ? std::abs(g) : g; });
}

/// x * df/dx: for one-hot x, the gradient at the base present and zero elsewhere.
template <interpretable_model Model, class T = typename Model::scalar_type>
xt::xtensor<T, 3> gradient_x_input(Model& model, context<typename Model::device_type>& ctx, const xt::xtensor<T, 3>& x,
                                   const target& t = {}, const saliency_options& o = {}) {
    return detail::gradient_method(model, ctx, x, t, o, "gradient x input", [](T g, T xi) { return g * xi; });
}

}  // namespace seqnet
