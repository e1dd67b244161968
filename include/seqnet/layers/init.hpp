// seqnet/layers/init.hpp -- weight initialisation schemes (He, Glorot, PyTorch's default), seeded.
//
// fan_in = C_in * K for a convolution and D for a dense layer; fan_out = F * K and U. Biases start at
// zero except under init::pytorch, which draws them from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as
// torch.nn.Conv1d and Linear do.
#pragma once

#include <seqnet/layers/random.hpp>
#include <seqnet/tensor/view.hpp>

#include <cmath>

namespace seqnet {

enum class init {
    he_uniform,      ///< U(-b, b), b = sqrt(6 / fan_in) -- for layers followed by ReLU (default)
    he_normal,       ///< N(0, 2 / fan_in)
    glorot_uniform,  ///< U(-b, b), b = sqrt(6 / (fan_in + fan_out))
    glorot_normal,   ///< N(0, 2 / (fan_in + fan_out))
    pytorch,         ///< PyTorch's default: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))
};

/// Fills a weight tensor and its bias (may be empty) according to `scheme`.
template <class T>
void initialize_weights(param_view<T> weight, param_view<T> bias, index_t fan_in, index_t fan_out,
                        init scheme, random_engine& rng) {
    const double fi = static_cast<double>(std::max<index_t>(fan_in, 1));
    const double fo = static_cast<double>(std::max<index_t>(fan_out, 1));
    auto fill_uniform = [&](param_view<T> p, double b) {
        for (index_t i = 0; i < p.size(); ++i) p[i] = static_cast<T>(rng.uniform(-b, b));
    };
    auto fill_normal = [&](param_view<T> p, double sd) {
        for (index_t i = 0; i < p.size(); ++i) p[i] = static_cast<T>(sd * rng.normal());
    };
    switch (scheme) {
        case init::he_uniform: fill_uniform(weight, std::sqrt(6.0 / fi)); break;
        case init::he_normal: fill_normal(weight, std::sqrt(2.0 / fi)); break;
        case init::glorot_uniform: fill_uniform(weight, std::sqrt(6.0 / (fi + fo))); break;
        case init::glorot_normal: fill_normal(weight, std::sqrt(2.0 / (fi + fo))); break;
        case init::pytorch: fill_uniform(weight, 1.0 / std::sqrt(fi)); break;
    }
    if (bias.data) {
        if (scheme == init::pytorch) fill_uniform(bias, 1.0 / std::sqrt(fi));
        else
            for (index_t i = 0; i < bias.size(); ++i) bias[i] = T(0);
    }
}

}  // namespace seqnet
