// seqnet demo: the whole job on built-in data, as stages -- simulate sequences with planted motifs,
// train a DeepBind-style model, evaluate it on held-out sequences, explain its best predictions --
// read its filters as motifs -- writing every result to a folder. The stages are listed in `stages` below.
#include "commands.hpp"
#include "motif_report.hpp"
#include "workflow.hpp"

#include <seqnet/data/simulate.hpp>
#include <seqnet/data/split.hpp>
#include <seqnet/interpret.hpp>
#include <seqnet/io/attribution_svg.hpp>
#include <seqnet/io/model_file.hpp>
#include <seqnet/io/npz.hpp>
#include <seqnet/models/summary.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace seqnet;

/// What the stages hand each other.
struct demo_state {
    std::string out_arg = "seqnet-demo";
    std::filesystem::path out;
    int threads = 1;
    std::uint64_t seed = 1;
    bool quick = false;
    std::optional<context<cpu>> ctx;
    std::optional<simulated> sim;
    std::optional<dataset_split> split;
    std::optional<spec_model> model;
    std::optional<evaluation> test;
    std::ostringstream summary;  // summary.md, written at the end
};

struct stage {
    const char* name;
    void (*run)(demo_state&);
};

void simulate_stage(demo_state& s) {
    simulation_options o;
    o.sequences = s.quick ? 4000 : 20000;
    o.length = 200;
    // Motifs long enough to stand out from a 200 bp background: a 6-7 bp site such as GATA's WGATAR or
    // AP-1's TGASTCA occurs (or nearly occurs) by chance in many random sequences, which caps any model's
    // AUROC for it near 0.95.
    o.motifs = {"ctcf", "nrf1", "sp1"};
    o.sharpness = 0.95;
    o.seed = s.seed;
    s.sim = simulate(o);
    cli::write_simulation(*s.sim, s.out / "data");
    s.split = split_by_fraction(s.sim->data, 0.1, 0.1, s.seed);
    std::printf("  %lld sequences of %lld bp; motifs %s planted in half of the sequences each\n"
                "  split: %lld training, %lld validation, %lld test; written to %s\n",
                static_cast<long long>(o.sequences), static_cast<long long>(o.length), "ctcf, nrf1, sp1",
                static_cast<long long>(s.split->training.size()), static_cast<long long>(s.split->validation.size()),
                static_cast<long long>(s.split->test.size()), (s.out / "data").string().c_str());
    s.summary << "## Data\n\n" << o.sequences << " simulated sequences of " << o.length
              << " bp (GC 0.42); each of the motifs ctcf, nrf1 and sp1 is planted (1-2 instances sampled from its "
                 "PWM, 0.95 on the consensus base, either strand) in a sequence with probability 0.5, and the "
                 "sequence's label for that task is 1. "
              << s.split->training.size() << " sequences train, " << s.split->validation.size() << " validate and "
              << s.split->test.size() << " test. Files: `data/sequences.fa`, `data/labels.tsv`, `data/planted.tsv`.\n\n";
}

void train_stage(demo_state& s) {
    // DeepBind's shape (Alipanahi et al. 2015: one convolution, ReLU, global max pooling, dense), with 64
    // filters of 15 bp and the dense layer reading the pooled filters directly: one output per motif.
    const model_spec spec{.input_length = s.sim->data.length(),
                          .tasks = s.sim->data.tasks(),
                          .layers = {{conv1d_options{64, 15}}, {relu_options{}}, {global_maxpool_options{}},
                                     {dense_options{dyn}}}};
    s.model.emplace(spec);
    s.model->initialize(s.seed);
    std::printf("%s", summary(*s.model).c_str());
    std::fflush(stdout);
    std::ofstream log(s.out / "training_log.tsv");
    const auto report = train(*s.model, *s.ctx, s.split->training, &s.split->validation,
                              {.epochs = s.quick ? 3 : 40, .batch = 64, .lr = 1e-3, .patience = 6,
                               .reverse_complement = true, .seed = s.seed, .log = &log});
    io::save_model(s.out / "model.safetensors", *s.model);
    const auto& best = report.epochs[static_cast<std::size_t>(report.best_epoch - 1)];
    std::printf("  best epoch %lld of %zu: validation loss %.4f, AUROC %.4f; model written to %s\n",
                static_cast<long long>(report.best_epoch), report.epochs.size(), best.valid_loss, best.valid_auroc,
                (s.out / "model.safetensors").string().c_str());
    s.summary << "## Model and training\n\nA DeepBind-style network (conv 64 x 15, ReLU, global max pool, dense), "
              << s.model->parameter_count() << " parameters, trained with Adam (lr 0.001, batch 64, reverse-complement "
                 "augmentation) for "
              << report.epochs.size() << " epochs in " << static_cast<int>(report.seconds)
              << " s; the best validation epoch (" << report.best_epoch << ", loss " << best.valid_loss
              << ", macro AUROC " << best.valid_auroc << ") is kept. Files: `model.safetensors`, `training_log.tsv`.\n\n";
}

void evaluate_stage(demo_state& s) {
    s.test = cli::evaluate_model(*s.model, *s.ctx, s.split->test, s.out / "evaluation");
    cli::print_evaluation(stdout, *s.test);
    s.summary << "## Test set\n\n| task | AUROC | AUPRC |\n|---|---|---|\n";
    for (const auto& m : s.test->tasks) s.summary << "| " << m.task << " | " << m.auroc << " | " << m.auprc << " |\n";
    s.summary << "| macro | " << s.test->macro_auroc << " | " << s.test->macro_auprc << " |\n\n"
              << "Curves: `evaluation/roc.svg`, `evaluation/pr.svg` (and as TSV).\n\n";
}

// Attribution mass inside the planted sites: of the positive per-position scores of a sequence, the
// fraction that falls on positions of its planted instances of the explained motif.
double fraction_in_sites(const std::vector<float>& score, const std::vector<planted>& sites, index_t task) {
    double inside = 0, total = 0;
    for (std::size_t l = 0; l < score.size(); ++l) {
        const double v = std::max(0.0f, score[l]);
        total += v;
        for (const planted& p : sites)
            if (p.task == task && index_t(l) >= p.start && index_t(l) < p.start + p.length) {
                inside += v;
                break;
            }
    }
    return total > 0 ? inside / total : 0.0;
}

void interpret_stage(demo_state& s) {
    // The test sequences the model scores highest for each motif, among those that carry it.
    const dataset& test = s.split->test;
    const index_t T = test.task_count(), L = test.length(), per_task = s.quick ? 3 : 8;
    const std::vector<float> logits = model_outputs(*s.model, *s.ctx, test);
    const std::filesystem::path dir = s.out / "interpretation";
    std::filesystem::create_directories(dir);
    io::tensor_file npz;
    std::vector<std::string> all_names;
    double deeplift_sum = 0, ism_sum = 0;
    index_t count = 0;
    s.summary << "## Interpretation\n\nFor each motif, the " << per_task
              << " test sequences that carry it and score highest are explained with DeepLIFT-SHAP (10 "
                 "dinucleotide-shuffled references) and fast exact in-silico mutagenesis, both of that motif's "
                 "logit. Fraction of the positive attribution that falls inside the planted sites (mean over the "
                 "sequences):\n\n| task | DeepLIFT-SHAP | ISM |\n|---|---|---|\n";
    std::printf("  fraction of positive attribution inside the planted sites (mean over %lld top sequences per task)\n",
                static_cast<long long>(per_task));
    for (index_t t = 0; t < T; ++t) {
        std::vector<index_t> rows;
        for (index_t n = 0; n < test.size(); ++n)
            if (test.labels(n)[static_cast<std::size_t>(t)] == 1.0f) rows.push_back(n);
        std::sort(rows.begin(), rows.end(), [&](index_t a, index_t b) { return logits[a * T + t] > logits[b * T + t]; });
        rows.resize(std::min<std::size_t>(rows.size(), std::size_t(per_task)));
        const auto K = rows.size();
        xt::xtensor<float, 3> x = xt::zeros<float>({K, std::size_t(4), std::size_t(L)});
        for (std::size_t k = 0; k < K; ++k) {
            const float* src = test.input(rows[k]);
            std::copy(src, src + 4 * L, x.data() + k * 4 * L);
        }
        const target explained{{t}};
        const auto dl = deeplift(*s.model, *s.ctx, x, explained,
                                 {.reference = {.kind = reference_kind::shuffle, .count = 10, .seed = s.seed}});
        const auto d = ism(*s.model, *s.ctx, x, explained);
        double dl_mean = 0, ism_mean = 0;
        xt::xtensor<float, 2> projected({std::size_t(4), std::size_t(L)});
        for (std::size_t k = 0; k < K; ++k) {
            const std::string& name = test.names()[static_cast<std::size_t>(rows[k])];
            const std::size_t index = std::stoul(name.substr(name.rfind('_') + 1));  // sim_000123
            const auto& sites = s.sim->instances[index];
            std::vector<float> dl_score(static_cast<std::size_t>(L));
            for (index_t l = 0; l < L; ++l)
                for (index_t c = 0; c < 4; ++c) {
                    projected(c, l) = x(k, c, l) * dl.hypothetical(k, c, l);
                    dl_score[l] += projected(c, l);
                }
            const std::vector<float> ism_score = ism_position_scores(&d(k, 0, 0), {4, L});
            dl_mean += fraction_in_sites(dl_score, sites, t) / double(K);
            ism_mean += fraction_in_sites(ism_score, sites, t) / double(K);
            const std::string stem = test.tasks()[t] + "_" + std::to_string(k + 1) + "_" + name;
            io::attribution_picture p{.title = name + ": DeepLIFT-SHAP of " + test.tasks()[t],
                                      .values = projected.data(), .length = L, .sequence = s.sim->sequences[index]};
            cli::write_text(dir / (stem + "_deepshap.svg"), io::attribution_logo_svg(p));
            p.title = name + ": in-silico mutagenesis of " + test.tasks()[t];
            p.values = &d(k, 0, 0);
            cli::write_text(dir / (stem + "_ism.svg"), io::ism_heatmap_svg(p));
            all_names.push_back(name);
        }
        auto add = [&](const std::string& name, const xt::xtensor<float, 3>& a) {
            io::named_tensor v;
            v.name = test.tasks()[t] + "_" + name;
            v.shape = {index_t(K), 4, L};
            v.values.assign(a.begin(), a.end());
            npz.tensors.push_back(std::move(v));
        };
        add("deepshap", dl.hypothetical * x);
        add("ism", d);
        std::printf("    %-6s DeepLIFT-SHAP %.3f   ISM %.3f\n", test.tasks()[t].c_str(), dl_mean, ism_mean);
        s.summary << "| " << test.tasks()[t] << " | " << dl_mean << " | " << ism_mean << " |\n";
        deeplift_sum += dl_mean;
        ism_sum += ism_mean;
        ++count;
    }
    io::named_tensor names;
    names.name = "names";
    names.dtype = "STR";
    names.shape = {index_t(all_names.size())};
    names.strings = all_names;
    npz.tensors.push_back(names);
    io::write_npz(dir / "attributions.npz", npz);
    std::printf("    mean   DeepLIFT-SHAP %.3f   ISM %.3f\n  logos and ISM heatmaps written to %s\n",
                deeplift_sum / double(count), ism_sum / double(count), dir.string().c_str());
    s.summary << "| mean | " << deeplift_sum / double(count) << " | " << ism_sum / double(count)
              << " |\n\nPictures: `interpretation/*_deepshap.svg` (logos of the contribution of each base present) "
                 "and `interpretation/*_ism.svg` (every substitution); scores in `interpretation/attributions.npz`.\n\n";
}

void motifs_stage(demo_state& s) {
    // The filters as motifs, on the test sequences, against the built-in motif set.
    const dataset& test = s.split->test;
    const index_t L = test.length();
    xt::xtensor<float, 3> x = xt::zeros<float>({std::size_t(test.size()), std::size_t(4), std::size_t(L)});
    for (index_t n = 0; n < test.size(); ++n) std::copy(test.input(n), test.input(n) + 4 * L, x.data() + n * 4 * L);
    std::vector<motif> db;
    for (const auto& p : builtin_motifs()) db.push_back(to_motif(p));
    cli::motif_report_options o;
    o.settings = {{"model", "demo model (model.safetensors)"},
                  {"sequences", std::to_string(test.size()) + " test sequences"},
                  {"activations kept", "above 0.5 x the filter's largest"},
                  {"database", "the " + std::to_string(db.size()) + " built-in motifs"},
                  {"written by", "seqnet " SEQNET_VERSION_STRING}};
    const auto dir = s.out / "motifs";
    const auto filters = cli::write_motif_report(*s.model, *s.ctx, x, &db, o, dir);
    s.summary << "## Motifs\n\nThe " << filters.size()
              << " first-layer filters read as motifs (windows of the test sequences where a filter reaches half "
                 "its largest activation), ranked by influence and compared with the built-in motif set like "
                 "Tomtom (Pearson, both strands). Planted motifs and the filters whose best match they are "
                 "(q < 0.05):\n\n| motif | filters | best filter | its q-value | its influence |\n|---|---|---|---|---|\n";
    std::printf("  %zu filters; planted motifs and the filters whose best database match they are (q < 0.05):\n",
                filters.size());
    for (const auto& task : test.tasks()) {
        index_t count = 0;
        const cli::filter_outcome* top = nullptr;  // the most influential such filter (filters are sorted)
        for (const auto& f : filters)
            if (f.best && f.best->q_value < 0.05 && db[f.best->target].id == task) {
                ++count;
                if (!top) top = &f;
            }
        if (top)
            std::printf("    motif %-6s top match of %lld filters (most influential %s, q %.2g)\n", task.c_str(),
                        static_cast<long long>(count), top->found.pfm.id.c_str(), top->best->q_value);
        else
            std::printf("    motif %-6s top match of 0 filters\n", task.c_str());
        s.summary << "| " << task << " | " << count << " | " << (top ? top->found.pfm.id : "-") << " | "
                  << (top ? top->best->q_value : 1.0) << " | " << (top ? top->influence : 0.0) << " |\n";
    }
    std::printf("  report, logos and motif files written to %s\n", dir.string().c_str());
    s.summary << "\nFiles: `motifs/report.html` (one page, logos sorted by influence with their matches), "
                 "`motifs/filters.meme`, `motifs/filters.jaspar`, `motifs/matches.tsv`, `motifs/influence.tsv`, "
                 "`motifs/logos/`.\n\n";
}

const std::vector<stage> stages = {
    {"simulate data with planted motifs", simulate_stage},
    {"train a DeepBind-style model", train_stage},
    {"evaluate on the held-out test set", evaluate_stage},
    {"explain the best predictions (DeepLIFT-SHAP, in-silico mutagenesis)", interpret_stage},
    {"read the filters as motifs and match them with known motifs", motifs_stage},
};

}  // namespace

void seqnet::cli::add_demo(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "demo",
        "Run the whole job on built-in data: simulate, train, evaluate, explain, read the filters as motifs.\n"
        "Simulates 20,000 sequences of 200 bp with planted motifs\n"
        "(CTCF, NRF1, SP1), trains a DeepBind-style model, evaluates it on held-out sequences, and explains\n"
        "its best test predictions with DeepLIFT-SHAP and in-silico mutagenesis, and reads its filters as\n"
        "motifs matched against the built-in motif set. Writes the data, the model, the training log,\n"
        "metrics, ROC and PR curves (TSV and SVG), attribution logos and ISM heatmaps (SVG), the motif\n"
        "report (motifs/report.html) and a summary (summary.md) to the output folder.\n"
        "Example:\n"
        "  seqnet demo --out demo");
    auto s = std::make_shared<demo_state>();
    s->threads = default_threads();
    cmd->add_option("--out", s->out_arg, "folder for the results")->capture_default_str();
    cmd->add_option("--threads", s->threads, "worker threads (default: every core)")->check(CLI::Range(1, 1024));
    cmd->add_option("--seed", s->seed, "seed for the data, the split and training")->capture_default_str();
    cmd->add_flag("--quick", s->quick, "a smaller run (4,000 sequences, 3 epochs) for tests");
    cmd->callback([s] {
        s->out = s->out_arg;
        std::filesystem::create_directories(s->out);
        s->ctx.emplace(s->threads);
        const auto t0 = std::chrono::steady_clock::now();
        s->summary << "# seqnet demo\n\n";
        for (std::size_t i = 0; i < stages.size(); ++i) {
            std::printf("== stage %zu/%zu: %s\n", i + 1, stages.size(), stages[i].name);
            std::fflush(stdout);
            const auto t = std::chrono::steady_clock::now();
            stages[i].run(*s);
            std::printf("   (%.1f s)\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
        }
        const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        s->summary << "Total time " << static_cast<int>(total) << " s on " << s->threads << " threads.\n";
        write_text(s->out / "summary.md", s->summary.str());
        std::printf("demo finished in %.1f s; summary in %s\n", total, (s->out / "summary.md").string().c_str());
    });
}
