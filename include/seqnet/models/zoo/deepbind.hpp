// seqnet/models/zoo/deepbind.hpp -- DeepBind (Alipanahi, Delong, Weirauch & Frey, Nature
// Biotechnology 2015).
//
// conv 16x24 (motif detectors) -> ReLU (a learned threshold: the conv bias) -> global max pool ->
// dense 32, ReLU, dropout 0.5 -> dense <tasks> (one binding score per factor). Outputs are logits.
// DeepBind scores a sequence as the max over both strands and pads it with K-1 'N' on each side, which it
// encodes as 0.25 in every channel: encode with ambiguity_policy::uniform and pad before calling, or use
// the model as is on unpadded windows. 2,129 parameters with 1 task.
#pragma once

#include <seqnet/layers.hpp>
#include <seqnet/models/zoo/published.hpp>

namespace seqnet::zoo {

template <class T = float, class Dev = cpu>
using basic_deepbind = published_model<1, 101, basic_sequential<T, Dev, input<dyn>,
                                      conv1d<16, 24>, relu, global_maxpool, dense<32>, relu,
                                      dropout<0.5>, dense<dyn>>>;

using deepbind = basic_deepbind<>;

}  // namespace seqnet::zoo
