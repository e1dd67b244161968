// tests for seqnet/io/meme.hpp
#include <catch2/catch.hpp>
#include "fuzz_text.hpp"
#include <seqnet/io/meme.hpp>
#include <seqnet/layers/random.hpp>

#include "temp_files.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace seqnet;
using Catch::Contains;
using io::parse_meme;

namespace {

// Written by hand from IUPAC consensus strings (CACGTG, TGASTCA), each base 0.85 and the others 0.05.
const std::string two_motifs =
    "MEME version 4\n"
    "\n"
    "ALPHABET= ACGT\n"
    "\n"
    "strands: + -\n"
    "\n"
    "Background letter frequencies (from a made-up genome):\n"
    "A 0.3 C 0.2 G 0.2 T 0.3\n"
    "\n"
    "MOTIF ebox EBOX\n"
    "letter-probability matrix: alength= 4 w= 6 nsites= 12 E= 3.5e-8\n"
    "0.05 0.85 0.05 0.05\n"
    "0.85 0.05 0.05 0.05\n"
    "0.05 0.85 0.05 0.05\n"
    "0.05 0.05 0.85 0.05\n"
    "0.05 0.05 0.05 0.85\n"
    "0.05 0.05 0.85 0.05\n"
    "\n"
    "MOTIF tre\n"
    "letter-probability matrix: alength= 4 w= 7 nsites= 31 E= 0.12\n"
    "0.05 0.05 0.05 0.85\n"
    "0.05 0.05 0.85 0.05\n"
    "0.85 0.05 0.05 0.05\n"
    "0.05 0.45 0.45 0.05\n"
    "0.05 0.05 0.05 0.85\n"
    "0.05 0.85 0.05 0.05\n"
    "0.85 0.05 0.05 0.05\n"
    "\n"
    "URL https://example.org/motifs/tre\n";

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

bool same_rows(const motif_matrix& a, const motif_matrix& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t k = 0; k < a.size(); ++k)
        for (std::size_t c = 0; c < 4; ++c)
            if (!same_bits(a[k][c], b[k][c])) return false;
    return true;
}

// A header and one motif whose matrix lines are `matrix` (for error tests: the MOTIF line is line 3).
std::string one_motif(const std::string& matrix) { return "MEME version 4\n\nMOTIF m1\n" + matrix; }

}  // namespace

TEST_CASE("meme: header, background, strands and two motifs", "[meme]") {
    const auto f = parse_meme(two_motifs, "two.meme");
    CHECK(f.both_strands);
    CHECK(f.bg.p == motif_row{0.3, 0.2, 0.2, 0.3});
    REQUIRE(f.motifs.size() == 2);
    const motif& e = f.motifs[0];
    CHECK(e.id == "ebox");
    CHECK(e.name == "EBOX");
    CHECK_FALSE(e.counts);
    CHECK(e.width() == 6);
    CHECK(e.nsites == 12);
    CHECK(e.evalue == 3.5e-8);
    CHECK(e.url.empty());
    CHECK(e.rows[0] == motif_row{0.05, 0.85, 0.05, 0.05});
    CHECK(e.rows[4] == motif_row{0.05, 0.05, 0.05, 0.85});
    CHECK(consensus(e.rows) == "CACGTG");
    const motif& t = f.motifs[1];
    CHECK(t.id == "tre");
    CHECK(t.name.empty());
    CHECK(t.width() == 7);
    CHECK(t.nsites == 31);
    CHECK(t.evalue == 0.12);
    CHECK(t.url == "https://example.org/motifs/tre");
    CHECK(consensus(t.rows) == "TGASTCA");
    CHECK_NOTHROW(e.validate());
    CHECK_NOTHROW(t.validate());
}

TEST_CASE("meme: a file laid out like JASPAR's MEME download (CRLF, tab-separated rows, URL)", "[meme]") {
    // JASPAR writes fixed-point rows with leading spaces and a trailing tab, and a URL after a blank line.
    const std::string text = "MEME version 4\r\n\r\nALPHABET= ACGT\r\n\r\nstrands: + -\r\n\r\n"
                             "Background letter frequencies\r\nA 0.25 C 0.25 G 0.25 T 0.25 \r\n\r\n"
                             "MOTIF TEST0001.1 FooA\r\n"
                             "letter-probability matrix: alength= 4 w= 4 nsites= 20 E= 0\r\n"
                             "  0.900000\t  0.050000\t  0.000000\t  0.050000\t\r\n"
                             "  0.000000\t  1.000000\t  0.000000\t  0.000000\t\r\n"
                             "  0.000000\t  0.000000\t  0.950000\t  0.050000\t\r\n"
                             "  0.250000\t  0.250000\t  0.250000\t  0.250000\t\r\n"
                             "\r\n"
                             "URL http://example.org/matrix/TEST0001.1/\r\n"
                             "\r\n"
                             "MOTIF TEST0002.1 BarB\r\n"
                             "letter-probability matrix: alength= 4 w= 2 nsites= 8 E= 0\r\n"
                             "  0.500000\t  0.500000\t  0.000000\t  0.000000\t\r\n"
                             "  0.125000\t  0.125000\t  0.125000\t  0.625000\t\r\n"
                             "\r\n"
                             "URL http://example.org/matrix/TEST0002.1/\r\n";
    const auto f = parse_meme(text, "jaspar.meme");
    CHECK(f.bg.p == background::uniform().p);
    REQUIRE(f.motifs.size() == 2);
    CHECK(f.motifs[0].id == "TEST0001.1");
    CHECK(f.motifs[0].name == "FooA");
    CHECK(f.motifs[0].width() == 4);
    CHECK(f.motifs[0].nsites == 20);
    CHECK(f.motifs[0].evalue == 0);
    CHECK(f.motifs[0].rows[0] == motif_row{0.9, 0.05, 0.0, 0.05});
    CHECK(f.motifs[0].rows[3] == motif_row{0.25, 0.25, 0.25, 0.25});
    CHECK(f.motifs[0].url == "http://example.org/matrix/TEST0001.1/");
    CHECK(f.motifs[1].id == "TEST0002.1");
    CHECK(f.motifs[1].nsites == 8);
    CHECK(f.motifs[1].rows[1] == motif_row{0.125, 0.125, 0.125, 0.625});
    CHECK(f.motifs[1].url == "http://example.org/matrix/TEST0002.1/");
    // The same file with lone-CR endings reads the same.
    std::string cr = text;
    std::erase(cr, '\n');
    const auto g = parse_meme(cr, "cr.meme");
    REQUIRE(g.motifs.size() == 2);
    CHECK(g.motifs[1].rows == f.motifs[1].rows);
}

TEST_CASE("meme: optional parts missing, S= for E=, background over lines, undefined lines skipped", "[meme]") {
    const std::string text = "\n\n"
                             "  MEME version 5.5.4 (Release date: some day)\n"
                             "a line the minimal format does not define\n"
                             "strands: +\n"
                             "Background letter frequencies (from a source: with colons (and parens))\n"
                             "\n"
                             "A 0.303 C 0.183\n"
                             "\tG 0.209\tT 0.306\n"
                             "MOTIF m1\n"
                             "letter-probability matrix:\n"
                             "0.1 0.2 0.3 0.4\n"
                             "0.4   0.3\t0.2 0.1   \n"
                             "MOTIF m2 alt extra words\n"
                             "letter-probability matrix: S= -12.5 w=2\n"
                             "\n"
                             "1 0 0 0\n"
                             "0 0 0 1\n"
                             "----------------\n"
                             "log-odds matrix: alength= 4 w= 2\n"
                             "1.9 -3.3 -3.3 -3.3\n"
                             "-3.3 -3.3 -3.3 1.9\n"
                             "MOTIF m3\n"
                             "letter-probability matrix: nsites = 7.5 E= 1.0e-500 S= 3\n"
                             "0.25 0.25 0.25 0.25\n"
                             "URL \n"
                             "MOTIF m4\n"
                             "letter-probability matrix: alength= 4\n"
                             "0.7 0.1 0.1 0.1";
    const auto f = parse_meme(text, "loose.meme");
    CHECK_FALSE(f.both_strands);
    // 0.303 + 0.183 + 0.209 + 0.306 = 1.001: renormalised so that background::validate accepts it.
    CHECK_NOTHROW(f.bg.validate("bg"));
    CHECK(f.bg.p[0] == Approx(0.303 / 1.001).epsilon(1e-12));
    CHECK(f.bg.p[3] == Approx(0.306 / 1.001).epsilon(1e-12));
    REQUIRE(f.motifs.size() == 4);
    CHECK(f.motifs[0].width() == 2);  // w inferred: the rows end at the next MOTIF line
    CHECK(f.motifs[0].nsites == 20);  // MEME's default
    CHECK(f.motifs[0].evalue == 0);
    CHECK(f.motifs[0].rows[1] == motif_row{0.4, 0.3, 0.2, 0.1});
    CHECK(f.motifs[1].name == "alt");
    CHECK(f.motifs[1].evalue == -12.5);  // S= stands in for E=
    CHECK(f.motifs[1].rows == motif_matrix{{1, 0, 0, 0}, {0, 0, 0, 1}});
    CHECK(f.motifs[2].nsites == 7.5);
    CHECK(f.motifs[2].evalue == 0);  // E= wins over S=; below the smallest double it reads as 0
    CHECK(f.motifs[2].width() == 1);  // rows end at the URL line
    CHECK(f.motifs[2].url.empty());
    CHECK(f.motifs[3].width() == 1);  // rows end at the end of the file
    CHECK(f.motifs[3].rows[0][0] == 0.7);
    // A row off from 1 by less than 0.01 is accepted as written (MEME prints rounded probabilities).
    const auto r = parse_meme(one_motif("letter-probability matrix:\n0.333 0.333 0.333 0.0\n"), "r.meme");
    CHECK(r.motifs[0].rows[0][0] == 0.333);
}

TEST_CASE("meme: format then parse is exact for random motifs, background and strands", "[meme]") {
    random_engine rng(2024);
    for (int trial = 0; trial < 20; ++trial) {
        io::meme_file f;
        f.both_strands = trial % 3 != 0;
        motif_row q{};
        double sum = 0;
        for (double& v : q) sum += (v = rng.uniform(0.05, 1.0));
        for (double& v : q) v /= sum;
        f.bg.p = q;
        const int n = 1 + static_cast<int>(rng.next() % 5);
        for (int i = 0; i < n; ++i) {
            const std::size_t W = 1 + rng.next() % 15;
            motif_matrix rows(W);
            for (auto& r : rows) {
                double s = 0;
                for (double& v : r) {
                    const auto kind = rng.next() % 6;
                    v = kind == 0 ? 0.0 : kind == 1 ? rng.uniform() * 1e-7 : rng.uniform();
                    s += v;
                }
                if (s == 0) r[rng.next() % 4] = s = 1;
                for (double& v : r) v /= s;
            }
            // (std::string + std::to_string, not "literal" + ...: GCC 12 warns falsely about the latter.)
            std::string id = std::string("m") + std::to_string(i), name = std::string("name_");
            id += '.';
            id += std::to_string(trial);
            name += std::to_string(i);
            motif m = motif::from_probabilities(id, i % 2 ? name : "", rows, rng.uniform(0.5, 5000.0));
            const auto e = rng.next() % 4;
            m.evalue = e == 0 ? 0.0 : e == 1 ? 5e-320 : e == 2 ? std::pow(10.0, -rng.uniform(0, 300)) : rng.uniform(0, 1e6);
            if (i % 3 == 1) m.url = "https://example.org/m?id=" + std::to_string(i) + "&x=" + std::to_string(trial);
            f.motifs.push_back(std::move(m));
        }
        const std::string text = io::format_meme(f);
        const auto g = parse_meme(text, "round.meme");
        CHECK(g.both_strands == f.both_strands);
        for (std::size_t b = 0; b < 4; ++b) CHECK(same_bits(g.bg.p[b], f.bg.p[b]));
        REQUIRE(g.motifs.size() == f.motifs.size());
        for (std::size_t i = 0; i < f.motifs.size(); ++i) {
            const motif& a = f.motifs[i];
            const motif& b = g.motifs[i];
            CHECK(b.id == a.id);
            CHECK(b.name == a.name);
            CHECK_FALSE(b.counts);
            CHECK(same_rows(b.rows, a.rows));
            CHECK(same_bits(b.nsites, a.nsites));
            CHECK(same_bits(b.evalue, a.evalue));
            CHECK(b.url == a.url);
        }
        CHECK(io::format_meme(g) == text);
    }
}

TEST_CASE("meme: the written text, and counts written as probabilities with their nsites", "[meme]") {
    io::meme_file f;
    f.both_strands = false;
    f.motifs.push_back(motif::from_counts("c1", "counted", {{1, 2, 3, 4}, {10, 0, 0, 0}}));
    f.motifs.back().url = "https://example.org/c1";
    const std::string text = io::format_meme(f);
    CHECK(text == "MEME version 4\n\nALPHABET= ACGT\n\nstrands: +\n\n"
                  "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n"
                  "MOTIF c1 counted\n"
                  "letter-probability matrix: alength= 4 w= 2 nsites= 10 E= 0\n"
                  "0.1  0.2  0.3  0.4\n"
                  "1    0    0    0\n"
                  "\n"
                  "URL https://example.org/c1\n\n");
    const auto g = parse_meme(text, "c.meme");
    REQUIRE(g.motifs.size() == 1);
    CHECK_FALSE(g.motifs[0].counts);
    CHECK(g.motifs[0].nsites == 10);
    CHECK(same_rows(g.motifs[0].rows, ppm(f.motifs[0])));
}

TEST_CASE("meme: format_meme refuses what the format cannot hold", "[meme]") {
    const auto good = motif::from_probabilities("a", "", {{0.25, 0.25, 0.25, 0.25}});
    auto with = [&](auto change) {
        io::meme_file f;
        f.motifs.push_back(good);
        change(f);
        return f;
    };
    CHECK_THROWS_WITH(io::format_meme(io::meme_file{}), Contains("format_meme: no motifs"));
    CHECK_THROWS_AS(io::format_meme(with([](io::meme_file& f) { f.motifs[0].id = "a b"; })), argument_error);
    CHECK_THROWS_WITH(io::format_meme(with([](io::meme_file& f) { f.motifs[0].id = "a b"; })),
                      Contains("the identifier 'a b' contains whitespace"));
    CHECK_THROWS_WITH(io::format_meme(with([](io::meme_file& f) { f.motifs[0].id = ""; })),
                      Contains("motif 0 has an empty identifier"));
    CHECK_THROWS_WITH(io::format_meme(with([](io::meme_file& f) { f.motifs[0].name = "x=y"; })),
                      Contains("the name 'x=y' contains"));
    CHECK_THROWS_WITH(io::format_meme(with([&](io::meme_file& f) { f.motifs.push_back(good); })),
                      Contains("motif 1 ('a'): identifier already used by motif 0"));
    CHECK_THROWS_WITH(io::format_meme(with([](io::meme_file& f) { f.motifs[0].url = "x\ny"; })),
                      Contains("the URL contains a line break"));
    CHECK_THROWS_WITH(io::format_meme(with([](io::meme_file& f) { f.motifs[0].evalue = INFINITY; })),
                      Contains("E-value is not finite"));
    CHECK_THROWS_WITH(io::format_meme(with([](io::meme_file& f) { f.motifs[0].rows[0][0] = 0.5; })),
                      Contains("motif 'a', position 1: probabilities sum to"));
    CHECK_THROWS_WITH(io::format_meme(with([](io::meme_file& f) { f.bg.p = {0.5, 0.5, 0.5, 0.5}; })),
                      Contains("format_meme: background frequencies sum to"));
}

TEST_CASE("meme: malformed files name file, line, motif and problem", "[meme]") {
    const std::string lp = "letter-probability matrix: alength= 4 w= 2\n";
    const std::string rows = "0.25 0.25 0.25 0.25\n0.1 0.2 0.3 0.4\n";
    CHECK_THROWS_AS(parse_meme("MOTIF a\n", "e.meme"), format_error);
    // The MEME version line: missing, misplaced, repeated.
    CHECK_THROWS_WITH(parse_meme("", "e.meme"), Contains("e.meme:1: empty file: expected the 'MEME version <n>' line"));
    CHECK_THROWS_WITH(parse_meme("ALPHABET= ACGT\n\nMEME version 4\n", "e.meme"),
                      Contains("e.meme:1: expected the 'MEME version <n>' line first (MEME minimal motif format), found "
                               "'ALPHABET= ACGT'"));
    CHECK_THROWS_WITH(parse_meme("\n\nMOTIF a\n" + lp + rows, "e.meme"),
                      Contains("e.meme:3: expected the 'MEME version <n>' line first"));
    CHECK_THROWS_WITH(parse_meme("MEME version\n", "e.meme"), Contains("e.meme:1: 'MEME version' without a version number"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + rows) + "\nMEME version 4\n", "e.meme"),
                      Contains("e.meme:8: a second 'MEME version' line (the first is at line 1"));
    // The header sections.
    CHECK_THROWS_WITH(parse_meme("MEME version 4\n\nALPHABET= ACGU\n", "e.meme"),
                      Contains("e.meme:3: ALPHABET= 'ACGU': seqnet reads DNA motifs"));
    CHECK_THROWS_WITH(parse_meme("MEME version 4\nALPHABET \"DNA\" DNA-LIKE\n", "e.meme"),
                      Contains("e.meme:2: custom alphabet definitions are not read"));
    CHECK_THROWS_WITH(parse_meme("MEME version 4\nALPHABET= ACGT\nALPHABET= ACGT\n", "e.meme"),
                      Contains("e.meme:3: a second ALPHABET line (the first is at line 2)"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + rows) + "ALPHABET= ACGT\n", "e.meme"),
                      Contains("e.meme:7: ALPHABET line after the first MOTIF"));
    CHECK_THROWS_WITH(parse_meme("MEME version 4\nstrands: -\n", "e.meme"),
                      Contains("e.meme:2: 'strands:' must be followed by '+' or '+ -', found '-'"));
    // The background.
    const std::string bgh = "MEME version 4\nBackground letter frequencies\n";
    CHECK_THROWS_WITH(parse_meme(bgh + "A 0.25 C 0.25 G 0.5\nMOTIF a\n", "e.meme"),
                      Contains("e.meme:4: background: expected 4 letter-frequency pairs (A p C p G p T p) after line 2, got 6"));
    CHECK_THROWS_WITH(parse_meme(bgh + "A 0.25 C 0.25 G 0.25 T 0.25 N 0\n", "e.meme"),
                      Contains("e.meme:3: background: expected 4 letter-frequency pairs"));
    CHECK_THROWS_WITH(parse_meme(bgh + "A 0.25 C 0.25\nU 0.25 T 0.25\n", "e.meme"),
                      Contains("e.meme:4: background: 'U' is not one of the letters A, C, G, T"));
    CHECK_THROWS_WITH(parse_meme(bgh + "A 0.25 C 0.25 A 0.25 T 0.25\n", "e.meme"),
                      Contains("e.meme:3: background: letter A is given twice"));
    CHECK_THROWS_WITH(parse_meme(bgh + "A 0.25 C 0.25 G 0 T 0.75\n", "e.meme"),
                      Contains("e.meme:3: background: frequency of G is 0; background frequencies must be positive"));
    CHECK_THROWS_WITH(parse_meme(bgh + "A 0.25 C 0.25 G x T 0.25\n", "e.meme"),
                      Contains("e.meme:3: background: frequency of G, 'x', is not a number"));
    CHECK_THROWS_WITH(parse_meme(bgh + "A 0.3 C 0.3 G 0.3 T 0.3\n", "e.meme"),
                      Contains("e.meme:3: background: frequencies sum to 1.200000, not 1"));
    CHECK_THROWS_WITH(parse_meme(bgh + "A 0.25 C 0.25 G 0.25 T 0.25\nBackground letter frequencies\n", "e.meme"),
                      Contains("e.meme:4: a second background"));
    // MOTIF lines.
    CHECK_THROWS_WITH(parse_meme("MEME version 4\nMOTIF\n", "e.meme"), Contains("e.meme:2: MOTIF line without an identifier"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + rows) + "\nMOTIF m1 again\n" + lp + rows, "e.meme"),
                      Contains("e.meme:8: duplicate motif identifier 'm1' (first at line 3)"));
    CHECK_THROWS_WITH(parse_meme(one_motif("\n") + "MOTIF m2\n" + lp + rows, "e.meme"),
                      Contains("e.meme:3: motif 'm1' has no letter-probability matrix"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + rows + lp + rows), "e.meme"),
                      Contains("e.meme:7: motif 'm1' has a second letter-probability matrix (the first at line 4)"));
    CHECK_THROWS_WITH(parse_meme("MEME version 4\n" + lp + rows, "e.meme"),
                      Contains("e.meme:2: letter-probability matrix before any MOTIF line"));
    CHECK_THROWS_WITH(parse_meme("MEME version 4\nURL http://x\n", "e.meme"), Contains("e.meme:2: URL line before any MOTIF line"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + rows) + "URL a\nURL b\n", "e.meme"),
                      Contains("e.meme:8: motif 'm1' has a second URL line (the first at line 7)"));
    // The letter-probability matrix line.
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: alength= 20 w= 1\n" + rows), "e.meme"),
                      Contains("e.meme:4: motif 'm1': alength= 20; seqnet reads DNA motifs, alength= 4"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: alength 4\n" + rows), "e.meme"),
                      Contains("e.meme:4: motif 'm1': expected 'key= value' in the letter-probability matrix line, found 'alength'"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: w= \n" + rows), "e.meme"),
                      Contains("e.meme:4: motif 'm1': expected 'key= value'"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: w= 0\n" + rows), "e.meme"),
                      Contains("e.meme:4: motif 'm1': w= '0' is not a positive integer"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: w= 2.5\n" + rows), "e.meme"),
                      Contains("w= '2.5' is not a positive integer"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: nsites= 0\n" + rows), "e.meme"),
                      Contains("e.meme:4: motif 'm1': nsites= '0' is not a positive number"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: E= big\n" + rows), "e.meme"),
                      Contains("e.meme:4: motif 'm1': E= 'big' is not a number"));
    // w against the rows.
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: w= 3\n" + rows + "\nMOTIF m2\n"), "e.meme"),
                      Contains("e.meme:7: motif 'm1': the matrix ends after 2 of the w= 3 rows declared at line 4"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: w= 3\n" + rows + "MOTIF m2\n"), "e.meme"),
                      Contains("e.meme:7: motif 'm1': the matrix ends after 2 of the w= 3 rows"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: w= 1\n" + rows), "e.meme"),
                      Contains("e.meme:6: motif 'm1': more rows than the w= 1 declared at line 4"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix:\n\nMOTIF m2\n"), "e.meme"),
                      Contains("e.meme:6: motif 'm1': the matrix ends before any row of the letter-probability matrix at line 4"));
    // Truncated at the end of the file.
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix: w= 3\n" + rows), "e.meme"),
                      Contains("e.meme:6: motif 'm1': the matrix is cut off by the end of the file after 2 of the w= 3 rows"));
    CHECK_THROWS_WITH(parse_meme(one_motif("letter-probability matrix:\n\n"), "e.meme"),
                      Contains("e.meme:5: motif 'm1': the matrix is cut off by the end of the file before any row"));
    // Rows.
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + "0.25 0.25 0.25 0.25\n0.5 0.25 0.25\n"), "e.meme"),
                      Contains("e.meme:6: motif 'm1', position 2: row has 3 columns, expected 4 (A, C, G, T)"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + "0.2 0.2 0.2 0.2 0.2\n0.25 0.25 0.25 0.25\n"), "e.meme"),
                      Contains("e.meme:5: motif 'm1', position 1: row has 5 columns"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + "0.25 x 0.25 0.25\n" + rows), "e.meme"),
                      Contains("e.meme:5: motif 'm1', position 1: column 2, 'x', is not a number"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + "0.25 0.25 0.25 nan\n" + rows), "e.meme"), Contains("'nan', is not a number"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + "0.5 0.5 0.1 -0.1\n" + rows), "e.meme"),
                      Contains("e.meme:5: motif 'm1', position 1: negative probability -0.1 in column 4"));
    CHECK_THROWS_WITH(parse_meme(one_motif(lp + "0.25 0.25 0.25 0.25\n0.1 0.2 0.3 0.38\n"), "e.meme"),
                      Contains("e.meme:6: motif 'm1', position 2: probabilities sum to 0.980000, not 1 (within 0.01)"));
    // No motifs at all.
    CHECK_THROWS_WITH(parse_meme("MEME version 4\n\nALPHABET= ACGT\n", "e.meme"), Contains("e.meme: no motifs"));
    CHECK_THROWS_WITH(parse_meme(std::string("MEME version 4\nMOTIF \0\n", 23), "e.meme"), Contains("e.meme:2: NUL byte"));
}

TEST_CASE("meme: read_meme and write_meme, plain and gzip", "[meme]") {
    test::temp_dir dir("seqnet_meme");
    const auto f = parse_meme(two_motifs, "two.meme");
    io::write_meme(dir.file("w.meme"), f);
    CHECK(test::read_bytes(dir.file("w.meme")) == io::format_meme(f));
    test::write_gzip(dir.file("w.meme.gz"), io::format_meme(f));
    for (const auto* name : {"w.meme", "w.meme.gz"}) {
        const auto g = io::read_meme(dir.file(name));
        REQUIRE(g.motifs.size() == 2);
        CHECK(g.motifs[1].id == "tre");
        CHECK(g.motifs[1].rows == f.motifs[1].rows);
        CHECK(g.motifs[1].url == f.motifs[1].url);
        CHECK(g.bg.p == f.bg.p);
    }
    CHECK_THROWS_WITH(io::read_meme(dir.file("none.meme")), Contains("none.meme: cannot open"));
    CHECK_THROWS_WITH(io::write_meme(dir.path / "no_dir" / "x.meme", f), Contains("x.meme: cannot open for writing"));
    test::write_file(dir.file("bad.meme"), "MEME version 4\nMOTIF a\nletter-probability matrix:\n0.5 0.5 0.5 0.5\n");
    CHECK_THROWS_WITH(io::read_meme(dir.file("bad.meme")),
                      Contains(dir.file("bad.meme").string() + ":4: motif 'a', position 1: probabilities sum to 2.000000"));
}

TEST_CASE("meme: fuzzed files either parse into valid motifs or throw seqnet::error", "[meme]") {
    const std::string alphabet("\t\n\r #-+.0159eEACGTUMOIFRLSw=:[](\0", 32);
    const auto c = test::fuzz_parser(two_motifs, alphabet, 7, 3000, [](const std::string& text) {
        const auto f = parse_meme(text, "fuzz");
        CHECK_FALSE(f.motifs.empty());
        CHECK_NOTHROW(f.bg.validate("fuzz"));
        for (const auto& m : f.motifs) CHECK_NOTHROW(m.validate());
    });
    CHECK(c.parsed > 100);
    CHECK(c.rejected > 100);
}
