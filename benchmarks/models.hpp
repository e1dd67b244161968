// The benchmark models, defined once for the C++ side (benchmarks/torch_bench.py defines the same
// architectures for PyTorch).
#pragma once

#include <seqnet/seqnet.hpp>

namespace seqnet::bench {

// DeepBind-style: conv 16 x 24, ReLU, global max pool, dense 32, ReLU, dense 1; 101 bp.
using deepbind = sequential<input<101>, conv1d<16, 24>, relu, global_maxpool, dense<32>, relu, dense<1>>;

// Basset as published: valid convolutions 300x19, 200x11, 200x7, each with BN, ReLU and max pool 3, 4,
// 4; dense 1000 and 1000 with BN (and dropout 0.3); 164 outputs; 600 bp; 298 MFLOP per sequence.
using basset = sequential<input<600>,
    conv1d<300, 19>, batchnorm, relu, maxpool<3>,
    conv1d<200, 11>, batchnorm, relu, maxpool<4>,
    conv1d<200, 7>, batchnorm, relu, maxpool<4>,
    flatten,
    dense<1000>, batchnorm, relu, dropout<0.3>,
    dense<1000>, batchnorm, relu, dropout<0.3>,
    dense<164>>;

}  // namespace seqnet::bench
