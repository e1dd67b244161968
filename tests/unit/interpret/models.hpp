// Models, inputs and helpers shared by the interpretation tests: small members of each family, with
// random weights and non-trivial batch-norm statistics.
#pragma once

#include <seqnet/interpret.hpp>
#include <seqnet/seqnet.hpp>

#include <xtensor/xview.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xsort.hpp>

#include <map>

#include <string>

namespace seqnet::test {

/// DeepBind-style: conv, ReLU, global max pool, dense.
template <class T = float>
using small_deepbind = basic_sequential<T, cpu, input<50>, conv1d<8, 9>, relu, global_maxpool, dense<6>, relu,
                                        dropout<0.5>, dense<2>>;

/// Basset-style: conv, batch norm, ReLU, max pool blocks (one with overlapping windows), dense head.
template <class T = float>
using small_basset = basic_sequential<T, cpu, input<64>, conv1d<10, 7, same>, batchnorm, relu, maxpool<3, 1>,
                                      conv1d<8, 5>, batchnorm, relu, maxpool<4>, flatten, dense<12>, batchnorm,
                                      relu, dense<3>>;

/// Reverse-complement parameter sharing, ending in a sigmoid (explained below it by default).
template <class T = float>
using small_rc = basic_sequential<T, cpu, input<40>, rc_conv1d<6, 7, strands::max>, relu, maxpool<2>, flatten,
                                  dense<4>, relu, dense<2>, sigmoid>;

/// Linear in its input: no nonlinearity anywhere.
template <class T = float>
using linear_model = basic_sequential<T, cpu, input<30>, conv1d<4, 5, same>, flatten, dense<3>>;

/// A run-time model from a spec: conv, ReLU, max pool, conv, ReLU, global max pool, dense.
inline model_spec small_spec() {
    return {.input_length = 48,
            .tasks = {"x", "y"},
            .layers = {{conv1d_options{6, 5}}, {relu_options{}}, {maxpool_options{2}}, {conv1d_options{5, 3}},
                       {batchnorm_options{}}, {relu_options{}}, {global_maxpool_options{}}, {dense_options{dyn}}}};
}

/// Seeded He-uniform weights (activations keep their scale through the layers), random biases, and
/// batch-norm running statistics away from the identity.
template <class Model>
void randomise(Model& m, std::uint64_t seed) {
    using T = typename Model::scalar_type;
    m.initialize(seed);
    random_engine rng(seed + 1);
    m.visit_parameters([&](const std::string& name, auto v, auto) {
        if (name.ends_with("bias"))
            for (index_t i = 0; i < v.size(); ++i) v[i] = T(rng.uniform(-0.2, 0.2));
    });
    m.visit_buffers([&](const std::string& name, auto v) {
        for (index_t i = 0; i < v.size(); ++i)
            v[i] = T(name.ends_with("var") ? rng.uniform(0.5, 2) : rng.uniform(-0.2, 0.2));
    });
}

/// N random one-hot sequences of length L (C = 4), with an optional all-zero column (an N) in each.
template <class T = float>
xt::xtensor<T, 3> random_one_hot(index_t N, index_t L, std::uint64_t seed, bool with_n = false) {
    random_engine rng(seed);
    xt::xtensor<T, 3> x = xt::zeros<T>({std::size_t(N), std::size_t(4), std::size_t(L)});
    for (index_t n = 0; n < N; ++n)
        for (index_t l = 0; l < L; ++l)
            if (!(with_n && l == L / 3)) x(n, rng.next() % 4, l) = T(1);
    return x;
}

}  // namespace seqnet::test
