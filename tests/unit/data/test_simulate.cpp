// tests for seqnet/data/motif_set.hpp and seqnet/data/simulate.hpp
#include <catch2/catch.hpp>
#include <seqnet/data.hpp>

#include <array>
#include <cmath>
#include <set>
#include <string>
#include <vector>

using namespace seqnet;

namespace {

int argmax(const std::array<double, 4>& row) {
    int best = 0;
    for (int b = 1; b < 4; ++b)
        if (row[static_cast<std::size_t>(b)] > row[static_cast<std::size_t>(best)]) best = b;
    return best;
}

bool is_acgt(char c) { return c == 'A' || c == 'C' || c == 'G' || c == 'T'; }

// Whether base `b` (A, C, G or T) is one the IUPAC code `code` stands for.
bool allowed(char code, char b) {
    return (detail::base_masks[static_cast<unsigned char>(code)] & detail::base_masks[static_cast<unsigned char>(b)]) != 0;
}

std::string message_of(const simulation_options& o) {
    try {
        simulate(o);
    } catch (const argument_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("pwm_from_consensus: rows sum to 1, the sharpness goes to the code's bases", "[simulate]") {
    const pwm m = pwm_from_consensus("test", "ACGTRNb", 0.85);
    CHECK(m.name == "test");
    CHECK(m.consensus == "ACGTRNB");
    REQUIRE(m.length() == 7);
    for (const auto& row : m.probs) CHECK(row[0] + row[1] + row[2] + row[3] == Approx(1.0).margin(1e-12));
    for (int k = 0; k < 4; ++k) {
        CHECK(argmax(m.probs[static_cast<std::size_t>(k)]) == k);
        CHECK(m.probs[static_cast<std::size_t>(k)][static_cast<std::size_t>(k)] == Approx(0.85));
        CHECK(m.probs[static_cast<std::size_t>(k)][static_cast<std::size_t>((k + 1) % 4)] == Approx(0.05));
    }
    // R = A or G shares 0.85; C and T share 0.15.
    CHECK(m.probs[4][0] == Approx(0.425));
    CHECK(m.probs[4][2] == Approx(0.425));
    CHECK(m.probs[4][1] == Approx(0.075));
    CHECK(m.probs[4][3] == Approx(0.075));
    for (int b = 0; b < 4; ++b) CHECK(m.probs[5][static_cast<std::size_t>(b)] == 0.25);  // N
    // B = C, G or T (lowercase accepted) shares 0.85; A gets 0.15.
    CHECK(m.probs[6][0] == Approx(0.15));
    CHECK(m.probs[6][1] == Approx(0.85 / 3));

    const pwm sharp = pwm_from_consensus("sharp", "AW", 1.0);
    CHECK(sharp.probs[0] == std::array<double, 4>{1, 0, 0, 0});
    CHECK(sharp.probs[1] == std::array<double, 4>{0.5, 0, 0, 0.5});
    CHECK(pwm_from_consensus("rna", "u").consensus == "T");
}

TEST_CASE("pwm_from_consensus rejects empty consensus, non-IUPAC letters and bad sharpness", "[simulate]") {
    CHECK_THROWS_WITH(pwm_from_consensus("e", ""), Catch::Contains("empty consensus"));
    CHECK_THROWS_WITH(pwm_from_consensus("x", "ACXT"),
                      Catch::Contains("motif 'x': position 2: 'X' is not a nucleotide or IUPAC code"));
    CHECK_THROWS_WITH(pwm_from_consensus("s", "ACGT", 0.2), Catch::Contains("outside [0.25, 1]"));
    CHECK_THROWS_WITH(pwm_from_consensus("s", "ACGT", 1.5), Catch::Contains("outside [0.25, 1]"));
    CHECK_THROWS_AS(pwm_from_consensus("s", "ACGT", std::nan("")), argument_error);
}

TEST_CASE("builtin motifs: named, well-formed, argmax = consensus at unambiguous positions", "[simulate]") {
    const auto& motifs = builtin_motifs();
    std::set<std::string> names;
    for (const auto& m : motifs) {
        INFO(m.name << " " << m.consensus);
        CHECK(names.insert(m.name).second);
        CHECK(m.length() == static_cast<index_t>(m.consensus.size()));
        CHECK(m.length() >= 6);
        for (std::size_t k = 0; k < m.probs.size(); ++k) {
            const auto& row = m.probs[k];
            CHECK(row[0] + row[1] + row[2] + row[3] == Approx(1.0).margin(1e-12));
            for (double p : row) CHECK(p > 0.0);
            if (is_acgt(m.consensus[k])) {
                CHECK("ACGT"[argmax(row)] == m.consensus[k]);
                CHECK(row[static_cast<std::size_t>(argmax(row))] == Approx(0.85));
            }
            for (int b = 0; b < 4; ++b)  // every base the code allows beats every base it excludes
                for (int c = 0; c < 4; ++c)
                    if (allowed(m.consensus[k], "ACGT"[b]) && !allowed(m.consensus[k], "ACGT"[c]))
                        CHECK(row[static_cast<std::size_t>(b)] > row[static_cast<std::size_t>(c)]);
        }
    }
    for (const char* want : {"ctcf", "gata", "ebox", "ap1", "sp1", "nrf1", "tata"}) CHECK(names.count(want) == 1);
    CHECK(builtin_motif("ebox").consensus == "CACGTG");
    CHECK(builtin_motif("CTCF").name == "ctcf");
    CHECK(builtin_motif("ctcf").length() >= 12);
    CHECK(builtin_motif("ctcf").length() <= 19);
    CHECK_THROWS_WITH(builtin_motif("foxa"),
                      Catch::Contains("unknown motif 'foxa'") && Catch::Contains("ctcf, gata, ebox"));
}

TEST_CASE("simulate: the data set, sequences and ground truth agree", "[simulate]") {
    simulation_options o;
    o.sequences = 300;
    o.length = 120;
    const simulated s = simulate(o);
    REQUIRE(s.data.size() == 300);
    REQUIRE(s.sequences.size() == 300);
    REQUIRE(s.instances.size() == 300);
    CHECK(s.data.length() == 120);
    CHECK(s.data.tasks() == std::vector<std::string>{"ctcf", "gata", "ebox"});
    REQUIRE(s.motifs.size() == 3);
    CHECK(s.motifs[0].consensus == builtin_motif("ctcf").consensus);
    CHECK(s.data.names()[0] == "sim_000000");
    CHECK(s.data.names()[299] == "sim_000299");
    for (std::size_t i = 0; i < 300; ++i) {
        const std::string& seq = s.sequences[i];
        REQUIRE(seq.size() == 120);
        for (char c : seq) REQUIRE(is_acgt(c));
        // The one-hot block encodes exactly this sequence.
        const float* x = s.data.input(static_cast<index_t>(i));
        for (std::size_t l = 0; l < seq.size(); ++l)
            for (int c = 0; c < 4; ++c)
                REQUIRE(x[static_cast<std::size_t>(c) * 120 + l] == (seq[l] == "ACGT"[c] ? 1.0f : 0.0f));
        // Labels: 1 exactly for the motifs planted; instances sorted, in bounds, not overlapping.
        std::array<int, 3> count{};
        index_t end = 0;
        for (const auto& p : s.instances[i]) {
            REQUIRE(p.task >= 0);
            REQUIRE(p.task < 3);
            ++count[static_cast<std::size_t>(p.task)];
            CHECK(p.length == s.motifs[static_cast<std::size_t>(p.task)].length());
            CHECK(p.start >= end);
            end = p.start + p.length;
            CHECK(end <= 120);
        }
        for (std::size_t t = 0; t < 3; ++t) {
            CHECK(s.data.labels(static_cast<index_t>(i))[t] == (count[t] > 0 ? 1.0f : 0.0f));
            CHECK(count[t] <= o.max_instances);
        }
    }
}

TEST_CASE("simulate: every planted site is at its recorded position and strand", "[simulate]") {
    simulation_options o;
    o.sequences = 500;
    o.length = 100;
    o.motifs = {"ctcf", "gata", "ebox", "ap1", "tata"};
    o.motif_probability = 0.6;
    o.seed = 11;
    for (const double sharpness : {1.0, 0.85}) {
        o.sharpness = sharpness;
        const simulated s = simulate(o);
        index_t sites = 0, minus = 0, unambiguous = 0, consensus_matches = 0;
        for (std::size_t i = 0; i < s.sequences.size(); ++i) {
            for (const auto& p : s.instances[i]) {
                const pwm& m = s.motifs[static_cast<std::size_t>(p.task)];
                const std::string there = s.sequences[i].substr(static_cast<std::size_t>(p.start),
                                                                static_cast<std::size_t>(p.length));
                REQUIRE(p.site.size() == m.consensus.size());
                REQUIRE((p.strand == '+' || p.strand == '-'));
                CHECK(there == (p.strand == '+' ? p.site : reverse_complement(p.site)));
                for (std::size_t k = 0; k < p.site.size(); ++k) {
                    if (sharpness == 1.0) REQUIRE(allowed(m.consensus[k], p.site[k]));
                    if (is_acgt(m.consensus[k])) {
                        ++unambiguous;
                        consensus_matches += p.site[k] == m.consensus[k];
                    }
                }
                ++sites;
                minus += p.strand == '-';
            }
        }
        INFO("sharpness " << sharpness << ", " << sites << " sites");
        REQUIRE(sites > 500);
        CHECK(double(minus) / double(sites) == Approx(0.5).margin(0.05));
        // Each unambiguous position shows the consensus base with probability `sharpness`.
        CHECK(double(consensus_matches) / double(unambiguous) == Approx(sharpness).margin(0.01));
    }
}

TEST_CASE("simulate: background GC content and label frequencies", "[simulate]") {
    SECTION("GC content of the background, motifs off") {
        for (const double gc : {0.42, 0.6}) {
            simulation_options o;
            o.sequences = 2000;
            o.gc = gc;
            o.motif_probability = 0.0;
            const simulated s = simulate(o);
            std::array<double, 4> counts{};
            for (const auto& seq : s.sequences)
                for (char c : seq) counts[static_cast<std::size_t>(c == 'A' ? 0 : c == 'C' ? 1 : c == 'G' ? 2 : 3)] += 1;
            const double total = counts[0] + counts[1] + counts[2] + counts[3];
            INFO("gc " << gc);
            CHECK(total == 2000.0 * 200.0);
            // 400,000 bases: one standard deviation of the GC fraction is under 0.001.
            CHECK((counts[1] + counts[2]) / total == Approx(gc).margin(0.005));
            CHECK(counts[1] / total == Approx(gc / 2).margin(0.005));
            CHECK(counts[0] / total == Approx((1 - gc) / 2).margin(0.005));
            for (const auto& inst : s.instances) CHECK(inst.empty());
            for (float y : s.data.labels()) CHECK(y == 0.0f);
        }
    }
    SECTION("each label is 1 with motif_probability, independently of the others") {
        simulation_options o;
        o.sequences = 5000;
        o.motif_probability = 0.3;
        o.max_instances = 3;
        o.length = 150;
        const simulated s = simulate(o);
        std::array<double, 3> ones{};
        double both = 0, instances = 0;
        for (index_t i = 0; i < s.data.size(); ++i) {
            const auto y = s.data.labels(i);
            for (std::size_t t = 0; t < 3; ++t) ones[t] += y[t];
            both += y[0] * y[1];
            for (const auto& p : s.instances[static_cast<std::size_t>(i)]) instances += p.task == 0;
        }
        // sd of a frequency over 5000 draws at p = 0.3 is 0.0065.
        for (std::size_t t = 0; t < 3; ++t) CHECK(ones[t] / 5000.0 == Approx(0.3).margin(0.03));
        CHECK(both / 5000.0 == Approx(0.09).margin(0.02));
        // A carried motif appears 1..3 times, uniformly: 2 on average.
        CHECK(instances / ones[0] == Approx(2.0).margin(0.1));
    }
}

TEST_CASE("simulate: placement is uniform and tight packings always fit", "[simulate]") {
    SECTION("a single site starts anywhere it fits, equally often") {
        simulation_options o;
        o.sequences = 6000;
        o.length = 20;
        o.motifs = {"ebox"};
        o.motif_probability = 1.0;
        o.max_instances = 1;
        const simulated s = simulate(o);
        std::vector<double> starts(15, 0.0);
        for (const auto& inst : s.instances) {
            REQUIRE(inst.size() == 1);
            REQUIRE(inst[0].start >= 0);
            REQUIRE(inst[0].start <= 14);
            starts[static_cast<std::size_t>(inst[0].start)] += 1;
        }
        for (double c : starts) CHECK(c / 6000.0 == Approx(1.0 / 15).margin(0.02));  // 400 expected, sd 19
    }
    SECTION("motifs that exactly fill the sequence") {
        simulation_options o;
        o.sequences = 200;
        o.length = 6 + 6 + 7;
        o.motifs = {"gata", "ebox", "ap1"};
        o.motif_probability = 1.0;
        o.max_instances = 1;
        const simulated s = simulate(o);
        std::set<std::vector<index_t>> orders;
        for (const auto& inst : s.instances) {
            REQUIRE(inst.size() == 3);
            CHECK(inst[0].start == 0);
            CHECK(inst[2].start + inst[2].length == 19);
            orders.insert({inst[0].task, inst[1].task, inst[2].task});
        }
        CHECK(orders.size() == 6);  // every order of the three motifs occurs
    }
}

TEST_CASE("simulate is deterministic for a seed, and prefix-stable", "[simulate]") {
    simulation_options o;
    o.sequences = 200;
    const simulated a = simulate(o), b = simulate(o);
    CHECK(a.sequences == b.sequences);
    CHECK(std::vector<float>(a.data.labels().begin(), a.data.labels().end()) ==
          std::vector<float>(b.data.labels().begin(), b.data.labels().end()));
    for (std::size_t i = 0; i < a.instances.size(); ++i) {
        REQUIRE(a.instances[i].size() == b.instances[i].size());
        for (std::size_t j = 0; j < a.instances[i].size(); ++j) {
            CHECK(a.instances[i][j].start == b.instances[i][j].start);
            CHECK(a.instances[i][j].strand == b.instances[i][j].strand);
            CHECK(a.instances[i][j].site == b.instances[i][j].site);
        }
    }
    // The first sequences do not depend on how many are drawn.
    o.sequences = 50;
    const simulated prefix = simulate(o);
    CHECK(std::equal(prefix.sequences.begin(), prefix.sequences.end(), a.sequences.begin()));
    // Another seed, other sequences.
    o.sequences = 200;
    o.seed = 2;
    const simulated c = simulate(o);
    std::size_t same = 0;
    for (std::size_t i = 0; i < 200; ++i) same += a.sequences[i] == c.sequences[i];
    CHECK(same == 0);
    // Pinned output: a change to the generator shows up here (and would change every user's data).
    o.seed = 1;
    o.sequences = 1;
    o.length = 30;
    o.motifs = {"ebox"};
    o.motif_probability = 1.0;
    o.max_instances = 1;
    o.sharpness = 1.0;
    const simulated pinned = simulate(o);
    CHECK(pinned.sequences[0] == "CAAGTTACCACGTGTCGGTCCTCGCTAGTA");
    REQUIRE(pinned.instances[0].size() == 1);
    CHECK(pinned.instances[0][0].start == 8);
    CHECK(pinned.instances[0][0].strand == '-');
    o = simulation_options{};
    o.sequences = 1;
    const simulated first = simulate(o);  // sim_000000 of `seqnet simulate` with the defaults
    REQUIRE(first.instances[0].size() == 2);
    CHECK(first.data.labels(0)[2] == 1.0f);
    CHECK(first.instances[0][0].start == 76);
    CHECK(first.instances[0][0].strand == '+');
    CHECK(first.instances[0][0].site == "CACGAG");
    CHECK(first.instances[0][1].start == 149);
    CHECK(first.instances[0][1].strand == '-');
    CHECK(first.instances[0][1].site == "CACGTG");
}

TEST_CASE("simulate: custom motifs as NAME=CONSENSUS", "[simulate]") {
    simulation_options o;
    o.sequences = 50;
    o.motifs = {"cre=TGACGTCA", "Gata"};
    o.motif_probability = 1.0;
    o.sharpness = 1.0;
    const simulated s = simulate(o);
    CHECK(s.data.tasks() == std::vector<std::string>{"cre", "gata"});
    for (std::size_t i = 0; i < 50; ++i)
        for (const auto& p : s.instances[i])
            if (p.task == 0) CHECK(p.site == "TGACGTCA");
}

TEST_CASE("simulate: errors name the problem", "[simulate]") {
    simulation_options o;
    o.sequences = 10;
    o.motifs = {"ctcf", "nanog"};
    CHECK_THAT(message_of(o), Catch::Contains("unknown motif 'nanog'") &&
                                  Catch::Contains("ctcf, gata, ebox, ap1, sp1, nrf1, tata"));
    o.motifs = {"ctcf", "ebox", "CTCF"};
    CHECK_THAT(message_of(o), Catch::Contains("motif 'ctcf' is listed twice"));
    o.motifs = {"ctcf"};
    o.length = 10;
    CHECK_THAT(message_of(o), Catch::Contains("motif 'ctcf' (14 bp) is longer than the sequences (10 bp)"));
    o.motifs = {"ctcf", "gata"};
    o.length = 30;
    CHECK_THAT(message_of(o), Catch::Contains("cannot all fit") &&
                                  Catch::Contains("2 x 14 bp (ctcf) + 2 x 6 bp (gata) = 40 bp > length 30"));
    o.max_instances = 1;
    CHECK(message_of(o) == "(no error)");
    o.motifs = {"=ACGT"};
    CHECK_THAT(message_of(o), Catch::Contains("no name before '='"));
    o.motifs = {"my motif=ACGT"};
    CHECK_THAT(message_of(o), Catch::Contains("may hold only letters"));
    o.motifs = {"m=ACGZ"};
    CHECK_THAT(message_of(o), Catch::Contains("'Z' is not a nucleotide"));
    o.motifs = {"ebox"};
    o.gc = 1.5;
    CHECK_THAT(message_of(o), Catch::Contains("gc must be in [0, 1]"));
    o.gc = 0.4;
    o.motif_probability = -0.1;
    CHECK_THAT(message_of(o), Catch::Contains("motif_probability must be in [0, 1]"));
    o.motif_probability = 0.5;
    o.max_instances = 0;
    CHECK_THAT(message_of(o), Catch::Contains("max_instances must be at least 1"));
    o.max_instances = 1;
    o.length = 0;
    CHECK_THAT(message_of(o), Catch::Contains("length must be at least 1"));
    o.length = 10;
    o.sequences = -1;
    CHECK_THAT(message_of(o), Catch::Contains("sequences must be at least 0"));
    o.sequences = 0;
    CHECK(simulate(o).data.empty());
}

TEST_CASE("simulate: the default options (20000 x 200 bp, three motifs)", "[simulate]") {
    const simulated s = simulate(simulation_options{});
    CHECK(s.data.size() == 20000);
    CHECK(s.data.names().back() == "sim_019999");
    CHECK(s.data.task_count() == 3);
}
