// tests for seqnet/motif/compare.hpp
#include <catch2/catch.hpp>

#include <seqnet/layers/random.hpp>
#include <seqnet/motif/compare.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

using namespace seqnet;
using Catch::Contains;

namespace {

const double sqrt3 = std::sqrt(3.0);

/// Gamma(alpha, 1) by Marsaglia & Tsang (alpha < 1 through Gamma(alpha + 1) U^(1/alpha)).
double gamma_draw(double alpha, random_engine& rng) {
    if (alpha < 1) {
        double u;
        do u = rng.uniform(); while (u <= 0);
        return gamma_draw(alpha + 1, rng) * std::pow(u, 1 / alpha);
    }
    const double d = alpha - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    for (;;) {
        double x, v;
        do {
            x = rng.normal();
            v = 1 + c * x;
        } while (v <= 0);
        v = v * v * v;
        const double u = rng.uniform();
        if (u > 0 && std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
}

motif_row dirichlet_column(double alpha, random_engine& rng) {
    motif_row r{};
    double sum = 0;
    for (double& v : r) sum += v = gamma_draw(alpha, rng);
    for (double& v : r) v /= sum;
    return r;
}

motif dirichlet_motif(index_t width, double alpha, random_engine& rng, std::string id) {
    motif_matrix rows(static_cast<std::size_t>(width));
    for (auto& r : rows) r = dirichlet_column(alpha, rng);
    return motif::from_probabilities(std::move(id), "", std::move(rows));
}

/// Widths lo..hi, uniformly.
std::vector<motif> dirichlet_motifs(std::size_t n, index_t lo, index_t hi, double alpha, std::uint64_t seed, const std::string& prefix) {
    random_engine rng(seed);
    std::vector<motif> v;
    for (std::size_t i = 0; i < n; ++i) {
        const index_t w = lo + static_cast<index_t>(rng.next() % std::uint64_t(hi - lo + 1));
        v.push_back(dirichlet_motif(w, alpha, rng, prefix + std::to_string(i)));
    }
    return v;
}

/// Probability columns spelled with IUPAC-like letters: A C G T one-hot, W = A/T half and half, N uniform.
motif spelled(const std::string& s, std::string id = "m") {
    motif_matrix rows;
    for (char c : s) {
        switch (c) {
        case 'A': rows.push_back({1, 0, 0, 0}); break;
        case 'C': rows.push_back({0, 1, 0, 0}); break;
        case 'G': rows.push_back({0, 0, 1, 0}); break;
        case 'T': rows.push_back({0, 0, 0, 1}); break;
        case 'W': rows.push_back({0.5, 0, 0, 0.5}); break;
        default: rows.push_back({0.25, 0.25, 0.25, 0.25});
        }
    }
    return motif::from_probabilities(std::move(id), "", std::move(rows));
}

/// A sharp motif from a consensus: 0.85 on the named base, 0.05 on each other.
motif sharp(const std::string& s, std::string id) {
    motif_matrix rows;
    for (char c : s) {
        motif_row r{0.05, 0.05, 0.05, 0.05};
        r[std::string("ACGT").find(c)] = 0.85;
        rows.push_back(r);
    }
    return motif::from_probabilities(std::move(id), "", std::move(rows));
}

const motif_match& match_for(const std::vector<motif_match>& ms, std::size_t target) {
    for (const auto& m : ms)
        if (m.target == target) return m;
    FAIL("no match for target " << target);
    return ms.front();
}

}  // namespace

TEST_CASE("compare: column similarities by hand, and their ranges", "[compare]") {
    const motif_row A{1, 0, 0, 0}, C{0, 1, 0, 0}, T{0, 0, 0, 1}, W{0.5, 0, 0, 0.5}, U{0.25, 0.25, 0.25, 0.25};
    const motif_row AC{0.5, 0.5, 0, 0}, GT{0, 0, 0.5, 0.5};
    // Pearson about 1/4: one-hot A centred is (3, -1, -1, -1)/4, length^2 3/4.
    CHECK(column_score(A, A) == Approx(1.0).margin(1e-15));
    CHECK(column_score(A, C) == Approx(-1.0 / 3).margin(1e-15));  // (-3 - 3 + 1 + 1)/16 / (3/4)
    CHECK(column_score(W, T) == Approx(1 / sqrt3).margin(1e-15)); // (1/4) / sqrt(1/4 * 3/4)
    CHECK(column_score(AC, GT) == Approx(-1.0).margin(1e-15));
    CHECK(column_score(U, A) == 0.0);  // uniform: defined as 0
    CHECK(column_score(U, U) == 0.0);
    CHECK(column_score(A, A, column_similarity::euclidean) == 0.0);
    CHECK(column_score(A, C, column_similarity::euclidean) == Approx(-std::sqrt(2.0)).margin(1e-15));
    CHECK(column_score(W, T, column_similarity::euclidean) == Approx(-std::sqrt(0.5)).margin(1e-15));
    CHECK(column_score(A, A, column_similarity::sandelin) == 2.0);
    CHECK(column_score(A, C, column_similarity::sandelin) == Approx(0.0).margin(1e-15));
    CHECK(column_score(W, T, column_similarity::sandelin) == Approx(1.5).margin(1e-15));

    // Ranges over random columns, sharp and flat (Dirichlet alpha 0.1 to 5), plus one-hot and uniform
    // ones. Pearson is clamped, so exactly within [-1, 1]; the others are within by construction up to
    // rounding of a four-term sum (1e-12 covers it with room to spare).
    random_engine rng(11);
    std::vector<motif_row> cols{A, C, T, W, U, AC, GT};
    for (double alpha : {0.1, 0.5, 1.0, 5.0})
        for (int k = 0; k < 200; ++k) cols.push_back(dirichlet_column(alpha, rng));
    double pmin = 1, pmax = -1, emin = 0, emax = -2, smin = 2, smax = 0, asymmetry = 0;
    for (const auto& p : cols)
        for (const auto& r : cols) {
            const double pc = column_score(p, r, column_similarity::pearson);
            const double ed = column_score(p, r, column_similarity::euclidean);
            const double sw = column_score(p, r, column_similarity::sandelin);
            asymmetry = std::max(asymmetry, std::abs(pc - column_score(r, p)));
            pmin = std::min(pmin, pc), pmax = std::max(pmax, pc);
            emin = std::min(emin, ed), emax = std::max(emax, ed);
            smin = std::min(smin, sw), smax = std::max(smax, sw);
        }
    CHECK(pmin >= -1.0);
    CHECK(pmax <= 1.0);
    CHECK(emin >= -std::sqrt(2.0) - 1e-12);
    CHECK(emax <= 0.0);
    CHECK(smin >= -1e-12);
    CHECK(smax <= 2.0 + 1e-12);
    CHECK(asymmetry <= 1e-15);
    // The ends are reached: the ranges are tight, not just bounds.
    CHECK(pmin == Approx(-1.0).margin(1e-12));
    CHECK(pmax == Approx(1.0).margin(1e-12));
    CHECK(emin == Approx(-std::sqrt(2.0)).margin(1e-12));
    CHECK(smin == Approx(0.0).margin(1e-12));
    CHECK(smax == Approx(2.0).margin(1e-12));
}

TEST_CASE("compare: a case worked by hand (score, offset, strand, overlap, p-value)", "[compare]") {
    // Query CW (C one-hot, then W = A/T half and half), target AGC, whose reverse complement is GCT.
    // Database = {AGC}, so the database columns are A G C (+) and G C T (-). No pseudocount.
    // Pearson (see the previous test): equal one-hots 1, different ones -1/3; W with A or T 1/sqrt3,
    // with C or G -1/sqrt3.
    //   query C vs A G C G C T: -1/3 -1/3 1 -1/3 1 -1/3          median -1/3
    //   query W vs A G C G C T: 1/r3 -1/r3 -1/r3 -1/r3 -1/r3 1/r3  median -1/r3
    // Shifted by the medians, C scores 4/3 against C and 0 otherwise; W scores 2/r3 against A or T and
    // 0 otherwise. Offsets -1..2 on each strand (query column i faces target column i + o):
    //   '+' AGC: o=-1 W-A 2/r3 | o=0 C-A, W-G 0 | o=1 C-G, W-C 0 | o=2 C-C 4/3
    //   '-' GCT: o=-1 W-G 0    | o=0 C-G, W-C 0 | o=1 C-C, W-T 4/3 + 2/r3 | o=2 C-T 0
    // Best: strand '-', offset 1, overlap 2, complete score 4/3 + 2/r3 = 2.488, raw similarity 1 + 1/r3.
    // Null: a random width-3 target draws each column from the six above, so C scores 4/3 with
    // probability 1/3 and W scores 2/r3 with probability 1/3, independently. Reaching 4/3 + 2/r3 needs
    // both columns aligned and both matching: 1/9 for the offsets 0 and 1 (whole query aligned), 0 for
    // the one-column offsets -1 and 2. Over 2 offsets x 2 strands: p = 1 - (8/9)^4.
    compare_options o;
    o.pseudocount = 0;
    const motif_database db({spelled("AGC", "AGC")}, o);
    const auto ms = db.compare(spelled("CW", "CW"), 7);
    REQUIRE(ms.size() == 1);
    const motif_match& m = ms[0];
    CHECK(m.query == 7);
    CHECK(m.target == 0);
    CHECK(m.strand == '-');
    CHECK(m.offset == 1);
    CHECK(m.overlap == 2);
    CHECK(m.similarity == Approx(1 + 1 / sqrt3).epsilon(1e-12));
    // The complete score lies on the 100-step grid spanning the shifted scores, here [0, 4/3]: each of
    // the two aligned columns rounds by at most half a step, (4/3)/200.
    CHECK(m.score == Approx(4.0 / 3 + 2 / sqrt3).margin(2 * (4.0 / 3) / 200));
    const double p = 1 - std::pow(8.0 / 9, 4);  // 2465/6561
    CHECK(m.p_value == Approx(p).epsilon(1e-12));
    CHECK(m.e_value == Approx(p).epsilon(1e-12));  // one target
    CHECK(m.q_value == Approx(p).epsilon(1e-12));  // one p-value: q = p

    // One strand only. The database columns are then A G C; the medians stay -1/3 and -1/r3, and so do
    // the null probabilities. Best on '+': offset 2, C-C alone, 4/3 (beats W-A's 2/r3); the grid is
    // exact there (4/3 is its top). Reaching 4/3: one-column block {C} 1/3, {W} 0 (2/r3 < 4/3), two
    // columns 1/3 (C matches; W adds 0 or more) at offsets 0 and 1: p = 1 - (2/3)^3 = 19/27.
    o.both_strands = false;
    const auto plus = motif_database({spelled("AGC", "AGC")}, o).compare(spelled("CW", "CW"));
    REQUIRE(plus.size() == 1);
    CHECK(plus[0].strand == '+');
    CHECK(plus[0].offset == 2);
    CHECK(plus[0].overlap == 1);
    CHECK(plus[0].score == Approx(4.0 / 3).epsilon(1e-12));
    CHECK(plus[0].similarity == Approx(1.0).epsilon(1e-12));
    CHECK(plus[0].p_value == Approx(19.0 / 27).epsilon(1e-12));
}

TEST_CASE("compare: scores and p-values equal a brute-force enumeration of the null", "[compare]") {
    // Small databases (2-4 targets of widths 1-4, queries of widths 1-3), so that each block's null
    // distribution can be enumerated over every choice of database columns (at most 32^3 sums) instead of
    // the dynamic programme. The grid follows the header's contract: shifted = score - median over the
    // database columns, integer = floor(shifted * bins / (max - min) + 0.5). Every similarity, one and
    // both strands, min_overlap 1-3 and pseudocounts 0-0.4. The p-value formula is the same sum of logs,
    // so the agreement is to rounding (1e-12 relative).
    random_engine rng(3);
    std::size_t checked = 0;
    for (int trial = 0; trial < 30; ++trial) {
        compare_options o;
        o.similarity = static_cast<column_similarity>(trial % 3);
        o.both_strands = trial % 4 != 3;
        o.min_overlap = 1 + trial % 3;
        o.pseudocount = (trial % 5) * 0.1;
        std::vector<motif> db;
        const int n_targets = 2 + static_cast<int>(rng.next() % 3);
        for (int t = 0; t < n_targets; ++t)
            db.push_back(dirichlet_motif(1 + static_cast<index_t>(rng.next() % 4), 1.0, rng, "t" + std::to_string(t)));
        const motif query = dirichlet_motif(1 + static_cast<index_t>(rng.next() % 3), 1.0, rng, "q");
        const auto result = motif_database(db, o).compare(query);

        // The database columns in the header's order: each target, then its reverse complement.
        const motif_matrix qp = ppm(query, o.pseudocount, o.bg);
        const auto Wq = static_cast<index_t>(qp.size());
        const std::size_t strands = o.both_strands ? 2 : 1;
        std::vector<motif_row> cols;
        std::vector<std::size_t> first_col;
        for (const auto& t : db) {
            first_col.push_back(cols.size());
            const motif_matrix p = ppm(t, o.pseudocount, o.bg);
            cols.insert(cols.end(), p.begin(), p.end());
            if (strands == 2) {
                const motif_matrix r = ppm(reverse_complement(t), o.pseudocount, o.bg);
                cols.insert(cols.end(), r.begin(), r.end());
            }
        }
        const std::size_t C = cols.size();
        std::vector<std::vector<double>> shifted(qp.size(), std::vector<double>(C));
        double lo = 1e300, hi = -1e300;
        for (std::size_t i = 0; i < qp.size(); ++i) {
            std::vector<double> v(C);
            for (std::size_t j = 0; j < C; ++j) v[j] = column_score(qp[i], cols[j], o.similarity);
            std::vector<double> sorted = v;
            std::sort(sorted.begin(), sorted.end());
            const double median = (sorted[(C - 1) / 2] + sorted[C / 2]) / 2;
            for (std::size_t j = 0; j < C; ++j) {
                shifted[i][j] = v[j] - median;
                lo = std::min(lo, shifted[i][j]);
                hi = std::max(hi, shifted[i][j]);
            }
        }
        const double scale = hi - lo > 1e-12 ? double(o.bins) / (hi - lo) : 1.0;
        std::vector<std::vector<long>> grid(qp.size(), std::vector<long>(C));
        for (std::size_t i = 0; i < qp.size(); ++i)
            for (std::size_t j = 0; j < C; ++j) grid[i][j] = static_cast<long>(std::floor(shifted[i][j] * scale + 0.5));
        // P(sum over query columns a..b of a uniformly drawn database column's integer >= x), by enumeration.
        const auto tail = [&](index_t a, index_t b, long x) {
            std::size_t hits = 0, total = 0;
            std::vector<std::size_t> pick(static_cast<std::size_t>(b - a + 1), 0);
            for (;;) {
                long sum = 0;
                for (index_t i = a; i <= b; ++i) sum += grid[static_cast<std::size_t>(i)][pick[static_cast<std::size_t>(i - a)]];
                hits += sum >= x;
                ++total;
                std::size_t k = 0;
                while (k < pick.size() && ++pick[k] == C) pick[k++] = 0;
                if (k == pick.size()) break;
            }
            return double(hits) / double(total);
        };
        for (const auto& m : result) {
            const index_t Wt = db[m.target].width();
            const index_t need = std::min({o.min_overlap, Wq, Wt});
            long best = std::numeric_limits<long>::min();
            for (std::size_t s = 0; s < strands; ++s)
                for (index_t off = -(Wq - 1); off < Wt; ++off) {
                    const index_t a = std::max<index_t>(0, -off), b = std::min(Wq - 1, Wt - 1 - off);
                    if (b - a + 1 < need) continue;
                    long sum = 0;
                    for (index_t i = a; i <= b; ++i)
                        sum += grid[static_cast<std::size_t>(i)][first_col[m.target] + s * static_cast<std::size_t>(Wt) + static_cast<std::size_t>(i + off)];
                    best = std::max(best, sum);
                }
            double log_below = 0;
            for (index_t off = -(Wq - 1); off < Wt; ++off) {
                const index_t a = std::max<index_t>(0, -off), b = std::min(Wq - 1, Wt - 1 - off);
                if (b - a + 1 >= need) log_below += double(strands) * std::log1p(-tail(a, b, best));
            }
            CHECK(m.score == Approx(double(best) / scale).epsilon(1e-12).margin(1e-12));
            CHECK(m.p_value == Approx(-std::expm1(log_below)).epsilon(1e-12).margin(1e-300));
            ++checked;
        }
    }
    CHECK(checked >= 60);
}

TEST_CASE("compare: self match at offset 0 on '+', reverse complement on '-', swaps mirror the offset", "[compare]") {
    random_engine rng(5);
    auto targets = dirichlet_motifs(60, 6, 15, 1.0, 21, "random");
    const motif self = dirichlet_motif(10, 0.3, rng, "self");  // sharp, far from palindromic
    const motif b = dirichlet_motif(12, 0.3, rng, "B");
    motif a = b;  // B's columns 3..8, so A sits at offset 3 in B
    a.id = "A";
    a.rows.assign(b.rows.begin() + 3, b.rows.begin() + 9);
    motif b_part = b;  // B's columns 2..7, reverse complemented
    b_part.rows.assign(b.rows.begin() + 2, b.rows.begin() + 8);
    motif a_rc = reverse_complement(b_part);
    a_rc.id = "A_rc";
    const std::size_t i_self = targets.size(), i_rc = i_self + 1, i_b = i_self + 2, i_a = i_self + 3, i_arc = i_self + 4;
    targets.push_back(self);
    motif self_rc = reverse_complement(self);
    self_rc.id = "self_rc";
    targets.push_back(self_rc);
    targets.push_back(b);
    targets.push_back(a);
    targets.push_back(a_rc);
    const motif_database db(targets);

    const auto ms = db.compare(self);
    const auto& to_self = match_for(ms, i_self);
    CHECK(to_self.offset == 0);
    CHECK(to_self.strand == '+');
    CHECK(to_self.overlap == 10);
    CHECK(to_self.similarity == Approx(10.0).epsilon(1e-12));  // Pearson 1 in every column
    const auto& to_rc = match_for(ms, i_rc);
    CHECK(to_rc.offset == 0);
    CHECK(to_rc.strand == '-');
    CHECK(to_rc.overlap == 10);
    CHECK(to_rc.similarity == Approx(10.0).epsilon(1e-12));
    // Both are the best two matches, with the same score and p-value (the same column pairs).
    CHECK(((ms[0].target == i_self && ms[1].target == i_rc) || (ms[0].target == i_rc && ms[1].target == i_self)));
    CHECK(to_self.score == to_rc.score);
    CHECK(to_self.p_value == to_rc.p_value);
    CHECK(to_self.q_value < 0.05);

    // Swapping query and target: on '+' the offset changes sign; on '-' it refers to the other motif's
    // reverse complement, so o' = o + Wq - Wt (derived in compare.hpp's terms: query column i on
    // RC(target) column i + o).
    const auto from_a = db.compare(a), from_b = db.compare(b), from_arc = db.compare(a_rc);
    const auto& a_in_b = match_for(from_a, i_b);
    const auto& b_in_a = match_for(from_b, i_a);
    CHECK(a_in_b.strand == '+');
    CHECK(a_in_b.offset == 3);
    CHECK(b_in_a.strand == '+');
    CHECK(b_in_a.offset == -3);
    CHECK(a_in_b.overlap == 6);
    CHECK(b_in_a.overlap == 6);
    CHECK(a_in_b.similarity == Approx(b_in_a.similarity).epsilon(1e-12));  // the same column pairs

    const auto& arc_in_b = match_for(from_arc, i_b);
    const auto& b_in_arc = match_for(from_b, i_arc);
    CHECK(arc_in_b.strand == '-');
    CHECK(b_in_arc.strand == '-');
    // A_rc column i = complement of B column 7 - i = RC(B) column i + 4 (RC(B) column k = comp B[11 - k]).
    CHECK(arc_in_b.offset == 4);
    CHECK(b_in_arc.offset == arc_in_b.offset + 6 - 12);
    CHECK(arc_in_b.similarity == Approx(b_in_arc.similarity).epsilon(1e-12));
}

TEST_CASE("compare: a motif finds itself among 100 random motifs; its column shuffle does not", "[compare]") {
    // Sharp columns (0.85 on one base) make the point clear: the original matches itself in all ten
    // columns, while the shuffle keeps the base composition but not the order.
    auto targets = dirichlet_motifs(100, 6, 15, 1.0, 99, "random");
    const motif original = sharp("GATCCGTAAC", "original");
    targets.push_back(original);
    const std::size_t i_original = targets.size() - 1;
    const motif_database db(targets);

    const auto own = db.compare(original);
    CHECK(own[0].target == i_original);
    CHECK(own[0].q_value < 0.05);
    CHECK(own[0].p_value < 1e-6);
    CHECK(own[0].e_value == Approx(own[0].p_value * 101).epsilon(1e-12));

    motif shuffled = original;
    shuffled.id = "shuffled";
    random_engine rng(3);
    seqnet::shuffle(std::span<motif_row>(shuffled.rows), rng);
    REQUIRE(consensus(ppm(shuffled)) != consensus(ppm(original)));
    const auto from_shuffled = db.compare(shuffled);
    const auto& m = match_for(from_shuffled, i_original);
    CHECK(m.p_value > 0.05);
    CHECK(m.q_value > 0.05);
}

TEST_CASE("compare: p-values are calibrated on random motifs and monotone in the score", "[compare]") {
    // Random queries against random targets (columns Dirichlet(1), widths 6-15) are the null model
    // itself, up to the independence of a target's alignments that the p-value assumes: about 5% of
    // the pairs should have p < 0.05. 40 x 200 = 8,000 pairs: the binomial standard error is 0.0024,
    // so [0.02, 0.08] tolerates correlation between pairs sharing a query and still catches a p-value
    // off by a factor 1.6.
    const auto queries = dirichlet_motifs(40, 6, 15, 1.0, 1234, "q");
    const auto targets = dirichlet_motifs(200, 6, 15, 1.0, 5678, "t");
    for (auto sim : {column_similarity::pearson, column_similarity::euclidean, column_similarity::sandelin}) {
        compare_options o;
        o.similarity = sim;
        const auto all = compare_motifs(queries, targets, o);
        REQUIRE(all.size() == queries.size() * targets.size());
        std::size_t below_05 = 0, below_01 = 0;
        for (const auto& m : all) {
            below_05 += m.p_value < 0.05;
            below_01 += m.p_value < 0.01;
        }
        const double f05 = double(below_05) / double(all.size()), f01 = double(below_01) / double(all.size());
        INFO("similarity " << int(sim) << ": fraction p < 0.05 " << f05 << ", p < 0.01 " << f01);
        CHECK(f05 >= 0.02);
        CHECK(f05 <= 0.08);
        CHECK(f01 >= 0.003);  // expected 0.01, 80 pairs
        CHECK(f01 <= 0.02);

        // For one query and one target width, p is a non-increasing function of the complete score.
        std::size_t pairs = 0, violations = 0;
        for (std::size_t q = 0; q < queries.size(); ++q) {
            std::map<index_t, std::vector<const motif_match*>> by_width;
            for (const auto& m : all)
                if (m.query == q) by_width[targets[m.target].width()].push_back(&m);
            for (auto& [w, v] : by_width) {
                std::sort(v.begin(), v.end(), [](auto* x, auto* y) { return x->score < y->score; });
                for (std::size_t k = 1; k < v.size(); ++k, ++pairs)
                    violations += v[k]->score == v[k - 1]->score ? v[k]->p_value != v[k - 1]->p_value
                                                                 : v[k]->p_value > v[k - 1]->p_value;
            }
        }
        CHECK(pairs > 7000);
        CHECK(violations == 0);
    }
}

TEST_CASE("compare: output order, E-values and q-values", "[compare]") {
    const auto targets = dirichlet_motifs(60, 6, 15, 0.5, 77, "t");
    random_engine rng(8);
    const motif query = dirichlet_motif(9, 0.5, rng, "q");
    const motif_database db(targets);
    const auto ms = db.compare(query, 3);
    REQUIRE(ms.size() == targets.size());
    std::vector<bool> seen(targets.size(), false);
    for (std::size_t k = 0; k < ms.size(); ++k) {
        CHECK(ms[k].query == 3);
        REQUIRE(ms[k].target < targets.size());
        CHECK_FALSE(seen[ms[k].target]);
        seen[ms[k].target] = true;
        CHECK(ms[k].e_value == Approx(ms[k].p_value * 60).epsilon(1e-12));
        if (k > 0) CHECK(ms[k - 1].p_value <= ms[k].p_value);
    }
    // Fewer than 100 targets: pi0 = 1, so the q-values are Benjamini-Hochberg's,
    // q_(i) = min over j >= i of p_(j) m / j.
    double running = 1;
    for (std::size_t k = ms.size(); k-- > 0;) {
        running = std::min(running, ms[k].p_value * 60 / double(k + 1));
        CHECK(ms[k].q_value == Approx(running).epsilon(1e-12));
    }
    // With 100 or more targets pi0 is estimated: q is non-decreasing in p and never above BH's.
    const motif_database big(dirichlet_motifs(300, 6, 15, 1.0, 78, "t"));
    const auto mb = big.compare(query);
    running = 1;
    for (std::size_t k = mb.size(); k-- > 0;) {
        running = std::min(running, mb[k].p_value * 300 / double(k + 1));
        CHECK(mb[k].q_value <= running * (1 + 1e-12));
        if (k > 0) CHECK(mb[k - 1].q_value <= mb[k].q_value);
    }
}

TEST_CASE("compare: counts and probabilities with the same nsites compare alike", "[compare]") {
    // ppm() reads a PPM with nsites n as counts p * n, so the two spellings give the same PPMs.
    random_engine rng(4);
    std::vector<motif> probs, counts;
    for (int i = 0; i < 30; ++i) {
        motif p = dirichlet_motif(8, 1.0, rng, "m" + std::to_string(i));
        p.nsites = 25;
        motif_matrix c = p.rows;
        for (auto& r : c)
            for (double& v : r) v *= 25;
        probs.push_back(p);
        counts.push_back(motif::from_counts(p.id, "", c));
    }
    const auto a = compare_motifs({probs[0], probs[1]}, probs);
    const auto b = compare_motifs({counts[0], counts[1]}, counts);
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
        CHECK(a[k].target == b[k].target);
        CHECK(a[k].offset == b[k].offset);
        CHECK(a[k].strand == b[k].strand);
        CHECK(a[k].p_value == Approx(b[k].p_value).epsilon(1e-9));
    }
}

TEST_CASE("compare: bad arguments name the motif and the problem", "[compare]") {
    const motif good = spelled("ACGT", "good");
    CHECK_THROWS_AS(motif_database({}), argument_error);
    CHECK_THROWS_WITH(motif_database({}), Contains("no target motifs"));
    compare_options o;
    o.min_overlap = 0;
    CHECK_THROWS_WITH(motif_database({good}, o), Contains("min_overlap must be at least 1"));
    o = {};
    o.pseudocount = -1;
    CHECK_THROWS_WITH(motif_database({good}, o), Contains("pseudocount"));
    o = {};
    o.bins = 0;
    CHECK_THROWS_WITH(motif_database({good}, o), Contains("bins"));

    motif bad = good;
    bad.id = "halved";
    bad.rows[2] = {0.25, 0.25, 0, 0};
    CHECK_THROWS_AS(motif_database({good, bad}), argument_error);
    CHECK_THROWS_WITH(motif_database({good, bad}), Contains("target 1") && Contains("'halved'") && Contains("position 3"));
    const motif_database db({good});
    CHECK_THROWS_WITH(db.compare(bad, 4), Contains("query 4") && Contains("'halved'"));
    const motif empty = motif::from_probabilities("empty", "", {});
    CHECK_THROWS_WITH(db.compare(empty), Contains("'empty' has no positions"));
    CHECK_THROWS_WITH(motif_database({empty}), Contains("'empty' has no positions"));
}
