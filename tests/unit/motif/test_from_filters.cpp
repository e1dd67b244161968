// tests for seqnet/motif/from_filters.hpp
#include <catch2/catch.hpp>

#include <seqnet/motif/from_filters.hpp>
#include <seqnet/seqnet.hpp>

#include <string>
#include <vector>

using namespace seqnet;

namespace {

std::vector<std::string> random_dna(std::size_t n, std::size_t len, std::uint64_t seed) {
    random_engine rng(seed);
    std::vector<std::string> s(n, std::string(len, 'A'));
    for (auto& q : s)
        for (auto& c : q) c = "ACGT"[rng.next() % 4];
    return s;
}

std::string reverse_complement_of(const std::string& s) {
    std::string r(s.rbegin(), s.rend());
    for (auto& c : r) c = c == 'A' ? 'T' : c == 'C' ? 'G' : c == 'G' ? 'C' : 'A';
    return r;
}

/// Occurrences of `kmer` read with the given dilation, starting where the whole spread window fits.
index_t count_spread(const std::vector<std::string>& seqs, const std::string& kmer, index_t dilation) {
    index_t n = 0;
    const index_t span = (static_cast<index_t>(kmer.size()) - 1) * dilation + 1;
    for (const auto& s : seqs)
        for (index_t i = 0; i + span <= static_cast<index_t>(s.size()); ++i) {
            bool hit = true;
            for (std::size_t k = 0; k < kmer.size() && hit; ++k) hit = s[i + k * dilation] == kmer[k];
            n += hit;
        }
    return n;
}

/// Sets filter f of a convolution to the one-hot of `kmer` with bias 0.5 - K: it reads 0.5 on an
/// exact match and at most -0.5 elsewhere, so after a ReLU only the matches are active.
template <class Layer>
void set_kmer_filter(Layer& conv, index_t f, const std::string& kmer) {
    auto w = conv.weight();
    const index_t C = 4, K = static_cast<index_t>(kmer.size());
    for (index_t c = 0; c < C; ++c)
        for (index_t k = 0; k < K; ++k)
            w[(f * C + c) * K + k] = std::string("ACGT")[static_cast<std::size_t>(c)] == kmer[static_cast<std::size_t>(k)] ? 1.0f : 0.0f;
    conv.bias()[f] = 0.5f - float(K);
}

template <class Model>
auto& first_layer(Model& m) {
    return m.template layer<0>();
}

}  // namespace

TEST_CASE("a filter set to a k-mer gives that k-mer's motif, one site per occurrence, whatever the padding and dilation",
          "[motif][filters]") {
    context<cpu> ctx(2);
    auto seqs = random_dna(60, 80, 3);
    for (std::size_t i = 0; i < seqs.size(); i += 2) seqs[i].replace(10 + i % 50, 5, "ACGTT");  // planted
    const auto x = one_hot(seqs);

    auto check = [&](auto& model, index_t dilation, index_t expected_dropped_at_most) {
        auto& conv = first_layer(model);
        for (index_t f = 0; f < 2; ++f) set_kmer_filter(conv, f, f == 0 ? "ACGTT" : "GGGAC");
        const auto motifs = motifs_from_filters(model, ctx, x);
        REQUIRE(motifs.size() == 2);
        for (index_t f = 0; f < 2; ++f) {
            const std::string kmer = f == 0 ? "ACGTT" : "GGGAC";
            const auto& m = motifs[static_cast<std::size_t>(f)];
            INFO("filter " << f << " dilation " << dilation);
            CHECK(m.pfm.id == "filter_" + std::to_string(f));
            CHECK(m.pfm.counts);
            CHECK(m.max_activation == Approx(0.5));
            CHECK(m.sites == count_spread(seqs, kmer, dilation));
            CHECK(m.dropped <= expected_dropped_at_most);
            if (m.sites == 0) continue;
            CHECK(consensus(ppm(m.pfm)) == kmer);
            for (index_t k = 0; k < 5; ++k)  // every kept window is the k-mer itself
                for (int b = 0; b < 4; ++b)
                    CHECK(m.pfm.rows[k][b] == (std::string("ACGT")[b] == kmer[k] ? double(m.sites) : 0.0));
        }
        if (dilation == 1) CHECK(motifs[0].sites >= 30);  // the planted ones at least
    };
    basic_sequential<float, cpu, input<80>, conv1d<2, 5>, relu, maxpool<2>, flatten, dense<1>> valid_model;
    check(valid_model, 1, 0);
    // 'same' padding: output j reads from j - 2, and windows running past the ends are dropped
    basic_sequential<float, cpu, input<80>, conv1d<2, 5, same>, relu, maxpool<2>, flatten, dense<1>> same_model;
    check(same_model, 1, 0);  // the filter cannot match where padding (zeros) is read
    // dilation 2 with batch norm between: the activation is read after the ReLU
    basic_sequential<float, cpu, input<80>, conv1d<2, 5, valid, 1, 2>, batchnorm, relu, maxpool<2>, flatten, dense<1>> dilated;
    check(dilated, 2, 0);
    CHECK(filter_geometry_of(dilated).activation == 3);
    CHECK(filter_geometry_of(valid_model).activation == 2);
}

TEST_CASE("an RC layer's motifs read in the forward filter's orientation, on whichever strand the site is",
          "[motif][filters]") {
    context<cpu> ctx(1);
    auto seqs = random_dna(40, 60, 5);
    for (std::size_t i = 0; i < seqs.size(); ++i)  // the site on either strand
        seqs[i].replace(20, 6, i % 2 ? "GATTAC" : reverse_complement_of("GATTAC"));
    const auto x = one_hot(seqs);
    basic_sequential<float, cpu, input<60>, rc_conv1d<1, 6, strands::max>, relu, maxpool<2>, flatten, dense<1>> m;
    auto& rc = first_layer(m);
    set_kmer_filter(rc, 0, "GATTAC");
    const auto motifs = motifs_from_filters(m, ctx, x);
    REQUIRE(motifs.size() == 1);
    CHECK(motifs[0].sites == count_spread(seqs, "GATTAC", 1) + count_spread(seqs, reverse_complement_of("GATTAC"), 1));
    CHECK(motifs[0].sites >= 40);
    CHECK(consensus(ppm(motifs[0].pfm)) == "GATTAC");
}

TEST_CASE("thresholds: a fraction of the maximum, or the top fraction of activations", "[motif][filters]") {
    context<cpu> ctx(2);
    const auto x = one_hot(random_dna(50, 100, 8));
    basic_sequential<float, cpu, input<100>, conv1d<6, 7>, relu, maxpool<2>, flatten, dense<1>> m;
    m.initialize(4);
    const auto half = motifs_from_filters(m, ctx, x, {.threshold = 0.5});
    const auto lower = motifs_from_filters(m, ctx, x, {.threshold = 0.2});
    const auto top = motifs_from_filters(m, ctx, x, {.top_fraction = 0.1});
    const double total = 50.0 * 94.0;
    for (std::size_t f = 0; f < 6; ++f) {
        CHECK(half[f].sites <= lower[f].sites);  // a lower cut keeps more
        CHECK(half[f].cut == Approx(0.5 * half[f].max_activation));
        // at least the top tenth, and not much more (one histogram bin's worth; ties at zero aside)
        if (top[f].cut > 0) {
            CHECK(double(top[f].sites) >= 0.1 * total);
            CHECK(double(top[f].sites) <= 0.1 * total + 0.05 * total);
        }
        for (const auto& r : half[f].pfm.rows) CHECK(r[0] + r[1] + r[2] + r[3] == Approx(double(half[f].sites)));
    }
    CHECK_THROWS_WITH(motifs_from_filters(m, ctx, x, {.threshold = 1.5}), Catch::Contains("[0, 1]"));
    basic_sequential<float, cpu, input<100>, flatten, dense<2>> no_conv;
    CHECK_THROWS_WITH(motifs_from_filters(no_conv, ctx, x), Catch::Contains("not a convolution"));
}

TEST_CASE("an N in a window adds a quarter to each base", "[motif][filters]") {
    context<cpu> ctx(1);
    std::vector<std::string> seqs{"TTTTACGTTTTTT", "TTTTACNTTTTTT"};
    auto x = one_hot(seqs);
    basic_sequential<float, cpu, input<13>, conv1d<1, 3>, relu, flatten, dense<1>> m;
    auto& conv = first_layer(m);
    set_kmer_filter(conv, 0, "ACG");
    conv.bias()[0] = -1.5f;  // AC plus anything: 2 - 1.5 = 0.5 with G, 0.5 with N (zeros) too
    const auto motifs = motifs_from_filters(m, ctx, x, {.threshold = 0.2});  // ACG scores 1.5, ACN 0.5
    REQUIRE(motifs[0].sites == 2);
    CHECK(motifs[0].pfm.rows[2][2] == 1.25);  // G from the first, a quarter from the N
    CHECK(motifs[0].pfm.rows[2][0] == 0.25);
}
