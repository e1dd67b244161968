// seqnet/config.hpp -- version, the error hierarchy and the assertion macro every header uses.
//
// Contract: all failures seqnet reports are exceptions derived from seqnet::error, with a message that
// names the file, record, layer or index involved. SEQNET_ASSERT guards internal invariants only (never
// user input) and compiles away unless SEQNET_DEBUG is defined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#define SEQNET_VERSION_MAJOR 0
#define SEQNET_VERSION_MINOR 1
#define SEQNET_VERSION_PATCH 0
#define SEQNET_VERSION_STRING "0.1.0"

// Functions that GPU kernels call as well as host code (backend/gpu/runtime.hpp): __host__ __device__
// under nvcc, nothing elsewhere.
#if defined(__CUDACC__)
#define SEQNET_HD __host__ __device__
#else
#define SEQNET_HD
#endif

// Loop unrolling hints for the CPU kernels; nvcc's front end does not know GCC's pragma.
#define SEQNET_PRAGMA(x) _Pragma(#x)
#if defined(__CUDACC__) || !defined(__GNUC__) || defined(__clang__)
#define SEQNET_UNROLL(n)
#else
#define SEQNET_UNROLL(n) SEQNET_PRAGMA(GCC unroll n)
#endif

#if defined(SEQNET_DEBUG)
#include <cstdio>
#include <cstdlib>
#define SEQNET_ASSERT(cond)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "seqnet: internal assertion failed: %s (%s:%d)\n", #cond,         \
                         __FILE__, __LINE__);                                                      \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)
#else
#define SEQNET_ASSERT(cond) ((void)0)
#endif

namespace seqnet {

/// Signed index type for extents and positions (signed so that padding arithmetic cannot wrap).
using index_t = std::int64_t;

/// Root of every exception seqnet throws.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A tensor or layer shape that does not fit: names the layer position and both shapes.
class shape_error : public error {
public:
    using error::error;
};

/// A sequence that cannot be encoded: names the sequence and the position.
class encoding_error : public error {
public:
    using error::error;
};

/// A bad argument to a function (negative count, unknown option name...).
class argument_error : public error {
public:
    using error::error;
};

/// A file that cannot be read or does not follow its format: names the file, the record, line or
/// tensor, and the problem.
class format_error : public error {
public:
    using error::error;
};

/// A model spec (JSON or built in code) that does not describe a model: names the layer index and the
/// field.
class spec_error : public error {
public:
    using error::error;
};

}  // namespace seqnet
