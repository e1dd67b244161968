// seqnet/backend/host_staging.hpp -- host values in and out of a device, for algorithms that prepare
// inputs or read results on the host (the trainer's batches and labels, the interpretation methods'
// targets). On the CPU the host pointers pass through untouched (no copy, no allocation); on a GPU the
// values go through device buffers that only grow.
#pragma once

#include <seqnet/backend/device_memory.hpp>

#include <concepts>
#include <vector>

namespace seqnet {

template <class T, class Dev>
class host_staging {
public:
    /// Where the device reads `n` host values (valid until the next upload through this object).
    const T* upload(const T* host, index_t n) {
        if constexpr (std::same_as<Dev, cpu>) {
            return host;
        } else {
            grow_to(device_, n);
            device_memory<Dev>::upload(device_.data(), host, n);
            return device_.data();
        }
    }
    /// Where the host reads `n` device values (valid until the next download through this object).
    const T* download(const T* device, index_t n) {
        if constexpr (std::same_as<Dev, cpu>) {
            return device;
        } else {
            grow_to(host_, n);
            device_memory<Dev>::download(host_.data(), device, n);
            return host_.data();
        }
    }

private:
    typename device_memory<Dev>::template buffer<T> device_;
    std::vector<T> host_;
};

}  // namespace seqnet
