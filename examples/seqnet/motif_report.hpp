// What `seqnet motifs` and the demo's motif stage share: a model's first-layer filters turned into
// motifs, ranked by influence, compared with a motif database, and written as files and a report.
#pragma once

#include <seqnet/models/spec_model.hpp>
#include <seqnet/motif/compare.hpp>
#include <seqnet/motif/from_filters.hpp>

#include <xtensor/xtensor.hpp>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace seqnet::cli {

struct motif_report_options {
    filter_motif_options extraction{};
    index_t min_sites = 10;        // fewer sites: not read as a motif (Basset's rule)
    double trim_bits = 0.2;        // edges below this information are trimmed before comparing
    compare_options comparison{};
    double max_q = 0.5;            // matches.tsv lists matches up to this q-value (Tomtom's -thresh)
    index_t shown_matches = 3;     // best matches per filter in the report
    std::vector<std::pair<std::string, std::string>> settings;  // shown at the top of the report
};

/// One filter's outcome.
struct filter_outcome {
    filter_motif found;
    double influence = 0;
    std::vector<double> task_influence;
    bool informative = false;
    std::optional<motif_match> best;  // its best database match, if compared
};

/// matches.tsv's header and one row: query, target, target_name, offset, strand, overlap, p, E, q and
/// both consensus strings.
void write_match_header(std::FILE* f);
void write_match_row(std::FILE* f, const motif& query, const motif& target, const motif_match& m);

/// Runs the whole recipe on x (N x 4 x L) and writes, into out: filters.meme and filters.jaspar (the
/// informative filters), influence.tsv, logos/filter_<f>.svg, matches.tsv (with a database) and
/// report.html. Returns the filters, most influential first.
std::vector<filter_outcome> write_motif_report(spec_model& model, context<cpu>& ctx, const xt::xtensor<float, 3>& x,
                                               const std::vector<motif>* database, const motif_report_options& o,
                                               const std::filesystem::path& out);

}  // namespace seqnet::cli
