// seqnet/tensor/buffer.hpp -- an owning, 64-byte aligned, grow-only host buffer.
//
// Workspaces and activations are held in these and only ever grow, so repeated forward and backward
// passes at the same (or a smaller) batch size allocate nothing.
#pragma once

#include <seqnet/config.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <utility>

namespace seqnet {

template <class T>
class aligned_buffer {
public:
    static constexpr std::size_t alignment = 64;

    aligned_buffer() = default;
    explicit aligned_buffer(std::size_t n) { resize(n); }
    aligned_buffer(const aligned_buffer& o) : aligned_buffer(o.size_) {
        if (size_) std::memcpy(data_, o.data_, size_ * sizeof(T));
    }
    aligned_buffer(aligned_buffer&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
          capacity_(std::exchange(o.capacity_, 0)) {}
    aligned_buffer& operator=(aligned_buffer o) noexcept {
        swap(o);
        return *this;
    }
    ~aligned_buffer() { std::free(data_); }

    void swap(aligned_buffer& o) noexcept {
        std::swap(data_, o.data_);
        std::swap(size_, o.size_);
        std::swap(capacity_, o.capacity_);
    }

    /// Sets the size to n elements, reallocating only when n exceeds the capacity. New elements are
    /// zero; existing elements are kept.
    void resize(std::size_t n) {
        if (n > capacity_) {
            std::size_t bytes = ((n * sizeof(T) + alignment - 1) / alignment) * alignment;
            T* fresh = static_cast<T*>(std::aligned_alloc(alignment, bytes));
            if (!fresh) throw std::bad_alloc();
            if (size_) std::memcpy(fresh, data_, size_ * sizeof(T));
            std::memset(static_cast<void*>(fresh + size_), 0, bytes - size_ * sizeof(T));
            std::free(data_);
            data_ = fresh;
            capacity_ = bytes / sizeof(T);
        } else if (n > size_) {
            std::memset(static_cast<void*>(data_ + size_), 0, (n - size_) * sizeof(T));
        }
        size_ = n;
    }

    void fill(T v) { std::fill(data_, data_ + size_, v); }

    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }
    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }
    T* begin() { return data_; }
    T* end() { return data_ + size_; }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + size_; }
    std::span<T> span() { return {data_, size_}; }
    std::span<const T> span() const { return {data_, size_}; }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

}  // namespace seqnet
