// seqnet windows: fixed-length training windows from peaks (BED) and a reference genome (FASTA with a
// .fai index, built if absent), labelled by task, with negatives, split into training, validation and
// test sets by held-out chromosomes -- as Basset and DeepSEA prepared their data.
#include "commands.hpp"
#include "workflow.hpp"

#include <seqnet/data/windows.hpp>
#include <seqnet/io/bed.hpp>
#include <seqnet/io/fai.hpp>
#include <seqnet/io/labels.hpp>

#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::set<std::string> comma_list(const std::string& s) {
    std::set<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.insert(item);
    return out;
}

}  // namespace

void seqnet::cli::add_windows(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "windows",
        "Make labelled training windows from peaks (BED) and a genome, split by chromosome.\n"
        "Cuts fixed-length windows centred on peaks (the narrowPeak summit, else the interval's middle)\n"
        "from a reference genome, one task per BED file: a window is positive for every task with a peak\n"
        "over its centre. Negatives come from flanking regions (--flank bases away, not overlapping any\n"
        "peak) or from dinucleotide-shuffled positives. Windows on the --valid-chroms and --test-chroms\n"
        "go to the validation and test sets, the rest to training. Writes train.fa/train.tsv,\n"
        "valid.fa/valid.tsv and test.fa/test.tsv for `seqnet train` and `seqnet evaluate`.\n"
        "Example:\n"
        "  seqnet windows --genome hg38.fa --bed ctcf=ctcf_peaks.narrowPeak --bed rest=rest_peaks.bed \\\n"
        "      --length 600 --valid-chroms chr7 --test-chroms chr8,chr9 --out windows/");
    struct options {
        std::string genome, out, negatives = "flanks", valid_chroms, test_chroms;
        std::vector<std::string> beds;
        index_t length = 600, flank = 3000;
        std::uint64_t seed = 1;
        bool skip_unknown = false;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--genome", o->genome, "reference FASTA (uncompressed; a .fai index is built if absent)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--bed", o->beds, "TASK=PEAKS.bed, once per task (BED or narrowPeak, plain or gzip)")->required();
    cmd->add_option("--length", o->length, "window length")->capture_default_str()->check(CLI::Range(1, 1 << 24));
    cmd->add_option("--negatives", o->negatives, "flanks, shuffled or none")
        ->capture_default_str()
        ->check(CLI::IsMember({"flanks", "shuffled", "none"}));
    cmd->add_option("--flank", o->flank, "distance from a peak's window to its flank negatives")->capture_default_str();
    cmd->add_option("--valid-chroms", o->valid_chroms, "chromosomes held out for validation, comma-separated");
    cmd->add_option("--test-chroms", o->test_chroms, "chromosomes held out for testing, comma-separated");
    cmd->add_option("--seed", o->seed, "seed for shuffled negatives")->capture_default_str();
    cmd->add_flag("--skip-unknown-chroms", o->skip_unknown,
                  "skip (and count) peaks on chromosomes the genome lacks instead of stopping");
    cmd->add_option("--out", o->out, "output folder")->required();
    cmd->callback([o] {
        std::vector<std::string> tasks;
        std::vector<std::vector<io::bed_interval>> intervals;
        for (const auto& b : o->beds) {
            const auto eq = b.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == b.size())
                throw argument_error("--bed " + b + ": write TASK=FILE, e.g. ctcf=ctcf_peaks.bed");
            tasks.push_back(b.substr(0, eq));
            intervals.push_back(io::read_bed(b.substr(eq + 1)));
        }
        const io::indexed_fasta genome(o->genome);
        window_options wo;
        wo.length = o->length;
        wo.flank_offset = o->flank;
        wo.seed = o->seed;
        wo.skip_unknown_chromosomes = o->skip_unknown;
        wo.negatives = o->negatives == "flanks"     ? window_options::negatives_from::flanks
                       : o->negatives == "shuffled" ? window_options::negatives_from::shuffled
                                                    : window_options::negatives_from::none;
        const window_set w = make_windows(genome, tasks, intervals, wo);
        const auto valid = comma_list(o->valid_chroms), test = comma_list(o->test_chroms);
        for (const auto& c : valid)
            if (test.contains(c)) throw argument_error(c + " is held out for both validation and test");
        std::filesystem::create_directories(o->out);
        const std::filesystem::path dir(o->out);
        const char* parts[3] = {"train", "valid", "test"};
        index_t counts[3] = {0, 0, 0};
        for (int part = 0; part < 3; ++part) {
            std::vector<std::string> names, seqs;
            std::vector<float> labels;
            for (index_t i = 0; i < w.size(); ++i) {
                const auto& c = w.chromosomes[static_cast<std::size_t>(i)];
                const int where = valid.contains(c) ? 1 : test.contains(c) ? 2 : 0;
                if (where != part) continue;
                names.push_back(w.names[static_cast<std::size_t>(i)]);
                seqs.push_back(w.sequences[static_cast<std::size_t>(i)]);
                const auto l = w.labels_of(i);
                labels.insert(labels.end(), l.begin(), l.end());
            }
            counts[part] = static_cast<index_t>(names.size());
            io::write_fasta(dir / (std::string(parts[part]) + ".fa"), names, seqs);
            io::write_labels(dir / (std::string(parts[part]) + ".tsv"), tasks, names, labels);
        }
        const auto& s = w.summary;
        std::printf("%lld intervals -> %lld positive and %lld negative windows of %lld bp\n"
                    "skipped: %lld past a chromosome end, %lld with too many N, %lld duplicates; negatives skipped: "
                    "%lld overlapping peaks, %lld past an end, %lld with too many N\n"
                    "wrote %lld training, %lld validation, %lld test windows to %s\n",
                    static_cast<long long>(s.intervals), static_cast<long long>(s.positives),
                    static_cast<long long>(s.negatives), static_cast<long long>(o->length),
                    static_cast<long long>(s.past_chromosome_end), static_cast<long long>(s.too_many_n),
                    static_cast<long long>(s.duplicates), static_cast<long long>(s.negatives_overlapping),
                    static_cast<long long>(s.negatives_past_chromosome_end),
                    static_cast<long long>(s.negatives_too_many_n), static_cast<long long>(counts[0]),
                    static_cast<long long>(counts[1]), static_cast<long long>(counts[2]), o->out.c_str());
    });
}
