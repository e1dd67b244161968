// tests for seqnet/io/jaspar.hpp
#include <catch2/catch.hpp>
#include "fuzz_text.hpp"
#include <seqnet/io/jaspar.hpp>
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
using io::parse_jaspar;

namespace {

// Written by hand from IUPAC consensus strings: GACT with 20 sites a column, and TGASTCA with column
// totals from 18 to 21.
const std::string collection = ">TEST0001.1\tFooA\n"
                               "A  [     0     18      1      0 ]\n"
                               "C  [     1      0     19      0 ]\n"
                               "G  [    19      1      0      1 ]\n"
                               "T  [     0      1      0     19 ]\n"
                               "\n"
                               ">TEST0002.2\tBar-like factor (var.2)\n"
                               "A  [  1  0 17  0  1  0 16 ]\n"
                               "C  [  0  1  1  9  0 18  1 ]\n"
                               "G  [  0 19  1  9  0  1  1 ]\n"
                               "T  [ 19  0  0  1 20  1  0 ]\n";

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

bool same_rows(const motif_matrix& a, const motif_matrix& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t k = 0; k < a.size(); ++k)
        for (std::size_t c = 0; c < 4; ++c)
            if (!same_bits(a[k][c], b[k][c])) return false;
    return true;
}

}  // namespace

TEST_CASE("jaspar: a bracketed collection is read as counts, positions as rows", "[jaspar]") {
    const auto v = parse_jaspar(collection, "c.jaspar");
    REQUIRE(v.size() == 2);
    const motif& a = v[0];
    CHECK(a.id == "TEST0001.1");
    CHECK(a.name == "FooA");
    CHECK(a.counts);
    CHECK(a.width() == 4);
    CHECK(a.rows[0] == motif_row{0, 1, 19, 0});  // JASPAR's first column is seqnet's first row
    CHECK(a.rows[1] == motif_row{18, 0, 1, 1});
    CHECK(a.rows[3] == motif_row{0, 0, 1, 19});
    CHECK(a.nsites == 20);
    CHECK(a.evalue == 0);
    CHECK(a.url.empty());
    CHECK(consensus(ppm(a)) == "GACT");
    const motif& b = v[1];
    CHECK(b.id == "TEST0002.2");
    CHECK(b.name == "Bar-like factor (var.2)");  // a tab separates ID and name, so the name keeps its spaces
    CHECK(b.width() == 7);
    CHECK(b.rows[3] == motif_row{0, 9, 9, 1});
    CHECK(b.rows[4] == motif_row{1, 0, 0, 20});
    CHECK(b.nsites == 21);  // the largest column total (they run from 18 to 21)
    CHECK(consensus(ppm(b)) == "TGASTCA");
    CHECK_NOTHROW(a.validate());
    CHECK_NOTHROW(b.validate());
}

TEST_CASE("jaspar: PPM columns sum to 1 whatever each column's total (SCIENCE.md 26c)", "[jaspar]") {
    const auto v = parse_jaspar(">X1 x\nA [ 1 0 2.5 ]\nC [ 1 7 2.5 ]\nG [ 1 0 0 ]\nT [ 1 0 5 ]\n", "x.jaspar");
    REQUIRE(v.size() == 1);
    const auto p = ppm(v[0]);
    for (const auto& r : p) CHECK(r[0] + r[1] + r[2] + r[3] == Approx(1.0).epsilon(1e-15));
    CHECK(p[0] == motif_row{0.25, 0.25, 0.25, 0.25});
    CHECK(p[1] == motif_row{0, 1, 0, 0});
    CHECK(p[2] == motif_row{0.25, 0.25, 0, 0.5});
    CHECK(v[0].nsites == 10);
}

TEST_CASE("jaspar: what real files contain: CRLF, tabs, spaces, brackets without spaces, any row order", "[jaspar]") {
    const std::string text = "\r\n"
                             "  >TEST0003.1 Baz  \r\n"
                             "T\t[\t0\t5\t]\t\r\n"
                             "\r\n"
                             "a[3 0]\r\n"
                             "C  [1 0 ]   \r\n"
                             "G [ 1  0]\r\n"
                             ">TEST0004.1\r\n"
                             "A  [ 2 ]\r\n"
                             "C  [ 0 ]\r\n"
                             "G  [ 0 ]\r\n"
                             "T  [ 0 ]";
    const auto v = parse_jaspar(text, "crlf.jaspar");
    REQUIRE(v.size() == 2);
    CHECK(v[0].id == "TEST0003.1");
    CHECK(v[0].name == "Baz");
    CHECK(v[0].rows == motif_matrix{{3, 1, 1, 0}, {0, 0, 0, 5}});
    CHECK(v[1].id == "TEST0004.1");
    CHECK(v[1].name.empty());
    CHECK(v[1].rows == motif_matrix{{2, 0, 0, 0}});
}

TEST_CASE("jaspar: raw pfm, with headers, as a collection, and headerless (id from the file name)", "[jaspar]") {
    const auto one = parse_jaspar(">TEST0005.1 Qux\n4.00\t19.00 0.00\n16 0 20\n0 1 0\n0.5 0 0\n", "q.pfm");
    REQUIRE(one.size() == 1);
    CHECK(one[0].id == "TEST0005.1");
    CHECK(one[0].name == "Qux");
    CHECK(one[0].rows == motif_matrix{{4, 16, 0, 0.5}, {19, 0, 1, 0}, {0, 20, 0, 0}});
    CHECK(one[0].nsites == 20.5);

    const auto many = parse_jaspar(">P1 one\n1 0\n0 1\n0 0\n0 0\n\n>P2 two\n0\n0\n3\n1\n", "many.pfm");
    REQUIRE(many.size() == 2);
    CHECK(many[0].rows == motif_matrix{{1, 0, 0, 0}, {0, 1, 0, 0}});
    CHECK(many[1].id == "P2");
    CHECK(many[1].rows == motif_matrix{{0, 0, 3, 1}});

    // JASPAR's older single-matrix downloads hold only the four rows.
    const std::string bare = "  4  19  0\n 16   0 20\n  0   1  0\n  0   0  0\n";
    const auto h = parse_jaspar(bare, "downloads/TEST0006.1.pfm");
    REQUIRE(h.size() == 1);
    CHECK(h[0].id == "TEST0006.1");
    CHECK(h[0].name.empty());
    CHECK(h[0].rows[1] == motif_row{19, 0, 1, 0});
    CHECK(parse_jaspar(bare, "x")[0].id == "x");
    test::temp_dir dir("seqnet_jaspar");
    test::write_gzip(dir.file("TEST0007.1.pfm.gz"), bare);
    const auto g = io::read_jaspar(dir.file("TEST0007.1.pfm.gz"));
    REQUIRE(g.size() == 1);
    CHECK(g[0].id == "TEST0007.1");
    CHECK(g[0].rows == h[0].rows);
}

TEST_CASE("jaspar: format then parse is exact for counts, non-integer counts and unequal column totals", "[jaspar]") {
    random_engine rng(99);
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<motif> in;
        const int n = 1 + static_cast<int>(rng.next() % 5);
        for (int i = 0; i < n; ++i) {
            const std::size_t W = 1 + rng.next() % 20;
            motif_matrix c(W);
            for (auto& r : c) {
                for (double& v : r) {
                    const auto kind = rng.next() % 5;
                    v = kind == 0 ? 0.0 : kind == 1 ? std::floor(rng.uniform(0, 100)) : kind == 2 ? rng.uniform(0, 1e-3)
                                                                                                : rng.uniform(0, 1e4);
                }
                if (r[0] + r[1] + r[2] + r[3] == 0) r[rng.next() % 4] = 1;
            }
            in.push_back(motif::from_counts("ID" + std::to_string(trial) + "." + std::to_string(i),
                                            i % 2 ? "" : "factor " + std::to_string(i) + "::x", std::move(c)));
        }
        const std::string text = io::format_jaspar(in);
        const auto out = parse_jaspar(text, "round.jaspar");
        REQUIRE(out.size() == in.size());
        for (std::size_t i = 0; i < in.size(); ++i) {
            CHECK(out[i].id == in[i].id);
            CHECK(out[i].name == in[i].name);
            CHECK(out[i].counts);
            CHECK(same_rows(out[i].rows, in[i].rows));
            CHECK(same_bits(out[i].nsites, in[i].nsites));
        }
        CHECK(io::format_jaspar(out) == text);
    }
}

TEST_CASE("jaspar: the written text; probabilities written as p * nsites", "[jaspar]") {
    const std::vector<motif> v{motif::from_counts("TEST0008.1", "Aa", {{0.5, 10, 0, 0}, {100, 0, 1, 2}}),
                               motif::from_probabilities("p1", "", {{0.25, 0.25, 0.25, 0.25}, {0.5, 0, 0.5, 0}}, 8)};
    const std::string text = io::format_jaspar(v);
    CHECK(text == ">TEST0008.1\tAa\n"
                  "A  [ 0.5 100 ]\n"
                  "C  [  10   0 ]\n"
                  "G  [   0   1 ]\n"
                  "T  [   0   2 ]\n"
                  "\n"
                  ">p1\n"
                  "A  [ 2 4 ]\n"
                  "C  [ 2 0 ]\n"
                  "G  [ 2 4 ]\n"
                  "T  [ 2 0 ]\n");
    const auto back = parse_jaspar(text, "w.jaspar");
    REQUIRE(back.size() == 2);
    CHECK(back[1].counts);
    CHECK(back[1].nsites == 8);
    CHECK(ppm(back[1]) == v[1].rows);
}

TEST_CASE("jaspar: to MEME and back to probabilities", "[jaspar]") {
    io::meme_file f;
    f.motifs = parse_jaspar(collection, "c.jaspar");
    // MEME's alternate names cannot hold spaces; the writer refuses rather than change the name.
    CHECK_THROWS_WITH(io::format_meme(f), Contains("the name 'Bar-like factor (var.2)' contains whitespace"));
    f.motifs[1].name = "Bar-like";
    const auto g = io::parse_meme(io::format_meme(f), "c.meme");
    REQUIRE(g.motifs.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(g.motifs[i].id == f.motifs[i].id);
        CHECK(g.motifs[i].name == f.motifs[i].name);
        CHECK(same_rows(g.motifs[i].rows, ppm(f.motifs[i])));
        CHECK(g.motifs[i].nsites == f.motifs[i].nsites);
    }
}

TEST_CASE("jaspar: format_jaspar refuses what the format cannot hold", "[jaspar]") {
    const auto good = motif::from_counts("a", "b", {{1, 0, 0, 0}});
    auto with = [&](auto change) {
        std::vector<motif> v{good};
        change(v);
        return v;
    };
    CHECK_THROWS_AS(io::format_jaspar({}), argument_error);
    CHECK_THROWS_WITH(io::format_jaspar({}), Contains("format_jaspar: no motifs"));
    CHECK_THROWS_WITH(io::format_jaspar(with([](auto& v) { v[0].id = ""; })), Contains("motif 0 has an empty identifier"));
    CHECK_THROWS_WITH(io::format_jaspar(with([](auto& v) { v[0].id = "a b"; })),
                      Contains("motif 0 ('a b'): the identifier contains whitespace"));
    CHECK_THROWS_WITH(io::format_jaspar(with([](auto& v) { v[0].name = "x\ty"; })), Contains("the name contains a tab"));
    CHECK_THROWS_WITH(io::format_jaspar(with([](auto& v) { v[0].name = " x"; })), Contains("the name starts or ends with a space"));
    CHECK_THROWS_WITH(io::format_jaspar(with([&](auto& v) { v.push_back(good); })),
                      Contains("motif 1 ('a'): identifier already used by motif 0"));
    CHECK_THROWS_WITH(io::format_jaspar(with([](auto& v) { v[0].rows[0] = {0, 0, 0, 0}; })),
                      Contains("motif 'a', position 1: no counts"));
    CHECK_THROWS_WITH(io::format_jaspar(with([](auto& v) { v[0].rows[0][1] = -1; })), Contains("is not a finite non-negative"));
}

TEST_CASE("jaspar: malformed files name file, line, motif and problem", "[jaspar]") {
    const std::string h = ">M1\tm\n";
    CHECK_THROWS_AS(parse_jaspar(h + "A [ 1 ]\n", "e.jaspar"), format_error);
    // Base rows missing, repeated, too many; unequal lengths.
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 ]\nC [ 1 ]\nG [ 1 ]\n>M2\tn\n", "e.jaspar"),
                      Contains("e.jaspar:1: motif 'M1' has no T row"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 ]\nC [ 1 ]\nA [ 1 ]\nT [ 1 ]\n", "e.jaspar"),
                      Contains("e.jaspar:4: motif 'M1': a second A row (the first at line 2)"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 2 ]\nC [ 1 2 ]\nG [ 1 ]\nT [ 1 2 ]\n", "e.jaspar"),
                      Contains("e.jaspar:4: motif 'M1', row G has 1 counts but row A (line 2) has 2; rows must be of equal length"));
    CHECK_THROWS_WITH(parse_jaspar(">M1 m\n1 2\n1 2\n1 2\n", "e.pfm"),
                      Contains("e.pfm:1: motif 'M1' has 3 count rows, expected 4 (A, C, G, T)"));
    CHECK_THROWS_WITH(parse_jaspar(">M1 m\n1 2\n1 2\n1 2\n1 2\n1 2\n", "e.pfm"),
                      Contains("e.pfm:6: motif 'M1': a fifth count row; a motif has 4 (A, C, G, T)"));
    CHECK_THROWS_WITH(parse_jaspar(">M1 m\n1 2\n1 2\n1\n1 2\n", "e.pfm"),
                      Contains("e.pfm:4: motif 'M1', row G has 1 counts but row A (line 2) has 2"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 ]\nC [ 1 ]\n1\n1\n", "e.jaspar"),
                      Contains("e.jaspar:4: motif 'M1' mixes rows with base letters and brackets and rows without"));
    CHECK_THROWS_WITH(parse_jaspar(h + "\n" + ">M2\tn\nA [1]\nC [1]\nG [1]\nT [1]\n", "e.jaspar"),
                      Contains("e.jaspar:1: motif 'M1' has no count rows"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ ]\n", "e.jaspar"), Contains("e.jaspar:2: motif 'M1', row A: no counts"));
    // Brackets.
    CHECK_THROWS_WITH(parse_jaspar(h + "A 1 2 ]\n", "e.jaspar"),
                      Contains("e.jaspar:2: motif 'M1', row A: expected '[' after the base letter"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 2\n", "e.jaspar"), Contains("e.jaspar:2: motif 'M1', row A: no closing ']'"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 2 ] 3\n", "e.jaspar"),
                      Contains("e.jaspar:2: motif 'M1', row A: text after ']': '3'"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 [ 2 ]\n", "e.jaspar"), Contains("e.jaspar:2: motif 'M1', row A: a second '['"));
    CHECK_THROWS_WITH(parse_jaspar(h + "N [ 1 2 ]\n", "e.jaspar"),
                      Contains("e.jaspar:2: motif 'M1': a bracketed row starts with 'N', not one of the base letters A, C, G, T"));
    CHECK_THROWS_WITH(parse_jaspar(h + "[ 1 2 ]\n", "e.jaspar"),
                      Contains("e.jaspar:2: motif 'M1': brackets in a row without a base letter"));
    // Counts.
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 x 3 ]\n", "e.jaspar"),
                      Contains("e.jaspar:2: motif 'M1', row A, position 2: 'x' is not a number (expected counts)"));
    CHECK_THROWS_WITH(parse_jaspar(">M1 m\n1 2\n1 2\nsome text\n", "e.pfm"),
                      Contains("e.pfm:4: motif 'M1', row G, position 1: 'some' is not a number (expected counts)"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 inf ]\n", "e.jaspar"), Contains("'inf' is not a number"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 2 ]\nC [ 1 -2 ]\n", "e.jaspar"),
                      Contains("e.jaspar:3: motif 'M1', row C, position 2: negative count -2"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [ 1 0 ]\nC [ 1 0 ]\nG [ 1 0 ]\nT [ 1 0 ]\n", "e.jaspar"),
                      Contains("e.jaspar:1: motif 'M1', position 2: no counts (the column totals 0)"));
    // Headers.
    CHECK_THROWS_WITH(parse_jaspar("A [ 1 ]\nC [ 1 ]\nG [ 1 ]\nT [ 1 ]\n", "e.jaspar"),
                      Contains("e.jaspar:1: count rows without a '>ID NAME' header before them (no header)"));
    CHECK_THROWS_WITH(parse_jaspar("\n1\n1\n1\n1\n>M2 x\n1\n1\n1\n1\n", "e.pfm"),
                      Contains("e.pfm:2: count rows without a '>ID NAME' header before them (no header)"));
    CHECK_THROWS_WITH(parse_jaspar(">M1 x\n1\n1\n1\n1\n\n1\n", "e.pfm"), Contains("e.pfm:7: motif 'M1': a fifth count row"));
    CHECK_THROWS_WITH(parse_jaspar("MEME version 4\n", "e.jaspar"),
                      Contains("e.jaspar:1: expected a '>ID NAME' header, found 'MEME version 4'"));
    CHECK_THROWS_WITH(parse_jaspar(">\tname\nA [ 1 ]\n", "e.jaspar"), Contains("e.jaspar:1: header without a matrix ID"));
    CHECK_THROWS_WITH(parse_jaspar(">  \n", "e.jaspar"), Contains("e.jaspar:1: header without a matrix ID"));
    CHECK_THROWS_WITH(parse_jaspar(h + "A [1]\nC [1]\nG [1]\nT [1]\n>M1\tagain\n", "e.jaspar"),
                      Contains("e.jaspar:6: duplicate motif identifier 'M1' (first at line 1)"));
    CHECK_THROWS_WITH(parse_jaspar("\n  \n", "e.jaspar"), Contains("e.jaspar: no motifs"));
    CHECK_THROWS_WITH(parse_jaspar(std::string(">M1\nA [ 1\0 ]\n", 12), "e.jaspar"), Contains("e.jaspar:2: NUL byte"));
}

TEST_CASE("jaspar: read_jaspar and write_jaspar, plain and gzip", "[jaspar]") {
    test::temp_dir dir("seqnet_jaspar");
    const auto v = parse_jaspar(collection, "c.jaspar");
    io::write_jaspar(dir.file("w.jaspar"), v);
    CHECK(test::read_bytes(dir.file("w.jaspar")) == io::format_jaspar(v));
    test::write_gzip(dir.file("w.jaspar.gz"), collection);
    for (const auto* name : {"w.jaspar", "w.jaspar.gz"}) {
        const auto w = io::read_jaspar(dir.file(name));
        REQUIRE(w.size() == 2);
        CHECK(w[1].id == "TEST0002.2");
        CHECK(w[1].name == "Bar-like factor (var.2)");
        CHECK(w[1].rows == v[1].rows);
    }
    CHECK_THROWS_WITH(io::read_jaspar(dir.file("none.jaspar")), Contains("none.jaspar: cannot open"));
    CHECK_THROWS_WITH(io::write_jaspar(dir.path / "no_dir" / "x.jaspar", v), Contains("x.jaspar: cannot open for writing"));
    test::write_file(dir.file("bad.jaspar"), ">M1\tm\nA [ 1 ]\nC [ 1 ]\nC [ 1 ]\n");
    CHECK_THROWS_WITH(io::read_jaspar(dir.file("bad.jaspar")),
                      Contains(dir.file("bad.jaspar").string() + ":4: motif 'M1': a second C row"));
}

TEST_CASE("jaspar: fuzzed files either parse into valid motifs or throw seqnet::error", "[jaspar]") {
    const std::string alphabet("\t\n\r >[]-+.0159eACGTx\0", 21);
    for (const std::string& base : {collection, std::string(">P1 one\n1 0 2\n0 1 2\n0 0 2\n0 0 2\n\n>P2 two\n0\n0\n3\n1\n")}) {
        const auto c = test::fuzz_parser(base, alphabet, 5, 3000, [](const std::string& text) {
            for (const auto& m : parse_jaspar(text, "fuzz")) {
                CHECK(m.counts);
                CHECK_FALSE(m.id.empty());
                CHECK_NOTHROW(m.validate());
            }
        });
        CHECK(c.parsed > 100);
        CHECK(c.rejected > 100);
    }
}
