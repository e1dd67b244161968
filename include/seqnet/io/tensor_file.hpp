// seqnet/io/tensor_file.hpp -- named tensors as read from or written to a weight file (safetensors, npz).
// Module seqnet::io (no library of its own; the readers that fill it need nlohmann-json and zlib).
//
// Values are held as float32 whatever the file stored (float16, bfloat16, float64 and integer tensors
// are converted on reading), in row-major (C) order with the file's shape. `dtype` keeps the stored type
// for messages ("0.weight in model.npz is int64, expected a floating-point tensor").
#pragma once

#include <seqnet/config.hpp>

#include <algorithm>
#include <cmath>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace seqnet::io {

struct named_tensor {
    std::string name;
    std::vector<index_t> shape;  ///< empty for a scalar
    std::vector<float> values;   ///< product(shape) values, row-major
    std::string dtype = "F32";   ///< as stored: safetensors names (F32, F64, F16, BF16, I64, ...); "STR": text
    std::vector<std::string> strings{};  ///< dtype "STR" only (npz): product(shape) UTF-8 strings, row-major

    index_t size() const {
        index_t n = 1;
        for (index_t d : shape) n *= d;
        return n;
    }
    bool is_floating() const { return dtype == "F32" || dtype == "F64" || dtype == "F16" || dtype == "BF16"; }
};

inline std::string shape_string(const std::vector<index_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

/// IEEE binary16 to float, exactly (subnormals, infinities and NaN included).
inline float float16_to_float(std::uint16_t h) {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    if (exponent == 0) {  // zero or subnormal: mantissa x 2^-24
        const float v = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -v : v;
    }
    const std::uint32_t bits = exponent == 0x1f ? sign | 0x7f800000u | (mantissa << 13)
                                                : sign | ((exponent + 112) << 23) | (mantissa << 13);
    return std::bit_cast<float>(bits);
}

/// double to float, rounding like the hardware conversion but without the undefined behaviour of
/// converting a finite value beyond float's range (it becomes +-inf or +-FLT_MAX as IEEE rounding says).
inline float double_to_float(double d) {
    if (std::isfinite(d) && std::fabs(d) > double(std::numeric_limits<float>::max())) {
        const float big = std::fabs(d) >= 0x1.ffffffp+127 ? std::numeric_limits<float>::infinity()
                                                          : std::numeric_limits<float>::max();
        return d < 0 ? -big : big;
    }
    return static_cast<float>(d);
}

/// bfloat16 (the upper half of a float) to float.
inline float bfloat16_to_float(std::uint16_t b) { return std::bit_cast<float>(std::uint32_t(b) << 16); }

/// The tensors of one file, in file order, with its string metadata (safetensors' __metadata__).
struct tensor_file {
    std::string path;  ///< for messages
    std::vector<named_tensor> tensors;
    std::map<std::string, std::string> metadata;

    const named_tensor* find(std::string_view name) const {
        auto it = std::find_if(tensors.begin(), tensors.end(), [&](const named_tensor& t) { return t.name == name; });
        return it == tensors.end() ? nullptr : &*it;
    }
};

}  // namespace seqnet::io
