// seqnet/models/zoo/deepsea.hpp -- DeepSEA (Zhou & Troyanskaya, Nature Methods 2015).
//
// 1000 bp -> conv 320x8, ReLU, max pool 4, dropout 0.2 -> conv 480x8, ReLU, max pool 4, dropout 0.2 ->
// conv 960x8, ReLU, dropout 0.5 (1000 -> 993 -> 248 -> 241 -> 60 -> 53) -> flatten (50,880) ->
// dense 925, ReLU -> dense <tasks> (919 chromatin features). Outputs are logits. 52,843,119 parameters
// with 919 tasks. The published data files order bases A, G, C, T: permute channels when importing
// their weights (SCIENCE.md section 10).
#pragma once

#include <seqnet/layers.hpp>
#include <seqnet/models/zoo/published.hpp>

namespace seqnet::zoo {

template <class T = float, class Dev = cpu>
using basic_deepsea = published_model<919, 1000, basic_sequential<T, Dev, input<dyn>,
                                      conv1d<320, 8>, relu, maxpool<4>, dropout<0.2>,
                                      conv1d<480, 8>, relu, maxpool<4>, dropout<0.2>,
                                      conv1d<960, 8>, relu, dropout<0.5>,
                                      flatten,
                                      dense<925>, relu,
                                      dense<dyn>>>;

using deepsea = basic_deepsea<>;

}  // namespace seqnet::zoo
