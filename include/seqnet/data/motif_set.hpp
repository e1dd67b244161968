// seqnet/data/motif_set.hpp -- position probability matrices from IUPAC consensus strings, and a small
// built-in set of well-known transcription-factor motifs for simulated data (data/simulate.hpp).
//
// A pwm here is a position probability matrix (SCIENCE.md section 22: W rows, one per motif position, each
// the probabilities of A, C, G, T and summing to 1), not yet log-odds. pwm_from_consensus turns an IUPAC
// consensus into one: at each position the bases the code allows share `sharpness` equally and the other
// bases share 1 - sharpness equally; N is uniform whatever the sharpness. So with the default 0.85 an A is
// (0.85, 0.05, 0.05, 0.05) and an R (A or G) is (0.425, 0.075, 0.425, 0.075). The code's bases are the
// most likely ones when sharpness > k/4 for a k-base code: for every code when sharpness > 0.75.
// With sharpness 1 every sample spells the consensus (one of the bases each code allows).
//
// The built-in motifs are written below as consensus strings from the published IUPAC descriptions of
// each factor's binding site -- readable data, not matrices copied from a motif database.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/tensor/dna.hpp>

#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seqnet {

/// A motif as a position probability matrix, with the consensus it came from.
struct pwm {
    std::string name;                         ///< short lowercase identifier ("ctcf"), also the task name
    std::string consensus;                    ///< IUPAC consensus, uppercase
    std::vector<std::array<double, 4>> probs; ///< per position, P(A), P(C), P(G), P(T); rows sum to 1

    index_t length() const { return static_cast<index_t>(probs.size()); }
};

/// The PPM of an IUPAC consensus (A C G T, the two- and three-base codes, N; either case; U reads as
/// T); see the file comment for how `sharpness` is spread. Throws argument_error for an empty
/// consensus, a character that is not a nucleotide code, or a sharpness outside [0.25, 1].
inline pwm pwm_from_consensus(std::string name, std::string_view iupac, double sharpness = 0.85) {
    if (iupac.empty()) throw argument_error("pwm_from_consensus: motif '" + name + "' has an empty consensus");
    if (!(sharpness >= 0.25 && sharpness <= 1.0))
        throw argument_error("pwm_from_consensus: sharpness " + std::to_string(sharpness) +
                             " is outside [0.25, 1] (motif '" + name + "')");
    pwm m;
    m.name = std::move(name);
    m.consensus.reserve(iupac.size());
    m.probs.reserve(iupac.size());
    for (std::size_t k = 0; k < iupac.size(); ++k) {
        const std::uint8_t bits = detail::base_masks[static_cast<unsigned char>(iupac[k])];
        if (bits == 0)
            throw argument_error("pwm_from_consensus: motif '" + m.name + "': position " + std::to_string(k) +
                                 ": " + detail::describe_char(iupac[k]) + " is not a nucleotide or IUPAC code");
        const char up = static_cast<char>(std::toupper(static_cast<unsigned char>(iupac[k])));
        m.consensus.push_back(up == 'U' ? 'T' : up);
        const int allowed = __builtin_popcount(bits);
        std::array<double, 4> row{};
        for (int b = 0; b < 4; ++b)
            row[static_cast<std::size_t>(b)] = allowed == 4      ? 0.25
                                               : (bits >> b) & 1 ? sharpness / allowed
                                                                 : (1.0 - sharpness) / (4 - allowed);
        m.probs.push_back(row);
    }
    return m;
}

/// The built-in motifs, at the default sharpness 0.85. Names are lowercase and are the task names of
/// simulated data.
inline const std::vector<pwm>& builtin_motifs() {
    static const std::vector<pwm> motifs = [] {
        struct entry {
            const char* name;
            const char* consensus;
        };
        static constexpr entry table[] = {
            {"ctcf", "CCGCGNGGNGGCAG"},  // CTCF, insulator protein: core of its 11-zinc-finger site (Kim et al. 2007)
            {"gata", "WGATAR"},          // GATA family (GATA1-6), zinc-finger factors of blood and endoderm
            {"ebox", "CACGTG"},          // E-box bound by bHLH-zip factors: MYC/MAX, USF1/2, CLOCK/BMAL1
            {"ap1", "TGASTCA"},          // AP-1 (FOS/JUN dimers), the TPA-response element
            {"sp1", "GGGGCGGGG"},        // SP1 (and KLF family), the GC box of CpG-island promoters
            {"nrf1", "GCGCATGCGC"},      // NRF1, palindromic site in promoters of mitochondrial genes
            {"tata", "TATAWAWR"},        // TBP, the TATA box of core promoters
        };
        std::vector<pwm> v;
        for (const auto& e : table) v.push_back(pwm_from_consensus(e.name, e.consensus));
        return v;
    }();
    return motifs;
}

/// Comma-separated names of the built-in motifs, for messages and help texts.
inline std::string builtin_motif_names() {
    std::string s;
    for (const auto& m : builtin_motifs()) s += (s.empty() ? "" : ", ") + m.name;
    return s;
}

/// The built-in motif called `name` (case-insensitive). Throws argument_error listing the known names.
inline const pwm& builtin_motif(std::string_view name) {
    for (const auto& m : builtin_motifs()) {
        if (m.name.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(name[i])) == m.name[i];
        if (same) return m;
    }
    throw argument_error("unknown motif '" + std::string(name) + "'; the built-in motifs are " +
                         builtin_motif_names());
}

}  // namespace seqnet
