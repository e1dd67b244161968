// The benchmark models, defined once for the C++ side (benchmarks/torch_bench.py defines the same
// architectures for PyTorch).
#pragma once

#include <seqnet/io.hpp>
#include <seqnet/seqnet.hpp>

namespace seqnet::bench {

// DeepBind-style: conv 16 x 24, ReLU, global max pool, dense 32, ReLU, dense 1; 101 bp.
using deepbind = sequential<input<101>, conv1d<16, 24>, relu, global_maxpool, dense<32>, relu, dense<1>>;

// Basset as published (models/zoo/basset.hpp): 164 tasks, 600 bp, 298 MFLOP per sequence.
using basset = zoo::basset;

}  // namespace seqnet::bench
