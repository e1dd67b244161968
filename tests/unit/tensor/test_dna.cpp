// tests for seqnet/tensor/dna.hpp
#include <catch2/catch.hpp>
#include <seqnet/tensor/dna.hpp>

using namespace seqnet;

TEST_CASE("one_hot encodes A,C,G,T as channels 0..3, N x 4 x L", "[dna]") {
    auto x = one_hot(std::vector<std::string>{"ACGT", "TTAG"});
    REQUIRE(x.shape()[0] == 2);
    REQUIRE(x.shape()[1] == 4);
    REQUIRE(x.shape()[2] == 4);
    // Sequence 0 is the identity pattern.
    for (std::size_t c = 0; c < 4; ++c)
        for (std::size_t l = 0; l < 4; ++l) CHECK(x(0, c, l) == (c == l ? 1.0f : 0.0f));
    CHECK(x(1, 3, 0) == 1.0f);
    CHECK(x(1, 3, 1) == 1.0f);
    CHECK(x(1, 0, 2) == 1.0f);
    CHECK(x(1, 2, 3) == 1.0f);
}

TEST_CASE("one_hot is case-insensitive and reads U as T", "[dna]") {
    auto upper = one_hot("ACGTT");
    auto lower = one_hot("acgtu");
    REQUIRE((upper == lower));
}

TEST_CASE("ambiguity codes follow the chosen policy", "[dna]") {
    auto zeros = one_hot("N", ambiguity_policy::zeros);
    auto uniform = one_hot("N", ambiguity_policy::uniform);
    auto frac = one_hot("RNB", ambiguity_policy::fractional);
    for (std::size_t c = 0; c < 4; ++c) {
        CHECK(zeros(c, 0) == 0.0f);
        CHECK(uniform(c, 0) == 0.25f);
        CHECK(frac(c, 1) == 0.25f);
    }
    // R = A or G
    CHECK(frac(0, 0) == 0.5f);
    CHECK(frac(1, 0) == 0.0f);
    CHECK(frac(2, 0) == 0.5f);
    CHECK(frac(3, 0) == 0.0f);
    // B = not A
    CHECK(frac(0, 2) == 0.0f);
    CHECK(frac(1, 2) == Approx(1.0 / 3));
    // Under 'uniform', every ambiguity code is 0.25 everywhere.
    auto uniform_r = one_hot("r", ambiguity_policy::uniform);
    for (std::size_t c = 0; c < 4; ++c) CHECK(uniform_r(c, 0) == 0.25f);
}

TEST_CASE("an invalid character names the sequence and the position", "[dna]") {
    try {
        one_hot(std::vector<std::string>{"ACGT", "ACXT"}, ambiguity_policy::zeros,
                std::vector<std::string>{"chr1:100-104", "chr2:5-9"});
        FAIL("no error");
    } catch (const encoding_error& e) {
        const std::string msg = e.what();
        CHECK(msg.find("chr2:5-9") != std::string::npos);
        CHECK(msg.find("position 2") != std::string::npos);
        CHECK(msg.find("'X'") != std::string::npos);
    }
    CHECK_THROWS_AS(one_hot("AC-G"), encoding_error);
    CHECK_THROWS_WITH(one_hot(std::string("AC\nG")), Catch::Contains("byte 0x0a"));
}

TEST_CASE("sequences of unequal length are refused by name", "[dna]") {
    CHECK_THROWS_WITH(one_hot(std::vector<std::string>{"ACGT", "ACG"}),
                      Catch::Contains("sequence 1") && Catch::Contains("length 3"));
}

TEST_CASE("reverse complement of strings is IUPAC-aware and keeps case", "[dna]") {
    CHECK(reverse_complement("ACGTN") == "NACGT");
    CHECK(reverse_complement("AAGc") == "gCTT");
    CHECK(reverse_complement("RYKMBDHVSW") == "WSBDHVKMRY");
    CHECK(reverse_complement(reverse_complement("GATTACAnnRY")) == "GATTACAnnRY");
    CHECK_THROWS_AS(reverse_complement("AC#"), encoding_error);
}

TEST_CASE("reverse complement of a one-hot tensor equals encoding the reverse-complement string", "[dna]") {
    const std::vector<std::string> seqs{"ACGGTCAATG", "TTTTGCAGCA"};
    std::vector<std::string> rc;
    for (auto& s : seqs) rc.push_back(reverse_complement(s));
    REQUIRE((reverse_complement(one_hot(seqs)) == one_hot(rc)));
    REQUIRE((reverse_complement(one_hot(seqs[0])) == one_hot(rc[0])));
}

TEST_CASE("decode_one_hot inverts one_hot and marks ambiguous columns N", "[dna]") {
    CHECK(decode_one_hot(one_hot("GATTACA")) == "GATTACA");
    CHECK(decode_one_hot(one_hot("ANA")) == "ANA");
}
