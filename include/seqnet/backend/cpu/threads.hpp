// seqnet/backend/cpu/threads.hpp -- a small persistent thread pool for splitting work across the batch.
//
// parallel_for(count, f) calls f(begin, end, worker) on contiguous chunks of [0, count), one chunk per
// worker, and returns when all are done. Worker 0 is the calling thread. The callable is passed by
// reference (no std::function), so a steady-state call allocates nothing.
//
// Latency matters as much as throughput: a DeepBind-sized layer takes microseconds, and waking a
// sleeping thread through a condition variable can cost tens of them on a virtual machine. Workers
// therefore spin briefly on an atomic generation counter after each job before they sleep, and
// parallel_for(count, cost_per_item, f) runs small jobs on the calling thread alone.
#pragma once

#include <seqnet/config.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define SEQNET_CPU_RELAX() _mm_pause()
#else
#define SEQNET_CPU_RELAX() std::this_thread::yield()
#endif

namespace seqnet {

class thread_pool {
public:
    /// Below this much work (in multiply-adds or element operations), a job runs on one thread.
    static constexpr double min_parallel_cost = 1 << 15;
    /// How long an idle worker spins before it sleeps.
    static constexpr std::chrono::microseconds spin_time{300};

    explicit thread_pool(int threads = 1) : threads_(std::max(1, threads)) {
        for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
    }
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;
    ~thread_pool() {
        stopping_.store(true);
        publish();
        for (auto& w : workers_) w.join();
    }

    int size() const { return threads_; }

    /// Runs f(begin, end, worker) over [0, count) split into at most size() contiguous chunks.
    template <class F>
    void parallel_for(index_t count, F&& f) {
        run(count, threads_, f);
    }

    /// The same, with as many workers as the total cost (count * cost_per_item) is worth.
    template <class F>
    void parallel_for(index_t count, double cost_per_item, F&& f) {
        const double workers = static_cast<double>(count) * cost_per_item / min_parallel_cost;
        run(count, static_cast<int>(std::clamp(workers, 1.0, double(threads_))), f);
    }

private:
    template <class F>
    void run(index_t count, int max_workers, F& f) {
        if (count <= 0) return;
        const int used = static_cast<int>(std::min<index_t>(max_workers, count));
        if (used == 1) {
            f(index_t(0), count, 0);
            return;
        }
        struct job_impl {
            F* f;
            index_t count;
            int used;
            static void call(void* self, int w) {
                auto* j = static_cast<job_impl*>(self);
                (*j->f)(j->count * w / j->used, j->count * (w + 1) / j->used, w);
            }
        } job{&f, count, used};
        job_ = &job;
        call_ = &job_impl::call;
        active_ = used;
        // Every worker acknowledges every generation (idle ones at once), so none can still be
        // reading this job's fields when the next job overwrites them.
        pending_.store(threads_ - 1);
        publish();
        try {
            job_impl::call(&job, 0);
        } catch (...) {
            record(std::current_exception());
        }
        for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins)
            if (spins < 4096) SEQNET_CPU_RELAX();
            else std::this_thread::yield();
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    }

    // Starts a new generation; wakes sleepers only if there are any (the seq_cst pair with
    // worker_loop's sleepers_ increment rules out a lost wake-up).
    void publish() {
        generation_.fetch_add(1);
        if (sleepers_.load() > 0) {
            std::lock_guard lock(mutex_);
            wake_.notify_all();
        }
    }

    void record(std::exception_ptr e) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = e;
    }

    void worker_loop(int index) {
        std::uint64_t seen = 0;  // the constructor's generation: a job published before this thread
                                 // got going must still be seen as new
        for (;;) {
            const auto spin_until = std::chrono::steady_clock::now() + spin_time;
            int n = 0;
            while (generation_.load(std::memory_order_acquire) == seen) {
                SEQNET_CPU_RELAX();
                if (++n % 256 == 0 && std::chrono::steady_clock::now() > spin_until) {
                    std::unique_lock lock(mutex_);
                    sleepers_.fetch_add(1);
                    wake_.wait(lock, [&] { return generation_.load() != seen; });
                    sleepers_.fetch_sub(1);
                    break;
                }
            }
            seen = generation_.load(std::memory_order_acquire);
            if (stopping_.load()) return;
            if (index < active_) {
                try {
                    call_(job_, index);
                } catch (...) {
                    record(std::current_exception());
                }
            }
            pending_.fetch_sub(1, std::memory_order_acq_rel);
        }
    }

    int threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<int> sleepers_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stopping_{false};
    // Written by the caller before publish() and read by workers after they observe the new generation.
    void* job_ = nullptr;
    void (*call_)(void*, int) = nullptr;
    int active_ = 0;
    std::exception_ptr error_;
};

}  // namespace seqnet
