// seqnet/backend/context.hpp -- the execution context every forward and backward call takes.
//
// context<cpu> owns the worker threads (count set by the caller, default 1). A context is cheap to keep
// and expensive to create (it starts threads): make one and pass it to every call. context<cuda> is
// declared here and defined by the CUDA backend (backend/cuda/), so CPU-only code never includes CUDA.
#pragma once

#include <seqnet/backend/cpu/threads.hpp>
#include <seqnet/tensor/device.hpp>

#include <memory>

namespace seqnet {

template <class Dev>
class context;

template <>
class context<cpu> {
public:
    using device_type = cpu;

    explicit context(int threads = 1) : pool_(std::make_unique<thread_pool>(threads)) {}

    int threads() const { return pool_->size(); }
    thread_pool& pool() const { return *pool_; }

private:
    std::unique_ptr<thread_pool> pool_;
};

}  // namespace seqnet
