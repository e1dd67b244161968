// seqnet train: fit a model (a zoo architecture or a JSON spec) to labelled sequences.
#include "commands.hpp"
#include "workflow.hpp"

#include <seqnet/data/split.hpp>
#include <seqnet/io/model_file.hpp>
#include <seqnet/io/motif_file.hpp>
#include <seqnet/motif/init.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

void seqnet::cli::add_train(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "train",
        "Train a model on labelled sequences and save it as a seqnet model file.\n"
        "Sequences come from FASTA (plain or gzip), labels from a TSV table (a header line: a name column,\n"
        "then one column per task; values 0/1, NA for missing). Validation data is either a held-out\n"
        "fraction or separate files; early stopping watches it and the best epoch's weights are saved.\n"
        "With --init-motifs, the first filters start as known motifs (and with --freeze-motifs stay so).\n"
        "Example:\n"
        "  seqnet train --arch deepbind --fasta train.fa --labels train.tsv --out model.safetensors\n"
        "  seqnet train --arch deepbind --fasta train.fa --labels train.tsv --init-motifs JASPAR.meme \\\n"
        "      --motif-ids MA0139.2,MA0035.4 --freeze-motifs --out model.safetensors");
    struct options {
        std::string arch, spec, fasta, labels, valid_fasta, valid_labels, out, log, optimizer = "adam",
            monitor = "loss", pos_weight, init_motifs;
        std::vector<std::string> motif_ids;
        bool freeze_motifs = false;
        double motif_bias = 0;
        double valid_fraction = 0.1, lr = 1e-3, weight_decay = 0.0, clip = 0.0, l1 = 0.0, l2 = 0.0;
        int epochs = 20, batch = 64, patience = 5, threads = default_threads();
        std::uint64_t seed = 1;
        bool rc_augment = false;
    };
    auto o = std::make_shared<options>();
    auto* arch = cmd->add_option("--arch", o->arch, std::string("zoo architecture: ") + architecture_names);
    auto* spec = cmd->add_option("--spec", o->spec, "model spec, JSON (docs/spec-format.md)")->check(CLI::ExistingFile);
    arch->excludes(spec);
    cmd->add_option("--fasta", o->fasta, "training sequences, FASTA")->required()->check(CLI::ExistingFile);
    cmd->add_option("--labels", o->labels, "training labels, TSV")->required()->check(CLI::ExistingFile);
    auto* frac = cmd->add_option("--valid-fraction", o->valid_fraction, "fraction held out for validation")
                     ->capture_default_str()
                     ->check(CLI::Range(0.0, 0.9));
    auto* vf = cmd->add_option("--valid-fasta", o->valid_fasta, "validation sequences, FASTA")->check(CLI::ExistingFile);
    auto* vl = cmd->add_option("--valid-labels", o->valid_labels, "validation labels, TSV")->check(CLI::ExistingFile);
    vf->needs(vl);
    vl->needs(vf);
    frac->excludes(vf);
    cmd->add_option("--epochs", o->epochs, "at most this many passes over the data")->capture_default_str()->check(CLI::Range(1, 100000));
    cmd->add_option("--batch", o->batch, "sequences per step")->capture_default_str()->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--lr", o->lr, "learning rate")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--optimizer", o->optimizer, "adam, adamw or sgd (momentum 0.9)")
        ->capture_default_str()
        ->check(CLI::IsMember({"adam", "adamw", "sgd"}));
    cmd->add_option("--weight-decay", o->weight_decay, "the optimiser's weight decay")->capture_default_str();
    cmd->add_option("--clip", o->clip, "clip the gradient's 2-norm to this (0: off)")->capture_default_str();
    cmd->add_option("--l1", o->l1, "L1 penalty on weights")->capture_default_str();
    cmd->add_option("--l2", o->l2, "L2 penalty on weights")->capture_default_str();
    cmd->add_option("--patience", o->patience, "stop after this many epochs without improvement (0: never)")
        ->capture_default_str();
    cmd->add_option("--monitor", o->monitor, "what early stopping watches: loss (validation loss) or auroc")
        ->capture_default_str()
        ->check(CLI::IsMember({"loss", "auroc"}));
    cmd->add_flag("--rc-augment", o->rc_augment, "train on random reverse complements too");
    cmd->add_option("--pos-weight", o->pos_weight,
                    "weight of positive labels in the loss: one per task, comma-separated, or 'auto' "
                    "(negatives / positives of each task in the training set)");
    cmd->add_option("--threads", o->threads, "worker threads (default: every core)")->check(CLI::Range(1, 1024));
    cmd->add_option("--seed", o->seed, "seed for initialisation, shuffling and the validation split")->capture_default_str();
    cmd->add_option("--log", o->log, "write a per-epoch TSV log here");
    auto* init = cmd->add_option("--init-motifs", o->init_motifs,
                                 "set the first filters from these motifs (MEME or JASPAR): log-odds against a uniform "
                                 "background, centred in the filter (docs/motifs.md)")
                     ->check(CLI::ExistingFile);
    cmd->add_option("--motif-ids", o->motif_ids, "only these motifs of --init-motifs, in this order (comma-separated)")
        ->delimiter(',')
        ->needs(init);
    cmd->add_option("--motif-bias", o->motif_bias, "bias of the motif filters (-t: a ReLU after fires above score t)")
        ->needs(init)
        ->capture_default_str();
    cmd->add_flag("--freeze-motifs", o->freeze_motifs, "keep the motif filters as they are while the rest trains")->needs(init);
    cmd->add_option("--out", o->out, "seqnet model file to write")->required();

    cmd->callback([o] {
        if (o->arch.empty() && o->spec.empty()) throw argument_error("train: give --arch or --spec");
        dataset all = load_labelled(o->fasta, o->labels, ambiguity_policy::zeros);
        dataset training, validation;
        if (!o->valid_fasta.empty()) {
            training = std::move(all);
            validation = load_labelled(o->valid_fasta, o->valid_labels, ambiguity_policy::zeros);
        } else {
            auto split = split_by_fraction(all, o->valid_fraction, 0.0, o->seed);
            training = std::move(split.training);
            validation = std::move(split.validation);
        }
        model_spec spec = o->spec.empty() ? architecture_spec(o->arch, training.length(), training.tasks())
                                          : io::read_spec(o->spec);
        if (!o->spec.empty() && spec.tasks != training.tasks()) {
            if (spec.tasks.size() != training.tasks().size())
                throw argument_error("train: the spec has " + std::to_string(spec.tasks.size()) + " tasks, the labels " +
                                     std::to_string(training.tasks().size()));
            spec.tasks = training.tasks();  // the label table names them
        }
        std::vector<float> pos_weight;
        if (o->pos_weight == "auto") {
            const auto T = static_cast<std::size_t>(training.task_count());
            std::vector<double> pos(T, 0.0), neg(T, 0.0);
            const auto labels = training.labels();
            for (std::size_t i = 0; i < labels.size(); ++i)
                if (!is_missing(labels[i])) (labels[i] > 0.5f ? pos : neg)[i % T] += 1.0;
            for (std::size_t t = 0; t < T; ++t) pos_weight.push_back(pos[t] > 0 ? float(neg[t] / pos[t]) : 1.0f);
        } else if (!o->pos_weight.empty()) {
            std::stringstream in(o->pos_weight);
            for (std::string item; std::getline(in, item, ',');) {
                try {
                    std::size_t used = 0;
                    pos_weight.push_back(std::stof(item, &used));
                    if (used != item.size() || !(pos_weight.back() > 0)) throw std::invalid_argument(item);
                } catch (const std::exception&) {
                    throw argument_error("--pos-weight: '" + item + "' is not a positive number");
                }
            }
        }
        spec_model model(spec);
        model.initialize(o->seed);
        std::vector<std::string> frozen;
        if (!o->init_motifs.empty()) {
            std::vector<motif> all = io::read_motifs(o->init_motifs), chosen;
            if (o->motif_ids.empty()) chosen = all;
            for (const auto& id : o->motif_ids) {
                auto it = std::find_if(all.begin(), all.end(), [&](const motif& m) { return m.id == id || m.name == id; });
                if (it == all.end()) throw argument_error("--motif-ids: " + o->init_motifs + " has no motif '" + id + "'");
                chosen.push_back(*it);
            }
            frozen = set_filters_from_motifs(model, chosen, {.bias = o->motif_bias});
            std::fprintf(stderr, "seqnet train: filters 0-%zu set from %s%s\n", chosen.size() - 1, o->init_motifs.c_str(),
                         o->freeze_motifs ? " and frozen" : "");
            if (!o->freeze_motifs) frozen.clear();
        }
        context<cpu> ctx(o->threads);
        std::ofstream log;
        if (!o->log.empty()) {
            log.open(o->log);
            if (!log) throw format_error(o->log + ": cannot open for writing");
        }
        const std::map<std::string, optimizer_kind> optimizers{
            {"adam", optimizer_kind::adam}, {"adamw", optimizer_kind::adamw}, {"sgd", optimizer_kind::sgd}};
        std::fprintf(stderr, "seqnet train: %lld training and %lld validation sequences of %lld bases, %zu tasks, "
                             "%lld parameters\n",
                     static_cast<long long>(training.size()), static_cast<long long>(validation.size()),
                     static_cast<long long>(training.length()), training.tasks().size(),
                     static_cast<long long>(model.parameter_count()));
        const auto report = train(model, ctx, training, validation.empty() ? nullptr : &validation,
                                  {.epochs = o->epochs,
                                   .batch = o->batch,
                                   .pos_weight = pos_weight,
                                   .optimizer = optimizers.at(o->optimizer),
                                   .lr = o->lr,
                                   .weight_decay = o->weight_decay,
                                   .clip_norm = o->clip,
                                   .l1 = o->l1,
                                   .l2 = o->l2,
                                   .frozen = frozen,
                                   .patience = o->patience,
                                   .monitor = o->monitor == "auroc" ? stop_metric::validation_auroc : stop_metric::validation_loss,
                                   .reverse_complement = o->rc_augment,
                                   .seed = o->seed,
                                   .log = o->log.empty() ? nullptr : &log});
        io::save_model(o->out, model);
        std::fprintf(stderr, "seqnet train: %zu epochs in %.1f s%s; wrote %s (best epoch %lld)\n", report.epochs.size(),
                     report.seconds, report.stopped_early ? " (stopped early)" : "", o->out.c_str(),
                     static_cast<long long>(report.best_epoch));
    });
}
