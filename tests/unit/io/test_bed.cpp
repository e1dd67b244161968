// tests for seqnet/io/bed.hpp
#include <catch2/catch.hpp>
#include "fuzz_text.hpp"
#include <seqnet/io/bed.hpp>
#include <seqnet/layers/random.hpp>

#include "temp_files.hpp"

#include <string>
#include <vector>

using namespace seqnet;
using Catch::Contains;
using io::parse_bed;

TEST_CASE("bed: BED3, BED6 and narrowPeak lines; comments, track and browser lines skipped", "[bed]") {
    const auto v = parse_bed("# comment\n"
                             "track name=peaks\n"
                             "browser position chr1:1-100\n"
                             "chr1\t100\t200\n"
                             "\n"
                             "chr2\t0\t50\tpeak2\t900\t-\n"
                             "chrX\t1000\t1400\tp3\t0\t.\t8.5\t-1\t3.2\t150\n"
                             "chrY\t10\t20\tp4\t0\t+\t8.5\t-1\t3.2\t-1\n",
                             "p.bed");
    REQUIRE(v.size() == 4);
    CHECK(v[0].chrom == "chr1");
    CHECK(v[0].start == 100);
    CHECK(v[0].end == 200);
    CHECK(v[0].length() == 100);
    CHECK(v[0].name.empty());
    CHECK(v[0].strand == '.');
    CHECK(v[0].summit == -1);
    CHECK(v[0].line == 4);
    CHECK(v[1].name == "peak2");
    CHECK(v[1].strand == '-');
    CHECK(v[1].line == 6);
    CHECK(v[2].summit == 150);
    CHECK(v[2].line == 7);
    CHECK(v[3].summit == -1);
    CHECK(v[3].strand == '+');
}

TEST_CASE("bed: BED12's 10th column is not a summit; spaces, CRLF", "[bed]") {
    const auto v = parse_bed("chr1\t0\t1000\tgene\t0\t+\t10\t990\t0\t2\t100,200\t0,800\r\n"
                             "chr2 5 10 n\r\n"
                             "trackless\t1\t2\r\n",
                             "b.bed");
    REQUIRE(v.size() == 3);
    CHECK(v[0].summit == -1);
    CHECK(v[1].chrom == "chr2");
    CHECK(v[1].start == 5);
    CHECK(v[1].name == "n");
    CHECK(v[2].chrom == "trackless");  // "track" only as a whole word
}

TEST_CASE("bed: malformed lines name file, line, column and problem", "[bed]") {
    CHECK_THROWS_AS(parse_bed("chr1\t100\n", "p.bed"), format_error);
    CHECK_THROWS_WITH(parse_bed("chr1\t1\t2\nchr1\t100\n", "p.bed"),
                      Contains("p.bed:2: expected at least 3 columns (chrom, start, end), got 2"));
    CHECK_THROWS_WITH(parse_bed("chr1 100\n", "p.bed"), Contains("got 2 (fields are tab-separated)"));
    CHECK_THROWS_WITH(parse_bed("chr1\tabc\t200\n", "p.bed"),
                      Contains("p.bed:1: column 2 (start): 'abc' is not a non-negative integer"));
    CHECK_THROWS_WITH(parse_bed("chr1\t-5\t200\n", "p.bed"), Contains("column 2 (start): '-5' is not a non-negative"));
    CHECK_THROWS_WITH(parse_bed("chr1\t5\t2.5\n", "p.bed"), Contains("column 3 (end): '2.5'"));
    CHECK_THROWS_WITH(parse_bed("chr1\t5\t99999999999999999999\n", "p.bed"), Contains("column 3 (end)"));
    CHECK_THROWS_WITH(parse_bed("# x\nchr1\t200\t200\n", "p.bed"),
                      Contains("p.bed:2: end 200 (column 3) is not after start 200 (column 2)"));
    CHECK_THROWS_WITH(parse_bed("chr1\t300\t200\n", "p.bed"), Contains("end 200 (column 3) is not after start 300"));
    CHECK_THROWS_WITH(parse_bed("\t1\t2\n", "p.bed"), Contains("p.bed:1: column 1 (chrom) is empty"));
    CHECK_THROWS_WITH(parse_bed("chr1\t1\t2\tn\t0\tx\n", "p.bed"),
                      Contains("p.bed:1: column 6 (strand): 'x' is not '+', '-' or '.'"));
    CHECK_THROWS_WITH(parse_bed("chr1\t0\t100\tp\t0\t.\t1\t1\t1\t100\n", "p.bed"),
                      Contains("p.bed:1: column 10 (narrowPeak summit offset): 100 is outside the interval (0 to 99"));
    CHECK_THROWS_WITH(parse_bed("chr1\t0\t100\tp\t0\t.\t1\t1\t1\t-2\n", "p.bed"), Contains("-2 is outside"));
    CHECK_THROWS_WITH(parse_bed("chr1\t0\t100\tp\t0\t.\t1\t1\t1\tmid\n", "p.bed"),
                      Contains("column 10 (narrowPeak summit offset): 'mid' is not an integer"));
    CHECK_THROWS_WITH(parse_bed(std::string("chr1\t0\t1\nchr\0\t0\t1\n", 19), "p.bed"), Contains("p.bed:2: NUL byte"));
}

TEST_CASE("bed: read_bed reads plain and gzip files", "[bed]") {
    test::temp_dir dir("seqnet_bed");
    const std::string text = "chr1\t10\t20\ta\nchr2\t30\t45\tb\n";
    test::write_file(dir.file("p.bed"), text);
    test::write_gzip(dir.file("p.bed.gz"), text);
    for (const auto* f : {"p.bed", "p.bed.gz"}) {
        const auto v = io::read_bed(dir.file(f));
        REQUIRE(v.size() == 2);
        CHECK(v[1].chrom == "chr2");
        CHECK(v[1].start == 30);
        CHECK(v[1].end == 45);
    }
    CHECK_THROWS_WITH(io::read_bed(dir.file("none.bed")), Contains("none.bed: cannot open"));
    test::write_file(dir.file("bad.bed"), "chr1\t10\t20\nchr1\t30\n");
    CHECK_THROWS_WITH(io::read_bed(dir.file("bad.bed")), Contains(dir.file("bad.bed").string() + ":2: expected at least 3"));
}

TEST_CASE("bed: fuzzed files either parse or throw seqnet::error", "[bed]") {
    const std::string base = "track name=x\nchr1\t100\t200\tp1\t5\t+\nchr2\t0\t50\tp\t0\t.\t1\t1\t1\t10\n"
                             "chr3\t10\t900\tp3\t0\t.\t1.5\t-1\t2\t400\n";
    const std::string alphabet("\t\n\r #-+.019ack\0", 15);
    const auto c = test::fuzz_parser(base, alphabet, 11, 3000, [](const std::string& text) {
        for (const auto& b : parse_bed(text, "fuzz")) {
            CHECK(b.start >= 0);
            CHECK(b.end > b.start);
            CHECK(b.summit >= -1);
            CHECK(b.summit < b.length());
        }
    });
    CHECK(c.parsed > 100);
    CHECK(c.rejected > 100);
}
