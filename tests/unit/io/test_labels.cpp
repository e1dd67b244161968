// tests for seqnet/io/labels.hpp
#include <catch2/catch.hpp>
#include "fuzz_text.hpp"
#include <seqnet/io/labels.hpp>
#include <seqnet/layers/random.hpp>

#include "temp_files.hpp"

#include <cmath>
#include <string>
#include <vector>

using namespace seqnet;
using Catch::Contains;
using io::parse_labels;

namespace {

io::fasta_record rec(std::string name, std::string seq, index_t line = 1) {
    io::fasta_record r;
    r.name = std::move(name);
    r.sequence = std::move(seq);
    r.line = line;
    return r;
}

}  // namespace

TEST_CASE("labels: values, missing labels and tasks", "[labels]") {
    const auto t = parse_labels("name\tctcf\tgata\n"
                                "s1\t1\t0\n"
                                "s2\t0.5\tNA\n"
                                "s3\t\tNaN\n"
                                "s4\tnan\t-2.5e-1\n"
                                "s5\t 1 \t0\n",
                                "l.tsv");
    CHECK(t.source == "l.tsv");
    CHECK(t.tasks == std::vector<std::string>{"ctcf", "gata"});
    CHECK(t.names == std::vector<std::string>{"s1", "s2", "s3", "s4", "s5"});
    REQUIRE(t.values.size() == 10);
    CHECK(t.at(0, 0) == 1.0f);
    CHECK(t.at(0, 1) == 0.0f);
    CHECK(t.at(1, 0) == 0.5f);
    CHECK(is_missing(t.at(1, 1)));
    CHECK(is_missing(t.at(2, 0)));
    CHECK(is_missing(t.at(2, 1)));
    CHECK(is_missing(t.at(3, 0)));
    CHECK(t.at(3, 1) == -0.25f);
    CHECK(t.at(4, 0) == 1.0f);
}

TEST_CASE("labels: CRLF, CR, blank lines, byte-order mark; header-only file", "[labels]") {
    const auto a = parse_labels("\xEF\xBB\xBFid\tt\r\ns1\t1\r\n\r\ns2\t0\r\n", "a");
    CHECK(a.tasks == std::vector<std::string>{"t"});
    CHECK(a.names == std::vector<std::string>{"s1", "s2"});
    CHECK(a.values == std::vector<float>{1, 0});
    const auto b = parse_labels("\n\nid\tt\rs1\t1\r", "b");
    CHECK(b.names == std::vector<std::string>{"s1"});
    const auto c = parse_labels("name\tx\ty\n", "c");
    CHECK(c.rows() == 0);
    CHECK(c.tasks.size() == 2);
}

TEST_CASE("labels: malformed tables name file, line and problem", "[labels]") {
    CHECK_THROWS_AS(parse_labels("", "l.tsv"), format_error);
    CHECK_THROWS_WITH(parse_labels("", "l.tsv"), Contains("l.tsv:1: empty file"));
    CHECK_THROWS_WITH(parse_labels(" \n\n", "l.tsv"), Contains("empty file"));
    CHECK_THROWS_WITH(parse_labels("name\n", "l.tsv"), Contains("l.tsv:1: header has no task column"));
    CHECK_THROWS_WITH(parse_labels("\nname\ta\t\n", "l.tsv"),
                      Contains("l.tsv:2: header column 3 has an empty task name"));
    CHECK_THROWS_WITH(parse_labels("name\ta\tb\ta\n", "l.tsv"),
                      Contains("l.tsv:1: duplicate task name 'a' in header columns 2 and 4"));
    CHECK_THROWS_WITH(parse_labels("name\ta\tb\ns1\t1\t0\ns2\t1\n", "l.tsv"),
                      Contains("l.tsv:3: expected 3 columns (name + 2 tasks), got 2"));
    CHECK_THROWS_WITH(parse_labels("name\ta\ns1\t1\t0\n", "l.tsv"),
                      Contains("l.tsv:2: expected 2 columns (name + 1 task), got 3"));
    CHECK_THROWS_WITH(parse_labels("name\tctcf\tgata\ns1\t1\tyes\n", "l.tsv"),
                      Contains("l.tsv:2: column 3 (task 'gata'): 'yes' is not a finite number or NA"));
    CHECK_THROWS_WITH(parse_labels("name\tctcf\ns1\tinf\n", "l.tsv"), Contains("l.tsv:2: column 2 (task 'ctcf'): 'inf'"));
    CHECK_THROWS_WITH(parse_labels("name\tctcf\ns1\t1e60\n", "l.tsv"), Contains("'1e60' is not a finite number"));
    CHECK_THROWS_WITH(parse_labels("name\tctcf\ns1\t1,5\n", "l.tsv"), Contains("'1,5'"));
    CHECK_THROWS_WITH(parse_labels("name\tctcf\ns1\t+1\n", "l.tsv"), Contains("'+1'"));
    CHECK_THROWS_WITH(parse_labels("name\tt\ns1\t1\n\ns1\t0\n", "l.tsv"),
                      Contains("l.tsv:4: duplicate sequence name 's1' (first at line 2)"));
    CHECK_THROWS_WITH(parse_labels("name\tt\n\t1\n", "l.tsv"), Contains("l.tsv:2: empty sequence name"));
    CHECK_THROWS_WITH(parse_labels(std::string("name\tt\ns1\t1\0\n", 13), "l.tsv"),
                      Contains("l.tsv:2: NUL byte"));
}

TEST_CASE("labels: read_labels reads plain and gzip files", "[labels]") {
    test::temp_dir dir("seqnet_labels");
    const std::string text = "name\tt1\tt2\nseq1\t1\t0\nseq2\tNA\t1\n";
    test::write_file(dir.file("l.tsv"), text);
    test::write_gzip(dir.file("l.tsv.gz"), text);
    for (const auto* f : {"l.tsv", "l.tsv.gz"}) {
        const auto t = io::read_labels(dir.file(f));
        CHECK(t.source == dir.file(f).string());
        CHECK(t.names == std::vector<std::string>{"seq1", "seq2"});
        CHECK(t.at(0, 0) == 1.0f);
        CHECK(is_missing(t.at(1, 0)));
    }
    test::write_file(dir.file("bad.tsv"), "name\tt1\nseq1\tmaybe\n");
    CHECK_THROWS_WITH(io::read_labels(dir.file("bad.tsv")),
                      Contains(dir.file("bad.tsv").string() + ":2: column 2 (task 't1'): 'maybe'"));
    CHECK_THROWS_WITH(io::read_labels(dir.file("absent.tsv")), Contains("absent.tsv: cannot open"));
    const std::string gz = test::read_bytes(dir.file("l.tsv.gz"));
    test::write_file(dir.file("cut.tsv.gz"), gz.substr(0, gz.size() - 10));
    CHECK_THROWS_WITH(io::read_labels(dir.file("cut.tsv.gz")), Contains("cut.tsv.gz: gzip error"));
}

TEST_CASE("labels: make_dataset joins by name in FASTA order", "[labels]") {
    const auto t = parse_labels("name\ta\tb\nx\t1\t0\ny\tNA\t1\n", "l.tsv");
    const std::vector<io::fasta_record> records{rec("y", "ACGT"), rec("x", "acgN")};
    const dataset d = io::make_dataset(records, t);
    REQUIRE(d.size() == 2);
    CHECK(d.length() == 4);
    CHECK(d.tasks() == std::vector<std::string>{"a", "b"});
    CHECK(d.names() == std::vector<std::string>{"y", "x"});
    CHECK(is_missing(d.labels(0)[0]));
    CHECK(d.labels(0)[1] == 1.0f);
    CHECK(d.labels(1)[0] == 1.0f);
    CHECK(d.labels(1)[1] == 0.0f);
    CHECK(d.input(1)[0 * 4 + 0] == 1.0f);  // 'a' is A: channel 0, position 0
    CHECK(d.input(1)[3] == 0.0f);          // N with the default policy: all zeros (channel 0, position 3)
}

TEST_CASE("labels: make_dataset reports every misfit", "[labels]") {
    const auto t = parse_labels("name\ta\ns1\t1\ns2\t0\nextra\t1\n", "l.tsv");
    std::vector<io::fasta_record> records{rec("s1", "ACGT"), rec("s2", "ACGT")};
    for (int i = 3; i <= 10; ++i) records.push_back(rec("seq" + std::to_string(i), "ACGT"));
    CHECK_THROWS_AS(io::make_dataset(records, t), format_error);
    CHECK_THROWS_WITH(io::make_dataset(records, t),
                      Contains("l.tsv: the labels and the sequences do not match by name: 8 sequences without "
                               "labels: seq3, seq4, seq5, seq6, seq7 (and 3 more); 1 label row without a "
                               "sequence: extra"));
    const std::vector<io::fasta_record> two{rec("s1", "ACGT"), rec("s2", "ACGT")};
    CHECK_THROWS_WITH(io::make_dataset(two, t), Contains("1 label row without a sequence: extra") &&
                                                    !Contains("without labels"));
    const auto t2 = parse_labels("name\ta\ns1\t1\ns2\t0\n", "l.tsv");
    const std::vector<io::fasta_record> uneven{rec("s1", "ACGT", 1), rec("s2", "ACG", 3)};
    CHECK_THROWS_WITH(io::make_dataset(uneven, t2), Contains("record 's2' (line 3) has 3 bases, but 's1' has 4"));
    CHECK_THROWS_WITH(io::make_dataset({}, t2), Contains("l.tsv: no sequences"));
}

TEST_CASE("labels: fuzzed tables either parse or throw seqnet::error", "[labels]") {
    const std::string base = "name\tctcf\tgata\ns1\t1\t0\ns2\t0.5\tNA\ns3\t\t1e-3\ns4\t0\t1\n";
    REQUIRE(parse_labels(base, "fuzz").rows() == 4);
    const std::string alphabet("\t\n\r 01.-eNAa\0xs", 15);
    const auto c = test::fuzz_parser(base, alphabet, 7, 3000, [](const std::string& text) {
        const auto t = parse_labels(text, "fuzz");
        CHECK(t.values.size() == t.rows() * t.tasks.size());
    });
    CHECK(c.parsed > 100);
    CHECK(c.rejected > 100);
}

TEST_CASE("labels and FASTA written by seqnet read back the same", "[labels][fasta]") {
    test::temp_dir dir("seqnet_write_labels");
    const std::vector<std::string> names{"s1", "s2", "s3"}, tasks{"ctcf", "gata"};
    const std::vector<float> values{1, 0, missing_label, 0.25f, 0, 1};
    io::write_labels(dir.file("l.tsv"), tasks, names, values);
    const auto t = io::read_labels(dir.file("l.tsv"));
    CHECK(t.tasks == tasks);
    CHECK(t.names == names);
    REQUIRE(t.values.size() == values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        CHECK((is_missing(values[i]) ? is_missing(t.values[i]) : t.values[i] == values[i]));

    const std::vector<std::string> seqs{std::string(130, 'A') + "cgtN", "ACGT"};
    io::write_fasta(dir.file("s.fa"), {"a", "b"}, seqs, 60);
    const auto records = io::read_fasta(dir.file("s.fa"));
    REQUIRE(records.size() == 2);
    CHECK(records[0].sequence == seqs[0]);
    CHECK(records[1].name == "b");
    CHECK_THROWS_WITH(io::write_labels(dir.file("x.tsv"), tasks, names, std::vector<float>{1}),
                      Contains("1 values for 3 rows of 2 tasks"));
}
