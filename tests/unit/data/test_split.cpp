// tests for seqnet/data/split.hpp
#include <catch2/catch.hpp>

#include <seqnet/data/split.hpp>

#include <set>

using namespace seqnet;
using Catch::Contains;

namespace {
dataset numbered(int n) {
    dataset d(4, {"t"});
    for (int i = 0; i < n; ++i) {
        const float label = float(i % 2);
        d.add(std::string("s").append(std::to_string(i)), "ACGT", std::span<const float>(&label, 1));
    }
    return d;
}
std::set<std::string> names(const dataset& d) { return {d.names().begin(), d.names().end()}; }
}  // namespace

TEST_CASE("a split by fraction is a seeded partition", "[split]") {
    const dataset d = numbered(100);
    const auto a = split_by_fraction(d, 0.2, 0.1, 7), b = split_by_fraction(d, 0.2, 0.1, 7), c = split_by_fraction(d, 0.2, 0.1, 8);
    CHECK(a.training.size() == 70);
    CHECK(a.validation.size() == 20);
    CHECK(a.test.size() == 10);
    auto all = names(a.training);
    for (const auto& n : names(a.validation)) CHECK(all.insert(n).second);
    for (const auto& n : names(a.test)) CHECK(all.insert(n).second);
    CHECK(all == names(d));
    CHECK(a.validation.names() == b.validation.names());
    CHECK(a.validation.names() != c.validation.names());
    // Labels travel with their sequences.
    for (index_t i = 0; i < a.test.size(); ++i) {
        const index_t j = d.find(a.test.names()[static_cast<std::size_t>(i)]);
        CHECK(a.test.labels(i)[0] == d.labels(j)[0]);
    }
    CHECK_THROWS_WITH(split_by_fraction(d, 0.6, 0.5), Contains("sum to less than 1"));
}

TEST_CASE("a split by chromosome holds whole chromosomes out", "[split]") {
    const dataset d = numbered(6);
    const std::vector<std::string> chrom{"chr1", "chr2", "chr1", "chr3", "chr2", "chr1"};
    const auto s = split_by_chromosome(d, chrom, {"chr2"}, {"chr3"});
    CHECK(names(s.training) == std::set<std::string>{"s0", "s2", "s5"});
    CHECK(names(s.validation) == std::set<std::string>{"s1", "s4"});
    CHECK(names(s.test) == std::set<std::string>{"s3"});
    CHECK_THROWS_WITH(split_by_chromosome(d, chrom, {"chr2"}, {"chr2"}), Contains("both validation and test"));
    CHECK_THROWS_WITH(split_by_chromosome(d, chrom, {"chrX"}, {}), Contains("validation chromosome chrX has no sequences"));
    CHECK_THROWS_WITH(split_by_chromosome(d, chrom, {"chr1", "chr2"}, {"chr3"}), Contains("no sequences are left for training"));
}
