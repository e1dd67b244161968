// seqnet/models/zoo/danq.hpp -- DanQ (Quang & Xie, Nucleic Acids Research 2016).
//
// 1000 bp -> conv 320x26, ReLU (975) -> max pool 13, stride 13 (75) -> dropout 0.2 -> BiLSTM 320 per
// direction, all positions (640 x 75) -> dropout 0.5 -> flatten (48,000) -> dense 925, ReLU -> dense
// <tasks> (919). Outputs are logits. 46,929,039 parameters with 919 tasks in PyTorch's LSTM layout (two
// bias vectors per direction); the original Keras model has one, 46,926,479. Keras 1 defaulted to the
// hard sigmoid for LSTM gates, PyTorch uses the logistic sigmoid (this layer); and DanQ's data files
// order bases A, G, C, T (SCIENCE.md sections 9 and 10).
#pragma once

#include <seqnet/layers.hpp>
#include <seqnet/models/zoo/published.hpp>

namespace seqnet::zoo {

template <class T = float, class Dev = cpu>
using basic_danq = published_model<919, 1000, basic_sequential<T, Dev, input<dyn>,
                                      conv1d<320, 26>, relu, maxpool<13, 13>, dropout<0.2>,
                                      bilstm<320>, dropout<0.5>,
                                      flatten,
                                      dense<925>, relu,
                                      dense<dyn>>>;

using danq = basic_danq<>;

}  // namespace seqnet::zoo
