// seqnet/motif/init.hpp -- first-layer filters from database motifs (SCIENCE.md section 23).
//
// A motif becomes filter f as its log-odds against the background, W[f, b, k] = log2(p[k - o, b] / q_b)
// with p = ppm(motif, pseudocount, background), and 0 (the background's log-odds) in the taps it does
// not cover; o = floor((K - W) / 2) centres it (or 0 with align_left). A motif wider than the filter is
// cut to its most informative K positions first. On one-hot input the filter then scores the window's
// log-likelihood ratio plus the bias (option `bias`; -tau makes a following ReLU fire above score tau).
// Frameworks correlate, not convolve, so motif column 0 goes to tap 0. An RC convolution's partner
// filter follows by construction. A motif_conv1d gets logits ln p, so that its probabilities are the
// motif's (its padding taps uniform). set_filters_from_motifs returns the train_options::frozen entries
// that keep those filters as they are ("0.weight[3,4]", "0.bias[3,4]"); leave them out to fine-tune.
#pragma once

#include <seqnet/layers.hpp>
#include <seqnet/motif/motif.hpp>

#include <string>
#include <type_traits>
#include <vector>

namespace seqnet {

struct motif_filter_options {
    double pseudocount = 0.1;  // MEME Suite's default when it reads motifs
    background bg{};
    bool align_left = false;   // false: centre the motif in the filter
    double bias = 0;
    index_t first_filter = 0;  // motif i goes to filter first_filter + i
};

/// The K-position window of m with the most information (m itself when it is no wider).
inline motif most_informative_window(const motif& m, index_t K, double pseudocount = 0.1, const background& bg = {}) {
    if (m.width() <= K) return m;
    const auto ic = information_content(ppm(m, pseudocount, bg), bg);
    index_t best = 0;
    double best_sum = -1;
    for (index_t a = 0; a + K <= m.width(); ++a) {
        double sum = 0;
        for (index_t k = 0; k < K; ++k) sum += ic[static_cast<std::size_t>(a + k)];
        if (sum > best_sum) {
            best_sum = sum;
            best = a;
        }
    }
    motif w = m;
    w.rows.assign(m.rows.begin() + best, m.rows.begin() + best + K);
    return w;
}

/// Sets filters of model's first layer (conv1d or rc_conv1d) from motifs; returns the frozen entries
/// that keep them.
template <class Model>
std::vector<std::string> set_filters_from_motifs(Model& model, const std::vector<motif>& motifs,
                                                 const motif_filter_options& o = {}) {
    o.bg.validate("motif filters");
    std::vector<std::string> frozen;
    bool done = false;
    model.visit([&](auto& step) {
        using L = typename std::remove_cvref_t<decltype(step)>::layer_type;
        using T = typename L::scalar_type;
        if (step.index != 0) return;
        constexpr bool logits = std::is_same_v<L, motif_conv1d_layer<T, typename L::device_type>>;
        if constexpr (std::is_same_v<L, conv1d_layer<T, typename L::device_type>> ||
                      std::is_same_v<L, rc_conv1d_layer<T, typename L::device_type>> || logits) {
            param_view<T> w{}, b = step.layer.bias();
            if constexpr (logits) w = step.layer.logits();
            else w = step.layer.weight();
            const index_t F = w.dims[0], C = w.dims[1], K = w.dims[2];
            if (C != 4) throw argument_error("motif filters: the first layer reads " + std::to_string(C) + " channels, not 4");
            if (o.first_filter < 0 || o.first_filter + static_cast<index_t>(motifs.size()) > F)
                throw argument_error("motif filters: " + std::to_string(motifs.size()) + " motifs from filter " +
                                     std::to_string(o.first_filter) + " do not fit the layer's " + std::to_string(F) + " filters");
            std::string rows;
            for (std::size_t i = 0; i < motifs.size(); ++i) {
                motifs[i].validate();
                const motif m = most_informative_window(motifs[i], K, o.pseudocount, o.bg);
                const auto pm = ppm(m, o.pseudocount, o.bg);
                auto lo = log_odds(pm, o.bg);
                if constexpr (logits)  // softmax(ln p) = p: the filter's probabilities are the motif's
                    for (std::size_t k = 0; k < pm.size(); ++k)
                        for (int c = 0; c < 4; ++c) lo[k][c] = std::log(pm[k][c]);
                const index_t f = o.first_filter + static_cast<index_t>(i), W = m.width();
                const index_t offset = o.align_left ? 0 : (K - W) / 2;
                for (index_t c = 0; c < 4; ++c)
                    for (index_t k = 0; k < K; ++k) {
                        const index_t at = k - offset;
                        w[(f * C + c) * K + k] = at >= 0 && at < W ? T(lo[static_cast<std::size_t>(at)][c]) : T(0);
                // (padding taps: log-odds 0, or equal logits: the background's uniform probabilities)
                    }
                if (b.rank > 0) b[f] = T(o.bias);
                rows += (rows.empty() ? "" : ",") + std::to_string(f);
            }
            frozen.push_back("weight[" + rows + "]");
            if (b.rank > 0) frozen.push_back("bias[" + rows + "]");
            done = true;
        } else {
            throw argument_error("motif filters: the model's first layer is " + std::string(L::name) + ", not a convolution");
        }
    });
    if (!done) throw argument_error("motif filters: the model has no layers");
    if (motifs.empty()) return {};
    // The first layer's state-dict prefix ("0" in a sequential model, the spec's name in a JSON one):
    // its weight is the first parameter the model lists.
    std::string prefix;
    model.visit_parameters([&](const std::string& name, auto, auto) {
        if (prefix.empty()) prefix = name.substr(0, name.rfind('.') + 1);
    });
    for (auto& f : frozen) f = prefix + f;
    return frozen;
}

}  // namespace seqnet
