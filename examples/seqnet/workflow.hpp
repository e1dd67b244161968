// What the train, evaluate and demo subcommands share: loading labelled data, building a model for an
// architecture, and evaluating a model into metrics, curves and plots.
#pragma once

#include <seqnet/data/dataset.hpp>
#include <seqnet/io/fasta.hpp>
#include <seqnet/data/simulate.hpp>
#include <seqnet/models/spec_model.hpp>
#include <seqnet/train/metrics.hpp>
#include <seqnet/train/trainer.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace seqnet::cli {

/// The records of a FASTA file (plain or gzip), every one `length` bases long (format_error naming the
/// file, line and record otherwise), and their one-hot encoding (N x 4 x length).
struct fasta_sequences {
    std::vector<io::fasta_record> records;
    xt::xtensor<float, 3> x;
};
fasta_sequences load_sequences(const std::string& fasta, index_t length, ambiguity_policy policy);

/// Sequences from a FASTA file (plain or gzip) joined by name with a label table.
dataset load_labelled(const std::string& fasta, const std::string& labels, ambiguity_policy policy);

/// The spec of a zoo architecture (deepbind, deepsea, basset, danq) for this length and these tasks.
model_spec architecture_spec(const std::string& arch, index_t length, const std::vector<std::string>& tasks);
/// The names --arch accepts, for help texts.
inline constexpr const char* architecture_names = "deepbind, deepsea, basset, danq";

/// Evaluates `model` on `data`: per-task AUROC, AUPRC and accuracy. With a directory, also writes
/// metrics.tsv, roc.tsv, pr.tsv, roc.svg and pr.svg there.
evaluation evaluate_model(spec_model& model, context<cpu>& ctx, const dataset& data,
                          const std::filesystem::path& out_dir, index_t batch = 256);

/// The metrics as an aligned table.
void print_evaluation(std::FILE* out, const evaluation& ev);

/// Writes a simulation to `dir` (created if needed): sequences.fa (60 bases a line), labels.tsv (a name
/// column, then one 0/1 column per motif) and planted.tsv (name, motif, start, end, strand, site).
void write_simulation(const simulated& sim, const std::filesystem::path& dir);

/// A file written with stdio, checked for write errors when finished; an empty path or "-" is
/// standard output.
struct output_file {
    std::FILE* f = nullptr;
    std::string name;
    explicit output_file(const std::filesystem::path& path);
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;
    ~output_file();
    void finish();
};

/// Writes `text` to `path`, naming the file in the error.
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace seqnet::cli
