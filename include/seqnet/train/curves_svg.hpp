// seqnet/train/curves_svg.hpp -- ROC and precision-recall plots of several tasks as SVG documents, on
// io/svg.hpp's line-plot writer.
//
// roc_svg draws each task's ROC curve (FPR on x, TPR on y, straight segments, so the area under the drawn
// line is the AUROC) with the chance diagonal; pr_svg draws each task's precision-recall curve (recall on
// x, precision on y) as the step function whose area is the average precision: between two thresholds
// the curve holds the precision of the lower one (scikit-learn's PrecisionRecallDisplay, steps-post). The
// legend labels read "<task> (AUROC 0.973)" / "<task> (AUPRC 0.512)", "n/a" for a NaN metric. Points with
// a NaN coordinate (a curve of a task missing a class) are not drawn. Cost: O(total points).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/svg.hpp>
#include <seqnet/train/metrics.hpp>

#include <charconv>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace seqnet {

namespace detail {

inline std::string curve_legend(const std::string& task, const char* metric, double value) {
    std::string v = "n/a";
    if (!std::isnan(value)) {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 3);
        v.assign(buf, r.ptr);
    }
    return task + " (" + metric + " " + v + ")";
}

inline void check_curve_counts(std::size_t tasks, std::size_t curves, std::size_t metrics, const char* who) {
    if (curves != tasks || metrics != tasks)
        throw argument_error(std::string(who) + ": " + std::to_string(tasks) + " task names, " +
                             std::to_string(curves) + " curves and " + std::to_string(metrics) +
                             " metric values; they must match");
}

}  // namespace detail

/// An SVG document with the ROC curve of every task and the chance diagonal. Throws argument_error when
/// the three vectors differ in length.
inline std::string roc_svg(const std::vector<std::string>& tasks, const std::vector<std::vector<roc_point>>& curves,
                           const std::vector<double>& aurocs, std::string title = "ROC curves") {
    detail::check_curve_counts(tasks.size(), curves.size(), aurocs.size(), "roc_svg");
    std::vector<io::svg_series> series(tasks.size());
    for (std::size_t t = 0; t < tasks.size(); ++t) {
        series[t].label = detail::curve_legend(tasks[t], "AUROC", aurocs[t]);
        series[t].points.reserve(curves[t].size());
        for (const auto& p : curves[t]) series[t].points.emplace_back(p.fpr, p.tpr);
    }
    return io::line_plot_svg(series, std::move(title), "False positive rate", "True positive rate", true);
}

/// An SVG document with the precision-recall curve of every task, drawn as steps (see the top comment).
/// `curves` as pr_curve returns them (decreasing threshold). Throws argument_error when the three
/// vectors differ in length.
inline std::string pr_svg(const std::vector<std::string>& tasks, const std::vector<std::vector<pr_point>>& curves,
                          const std::vector<double>& auprcs, std::string title = "Precision-recall curves") {
    detail::check_curve_counts(tasks.size(), curves.size(), auprcs.size(), "pr_svg");
    std::vector<io::svg_series> series(tasks.size());
    for (std::size_t t = 0; t < tasks.size(); ++t) {
        series[t].label = detail::curve_legend(tasks[t], "AUPRC", auprcs[t]);
        auto& pts = series[t].points;
        pts.reserve(2 * curves[t].size());
        for (std::size_t i = 0; i < curves[t].size(); ++i) {
            const auto& p = curves[t][i];
            if (i > 0) pts.emplace_back(curves[t][i - 1].recall, p.precision);  // up/down at the old recall
            pts.emplace_back(p.recall, p.precision);
        }
    }
    return io::line_plot_svg(series, std::move(title), "Recall", "Precision", false);
}

}  // namespace seqnet
