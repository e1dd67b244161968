// seqnet/layers/random.hpp -- the seeded random numbers behind initialisation and dropout.
//
// Implemented here rather than with <random>'s distributions, whose outputs differ between standard
// libraries: the same seed gives the same weights and dropout masks on every platform.
#pragma once

#include <seqnet/config.hpp>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <utility>

namespace seqnet {

/// SplitMix64 finaliser: a strong 64-bit mix, also used to derive independent streams from a seed.
SEQNET_HD constexpr std::uint64_t mix64(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/// xoshiro256** generator with portable uniform and normal draws.
class random_engine {
public:
    explicit random_engine(std::uint64_t seed = 0) {
        std::uint64_t z = seed;
        for (auto& w : s_) w = z = mix64(z);
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    /// Uniform on [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

    /// Standard normal by Box-Muller (both values used).
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1;
        do u1 = uniform(); while (u1 <= 0.0);
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
        has_spare_ = true;
        return r * std::cos(2.0 * std::numbers::pi * u2);
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
    double spare_ = 0.0;
    bool has_spare_ = false;
};

/// A uniform [0, 1) value that depends only on (seed, counter): dropout masks are reproducible and
/// independent of how the batch is split across threads.
SEQNET_HD inline double hashed_uniform(std::uint64_t seed, std::uint64_t counter) {
    return static_cast<double>(mix64(seed ^ mix64(counter)) >> 11) * 0x1.0p-53;
}

/// Fisher-Yates shuffle with the portable generator (std::shuffle's draws differ between standard
/// libraries): the same seed gives the same order everywhere.
template <class V>
void shuffle(std::span<V> items, random_engine& rng) {
    for (std::size_t i = items.size(); i-- > 1;) std::swap(items[i], items[rng.next() % std::uint64_t(i + 1)]);
}

}  // namespace seqnet
