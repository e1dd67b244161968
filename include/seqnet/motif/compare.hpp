// seqnet/motif/compare.hpp -- compare motifs with a database of motifs as Tomtom does: the best alignment
// of each query with each target over offsets and strands, with a p-value, E-value and q-value
// (SCIENCE.md section 25, "complete" scoring; Gupta, Stamatoyannopoulos, Bailey & Noble, Genome
// Biology 2007).
//
// Contract.
//   Motifs become PPMs: ppm(m, pseudocount, bg) (motif.hpp), pseudocount 0.1 by default as Tomtom applies
//   to the motifs it reads; counts use their own column totals, PPMs their nsites.
//   Column similarity s(p, r) of two columns, larger = more similar (column_score):
//     pearson    sum_b (p_b - 1/4)(r_b - 1/4) / sqrt(sum_b (p_b - 1/4)^2 sum_b (r_b - 1/4)^2), in [-1, 1];
//                0 when either column is uniform (sum of squares <= 1e-20); clamped to [-1, 1]
//                against rounding.
//     euclidean  -sqrt(sum_b (p_b - r_b)^2), in [-sqrt 2, 0].
//     sandelin   2 - sum_b (p_b - r_b)^2 (Sandelin & Wasserman 2004), in [0, 2].
//   Alignment: offset o puts query column i on target column i + o; allowed are the offsets whose overlap
//   is at least min(min_overlap, Wq, Wt); the target is also read reverse complemented (strand '-',
//   offsets then refer to the reverse-complemented target) unless both_strands is false.
//   Complete score (Tomtom's default scoring), for one query against a database:
//     1. s(q_i, c) for every query column i and every column c of the database: every target's columns
//        and, with both strands, their reverse complements' (so C = 2 x the summed target widths).
//     2. Each query column's scores minus their median over those C columns: an unaligned query column
//        counts 0, so leaving an uninformative column unaligned costs less than an informative one.
//     3. The shifted scores onto an integer grid: round(shifted * bins / (max - min)), max and min over
//        all of this query's shifted scores, i.e. `bins` (100) steps across the range. An alignment's
//        complete score is the sum of its aligned query columns' integers; match.score is that sum
//        divided by the scale, in similarity units (within overlap/2 grid steps of the exact sum).
//     4. The best alignment of a target is the one with the largest complete score; ties go to the
//        larger overlap, then strand '+', then the smaller offset.
//   What the p-value means. Null model: a random target of the same width Wt whose columns are drawn
//   independently and uniformly from the C database columns. For an alignment whose aligned query
//   columns form the block [a, b], the null distribution of its complete score is the convolution of the
//   per-column distributions of the integer scores of query columns a..b over the C database columns;
//   a dynamic programme builds it exactly (on the grid) for every block that some allowed alignment of
//   some database width uses. The p-value of a (query, target) pair with best complete score x is
//       p = 1 - prod over allowed (offset, strand) of P(score of that alignment < x),
//   the probability that a random target of that width has some allowed alignment scoring at least x,
//   treating the alignments of one target as independent (Tomtom's approximation). It is a
//   non-increasing function of x for a fixed query and target width. Tail sums and log1p keep small
//   p-values accurate to double precision.
//   E-value = p x (number of targets). q-values: Storey's (2002) method over the p-values of one query
//   against all targets, pi0 chosen by bootstrap as the MEME Suite does (lambda = 0.005 .. 0.5 in 100
//   steps, pi0(lambda) = #{p >= lambda} / ((1 - lambda) m), the lambda whose 100 bootstrap estimates are
//   closest in mean square to the smallest pi0(lambda); pi0 = 1 with fewer than 100 targets, i.e.
//   Benjamini-Hochberg), q_(i) = min over j >= i of min(1, pi0 m p_(j) / j). The bootstrap uses a fixed
//   seed, so results are reproducible.
//   Cost per query of width Wq against C database columns: O(Wq C) similarities and medians, plus the
//   dynamic programme, at most Wq^3 bins^2 / 6 multiply-adds (6e6 for Wq = 15), plus O(Wq Wt) per
//   target. Measured (-O2, one core) against 1,000 motifs of widths 6-20: about 3 ms for a query of
//   width 10, 9 ms for width 20, 22 ms for width 30; building the database about 1 ms. compare() is
//   const and may be called from several threads at once.
//   p-values are unreliable with small databases (Tomtom warns below 50 motifs): the null is drawn from
//   too few columns.
//
// Where this differs from Tomtom (tomtom.c, MEME Suite 5):
//   - Median: the true median (mean of the two middle values for an even count); Tomtom averages the
//     values at ranks floor(C/2) and ceil(C/2) (1-based), slightly below the median.
//   - Grid: exactly `bins` steps from the smallest to the largest shifted score; Tomtom floors the
//     smallest score to an integer and the scale to an integer, so its scores span fewer steps.
//   - The null maximum runs over the allowed offsets only; Tomtom's runs over all Wq + Wt - 1 offsets
//     even when min_overlap excludes some, so its p-values are larger there.
//   - One match per target (its better strand), and q-values from those N p-values. Tomtom scores each
//     orientation as a separate match (best alignment on that strand, p-value for the maximum over
//     both) and takes q-values over all 2N; the worse orientations push its pi0 estimate to 1 and its
//     top q-values to about twice Benjamini-Hochberg's over N. Its E-value is the same, p x N.
//     Bootstrap resamples of m draws (Tomtom: 1000) from a fixed seed.
//   - Computed in double throughout (Tomtom rounds p-values to float).
//   - Not implemented: Tomtom's other distances (allr, kullback, blic, llr), -internal, -incomplete-scores,
//     thresholds (every target is reported; filter on q_value or e_value).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/layers/random.hpp>
#include <seqnet/motif/motif.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace seqnet {

enum class column_similarity { pearson, euclidean, sandelin };

struct compare_options {
    column_similarity similarity = column_similarity::pearson;
    index_t min_overlap = 1;    // alignments overlap at least min(min_overlap, Wq, Wt) columns
    bool both_strands = true;   // also align with each target's reverse complement
    double pseudocount = 0.1;   // added to every motif, spread by bg (Tomtom's default)
    background bg{};
    index_t bins = 100;         // integer steps across the range of shifted column scores (Tomtom: 100)
};

/// The best alignment of one query with one target and its significance.
struct motif_match {
    std::size_t query = 0;   // the query's index (as passed to compare)
    std::size_t target = 0;  // index into the database's targets
    double score = 0;        // complete score: sum over aligned query columns of (similarity - that
                             // column's median over the database), on the integer grid, in similarity units
    double similarity = 0;   // sum of the unshifted column similarities over the aligned columns (exact)
    index_t offset = 0;      // query column i faces target column i + offset (of the reverse complement for '-')
    char strand = '+';
    index_t overlap = 0;     // aligned columns
    double p_value = 1, e_value = 0, q_value = 1;
};

/// Similarity of two columns of probabilities (A, C, G, T), larger = more similar (see the file comment).
inline double column_score(const motif_row& p, const motif_row& r, column_similarity kind = column_similarity::pearson) {
    switch (kind) {
    case column_similarity::pearson: {
        double num = 0, dp = 0, dr = 0;
        for (int b = 0; b < 4; ++b) {
            const double x = p[b] - 0.25, y = r[b] - 0.25;
            num += x * y;
            dp += x * x;
            dr += y * y;
        }
        if (dp <= 1e-20 || dr <= 1e-20) return 0.0;
        return std::clamp(num / std::sqrt(dp * dr), -1.0, 1.0);
    }
    case column_similarity::euclidean:
    case column_similarity::sandelin: {
        double d2 = 0;
        for (int b = 0; b < 4; ++b) d2 += (p[b] - r[b]) * (p[b] - r[b]);
        return kind == column_similarity::euclidean ? -std::sqrt(d2) : 2.0 - d2;
    }
    }
    return 0.0;
}

namespace detail {

/// A column prepared so that column_score is cheap: for Pearson centred and scaled to unit length (zero
/// when uniform), so the score is a dot product; otherwise the probabilities.
inline motif_row prepare_column(const motif_row& p, column_similarity kind) {
    if (kind != column_similarity::pearson) return p;
    motif_row c{p[0] - 0.25, p[1] - 0.25, p[2] - 0.25, p[3] - 0.25};
    const double n2 = c[0] * c[0] + c[1] * c[1] + c[2] * c[2] + c[3] * c[3];
    if (n2 <= 1e-20) return motif_row{0, 0, 0, 0};
    const double inv = 1.0 / std::sqrt(n2);
    for (double& v : c) v *= inv;
    return c;
}

inline double prepared_score(const motif_row& q, const motif_row& c, column_similarity kind) {
    if (kind == column_similarity::pearson)
        return std::clamp(q[0] * c[0] + q[1] * c[1] + q[2] * c[2] + q[3] * c[3], -1.0, 1.0);
    double d2 = 0;
    for (int b = 0; b < 4; ++b) d2 += (q[b] - c[b]) * (q[b] - c[b]);
    return kind == column_similarity::euclidean ? -std::sqrt(d2) : 2.0 - d2;
}

/// out[s] += x[s] * a for s < n, n a multiple of 4, arrays not overlapping: written four at a time so
/// that compilers vectorise it at -O2.
inline void add_scaled(double* __restrict out, const double* __restrict x, std::size_t n, double a) {
    for (std::size_t s = 0; s < n; s += 4) {
        out[s] += x[s] * a;
        out[s + 1] += x[s + 1] * a;
        out[s + 2] += x[s + 2] * a;
        out[s + 3] += x[s + 3] * a;
    }
}

inline std::size_t round_up4(std::size_t n) { return (n + 3) / 4 * 4; }

/// Nearest integer, halves up, for |x| well inside the int32 range (inline; std::lround is a library call).
inline std::int32_t round_to_int(double x) {
    const double y = x + 0.5;
    auto k = static_cast<std::int32_t>(y);  // truncates toward zero
    return k - (static_cast<double>(k) > y);
}

/// The median of x[0..n), n > 0, all within [lo, hi] (the mean of the two middle values for even n).
/// Exact, and faster than nth_element over all n values (whose branches mispredict on every other
/// element): a histogram finds the bins holding the middle ranks, a branch-free pass gathers those bins'
/// values, and nth_element orders only them.
inline double median_of(const double* x, std::size_t n, double lo, double hi, std::vector<std::uint32_t>& counts,
                        std::vector<double>& gathered) {
    constexpr std::int64_t nbins = 2048;
    if (!(hi > lo)) return lo;
    const double to_bin = double(nbins) / (hi - lo);
    const auto bin = [&](double v) { return std::min<std::int64_t>(nbins - 1, static_cast<std::int64_t>((v - lo) * to_bin)); };
    counts.assign(static_cast<std::size_t>(nbins), 0);
    for (std::size_t j = 0; j < n; ++j) ++counts[static_cast<std::size_t>(bin(x[j]))];
    const std::size_t k1 = (n - 1) / 2, k2 = n / 2;  // the middle ranks (equal for odd n)
    std::size_t b1 = 0, below1 = 0;
    while (below1 + counts[b1] <= k1) below1 += counts[b1++];
    std::size_t b2 = b1, below2 = below1;
    while (below2 + counts[b2] <= k2) below2 += counts[b2++];
    gathered.resize(below2 + counts[b2] - below1 + 1);  // the values in bins b1..b2, and a spare slot
    std::size_t m = 0;
    const auto first = static_cast<std::int64_t>(b1), last = static_cast<std::int64_t>(b2);
    for (std::size_t j = 0; j < n; ++j) {
        const std::int64_t bj = bin(x[j]);
        gathered[m] = x[j];
        m += static_cast<std::size_t>((bj >= first) & (bj <= last));
    }
    const auto at = gathered.begin() + static_cast<std::ptrdiff_t>(k1 - below1);
    const auto end = gathered.begin() + static_cast<std::ptrdiff_t>(m);
    std::nth_element(gathered.begin(), at, end);
    if (k2 == k1) return *at;
    return 0.5 * (*at + *std::min_element(at + 1, end));
}

/// Storey's q-values (see the file comment) for p-values sorted ascending; returns them in that order.
inline std::vector<double> storey_qvalues(const std::vector<double>& p) {
    const std::size_t m = p.size();
    std::vector<double> q(m);
    if (m == 0) return q;
    double pi0 = 1.0;
    constexpr std::size_t min_samples = 100, n_lambda = 100, n_boot = 100;
    constexpr double max_lambda = 0.5;
    if (m >= min_samples) {
        std::array<double, n_lambda> lambda{};
        for (std::size_t k = 0; k < n_lambda; ++k) lambda[k] = double(k + 1) / double(n_lambda) * max_lambda;
        // reach[i]: how many lambdas p[i] is at or above, so a sample's counts come from a histogram.
        std::vector<std::size_t> reach(m);
        for (std::size_t i = 0; i < m; ++i)
            reach[i] = static_cast<std::size_t>(std::upper_bound(lambda.begin(), lambda.end(), p[i]) - lambda.begin());
        auto estimates = [&](const std::vector<std::size_t>& hist) {
            std::array<double, n_lambda> est{};
            std::size_t above = 0;  // #{p >= lambda[k]} = samples reaching beyond k
            for (std::size_t k = n_lambda; k-- > 0;) {
                above += hist[k + 1];
                est[k] = above == 0 ? std::numeric_limits<double>::infinity()
                                    : double(above) / ((1.0 - lambda[k]) * double(m));
            }
            return est;
        };
        std::vector<std::size_t> hist(n_lambda + 1, 0);
        for (std::size_t r : reach) ++hist[r];
        const auto pi0_lambda = estimates(hist);
        const double min_pi0 = *std::min_element(pi0_lambda.begin(), pi0_lambda.end());
        std::array<double, n_lambda> mse{};
        random_engine rng(0x746f6d746f6dull);  // fixed: the same p-values give the same q-values
        for (std::size_t b = 0; b < n_boot; ++b) {
            std::fill(hist.begin(), hist.end(), 0);
            for (std::size_t i = 0; i < m; ++i) ++hist[reach[static_cast<std::size_t>(((rng.next() >> 32) * m) >> 32)]];
            const auto est = estimates(hist);
            for (std::size_t k = 0; k < n_lambda; ++k) mse[k] += (est[k] - min_pi0) * (est[k] - min_pi0);
        }
        const std::size_t best = static_cast<std::size_t>(std::min_element(mse.begin(), mse.end()) - mse.begin());
        pi0 = std::isfinite(pi0_lambda[best]) ? std::clamp(pi0_lambda[best], 0.0, 1.0) : 1.0;
    }
    for (std::size_t i = 0; i < m; ++i) q[i] = std::min(1.0, pi0 * p[i] * double(m) / double(i + 1));
    for (std::size_t i = m - 1; i-- > 0;) q[i] = std::min(q[i], q[i + 1]);
    return q;
}

}  // namespace detail

/// A database of target motifs with their columns prepared once, so that many queries are cheap.
class motif_database {
public:
    /// Throws argument_error for an empty database, an invalid target (naming it and its index) or bad
    /// options.
    explicit motif_database(std::vector<motif> targets, compare_options o = {}) : opts_(std::move(o)), targets_(std::move(targets)) {
        if (opts_.min_overlap < 1)
            throw argument_error("motif_database: min_overlap must be at least 1, got " + std::to_string(opts_.min_overlap));
        if (!(opts_.pseudocount >= 0.0) || !std::isfinite(opts_.pseudocount))
            throw argument_error("motif_database: the pseudocount must be finite and non-negative");
        if (opts_.bins < 1 || opts_.bins > 100000)
            throw argument_error("motif_database: bins must be in [1, 100000], got " + std::to_string(opts_.bins));
        opts_.bg.validate("motif_database");
        if (targets_.empty()) throw argument_error("motif_database: no target motifs");
        std::vector<motif_matrix> probs;
        probs.reserve(targets_.size());
        std::size_t total = 0;
        for (std::size_t t = 0; t < targets_.size(); ++t) {
            try {
                targets_[t].validate();
            } catch (const argument_error& e) {
                throw argument_error("motif_database: target " + std::to_string(t) + ": " + e.what());
            }
            probs.push_back(ppm(targets_[t], opts_.pseudocount, opts_.bg));
            total += probs.back().size();
        }
        const std::size_t strands = opts_.both_strands ? 2 : 1;
        columns_.reserve(total * strands);
        start_.resize(targets_.size() * strands);
        for (std::size_t t = 0; t < targets_.size(); ++t) {  // every target's columns, then (strand '-')
            start_[t * strands] = columns_.size();            // its reverse complement's
            for (const auto& c : probs[t]) columns_.push_back(detail::prepare_column(c, opts_.similarity));
            if (strands == 2) {
                start_[t * strands + 1] = columns_.size();
                for (std::size_t k = probs[t].size(); k-- > 0;) {
                    const motif_row& c = probs[t][k];
                    columns_.push_back(detail::prepare_column({c[3], c[2], c[1], c[0]}, opts_.similarity));
                }
            }
            max_width_ = std::max(max_width_, targets_[t].width());
        }
        has_width_.assign(static_cast<std::size_t>(max_width_) + 1, false);
        for (const auto& m : targets_) has_width_[static_cast<std::size_t>(m.width())] = true;
    }

    const std::vector<motif>& targets() const { return targets_; }
    const compare_options& options() const { return opts_; }
    std::size_t size() const { return targets_.size(); }

    /// The query against every target: one match per target, sorted by p-value (then larger overlap,
    /// then target index). Throws argument_error naming the query for an invalid motif.
    std::vector<motif_match> compare(const motif& query, std::size_t query_index = 0) const {
        try {
            query.validate();
        } catch (const argument_error& e) {
            throw argument_error("motif_database::compare: query " + std::to_string(query_index) + ": " + e.what());
        }
        const column_scores cs = score_columns(ppm(query, opts_.pseudocount, opts_.bg));
        const block_tails null = null_distributions(cs);
        std::vector<motif_match> out;
        out.reserve(targets_.size());
        for (std::size_t t = 0; t < targets_.size(); ++t) out.push_back(best_alignment(cs, null, t, query_index));
        std::sort(out.begin(), out.end(), [](const motif_match& x, const motif_match& y) {
            if (x.p_value != y.p_value) return x.p_value < y.p_value;
            if (x.overlap != y.overlap) return x.overlap > y.overlap;
            return x.target < y.target;
        });
        std::vector<double> p(out.size());
        for (std::size_t k = 0; k < out.size(); ++k) p[k] = out[k].p_value;
        const auto q = detail::storey_qvalues(p);
        for (std::size_t k = 0; k < out.size(); ++k) out[k].q_value = q[k];
        return out;
    }

private:
    /// One query's columns against every database column (steps 1-3 of the file comment).
    struct column_scores {
        std::size_t width = 0;             // query columns
        std::vector<double> raw;           // [i * C + j]: similarity of query column i and database column j
        std::vector<std::int32_t> grid;    // [i * C + j]: (raw - median of row i) * scale, rounded
        double scale = 1;                  // grid steps per similarity unit
        std::vector<std::int32_t> lo, hi;  // each row's smallest and largest grid value
        std::vector<std::vector<std::pair<std::size_t, double>>> dist;  // row i: (value - lo[i], probability)
    };

    /// The null distribution of the grid score of each block [a, b] of query columns that some allowed
    /// alignment uses, stored as tails P(score >= base + k) (steps 4-5).
    struct block_tails {
        struct entry {
            std::int64_t base = 0;
            std::size_t at = 0, len = 0;  // into tails
        };
        std::size_t width = 0;
        std::vector<entry> blocks;  // [a * width + b]
        std::vector<double> tails;

        double tail(std::size_t a, std::size_t b, std::int64_t x) const {
            const entry& e = blocks[a * width + b];
            if (x <= e.base) return 1.0;
            const auto k = static_cast<std::size_t>(x - e.base);
            return k < e.len ? tails[e.at + k] : 0.0;
        }
    };

    /// The query columns facing a target of width Wt at offset o: [first, last].
    static std::pair<std::size_t, std::size_t> aligned_block(index_t Wq, index_t Wt, index_t o) {
        return {static_cast<std::size_t>(std::max<index_t>(0, -o)), static_cast<std::size_t>(std::min(Wq - 1, Wt - 1 - o))};
    }
    index_t overlap_needed(index_t Wq, index_t Wt) const { return std::min({opts_.min_overlap, Wq, Wt}); }

    column_scores score_columns(const motif_matrix& qp) const {
        column_scores cs;
        const std::size_t W = qp.size(), C = columns_.size();
        cs.width = W;
        cs.raw.resize(W * C);
        for (std::size_t i = 0; i < W; ++i) {
            const motif_row q = detail::prepare_column(qp[i], opts_.similarity);
            double* row = cs.raw.data() + i * C;
            for (std::size_t j = 0; j < C; ++j) row[j] = detail::prepared_score(q, columns_[j], opts_.similarity);
        }
        // Medians, and the range of the shifted scores.
        std::vector<double> median(W), gathered;
        std::vector<std::uint32_t> counts;
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (std::size_t i = 0; i < W; ++i) {
            const double* row = cs.raw.data() + i * C;
            double mn = row[0], mx = row[0];
            for (std::size_t j = 1; j < C; ++j) mn = std::min(mn, row[j]), mx = std::max(mx, row[j]);  // branch-free
            median[i] = detail::median_of(row, C, mn, mx, counts, gathered);
            lo = std::min(lo, mn - median[i]);
            hi = std::max(hi, mx - median[i]);
        }
        // The integer grid, and each row's distribution over the database columns.
        cs.scale = hi - lo > 1e-12 ? double(opts_.bins) / (hi - lo) : 1.0;
        cs.grid.resize(W * C);
        cs.lo.resize(W);
        cs.hi.resize(W);
        cs.dist.resize(W);
        std::vector<double> hist;
        for (std::size_t i = 0; i < W; ++i) {
            const double* row = cs.raw.data() + i * C;
            std::int32_t* g = cs.grid.data() + i * C;
            std::int32_t a = std::numeric_limits<std::int32_t>::max(), b = std::numeric_limits<std::int32_t>::min();
            for (std::size_t j = 0; j < C; ++j) {
                g[j] = detail::round_to_int((row[j] - median[i]) * cs.scale);
                a = std::min(a, g[j]);
                b = std::max(b, g[j]);
            }
            cs.lo[i] = a;
            cs.hi[i] = b;
            hist.assign(static_cast<std::size_t>(b - a) + 1, 0.0);
            for (std::size_t j = 0; j < C; ++j) hist[static_cast<std::size_t>(g[j] - a)] += 1.0;
            for (std::size_t k = 0; k < hist.size(); ++k)
                if (hist[k] > 0) cs.dist[i].emplace_back(k, hist[k] / double(C));
        }
        return cs;
    }

    block_tails null_distributions(const column_scores& cs) const {
        const std::size_t W = cs.width;
        const auto Wq = static_cast<index_t>(W);
        // The blocks that some allowed alignment with some database width uses, and for each first
        // column the last column any of them reaches.
        std::vector<char> needed(W * W, 0);
        std::vector<std::size_t> reach(W, 0);
        std::vector<char> used(W, 0);
        for (index_t Wt = 1; Wt <= max_width_; ++Wt) {
            if (!has_width_[static_cast<std::size_t>(Wt)]) continue;
            for (index_t o = -(Wq - 1); o <= Wt - 1; ++o) {
                const auto [a, b] = aligned_block(Wq, Wt, o);
                if (static_cast<index_t>(b - a + 1) < overlap_needed(Wq, Wt)) continue;
                needed[a * W + b] = 1;
                used[a] = 1;
                reach[a] = std::max(reach[a], b);
            }
        }
        // Dynamic programme from each first column a: convolve in columns a+1, a+2, ... one at a time.
        block_tails null;
        null.width = W;
        null.blocks.resize(W * W);
        std::vector<double> pmf, next;  // pmf[k] = P(score = base + k), zero-padded to a multiple of 4
        for (std::size_t a = 0; a < W; ++a) {
            if (!used[a]) continue;
            std::int64_t base = cs.lo[a];
            std::size_t len = static_cast<std::size_t>(cs.hi[a] - cs.lo[a]) + 1;
            pmf.assign(detail::round_up4(len), 0.0);
            for (const auto& [k, p] : cs.dist[a]) pmf[k] = p;
            for (std::size_t b = a; b <= reach[a]; ++b) {
                if (b > a) {
                    const auto wb = static_cast<std::size_t>(cs.hi[b] - cs.lo[b]);
                    next.assign(detail::round_up4(len + wb) + 4, 0.0);  // add_scaled writes up to 3 past len + wb
                    for (const auto& [k, p] : cs.dist[b]) detail::add_scaled(next.data() + k, pmf.data(), detail::round_up4(len), p);
                    pmf.swap(next);
                    len += wb;
                    base += cs.lo[b];
                }
                if (!needed[a * W + b]) continue;
                auto& e = null.blocks[a * W + b];
                e.base = base;
                e.at = null.tails.size();
                e.len = len;
                null.tails.resize(e.at + len);
                double acc = 0;  // tail sums from the top keep small probabilities accurate
                for (std::size_t k = len; k-- > 0;) {
                    acc += pmf[k];
                    null.tails[e.at + k] = std::min(1.0, acc);
                }
            }
        }
        return null;
    }

    motif_match best_alignment(const column_scores& cs, const block_tails& null, std::size_t t, std::size_t query_index) const {
        const std::size_t C = columns_.size(), strands = opts_.both_strands ? 2 : 1;
        const auto Wq = static_cast<index_t>(cs.width);
        const index_t Wt = targets_[t].width(), need = overlap_needed(Wq, Wt);
        std::int64_t best = std::numeric_limits<std::int64_t>::min();
        index_t best_overlap = 0, best_offset = 0;
        std::size_t best_strand = 0;
        for (std::size_t s = 0; s < strands; ++s) {  // '+' first, offsets ascending: ties keep the earlier
            const std::size_t start = start_[t * strands + s];
            for (index_t o = -(Wq - 1); o <= Wt - 1; ++o) {
                const auto [a, b] = aligned_block(Wq, Wt, o);
                const auto overlap = static_cast<index_t>(b - a + 1);
                if (overlap < need) continue;
                // query column i faces database column start + i + o: grid[i * C + start + i + o], a
                // stride of C + 1 from column a's entry
                const std::int32_t* g = cs.grid.data() + a * C + start + static_cast<std::size_t>(static_cast<index_t>(a) + o);
                std::int64_t sum = 0;
                for (std::size_t k = 0; k <= b - a; ++k) sum += g[k * (C + 1)];
                if (sum > best || (sum == best && overlap > best_overlap)) {
                    best = sum;
                    best_overlap = overlap;
                    best_offset = o;
                    best_strand = s;
                }
            }
        }
        double log_all_below = 0;  // log P(every allowed alignment of a random target scores below best)
        for (index_t o = -(Wq - 1); o <= Wt - 1; ++o) {
            const auto [a, b] = aligned_block(Wq, Wt, o);
            if (static_cast<index_t>(b - a + 1) >= need) log_all_below += double(strands) * std::log1p(-null.tail(a, b, best));
        }
        motif_match r;
        r.query = query_index;
        r.target = t;
        r.score = double(best) / cs.scale;
        r.offset = best_offset;
        r.strand = best_strand == 0 ? '+' : '-';
        r.overlap = best_overlap;
        const auto [a, b] = aligned_block(Wq, Wt, best_offset);
        const double* raw = cs.raw.data() + a * C + start_[t * strands + best_strand] +
                            static_cast<std::size_t>(static_cast<index_t>(a) + best_offset);
        for (std::size_t k = 0; k <= b - a; ++k) r.similarity += raw[k * (C + 1)];
        r.p_value = std::clamp(-std::expm1(log_all_below), 0.0, 1.0);
        r.e_value = r.p_value * double(targets_.size());
        return r;
    }

    compare_options opts_;
    std::vector<motif> targets_;
    std::vector<motif_row> columns_;  // prepared columns: each target's, then its reverse complement's
    std::vector<std::size_t> start_;  // first column of target t on strand s at [t * strands + s]
    index_t max_width_ = 0;
    std::vector<bool> has_width_;
};

/// Every query against the targets (one database built once): for each query in turn, its matches
/// with every target sorted by p-value; match.query is the query's index.
inline std::vector<motif_match> compare_motifs(const std::vector<motif>& queries, const std::vector<motif>& targets,
                                               const compare_options& o = {}) {
    const motif_database db(targets, o);
    std::vector<motif_match> all;
    all.reserve(queries.size() * targets.size());
    for (std::size_t i = 0; i < queries.size(); ++i) {
        auto m = db.compare(queries[i], i);
        all.insert(all.end(), m.begin(), m.end());
    }
    return all;
}

}  // namespace seqnet
