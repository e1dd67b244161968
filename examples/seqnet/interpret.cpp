// seqnet interpret: attribution scores for every sequence of a FASTA file, by one of six methods.
#include "commands.hpp"
#include "workflow.hpp"

#include <seqnet/interpret.hpp>
#include <seqnet/io/attribution_svg.hpp>
#include <seqnet/io/fasta.hpp>
#include <seqnet/io/model_file.hpp>
#include <seqnet/io/npz.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace seqnet::cli {

namespace {

struct interpret_options {
    std::string model, fasta, out, method = "deeplift", baseline, logos, ambiguous = "zeros";
    std::vector<index_t> tasks{0};
    bool probability = false, naive_ism = false, fast_ism = false, correct = false, tsv = false, bedgraph = false;
    index_t steps = 50, references = 10, batch = 0;
    std::uint64_t seed = 0;
    int threads = default_threads();
};

/// The genome interval a window's name carries ("chr1:1000-1600", 0-based half-open, as `seqnet windows`
/// names them), if it carries one.
std::optional<std::pair<std::string, index_t>> coordinates(const std::string& name, index_t length) {
    const auto colon = name.rfind(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    const auto dash = name.find('-', colon);
    if (dash == std::string::npos) return std::nullopt;
    index_t start = 0, end = 0;
    const char* a = name.data() + colon + 1;
    const char* b = name.data() + dash;
    if (std::from_chars(a, b, start).ptr != b) return std::nullopt;
    const char* c = name.data() + dash + 1;
    const char* e = name.data() + name.size();
    if (std::from_chars(c, e, end).ptr != e || end - start != length || start < 0) return std::nullopt;
    return std::make_pair(name.substr(0, colon), start);
}

/// The score shown per base: the projected attribution (the value at the base present).
float observed(const xt::xtensor<float, 3>& a, const xt::xtensor<float, 3>& x, std::size_t n, std::size_t l) {
    float v = 0;
    for (std::size_t c = 0; c < 4; ++c) v += a(n, c, l) * x(n, c, l);
    return v;
}

}  // namespace

void add_interpret(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "interpret",
        "Attribution scores: which bases drive a model's prediction, by saliency, gradient x input,\n"
        "integrated gradients, DeepLIFT, DeepLIFT-SHAP or in-silico mutagenesis.\n"
        "Writes PREFIX.npz with 'attributions' (N x 4 x L, float32, channels A C G T), 'names',\n"
        "'sequences' and 'settings' (JSON: method, target, options); DeepLIFT adds 'hypothetical' (the\n"
        "contribution each base would have) and, like integrated gradients, 'difference' (f(x) minus the\n"
        "mean f of the references) and 'delta' (sum of attributions minus that). The target is the logit\n"
        "of --task (several: summed) unless --probability. With --tsv, PREFIX.tsv has one row per base;\n"
        "with --bedgraph, PREFIX.bedGraph has the score at the base present per genome position, for\n"
        "sequences named chrom:start-end (as `seqnet windows` names them); with --logos DIR, one SVG per\n"
        "sequence: a logo of the scores at the bases present (DeepLIFT: x times hypothetical), or for ISM\n"
        "a heatmap of every substitution.\n"
        "Methods: saliency (gradient), gxi (gradient x input), ig (integrated gradients from --baseline,\n"
        "--steps points of Gauss-Legendre quadrature), deeplift (rescale rule, one --baseline reference),\n"
        "deepshap (DeepLIFT averaged over --references dinucleotide shuffles), ism (alt minus ref for\n"
        "every substitution; fast and exact by default, --naive-ism to run every mutant in full).\n"
        "Example:\n"
        "  seqnet interpret --model demo/model.safetensors --fasta top.fa --method deepshap --logos logos --out top");
    auto o = std::make_shared<interpret_options>();
    cmd->add_option("--model", o->model, "seqnet model file (.safetensors)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--fasta", o->fasta, "sequences, FASTA, plain or gzip")->required()->check(CLI::ExistingFile);
    cmd->add_option("--method", o->method, "saliency, gxi, ig, deeplift, deepshap or ism")
        ->check(CLI::IsMember({"saliency", "gxi", "ig", "deeplift", "deepshap", "ism"}))
        ->capture_default_str();
    cmd->add_option("--out", o->out, "prefix of the output files (PREFIX.npz, ...)")->required();
    cmd->add_option("--task", o->tasks, "output index to explain; several are summed")->capture_default_str();
    cmd->add_flag("--probability", o->probability, "explain probabilities instead of logits");
    cmd->add_option("--baseline", o->baseline,
                    "reference of ig and deeplift: zeros, uniform (0.25 each) or shuffle (dinucleotide shuffles; "
                    "default zeros for ig, shuffle for deepshap, uniform for deeplift)")
        ->check(CLI::IsMember({"zeros", "uniform", "shuffle"}));
    cmd->add_option("--steps", o->steps, "integration points of ig")->capture_default_str()->check(CLI::Range(1, 100000));
    cmd->add_option("--references", o->references, "shuffled references per sequence (deepshap; ig and deeplift with "
                                                   "--baseline shuffle)")
        ->capture_default_str()
        ->check(CLI::Range(1, 10000));
    cmd->add_option("--seed", o->seed, "seed of the shuffles")->capture_default_str();
    cmd->add_flag("--correct", o->correct, "subtract the mean over bases from gradients (saliency, gxi, ig)");
    auto* naive = cmd->add_flag("--naive-ism", o->naive_ism, "ism: run every mutant through the whole model");
    cmd->add_flag("--fast-ism", o->fast_ism, "ism: recompute only what each substitution changes (default)")->excludes(naive);
    cmd->add_option("--batch", o->batch, "sequences, path points or mutants per pass (default: per method)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--threads", o->threads, "worker threads (default: every core)")->check(CLI::Range(1, 1024));
    cmd->add_option("--logos", o->logos, "write one SVG per sequence into this directory");
    cmd->add_flag("--tsv", o->tsv, "also write PREFIX.tsv: name, position, base, then the A C G T scores");
    cmd->add_flag("--bedgraph", o->bedgraph, "also write PREFIX.bedGraph (sequences named chrom:start-end)");
    add_ambiguity_option(cmd, o->ambiguous);

    cmd->callback([o] {
        const ambiguity_policy ambiguous = ambiguity_from(o->ambiguous);
        auto model = io::load_model(o->model);
        context<cpu> ctx(o->threads);
        const shape in = model.input_shape();

        // Sequences.
        auto [records, x] = load_sequences(o->fasta, in.length, ambiguous);
        const auto N = records.size();

        // The method.
        const target t{o->tasks, o->probability ? target_scale::probability : target_scale::logit};
        const std::string baseline = !o->baseline.empty() ? o->baseline
                                     : o->method == "ig"       ? "zeros"
                                     : o->method == "deepshap" ? "shuffle"
                                                               : "uniform";
        reference_options ref;
        ref.kind = baseline == "zeros" ? reference_kind::zeros
                   : baseline == "uniform" ? reference_kind::uniform
                                           : reference_kind::shuffle;
        ref.count = ref.kind == reference_kind::shuffle ? o->references : 1;
        ref.seed = o->seed;
        if (o->method == "deepshap" && ref.kind != reference_kind::shuffle)
            throw argument_error("--method deepshap averages over dinucleotide shuffles: leave out --baseline or "
                                 "use deeplift");
        nlohmann::ordered_json settings{{"method", o->method},
                                        {"model", o->model},
                                        {"tasks", o->tasks},
                                        {"scale", o->probability ? "probability" : "logit"},
                                        {"written_by", "seqnet " SEQNET_VERSION_STRING}};
        xt::xtensor<float, 3> scores, hypothetical;
        std::vector<double> difference, delta;
        double worst_delta = -1;  // relative completeness error (ig, deeplift), from the result
        if (o->method == "saliency" || o->method == "gxi") {
            saliency_options so{.correct_one_hot = o->correct};
            if (o->batch) so.batch = o->batch;
            scores = o->method == "saliency" ? saliency(model, ctx, x, t, so) : gradient_x_input(model, ctx, x, t, so);
            settings["correct_one_hot"] = o->correct;
        } else if (o->method == "ig") {
            integrated_gradients_options io_{.baseline = ref, .steps = o->steps, .correct_one_hot = o->correct};
            if (o->batch) io_.batch = o->batch;
            auto r = integrated_gradients(model, ctx, x, t, io_);
            worst_delta = r.worst_relative_delta();
            scores = std::move(r.scores);
            difference = std::move(r.difference);
            delta = std::move(r.delta);
            settings["baseline"] = baseline;
            settings["steps"] = o->steps;
            settings["rule"] = "gauss_legendre";
            settings["correct_one_hot"] = o->correct;
        } else if (o->method == "deeplift" || o->method == "deepshap") {
            deeplift_options d{.reference = ref};
            if (o->batch) d.batch = o->batch;
            auto r = deeplift(model, ctx, x, t, d);
            worst_delta = r.worst_relative_delta();
            scores = std::move(r.scores);
            hypothetical = std::move(r.hypothetical);
            difference = std::move(r.difference);
            delta = std::move(r.delta);
            settings["reference"] = baseline;
            settings["eps"] = d.eps;
        } else {
            ism_options io_{};
            if (o->batch) io_.batch = o->batch;
            scores = ism(model, ctx, x, t, io_, o->naive_ism ? ism_method::naive : ism_method::fast);
            settings["ism"] = o->naive_ism ? "naive" : "fast";
        }
        if (ref.kind == reference_kind::shuffle && (o->method == "ig" || o->method == "deeplift" || o->method == "deepshap")) {
            settings["references"] = ref.count;
            settings["seed"] = o->seed;
        }

        // The npz.
        io::tensor_file f;
        auto add_array = [&](const std::string& name, const xt::xtensor<float, 3>& a) {
            io::named_tensor v;
            v.name = name;
            v.shape = {index_t(a.shape()[0]), index_t(a.shape()[1]), index_t(a.shape()[2])};
            v.values.assign(a.begin(), a.end());
            f.tensors.push_back(std::move(v));
        };
        auto add_vector = [&](const std::string& name, const std::vector<double>& a) {
            io::named_tensor v;
            v.name = name;
            v.shape = {index_t(a.size())};
            for (double d : a) v.values.push_back(float(d));
            f.tensors.push_back(std::move(v));
        };
        auto add_text = [&](const std::string& name, std::vector<index_t> shape, std::vector<std::string> text) {
            io::named_tensor v;
            v.name = name;
            v.dtype = "STR";
            v.shape = std::move(shape);
            v.strings = std::move(text);
            f.tensors.push_back(std::move(v));
        };
        add_array("attributions", scores);
        if (hypothetical.size()) add_array("hypothetical", hypothetical);
        if (!difference.empty()) {
            add_vector("difference", difference);
            add_vector("delta", delta);
        }
        std::vector<std::string> names, sequences;
        for (const auto& r : records) {
            names.push_back(r.name);
            sequences.push_back(r.sequence);
        }
        add_text("names", {index_t(N)}, names);
        add_text("sequences", {index_t(N)}, sequences);
        add_text("settings", {}, {settings.dump()});
        io::write_npz(o->out + ".npz", f);

        // Per-base views: the score at the base present (DeepLIFT: x * hypothetical).
        const xt::xtensor<float, 3>& shown = hypothetical.size() ? hypothetical : scores;
        if (o->tsv) {
            output_file tsv(o->out + ".tsv");
            std::fprintf(tsv.f, "name\tposition\tbase\tA\tC\tG\tT\n");
            for (std::size_t n = 0; n < N; ++n)
                for (std::size_t l = 0; l < std::size_t(in.length); ++l)
                    std::fprintf(tsv.f, "%s\t%zu\t%c\t%.7g\t%.7g\t%.7g\t%.7g\n", names[n].c_str(), l + 1,
                                 sequences[n][l], double(shown(n, 0, l)), double(shown(n, 1, l)),
                                 double(shown(n, 2, l)), double(shown(n, 3, l)));
            tsv.finish();
        }
        if (o->bedgraph) {
            output_file bg(o->out + ".bedGraph");
            std::size_t written = 0;
            std::fprintf(bg.f, "track type=bedGraph name=\"seqnet %s\"\n", o->method.c_str());
            for (std::size_t n = 0; n < N; ++n) {
                const auto where = coordinates(names[n], in.length);
                if (!where) continue;
                ++written;
                const std::vector<float> importance =
                    o->method == "ism" ? ism_position_scores(&shown(n, 0, 0), in) : std::vector<float>{};
                for (std::size_t l = 0; l < std::size_t(in.length); ++l)
                    std::fprintf(bg.f, "%s\t%lld\t%lld\t%.7g\n", where->first.c_str(),
                                 static_cast<long long>(where->second) + static_cast<long long>(l),
                                 static_cast<long long>(where->second) + static_cast<long long>(l) + 1,
                                 double(o->method == "ism" ? importance[l] : observed(shown, x, n, l)));
            }
            bg.finish();
            if (written == 0)
                throw format_error(o->fasta + ": no sequence name carries genome coordinates (chrom:start-end), so "
                                   "there is no bedGraph to write");
        }
        if (!o->logos.empty()) {
            std::filesystem::create_directories(o->logos);
            xt::xtensor<float, 2> projected({4, std::size_t(in.length)});
            for (std::size_t n = 0; n < N; ++n) {
                io::attribution_picture p;
                p.title = names[n] + " -- " + o->method;
                p.length = in.length;
                p.sequence = sequences[n];
                if (const auto where = coordinates(names[n], in.length)) p.first_position = where->second + 1;
                std::string svg;
                if (o->method == "ism") {
                    p.values = &scores(n, 0, 0);
                    svg = io::ism_heatmap_svg(p);
                } else {
                    for (std::size_t c = 0; c < 4; ++c)
                        for (std::size_t l = 0; l < std::size_t(in.length); ++l)
                            projected(c, l) = o->method == "saliency" ? shown(n, c, l) : shown(n, c, l) * x(n, c, l);
                    p.values = projected.data();
                    svg = io::attribution_logo_svg(p);
                }
                std::string file = names[n];
                for (char& ch : file)
                    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') ch = '_';
                write_text(std::filesystem::path(o->logos) / (std::to_string(n + 1) + "_" + file + ".svg"), svg);
            }
        }
        std::fprintf(stderr, "seqnet interpret: %s of %zu sequences written to %s.npz\n", o->method.c_str(), N,
                     o->out.c_str());
        if (worst_delta >= 0)
            std::fprintf(stderr, "  largest completeness error |sum - (f(x) - f(reference))| / max(1, |f(x) - f(reference)|): %.3g\n",
                         worst_delta);
    });
}

}  // namespace seqnet::cli
