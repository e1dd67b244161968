// seqnet/layers/gpu/flatten.hpp -- flatten on a GPU device: the layout does not change, so both passes
// are copies on the device. The same layer as layers/flatten.hpp.
#pragma once

#include <seqnet/backend/device_memory.hpp>
#include <seqnet/layers/flatten.hpp>
#include <seqnet/layers/gpu/fusion.hpp>

namespace seqnet {

template <class T, gpu_device Dev>
class flatten_layer<T, Dev> : public flatten_layer<T, cpu> {
public:
    using device_type = Dev;
    using flatten_layer<T, cpu>::flatten_layer;

    void forward(context<Dev>&, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase) {
        device_memory<Dev>::copy(y.data, x.data, x.size());
    }
    void backward(context<Dev>&, const_batch_view<T, Dev>, const_batch_view<T, Dev>, const_batch_view<T, Dev> dy,
                  batch_view<T, Dev> dx, grad_mode) {
        if (!dx.empty()) device_memory<Dev>::copy(dx.data, dy.data, dy.size());
    }
    bool fuse_into(gpu_epilogue<T>& e) const { return e.add_reshape(); }
};

}  // namespace seqnet
