// seqnet -- deep learning models for DNA sequences from the command line.
//
//   seqnet demo     --out DIR
//   seqnet windows  --genome G.fa --bed TASK=PEAKS.bed --out DIR      (or: seqnet simulate --out DIR)
//   seqnet train    --arch deepbind --fasta F --labels T --out MODEL.safetensors
//   seqnet evaluate --model MODEL.safetensors --fasta F --labels T --out DIR
//   seqnet import   --spec SPEC.json --weights WEIGHTS --out MODEL.safetensors
//   seqnet info     MODEL.safetensors
//   seqnet predict  --model MODEL.safetensors --fasta SEQS.fa > predictions.tsv
//   seqnet interpret --model MODEL.safetensors --fasta SEQS.fa --method deepshap --out PREFIX
//   seqnet motifs   --model MODEL.safetensors --fasta SEQS.fa --db JASPAR.meme --out DIR
//   seqnet compare  --query Q.meme --db JASPAR.meme --out matches.tsv
//
// Errors go to standard error as one line naming the file, record or tensor, with exit status 1;
// usage errors exit with status 2.
#include "commands.hpp"

#include <seqnet/config.hpp>

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <thread>

int seqnet::cli::default_threads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

void seqnet::cli::add_ambiguity_option(CLI::App* cmd, std::string& name) {
    cmd->add_option("--ambiguous", name,
                    "how N and other IUPAC codes are encoded: zeros (all channels 0), uniform (0.25 each), "
                    "fractional (the code's bases share 1)")
        ->check(CLI::IsMember({"zeros", "uniform", "fractional"}))
        ->capture_default_str();
}

seqnet::ambiguity_policy seqnet::cli::ambiguity_from(const std::string& name) {
    return name == "uniform" ? ambiguity_policy::uniform
           : name == "fractional" ? ambiguity_policy::fractional
                                  : ambiguity_policy::zeros;
}

int main(int argc, char** argv) {
    CLI::App app{"seqnet " SEQNET_VERSION_STRING
                 ": deep learning models for DNA sequences.\n"
                 "Try everything on built-in data with `demo`. Train on your own data with `windows` (peaks and a\n"
                 "genome) or `simulate`, then `train` and `evaluate`; bring a PyTorch model over with `import`;\n"
                 "inspect a model with `info`, score sequences with `predict`, explain them with `interpret` and\n"
                 "read its filters as motifs with `motifs` (and any motifs against a database with `compare`).\n"
                 "Run `seqnet COMMAND --help` for a command's options.",
                 "seqnet"};
    app.set_version_flag("--version", SEQNET_VERSION_STRING);
    app.require_subcommand(1);
    seqnet::cli::add_import(app);
    seqnet::cli::add_info(app);
    seqnet::cli::add_predict(app);
    seqnet::cli::add_simulate(app);
    seqnet::cli::add_train(app);
    seqnet::cli::add_evaluate(app);
    seqnet::cli::add_windows(app);
    seqnet::cli::add_interpret(app);
    seqnet::cli::add_motifs(app);
    seqnet::cli::add_compare(app);
    seqnet::cli::add_demo(app);
    // The overview lists each command by its first line; the rest of its text ends its own --help.
    for (CLI::App* cmd : app.get_subcommands({})) {
        const std::string text = cmd->get_description();
        const auto cut = text.find('\n');
        if (cut == std::string::npos) continue;
        cmd->description(text.substr(0, cut));
        cmd->footer(text.substr(cut + 1));
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    } catch (const seqnet::error& e) {
        std::fprintf(stderr, "seqnet: error: %s\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "seqnet: error: out of memory\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "seqnet: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
