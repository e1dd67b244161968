// seqnet/layers/gpu/dropout.hpp -- inverted dropout on a GPU device. The mask is the CPU layer's hash of
// (seed, pass, element index), so a GPU model drops exactly the values its CPU twin drops. The same
// layer as layers/dropout.hpp.
#pragma once

#include <seqnet/backend/device_memory.hpp>
#include <seqnet/backend/gpu/runtime.hpp>
#include <seqnet/layers/dropout.hpp>
#include <seqnet/layers/gpu/fusion.hpp>

namespace seqnet {

namespace gpu_kernels {

template <class T>
struct dropout_forward {
    const T* x;
    T* y;
    T* mask;
    std::uint64_t pass_seed;
    double p;
    T keep;
    SEQNET_HD void operator()(index_t i) const {
        const T m = hashed_uniform(pass_seed, static_cast<std::uint64_t>(i)) >= p ? keep : T(0);
        mask[i] = m;
        y[i] = x[i] * m;
    }
};

template <class T>
struct multiply {
    const T* a;
    const T* b;
    T* out;
    SEQNET_HD void operator()(index_t i) const { out[i] = a[i] * b[i]; }
};

}  // namespace gpu_kernels

template <class T, gpu_device Dev>
class dropout_layer<T, Dev> : public dropout_layer<T, cpu> {
    using cpu_layer = dropout_layer<T, cpu>;
    using memory = device_memory<Dev>;

public:
    using device_type = Dev;
    using cpu_layer::cpu_layer;

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase ph) {
        const double p = this->opts_.p;
        this->last_ = ph;
        if (ph == phase::inference || p == 0.0) {
            memory::copy(y.data, x.data, x.size());
            this->last_ = phase::inference;
            return;
        }
        grow_to(mask_, x.size());
        const std::uint64_t pass_seed = mix64(this->seed_ + ++this->passes_);
        gpu_runtime<Dev>::for_each(ctx, x.size(),
                                   gpu_kernels::dropout_forward<T>{x.data, y.data, mask_.data(), pass_seed, p, T(1) / T(1 - p)});
    }

    void backward(context<Dev>& ctx, const_batch_view<T, Dev>, const_batch_view<T, Dev>, const_batch_view<T, Dev> dy,
                  batch_view<T, Dev> dx, grad_mode) {
        if (dx.empty()) return;
        if (this->last_ == phase::inference) {
            memory::copy(dx.data, dy.data, dy.size());
            return;
        }
        gpu_runtime<Dev>::for_each(ctx, dy.size(), gpu_kernels::multiply<T>{dy.data, mask_.data(), dx.data});
    }
    bool fuse_into(gpu_epilogue<T>&) const { return true; }  // identity at inference

private:
    typename memory::template buffer<T> mask_;
};

}  // namespace seqnet
