// seqnet evaluate: how well a model predicts labelled sequences -- AUROC, AUPRC and accuracy per task.
#include "commands.hpp"
#include "workflow.hpp"

#include <seqnet/io/model_file.hpp>

#include <cstdio>
#include <memory>
#include <string>

void seqnet::cli::add_evaluate(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "evaluate",
        "Evaluate a model on labelled sequences: AUROC, AUPRC and accuracy per task.\n"
        "Scores the sequences and reports, per task and averaged over tasks (macro), the\n"
        "area under the ROC curve (AUROC), the area under the precision-recall curve (AUPRC, as average\n"
        "precision) and the accuracy at probability 0.5. Missing labels (NA) are left out. With --out,\n"
        "also writes metrics.tsv, the curves (roc.tsv, pr.tsv) and their plots (roc.svg, pr.svg).\n"
        "Example:\n"
        "  seqnet evaluate --model model.safetensors --fasta test.fa --labels test.tsv --out results/");
    struct options {
        std::string model, fasta, labels, out;
        int batch = 256, threads = default_threads();
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--model", o->model, "seqnet model file")->required()->check(CLI::ExistingFile);
    cmd->add_option("--fasta", o->fasta, "sequences, FASTA (plain or gzip)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--labels", o->labels, "labels, TSV")->required()->check(CLI::ExistingFile);
    cmd->add_option("--out", o->out, "directory for metrics, curves and plots");
    cmd->add_option("--batch", o->batch, "sequences per forward pass")->capture_default_str()->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--threads", o->threads, "worker threads (default: every core)")->check(CLI::Range(1, 1024));
    cmd->callback([o] {
        auto model = io::load_model(o->model);
        const dataset data = load_labelled(o->fasta, o->labels, ambiguity_policy::zeros);
        if (data.tasks() != model.tasks())
            throw argument_error(o->labels + ": its tasks do not match the model's (" + std::to_string(data.tasks().size()) +
                                 " columns; the model has " + std::to_string(model.tasks().size()) +
                                 " tasks, in order: the first is '" + model.tasks().front() + "')");
        context<cpu> ctx(o->threads);
        const auto ev = evaluate_model(model, ctx, data, o->out, o->batch);
        print_evaluation(stdout, ev);
        if (!o->out.empty()) std::fprintf(stderr, "seqnet evaluate: wrote metrics, curves and plots to %s\n", o->out.c_str());
    });
}
