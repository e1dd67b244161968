// seqnet/motif/motif.hpp -- a DNA motif and what is computed from it: probabilities with pseudocounts,
// log-odds against a background, information content, IUPAC consensus, reverse complement, trimming
// (SCIENCE.md section 22).
//
// A motif keeps what its source gave: counts (a PFM: JASPAR files, sites counted from filter
// activations) or probabilities (a PPM: MEME files), W rows of A, C, G, T. Keeping counts as counts
// makes file round trips exact and lets each column keep its own total, as JASPAR's do.
//   ppm         p[k, b] = (C[k, b] + a q_b) / (n_k + a), for counts C with column total n_k and a
//               pseudocount a spread by the background q; a PPM takes C = p * nsites (MEME's reading
//               of its own files), and with a = 0 it is returned as stored.
//   log_odds    w[k, b] = log2(p[k, b] / q_b): the PWM a one-hot window is scored with.
//   information IC_k = sum_b p log2(p / q_b), 0 log 0 = 0: in [0, 2] bits against a uniform background.
//   consensus   IUPAC, by Cavener's rules: one base where it has p > 0.5 and more than twice the
//               second; two bases (R Y S W K M) where together they pass 0.75; otherwise N.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/data/motif_set.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace seqnet {

using motif_row = std::array<double, 4>;  // A, C, G, T
using motif_matrix = std::vector<motif_row>;

/// Base frequencies that motifs are scored against.
struct background {
    motif_row p{0.25, 0.25, 0.25, 0.25};

    static background uniform() { return {}; }
    /// A genome of the given GC fraction: C and G gc/2 each, A and T (1 - gc)/2.
    static background from_gc(double gc) {
        if (!(gc > 0.0 && gc < 1.0)) throw argument_error("background: GC fraction " + std::to_string(gc) + " is not inside (0, 1)");
        return {{(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2}};
    }
    /// Throws argument_error unless every frequency is positive and they sum to 1 (within 1e-6).
    void validate(const std::string& where) const {
        double sum = 0;
        for (double v : p) {
            if (!(v > 0.0)) throw argument_error(where + ": background frequencies must be positive");
            sum += v;
        }
        if (std::abs(sum - 1.0) > 1e-6)
            throw argument_error(where + ": background frequencies sum to " + std::to_string(sum) + ", not 1");
    }
};

struct motif {
    std::string id;           // MEME identifier, JASPAR matrix ID, or "filter_12"
    std::string name;         // alternate name (MEME) or factor name (JASPAR); may be empty
    motif_matrix rows;        // one per position: counts when `counts`, else probabilities
    bool counts = false;
    double nsites = 20;       // sites behind a PPM (MEME's default 20); for counts, set from the rows
    double evalue = 0;        // MEME's E= (0 when unknown)
    std::string url;          // MEME's URL line (may be empty)

    index_t width() const { return static_cast<index_t>(rows.size()); }

    /// A motif of counts; nsites becomes the largest column total.
    static motif from_counts(std::string id, std::string name, motif_matrix c) {
        motif m;
        m.id = std::move(id);
        m.name = std::move(name);
        m.rows = std::move(c);
        m.counts = true;
        m.nsites = 0;
        for (const auto& r : m.rows) m.nsites = std::max(m.nsites, r[0] + r[1] + r[2] + r[3]);
        return m;
    }
    /// A motif of probabilities; each row must sum to 1 (checked by validate()).
    static motif from_probabilities(std::string id, std::string name, motif_matrix p, double nsites = 20) {
        motif m;
        m.id = std::move(id);
        m.name = std::move(name);
        m.rows = std::move(p);
        m.nsites = nsites;
        return m;
    }

    /// Throws argument_error naming the motif and position for an empty matrix, a negative or
    /// non-finite entry, a zero column of counts, or a probability row not summing to 1 within 0.01.
    void validate() const {
        const std::string who = "motif '" + id + "'";
        if (rows.empty()) throw argument_error(who + " has no positions");
        for (std::size_t k = 0; k < rows.size(); ++k) {
            double sum = 0;
            for (double v : rows[k]) {
                if (!(v >= 0.0) || !std::isfinite(v))
                    throw argument_error(who + ", position " + std::to_string(k + 1) + ": entry " + std::to_string(v) +
                                         " is not a finite non-negative number");
                sum += v;
            }
            if (counts && sum <= 0.0) throw argument_error(who + ", position " + std::to_string(k + 1) + ": no counts");
            if (!counts && std::abs(sum - 1.0) > 0.01)
                throw argument_error(who + ", position " + std::to_string(k + 1) + ": probabilities sum to " +
                                     std::to_string(sum) + ", not 1");
        }
        if (!(nsites > 0.0) || !std::isfinite(nsites)) throw argument_error(who + ": nsites must be positive");
    }
};

/// Position probabilities with a pseudocount spread by the background (see the file comment).
inline motif_matrix ppm(const motif& m, double pseudocount = 0, const background& bg = {}) {
    if (!(pseudocount >= 0.0)) throw argument_error("ppm: the pseudocount must be non-negative");
    motif_matrix p(m.rows.size());
    for (std::size_t k = 0; k < m.rows.size(); ++k) {
        const motif_row& r = m.rows[k];
        const double n = m.counts ? r[0] + r[1] + r[2] + r[3] : m.nsites;
        if (!m.counts && pseudocount == 0.0) {
            const double sum = r[0] + r[1] + r[2] + r[3];  // exact for a normalised row; renormalises a rounded one
            if (sum > 0)
                for (int b = 0; b < 4; ++b) p[k][b] = r[b] / sum;
            else
                p[k] = bg.p;
            continue;
        }
        for (int b = 0; b < 4; ++b) {
            const double c = m.counts ? r[b] : r[b] * m.nsites;
            p[k][b] = n + pseudocount > 0 ? (c + pseudocount * bg.p[b]) / (n + pseudocount) : bg.p[b];
        }
    }
    return p;
}

/// log2(p / q) per position and base; p = 0 gives -infinity (use a pseudocount for finite scores).
inline motif_matrix log_odds(const motif_matrix& p, const background& bg = {}) {
    motif_matrix w(p.size());
    for (std::size_t k = 0; k < p.size(); ++k)
        for (int b = 0; b < 4; ++b) w[k][b] = std::log2(p[k][b] / bg.p[b]);
    return w;
}

/// Information content of each position in bits (0 log 0 = 0).
inline std::vector<double> information_content(const motif_matrix& p, const background& bg = {}) {
    std::vector<double> ic(p.size(), 0.0);
    for (std::size_t k = 0; k < p.size(); ++k)
        for (int b = 0; b < 4; ++b)
            if (p[k][b] > 0) ic[k] += p[k][b] * std::log2(p[k][b] / bg.p[b]);
    return ic;
}

inline double total_information(const motif_matrix& p, const background& bg = {}) {
    const auto ic = information_content(p, bg);
    return std::accumulate(ic.begin(), ic.end(), 0.0);
}

/// IUPAC consensus by Cavener's rules (see the file comment).
inline std::string consensus(const motif_matrix& p) {
    static constexpr const char* pair_code[4][4] = {{"A", "M", "R", "W"}, {"M", "C", "S", "Y"},
                                                    {"R", "S", "G", "K"}, {"W", "Y", "K", "T"}};
    std::string s;
    for (const auto& r : p) {
        std::array<int, 4> order{0, 1, 2, 3};
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return r[a] > r[b]; });
        const double first = r[order[0]], second = r[order[1]];
        if (first > 0.5 && first > 2 * second) s += "ACGT"[order[0]];
        else if (first + second > 0.75) s += pair_code[order[0]][order[1]];
        else s += 'N';
    }
    return s;
}

/// The motif of the other strand: positions reversed, A<->T and C<->G. Keeps counts as counts.
inline motif reverse_complement(const motif& m) {
    motif r = m;
    const std::size_t W = m.rows.size();
    for (std::size_t k = 0; k < W; ++k)
        for (int b = 0; b < 4; ++b) r.rows[k][b] = m.rows[W - 1 - k][3 - b];
    return r;
}

/// The motif without its low-information edges: leading and trailing positions whose information
/// content (of ppm(m, pseudocount, bg)) is below min_bits. Keeps at least one position, the most
/// informative, and returns the offset of the first kept position.
inline std::pair<motif, index_t> trim(const motif& m, double min_bits, double pseudocount = 0, const background& bg = {}) {
    const auto ic = information_content(ppm(m, pseudocount, bg), bg);
    std::size_t first = 0, last = ic.size();
    while (first < last && ic[first] < min_bits) ++first;
    while (last > first && ic[last - 1] < min_bits) --last;
    if (first == last) {
        first = static_cast<std::size_t>(std::max_element(ic.begin(), ic.end()) - ic.begin());
        last = first + 1;
    }
    motif t = m;
    t.rows.assign(m.rows.begin() + static_cast<std::ptrdiff_t>(first), m.rows.begin() + static_cast<std::ptrdiff_t>(last));
    return {std::move(t), static_cast<index_t>(first)};
}

/// A built-in simulation motif (data/motif_set.hpp) as a motif of probabilities, id = its name.
inline motif to_motif(const pwm& p, double nsites = 20) {
    motif_matrix rows(p.probs.begin(), p.probs.end());
    return motif::from_probabilities(p.name, p.consensus, std::move(rows), nsites);
}

}  // namespace seqnet
