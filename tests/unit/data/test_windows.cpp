// tests for seqnet/data/windows.hpp
#include <catch2/catch.hpp>
#include <seqnet/data/windows.hpp>
#include <seqnet/io/bed.hpp>
#include <seqnet/io/fai.hpp>

#include "temp_files.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

using namespace seqnet;
using Catch::Contains;
using negatives_from = window_options::negatives_from;

namespace {

// A genome in memory with the interface make_windows needs.
struct mem_genome {
    std::map<std::string, std::string, std::less<>> chroms;
    std::string fetch(std::string_view c, index_t s, index_t e) const {
        return chroms.find(c)->second.substr(static_cast<std::size_t>(s), static_cast<std::size_t>(e - s));
    }
    index_t length(std::string_view c) const { return static_cast<index_t>(chroms.find(c)->second.size()); }
    bool contains(std::string_view c) const { return chroms.count(c) != 0; }
};
static_assert(genome_source<mem_genome>);
static_assert(genome_source<io::indexed_fasta>);
static_assert(genomic_interval<io::bed_interval>);

std::string random_dna(random_engine& rng, std::size_t n) {
    std::string s(n, 'A');
    for (auto& c : s) c = "ACGTacgt"[rng.next() % 8];
    return s;
}

io::bed_interval iv(std::string chrom, index_t start, index_t end, index_t summit = -1, index_t line = 1) {
    io::bed_interval b;
    b.chrom = std::move(chrom);
    b.start = start;
    b.end = end;
    b.summit = summit;
    b.line = line;
    return b;
}

mem_genome make_genome() {
    random_engine rng(4);
    mem_genome g;
    g.chroms["chr1"] = random_dna(rng, 10000);
    g.chroms["chr2"] = random_dna(rng, 3000);
    for (std::size_t i = 1000; i < 1100; ++i) g.chroms["chr2"][i] = 'N';
    return g;
}

std::map<std::string, int> dinucleotides(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::map<std::string, int> m;
    for (std::size_t i = 0; i + 1 < s.size(); ++i) ++m[s.substr(i, 2)];
    return m;
}

}  // namespace

TEST_CASE("windows: centred on the summit, else the midpoint; named in 0-based half-open coordinates", "[windows]") {
    const mem_genome g = make_genome();
    window_options o;
    o.length = 100;
    o.negatives = negatives_from::none;
    const auto w = make_windows(g, {"a"}, std::vector<std::vector<io::bed_interval>>{{iv("chr1", 1000, 1200), iv("chr1", 1000, 1200, 30)}}, o);
    REQUIRE(w.size() == 2);
    CHECK(w.names == std::vector<std::string>{"chr1:1050-1150", "chr1:980-1080"});
    CHECK(w.sequences[0] == g.chroms.at("chr1").substr(1050, 100));
    CHECK(w.sequences[1] == g.chroms.at("chr1").substr(980, 100));
    CHECK(w.chromosomes == std::vector<std::string>{"chr1", "chr1"});
    CHECK(w.starts == std::vector<index_t>{1050, 980});
    CHECK(w.labels == std::vector<float>{1, 1});
    CHECK(w.summary.intervals == 2);
    CHECK(w.summary.positives == 2);

    o.length = 101;  // odd: the centre base has 50 bases on its left, 50 on its right
    const auto odd = make_windows(g, {"a"}, std::vector<std::vector<io::bed_interval>>{{iv("chr1", 1000, 1200)}}, o);
    CHECK(odd.names == std::vector<std::string>{"chr1:1050-1151"});
}

TEST_CASE("windows: past chromosome ends and N-rich windows are skipped and counted", "[windows]") {
    const mem_genome g = make_genome();
    window_options o;
    o.length = 100;
    o.negatives = negatives_from::none;
    const std::vector<std::vector<io::bed_interval>> in{
        {iv("chr1", 0, 20), iv("chr1", 9960, 10000), iv("chr2", 1000, 1100), iv("chr2", 950, 960), iv("chr1", 49, 51)}};
    const auto w = make_windows(g, {"a"}, in, o);
    CHECK(w.names == std::vector<std::string>{"chr2:905-1005", "chr1:0-100"});  // 5% N is within the default 10%
    CHECK(w.summary.past_chromosome_end == 2);
    CHECK(w.summary.too_many_n == 1);
    o.max_n_fraction = 0.0;
    const auto strict = make_windows(g, {"a"}, in, o);
    CHECK(strict.names == std::vector<std::string>{"chr1:0-100"});
    CHECK(strict.summary.too_many_n == 2);
    o.max_n_fraction = 1.0;
    CHECK(make_windows(g, {"a"}, in, o).size() == 3);
}

TEST_CASE("windows: one task per interval list; labels by centre overlap; shared windows merged", "[windows]") {
    const mem_genome g = make_genome();
    window_options o;
    o.length = 100;
    o.negatives = negatives_from::none;
    const std::vector<std::vector<io::bed_interval>> in{
        {iv("chr1", 1000, 1200), iv("chr1", 7000, 7100)},                            // task a
        {iv("chr1", 1050, 1500), iv("chr1", 5000, 5100), iv("chr1", 7000, 7100)}};  // task b
    const auto w = make_windows(g, {"a", "b"}, in, o);
    REQUIRE(w.names == std::vector<std::string>{"chr1:1050-1150", "chr1:7000-7100", "chr1:1225-1325", "chr1:5000-5100"});
    CHECK(w.tasks == std::vector<std::string>{"a", "b"});
    CHECK(w.labels == std::vector<float>{1, 1,    // centre 1100 is inside b's 1050-1500 too
                                         1, 1,    // the same interval in both files: one window
                                         0, 1,    // centre 1275 is outside a's 1000-1200
                                         0, 1});
    CHECK(w.summary.duplicates == 1);
    CHECK(w.summary.positives == 4);
    o.overlap_labels = false;
    const auto own = make_windows(g, {"a", "b"}, in, o);
    CHECK(own.labels == std::vector<float>{1, 0, 1, 1, 0, 1, 0, 1});

    const dataset d = make_dataset(w);
    CHECK(d.size() == 4);
    CHECK(d.length() == 100);
    CHECK(d.names() == w.names);
    CHECK(d.labels(2)[0] == 0.0f);
    CHECK(d.labels(2)[1] == 1.0f);
}

TEST_CASE("windows: flank negatives keep off peaks and chromosome ends", "[windows]") {
    const mem_genome g = make_genome();
    window_options o;
    o.length = 100;
    o.flank_offset = 1000;
    const std::vector<std::vector<io::bed_interval>> in{
        {iv("chr1", 1050, 1150), iv("chr1", 500, 560), iv("chr1", 3000, 3100)}};
    const auto w = make_windows(g, {"a"}, in, o);
    // Positive 1050-1150: flanks 50-150 and 2050-2150. Positive 480-580: flank -520 is past the start,
    // 1480-1580 is free. Positive 3000-3100: flanks 2000-2100 (overlaps no interval: kept) and 4000-4100.
    CHECK(w.names == std::vector<std::string>{"chr1:1050-1150", "chr1:480-580", "chr1:3000-3100", "chr1:50-150",
                                              "chr1:2050-2150", "chr1:1480-1580", "chr1:2000-2100", "chr1:4000-4100"});
    CHECK(w.labels == std::vector<float>{1, 1, 1, 0, 0, 0, 0, 0});
    CHECK(w.summary.negatives == 5);
    CHECK(w.summary.negatives_past_chromosome_end == 1);
    CHECK(w.sequences[3] == g.chroms.at("chr1").substr(50, 100));

    // A flank that would overlap another peak is dropped.
    const std::vector<std::vector<io::bed_interval>> near{{iv("chr1", 5050, 5150)}, {iv("chr1", 6090, 6095)}};
    const auto v = make_windows(g, {"a", "b"}, near, o);
    CHECK(v.summary.negatives_overlapping == 2);  // 6050-6150 holds b's peak; b's own flank 5042-5142 holds a's
    CHECK(std::find(v.names.begin(), v.names.end(), "chr1:6050-6150") == v.names.end());
}

TEST_CASE("windows: shuffled negatives keep their source's dinucleotides, seeded", "[windows]") {
    const mem_genome g = make_genome();
    window_options o;
    o.length = 200;
    o.negatives = negatives_from::shuffled;
    const std::vector<std::vector<io::bed_interval>> in{{iv("chr1", 1000, 1200), iv("chr2", 2000, 2400)}};
    const auto w = make_windows(g, {"a"}, in, o);
    REQUIRE(w.size() == 4);
    CHECK(w.names[2] == w.names[0] + "/shuffled");
    CHECK(w.names[3] == w.names[1] + "/shuffled");
    CHECK(w.chromosomes[3] == "chr2");
    CHECK(w.labels == std::vector<float>{1, 1, 0, 0});
    CHECK(dinucleotides(w.sequences[2]) == dinucleotides(w.sequences[0]));
    CHECK(w.sequences[2] != w.sequences[0]);
    CHECK(w.summary.negatives == 2);
    CHECK(make_windows(g, {"a"}, in, o).sequences == w.sequences);
    o.seed = 2;
    CHECK(make_windows(g, {"a"}, in, o).sequences[2] != w.sequences[2]);
}

TEST_CASE("windows: unknown chromosomes and bad arguments", "[windows]") {
    const mem_genome g = make_genome();
    window_options o;
    o.length = 100;
    const std::vector<std::vector<io::bed_interval>> in{{iv("chr1", 1000, 1200)}, {iv("chrUn", 10, 300, -1, 7)}};
    CHECK_THROWS_AS(make_windows(g, {"a", "b"}, in, o), argument_error);
    CHECK_THROWS_WITH(make_windows(g, {"a", "b"}, in, o),
                      Contains("task 'b', interval at line 7 (chrUn:10-300): the genome has no chromosome 'chrUn'"));
    o.skip_unknown_chromosomes = true;
    const auto w = make_windows(g, {"a", "b"}, in, o);
    CHECK(w.summary.unknown_chromosome == 1);
    CHECK(w.summary.positives == 1);
    CHECK_THROWS_WITH(make_windows(g, {"a"}, in, o), Contains("1 task names for 2 interval lists"));
    o.flank_offset = 50;
    CHECK_THROWS_WITH(make_windows(g, {"a", "b"}, in, o), Contains("flank_offset 50 is less than the window length 100"));
}

TEST_CASE("windows: from a narrowPeak file and an indexed FASTA to a dataset", "[windows]") {
    test::temp_dir dir("seqnet_windows");
    random_engine rng(8);
    const std::string chr1 = random_dna(rng, 5000), chr2 = random_dna(rng, 4000);
    std::string fa;
    for (const auto& [name, seq] : {std::pair{"chr1", chr1}, std::pair{"chr2", chr2}}) {
        fa += std::string(">") + name + "\n";
        for (std::size_t i = 0; i < seq.size(); i += 60) fa += seq.substr(i, 60) + "\n";
    }
    test::write_file(dir.file("g.fa"), fa);
    test::write_file(dir.file("a.narrowPeak"), "chr1\t1000\t1400\tp1\t500\t.\t5.1\t-1\t3.0\t120\n"
                                               "chr2\t2000\t2300\tp2\t500\t.\t5.1\t-1\t3.0\t-1\n");
    const io::indexed_fasta genome(dir.file("g.fa"));
    window_options o;
    o.length = 300;
    o.flank_offset = 900;
    const auto w = make_windows(genome, {"ctcf"},
                                std::vector<std::vector<io::bed_interval>>{io::read_bed(dir.file("a.narrowPeak"))}, o);
    REQUIRE(w.summary.positives == 2);
    CHECK(w.names[0] == "chr1:970-1270");  // summit 1000 + 120
    CHECK(w.sequences[0] == chr1.substr(970, 300));
    CHECK(w.names[1] == "chr2:2000-2300");
    CHECK(w.sequences[1] == chr2.substr(2000, 300));
    CHECK(w.summary.negatives == 4);
    const dataset d = make_dataset(w, ambiguity_policy::zeros);
    CHECK(d.size() == 6);
    CHECK(d.task_count() == 1);
    CHECK(d.labels(0)[0] == 1.0f);
    CHECK(d.labels(5)[0] == 0.0f);
}
