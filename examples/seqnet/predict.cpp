// seqnet predict: score every sequence of a FASTA file with a model; one TSV row per sequence.
#include "commands.hpp"
#include "workflow.hpp"

#include <seqnet/io/fasta.hpp>
#include <seqnet/io/model_file.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

void seqnet::cli::add_predict(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "predict",
        "Score the sequences of a FASTA file with a model: a TSV of probabilities per task.\n"
        "Reads FASTA plain or gzip. Writes a TSV with a header\n"
        "line (name, then the model's task names) and one row per sequence: its name, then one value per\n"
        "task -- probabilities by default (the sigmoid of each output, or the model's own output when its\n"
        "last layer is sigmoid or softmax), raw outputs (logits) with --logits. Every sequence must have\n"
        "the model's input length; IUPAC codes such as N follow --ambiguous.\n"
        "Example:\n"
        "  seqnet predict --model basset.safetensors --fasta peaks.fa > predictions.tsv");
    struct options {
        std::string model, fasta, out;
        int batch = 64;
        int threads = default_threads();
        bool logits = false;
        std::string ambiguous = "zeros";
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--model", o->model, "seqnet model file (.safetensors)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--fasta", o->fasta, "sequences, FASTA, plain or gzip")->required()->check(CLI::ExistingFile);
    cmd->add_option("--batch", o->batch, "sequences per forward pass")->capture_default_str()->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--threads", o->threads, "worker threads (default: every core)")->check(CLI::Range(1, 1024));
    cmd->add_flag("--logits", o->logits, "write raw outputs (before the final sigmoid or softmax)");
    add_ambiguity_option(cmd, o->ambiguous);
    cmd->add_option("--out", o->out, "write the TSV here instead of standard output");

    cmd->callback([o] {
        const ambiguity_policy ambiguous = ambiguity_from(o->ambiguous);
        auto model = io::load_model(o->model);
        context<cpu> ctx(o->threads);
        const shape in = model.input_shape();
        const std::size_t last = model.depth() - 1;
        // A model that ends in sigmoid or softmax already outputs probabilities; its logits are the
        // input of that layer.
        const bool ends_in_probabilities = std::holds_alternative<sigmoid_layer<float>>(model.layer(last)) ||
                                           std::holds_alternative<softmax_layer<float>>(model.layer(last));
        output_file out(o->out);
        auto write_header = [&] {
            std::fprintf(out.f, "name");
            for (const auto& t : model.tasks()) std::fprintf(out.f, "\t%s", t.c_str());
            std::fprintf(out.f, "\n");
        };

        io::fasta_reader reader(o->fasta);
        const auto batch_size = static_cast<std::size_t>(o->batch);
        std::vector<io::fasta_record> records(batch_size);
        std::vector<float> x(batch_size * static_cast<std::size_t>(in.size()));
        std::size_t total = 0;
        for (bool more = true; more;) {
            std::size_t n = 0;
            while (n < batch_size && (more = reader.next(records[n]))) {
                const auto& r = records[n];
                if (static_cast<index_t>(r.sequence.size()) != in.length)
                    throw format_error(reader.source() + ":" + std::to_string(r.line) + ": record '" + r.name +
                                       "' has " + std::to_string(r.sequence.size()) + " bases; the model takes " +
                                       std::to_string(in.length));
                encode_one_hot(r.sequence, x.data() + n * in.size(), in.length, ambiguous,
                               reader.source() + ": record '" + r.name + "'");
                ++n;
            }
            if (n == 0) break;
            const const_batch_view<float> xv{x.data(), static_cast<index_t>(n), in};
            const_batch_view<float> y;
            if (o->logits && ends_in_probabilities) {
                model.forward(ctx, xv);
                y = model.activation(last);
            } else {
                y = model.predict(ctx, xv);
            }
            if (total == 0) write_header();  // only once the first batch has read cleanly
            const bool apply_sigmoid = !o->logits && !ends_in_probabilities;
            const index_t per_sample = y.sample.size();
            for (std::size_t s = 0; s < n; ++s) {
                std::fprintf(out.f, "%s", records[s].name.c_str());
                const float* row = y.data + static_cast<index_t>(s) * per_sample;
                for (index_t t = 0; t < per_sample; ++t) {
                    const double v = apply_sigmoid ? logistic(double(row[t])) : double(row[t]);
                    std::fprintf(out.f, "\t%.9g", v);
                }
                std::fprintf(out.f, "\n");
            }
            total += n;
        }
        if (total == 0) write_header();
        out.finish();
        if (total == 0) std::fprintf(stderr, "seqnet predict: %s has no sequences\n", o->fasta.c_str());
    });
}
