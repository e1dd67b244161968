// tests for seqnet/train/metrics.hpp
#include <catch2/catch.hpp>
#include <seqnet/train/metrics.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace seqnet;
namespace fs = std::filesystem;

namespace {

const float nan_f = std::numeric_limits<float>::quiet_NaN();

// Trapezoidal area under a ROC curve, and the step sum of a PR curve, from the curve points.
double roc_area(const std::vector<roc_point>& c) {
    double a = 0;
    for (std::size_t i = 1; i < c.size(); ++i) a += (c[i].fpr - c[i - 1].fpr) * (c[i].tpr + c[i - 1].tpr) / 2;
    return a;
}
double pr_step_sum(const std::vector<pr_point>& c) {
    double a = 0;
    for (std::size_t i = 1; i < c.size(); ++i) a += (c[i].recall - c[i - 1].recall) * c[i].precision;
    return a;
}

struct temp_dir {
    fs::path path;
    temp_dir() {
        const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
        path = fs::temp_directory_path() /
               ("seqnet_metrics_" + std::to_string(std::random_device{}()) + "_" + std::to_string(tick));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

bool have_numpy() {
    static const bool ok = fs::exists("/usr/bin/python3") &&
                           std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
    return ok;
}

}  // namespace

TEST_CASE("AUROC and AP of a small case worked by hand", "[metrics]") {
    // Sorted by score: 0.8 (+), 0.4 (-), 0.35 (+), 0.1 (-); P = N = 2.
    // AUROC: the positive 0.8 beats both negatives (2 pairs), 0.35 beats 0.1 only (1): 3 / 4 = 0.75.
    // AP: thresholds 0.8 -> TP 1 FP 0, R 1/2, precision 1; 0.4 -> R unchanged (adds 0);
    //     0.35 -> TP 2 FP 1, R 1, precision 2/3; 0.1 -> R unchanged. AP = 1/2 * 1 + 1/2 * 2/3 = 5/6.
    const std::vector<float> s{0.1f, 0.4f, 0.35f, 0.8f}, y{0, 0, 1, 1};
    CHECK(auroc(s, y) == Approx(0.75).margin(1e-15));
    CHECK(average_precision(s, y) == Approx(5.0 / 6.0).margin(1e-15));
    // Perfect and reversed rankings.
    const std::vector<float> good{0.1f, 0.2f, 0.8f, 0.9f};
    CHECK(auroc(good, y) == 1.0);
    CHECK(average_precision(good, y) == 1.0);
    const std::vector<float> bad{0.9f, 0.8f, 0.2f, 0.1f};
    CHECK(auroc(bad, y) == 0.0);
    // Reversed: positives at ranks 3 and 4: AP = 1/2 * 1/3 + 1/2 * 2/4 = 5/12.
    CHECK(average_precision(bad, y) == Approx(5.0 / 12.0).margin(1e-15));
}

TEST_CASE("Tied scores across the classes form one threshold whatever the input order", "[metrics]") {
    // Scores 0.9 (+), 0.5 (+), 0.5 (-), 0.5 (-), 0.1 (-); P = 2, N = 3.
    // AUROC (Mann-Whitney, ties 1/2): 0.9 beats all 3 negatives (3); the positive 0.5 ties two negatives
    // (2 x 1/2) and beats 0.1 (1): (3 + 1 + 1) / 6 = 5/6.
    // AP: 0.9 -> TP 1 FP 0, R 1/2, precision 1; 0.5 -> TP 2 FP 2, R 1, precision 1/2; 0.1 -> R unchanged.
    //     AP = 1/2 * 1 + 1/2 * 1/2 = 3/4. (Breaking the tie positive-first would give 1, negative-first
    //     3/4 only by luck of this case: one threshold per distinct score is what makes it order-free.)
    std::vector<float> s{0.9f, 0.5f, 0.5f, 0.5f, 0.1f}, y{1, 1, 0, 0, 0};
    CHECK(auroc(s, y) == Approx(5.0 / 6.0).margin(1e-15));
    CHECK(average_precision(s, y) == Approx(0.75).margin(1e-15));
    // The same examples in other orders.
    const std::vector<float> s2{0.5f, 0.5f, 0.1f, 0.5f, 0.9f}, y2{0, 0, 0, 1, 1};
    CHECK(auroc(s2, y2) == Approx(5.0 / 6.0).margin(1e-15));
    CHECK(average_precision(s2, y2) == Approx(0.75).margin(1e-15));
    const std::vector<float> s3{0.5f, 0.9f, 0.1f, 0.5f, 0.5f}, y3{1, 1, 0, 0, 0};
    CHECK(auroc(s3, y3) == Approx(5.0 / 6.0).margin(1e-15));
    CHECK(average_precision(s3, y3) == Approx(0.75).margin(1e-15));

    // The curves: one point per distinct score after the start point.
    // ROC: (inf, 0, 0), (0.9, 0, 1/2), (0.5, 2/3, 1), (0.1, 1, 1); a diagonal segment across the tie.
    const auto roc = roc_curve(s3, y3);
    REQUIRE(roc.size() == 4);
    CHECK(std::isinf(roc[0].threshold));
    CHECK(roc[0].fpr == 0.0);
    CHECK(roc[0].tpr == 0.0);
    CHECK(roc[1].threshold == Approx(0.9));
    CHECK(roc[1].fpr == 0.0);
    CHECK(roc[1].tpr == 0.5);
    CHECK(roc[2].threshold == Approx(0.5));
    CHECK(roc[2].fpr == Approx(2.0 / 3.0));
    CHECK(roc[2].tpr == 1.0);
    CHECK(roc[3].fpr == 1.0);
    CHECK(roc[3].tpr == 1.0);
    CHECK(roc_area(roc) == Approx(5.0 / 6.0).margin(1e-15));
    // PR: (inf, 0, 1), (0.9, 1/2, 1), (0.5, 1, 1/2), (0.1, 1, 2/5).
    const auto pr = pr_curve(s3, y3);
    REQUIRE(pr.size() == 4);
    CHECK(std::isinf(pr[0].threshold));
    CHECK(pr[0].recall == 0.0);
    CHECK(pr[0].precision == 1.0);
    CHECK(pr[1].recall == 0.5);
    CHECK(pr[1].precision == 1.0);
    CHECK(pr[2].recall == 1.0);
    CHECK(pr[2].precision == 0.5);
    CHECK(pr[3].recall == 1.0);
    CHECK(pr[3].precision == Approx(0.4));
    CHECK(pr_step_sum(pr) == Approx(0.75).margin(1e-15));
}

TEST_CASE("All-tied scores give AUROC 1/2 and AP equal to the prevalence", "[metrics]") {
    // One threshold: TP 2 FP 3 at once, a single diagonal ROC segment (area 1/2); AP = 1 * 2/5.
    const std::vector<float> s(5, 0.3f), y{1, 0, 1, 0, 0};
    CHECK(auroc(s, y) == 0.5);
    CHECK(average_precision(s, y) == Approx(0.4).margin(1e-15));
    const auto roc = roc_curve(s, y);
    REQUIRE(roc.size() == 2);
    CHECK(roc[1].fpr == 1.0);
    CHECK(roc[1].tpr == 1.0);
}

TEST_CASE("Missing (NaN) labels are skipped, their scores ignored even when NaN", "[metrics]") {
    const std::vector<float> s{0.1f, 0.4f, 0.35f, 0.8f}, y{0, 0, 1, 1};
    const std::vector<float> s_gap{0.99f, 0.1f, nan_f, 0.4f, 0.35f, 0.0f, 0.8f};
    const std::vector<float> y_gap{nan_f, 0, nan_f, 0, 1, missing_label, 1};
    CHECK(auroc(s_gap, y_gap) == auroc(s, y));
    CHECK(average_precision(s_gap, y_gap) == average_precision(s, y));
    CHECK(accuracy(s_gap, y_gap) == accuracy(s, y));
    CHECK(roc_curve(s_gap, y_gap).size() == roc_curve(s, y).size());
    CHECK(pr_curve(s_gap, y_gap).size() == pr_curve(s, y).size());
}

TEST_CASE("Single-class and empty inputs give NaN where the metric is undefined", "[metrics]") {
    const std::vector<float> s{0.2f, 0.7f, 0.4f};
    const std::vector<float> neg{0, 0, nan_f}, pos{1, 1, 1}, none{nan_f, nan_f, nan_f};
    CHECK(std::isnan(auroc(s, neg)));
    CHECK(std::isnan(auroc(s, pos)));
    CHECK(std::isnan(auroc(s, none)));
    CHECK(std::isnan(average_precision(s, neg)));    // no positives
    CHECK(average_precision(s, pos) == 1.0);         // every threshold has precision 1
    CHECK(std::isnan(average_precision(s, none)));
    CHECK(std::isnan(accuracy(s, none)));
    CHECK(std::isnan(auroc({}, {})));
    // Curves: the rate whose denominator is zero is NaN at every point.
    const auto roc = roc_curve(s, neg);
    REQUIRE(roc.size() == 3);
    for (const auto& p : roc) CHECK(std::isnan(p.tpr));
    CHECK(roc.back().fpr == 1.0);
    const auto pr = pr_curve(s, neg);
    for (const auto& p : pr) CHECK(std::isnan(p.recall));
    CHECK(pr.back().precision == 0.0);
}

TEST_CASE("Accuracy thresholds strictly above 0.5 (or the given threshold)", "[metrics]") {
    // Predicted positive when p > 0.5: {0, 0, 1, 1} against {0, 0, 1, 0}: 3 of 4 right (0.5 is negative).
    const std::vector<float> p{0.2f, 0.5f, 0.7f, 0.9f}, y{0, 0, 1, 0};
    CHECK(accuracy(p, y) == 0.75);
    // At 0.8: {0, 0, 0, 1}: right, right, wrong, wrong.
    CHECK(accuracy(p, y, 0.8) == 0.5);
    // At 0.1 everything is positive: only the third is right.
    CHECK(accuracy(p, y, 0.1) == 0.25);
}

TEST_CASE("Bad inputs throw argument_error", "[metrics]") {
    const std::vector<float> s{0.2f, 0.7f}, y{0, 1};
    const std::vector<float> y3{0, 1, 1}, soft{0, 0.5f}, nan_score{nan_f, 0.1f};
    CHECK_THROWS_AS(auroc(s, y3), argument_error);
    CHECK_THROWS_AS(average_precision(s, y3), argument_error);
    CHECK_THROWS_AS(accuracy(s, y3), argument_error);
    CHECK_THROWS_AS(roc_curve(s, y3), argument_error);
    CHECK_THROWS_AS(pr_curve(s, y3), argument_error);
    CHECK_THROWS_AS(auroc(s, soft), argument_error);
    CHECK_THROWS_AS(accuracy(s, soft), argument_error);
    CHECK_THROWS_AS(auroc(nan_score, y), argument_error);
    CHECK_THROWS_AS(accuracy(nan_score, y), argument_error);
}

TEST_CASE("Curves run from the start point to (1, 1) / recall 1, and their areas are the metrics", "[metrics]") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0, 1);
    std::vector<float> s(300), y(300);
    for (std::size_t i = 0; i < s.size(); ++i) {
        s[i] = std::round(u(rng) * 20) / 20;  // 21 distinct values: many ties
        y[i] = u(rng) < 0.3f + 0.5f * s[i] ? 1.0f : 0.0f;
        if (i % 11 == 0) y[i] = nan_f;
    }
    const auto roc = roc_curve(s, y);
    const auto pr = pr_curve(s, y);
    std::vector<float> distinct;
    double pos = 0, neg = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (is_missing(y[i])) continue;
        (y[i] == 1 ? pos : neg) += 1;
        if (std::find(distinct.begin(), distinct.end(), s[i]) == distinct.end()) distinct.push_back(s[i]);
    }
    CHECK(roc.size() == distinct.size() + 1);
    CHECK(pr.size() == distinct.size() + 1);
    CHECK(roc.front().fpr == 0.0);
    CHECK(roc.front().tpr == 0.0);
    CHECK(roc.back().fpr == 1.0);
    CHECK(roc.back().tpr == 1.0);
    CHECK(pr.front().recall == 0.0);
    CHECK(pr.front().precision == 1.0);
    CHECK(pr.back().recall == 1.0);
    CHECK(pr.back().precision == Approx(pos / (pos + neg)).margin(1e-15));
    for (std::size_t i = 1; i < roc.size(); ++i) {
        CHECK(roc[i].threshold < roc[i - 1].threshold);
        CHECK(roc[i].fpr >= roc[i - 1].fpr);
        CHECK(roc[i].tpr >= roc[i - 1].tpr);
        CHECK(pr[i].recall >= pr[i - 1].recall);
        CHECK(pr[i].threshold == roc[i].threshold);
    }
    CHECK(roc_area(roc) == Approx(auroc(s, y)).margin(1e-12));
    CHECK(pr_step_sum(pr) == Approx(average_precision(s, y)).margin(1e-12));
}

TEST_CASE("AUROC and AP equal an independent numpy implementation on data with many ties", "[metrics][python]") {
    if (!have_numpy()) {
        WARN("/usr/bin/python3 with numpy not found: metrics not compared with numpy");
        return;
    }
    // Cases of several sizes and prevalences; scores rounded to 1 decimal (or all equal), ~10 % missing.
    std::mt19937 rng(2024);
    std::uniform_real_distribution<float> u(0, 1);
    struct one_case {
        std::vector<float> s, y;
    };
    std::vector<one_case> cases;
    const std::size_t sizes[] = {2, 5, 17, 100, 1000, 5000, 20000};
    const float prevalences[] = {0.5f, 0.1f, 0.02f};
    for (std::size_t n : sizes)
        for (float prev : prevalences) {
            one_case c;
            for (std::size_t i = 0; i < n; ++i) {
                const bool positive = u(rng) < prev;
                float score = std::round(((positive ? 0.3f : 0.0f) + 0.7f * u(rng)) * 10) / 10;
                if (n == 17 && prev == 0.1f) score = 0.25f;  // all tied
                c.s.push_back(score);
                c.y.push_back(u(rng) < 0.1f ? nan_f : positive ? 1.0f : 0.0f);
            }
            // Both classes present (the single-class NaN is tested above).
            c.y[0] = 1;
            c.y[n - 1] = 0;
            cases.push_back(std::move(c));
        }
    temp_dir dir;
    {
        std::ofstream data(dir.path / "cases.txt");
        char buf[32];
        for (const auto& c : cases) {
            for (std::size_t i = 0; i < c.s.size(); ++i) {
                std::snprintf(buf, sizeof buf, "%s%.9g", i ? " " : "", static_cast<double>(c.s[i]));
                data << buf;
            }
            data << '\n';
            for (std::size_t i = 0; i < c.y.size(); ++i)
                data << (i ? " " : "") << (is_missing(c.y[i]) ? "nan" : c.y[i] == 1 ? "1" : "0");
            data << '\n';
        }
    }
    // AUROC from the rank sum with average ranks for ties (Mann-Whitney U / (P N)); AP by a direct loop
    // over the distinct thresholds, counting TP and FP afresh at each one.
    const std::string script = R"PY(
import sys
import numpy as np
lines = open(sys.argv[1]).read().split('\n')
out = open(sys.argv[2], 'w')
for k in range(0, len(lines) - 1, 2):
    s = np.array(lines[k].split(), dtype=np.float32).astype(np.float64)
    y = np.array(lines[k + 1].split(), dtype=np.float64)
    keep = ~np.isnan(y)
    s, y = s[keep], y[keep].astype(bool)
    order = np.argsort(s, kind='mergesort')
    ranks = np.empty(len(s))
    ss = s[order]
    i = 0
    while i < len(ss):
        j = i
        while j + 1 < len(ss) and ss[j + 1] == ss[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    p, n = int(y.sum()), int((~y).sum())
    u = ranks[y].sum() - p * (p + 1) / 2.0
    auroc = u / (p * n)
    ap, prev_recall = 0.0, 0.0
    for t in np.unique(s)[::-1]:
        called = s >= t
        tp = np.sum(called & y)
        fp = np.sum(called & ~y)
        recall = tp / p
        ap += (recall - prev_recall) * (tp / (tp + fp))
        prev_recall = recall
    out.write('%r %r\n' % (float(auroc), float(ap)))
)PY";
    std::ofstream(dir.path / "reference.py") << script;
    const std::string cmd = "/usr/bin/python3 '" + (dir.path / "reference.py").string() + "' '" +
                            (dir.path / "cases.txt").string() + "' '" + (dir.path / "expected.txt").string() + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::ifstream expected(dir.path / "expected.txt");
    for (std::size_t k = 0; k < cases.size(); ++k) {
        double ref_auroc = 0, ref_ap = 0;
        REQUIRE(expected >> ref_auroc >> ref_ap);
        INFO("case " << k << ": " << cases[k].s.size() << " examples");
        CHECK(std::abs(auroc(cases[k].s, cases[k].y) - ref_auroc) <= 1e-12);
        CHECK(std::abs(average_precision(cases[k].s, cases[k].y) - ref_ap) <= 1e-12);
    }
}

TEST_CASE("evaluate gives each column's metrics, skips NaN labels and averages the defined tasks", "[metrics]") {
    const std::size_t n = 61, t_count = 3;  // 183 values: not N x 2 nor N x 4
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(0, 1);
    std::vector<float> p(n * t_count), y(n * t_count);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t t = 0; t < t_count; ++t) {
            p[i * t_count + t] = std::round(u(rng) * 10) / 10;
            y[i * t_count + t] = u(rng) < 0.15f ? nan_f : (u(rng) < p[i * t_count + t] ? 1.0f : 0.0f);
            if (t == 2) y[i * t_count + t] = i % 3 == 0 ? nan_f : 0.0f;  // task c: negatives only
        }
    const std::vector<std::string> names{"a", "b", "c"};
    const evaluation ev = evaluate(p, y, names);
    REQUIRE(ev.tasks.size() == 3);
    for (std::size_t t = 0; t < t_count; ++t) {
        std::vector<float> pc, yc;
        index_t pos = 0, neg = 0;
        for (std::size_t i = 0; i < n; ++i) {
            pc.push_back(p[i * t_count + t]);
            yc.push_back(y[i * t_count + t]);
            if (!is_missing(yc.back())) (yc.back() == 1 ? pos : neg) += 1;
        }
        const auto& m = ev.tasks[t];
        CHECK(m.task == names[t]);
        CHECK(m.positives == pos);
        CHECK(m.negatives == neg);
        CHECK(m.positives + m.negatives < static_cast<index_t>(n));  // some labels were missing
        const double a = auroc(pc, yc), ap = average_precision(pc, yc), acc = accuracy(pc, yc);
        if (t < 2) {
            // The same sums, inlined in two places: FMA contraction may round them differently.
            CHECK(m.auroc == Approx(a).epsilon(1e-12));
            CHECK(m.auprc == Approx(ap).epsilon(1e-12));
        } else {
            CHECK(std::isnan(m.auroc));
            CHECK(std::isnan(m.auprc));
        }
        CHECK(m.accuracy == acc);
    }
    CHECK(ev.tasks[2].positives == 0);
    CHECK(ev.macro_auroc == Approx((ev.tasks[0].auroc + ev.tasks[1].auroc) / 2));
    CHECK(ev.macro_auprc == Approx((ev.tasks[0].auprc + ev.tasks[1].auprc) / 2));
    CHECK(ev.macro_accuracy == Approx((ev.tasks[0].accuracy + ev.tasks[1].accuracy + ev.tasks[2].accuracy) / 3));

    // Per-task curves match the single-column ones.
    const auto rocs = roc_curves(p, y, t_count);
    REQUIRE(rocs.size() == 3);
    CHECK(roc_area(rocs[1]) == Approx(ev.tasks[1].auroc).margin(1e-12));
    CHECK(pr_step_sum(pr_curves(p, y, t_count)[0]) == Approx(ev.tasks[0].auprc).margin(1e-12));

    // Size mismatches.
    CHECK_THROWS_AS(evaluate(std::span(p).first(p.size() - 1), std::span(y).first(y.size() - 1), names),
                    argument_error);
    CHECK_THROWS_AS(evaluate(p, std::span(y).first(y.size() - 3), names), argument_error);
    CHECK_THROWS_AS(evaluate(p, y, {"a", "b"}), argument_error);
    CHECK_THROWS_AS(evaluate(p, y, {}), argument_error);
    CHECK_THROWS_AS(roc_curves(p, y, 4), argument_error);
    // No task has a defined AUROC: the macro mean is NaN.
    const std::vector<float> p1{0.1f, 0.2f}, y1{0, 0};
    const evaluation none = evaluate(p1, y1, {"only"});
    CHECK(std::isnan(none.macro_auroc));
    CHECK(none.macro_accuracy == 1.0);
}

TEST_CASE("TSV writers: metrics table with a macro row, ROC and PR curves", "[metrics]") {
    const std::vector<float> p{0.1f, 0.9f, 0.4f, 0.0f, 0.35f, 0.0f, 0.8f, 0.0f};  // 4 x 2
    const std::vector<float> y{0, 0, 0, 0, 1, nan_f, 1, 0};
    const evaluation ev = evaluate(p, y, {"ctcf", "dnase"});
    std::ostringstream os;
    write_metrics_tsv(os, ev);
    // ctcf: the hand-worked case (0.75, 5/6; accuracy at > 0.5: 0.1, 0.4 and 0.8 right, 0.35 wrong = 3/4).
    // dnase: labels 0, 0, missing, 0: no positives; 0.9 is wrong, the two 0.0 right = 2/3.
    CHECK(os.str() ==
          "task\tpositives\tnegatives\tauroc\tauprc\taccuracy\n"
          "ctcf\t2\t2\t0.75\t0.833333\t0.75\n"
          "dnase\t0\t3\tnan\tnan\t0.666667\n"
          "macro\t2\t5\t0.75\t0.833333\t0.708333\n");

    std::ostringstream roc;
    const std::vector<float> s{0.1f, 0.4f, 0.35f, 0.8f}, yy{0, 0, 1, 1};
    write_roc_tsv(roc, "ctcf", roc_curve(s, yy));
    write_roc_tsv(roc, "ctcf2", roc_curve(s, yy), false);
    std::istringstream lines(roc.str());
    std::string line;
    std::vector<std::string> all;
    while (std::getline(lines, line)) all.push_back(line);
    REQUIRE(all.size() == 11);
    CHECK(all[0] == "task\tthreshold\tfpr\ttpr");
    CHECK(all[1] == "ctcf\tinf\t0\t0");
    CHECK(all[2] == "ctcf\t0.800000012\t0\t0.5");  // the float 0.8f, 9 digits
    CHECK(all[5] == "ctcf\t0.100000001\t1\t1");
    CHECK(all[6] == "ctcf2\tinf\t0\t0");

    std::ostringstream pr;
    write_pr_tsv(pr, "ctcf", pr_curve(s, yy));
    CHECK(pr.str().rfind("task\tthreshold\trecall\tprecision\nctcf\tinf\t0\t1\nctcf\t0.800000012\t0.5\t1\n", 0) == 0);

    // Names that would break the table, and a failed stream.
    CHECK_THROWS_AS(write_roc_tsv(roc, "a\tb", roc_curve(s, yy)), argument_error);
    evaluation bad = ev;
    bad.tasks[0].task = "line\nbreak";
    CHECK_THROWS_AS(write_metrics_tsv(os, bad), argument_error);
    std::ostringstream failed;
    failed.setstate(std::ios::badbit);
    CHECK_THROWS_AS(write_pr_tsv(failed, "ctcf", pr_curve(s, yy)), format_error);
}
