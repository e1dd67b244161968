// seqnet/layers/padding.hpp -- zero padding of convolutions: valid, same, or explicit amounts.
//
// SCIENCE.md section 1: 'same' with stride 1 pads K_eff - 1 in total with the odd zero on the right;
// with stride s > 1 it follows TensorFlow (L_out = ceil(L / s)). pad(p) is PyTorch's numeric padding
// (p on each side); pad(l, r) is asymmetric.
#pragma once

#include <seqnet/config.hpp>

#include <utility>

namespace seqnet {

struct padding {
    enum class mode { valid, same, explicit_amounts };
    mode kind = mode::valid;
    index_t left = 0;
    index_t right = 0;

    constexpr bool operator==(const padding&) const = default;

    /// (left, right) zeros for an input of `length` and a kernel spanning `span` positions.
    constexpr std::pair<index_t, index_t> amounts(index_t length, index_t span, index_t stride) const {
        switch (kind) {
            case mode::valid: return {0, 0};
            case mode::explicit_amounts: return {left, right};
            case mode::same: break;
        }
        index_t total = span - 1;
        if (stride > 1) {
            const index_t out = (length + stride - 1) / stride;
            total = (out - 1) * stride + span - length;
            if (total < 0) total = 0;
        }
        return {total / 2, total - total / 2};
    }
};

inline constexpr padding valid{padding::mode::valid, 0, 0};
inline constexpr padding same{padding::mode::same, 0, 0};
constexpr padding pad(index_t both) { return {padding::mode::explicit_amounts, both, both}; }
constexpr padding pad(index_t left, index_t right) {
    return {padding::mode::explicit_amounts, left, right};
}

}  // namespace seqnet
