// The filters-to-motifs recipe as files: see motif_report.hpp.
#include "motif_report.hpp"
#include "workflow.hpp"

#include <seqnet/io/jaspar.hpp>
#include <seqnet/io/meme.hpp>
#include <seqnet/io/motif_logo_svg.hpp>
#include <seqnet/io/motif_report_html.hpp>
#include <seqnet/motif/influence.hpp>

#include <algorithm>
#include <cstdio>

namespace seqnet::cli {

namespace {
std::string label_of(const motif& m) { return m.name.empty() ? m.id : m.id + " " + m.name; }

std::string format_p(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}
}  // namespace

void write_match_header(std::FILE* f) {
    std::fprintf(f, "query\ttarget\ttarget_name\toffset\tstrand\toverlap\tp_value\te_value\tq_value\t"
                    "query_consensus\ttarget_consensus\n");
}

void write_match_row(std::FILE* f, const motif& query, const motif& target, const motif_match& m) {
    std::fprintf(f, "%s\t%s\t%s\t%lld\t%c\t%lld\t%.4g\t%.4g\t%.4g\t%s\t%s\n", query.id.c_str(), target.id.c_str(),
                 target.name.empty() ? "-" : target.name.c_str(), static_cast<long long>(m.offset), m.strand,
                 static_cast<long long>(m.overlap), m.p_value, m.e_value, m.q_value, consensus(ppm(query)).c_str(),
                 consensus(ppm(target)).c_str());
}

std::vector<filter_outcome> write_motif_report(spec_model& model, context<cpu>& ctx, const xt::xtensor<float, 3>& x,
                                               const std::vector<motif>* database, const motif_report_options& o,
                                               const std::filesystem::path& out) {
    std::filesystem::create_directories(out / "logos");
    const auto found = motifs_from_filters(model, ctx, x, o.extraction);
    const auto influence = influence_of_filters(model, ctx, x);
    const std::vector<std::string>& tasks = model.tasks();

    std::vector<filter_outcome> filters;
    for (std::size_t f = 0; f < found.size(); ++f) {
        filter_outcome r;
        r.found = found[f];
        r.influence = influence.overall[f];
        for (std::size_t t = 0; t < influence.per_task.shape()[1]; ++t) r.task_influence.push_back(influence.per_task(f, t));
        r.informative = r.found.sites >= o.min_sites;
        r.found.pfm.name = r.found.sites > 0 ? consensus(ppm(r.found.pfm)) : "";
        filters.push_back(std::move(r));
    }
    std::stable_sort(filters.begin(), filters.end(),
                     [](const filter_outcome& a, const filter_outcome& b) { return a.influence > b.influence; });

    // Comparison: each informative filter, its low-information edges trimmed, against the database.
    std::optional<motif_database> db;
    if (database) db.emplace(*database, o.comparison);
    std::vector<std::vector<motif_match>> matches(filters.size());
    std::vector<motif> queries(filters.size());
    for (std::size_t i = 0; i < filters.size(); ++i) {
        if (!filters[i].informative) continue;
        queries[i] = trim(filters[i].found.pfm, o.trim_bits).first;
        if (!db) continue;
        matches[i] = db->compare(queries[i], i);
        if (!matches[i].empty()) filters[i].best = matches[i].front();
    }

    // Files.
    io::meme_file meme;
    std::vector<motif> informative;
    for (const auto& r : filters)
        if (r.informative) informative.push_back(r.found.pfm);
    if (!informative.empty()) {
        meme.motifs = informative;
        io::write_meme(out / "filters.meme", meme);
        io::write_jaspar(out / "filters.jaspar", informative);
    } else {
        std::fprintf(stderr, "seqnet motifs: no filter has %lld sites or more; filters.meme and filters.jaspar "
                     "are not written\n", static_cast<long long>(o.min_sites));
    }
    {
        output_file tsv(out / "influence.tsv");
        std::fprintf(tsv.f, "filter\tconsensus\tsites\tinformation_bits\tinfluence");
        for (const auto& t : tasks) std::fprintf(tsv.f, "\t%s", t.c_str());
        std::fprintf(tsv.f, "\n");
        for (const auto& r : filters) {
            const double bits = r.found.sites > 0 ? total_information(ppm(r.found.pfm)) : 0.0;
            std::fprintf(tsv.f, "%s\t%s\t%lld\t%.4f\t%.6g", r.found.pfm.id.c_str(),
                         r.found.sites > 0 ? r.found.pfm.name.c_str() : "-", static_cast<long long>(r.found.sites), bits,
                         r.influence);
            for (double v : r.task_influence) std::fprintf(tsv.f, "\t%.6g", v);
            std::fprintf(tsv.f, "\n");
        }
        tsv.finish();
    }
    if (db) {
        output_file tsv(out / "matches.tsv");
        write_match_header(tsv.f);
        for (std::size_t i = 0; i < filters.size(); ++i)
            for (const auto& m : matches[i])
                if (m.q_value <= o.max_q) write_match_row(tsv.f, queries[i], db->targets()[m.target], m);
        tsv.finish();
    }

    // Logos and the report.
    io::motif_report report;
    report.title = "seqnet motifs";
    report.settings = o.settings;
    report.tasks = tasks;
    report.has_database = db.has_value();
    for (std::size_t i = 0; i < filters.size(); ++i) {
        const auto& r = filters[i];
        io::motif_report_filter e;
        e.id = r.found.pfm.id;
        e.consensus = r.found.sites > 0 ? r.found.pfm.name : "-";
        e.sites = r.found.sites;
        e.information = r.found.sites > 0 ? total_information(ppm(r.found.pfm)) : 0.0;
        e.influence = r.influence;
        e.task_influence = r.task_influence;
        e.informative = r.informative;
        if (r.found.sites > 0) {
            e.logo = io::motif_logo_svg(r.found.pfm);
            write_text(out / "logos" / (r.found.pfm.id + ".svg"), e.logo);
        }
        for (std::size_t k = 0; k < matches[i].size() && index_t(k) < o.shown_matches; ++k) {
            const auto& m = matches[i][k];
            if (m.q_value > o.max_q) break;
            const motif& t = db->targets()[m.target];
            io::motif_report_match rm{.target = label_of(t), .p = m.p_value, .e = m.e_value, .q = m.q_value,
                                      .offset = m.offset, .overlap = m.overlap, .strand = m.strand,
                                      .pair_logo = io::motif_pair_logo_svg(queries[i], t, m.offset, m.strand, {},
                                                                           "p = " + format_p(m.p_value) + ", q = " +
                                                                               format_p(m.q_value))};
            e.matches.push_back(std::move(rm));
        }
        report.filters.push_back(std::move(e));
    }
    write_text(out / "report.html", io::motif_report_html(report));
    return filters;
}

}  // namespace seqnet::cli
