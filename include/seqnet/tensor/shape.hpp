// seqnet/tensor/shape.hpp -- per-sample shapes and receptive-field windows.
//
// A per-sample shape is (channels, length): activations are stored N x C x L, length contiguous, exactly
// PyTorch's Conv1d layout, so weights and flatten orders import one to one. A vector (the output of
// flatten, global pooling or dense) is (features, 1). `dyn` marks an extent known only at run time.
#pragma once

#include <seqnet/config.hpp>

#include <ostream>
#include <string>

namespace seqnet {

/// Marks an extent that is fixed at construction rather than in the type.
inline constexpr index_t dyn = -1;

struct shape {
    index_t channels = 0;
    index_t length = 0;

    constexpr index_t size() const { return channels * length; }
    constexpr bool is_static() const { return channels != dyn && length != dyn; }
    constexpr bool operator==(const shape&) const = default;
};

inline std::string to_string(shape s) {
    auto ext = [](index_t e) { return e == dyn ? std::string("dyn") : std::to_string(e); };
    std::string out = "(";  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on "(" + string
    out += ext(s.channels);
    out += ", ";
    out += ext(s.length);
    out += ')';
    return out;
}

inline std::ostream& operator<<(std::ostream& os, shape s) { return os << to_string(s); }

/// How one output position maps to input positions (SCIENCE.md section 1): output j reads inputs
/// j*stride - pad_left + k*dilation for k = 0..size-1. `global` means every input position (dense,
/// flatten, global pooling): fast ISM stops propagating windows there.
struct window {
    index_t size = 1;
    index_t stride = 1;
    index_t dilation = 1;
    index_t pad_left = 0;
    bool global = false;

    /// First and one-past-last input position read by output position j (may fall in padding).
    constexpr index_t first_input(index_t j) const { return j * stride - pad_left; }
    constexpr index_t last_input(index_t j) const {
        return j * stride - pad_left + (size - 1) * dilation + 1;
    }
    constexpr bool operator==(const window&) const = default;
};

/// The identity window of element-wise layers.
inline constexpr window pointwise_window{};

/// Result of a constexpr shape computation: either an output shape or a reason it cannot be formed.
struct shape_result {
    shape out{};
    const char* error = nullptr;
    constexpr bool ok() const { return error == nullptr; }
};

}  // namespace seqnet
