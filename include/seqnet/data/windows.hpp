// seqnet/data/windows.hpp -- fixed-length training windows cut from a genome around peaks (BED
// intervals), one task per peak file, with negatives from flanking regions or dinucleotide shuffles.
//
// make_windows(genome, tasks, intervals, options) takes one interval list per task (e.g. the
// io::read_bed of one narrowPeak file each) and a genome with fetch(chrom, start, end), length(chrom)
// and contains(chrom) (io::indexed_fasta, io::hts_fasta, or anything alike; the headers are not needed
// here). For each interval it cuts options.length bases centred on its summit (narrowPeak) or else its
// midpoint start + (end - start) / 2: the window is [centre - length/2, centre - length/2 + length),
// 0-based half-open, and is named "chrom:start-end" in those coordinates ("chr1:1000-1600").
//
// Labels: a window is 1 for every task with an interval that contains the window's centre base --
// so a peak shared by two tasks is positive for both -- and 0 for the other tasks (with
// overlap_labels = false: 1 only for the task(s) whose interval produced the window). Intervals giving
// the same window (same coordinates) make one window. Negatives are 0 for every task:
//   flanks    two per positive window, centred flank_offset bases before and after its centre, kept if
//             they overlap no interval of any task and are not already a window;
//   shuffled  one per positive window: its sequence dinucleotide-shuffled (data/shuffle.hpp, uppercase),
//             named "<window>/shuffled", seeded from options.seed and the window's index;
//   none      no negatives (multi-task data whose tasks are each other's negatives).
// Windows that run past a chromosome end, or whose share of bases other than A/C/G/T (either case) is
// above max_n_fraction, are skipped and counted in the summary. Sequences are kept as the genome stores
// them (soft-masking kept). An interval on a chromosome the genome lacks is an argument_error naming the
// task and the interval's line, unless skip_unknown_chromosomes (then it is counted). Windows come in a
// fixed order: positives by task, then by interval order; then the negatives of each positive in turn.
// Each window's chromosome is kept for held-out-chromosome splits.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/data/dataset.hpp>
#include <seqnet/data/shuffle.hpp>
#include <seqnet/layers/random.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seqnet {

/// Random access to a genome: what make_windows needs (io::indexed_fasta and io::hts_fasta have it).
template <class G>
concept genome_source = requires(const G& g, const std::string& chrom, index_t i) {
    { g.fetch(chrom, i, i) } -> std::convertible_to<std::string>;
    { g.length(chrom) } -> std::convertible_to<index_t>;
    { g.contains(chrom) } -> std::convertible_to<bool>;
};

/// An interval as make_windows reads it (io::bed_interval is one): chrom, start, end (0-based,
/// half-open), summit (offset from start, or -1) and line (for messages).
template <class I>
concept genomic_interval = requires(const I& x) {
    { x.chrom } -> std::convertible_to<std::string_view>;
    { x.start } -> std::convertible_to<index_t>;
    { x.end } -> std::convertible_to<index_t>;
    { x.summit } -> std::convertible_to<index_t>;
    { x.line } -> std::convertible_to<index_t>;
};

struct window_options {
    index_t length = 600;  ///< window length in bases
    enum class negatives_from { none, flanks, shuffled };
    negatives_from negatives = negatives_from::flanks;
    index_t flank_offset = 3000;       ///< distance from a positive window's centre to its flank windows' centres
    double max_n_fraction = 0.1;       ///< skip windows with a larger share of non-ACGT bases
    bool overlap_labels = true;        ///< 1 for every task whose interval contains the centre (see the file comment)
    bool skip_unknown_chromosomes = false;  ///< count intervals on chromosomes the genome lacks instead of throwing
    std::uint64_t seed = 1;            ///< for shuffled negatives
};

/// What make_windows kept and skipped.
struct window_summary {
    index_t intervals = 0;           ///< intervals given, all tasks
    index_t positives = 0;           ///< positive windows made
    index_t duplicates = 0;          ///< intervals whose window another interval had already made
    index_t past_chromosome_end = 0; ///< positive windows skipped: past a chromosome end
    index_t too_many_n = 0;          ///< positive windows skipped: above max_n_fraction
    index_t unknown_chromosome = 0;  ///< intervals skipped (skip_unknown_chromosomes)
    index_t negatives = 0;           ///< negative windows made
    index_t negatives_past_chromosome_end = 0;
    index_t negatives_too_many_n = 0;
    index_t negatives_overlapping = 0;  ///< flank windows skipped: overlapping an interval or another window
};

/// Windows with their labels: rows for dataset::add.
struct window_set {
    std::vector<std::string> tasks;
    std::vector<std::string> names;        ///< "chr1:1000-1600" (0-based half-open), "<name>/shuffled"
    std::vector<std::string> sequences;    ///< options.length bases each
    std::vector<std::string> chromosomes;  ///< chromosome of each window (of its source for shuffles)
    std::vector<index_t> starts;           ///< 0-based start of each window (of its source for shuffles)
    std::vector<float> labels;             ///< size() x tasks.size(), row-major
    window_summary summary;

    index_t size() const { return static_cast<index_t>(names.size()); }
    std::span<const float> labels_of(index_t i) const {
        return {labels.data() + static_cast<std::size_t>(i) * tasks.size(), tasks.size()};
    }
};

namespace detail {

// Intervals of one chromosome sorted by start, with the running maximum of their ends: "does any
// interval overlap [s, e)?" and "which tasks contain position p?" by binary search.
struct interval_index {
    struct item {
        index_t start, end;
        std::size_t task;
    };
    std::vector<item> items;
    std::vector<index_t> max_end;  // max end over items[0..i]

    void finish() {
        std::sort(items.begin(), items.end(), [](const item& a, const item& b) { return a.start < b.start; });
        max_end.resize(items.size());
        index_t m = 0;
        for (std::size_t i = 0; i < items.size(); ++i) max_end[i] = m = std::max(m, items[i].end);
    }
    // Number of items with start < e.
    std::size_t before(index_t e) const {
        return static_cast<std::size_t>(
            std::partition_point(items.begin(), items.end(), [&](const item& x) { return x.start < e; }) -
            items.begin());
    }
    bool overlaps(index_t s, index_t e) const {
        const std::size_t n = before(e);
        return n > 0 && max_end[n - 1] > s;
    }
    void tasks_containing(index_t p, std::vector<float>& row) const {
        for (std::size_t i = before(p + 1); i-- > 0;) {
            if (max_end[i] <= p) break;
            if (items[i].end > p) row[items[i].task] = 1.0f;
        }
    }
};

inline bool too_many_n(std::string_view s, double max_fraction) {
    index_t other = 0;
    for (char c : s)
        switch (c) {
            case 'A': case 'C': case 'G': case 'T': case 'a': case 'c': case 'g': case 't': break;
            default: ++other;
        }
    return static_cast<double>(other) > max_fraction * static_cast<double>(s.size());
}

inline std::string window_name(std::string_view chrom, index_t start, index_t end) {
    return std::string(chrom) + ":" + std::to_string(start) + "-" + std::to_string(end);
}

}  // namespace detail

/// Windows around the intervals of each task, with negatives (see the file comment). `intervals[t]` are
/// task t's intervals; tasks.size() must equal intervals.size().
template <genome_source Genome, genomic_interval Interval>
window_set make_windows(const Genome& genome, const std::vector<std::string>& tasks,
                        const std::vector<std::vector<Interval>>& intervals, const window_options& options = {}) {
    using negatives_from = window_options::negatives_from;
    if (tasks.size() != intervals.size())
        throw argument_error("make_windows: " + std::to_string(tasks.size()) + " task names for " +
                             std::to_string(intervals.size()) + " interval lists");
    if (tasks.empty()) throw argument_error("make_windows: no tasks");
    if (options.length < 1) throw argument_error("make_windows: window length must be at least 1");
    if (options.flank_offset < options.length && options.negatives == negatives_from::flanks)
        throw argument_error("make_windows: flank_offset " + std::to_string(options.flank_offset) +
                             " is less than the window length " + std::to_string(options.length) +
                             " (flank windows would overlap their positive window)");
    if (!(options.max_n_fraction >= 0.0))
        throw argument_error("make_windows: max_n_fraction must be 0 or more");

    window_set w;
    w.tasks = tasks;
    auto& sum = w.summary;
    const std::size_t T = tasks.size();
    const index_t half = options.length / 2;

    // Every known interval by chromosome, for labels and for keeping flanks off peaks.
    std::map<std::string, detail::interval_index, std::less<>> by_chrom;
    for (std::size_t t = 0; t < T; ++t)
        for (const auto& iv : intervals[t]) {
            const std::string_view chrom = iv.chrom;
            ++sum.intervals;
            if (!genome.contains(std::string(chrom))) {
                if (options.skip_unknown_chromosomes) {
                    ++sum.unknown_chromosome;
                    continue;
                }
                throw argument_error("make_windows: task '" + tasks[t] + "', interval at line " +
                                     std::to_string(static_cast<index_t>(iv.line)) + " (" +
                                     detail::window_name(chrom, iv.start, iv.end) + "): the genome has no chromosome '" +
                                     std::string(chrom) + "' (or set skip_unknown_chromosomes)");
            }
            if (iv.end <= iv.start || iv.start < 0)
                throw argument_error("make_windows: task '" + tasks[t] + "', interval at line " +
                                     std::to_string(static_cast<index_t>(iv.line)) + ": empty or negative range");
            by_chrom[std::string(chrom)].items.push_back({iv.start, iv.end, t});
        }
    for (auto& [c, idx] : by_chrom) idx.finish();

    std::unordered_map<std::string, std::size_t> made;  // window name -> row
    std::vector<float> row(T);
    auto add = [&](std::string name, std::string chrom, index_t start, std::string seq) {
        made.emplace(name, w.names.size());
        w.names.push_back(std::move(name));
        w.chromosomes.push_back(std::move(chrom));
        w.starts.push_back(start);
        w.sequences.push_back(std::move(seq));
        w.labels.insert(w.labels.end(), row.begin(), row.end());
    };

    // Positives.
    for (std::size_t t = 0; t < T; ++t)
        for (const auto& iv : intervals[t]) {
            const std::string chrom(std::string_view(iv.chrom));
            auto idx = by_chrom.find(chrom);
            if (idx == by_chrom.end()) continue;  // unknown chromosome, counted above
            const index_t summit = iv.summit;
            const index_t centre = summit >= 0 ? iv.start + summit : iv.start + (iv.end - iv.start) / 2;
            const index_t s = centre - half, e = s + options.length;
            std::string name = detail::window_name(chrom, s, e);
            if (auto m = made.find(name); m != made.end()) {
                ++sum.duplicates;
                w.labels[m->second * T + t] = 1.0f;
                continue;
            }
            if (s < 0 || e > genome.length(chrom)) {
                ++sum.past_chromosome_end;
                continue;
            }
            std::string seq = genome.fetch(chrom, s, e);
            if (detail::too_many_n(seq, options.max_n_fraction)) {
                ++sum.too_many_n;
                continue;
            }
            std::fill(row.begin(), row.end(), 0.0f);
            if (options.overlap_labels) idx->second.tasks_containing(centre, row);
            row[t] = 1.0f;
            add(std::move(name), chrom, s, std::move(seq));
            ++sum.positives;
        }

    // Negatives.
    const std::size_t positives = w.names.size();
    std::fill(row.begin(), row.end(), 0.0f);
    for (std::size_t p = 0; p < positives && options.negatives != negatives_from::none; ++p) {
        const std::string chrom = w.chromosomes[p];
        if (options.negatives == negatives_from::shuffled) {
            std::string seq = dinucleotide_shuffle(w.sequences[p], mix64(options.seed ^ mix64(p)));
            if (detail::too_many_n(seq, options.max_n_fraction)) {  // cannot happen: same letters as its source
                ++sum.negatives_too_many_n;
                continue;
            }
            add(w.names[p] + "/shuffled", chrom, w.starts[p], std::move(seq));
            ++sum.negatives;
            continue;
        }
        const detail::interval_index& idx = by_chrom.find(chrom)->second;
        const index_t len = genome.length(chrom);
        for (const index_t shift : {-options.flank_offset, options.flank_offset}) {
            const index_t s = w.starts[p] + shift, e = s + options.length;
            if (s < 0 || e > len) {
                ++sum.negatives_past_chromosome_end;
                continue;
            }
            std::string name = detail::window_name(chrom, s, e);
            if (idx.overlaps(s, e) || made.count(name)) {
                ++sum.negatives_overlapping;
                continue;
            }
            std::string seq = genome.fetch(chrom, s, e);
            if (detail::too_many_n(seq, options.max_n_fraction)) {
                ++sum.negatives_too_many_n;
                continue;
            }
            add(std::move(name), chrom, s, std::move(seq));
            ++sum.negatives;
        }
    }
    return w;
}

/// The windows one-hot encoded as a dataset (names, sequences and labels in window order).
inline dataset make_dataset(const window_set& w, ambiguity_policy policy = ambiguity_policy::zeros) {
    if (w.names.empty()) throw argument_error("make_dataset: no windows (every interval was skipped?)");
    dataset d(static_cast<index_t>(w.sequences.front().size()), w.tasks, policy);
    for (index_t i = 0; i < w.size(); ++i)
        d.add(w.names[static_cast<std::size_t>(i)], w.sequences[static_cast<std::size_t>(i)], w.labels_of(i));
    return d;
}

}  // namespace seqnet
