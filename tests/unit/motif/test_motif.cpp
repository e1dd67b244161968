// tests for seqnet/motif/motif.hpp
#include <catch2/catch.hpp>

#include <seqnet/motif/motif.hpp>

#include <cmath>

using namespace seqnet;

TEST_CASE("probabilities, pseudocounts and information content follow SCIENCE.md section 22", "[motif]") {
    const motif m = motif::from_counts("m", "", {{10, 0, 0, 0}, {5, 5, 5, 5}, {0, 2, 6, 0}});
    CHECK(m.nsites == 20);  // the largest column total
    const auto p = ppm(m);
    CHECK(p[0] == motif_row{1, 0, 0, 0});
    CHECK(p[1] == motif_row{0.25, 0.25, 0.25, 0.25});
    CHECK(p[2][2] == 0.75);
    const auto ic = information_content(p);
    CHECK(ic[0] == 2.0);  // one-hot
    CHECK(ic[1] == 0.0);  // uniform
    CHECK(ic[2] == Approx(2.0 + 0.25 * std::log2(0.25) + 0.75 * std::log2(0.75)));
    // Pseudocount a spread by the background: (C + a q) / (n + a), column by column.
    const auto q = ppm(m, 4.0);
    CHECK(q[0][0] == Approx(11.0 / 14.0));
    CHECK(q[2][1] == Approx(3.0 / 12.0));
    for (const auto& r : q) CHECK(r[0] + r[1] + r[2] + r[3] == Approx(1.0));
    // A PPM counts as p * nsites.
    // (Not {0.5, 0.5, 0, 0}: GCC 12.2's SLP vectoriser with AVX-512 builds that literal as four 0.5s.)
    const motif pm = motif::from_probabilities("p", "", {{0.6, 0.4, 0, 0}}, 10);
    CHECK(ppm(pm, 2.0)[0][0] == Approx((6.0 + 0.5) / 12.0));
    const motif_matrix stored = ppm(pm);
    CHECK(stored[0] == motif_row{0.6, 0.4, 0, 0});  // as stored without a pseudocount
    // Log-odds: 0 for the background, 2 bits for a certain base against uniform.
    const auto w = log_odds(p);
    CHECK(w[0][0] == 2.0);
    CHECK(w[1][3] == 0.0);
    CHECK(std::isinf(w[0][1]));
    // Against a GC-rich background a G is less surprising.
    const background gc = background::from_gc(0.6);
    CHECK(log_odds(p, gc)[2][2] < w[2][2]);
    CHECK(total_information(p) == Approx(ic[0] + ic[1] + ic[2]));
}

TEST_CASE("consensus, reverse complement and trimming", "[motif]") {
    const motif gata = to_motif(pwm_from_consensus("gata", "WGATAR"));
    CHECK(consensus(ppm(gata)) == "WGATAR");
    const motif rc = reverse_complement(gata);
    CHECK(consensus(ppm(rc)) == "YTATCW");
    CHECK(total_information(ppm(rc)) == Approx(total_information(ppm(gata))));
    CHECK(reverse_complement(rc).rows == gata.rows);
    CHECK(consensus({{0.4, 0.4, 0.1, 0.1}, {0.3, 0.3, 0.2, 0.2}, {0.6, 0.2, 0.1, 0.1}}) == "MNA");
    const motif padded = to_motif(pwm_from_consensus("p", "NNGATANN"));
    const auto [t, offset] = trim(padded, 0.5);
    CHECK(offset == 2);
    CHECK(consensus(ppm(t)) == "GATA");
    const motif flat = to_motif(pwm_from_consensus("flat", "NNN"));
    CHECK(trim(flat, 0.5).first.width() == 1);  // keeps one position
}

TEST_CASE("invalid motifs and backgrounds are refused with the motif and position named", "[motif]") {
    CHECK_THROWS_WITH(motif::from_probabilities("bad", "", {{0.5, 0.2, 0.2, 0.2}}).validate(),
                      Catch::Contains("motif 'bad', position 1: probabilities sum to"));
    CHECK_THROWS_WITH(motif::from_counts("neg", "", {{1, -1, 0, 0}}).validate(), Catch::Contains("position 1"));
    CHECK_THROWS_WITH(motif::from_counts("zero", "", {{1, 0, 0, 0}, {0, 0, 0, 0}}).validate(),
                      Catch::Contains("position 2: no counts"));
    CHECK_THROWS_WITH(motif::from_counts("empty", "", {}).validate(), Catch::Contains("no positions"));
    CHECK_THROWS_AS(background::from_gc(1.0), argument_error);
    CHECK_THROWS_WITH((background{{0.5, 0.5, 0.5, 0.5}}.validate("db")), Catch::Contains("sum to"));
}
