// tests for seqnet/data/shuffle.hpp
#include <catch2/catch.hpp>
#include <seqnet/data/shuffle.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>

using namespace seqnet;

namespace {

std::map<std::string, int> dinucleotides(const std::string& s) {
    std::map<std::string, int> m;
    for (std::size_t i = 0; i + 1 < s.size(); ++i) ++m[s.substr(i, 2)];
    return m;
}

std::string random_dna(random_engine& rng, std::size_t n, const char* letters = "ACGT") {
    const std::size_t k = std::char_traits<char>::length(letters);
    std::string s(n, 'A');
    for (auto& c : s) c = letters[rng.next() % k];
    return s;
}

}  // namespace

TEST_CASE("shuffle: dinucleotide counts, first and last base are kept", "[shuffle]") {
    random_engine rng(1);
    for (const std::size_t n : {3, 4, 10, 57, 300, 2000}) {
        for (int rep = 0; rep < 5; ++rep) {
            const std::string s = random_dna(rng, n, rep % 2 ? "ACGTN" : "ACGT");
            const std::string t = dinucleotide_shuffle(s, rng);
            REQUIRE(t.size() == s.size());
            CHECK(t.front() == s.front());
            CHECK(t.back() == s.back());
            CHECK(dinucleotides(t) == dinucleotides(s));
        }
    }
}

TEST_CASE("shuffle: seeded, deterministic, and different seeds differ", "[shuffle]") {
    random_engine rng(2);
    const std::string s = random_dna(rng, 500);
    const std::string a = dinucleotide_shuffle(s, std::uint64_t(7));
    CHECK(a == dinucleotide_shuffle(s, std::uint64_t(7)));
    CHECK(a != dinucleotide_shuffle(s, std::uint64_t(8)));
    CHECK(a != s);
    random_engine r1(3), r2(3);
    CHECK(dinucleotide_shuffle(s, r1) == dinucleotide_shuffle(s, r2));
    const std::string x = dinucleotide_shuffle(s, r1), y = dinucleotide_shuffle(s, r1);  // the engine advances
    CHECK(x != y);
}

TEST_CASE("shuffle: lowercase is uppercased, N is a letter, trivial inputs come back", "[shuffle]") {
    const std::string s = "acgtNNacgtTTGGccaaNgtacgatcgatcgatttagc";
    std::string upper = s;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string t = dinucleotide_shuffle(s, std::uint64_t(5));
    CHECK(dinucleotides(t) == dinucleotides(upper));
    CHECK(std::count(t.begin(), t.end(), 'N') == 3);
    CHECK(t.find_first_of("acgtn") == std::string::npos);
    CHECK(dinucleotide_shuffle("", std::uint64_t(1)).empty());
    CHECK(dinucleotide_shuffle("a", std::uint64_t(1)) == "A");
    CHECK(dinucleotide_shuffle("ag", std::uint64_t(1)) == "AG");
    CHECK(dinucleotide_shuffle("AAAAAA", std::uint64_t(1)) == "AAAAAA");
    CHECK(dinucleotide_shuffle("ACACACAC", std::uint64_t(1)) == "ACACACAC");  // the only arrangement
}

TEST_CASE("shuffle: every sequence with the same dinucleotide counts is equally likely", "[shuffle]") {
    // All arrangements of the letters with the same first and last letter and dinucleotide counts, by
    // brute force over permutations; the shuffle must hit only these, each about equally often.
    const std::string s = "AACGTACGAT";
    std::set<std::string> valid;
    std::string p = s.substr(1, s.size() - 2);
    std::sort(p.begin(), p.end());
    const auto target = dinucleotides(s);
    do {
        const std::string cand = s.front() + p + s.back();
        if (dinucleotides(cand) == target) valid.insert(cand);
    } while (std::next_permutation(p.begin(), p.end()));
    REQUIRE(valid.size() > 5);
    std::map<std::string, int> seen;
    random_engine rng(11);
    const int draws = 400 * static_cast<int>(valid.size());
    for (int i = 0; i < draws; ++i) ++seen[dinucleotide_shuffle(s, rng)];
    CHECK(seen.size() == valid.size());
    double chi2 = 0;
    for (const auto& v : valid) {
        const double d = seen[v] - 400.0;
        chi2 += d * d / 400.0;
    }
    // Degrees of freedom valid.size() - 1; the mean is df and the standard deviation sqrt(2 df): a
    // generous bound that a clearly biased sampler exceeds.
    const double df = static_cast<double>(valid.size()) - 1;
    CHECK(chi2 < df + 6 * std::sqrt(2 * df));
}
