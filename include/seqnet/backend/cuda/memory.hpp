// seqnet/backend/cuda/memory.hpp -- device memory owned by RAII types. device_buffer<T> holds n values
// on the current device: allocated with cudaMalloc, freed in the destructor, moved not copied (a copy of
// device memory is explicit: copy_from). Transfers name their direction: to_device / to_host.
// device_memory<cuda> is what models use (backend/device_memory.hpp). Include from nvcc-compiled files
// only.
#pragma once

#include <seqnet/backend/cuda/check.hpp>
#include <seqnet/backend/device_memory.hpp>

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace seqnet {

template <class T>
class device_buffer {
public:
    device_buffer() = default;
    explicit device_buffer(std::size_t n) { resize(n); }
    device_buffer(const device_buffer&) = delete;
    device_buffer& operator=(const device_buffer&) = delete;
    device_buffer(device_buffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
                                                capacity_(std::exchange(o.capacity_, 0)) {}
    device_buffer& operator=(device_buffer&& o) noexcept {
        if (this != &o) {
            release();
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
            capacity_ = std::exchange(o.capacity_, 0);
        }
        return *this;
    }
    ~device_buffer() { release(); }

    /// n values; grows the allocation only when needed (contents are not kept on growth, and new values
    /// are not zeroed).
    void resize(std::size_t n) {
        if (n > capacity_) {
            release();
            void* p = nullptr;
            SEQNET_CUDA_CHECK(cudaMalloc(&p, n * sizeof(T)));
            data_ = static_cast<T*>(p);
            capacity_ = n;
        }
        size_ = n;
    }

    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }
    /// The values as a span of device memory (for pointers and sizes; not to be read on the host).
    std::span<T> span() { return {data_, size_}; }
    std::span<const T> span() const { return {data_, size_}; }

    /// Copies host values in (resizing to their count).
    void to_device(std::span<const T> host) {
        resize(host.size());
        if (!host.empty())
            SEQNET_CUDA_CHECK(cudaMemcpy(data_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    }
    /// Copies the values out into `host` (which must hold size() values).
    void to_host(std::span<T> host) const {
        if (host.size() != size_)
            throw argument_error("device_buffer::to_host: " + std::to_string(host.size()) + " host values for " +
                                 std::to_string(size_) + " on the device");
        if (size_) SEQNET_CUDA_CHECK(cudaMemcpy(host.data(), data_, size_ * sizeof(T), cudaMemcpyDeviceToHost));
    }
    std::vector<T> to_host() const {
        std::vector<T> v(size_);
        to_host(std::span<T>(v));
        return v;
    }

private:
    void release() noexcept {
        if (data_) cudaFree(data_);  // not checked: a destructor must not throw, and a failed free leaks at worst
        data_ = nullptr;
        size_ = capacity_ = 0;
    }

    T* data_ = nullptr;
    std::size_t size_ = 0, capacity_ = 0;
};

/// Synchronous copies on the legacy default stream: ordered after the kernels of every context (their
/// streams are blocking) and finished on return.
template <>
struct device_memory<cuda> {
    template <class T>
    using buffer = device_buffer<T>;

    template <class T>
    static void copy(T* dst, const T* src, index_t n) {
        if (n > 0 && dst != src) SEQNET_CUDA_CHECK(cudaMemcpy(dst, src, bytes<T>(n), cudaMemcpyDeviceToDevice));
    }
    template <class T>
    static void upload(T* dst, const T* host, index_t n) {
        if (n > 0) SEQNET_CUDA_CHECK(cudaMemcpy(dst, host, bytes<T>(n), cudaMemcpyHostToDevice));
    }
    template <class T>
    static void download(T* host, const T* src, index_t n) {
        if (n > 0) SEQNET_CUDA_CHECK(cudaMemcpy(host, src, bytes<T>(n), cudaMemcpyDeviceToHost));
    }
    template <class T>
    static void zero(T* p, index_t n) {
        if (n > 0) SEQNET_CUDA_CHECK(cudaMemset(p, 0, bytes<T>(n)));
    }

private:
    template <class T>
    static std::size_t bytes(index_t n) { return static_cast<std::size_t>(n) * sizeof(T); }
};

}  // namespace seqnet
