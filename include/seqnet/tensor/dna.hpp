// seqnet/tensor/dna.hpp -- DNA strings to one-hot tensors and back; reverse complements.
//
// Layout: a batch of N sequences of length L becomes an N x 4 x L array with channels A=0, C=1, G=2, T=3
// (SCIENCE.md section 0): the layout of PyTorch's Conv1d input, so imported weights apply one to one.
// Encoding is case-insensitive (soft-masked lowercase reads like uppercase). IUPAC ambiguity codes
// (N, R, Y, S, W, K, M, B, D, H, V) follow an ambiguity_policy: all zeros (default, as tangermeme and
// Captum pipelines do), 0.25 in every channel (DeepBind), or the code's bases shared equally (R = A/G at
// 0.5 each). Any other character is an encoding_error naming the sequence and the 0-based position.
// Cost: O(N * L).
#pragma once

#include <seqnet/config.hpp>

#include <xtensor/xtensor.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace seqnet {

/// How IUPAC ambiguity codes (N and the two- and three-base codes) are encoded.
enum class ambiguity_policy {
    zeros,       ///< all four channels 0 (default)
    uniform,     ///< 0.25 in every channel, whatever the code (DeepBind's N)
    fractional,  ///< the code's bases share the mass equally: R -> A 0.5, G 0.5; N -> 0.25 each
};

namespace detail {

// Bit mask of the bases a (case-folded) IUPAC letter stands for: bit 0 = A, 1 = C, 2 = G, 3 = T.
// 0 means "not a nucleotide code". U (RNA) reads as T.
constexpr std::array<std::uint8_t, 256> make_base_masks() {
    std::array<std::uint8_t, 256> m{};
    auto set = [&m](char c, std::uint8_t bits) {
        m[static_cast<unsigned char>(c)] = bits;
        m[static_cast<unsigned char>(c - 'A' + 'a')] = bits;
    };
    set('A', 1); set('C', 2); set('G', 4); set('T', 8); set('U', 8);
    set('R', 1 | 4); set('Y', 2 | 8); set('S', 2 | 4); set('W', 1 | 8);
    set('K', 4 | 8); set('M', 1 | 2); set('B', 2 | 4 | 8); set('D', 1 | 4 | 8);
    set('H', 1 | 2 | 8); set('V', 1 | 2 | 4); set('N', 15);
    return m;
}
inline constexpr auto base_masks = make_base_masks();

constexpr std::array<char, 256> make_complements() {
    std::array<char, 256> c{};
    const char* from = "ACGTURYSWKMBDHVNacgturyswkmbdhvn";
    const char* to = "TGCAAYRSWMKVHDBNtgcaayrswmkvhdbn";
    for (int i = 0; from[i]; ++i) c[static_cast<unsigned char>(from[i])] = to[i];
    return c;
}
inline constexpr auto complements = make_complements();

inline std::string describe_char(char ch) {
    auto u = static_cast<unsigned char>(ch);
    if (u >= 33 && u < 127) return std::string("'") + ch + "'";
    char buf[8];
    static const char* hex = "0123456789abcdef";
    buf[0] = '0'; buf[1] = 'x'; buf[2] = hex[u >> 4]; buf[3] = hex[u & 15]; buf[4] = 0;
    return std::string("byte ") + buf;
}

}  // namespace detail

/// Writes the one-hot encoding of `seq` into `out`, a 4 x `seq.size()` row-major block (channel rows of
/// length `row_stride`, which must be at least seq.size()). `name` identifies the sequence in errors.
template <class T>
void encode_one_hot(std::string_view seq, T* out, index_t row_stride,
                    ambiguity_policy policy = ambiguity_policy::zeros,
                    std::string_view name = "sequence") {
    const index_t len = static_cast<index_t>(seq.size());
    for (int c = 0; c < 4; ++c)
        for (index_t i = 0; i < len; ++i) out[c * row_stride + i] = T(0);
    for (index_t i = 0; i < len; ++i) {
        const std::uint8_t bits = detail::base_masks[static_cast<unsigned char>(seq[i])];
        switch (bits) {
            case 1: out[i] = T(1); continue;
            case 2: out[row_stride + i] = T(1); continue;
            case 4: out[2 * row_stride + i] = T(1); continue;
            case 8: out[3 * row_stride + i] = T(1); continue;
            case 0:
                throw encoding_error(std::string(name) + ": position " + std::to_string(i) + ": " +
                                     detail::describe_char(seq[i]) +
                                     " is not a nucleotide or IUPAC code");
            default: break;
        }
        if (policy == ambiguity_policy::zeros) continue;
        if (policy == ambiguity_policy::uniform) {
            for (int c = 0; c < 4; ++c) out[c * row_stride + i] = T(0.25);
            continue;
        }
        const int n = __builtin_popcount(bits);
        for (int c = 0; c < 4; ++c)
            if (bits & (1u << c)) out[c * row_stride + i] = T(1) / T(n);
    }
}

/// One sequence as a 4 x L array.
template <class T = float>
xt::xtensor<T, 2> one_hot(std::string_view seq, ambiguity_policy policy = ambiguity_policy::zeros,
                          std::string_view name = "sequence") {
    const auto len = seq.size();
    xt::xtensor<T, 2> out = xt::xtensor<T, 2>::from_shape({4, len});
    encode_one_hot(seq, out.data(), static_cast<index_t>(len), policy, name);
    return out;
}

/// A batch of equal-length sequences as an N x 4 x L array. Sequences are named by index in errors
/// unless `names` (same count) is given.
template <class T = float>
xt::xtensor<T, 3> one_hot(std::span<const std::string> seqs,
                          ambiguity_policy policy = ambiguity_policy::zeros,
                          std::span<const std::string> names = {}) {
    if (!names.empty() && names.size() != seqs.size())
        throw argument_error("one_hot: " + std::to_string(names.size()) + " names for " +
                             std::to_string(seqs.size()) + " sequences");
    auto label = [&](std::size_t i) {
        return names.empty() ? "sequence " + std::to_string(i) : names[i];
    };
    const std::size_t len = seqs.empty() ? 0 : seqs[0].size();
    for (std::size_t i = 0; i < seqs.size(); ++i)
        if (seqs[i].size() != len)
            throw encoding_error(label(i) + ": length " + std::to_string(seqs[i].size()) +
                                 " differs from the batch length " + std::to_string(len) +
                                 " (of " + label(0) + ")");
    xt::xtensor<T, 3> out = xt::xtensor<T, 3>::from_shape({seqs.size(), 4, len});
    for (std::size_t i = 0; i < seqs.size(); ++i)
        encode_one_hot(seqs[i], out.data() + i * 4 * len, static_cast<index_t>(len), policy,
                       label(i));
    return out;
}

template <class T = float>
xt::xtensor<T, 3> one_hot(const std::vector<std::string>& seqs,
                          ambiguity_policy policy = ambiguity_policy::zeros,
                          std::span<const std::string> names = {}) {
    return one_hot<T>(std::span<const std::string>(seqs), policy, names);
}

/// Reverse complement of a DNA string, IUPAC-aware (R<->Y, K<->M, B<->V, D<->H; S, W, N are their own
/// complements), preserving case. Throws encoding_error on other characters.
inline std::string reverse_complement(std::string_view seq, std::string_view name = "sequence") {
    std::string out(seq.size(), 'N');
    for (std::size_t i = 0; i < seq.size(); ++i) {
        const char c = detail::complements[static_cast<unsigned char>(seq[i])];
        if (c == 0)
            throw encoding_error(std::string(name) + ": position " + std::to_string(i) + ": " +
                                 detail::describe_char(seq[i]) +
                                 " is not a nucleotide or IUPAC code");
        out[seq.size() - 1 - i] = c;
    }
    return out;
}

/// Reverse complement of a one-hot (or any channels-by-length) block, C x L row-major, into `out` (not
/// overlapping `in`): RC(x)[c, l] = x[C-1-c, L-1-l]. Correct for A,C,G,T (and for the A,G,C,T order),
/// and for reverse-complement-paired feature maps.
template <class T>
void reverse_complement(const T* in, T* out, std::size_t channels, std::size_t length) {
    for (std::size_t c = 0; c < channels; ++c)
        for (std::size_t l = 0; l < length; ++l) out[(channels - 1 - c) * length + (length - 1 - l)] = in[c * length + l];
}

/// The same for a C x L array.
template <class T>
xt::xtensor<T, 2> reverse_complement(const xt::xtensor<T, 2>& x) {
    const std::size_t C = x.shape()[0], L = x.shape()[1];
    xt::xtensor<T, 2> out = xt::xtensor<T, 2>::from_shape({C, L});
    reverse_complement(x.data(), out.data(), C, L);
    return out;
}

/// Batched form: RC applied to every sample of an N x C x L array.
template <class T>
xt::xtensor<T, 3> reverse_complement(const xt::xtensor<T, 3>& x) {
    const std::size_t N = x.shape()[0], C = x.shape()[1], L = x.shape()[2];
    xt::xtensor<T, 3> out = xt::xtensor<T, 3>::from_shape({N, C, L});
    for (std::size_t n = 0; n < N; ++n) reverse_complement(x.data() + n * C * L, out.data() + n * C * L, C, L);
    return out;
}

/// Most likely base per position of a 4 x L array ('N' where all four channels are equal, e.g. zeros).
template <class T>
std::string decode_one_hot(const xt::xtensor<T, 2>& x) {
    if (x.shape()[0] != 4)
        throw shape_error("decode_one_hot: expected 4 channels, got " + std::to_string(x.shape()[0]));
    std::string s(x.shape()[1], 'N');
    for (std::size_t l = 0; l < x.shape()[1]; ++l) {
        int best = 0, ties = 0;
        for (int c = 1; c < 4; ++c) {
            if (x(c, l) > x(best, l)) { best = c; ties = 0; }
            else if (x(c, l) == x(best, l)) ++ties;
        }
        s[l] = ties ? 'N' : "ACGT"[best];
    }
    return s;
}

}  // namespace seqnet
