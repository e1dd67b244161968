// seqnet/data/shuffle.hpp -- dinucleotide shuffles: random sequences with exactly the dinucleotide
// counts of a given one (background / negative sequences, shuffled references for attribution).
//
// The Altschul-Erickson method (Altschul & Erickson, Mol. Biol. Evol. 1985), written from its
// description: the sequence is an Eulerian path through the graph whose vertices are letters and whose
// edges are its L - 1 dinucleotides. A shuffle (1) picks, for every letter but the last one of the
// sequence, the edge by which the path leaves it for the last time, such that these last edges form a
// tree leading to the last letter -- drawn uniformly at random with Wilson's loop-erased random walk,
// each step choosing among a letter's outgoing dinucleotides in proportion to their counts; (2) puts
// every letter's other outgoing edges in uniformly random order, its last edge last; (3) walks from the
// first letter, taking each letter's edges in that order. Every sequence with the same dinucleotide
// counts (hence the same first and last letter and letter counts) is equally likely -- unlike the
// kundajelab/tangermeme shuffle, which keeps the input's own last edges (SCIENCE.md, section 18).
// Cost O(L) per shuffle.
//
// Letters are uppercased first (the result is uppercase); every other byte, N included, is a letter of
// its own. Sequences shorter than 3 have no other arrangement and come back (uppercased) unchanged; so
// do sequences such as "AAAA". Randomness comes from seqnet's random_engine: the same seed gives the
// same shuffle on every platform.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/layers/random.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seqnet {

namespace detail {

/// Uniform integer in [0, n), n >= 1, without modulo bias (Lemire's multiply-and-reject method).
inline std::uint64_t uniform_below(random_engine& rng, std::uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(rng.next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
        const std::uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<unsigned __int128>(rng.next()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

inline char upper_ascii(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace detail

/// A uniformly random sequence with the dinucleotide counts of `sequence` (uppercased), drawing from `rng`.
inline std::string dinucleotide_shuffle(std::string_view sequence, random_engine& rng) {
    std::string seq(sequence);
    for (char& c : seq) c = detail::upper_ascii(c);
    const std::size_t n = seq.size();
    if (n < 3) return seq;

    // Vertices: the distinct letters, numbered in order of first appearance.
    std::array<int, 256> id;
    id.fill(-1);
    std::vector<char> letter;
    std::vector<int> tok(n);
    for (std::size_t i = 0; i < n; ++i) {
        int& v = id[static_cast<unsigned char>(seq[i])];
        if (v < 0) {
            v = static_cast<int>(letter.size());
            letter.push_back(seq[i]);
        }
        tok[i] = v;
    }
    const std::size_t k = letter.size();
    if (k == 1) return seq;

    // Each vertex's outgoing edges, as the list of successor vertices (one entry per dinucleotide).
    std::vector<std::vector<int>> out(k);
    for (std::size_t i = 0; i + 1 < n; ++i) out[static_cast<std::size_t>(tok[i])].push_back(tok[i + 1]);

    // (1) A uniform random last-exit tree towards the last letter (Wilson's algorithm). Every vertex but
    // the root has an outgoing edge and reaches the root, so the walks end.
    const int root = tok[n - 1];
    std::vector<char> in_tree(k, 0);
    std::vector<std::size_t> last_edge(k, 0);  // index into out[v] of v's last exit
    in_tree[static_cast<std::size_t>(root)] = 1;
    for (std::size_t v = 0; v < k; ++v) {
        std::size_t u = v;
        while (!in_tree[u]) {
            last_edge[u] = static_cast<std::size_t>(detail::uniform_below(rng, out[u].size()));
            u = static_cast<std::size_t>(out[u][last_edge[u]]);
        }
        for (u = v; !in_tree[u]; u = static_cast<std::size_t>(out[u][last_edge[u]])) in_tree[u] = 1;
    }

    // (2) The last exit moved to the end of each list, the other edges shuffled (Fisher-Yates).
    for (std::size_t v = 0; v < k; ++v) {
        auto& e = out[v];
        if (e.empty()) continue;
        std::size_t others = e.size();
        if (static_cast<int>(v) != root) {
            std::swap(e[last_edge[v]], e.back());
            --others;
        }
        for (std::size_t i = others; i > 1; --i) std::swap(e[i - 1], e[detail::uniform_below(rng, i)]);
    }

    // (3) The walk.
    std::vector<std::size_t> next(k, 0);
    std::string result(n, '\0');
    std::size_t u = static_cast<std::size_t>(tok[0]);
    result[0] = letter[u];
    for (std::size_t i = 1; i < n; ++i) {
        u = static_cast<std::size_t>(out[u][next[u]++]);
        result[i] = letter[u];
    }
    return result;
}

/// The same, with a generator seeded by `seed`: a given (sequence, seed) always gives the same shuffle.
inline std::string dinucleotide_shuffle(std::string_view sequence, std::uint64_t seed) {
    random_engine rng(seed);
    return dinucleotide_shuffle(sequence, rng);
}

}  // namespace seqnet
