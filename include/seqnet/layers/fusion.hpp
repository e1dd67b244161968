// seqnet/layers/fusion.hpp -- inference epilogue fusion: batch norm, ReLU and max pooling folded into
// the convolution or dense layer before them.
//
// A producer (conv1d, dense) offers forward_fused(ctx, x, y, epilogue). The layers after it are offered
// the epilogue in turn through fuse_into(builder) and join while the order stays exact:
//   per-channel affine (bias, inference batch norm: SCIENCE.md section 5)  ->  ReLU  ->  max pool.
// ReLU may also follow the pool (max and ReLU commute); identities (inference dropout, flatten) always
// join. The first layer that does not fit ends the group. The model then runs one pass instead of four,
// and the pre-pool activation never leaves the cache.
#pragma once

#include <seqnet/backend/cpu/conv1d.hpp>
#include <seqnet/backend/cpu/gemm.hpp>
#include <seqnet/tensor/buffer.hpp>

namespace seqnet {

template <class T>
class epilogue_builder {
public:
    /// Starts an epilogue for `channels` output channels with the producer's bias (null: none).
    void reset(index_t channels, const T* bias, bool can_pool) {
        scale_.resize(static_cast<std::size_t>(channels));
        shift_.resize(static_cast<std::size_t>(channels));
        for (index_t f = 0; f < channels; ++f) {
            scale_[f] = T(1);
            shift_[f] = bias ? bias[f] : T(0);
        }
        channels_ = channels;
        relu_ = false;
        pool_ = {};
        can_pool_ = can_pool;
        has_scale_ = false;
        reshaped_ = false;
    }

    index_t channels() const { return channels_; }
    bool accepts_affine() const { return !relu_ && !pool_.active() && !reshaped_; }
    /// y -> a * y + b on channel f (call only when accepts_affine()).
    void affine(index_t f, T a, T b) {
        scale_[f] *= a;
        shift_[f] = a * shift_[f] + b;
        has_scale_ = true;
    }
    bool add_relu() {
        if (relu_) return false;
        relu_ = true;
        return true;
    }
    bool add_maxpool(index_t size, index_t stride, index_t out_length) {
        if (!can_pool_ || pool_.active() || reshaped_) return false;
        pool_ = {size, stride, out_length};
        return true;
    }

    /// A layout-preserving reshape (flatten): later per-channel or pooling stages no longer line up.
    bool add_reshape() {
        reshaped_ = true;
        return true;
    }

    cpu_kernels::row_epilogue<T> rows() const {
        return {has_scale_ ? scale_.data() : nullptr, shift_.data(), relu_};
    }
    const cpu_kernels::pool_epilogue& pool() const { return pool_; }

private:
    aligned_buffer<T> scale_, shift_;
    index_t channels_ = 0;
    bool relu_ = false, can_pool_ = false, has_scale_ = false, reshaped_ = false;
    cpu_kernels::pool_epilogue pool_{};
};

}  // namespace seqnet
