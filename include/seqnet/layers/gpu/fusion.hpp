// seqnet/layers/gpu/fusion.hpp -- inference epilogue fusion on a GPU device: what layers/fusion.hpp does
// on the CPU. model_base::predict offers a GPU conv1d's or dense layer's epilogue to the layers after it
// (fuse_into), and the producer's output kernel applies it value by value:
//   bias  ->  one inference batch norm  ->  ReLU  ->  max pool (conv1d only)
// ReLU may also follow the pool (they commute); inference dropout joins as the identity and flatten as a
// reshape. The epilogue holds device pointers to the layers' own parameters and running statistics, so
// building it reads nothing from the device. A group of conv, batch norm, ReLU and pooling then makes
// one pass over memory instead of four, and the activation before pooling is never written.
#pragma once

#include <seqnet/layers/batchnorm.hpp>

namespace seqnet {

template <class T>
struct gpu_epilogue {
    const T* bias = nullptr;                                         // the producer's (may be null)
    const T *gamma = nullptr, *beta = nullptr, *mean = nullptr, *var = nullptr;  // batch norm (mean: set)
    double eps = 0;
    bool relu = false, can_pool = false, reshaped = false;
    index_t pool = 0, stride = 1, pooled_length = 0;  // pool 0: none

    void reset(const T* producer_bias, bool pooling_allowed) {
        *this = gpu_epilogue{};
        bias = producer_bias;
        can_pool = pooling_allowed;
    }

    bool add_batchnorm(const T* g, const T* b, const T* running_mean, const T* running_var, double epsilon) {
        if (mean || relu || pool || reshaped) return false;  // one affine stage, before the nonlinearities
        gamma = g;
        beta = b;
        mean = running_mean;
        var = running_var;
        eps = epsilon;
        return true;
    }
    bool add_relu() { return relu ? false : (relu = true); }
    bool add_maxpool(index_t size, index_t step, index_t out_length) {
        if (!can_pool || pool || reshaped) return false;
        pool = size;
        stride = step;
        pooled_length = out_length;
        return true;
    }
    bool add_reshape() { return reshaped = true; }

    /// The epilogue of one value of channel f, before pooling.
    SEQNET_HD T apply(index_t f, T v) const {
        if (bias) v += bias[f];
        if (mean) {
            const auto m = batchnorm_inference_map(gamma[f], beta[f], mean[f], var[f], eps);
            v = m.a * v + m.b;
        }
        return relu && v < T(0) ? T(0) : v;
    }
};

namespace gpu_kernels {

/// Thread i over an N x U dense output, in place.
template <class T>
struct dense_epilogue {
    T* y;
    gpu_epilogue<T> e;
    index_t U;
    SEQNET_HD void operator()(index_t i) const { y[i] = e.apply(i % U, y[i]); }
};

}  // namespace gpu_kernels

}  // namespace seqnet
