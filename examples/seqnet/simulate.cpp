// seqnet simulate: random sequences with planted motifs (data/simulate.hpp), written as FASTA, a label
// table and the list of planted sites -- training data whose right answer is known.
#include "commands.hpp"

#include <seqnet/data/simulate.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

/// A file written with stdio, checked for write errors when finished.
struct output_file {
    std::FILE* f = nullptr;
    std::string name;
    explicit output_file(const std::filesystem::path& path) : name(path.string()) {
        f = std::fopen(name.c_str(), "w");
        if (!f) throw seqnet::format_error(name + ": cannot open for writing");
    }
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;
    ~output_file() {
        if (f) std::fclose(f);
    }
    void finish() {
        const bool failed = std::ferror(f) != 0;
        const bool closed = std::fclose(f) == 0;
        f = nullptr;
        if (failed || !closed) throw seqnet::format_error(name + ": write failed");
    }
};

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
        "Simulate DNA sequences with planted motifs, as in the DeepLIFT paper's simulations: a background\n"
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
        const std::filesystem::path dir(o->out);
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) throw format_error(o->out + ": cannot create directory: " + ec.message());

        const auto& names = sim.data.names();
        {
            output_file fa(dir / "sequences.fa");
            for (std::size_t i = 0; i < sim.sequences.size(); ++i) {
                std::fprintf(fa.f, ">%s\n", names[i].c_str());
                const std::string& s = sim.sequences[i];
                for (std::size_t p = 0; p < s.size(); p += 60)
                    std::fprintf(fa.f, "%.*s\n", static_cast<int>(std::min<std::size_t>(60, s.size() - p)), s.data() + p);
            }
            fa.finish();
        }
        {
            output_file tsv(dir / "labels.tsv");
            std::fprintf(tsv.f, "name");
            for (const auto& t : sim.data.tasks()) std::fprintf(tsv.f, "\t%s", t.c_str());
            std::fprintf(tsv.f, "\n");
            for (index_t i = 0; i < sim.data.size(); ++i) {
                std::fprintf(tsv.f, "%s", names[static_cast<std::size_t>(i)].c_str());
                for (const float v : sim.data.labels(i))
                    std::fputs(is_missing(v) ? "\tNA" : v != 0.0f ? "\t1" : "\t0", tsv.f);
                std::fprintf(tsv.f, "\n");
            }
            tsv.finish();
        }
        std::vector<index_t> carrying(sim.motifs.size(), 0);
        std::size_t sites = 0;
        {
            output_file tsv(dir / "planted.tsv");
            std::fprintf(tsv.f, "name\tmotif\tstart\tend\tstrand\tsite\n");
            for (std::size_t i = 0; i < sim.instances.size(); ++i) {
                for (const auto& p : sim.instances[i]) {
                    std::fprintf(tsv.f, "%s\t%s\t%lld\t%lld\t%c\t%s\n", names[i].c_str(),
                                 sim.motifs[static_cast<std::size_t>(p.task)].name.c_str(),
                                 static_cast<long long>(p.start), static_cast<long long>(p.start + p.length),
                                 p.strand, p.site.c_str());
                    ++sites;
                }
                for (std::size_t t = 0; t < sim.motifs.size(); ++t)
                    carrying[t] += sim.data.labels(static_cast<index_t>(i))[t] != 0.0f;
            }
            tsv.finish();
        }
        std::printf("wrote %lld sequences of %lld bp with %zu planted sites to %s\n",
                    static_cast<long long>(sim.data.size()), static_cast<long long>(sim.data.length()), sites,
                    o->out.c_str());
        for (std::size_t t = 0; t < sim.motifs.size(); ++t)
            std::printf("  %-8s %-20s in %lld sequences\n", sim.motifs[t].name.c_str(), sim.motifs[t].consensus.c_str(),
                        static_cast<long long>(carrying[t]));
    });
}
