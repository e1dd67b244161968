// seqnet simulate: random sequences with planted motifs (data/simulate.hpp), written as FASTA, a label
// table and the list of planted sites -- training data whose right answer is known.
#include "commands.hpp"
#include "workflow.hpp"

#include <seqnet/data/simulate.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

std::string motif_help() {
    std::string s;
    for (const auto& m : seqnet::builtin_motifs()) {
        char line[96];
        std::snprintf(line, sizeof line, "\n  %-5s %s", m.name.c_str(), m.consensus.c_str());
        s += line;
    }
    return s;
}

}  // namespace

void seqnet::cli::add_simulate(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "simulate",
        "Simulate labelled sequences with planted motifs (training data whose answer is known).\n"
        "As in the DeepLIFT paper's simulations: a background\n"
        "of independent bases with the given GC content; each motif (one task each) planted, with\n"
        "probability --motif-probability, 1 to --max-instances times, sampled from its position\n"
        "probability matrix, on a random strand, never overlapping. A task's label is 1 when its motif\n"
        "was planted, else 0. The same seed gives the same files on every platform. Writes into DIR:\n"
        "  sequences.fa  the sequences, named sim_000000, sim_000001, ... (60 bases per line)\n"
        "  labels.tsv    header 'name', then the motif names; one row of 0/1 labels per sequence\n"
        "  planted.tsv   one row per planted site: name, motif, start (0-based), end (exclusive),\n"
        "                strand (+ or -), site (the sampled instance on the motif's strand)\n"
        "Built-in motifs (IUPAC consensus):" +
            motif_help() +
            "\nor a motif of your own as NAME=CONSENSUS (e.g. cre=TGACGTCA).\n"
            "Example:\n"
            "  seqnet simulate --out sim --n 20000 --length 200 --motifs ctcf,gata,ebox --seed 1");
    struct options {
        std::string out;
        simulation_options sim;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--out", o->out, "directory to write into (created if needed)")->required();
    cmd->add_option("-n,--n", o->sim.sequences, "number of sequences")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--length", o->sim.length, "bases per sequence")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--seed", o->sim.seed, "random seed")->capture_default_str();
    cmd->add_option("--gc", o->sim.gc, "background GC content")->capture_default_str()->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--motifs", o->sim.motifs, "comma-separated motifs, one task each")
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("--motif-probability", o->sim.motif_probability,
                    "chance that a sequence carries each motif, independently")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--max-instances", o->sim.max_instances, "a carried motif appears 1 to this many times")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--sharpness", o->sim.sharpness,
                    "probability of the consensus base at each motif position (1 plants the consensus itself)")
        ->capture_default_str()
        ->check(CLI::Range(0.25, 1.0));

    cmd->callback([o] {
        const simulated sim = simulate(o->sim);  // checks the options before anything is written
        write_simulation(sim, o->out);
        std::vector<index_t> carrying(sim.motifs.size(), 0);
        std::size_t sites = 0;
        for (std::size_t i = 0; i < sim.instances.size(); ++i) {
            sites += sim.instances[i].size();
            for (std::size_t t = 0; t < sim.motifs.size(); ++t)
                carrying[t] += sim.data.labels(static_cast<index_t>(i))[t] != 0.0f;
        }
        std::printf("wrote %lld sequences of %lld bp with %zu planted sites to %s\n",
                    static_cast<long long>(sim.data.size()), static_cast<long long>(sim.data.length()), sites,
                    o->out.c_str());
        for (std::size_t t = 0; t < sim.motifs.size(); ++t)
            std::printf("  %-8s %-20s in %lld sequences\n", sim.motifs[t].name.c_str(), sim.motifs[t].consensus.c_str(),
                        static_cast<long long>(carrying[t]));
    });
}
