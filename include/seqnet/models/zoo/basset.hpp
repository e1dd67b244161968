// seqnet/models/zoo/basset.hpp -- Basset (Kelley, Snoek & Rinn, Genome Research 2016).
//
// 600 bp -> conv 300x19, BN, ReLU, max pool 3 -> conv 200x11, BN, ReLU, max pool 4 -> conv 200x7, BN,
// ReLU, max pool 4 (valid convolutions: 600 -> 582 -> 194 -> 184 -> 46 -> 40 -> 10) -> flatten (2000) ->
// [dense 1000, BN, ReLU, dropout 0.3] x 2 -> dense <tasks> (164 DNase-seq cell types). Outputs are logits
// (apply a sigmoid per task). 4,135,064 parameters with 164 tasks.
#pragma once

#include <seqnet/layers.hpp>
#include <seqnet/models/zoo/published.hpp>

namespace seqnet::zoo {

template <class T = float, class Dev = cpu>
using basic_basset = published_model<164, 600, basic_sequential<T, Dev, input<dyn>,
                                      conv1d<300, 19>, batchnorm, relu, maxpool<3>,
                                      conv1d<200, 11>, batchnorm, relu, maxpool<4>,
                                      conv1d<200, 7>, batchnorm, relu, maxpool<4>,
                                      flatten,
                                      dense<1000>, batchnorm, relu, dropout<0.3>,
                                      dense<1000>, batchnorm, relu, dropout<0.3>,
                                      dense<dyn>>>;

using basset = basic_basset<>;

}  // namespace seqnet::zoo
