// tests for seqnet/io/fai.hpp (and io/hts_fasta.hpp where htslib is available)
#include <catch2/catch.hpp>
#include "fuzz_text.hpp"
#include <seqnet/io/fai.hpp>
#include <seqnet/layers/random.hpp>

#include "temp_files.hpp"

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace seqnet;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

struct named_seq {
    std::string name, seq;
};

// FASTA text of `records` wrapped at `width` bases (0: one line) with line ending `eol`.
std::string to_fasta(const std::vector<named_seq>& records, std::size_t width, const std::string& eol = "\n") {
    std::string out;
    for (const auto& r : records) {
        out += ">" + r.name + " some description" + eol;
        const std::size_t w = width ? width : std::max<std::size_t>(r.seq.size(), 1);
        for (std::size_t i = 0; i < r.seq.size(); i += w) out += r.seq.substr(i, w) + eol;
    }
    return out;
}

std::string random_bases(random_engine& rng, std::size_t n) {
    static constexpr char letters[] = "ACGTacgtN";
    std::string s(n, 'A');
    for (auto& c : s) c = letters[rng.next() % 9];
    return s;
}

const std::string bgzf_eof("\x1f\x8b\x08\x04\0\0\0\0\0\xff\x06\0\x42\x43\x02\0\x1b\0\x03\0\0\0\0\0\0\0\0\0", 28);

}  // namespace

TEST_CASE("fai: the built index is samtools' and is written next to the FASTA", "[fai]") {
    test::temp_dir dir("seqnet_fai");
    const fs::path fa = dir.file("g.fa");
    test::write_file(fa, ">chr1 desc\nACGTACGTAC\nGTacgtNNNN\nAC\n>chr2\nTTTT\n");
    const io::indexed_fasta g(fa);
    CHECK(test::read_bytes(dir.file("g.fa.fai")) == "chr1\t22\t11\t10\t11\nchr2\t4\t42\t4\t5\n");
    CHECK(g.index_path() == dir.file("g.fa.fai"));
    CHECK(g.chromosomes() == std::vector<std::string>{"chr1", "chr2"});
    CHECK(g.length("chr1") == 22);
    CHECK(g.length("chr2") == 4);
    CHECK(g.contains("chr2"));
    CHECK(!g.contains("chr3"));
    CHECK(g.fetch("chr1", 0, 22) == "ACGTACGTACGTacgtNNNNAC");
    CHECK(g.fetch("chr1", 8, 13) == "ACGTa");  // across a line break, soft-masking kept
    CHECK(g.fetch("chr1", 5, 5).empty());
    CHECK(g.fetch("chr2", 1, 4) == "TTT");

    // A second open reads the index written by the first (here: a hand-edited one, to prove it).
    test::write_file(dir.file("g.fa.fai"), "chr2\t4\t42\t4\t5\n");
    const io::indexed_fasta again(fa, false);
    CHECK(again.chromosomes() == std::vector<std::string>{"chr2"});
    CHECK(again.fetch("chr2", 0, 4) == "TTTT");
}

TEST_CASE("fai: fetch matches the sequence for every range, line width and line ending", "[fai]") {
    test::temp_dir dir("seqnet_fai");
    random_engine rng(3);
    const std::vector<named_seq> recs{{"a", random_bases(rng, 37)}, {"b", random_bases(rng, 1)},
                                      {"c", random_bases(rng, 60)}, {"d", random_bases(rng, 23)}};
    int files = 0;
    for (const std::string eol : {"\n", "\r\n"})
        for (const std::size_t width : {std::size_t(1), std::size_t(7), std::size_t(10), std::size_t(60), std::size_t(0)}) {
            const fs::path fa = dir.file(std::string("g").append(std::to_string(files++)).append(".fa"));
            std::string text = to_fasta(recs, width, eol);
            if (width == 7) text.erase(text.size() - eol.size());  // no final newline
            test::write_file(fa, text);
            const io::indexed_fasta g(fa);
            for (const auto& r : recs) {
                const auto n = static_cast<index_t>(r.seq.size());
                REQUIRE(g.length(r.name) == n);
                for (index_t s = 0; s <= n; ++s)
                    for (index_t e = s; e <= n; ++e)
                        REQUIRE(g.fetch(r.name, s, e) ==
                                r.seq.substr(static_cast<std::size_t>(s), static_cast<std::size_t>(e - s)));
            }
        }
}

TEST_CASE("fai: blank lines at a record's end, empty records, concurrent fetches", "[fai]") {
    test::temp_dir dir("seqnet_fai");
    const fs::path fa = dir.file("g.fa");
    test::write_file(fa, "\n>e\n>x\nACG\nT\n\n\n>y\n\nGGCC\nAA\n");
    const io::indexed_fasta g(fa);
    CHECK(g.length("e") == 0);
    CHECK(g.fetch("e", 0, 0).empty());
    CHECK(g.fetch("x", 0, 4) == "ACGT");
    CHECK(g.fetch("y", 2, 6) == "CCAA");

    random_engine rng(5);
    const std::string big = random_bases(rng, 5000);
    const fs::path fb = dir.file("big.fa");
    test::write_file(fb, to_fasta({{"chr1", big}}, 61));
    const io::indexed_fasta h(fb);
    std::vector<std::thread> threads;
    std::vector<int> bad(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            random_engine r(static_cast<std::uint64_t>(100 + t));
            for (int i = 0; i < 200; ++i) {
                const auto s = static_cast<index_t>(r.next() % 5000);
                const auto e = s + static_cast<index_t>(r.next() % static_cast<std::uint64_t>(5001 - s));
                if (h.fetch("chr1", s, e) != big.substr(static_cast<std::size_t>(s), static_cast<std::size_t>(e - s)))
                    ++bad[static_cast<std::size_t>(t)];
            }
        });
    for (auto& t : threads) t.join();
    CHECK(bad == std::vector<int>(4, 0));
}

TEST_CASE("fai: unknown chromosomes and ranges outside them", "[fai]") {
    test::temp_dir dir("seqnet_fai");
    const fs::path fa = dir.file("g.fa");
    std::vector<named_seq> recs;
    for (int i = 1; i <= 8; ++i) recs.push_back({"chr" + std::to_string(i), "ACGTACGTAC"});
    test::write_file(fa, to_fasta(recs, 4));
    const io::indexed_fasta g(fa);
    CHECK_THROWS_AS(g.fetch("chrZ", 0, 1), argument_error);
    CHECK_THROWS_WITH(g.fetch("chrZ", 0, 1),
                      Contains("unknown chromosome 'chrZ' (8 known: chr1, chr2, chr3, chr4, chr5 (and 3 more))"));
    CHECK_THROWS_WITH(g.length("3"), Contains("unknown chromosome '3'") && Contains("did you mean 'chr3'?"));
    CHECK_THROWS_AS(g.fetch("chr1", 5, 11), argument_error);
    CHECK_THROWS_WITH(g.fetch("chr1", 5, 11), Contains("range chr1:5-11 runs past the end of 'chr1' (length 10)"));
    CHECK_THROWS_WITH(g.fetch("chr1", -1, 3), Contains("is not a valid range"));
    CHECK_THROWS_WITH(g.fetch("chr1", 4, 3), Contains("is not a valid range"));
}

TEST_CASE("fai: FASTA files that cannot be indexed", "[fai]") {
    test::temp_dir dir("seqnet_fai");
    const auto fails = [&](const std::string& text) {
        const fs::path fa = dir.file("x.fa");
        test::write_file(fa, text);
        std::error_code ec;
        fs::remove(dir.file("x.fa.fai"), ec);
        try {
            io::indexed_fasta g(fa);
        } catch (const format_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string p = dir.file("x.fa").string();
    CHECK_THAT(fails(">a\nACGTAC\nACGTACGT\nAC\n"),
               Contains(p + ":3: record 'a': line has 8 bases, more than the 6 of the record's first sequence line"));
    CHECK_THAT(fails(">a\nACGTAC\nACG\nAC\n"), Contains(p + ":4: record 'a': sequence line after a shorter or blank line"));
    CHECK_THAT(fails(">a\nACGTAC\n\nACG\n"), Contains(p + ":4: record 'a': sequence line after a shorter or blank line"));
    CHECK_THAT(fails(">a\r\nACGTAC\r\nACGTAC\nAC\n"), Contains(p + ":3: record 'a': line ending differs"));
    CHECK_THAT(fails("ACGT\n>a\nAC\n"), Contains(p + ":1: sequence data before the first '>' header"));
    CHECK_THAT(fails(">a\nAC\n>b\nAC\n>a\nAC\n"), Contains(p + ":5: duplicate record name 'a' (first at line 1)"));
    CHECK_THAT(fails(">a\nAC\n> b\nAC\n"), Contains(p + ":3: header with an empty name"));
    CHECK_THAT(fails(">a\nAC\rGT\n"), Contains(p + ":2: a CR inside a line"));
    CHECK_THAT(fails(">a\nAC>GT\n"), Contains(p + ":2: '>' inside a sequence line"));
    CHECK_THAT(fails(std::string(">a\nAC\nG\0\n", 9)), Contains(p + ":3: NUL byte"));
    CHECK_THAT(fails(""), Contains(p + ": no FASTA records to index"));
    CHECK_THAT(fails("\n\n"), Contains("no FASTA records"));
    CHECK_THAT(fails(bgzf_eof), Contains(p + ": compressed with bgzip") && Contains("hts_fasta"));
    CHECK_THAT(fails("BZh91AY&SY"), Contains("compressed with bzip2"));
    CHECK_THROWS_WITH(io::indexed_fasta(dir.file("absent.fa")), Contains("absent.fa: cannot open"));
    CHECK_THROWS_WITH(io::indexed_fasta(dir.path), Contains("is a directory"));

    test::write_gzip(dir.file("g.fa.gz"), ">a\nACGT\n");
    CHECK_THROWS_WITH(io::indexed_fasta(dir.file("g.fa.gz")),
                      Contains("g.fa.gz: compressed with gzip, not bgzip: index needs bgzip"));
    CHECK(!fs::exists(dir.file("g.fa.gz.fai")));

    test::write_file(dir.file("n.fa"), ">a\nACGT\n");
    CHECK_THROWS_WITH(io::indexed_fasta(dir.file("n.fa"), false), Contains("n.fa: no index " + dir.file("n.fa.fai").string()));
}

TEST_CASE("fai: malformed index lines name the .fai and line", "[fai]") {
    CHECK_THROWS_WITH(io::parse_fai("a\t4\t3\t4\t5\nb\t4\t3\n", "g.fa.fai"),
                      Contains("g.fa.fai:2: expected 5 tab-separated fields (name, length, offset, linebases, "
                               "linewidth), got 3"));
    CHECK_THROWS_WITH(io::parse_fai("a\t4\t3\t4\t5\t9\n", "g.fa.fai"), Contains("g.fa.fai:1: 6 fields: a FASTQ index"));
    CHECK_THROWS_WITH(io::parse_fai("a\tfour\t3\t4\t5\n", "g.fa.fai"),
                      Contains("g.fa.fai:1: field 2 (length): 'four' is not a non-negative integer"));
    CHECK_THROWS_WITH(io::parse_fai("a\t4\t-3\t4\t5\n", "g.fa.fai"), Contains("field 3 (offset): '-3'"));
    CHECK_THROWS_WITH(io::parse_fai("a\t4\t3\t4\t3\n", "g.fa.fai"),
                      Contains("g.fa.fai:1: record 'a': linewidth 3 is less than linebases 4"));
    CHECK_THROWS_WITH(io::parse_fai("a\t4\t3\t0\t0\n", "g.fa.fai"), Contains("has 4 bases but 0 bases per line"));
    CHECK_THROWS_WITH(io::parse_fai("a\t4\t3\t4\t5\na\t4\t3\t4\t5\n", "g.fa.fai"),
                      Contains("g.fa.fai:2: duplicate record name 'a' (first at line 1)"));
    CHECK_THROWS_WITH(io::parse_fai("\t4\t3\t4\t5\n", "g.fa.fai"), Contains("g.fa.fai:1: empty record name"));
    CHECK_THROWS_WITH(io::parse_fai("", "g.fa.fai"), Contains("g.fa.fai: empty index"));

    test::temp_dir dir("seqnet_fai");
    test::write_file(dir.file("g.fa"), ">a\nACGT\n");
    test::write_file(dir.file("g.fa.fai"), "a\t4\tx\t4\t5\n");
    CHECK_THROWS_WITH(io::indexed_fasta(dir.file("g.fa")), Contains(dir.file("g.fa.fai").string() + ":1: field 3 (offset)"));
}

TEST_CASE("fai: an index that does not fit the FASTA is called stale", "[fai]") {
    test::temp_dir dir("seqnet_fai");
    const fs::path fa = dir.file("g.fa");
    const std::string fai = dir.file("g.fa.fai").string();
    test::write_file(fa, ">chr1\nACGTACGTAC\nACGTACGTAC\n>chr2\nGGGGCCCC\n");
    { io::indexed_fasta build(fa); }
    REQUIRE(fs::exists(fai));

    // The FASTA shortened after indexing: chr2 would end past the end of the file.
    test::write_file(fa, ">chr1\nACGTACGTAC\nACGTACGTAC\n>chr2\nGG\n");
    CHECK_THROWS_WITH(io::indexed_fasta(fa), Contains(fai + ":2: record 'chr2'") && Contains("would end past the end of") &&
                                                 Contains("the index looks stale") && Contains("delete " + fai));

    // A longer header: the offsets now point into the header and across line breaks.
    test::write_file(fa, ">chr1 now with a description\nACGTACGTAC\nACGTACGTAC\n>chr2\nGGGGCCCC\n");
    const io::indexed_fasta g(fa);
    CHECK_THROWS_WITH(g.fetch("chr1", 0, 4), Contains(fai + ":1: record 'chr1'") && Contains("index looks stale"));
    CHECK_THROWS_WITH(g.fetch("chr2", 0, 4), Contains("index looks stale"));

    // Line widths changed: a line break lands where the index expects a base.
    test::write_file(fa, ">chr1\nACGTACGTACACGTACGTAC\n>chr2\nGGGGCCCC\n");
    test::write_file(fai, "chr1\t20\t6\t20\t21\nchr2\t8\t33\t4\t5\n");
    const io::indexed_fasta h(fa);
    CHECK(h.fetch("chr1", 0, 20) == "ACGTACGTACACGTACGTAC");
    CHECK_THROWS_WITH(h.fetch("chr2", 0, 8), Contains(fai + ":2: record 'chr2'") && Contains("index looks stale"));
}

TEST_CASE("fai: the index stays in memory where it cannot be written", "[fai]") {
    test::temp_dir dir("seqnet_fai");
    const fs::path sub = dir.file("ro");
    fs::create_directories(sub);
    test::write_file(sub / "g.fa", ">a\nACGT\n");
    fs::permissions(sub, fs::perms::owner_read | fs::perms::owner_exec);
    const bool enforced = ::access(sub.c_str(), W_OK) != 0;  // root ignores permissions
    {
        const io::indexed_fasta g(sub / "g.fa");
        CHECK(g.fetch("a", 1, 3) == "CG");
        if (enforced) {
            CHECK(g.index_path().empty());
            CHECK(!fs::exists(sub / "g.fa.fai"));
        }
    }
    fs::permissions(sub, fs::perms::owner_all);
}

TEST_CASE("fai: fuzzed indexes and FASTA files either work or throw seqnet::error", "[fai]") {
    test::temp_dir dir("seqnet_fai");
    random_engine rng(21);
    const std::vector<named_seq> recs{{"chr1", random_bases(rng, 45)}, {"chr2", random_bases(rng, 12)}};
    const std::string fasta = to_fasta(recs, 10);
    const fs::path fa = dir.file("g.fa");
    test::write_file(fa, fasta);
    const std::string fai_text = io::format_fai(io::build_fai(fa));
    const auto mutate = [&](const std::string& text, const std::string& alphabet) {
        return test::mutate_text(text, alphabet, rng, 3);
    };
    const std::string fai_alphabet("\t\n0123456789-c\0", 15);
    int ok = 0, failed = 0;
    for (int iter = 0; iter < 300; ++iter) {  // mutated .fai against the real FASTA
        const std::string text = mutate(fai_text, fai_alphabet);
        test::write_file(dir.file("g.fa.fai"), text);
        try {
            const io::indexed_fasta g(fa, false);
            for (const auto& c : g.chromosomes()) {
                const index_t n = g.length(c);
                (void)g.fetch(c, 0, n);
                (void)g.fetch(c, n / 2, n);
            }
            ++ok;
        } catch (const seqnet::error&) {
            ++failed;
        }
    }
    CHECK(ok > 10);
    CHECK(failed > 10);

    const std::string fa_alphabet("\n\r>ACGTN \0", 10);
    ok = failed = 0;
    for (int iter = 0; iter < 300; ++iter) {  // mutated FASTA, index built
        const std::string text = mutate(fasta, fa_alphabet);
        const fs::path f = dir.file("m.fa");
        test::write_file(f, text);
        std::error_code ec;
        fs::remove(dir.file("m.fa.fai"), ec);
        std::optional<io::indexed_fasta> g;
        try {
            g.emplace(f);
        } catch (const seqnet::error& e) {
            CHECK(std::string(e.what()).rfind(f.string(), 0) == 0);
            ++failed;
            continue;
        }
        ++ok;
        // An index built from the file fits it: every record reads back, and equals what the FASTA
        // parser reads where that accepts the file too (it ignores spaces; the index counts them).
        std::vector<io::fasta_record> parsed;
        bool parses = text.find(' ') == std::string::npos;
        try {
            parsed = io::parse_fasta(text, "m");
        } catch (const seqnet::error&) {
            parses = false;
        }
        if (parses) CHECK(parsed.size() == g->chromosomes().size());
        for (std::size_t i = 0; i < g->chromosomes().size(); ++i) {
            const auto& c = g->chromosomes()[i];
            const std::string s = g->fetch(c, 0, g->length(c));
            if (parses && i < parsed.size()) CHECK(parsed[i].sequence == s);
        }
    }
    CHECK(ok > 10);
    CHECK(failed > 10);
}
