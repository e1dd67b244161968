// tests for seqnet/io/hts_fasta.hpp (built only where htslib is found: target seqnet::hts)
#if defined(SEQNET_HAVE_HTSLIB)
#include <catch2/catch.hpp>
#include <seqnet/io/fai.hpp>
#include <seqnet/io/hts_fasta.hpp>
#include <seqnet/layers/random.hpp>

#include "temp_files.hpp"

#include <htslib/bgzf.h>

#include <string>
#include <vector>

using namespace seqnet;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

void write_bgzip(const fs::path& p, const std::string& text) {
    BGZF* f = bgzf_open(p.string().c_str(), "w");
    REQUIRE(f != nullptr);
    REQUIRE(bgzf_write(f, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    REQUIRE(bgzf_close(f) == 0);
}

}  // namespace

TEST_CASE("hts_fasta: bgzip genomes read like indexed_fasta reads the plain file", "[fai]") {
    test::temp_dir dir("seqnet_hts");
    random_engine rng(9);
    std::string text;
    std::vector<std::pair<std::string, std::string>> recs;
    for (int r = 0; r < 3; ++r) {
        std::string seq(static_cast<std::size_t>(200000 + 1000 * r), 'A');  // > one 64 KiB BGZF block
        for (auto& c : seq) c = "ACGTacgtN"[rng.next() % 9];
        recs.emplace_back("chr" + std::to_string(r + 1), seq);
        text += ">" + recs.back().first + "\n";
        for (std::size_t i = 0; i < seq.size(); i += 60) text += seq.substr(i, 60) + "\n";
    }
    test::write_file(dir.file("g.fa"), text);
    write_bgzip(dir.file("g.fa.gz"), text);
    const io::indexed_fasta plain(dir.file("g.fa"));
    const io::hts_fasta bgz(dir.file("g.fa.gz"));
    CHECK(fs::exists(dir.file("g.fa.gz.fai")));
    CHECK(fs::exists(dir.file("g.fa.gz.gzi")));
    CHECK(bgz.chromosomes() == plain.chromosomes());
    for (const auto& [name, seq] : recs) {
        CHECK(bgz.contains(name));
        REQUIRE(bgz.length(name) == static_cast<index_t>(seq.size()));
        for (int i = 0; i < 20; ++i) {
            const auto s = static_cast<index_t>(rng.next() % seq.size());
            const auto e = s + static_cast<index_t>(rng.next() % std::min<std::uint64_t>(70000, seq.size() - s + 1));
            REQUIRE(bgz.fetch(name, s, e) == plain.fetch(name, s, e));
        }
        CHECK(bgz.fetch(name, 0, 0).empty());
    }
    CHECK(!bgz.contains("chrZ"));
    CHECK_THROWS_AS(bgz.fetch("chrZ", 0, 1), argument_error);
    CHECK_THROWS_WITH(bgz.fetch("1", 0, 1), Contains("unknown chromosome '1' (3 known: chr1, chr2, chr3)") &&
                                                Contains("did you mean 'chr1'?"));
    CHECK_THROWS_WITH(bgz.fetch("chr1", 10, 300000), Contains("range chr1:10-300000 runs past the end of 'chr1'"));

    const io::hts_fasta again(dir.file("g.fa.gz"), false);  // reads the index built above
    CHECK(again.fetch("chr2", 5, 15) == recs[1].second.substr(5, 10));
}

TEST_CASE("hts_fasta: plain gzip and missing files are clear errors", "[fai]") {
    test::temp_dir dir("seqnet_hts");
    test::write_gzip(dir.file("g.fa.gz"), ">a\nACGT\n");
    CHECK_THROWS_AS(io::hts_fasta(dir.file("g.fa.gz")), format_error);
    CHECK_THROWS_WITH(io::hts_fasta(dir.file("g.fa.gz")),
                      Contains("g.fa.gz: compressed with gzip, not bgzip: index needs bgzip"));
    CHECK_THROWS_WITH(io::hts_fasta(dir.file("absent.fa.gz")), Contains("absent.fa.gz: cannot open"));
    write_bgzip(dir.file("b.fa.gz"), ">a\nACGT\n");
    CHECK_THROWS_WITH(io::hts_fasta(dir.file("b.fa.gz"), false), Contains("b.fa.gz: no index"));
}
#endif
