// seqnet/train/metrics.hpp -- binary classification metrics per task: AUROC, average precision (AUPRC),
// accuracy, ROC and precision-recall curves, a multi-task evaluation and TSV writers.
//
// Inputs are one score per example (a probability or a logit: AUROC, AP and the curves depend only on the
// order of the scores) and one label per example, 0 or 1, NaN where missing (data/dataset.hpp); a missing
// label drops its example. Definitions follow scikit-learn (roc_auc_score, average_precision_score,
// roc_curve and precision_recall_curve without drop_intermediate). With the present examples sorted by
// descending score and the tied scores grouped, each distinct score s is one threshold (predict positive
// when score >= s), with cumulative counts TP(s), FP(s) over the P positives and N negatives:
//   TPR = TP/P,  FPR = FP/N,  recall R = TP/P,  precision = TP/(TP + FP);
//   AUROC = trapezoidal area under (FPR, TPR) from (0, 0) = P(score+ > score-) + 1/2 P(score+ = score-)
//         = Mann-Whitney U / (P N) with ties counted 1/2 (each tied group is one diagonal segment);
//   AP    = sum over thresholds of (R_k - R_{k-1}) * precision_k, R_0 = 0 (no interpolation: a step
//           function, not the trapezoid, which would be optimistic).
// AUROC is NaN when P = 0 or N = 0, AP is NaN when P = 0; both are exact up to one rounding of the final
// quotients for any ties (the counts stay integers in doubles). Accuracy thresholds the scores: predicted
// positive when score > threshold (Keras's binary_accuracy and torchmetrics use the same strict '>').
// A label other than 0, 1 or NaN, a NaN score with a present label, and spans of unequal length throw
// argument_error. Cost: one O(n log n) sort per metric (evaluate sorts each task's column once).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/data/dataset.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace seqnet {

/// One point of a ROC curve: examples with score >= threshold are called positive.
struct roc_point {
    double threshold, fpr, tpr;
};

/// One point of a precision-recall curve: examples with score >= threshold are called positive.
struct pr_point {
    double threshold, recall, precision;
};

/// Metrics of one task; auroc/auprc/accuracy are NaN where undefined (see the functions below).
struct task_metrics {
    std::string task;
    index_t positives = 0, negatives = 0;  // present labels of each class
    double auroc = std::numeric_limits<double>::quiet_NaN();
    double auprc = std::numeric_limits<double>::quiet_NaN();
    double accuracy = std::numeric_limits<double>::quiet_NaN();
};

/// Metrics of every task, and their means over the tasks where each is defined (NaN if none is).
struct evaluation {
    std::vector<task_metrics> tasks;
    double macro_auroc = std::numeric_limits<double>::quiet_NaN();
    double macro_auprc = std::numeric_limits<double>::quiet_NaN();
    double macro_accuracy = std::numeric_limits<double>::quiet_NaN();
};

namespace detail {

struct scored_label {
    float score;
    bool positive;
};

// The present (score, label) pairs sorted by descending score. Validates labels and scores.
inline std::vector<scored_label> sorted_present(std::span<const float> scores, std::span<const float> labels,
                                                const char* who) {
    if (scores.size() != labels.size())
        throw argument_error(std::string(who) + ": " + std::to_string(scores.size()) + " scores but " +
                             std::to_string(labels.size()) + " labels");
    std::vector<scored_label> v;
    v.reserve(scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const float y = labels[i];
        if (is_missing(y)) continue;
        if (y != 0.0f && y != 1.0f)
            throw argument_error(std::string(who) + ": label " + std::to_string(i) + " is " + std::to_string(y) +
                                 "; labels must be 0, 1 or NaN (missing)");
        if (std::isnan(scores[i]))
            throw argument_error(std::string(who) + ": score " + std::to_string(i) + " is NaN");
        v.push_back({scores[i], y == 1.0f});
    }
    std::sort(v.begin(), v.end(), [](const scored_label& a, const scored_label& b) { return a.score > b.score; });
    return v;
}

// Calls f(score, tp, fp) once per distinct score, in descending order, with the groups' counts
// (tied scores form one group). Counts are doubles holding integers (exact below 2^53).
template <class F>
void for_each_threshold(const std::vector<scored_label>& v, F&& f) {
    std::size_t i = 0;
    while (i < v.size()) {
        const float s = v[i].score;
        double tp = 0, fp = 0;
        for (; i < v.size() && v[i].score == s; ++i) (v[i].positive ? tp : fp) += 1.0;
        f(s, tp, fp);
    }
}

inline double count_positives(const std::vector<scored_label>& v) {
    return static_cast<double>(std::count_if(v.begin(), v.end(), [](const scored_label& e) { return e.positive; }));
}

inline double auroc_sorted(const std::vector<scored_label>& v) {
    const double p = count_positives(v), n = static_cast<double>(v.size()) - p;
    if (p == 0 || n == 0) return std::numeric_limits<double>::quiet_NaN();
    // Twice the area in units of 1/(P N): each group adds a trapezoid fp_g * (2 tp_before + tp_g).
    double twice = 0, tp = 0;
    for_each_threshold(v, [&](float, double tp_g, double fp_g) {
        twice += fp_g * (2 * tp + tp_g);
        tp += tp_g;
    });
    return twice / (2 * p * n);
}

inline double average_precision_sorted(const std::vector<scored_label>& v) {
    const double p = count_positives(v);
    if (p == 0) return std::numeric_limits<double>::quiet_NaN();
    double sum = 0, tp = 0, fp = 0;
    for_each_threshold(v, [&](float, double tp_g, double fp_g) {
        tp += tp_g;
        fp += fp_g;
        sum += tp_g * (tp / (tp + fp));  // (R_k - R_{k-1}) P = tp_g
    });
    return sum / p;
}

inline std::string format_number(double x, int digits) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, digits);
    return std::string(buf, r.ptr);
}

inline void check_tsv_field(std::string_view s, const char* who) {
    if (s.find_first_of("\t\n\r") != std::string_view::npos)
        throw argument_error(std::string(who) + ": task name '" + std::string(s) +
                             "' contains a tab or a line break");
}

inline void check_stream(std::ostream& os, const char* who) {
    if (!os) throw format_error(std::string(who) + ": cannot write to the output stream");
}

}  // namespace detail

/// Area under the ROC curve (scikit-learn's roc_auc_score): the probability that a random positive
/// scores above a random negative, ties counting 1/2. NaN labels are skipped; returns NaN when the
/// present labels lack positives or negatives. O(n log n).
inline double auroc(std::span<const float> scores, std::span<const float> labels) {
    return detail::auroc_sorted(detail::sorted_present(scores, labels, "auroc"));
}

/// Average precision (scikit-learn's average_precision_score), the usual estimate of the area under the
/// precision-recall curve: sum over distinct thresholds of (R_k - R_{k-1}) * precision_k. NaN labels are
/// skipped; returns NaN when no present label is positive. O(n log n).
inline double average_precision(std::span<const float> scores, std::span<const float> labels) {
    return detail::average_precision_sorted(detail::sorted_present(scores, labels, "average_precision"));
}

/// Fraction of present labels predicted right, a prediction being positive when probability > threshold.
/// NaN labels are skipped; returns NaN when no label is present. O(n).
inline double accuracy(std::span<const float> probabilities, std::span<const float> labels, double threshold = 0.5) {
    if (probabilities.size() != labels.size())
        throw argument_error("accuracy: " + std::to_string(probabilities.size()) + " probabilities but " +
                             std::to_string(labels.size()) + " labels");
    double present = 0, right = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const float y = labels[i];
        if (is_missing(y)) continue;
        if (y != 0.0f && y != 1.0f)
            throw argument_error("accuracy: label " + std::to_string(i) + " is " + std::to_string(y) +
                                 "; labels must be 0, 1 or NaN (missing)");
        if (std::isnan(probabilities[i]))
            throw argument_error("accuracy: probability " + std::to_string(i) + " is NaN");
        present += 1;
        if ((probabilities[i] > threshold) == (y == 1.0f)) right += 1;
    }
    return present > 0 ? right / present : std::numeric_limits<double>::quiet_NaN();
}

/// The ROC curve, by decreasing threshold: first (threshold +inf, fpr 0, tpr 0), then one point per
/// distinct score (threshold = that score), ending at (1, 1). This is scikit-learn's
/// roc_curve(drop_intermediate=False). FPR is NaN at every point when no present label is negative, TPR
/// when none is positive. O(n log n).
inline std::vector<roc_point> roc_curve(std::span<const float> scores, std::span<const float> labels) {
    const auto v = detail::sorted_present(scores, labels, "roc_curve");
    const double p = detail::count_positives(v), n = static_cast<double>(v.size()) - p;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<roc_point> out;
    out.push_back({std::numeric_limits<double>::infinity(), n > 0 ? 0.0 : nan, p > 0 ? 0.0 : nan});
    double tp = 0, fp = 0;
    detail::for_each_threshold(v, [&](float s, double tp_g, double fp_g) {
        tp += tp_g;
        fp += fp_g;
        out.push_back({s, n > 0 ? fp / n : nan, p > 0 ? tp / p : nan});
    });
    return out;
}

/// The precision-recall curve, by decreasing threshold: first (threshold +inf, recall 0, precision 1),
/// then one point per distinct score, ending at recall 1 with precision P / (P + N). The same points as
/// scikit-learn's precision_recall_curve, in reverse order (it lists increasing thresholds and puts the
/// (0, 1) point last). Recall is NaN at every point when no present label is positive. O(n log n).
inline std::vector<pr_point> pr_curve(std::span<const float> scores, std::span<const float> labels) {
    const auto v = detail::sorted_present(scores, labels, "pr_curve");
    const double p = detail::count_positives(v);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<pr_point> out;
    out.push_back({std::numeric_limits<double>::infinity(), p > 0 ? 0.0 : nan, 1.0});
    double tp = 0, fp = 0;
    detail::for_each_threshold(v, [&](float s, double tp_g, double fp_g) {
        tp += tp_g;
        fp += fp_g;
        out.push_back({s, p > 0 ? tp / p : nan, tp / (tp + fp)});
    });
    return out;
}

namespace detail {

inline index_t task_rows(std::span<const float> probabilities, std::span<const float> labels, std::size_t tasks,
                         const char* who) {
    if (tasks == 0) throw argument_error(std::string(who) + ": no tasks");
    if (probabilities.size() != labels.size() || probabilities.size() % tasks != 0)
        throw argument_error(std::string(who) + ": " + std::to_string(probabilities.size()) + " probabilities and " +
                             std::to_string(labels.size()) + " labels do not make an N x " + std::to_string(tasks) +
                             " block each");
    return static_cast<index_t>(probabilities.size() / tasks);
}

// Column t of an N x T row-major block.
inline std::vector<float> column(std::span<const float> block, std::size_t tasks, std::size_t t) {
    std::vector<float> c(block.size() / tasks);
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = block[i * tasks + t];
    return c;
}

inline double mean_defined(const std::vector<task_metrics>& tasks, double task_metrics::*field) {
    double sum = 0, count = 0;
    for (const auto& t : tasks)
        if (!std::isnan(t.*field)) {
            sum += t.*field;
            count += 1;
        }
    return count > 0 ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace detail

/// Metrics of every task of an N x T row-major block of probabilities against the N x T labels (NaN =
/// missing), one task per entry of `task_names`; accuracy at threshold 0.5. Throws argument_error when
/// the sizes do not match (or for a bad label or NaN score, as the single-task functions). O(N T log N).
inline evaluation evaluate(std::span<const float> probabilities, std::span<const float> labels,
                           const std::vector<std::string>& task_names) {
    const std::size_t t_count = task_names.size();
    detail::task_rows(probabilities, labels, t_count, "evaluate");
    evaluation ev;
    ev.tasks.reserve(t_count);
    for (std::size_t t = 0; t < t_count; ++t) {
        const auto s = detail::column(probabilities, t_count, t), y = detail::column(labels, t_count, t);
        const auto v = detail::sorted_present(s, y, ("evaluate, task '" + task_names[t] + "'").c_str());
        task_metrics m;
        m.task = task_names[t];
        m.positives = static_cast<index_t>(detail::count_positives(v));
        m.negatives = static_cast<index_t>(v.size()) - m.positives;
        m.auroc = detail::auroc_sorted(v);
        m.auprc = detail::average_precision_sorted(v);
        m.accuracy = accuracy(s, y);
        ev.tasks.push_back(std::move(m));
    }
    ev.macro_auroc = detail::mean_defined(ev.tasks, &task_metrics::auroc);
    ev.macro_auprc = detail::mean_defined(ev.tasks, &task_metrics::auprc);
    ev.macro_accuracy = detail::mean_defined(ev.tasks, &task_metrics::accuracy);
    return ev;
}

/// ROC curves of every task of an N x `tasks` row-major block (see roc_curve).
inline std::vector<std::vector<roc_point>> roc_curves(std::span<const float> probabilities,
                                                      std::span<const float> labels, std::size_t tasks) {
    detail::task_rows(probabilities, labels, tasks, "roc_curves");
    std::vector<std::vector<roc_point>> out;
    for (std::size_t t = 0; t < tasks; ++t)
        out.push_back(roc_curve(detail::column(probabilities, tasks, t), detail::column(labels, tasks, t)));
    return out;
}

/// Precision-recall curves of every task of an N x `tasks` row-major block (see pr_curve).
inline std::vector<std::vector<pr_point>> pr_curves(std::span<const float> probabilities,
                                                    std::span<const float> labels, std::size_t tasks) {
    detail::task_rows(probabilities, labels, tasks, "pr_curves");
    std::vector<std::vector<pr_point>> out;
    for (std::size_t t = 0; t < tasks; ++t)
        out.push_back(pr_curve(detail::column(probabilities, tasks, t), detail::column(labels, tasks, t)));
    return out;
}

/// Writes a tab-separated table: header "task positives negatives auroc auprc accuracy", one row per
/// task, then a "macro" row (label totals and the macro means). Metrics with 6 significant digits,
/// undefined ones as "nan". Throws argument_error for a task name with a tab or line break,
/// format_error when the stream fails.
inline void write_metrics_tsv(std::ostream& os, const evaluation& ev) {
    auto g = [](double x) { return detail::format_number(x, 6); };
    os << "task\tpositives\tnegatives\tauroc\tauprc\taccuracy\n";
    index_t pos = 0, neg = 0;
    for (const auto& t : ev.tasks) {
        detail::check_tsv_field(t.task, "write_metrics_tsv");
        os << t.task << '\t' << t.positives << '\t' << t.negatives << '\t' << g(t.auroc) << '\t' << g(t.auprc)
           << '\t' << g(t.accuracy) << '\n';
        pos += t.positives;
        neg += t.negatives;
    }
    os << "macro\t" << pos << '\t' << neg << '\t' << g(ev.macro_auroc) << '\t' << g(ev.macro_auprc) << '\t'
       << g(ev.macro_accuracy) << '\n';
    detail::check_stream(os, "write_metrics_tsv");
}

/// Writes a ROC curve as tab-separated rows "task threshold fpr tpr" (9 significant digits, so float
/// thresholds round-trip; the first threshold is "inf"), after a header line unless `header` is false
/// (several tasks into one table). Throws as write_metrics_tsv.
inline void write_roc_tsv(std::ostream& os, std::string_view task, std::span<const roc_point> curve,
                          bool header = true) {
    detail::check_tsv_field(task, "write_roc_tsv");
    if (header) os << "task\tthreshold\tfpr\ttpr\n";
    for (const auto& p : curve)
        os << task << '\t' << detail::format_number(p.threshold, 9) << '\t' << detail::format_number(p.fpr, 9)
           << '\t' << detail::format_number(p.tpr, 9) << '\n';
    detail::check_stream(os, "write_roc_tsv");
}

/// Writes a precision-recall curve as tab-separated rows "task threshold recall precision" (as
/// write_roc_tsv).
inline void write_pr_tsv(std::ostream& os, std::string_view task, std::span<const pr_point> curve,
                         bool header = true) {
    detail::check_tsv_field(task, "write_pr_tsv");
    if (header) os << "task\tthreshold\trecall\tprecision\n";
    for (const auto& p : curve)
        os << task << '\t' << detail::format_number(p.threshold, 9) << '\t' << detail::format_number(p.recall, 9)
           << '\t' << detail::format_number(p.precision, 9) << '\n';
    detail::check_stream(os, "write_pr_tsv");
}

}  // namespace seqnet
