// seqnet/backend/cpu/threads.hpp -- a small persistent thread pool for splitting work across the batch.
//
// parallel_for(count, f) calls f(begin, end, worker) on contiguous chunks of [0, count), one chunk per
// worker, and returns when all are done. Worker 0 is the calling thread. The callable is passed by
// reference (no std::function), so a steady-state call allocates nothing.
#pragma once

#include <seqnet/config.hpp>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace seqnet {

class thread_pool {
public:
    explicit thread_pool(int threads = 1) : threads_(std::max(1, threads)) {
        for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
    }
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;
    ~thread_pool() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            ++generation_;
        }
        wake_.notify_all();
        for (auto& w : workers_) w.join();
    }

    int size() const { return threads_; }

    /// Runs f(begin, end, worker) over [0, count) split into at most size() contiguous chunks.
    template <class F>
    void parallel_for(index_t count, F&& f) {
        if (count <= 0) return;
        const int used = static_cast<int>(std::min<index_t>(threads_, count));
        if (used == 1) {
            f(index_t(0), count, 0);
            return;
        }
        auto split = [count, used](int w) {
            return std::pair<index_t, index_t>{count * w / used, count * (w + 1) / used};
        };
        struct job_impl {
            F* f;
            decltype(split)* chunk;
            static void run(void* self, int w) {
                auto* j = static_cast<job_impl*>(self);
                auto [b, e] = (*j->chunk)(w);
                (*j->f)(b, e, w);
            }
        } job{&f, &split};
        {
            std::lock_guard lock(mutex_);
            job_ = &job;
            run_ = &job_impl::run;
            active_ = used;
            pending_ = used - 1;
            error_ = nullptr;
            ++generation_;
        }
        wake_.notify_all();
        try {
            job_impl::run(&job, 0);
        } catch (...) {
            std::lock_guard lock(mutex_);
            if (!error_) error_ = std::current_exception();
        }
        std::unique_lock lock(mutex_);
        done_.wait(lock, [this] { return pending_ == 0; });
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    }

private:
    void worker_loop(int index) {
        std::uint64_t seen = 0;
        for (;;) {
            void* job;
            void (*run)(void*, int);
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [&] { return generation_ != seen; });
                seen = generation_;
                if (stopping_) return;
                if (index >= active_) continue;
                job = job_;
                run = run_;
            }
            try {
                run(job, index);
            } catch (...) {
                std::lock_guard lock(mutex_);
                if (!error_) error_ = std::current_exception();
            }
            {
                std::lock_guard lock(mutex_);
                if (--pending_ == 0) done_.notify_one();
            }
        }
    }

    int threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::uint64_t generation_ = 0;
    bool stopping_ = false;
    void* job_ = nullptr;
    void (*run_)(void*, int) = nullptr;
    int active_ = 0;
    int pending_ = 0;
    std::exception_ptr error_;
};

}  // namespace seqnet
