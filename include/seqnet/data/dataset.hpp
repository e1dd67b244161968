// seqnet/data/dataset.hpp -- labelled sequences in memory, one-hot encoded, ready for batching.
//
// A dataset holds N sequences of one length L as an N x 4 x L one-hot block (A, C, G, T; IUPAC codes
// by the chosen ambiguity_policy) and an N x T label block, one column per task. A missing label is
// NaN: losses and metrics leave it out (train/losses.hpp masks it, train/metrics.hpp skips it).
// Sequences are added by name; names must be unique within a dataset.
#pragma once

#include <seqnet/tensor/buffer.hpp>
#include <seqnet/tensor/dna.hpp>
#include <seqnet/tensor/view.hpp>

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace seqnet {

/// The value that marks a missing label.
inline constexpr float missing_label = std::numeric_limits<float>::quiet_NaN();
inline bool is_missing(float label) { return std::isnan(label); }

class dataset {
public:
    dataset() = default;
    /// An empty dataset for sequences of `length` bases and one label column per task.
    dataset(index_t length, std::vector<std::string> tasks, ambiguity_policy policy = ambiguity_policy::zeros)
        : length_(length), tasks_(std::move(tasks)), policy_(policy) {
        if (length < 1) throw argument_error("dataset: sequence length must be at least 1");
    }

    /// Adds one sequence with its labels (one per task; missing_label where unknown). Throws
    /// argument_error for a wrong length, label count or a duplicate name, encoding_error for a
    /// character that is not a nucleotide code.
    void add(std::string_view name, std::string_view sequence, std::span<const float> labels) {
        const std::string id(name);
        if (static_cast<index_t>(sequence.size()) != length_)
            throw argument_error("dataset: sequence '" + id + "' has " + std::to_string(sequence.size()) +
                                 " bases; this dataset holds sequences of " + std::to_string(length_));
        if (labels.size() != tasks_.size())
            throw argument_error("dataset: sequence '" + id + "' has " + std::to_string(labels.size()) +
                                 " labels for " + std::to_string(tasks_.size()) + " tasks");
        if (!index_.emplace(id, size()).second)
            throw argument_error("dataset: duplicate sequence name '" + id + "'");
        const std::size_t at = x_.size();
        x_.resize(at + static_cast<std::size_t>(4 * length_));
        try {
            encode_one_hot(sequence, x_.data() + at, length_, policy_, id);
        } catch (...) {
            x_.resize(at);
            index_.erase(id);
            throw;
        }
        names_.push_back(id);
        y_.insert(y_.end(), labels.begin(), labels.end());
    }

    index_t size() const { return static_cast<index_t>(names_.size()); }
    bool empty() const { return names_.empty(); }
    index_t length() const { return length_; }
    index_t task_count() const { return static_cast<index_t>(tasks_.size()); }
    const std::vector<std::string>& tasks() const { return tasks_; }
    const std::vector<std::string>& names() const { return names_; }
    ambiguity_policy policy() const { return policy_; }

    /// Index of the sequence called `name`, or -1.
    index_t find(std::string_view name) const {
        auto it = index_.find(std::string(name));
        return it == index_.end() ? -1 : it->second;
    }

    /// All inputs, N x 4 x L.
    const_batch_view<float> inputs() const { return {x_.data(), size(), {4, length_}}; }
    /// Input i, 4 x L.
    const float* input(index_t i) const { return x_.data() + i * 4 * length_; }
    /// Labels of sequence i (task_count() values).
    std::span<const float> labels(index_t i) const {
        return {y_.data() + i * task_count(), static_cast<std::size_t>(task_count())};
    }
    /// All labels, N x T row-major.
    std::span<const float> labels() const { return y_; }

    /// The sequences at `rows`, in that order, as a new dataset (splits, shuffled copies).
    dataset subset(std::span<const index_t> rows) const {
        dataset d(length_, tasks_, policy_);
        d.x_.resize(rows.size() * static_cast<std::size_t>(4 * length_));
        d.y_.reserve(rows.size() * tasks_.size());
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const index_t i = rows[r];
            if (i < 0 || i >= size()) throw argument_error("dataset::subset: row " + std::to_string(i) + " out of range");
            std::copy(input(i), input(i) + 4 * length_, d.x_.data() + r * static_cast<std::size_t>(4 * length_));
            auto l = labels(i);
            d.y_.insert(d.y_.end(), l.begin(), l.end());
            if (!d.index_.emplace(names_[i], static_cast<index_t>(r)).second)
                throw argument_error("dataset::subset: row " + std::to_string(i) + " ('" + names_[i] + "') appears twice");
            d.names_.push_back(names_[i]);
        }
        return d;
    }

private:
    index_t length_ = 0;
    std::vector<std::string> tasks_;
    ambiguity_policy policy_ = ambiguity_policy::zeros;
    std::vector<std::string> names_;
    std::unordered_map<std::string, index_t> index_;
    std::vector<float> x_;
    std::vector<float> y_;
};

}  // namespace seqnet
