#include "workflow.hpp"

#include <seqnet/io/fasta.hpp>
#include <seqnet/io/labels.hpp>
#include <seqnet/io/model_file.hpp>
#include <seqnet/models/zoo.hpp>
#include <seqnet/train/curves_svg.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace seqnet::cli {

fasta_sequences load_sequences(const std::string& fasta, index_t length, ambiguity_policy policy) {
    fasta_sequences out;
    io::fasta_reader reader(fasta);
    io::fasta_record r;
    while (reader.next(r)) {
        if (static_cast<index_t>(r.sequence.size()) != length)
            throw format_error(reader.source() + ":" + std::to_string(r.line) + ": record '" + r.name + "' has " +
                               std::to_string(r.sequence.size()) + " bases; the model takes " + std::to_string(length));
        out.records.push_back(r);
    }
    if (out.records.empty()) throw format_error(fasta + ": no sequences");
    const auto N = out.records.size();
    out.x = xt::zeros<float>({N, std::size_t(4), std::size_t(length)});
    for (std::size_t n = 0; n < N; ++n)
        encode_one_hot(out.records[n].sequence, out.x.data() + n * std::size_t(4 * length), length, policy,
                       fasta + ": record '" + out.records[n].name + "'");
    return out;
}

dataset load_labelled(const std::string& fasta, const std::string& labels, ambiguity_policy policy) {
    return io::make_dataset(io::read_fasta(fasta), io::read_labels(labels), policy);
}

model_spec architecture_spec(const std::string& arch, index_t length, const std::vector<std::string>& tasks) {
    const auto count = static_cast<index_t>(tasks.size());
    auto spec = [&](auto model) { return model_spec_of(model, tasks); };
    if (arch == "deepbind") return spec(zoo::deepbind(count, length));
    if (arch == "deepsea") return spec(zoo::deepsea(count, length));
    if (arch == "basset") return spec(zoo::basset(count, length));
    if (arch == "danq") return spec(zoo::danq(count, length));
    throw argument_error("unknown architecture '" + arch + "' (known: " + architecture_names + ")");
}

output_file::output_file(const std::filesystem::path& path) : name(path.string()) {
    if (name.empty() || name == "-") {
        f = stdout;
        name = "standard output";
        return;
    }
    f = std::fopen(name.c_str(), "w");
    if (!f) throw format_error(name + ": cannot open for writing");
}
output_file::~output_file() {
    if (f && f != stdout) std::fclose(f);
}
void output_file::finish() {
    const bool failed = std::fflush(f) != 0 || std::ferror(f) != 0;
    const bool closed = f == stdout || std::fclose(f) == 0;
    f = nullptr;
    if (failed || !closed) throw format_error(name + ": write failed");
}

void write_simulation(const simulated& sim, const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw format_error(dir.string() + ": cannot create directory: " + ec.message());
    const auto& names = sim.data.names();
    io::write_fasta(dir / "sequences.fa", names, sim.sequences);
    io::write_labels(dir / "labels.tsv", sim.data.tasks(), names, sim.data.labels());
    {
        output_file tsv(dir / "planted.tsv");
        std::fprintf(tsv.f, "name\tmotif\tstart\tend\tstrand\tsite\n");
        for (std::size_t i = 0; i < sim.instances.size(); ++i)
            for (const auto& p : sim.instances[i])
                std::fprintf(tsv.f, "%s\t%s\t%lld\t%lld\t%c\t%s\n", names[i].c_str(),
                             sim.motifs[static_cast<std::size_t>(p.task)].name.c_str(), static_cast<long long>(p.start),
                             static_cast<long long>(p.start + p.length), p.strand, p.site.c_str());
        tsv.finish();
    }
}

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out.flush()) throw format_error(path.string() + ": cannot write");
}

evaluation evaluate_model(spec_model& model, context<cpu>& ctx, const dataset& data,
                          const std::filesystem::path& out_dir, index_t batch) {
    const auto probabilities = predict_dataset(model, ctx, data, batch);
    const auto labels = data.labels();
    evaluation ev = evaluate(probabilities, labels, data.tasks());
    if (out_dir.empty()) return ev;
    std::filesystem::create_directories(out_dir);
    const auto T = static_cast<std::size_t>(data.task_count());
    const auto rocs = roc_curves(probabilities, labels, T);
    const auto prs = pr_curves(probabilities, labels, T);
    std::ostringstream metrics, roc, pr;
    write_metrics_tsv(metrics, ev);
    for (std::size_t t = 0; t < T; ++t) {
        write_roc_tsv(roc, data.tasks()[t], rocs[t], t == 0);
        write_pr_tsv(pr, data.tasks()[t], prs[t], t == 0);
    }
    std::vector<double> aurocs, auprcs;
    for (const auto& m : ev.tasks) {
        aurocs.push_back(m.auroc);
        auprcs.push_back(m.auprc);
    }
    write_text(out_dir / "metrics.tsv", metrics.str());
    write_text(out_dir / "roc.tsv", roc.str());
    write_text(out_dir / "pr.tsv", pr.str());
    write_text(out_dir / "roc.svg", roc_svg(data.tasks(), rocs, aurocs));
    write_text(out_dir / "pr.svg", pr_svg(data.tasks(), prs, auprcs));
    return ev;
}

void print_evaluation(std::FILE* out, const evaluation& ev) {
    std::fprintf(out, "%-20s %9s %9s %8s %8s %9s\n", "task", "positives", "negatives", "AUROC", "AUPRC", "accuracy");
    for (const auto& m : ev.tasks)
        std::fprintf(out, "%-20s %9lld %9lld %8.4f %8.4f %9.4f\n", m.task.c_str(), static_cast<long long>(m.positives),
                     static_cast<long long>(m.negatives), m.auroc, m.auprc, m.accuracy);
    std::fprintf(out, "%-20s %9s %9s %8.4f %8.4f %9.4f\n", "macro", "", "", ev.macro_auroc, ev.macro_auprc,
                 ev.macro_accuracy);
}

}  // namespace seqnet::cli
