// tests for seqnet/backend/cpu/threads.hpp
#include <catch2/catch.hpp>
#include <seqnet/backend/cpu/threads.hpp>

#include <atomic>
#include <vector>

using namespace seqnet;

TEST_CASE("parallel_for visits every index exactly once, in contiguous chunks", "[threads]") {
    for (int threads : {1, 2, 3}) {
        thread_pool pool(threads);
        for (index_t count : {0, 1, 2, 5, 1000}) {
            std::vector<std::atomic<int>> hits(static_cast<std::size_t>(count));
            std::atomic<int> calls{0};
            pool.parallel_for(count, [&](index_t b, index_t e, int w) {
                CHECK(w >= 0);
                CHECK(w < threads);
                CHECK(b < e);
                ++calls;
                for (index_t i = b; i < e; ++i) ++hits[i];
            });
            for (auto& h : hits) CHECK(h == 1);
            CHECK(calls <= threads);
        }
    }
}

TEST_CASE("parallel_for rethrows an exception from a worker", "[threads]") {
    thread_pool pool(2);
    CHECK_THROWS_WITH(pool.parallel_for(10, [](index_t b, index_t, int) {
                          if (b > 0) throw std::runtime_error("worker failed");
                      }),
                      "worker failed");
    // The pool stays usable.
    std::atomic<index_t> sum{0};
    pool.parallel_for(100, [&](index_t b, index_t e, int) {
        for (index_t i = b; i < e; ++i) sum += i;
    });
    CHECK(sum == 4950);
}
