// seqnet/data/simulate.hpp -- simulated sequences with planted motifs and known labels, after the
// simulations of the DeepLIFT paper (Shrikumar, Greenside & Kundaje 2017): a model trained on them should
// find, and an interpretation method should highlight, exactly the planted sites.
//
// Each sequence is drawn base by base, independently, with the given GC content (C and G each gc/2, A
// and T each (1-gc)/2). Then, for each motif (one task each), independently with motif_probability, the
// sequence receives 1..max_instances instances of it (the count uniform), each sampled from the motif's
// PPM position by position and written on a random strand (the reverse complement of the sample for
// '-'). Instances never overlap: the arrangement of all of a sequence's instances is drawn uniformly among
// the non-overlapping ones, so placement cannot fail once the worst case (every motif max_instances
// times) fits in the length, which is checked up front. A task's label is 1 when its motif was planted,
// else 0 (a chance match in the background does not count). Sequences are named sim_000000, sim_000001...
//
// Random numbers come from random_engine (layers/random.hpp), one stream per sequence derived from the
// seed and the sequence's index: the output is identical on every platform, and the first n sequences do
// not depend on how many are drawn in all. Cost O(sequences * length).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/data/dataset.hpp>
#include <seqnet/data/motif_set.hpp>
#include <seqnet/layers/random.hpp>
#include <seqnet/tensor/dna.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace seqnet {

struct simulation_options {
    index_t sequences = 20000;  ///< how many sequences
    index_t length = 200;       ///< bases per sequence
    double gc = 0.42;           ///< background GC content (the human genome's average is about 0.41)
    /// One task per entry: a built-in motif name (builtin_motifs(), case-insensitive) or a motif of
    /// your own written NAME=CONSENSUS (IUPAC, e.g. "cre=TGACGTCA").
    std::vector<std::string> motifs = {"ctcf", "gata", "ebox"};
    double motif_probability = 0.5;  ///< chance that a sequence carries each motif, independently
    index_t max_instances = 2;       ///< a carried motif appears 1..max_instances times (uniform)
    double sharpness = 0.85;         ///< of the motifs' PPMs (pwm_from_consensus); 1 plants the consensus
    std::uint64_t seed = 1;
};

/// One planted motif instance.
struct planted {
    index_t task = 0;    ///< which motif: an index into simulated::motifs and the label column
    index_t start = 0;   ///< 0-based first position in the sequence as written
    index_t length = 0;  ///< motif width: the instance covers [start, start + length)
    char strand = '+';   ///< '-': the sequence there is the reverse complement of `site`
    std::string site;    ///< the sampled instance read on the motif's own strand (5' to 3')
};

/// A simulated data set with its ground truth.
struct simulated {
    dataset data;                                  ///< one-hot sequences and 0/1 labels, one task per motif
    std::vector<std::string> sequences;            ///< the sequences as text, in data's order
    std::vector<std::vector<planted>> instances;   ///< per sequence, its planted instances by start
    std::vector<pwm> motifs;                       ///< the PPMs used, one per task (task names = their names)
};

namespace detail {

// Uniform on 0..n-1 (n >= 1).
inline index_t uniform_index(random_engine& rng, index_t n) {
    const auto i = static_cast<index_t>(rng.uniform() * static_cast<double>(n));
    return i < n ? i : n - 1;
}

// A base drawn from a PPM row; a base of probability 0 is never drawn.
inline char sample_base(random_engine& rng, const std::array<double, 4>& p) {
    const double u = rng.uniform();
    double cumulative = 0.0;
    int last = 0;
    for (int b = 0; b < 4; ++b) {
        if (p[static_cast<std::size_t>(b)] <= 0.0) continue;
        cumulative += p[static_cast<std::size_t>(b)];
        last = b;
        if (u < cumulative) return "ACGT"[b];
    }
    return "ACGT"[last];  // u beyond a row sum rounded just below 1
}

// The motif an entry of simulation_options::motifs names, at the given sharpness.
inline pwm resolve_motif(const std::string& entry, double sharpness) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) {
        const pwm& m = builtin_motif(entry);
        return pwm_from_consensus(m.name, m.consensus, sharpness);
    }
    const std::string name = entry.substr(0, eq);
    if (name.empty()) throw argument_error("simulate: motif '" + entry + "' has no name before '='");
    for (const char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
            throw argument_error("simulate: motif name '" + name +
                                 "' may hold only letters, digits, '_', '-' and '.'");
    return pwm_from_consensus(name, entry.substr(eq + 1), sharpness);
}

}  // namespace detail

/// Simulates a data set (see the file comment). Throws argument_error for an unknown motif name (the
/// message lists the built-in ones), a repeated motif, a motif longer than the sequences, motifs that
/// cannot all fit max_instances times in one sequence, or a count, length or probability out of range.
inline simulated simulate(const simulation_options& o) {
    const auto fail = [](const std::string& what) { throw argument_error("simulate: " + what); };
    if (o.sequences < 0) fail("sequences must be at least 0, got " + std::to_string(o.sequences));
    if (o.length < 1) fail("length must be at least 1, got " + std::to_string(o.length));
    if (!(o.gc >= 0.0 && o.gc <= 1.0)) fail("gc must be in [0, 1], got " + std::to_string(o.gc));
    if (!(o.motif_probability >= 0.0 && o.motif_probability <= 1.0))
        fail("motif_probability must be in [0, 1], got " + std::to_string(o.motif_probability));
    if (o.max_instances < 1) fail("max_instances must be at least 1, got " + std::to_string(o.max_instances));

    simulated out;
    std::vector<std::string> tasks;
    index_t worst = 0;  // bases taken when every motif is planted max_instances times
    std::string worst_terms;
    for (const auto& entry : o.motifs) {
        pwm m = detail::resolve_motif(entry, o.sharpness);
        if (std::find(tasks.begin(), tasks.end(), m.name) != tasks.end())
            fail("motif '" + m.name + "' is listed twice");
        if (m.length() > o.length)
            fail("motif '" + m.name + "' (" + std::to_string(m.length()) + " bp) is longer than the sequences (" +
                 std::to_string(o.length) + " bp)");
        worst += o.max_instances * m.length();
        worst_terms += (worst_terms.empty() ? "" : " + ") + std::to_string(o.max_instances) + " x " +
                       std::to_string(m.length()) + " bp (" + m.name + ")";
        tasks.push_back(m.name);
        out.motifs.push_back(std::move(m));
    }
    if (worst > o.length)
        fail("the motifs cannot all fit in one sequence without overlapping: " + worst_terms + " = " +
             std::to_string(worst) + " bp > length " + std::to_string(o.length) +
             "; lower max_instances, use fewer motifs or longer sequences");

    out.data = dataset(o.length, tasks);
    const auto n = static_cast<std::size_t>(o.sequences);
    const auto task_count = out.motifs.size();
    out.sequences.reserve(n);
    out.instances.reserve(n);

    // Background A | C | G | T at cumulative (1-gc)/2, 1/2, (1+gc)/2, 1.
    const double a_end = (1.0 - o.gc) / 2.0, g_end = (1.0 + o.gc) / 2.0;
    std::vector<index_t> order, slots;
    std::vector<float> labels(task_count);
    for (index_t i = 0; i < o.sequences; ++i) {
        random_engine rng(mix64(o.seed ^ mix64(static_cast<std::uint64_t>(i))));
        std::string seq(static_cast<std::size_t>(o.length), 'N');
        for (auto& c : seq) {
            const double u = rng.uniform();
            c = u < a_end ? 'A' : u < 0.5 ? 'C' : u < g_end ? 'G' : 'T';
        }

        // Which motifs, how many times each.
        order.clear();
        index_t taken = 0;
        for (std::size_t t = 0; t < task_count; ++t) {
            const bool present = rng.uniform() < o.motif_probability;
            labels[t] = present ? 1.0f : 0.0f;
            if (!present) continue;
            const index_t count = 1 + detail::uniform_index(rng, o.max_instances);
            for (index_t c = 0; c < count; ++c) order.push_back(static_cast<index_t>(t));
            taken += count * out.motifs[t].length();
        }
        // A uniform non-overlapping arrangement: the instances in random order, and the free bases split
        // into gaps before, between and after them by k distinct slots among free + k (Floyd's sample).
        const auto k = static_cast<index_t>(order.size());
        for (index_t j = k - 1; j > 0; --j) std::swap(order[static_cast<std::size_t>(j)],
                                                      order[static_cast<std::size_t>(detail::uniform_index(rng, j + 1))]);
        const index_t range = o.length - taken + k;
        slots.clear();
        for (index_t j = range - k; j < range; ++j) {
            const index_t s = detail::uniform_index(rng, j + 1);
            slots.push_back(std::find(slots.begin(), slots.end(), s) == slots.end() ? s : j);
        }
        std::sort(slots.begin(), slots.end());

        std::vector<planted> here;
        here.reserve(order.size());
        index_t covered = 0;  // motif bases left of the current instance
        for (index_t j = 0; j < k; ++j) {
            const pwm& m = out.motifs[static_cast<std::size_t>(order[static_cast<std::size_t>(j)])];
            planted p;
            p.task = order[static_cast<std::size_t>(j)];
            p.start = slots[static_cast<std::size_t>(j)] - j + covered;
            p.length = m.length();
            p.strand = rng.uniform() < 0.5 ? '+' : '-';
            p.site.resize(static_cast<std::size_t>(m.length()));
            for (std::size_t q = 0; q < p.site.size(); ++q) p.site[q] = detail::sample_base(rng, m.probs[q]);
            const std::string written = p.strand == '+' ? p.site : reverse_complement(p.site);
            seq.replace(static_cast<std::size_t>(p.start), written.size(), written);
            covered += m.length();
            here.push_back(std::move(p));
        }

        char name[32];
        std::snprintf(name, sizeof name, "sim_%06lld", static_cast<long long>(i));
        out.data.add(name, seq, labels);
        out.sequences.push_back(std::move(seq));
        out.instances.push_back(std::move(here));
    }
    return out;
}

}  // namespace seqnet
