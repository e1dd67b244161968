// seqnet/interpret/references.hpp -- the baselines of integrated gradients and the references of
// DeepLIFT: what the input is compared with.
//
//   zeros     every channel 0 (no sequence; Captum's default)
//   uniform   every channel 1/C (0.25 for DNA: each base equally likely)
//   shuffle   `count` dinucleotide shuffles of the sequence itself (data/shuffle.hpp, Altschul-Erickson:
//             uniform over all sequences with the same dinucleotide counts, which differs from the
//             kundajelab/tangermeme shuffle; SCIENCE.md section 18). Shuffle k of sequence n is seeded
//             from (seed, n, k), so results do not depend on batch size or thread count.
//   sequence  one given C x L array, for every input
// A position that is not one-hot (an N, or a soft encoding) is shuffled as a letter of its own.
#pragma once

#include <seqnet/data/shuffle.hpp>
#include <seqnet/layers/random.hpp>
#include <seqnet/tensor/shape.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace seqnet {

enum class reference_kind { zeros, uniform, shuffle, sequence };

struct reference_options {
    reference_kind kind = reference_kind::zeros;
    index_t count = 1;         // references per sequence (shuffle only; the others have one)
    std::uint64_t seed = 0;    // of the shuffles
    xt::xtensor<float, 2> sequence{};  // C x L, for reference_kind::sequence
};

/// How many references each sequence is compared with.
inline index_t reference_count(const reference_options& o) {
    if (o.kind != reference_kind::shuffle) return 1;
    if (o.count < 1) throw argument_error("references: the number of shuffles must be at least 1");
    return o.count;
}

/// Shuffles the columns of one C x L sample `x` as a dinucleotide shuffle of its column sequence.
template <class T>
void shuffle_columns(const T* x, T* out, shape s, std::uint64_t seed) {
    // Each distinct column becomes one letter: a byte from 128 up, which the shuffle does not uppercase.
    std::map<std::vector<T>, char> letter_of;
    std::vector<std::vector<T>> column_of;
    std::string tokens(static_cast<std::size_t>(s.length), ' ');
    std::vector<T> col(static_cast<std::size_t>(s.channels));
    for (index_t l = 0; l < s.length; ++l) {
        for (index_t c = 0; c < s.channels; ++c) col[c] = x[c * s.length + l];
        auto [it, added] = letter_of.try_emplace(col, char(0));
        if (added) {
            if (column_of.size() >= 128)
                throw argument_error("shuffled references: the input has more than 128 distinct columns; shuffles "
                                     "need one-hot (or few distinct) columns");
            it->second = static_cast<char>(128 + column_of.size());
            column_of.push_back(col);
        }
        tokens[static_cast<std::size_t>(l)] = it->second;
    }
    const std::string shuffled = dinucleotide_shuffle(tokens, seed);
    for (index_t l = 0; l < s.length; ++l) {
        const auto& c_ = column_of[static_cast<unsigned char>(shuffled[static_cast<std::size_t>(l)]) - 128u];
        for (index_t c = 0; c < s.channels; ++c) out[c * s.length + l] = c_[c];
    }
}

/// The seed of shuffle k of sample n.
inline std::uint64_t reference_seed(std::uint64_t seed, index_t n, index_t k) {
    return mix64(mix64(seed ^ mix64(static_cast<std::uint64_t>(n))) + static_cast<std::uint64_t>(k));
}

/// Writes the references of sample `n` (x: its C x L values) into out: reference_count(o) x C x L.
template <class T>
void make_references(const T* x, index_t n, shape s, const reference_options& o, T* out) {
    switch (o.kind) {
    case reference_kind::zeros:
        std::fill(out, out + s.size(), T(0));
        return;
    case reference_kind::uniform:
        std::fill(out, out + s.size(), T(1) / T(s.channels));
        return;
    case reference_kind::sequence:
        if (o.sequence.shape()[0] != static_cast<std::size_t>(s.channels) ||
            o.sequence.shape()[1] != static_cast<std::size_t>(s.length))
            throw shape_error("reference sequence is " + std::to_string(o.sequence.shape()[0]) + " x " +
                              std::to_string(o.sequence.shape()[1]) + "; the model takes " + to_string(s));
        for (index_t i = 0; i < s.size(); ++i) out[i] = T(o.sequence.data()[i]);
        return;
    case reference_kind::shuffle:
        for (index_t k = 0; k < reference_count(o); ++k)
            shuffle_columns(x, out + k * s.size(), s, reference_seed(o.seed, n, k));
        return;
    }
}

}  // namespace seqnet
