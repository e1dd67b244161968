// seqnet motifs: what the first-layer filters of a model learned, as motifs, ranked by influence and
// matched against a motif database. seqnet compare: any motifs against a database, like Tomtom.
#include "commands.hpp"
#include "motif_report.hpp"
#include "workflow.hpp"

#include <seqnet/io/model_file.hpp>
#include <seqnet/io/motif_file.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace seqnet::cli {

namespace {

std::string shortest(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

column_similarity similarity_from(const std::string& name) {
    return name == "euclid" ? column_similarity::euclidean : name == "sw" ? column_similarity::sandelin : column_similarity::pearson;
}

void add_comparison_options(CLI::App* cmd, std::string& dist, index_t& min_overlap, double& max_q) {
    cmd->add_option("--dist", dist, "column similarity: pearson (correlation), euclid (Euclidean) or sw "
                                    "(Sandelin-Wasserman)")
        ->check(CLI::IsMember({"pearson", "euclid", "sw"}))
        ->capture_default_str();
    cmd->add_option("--min-overlap", min_overlap, "columns an alignment must overlap (at most the narrower motif's width)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--thresh", max_q, "list matches up to this q-value")->check(CLI::Range(0.0, 1.0))->capture_default_str();
}

struct motifs_options {
    std::string model, fasta, db, out, ambiguous = "zeros", dist = "pearson";
    double threshold = 0.5, top_fraction = 0, max_q = 0.5;
    index_t min_sites = 10, min_overlap = 1;
    int threads = default_threads();
};

struct compare_cli_options {
    std::string query, db, out, dist = "pearson";
    index_t min_overlap = 1;
    double max_q = 0.5;
    bool one_strand = false;
};

}  // namespace

void add_motifs(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "motifs",
        "What the model's first-layer filters learned, as motifs. Runs the sequences through the first\n"
        "convolution (and the batch norm and ReLU after it), keeps each filter's activations above\n"
        "--threshold times its largest (or its --top-fraction largest), and counts the input windows\n"
        "behind them into a PFM. Filters with fewer than --min-sites windows are listed but not read as\n"
        "motifs. Each filter's influence is the change of the predictions when its output is replaced by\n"
        "its mean. With --db, each motif (edges under 0.2 bits trimmed) is compared with the database like\n"
        "Tomtom (Pearson correlation by default, both strands, p-, E- and q-values).\n"
        "Writes into --out: filters.meme, filters.jaspar, influence.tsv, logos/filter_<f>.svg, matches.tsv\n"
        "(with --db) and report.html (one page: logos sorted by influence, each with its best matches).\n"
        "Example:\n"
        "  seqnet motifs --model demo/model.safetensors --fasta demo/data/sequences.fa --db JASPAR.meme --out motifs");
    auto o = std::make_shared<motifs_options>();
    cmd->add_option("--model", o->model, "seqnet model file (.safetensors)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--fasta", o->fasta, "sequences, FASTA, plain or gzip (held-out ones are usual)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--db", o->db, "motif database, MEME or JASPAR format, or 'builtin' (the motifs of `seqnet simulate`)")
        ->check(CLI::ExistingFile | CLI::IsMember({"builtin"}));
    cmd->add_option("--out", o->out, "output folder")->required();
    auto* threshold = cmd->add_option("--threshold", o->threshold, "keep activations above this fraction of the filter's largest")
                          ->check(CLI::Range(0.0, 1.0))
                          ->capture_default_str();
    cmd->add_option("--top-fraction", o->top_fraction, "keep instead this fraction of each filter's activations, the largest")
        ->check(CLI::Range(0.0, 1.0))
        ->excludes(threshold);
    cmd->add_option("--min-sites", o->min_sites, "fewest windows for a filter to be read as a motif")
        ->check(CLI::Range(1, 1 << 30))
        ->capture_default_str();
    add_comparison_options(cmd, o->dist, o->min_overlap, o->max_q);
    cmd->add_option("--threads", o->threads, "worker threads (default: every core)")->check(CLI::Range(1, 1024));
    add_ambiguity_option(cmd, o->ambiguous);
    cmd->callback([o] {
        auto model = io::load_model(o->model);
        context<cpu> ctx(o->threads);
        const auto seqs = load_sequences(o->fasta, model.input_shape().length, ambiguity_from(o->ambiguous));
        std::vector<motif> db;
        if (o->db == "builtin")
            for (const auto& p : builtin_motifs()) db.push_back(to_motif(p));
        else if (!o->db.empty())
            db = io::read_motifs(o->db);
        motif_report_options r;
        if (o->top_fraction > 0) r.extraction.top_fraction = o->top_fraction;
        else r.extraction.threshold = o->threshold;
        r.min_sites = o->min_sites;
        r.comparison.similarity = similarity_from(o->dist);
        r.comparison.min_overlap = o->min_overlap;
        r.max_q = o->max_q;
        r.settings = {{"model", o->model},
                      {"sequences", o->fasta + " (" + std::to_string(seqs.records.size()) + ")"},
                      {"activations kept", o->top_fraction > 0 ? "the top " + shortest(o->top_fraction) + " of each filter's"
                                                               : "above " + shortest(o->threshold) + " x the filter's largest"},
                      {"database", o->db.empty() ? "none" : o->db + " (" + std::to_string(db.size()) + " motifs)"},
                      {"comparison", o->dist + ", min overlap " + std::to_string(o->min_overlap) + ", both strands"},
                      {"written by", "seqnet " SEQNET_VERSION_STRING}};
        const auto filters = write_motif_report(model, ctx, seqs.x, o->db.empty() ? nullptr : &db, r, o->out);
        index_t informative = 0, matched = 0;
        for (const auto& f : filters) {
            informative += f.informative;
            matched += f.best && f.best->q_value <= 0.05;
        }
        std::fprintf(stderr, "seqnet motifs: %zu filters, %lld with at least %lld sites", filters.size(),
                     static_cast<long long>(informative), static_cast<long long>(o->min_sites));
        if (!o->db.empty()) std::fprintf(stderr, ", %lld matching a database motif at q <= 0.05", static_cast<long long>(matched));
        std::fprintf(stderr, "; report in %s/report.html\n", o->out.c_str());
    });
}

void add_compare(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "compare",
        "Compare motifs with a motif database, like Tomtom: every query against every database motif at\n"
        "every offset (overlap at least --min-overlap) and on both strands, columns scored by --dist, with\n"
        "p-values from the database's own columns, E-values (p x database size) and q-values. Queries and\n"
        "database in MEME or JASPAR format (e.g. another motif finder's output against JASPAR's download).\n"
        "Writes a TSV: query, target, target_name, offset (query column i faces target column i + offset),\n"
        "strand, overlap, p_value, e_value, q_value and both consensus strings, best first per query.\n"
        "Example:\n"
        "  seqnet compare --query filters.meme --db JASPAR.meme --out matches.tsv");
    auto o = std::make_shared<compare_cli_options>();
    cmd->add_option("--query", o->query, "query motifs, MEME or JASPAR")->required()->check(CLI::ExistingFile);
    cmd->add_option("--db", o->db, "database motifs, MEME or JASPAR")->required()->check(CLI::ExistingFile);
    cmd->add_option("--out", o->out, "output TSV ('-': standard output)")->required();
    add_comparison_options(cmd, o->dist, o->min_overlap, o->max_q);
    cmd->add_flag("--norc", o->one_strand, "do not align queries with the database's reverse complements");
    cmd->callback([o] {
        const auto queries = io::read_motifs(o->query);
        const auto targets = io::read_motifs(o->db);
        compare_options c;
        c.similarity = similarity_from(o->dist);
        c.min_overlap = o->min_overlap;
        c.both_strands = !o->one_strand;
        const motif_database db(targets, c);
        output_file tsv(o->out);
        write_match_header(tsv.f);
        std::size_t written = 0;
        for (std::size_t i = 0; i < queries.size(); ++i)
            for (const auto& m : db.compare(queries[i], i))
                if (m.q_value <= o->max_q) {
                    write_match_row(tsv.f, queries[i], targets[m.target], m);
                    ++written;
                }
        tsv.finish();
        std::fprintf(stderr, "seqnet compare: %zu queries against %zu motifs; %zu matches with q <= %g\n", queries.size(),
                     targets.size(), written, o->max_q);
    });
}

}  // namespace seqnet::cli
