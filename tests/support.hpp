// Shared test helpers: a layer bound to its own parameter buffers, random fills, and forward/backward
// through a layer on plain vectors.
#pragma once

#include <catch2/catch.hpp>
#include <seqnet/seqnet.hpp>

#include <vector>

namespace seqnet::test {

template <class Layer>
struct bound {
    using T = typename Layer::scalar_type;
    Layer layer;
    std::vector<T> params, grads;

    bound(const typename Layer::options_type& o, shape in) : layer(o, in) {
        params.assign(static_cast<std::size_t>(layer.parameter_count()), T(0));
        grads.assign(params.size(), T(0));
        layer.bind_parameters(params.data(), grads.data());
        random_engine rng(1);
        layer.initialize(rng, init::he_uniform);
    }

    /// Replaces the parameter values in place (the layer keeps pointing at this storage).
    void set_params(const std::vector<T>& v) {
        REQUIRE(v.size() == params.size());
        std::copy(v.begin(), v.end(), params.begin());
    }

    std::vector<T> forward(const std::vector<T>& x, index_t batch, phase ph = phase::inference, int threads = 1) {
        layer.bind_parameters(params.data(), grads.data());  // params may have been reassigned
        context<cpu> ctx(threads);
        std::vector<T> y(static_cast<std::size_t>(batch * layer.output_shape().size()));
        layer.forward(ctx, const_batch_view<T>{x.data(), batch, layer.input_shape()},
                      batch_view<T>{y.data(), batch, layer.output_shape()}, ph);
        return y;
    }

    /// dx for upstream gradient dy (after a forward of x); accumulates parameter gradients.
    std::vector<T> backward(const std::vector<T>& x, const std::vector<T>& y, const std::vector<T>& dy,
                            index_t batch, int threads = 1) {
        layer.bind_parameters(params.data(), grads.data());
        context<cpu> ctx(threads);
        std::vector<T> dx(x.size());
        layer.backward(ctx, const_batch_view<T>{x.data(), batch, layer.input_shape()},
                       const_batch_view<T>{y.data(), batch, layer.output_shape()},
                       const_batch_view<T>{dy.data(), batch, layer.output_shape()},
                       batch_view<T>{dx.data(), batch, layer.input_shape()}, grad_mode::parameters);
        return dx;
    }
};

template <class T>
std::vector<T> random_vector(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
    random_engine rng(seed);
    std::vector<T> v(n);
    for (auto& x : v) x = T(rng.uniform(lo, hi));
    return v;
}

}  // namespace seqnet::test
