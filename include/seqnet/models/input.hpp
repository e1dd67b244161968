// seqnet/models/input.hpp -- the first element of a sequential model: the per-sample input shape.
//
// input<600> is one-hot DNA of length 600 (4 channels, A,C,G,T); input<dyn> fixes the length when the
// model is constructed; input<L, C> is any C-channel input.
#pragma once

#include <seqnet/tensor/shape.hpp>

namespace seqnet {

template <index_t Length, index_t Channels = 4>
struct input {
    static_assert(Channels >= 1, "seqnet::input: channels must be at least 1");
    static_assert(Length >= 1 || Length == dyn, "seqnet::input: length must be at least 1, or dyn");
    static constexpr shape sample{Channels, Length};
};

}  // namespace seqnet
