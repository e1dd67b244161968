// seqnet/backend/device_memory.hpp -- where a model's parameters and activations live, per device.
//
// device_memory<Dev> is what model_base needs to own memory on a device and move values in and out:
//   buffer<T>                     an owning, grow-only buffer (resize keeps nothing it does not have to)
//   copy(dst, src, n)             n values, both on the device
//   upload(dst, host, n)          host -> device
//   download(host, src, n)        device -> host
//   zero(p, n)                    n zeros
// The CPU's is here; the emulated GPU's is in backend/gpu/emulated.hpp and CUDA's in
// backend/cuda/memory.hpp (nvcc only). All calls are ordered with the device's queued kernels and return
// when the values are in place.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/tensor/buffer.hpp>
#include <seqnet/tensor/device.hpp>

#include <algorithm>
#include <cstring>

namespace seqnet {

template <class Dev>
struct device_memory;

/// Grows a grow-only buffer (any device's, or a std::vector) to at least n values; never shrinks it, so
/// steady-state passes allocate nothing.
template <class Buffer>
void grow_to(Buffer& b, index_t n) {
    if (b.size() < static_cast<std::size_t>(n)) b.resize(static_cast<std::size_t>(n));
}

template <>
struct device_memory<cpu> {
    template <class T>
    using buffer = aligned_buffer<T>;

    template <class T>
    static void copy(T* dst, const T* src, index_t n) {
        if (n > 0 && dst != src) std::memmove(dst, src, static_cast<std::size_t>(n) * sizeof(T));
    }
    template <class T>
    static void upload(T* dst, const T* host, index_t n) { copy(dst, host, n); }
    template <class T>
    static void download(T* host, const T* src, index_t n) { copy(host, src, n); }
    template <class T>
    static void zero(T* p, index_t n) { std::fill(p, p + n, T(0)); }
};

}  // namespace seqnet
