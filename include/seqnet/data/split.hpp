// seqnet/data/split.hpp -- training, validation and test sets from one dataset.
//
// By fraction: a seeded shuffle, then the first rows are the test set, the next the validation set, the
// rest the training set (the same seed gives the same split). By chromosome: windows cut from a genome
// go to the validation or test set when their chromosome is held out, as Basset and DeepSEA held out
// whole chromosomes so that no test window overlaps a training one.
#pragma once

#include <seqnet/data/dataset.hpp>
#include <seqnet/layers/random.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace seqnet {

struct dataset_split {
    dataset training, validation, test;
};

/// A seeded random split: `validation` and `test` are fractions of the sequences (each in [0, 1), with
/// at least one sequence left for training).
inline dataset_split split_by_fraction(const dataset& d, double validation, double test, std::uint64_t seed = 1) {
    if (!(validation >= 0 && test >= 0 && validation + test < 1))
        throw argument_error("split_by_fraction: validation (" + std::to_string(validation) + ") and test (" +
                             std::to_string(test) + ") fractions must be non-negative and sum to less than 1");
    const index_t n = d.size();
    std::vector<index_t> order(static_cast<std::size_t>(n));
    for (index_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
    random_engine rng(mix64(seed) ^ 0x5b11);
    shuffle(std::span<index_t>(order), rng);
    const auto n_test = static_cast<std::size_t>(double(n) * test);
    const auto n_valid = static_cast<std::size_t>(double(n) * validation);
    if (n_test + n_valid >= order.size())
        throw argument_error("split_by_fraction: " + std::to_string(n) + " sequences leave none for training");
    const std::span<const index_t> all(order);
    return {d.subset(all.subspan(n_test + n_valid)), d.subset(all.subspan(n_test, n_valid)),
            d.subset(all.subspan(0, n_test))};
}

/// Rows whose chromosome (one per row of `d`) is in `validation` or `test` go to those sets; the rest
/// train. A chromosome named in both lists, or in neither list while absent from the data, is an error.
inline dataset_split split_by_chromosome(const dataset& d, const std::vector<std::string>& chromosome_of_row,
                                         const std::set<std::string>& validation, const std::set<std::string>& test) {
    if (chromosome_of_row.size() != static_cast<std::size_t>(d.size()))
        throw argument_error("split_by_chromosome: " + std::to_string(chromosome_of_row.size()) + " chromosomes for " +
                             std::to_string(d.size()) + " sequences");
    const std::set<std::string> present(chromosome_of_row.begin(), chromosome_of_row.end());
    for (const auto& c : validation) {
        if (test.contains(c)) throw argument_error("split_by_chromosome: " + c + " is held out for both validation and test");
        if (!present.contains(c)) throw argument_error("split_by_chromosome: validation chromosome " + c + " has no sequences");
    }
    for (const auto& c : test)
        if (!present.contains(c)) throw argument_error("split_by_chromosome: test chromosome " + c + " has no sequences");
    std::vector<index_t> train_rows, valid_rows, test_rows;
    for (index_t i = 0; i < d.size(); ++i) {
        const auto& c = chromosome_of_row[static_cast<std::size_t>(i)];
        (validation.contains(c) ? valid_rows : test.contains(c) ? test_rows : train_rows).push_back(i);
    }
    if (train_rows.empty()) throw argument_error("split_by_chromosome: no sequences are left for training");
    return {d.subset(train_rows), d.subset(valid_rows), d.subset(test_rows)};
}

}  // namespace seqnet
