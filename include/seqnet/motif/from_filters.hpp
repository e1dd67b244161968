// seqnet/motif/from_filters.hpp -- what each first-layer filter responds to, as a motif: the activation
// recipe of Basset and of Koo's activation_pwm (SCIENCE.md section 21).
//
// The sequences run through the model's first convolution and the position-wise layers after it
// (batch norm, ReLU, sigmoid, dropout: filter_activation_layer), so the activations are "after bias
// and ReLU" whatever the model puts between. Per filter, over all sequences and positions:
//   threshold     keep activations a > threshold * a_max (default 0.5, Koo's rule), a_max the filter's
//                 largest activation; a filter with a_max <= 0 keeps nothing;
//   top_fraction  or keep the largest fraction of its activations (e.g. 0.1). The cut is found from a
//                 4,096-bin histogram between the smallest and largest activation, then every activation
//                 at or above it is kept: at least the fraction asked for, more by at most one bin.
// Each kept activation at output position j names the input window x[:, j*s - p + k*d], k = 0..K-1
// (stride s, left padding p, dilation d of the convolution: 'same' padding shifts it, dilation spreads
// it). Windows that run past a sequence end are dropped and counted; an N (all-zero column) adds 1/4 to
// each base, as Basset does, so every column of a filter's PFM sums to its number of sites. For a
// reverse-complement layer that combines strands (max or sum) the window of an output is counted on the
// strand whose filter scored higher there, reverse-complemented when that is the partner, so each motif
// reads in its filter's orientation; with strands::both each of the 2F filters is its own output (the
// motif of filter 2F-1-f is then the reverse complement of filter f's on strand-symmetric data).
// Cost: two forward passes over the first layers (three with top_fraction) and one count per kept
// activation.
#pragma once

#include <seqnet/interpret/gradients.hpp>
#include <seqnet/layers.hpp>
#include <seqnet/motif/motif.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace seqnet {

/// Layers that act position by position and channel by channel, so that a first convolution's
/// activations read through them keep their filters and positions. Specialise for your own.
template <class Layer>
struct filter_activation_layer : std::false_type {};
template <class T, class Dev> struct filter_activation_layer<batchnorm_layer<T, Dev>> : std::true_type {};
template <class T, class Dev> struct filter_activation_layer<relu_layer<T, Dev>> : std::true_type {};
template <class T, class Dev> struct filter_activation_layer<sigmoid_layer<T, Dev>> : std::true_type {};
template <class T, class Dev> struct filter_activation_layer<dropout_layer<T, Dev>> : std::true_type {};

struct filter_motif_options {
    double threshold = 0.5;    // keep a > threshold * a_max
    double top_fraction = 0;   // > 0: keep this fraction of each filter's activations instead
    index_t batch = 64;        // sequences per forward pass
};

/// One filter's motif and how it was made.
struct filter_motif {
    motif pfm;                        // counts of the kept windows, id "filter_<f>", K positions
    index_t filter = 0;
    index_t sites = 0;                // windows counted
    index_t dropped = 0;              // kept activations whose window ran past a sequence end
    double max_activation = 0;        // a_max over all sequences and positions
    double mean_activation = 0;       // mean over all sequences and positions
    double cut = 0;                   // activations above this were kept
};

/// Where a model's filter activations are read, and how its first layer maps them to windows.
struct filter_geometry {
    std::size_t activation = 0;  // index of the activation read (the output of the last position-wise layer)
    index_t filters = 0, kernel = 0, stride = 1, dilation = 1, pad_left = 0;
    strands combine = strands::both;  // a reverse-complement first layer's combination
    bool reverse_complement = false;  // the first layer is an RC convolution
};

template <class Model>
filter_geometry filter_geometry_of(Model& model) {
    filter_geometry g;
    bool first_is_conv = false, open = true;
    std::string first_name;
    model.visit([&](auto& step) {
        using L = typename std::remove_cvref_t<decltype(step)>::layer_type;
        if (step.index == 0) {
            first_name = std::string(L::name);
            if constexpr (std::is_same_v<L, conv1d_layer<typename L::scalar_type, typename L::device_type>> ||
                          std::is_same_v<L, rc_conv1d_layer<typename L::scalar_type, typename L::device_type>> ||
                          std::is_same_v<L, motif_conv1d_layer<typename L::scalar_type, typename L::device_type>>) {
                const window w = step.layer.receptive_field();
                g.kernel = w.size;
                g.stride = w.stride;
                g.dilation = w.dilation;
                g.pad_left = w.pad_left;
                g.filters = step.output.sample.channels;
                if constexpr (std::is_same_v<L, rc_conv1d_layer<typename L::scalar_type, typename L::device_type>>) {
                    g.reverse_complement = true;
                    g.combine = step.layer.options().combine;
                }
                first_is_conv = true;
                g.activation = 1;
            }
            return;
        }
        if (!first_is_conv || !open) return;
        if constexpr (filter_activation_layer<L>::value) g.activation = step.index + 1;
        else open = false;
    });
    if (!first_is_conv)
        throw argument_error("motifs from filters: the model's first layer is " + first_name +
                             ", not a convolution (conv1d, rc_conv1d or motif_conv1d)");
    if (model.shape_at(0).channels != 4)
        throw argument_error("motifs from filters: the model reads " + std::to_string(model.shape_at(0).channels) +
                             " channels, not the 4 of one-hot DNA");
    return g;
}

namespace detail {

/// Calls f(n0, count, activations) for each batch of sequences, with the filter activations of the
/// batch (count x F x Lout) from a forward pass over the first layers.
template <class Model, class T, class F>
void for_each_activation_batch(Model& model, context<cpu>& ctx, const xt::xtensor<T, 3>& x, const filter_geometry& g,
                               index_t batch, F&& f) {
    const shape s = model.input_shape();
    const index_t N = static_cast<index_t>(x.shape()[0]);
    for (index_t n0 = 0; n0 < N; n0 += batch) {
        const index_t count = std::min(batch, N - n0);
        const auto a = model.forward(ctx, const_batch_view<T>{x.data() + n0 * s.size(), count, s}, phase::inference,
                                     {0, g.activation});
        f(n0, count, a);
    }
}

}  // namespace detail

/// Motifs of the first layer's filters from the sequences x (N x 4 x L; held-out data is usual).
template <interpretable_model Model, class T = typename Model::scalar_type>
std::vector<filter_motif> motifs_from_filters(Model& model, context<cpu>& ctx, const xt::xtensor<T, 3>& x,
                                              const filter_motif_options& o = {}) {
    detail::expect_model_input(model, x, "motifs from filters");
    if (o.batch < 1) throw argument_error("motifs from filters: batch must be at least 1");
    if (o.top_fraction > 0 ? !(o.top_fraction <= 1) : !(o.threshold >= 0 && o.threshold <= 1))
        throw argument_error("motifs from filters: the threshold and the top fraction must lie in [0, 1]");
    const filter_geometry g = filter_geometry_of(model);
    const index_t F = g.filters, K = g.kernel, L = model.input_shape().length;
    const index_t Lout = model.shape_at(g.activation).length;
    const index_t N = static_cast<index_t>(x.shape()[0]);

    std::vector<filter_motif> out(static_cast<std::size_t>(F));
    std::vector<double> lowest(static_cast<std::size_t>(F), std::numeric_limits<double>::infinity());
    for (index_t f = 0; f < F; ++f) {
        out[f].filter = f;
        out[f].max_activation = -std::numeric_limits<double>::infinity();
    }
    // Pass 1: each filter's range and mean.
    detail::for_each_activation_batch(model, ctx, x, g, o.batch, [&](index_t, index_t count, const_batch_view<T> a) {
        ctx.pool().parallel_for(F, double(count * Lout), [&](index_t f0, index_t f1, int) {
            for (index_t f = f0; f < f1; ++f) {
                double hi = out[f].max_activation, lo = lowest[f], sum = 0;
                for (index_t n = 0; n < count; ++n) {
                    const T* row = a.row(n, f);
                    for (index_t j = 0; j < Lout; ++j) {
                        hi = std::max(hi, double(row[j]));
                        lo = std::min(lo, double(row[j]));
                        sum += row[j];
                    }
                }
                out[f].max_activation = hi;
                lowest[f] = lo;
                out[f].mean_activation += sum;
            }
        });
    });
    const double total = double(N) * double(Lout);
    for (auto& m : out) {
        m.mean_activation = total > 0 ? m.mean_activation / total : 0;
        m.cut = o.top_fraction > 0 ? 0 : o.threshold * m.max_activation;
    }

    // Pass 2 (top_fraction): the cut from a histogram of each filter's activations.
    if (o.top_fraction > 0) {
        constexpr index_t bins = 4096;
        std::vector<index_t> histogram(static_cast<std::size_t>(F * bins), 0);
        auto bin_of = [&](index_t f, double v) {
            const double lo = lowest[f], hi = out[f].max_activation;
            if (!(hi > lo)) return index_t(0);
            return std::clamp<index_t>(static_cast<index_t>((v - lo) / (hi - lo) * bins), 0, bins - 1);
        };
        detail::for_each_activation_batch(model, ctx, x, g, o.batch, [&](index_t, index_t count, const_batch_view<T> a) {
            ctx.pool().parallel_for(F, double(count * Lout), [&](index_t f0, index_t f1, int) {
                for (index_t f = f0; f < f1; ++f)
                    for (index_t n = 0; n < count; ++n) {
                        const T* row = a.row(n, f);
                        for (index_t j = 0; j < Lout; ++j) ++histogram[f * bins + bin_of(f, row[j])];
                    }
            });
        });
        const double wanted = std::ceil(o.top_fraction * total);
        for (index_t f = 0; f < F; ++f) {
            index_t b = bins - 1;
            double seen = double(histogram[f * bins + b]);
            while (b > 0 && seen < wanted) seen += double(histogram[f * bins + --b]);
            const double lo = lowest[f], hi = out[f].max_activation;
            // Keep everything in bin b and above: the cut sits just below the bin's lower edge.
            out[f].cut = hi > lo ? std::nextafter(lo + (hi - lo) * double(b) / double(bins), -INFINITY) : lo - 1;
            if (b == 0) out[f].cut = -std::numeric_limits<double>::infinity();
        }
    }

    // Last pass: count the windows of the kept activations.
    std::vector<motif_matrix> counts(static_cast<std::size_t>(F), motif_matrix(static_cast<std::size_t>(K), motif_row{}));
    const index_t S = 4 * L;
    detail::for_each_activation_batch(model, ctx, x, g, o.batch, [&](index_t n0, index_t count, const_batch_view<T> a) {
        const_batch_view<T> both{};  // an RC layer's two strands, where it combined them
        if (g.reverse_complement && g.combine != strands::both) {
            model.visit([&](auto& step) {
                using Ly = typename std::remove_cvref_t<decltype(step)>::layer_type;
                if constexpr (std::is_same_v<Ly, rc_conv1d_layer<T, cpu>>)
                    if (step.index == 0) both = step.layer.strand_outputs(count);
            });
        }
        ctx.pool().parallel_for(F, double(count * Lout), [&](index_t f0, index_t f1, int) {
            for (index_t f = f0; f < f1; ++f) {
                filter_motif& m = out[f];
                motif_matrix& c = counts[f];
                // a_max <= 0 keeps nothing (an all-zero ReLU output has no windows to show).
                if (o.top_fraction <= 0 && !(m.max_activation > 0)) continue;
                for (index_t n = 0; n < count; ++n) {
                    const T* row = a.row(n, f);
                    const T* xn = x.data() + (n0 + n) * S;
                    for (index_t j = 0; j < Lout; ++j) {
                        if (!(double(row[j]) > m.cut)) continue;
                        const index_t first = j * g.stride - g.pad_left, last = first + (K - 1) * g.dilation;
                        if (first < 0 || last >= L) {
                            ++m.dropped;
                            continue;
                        }
                        bool flip = false;
                        if (both.data) flip = both.row(n, 2 * F - 1 - f)[j] > both.row(n, f)[j];
                        for (index_t k = 0; k < K; ++k) {
                            const index_t i = first + (flip ? K - 1 - k : k) * g.dilation;
                            motif_row& col = c[static_cast<std::size_t>(k)];
                            double sum = 0;
                            for (int b = 0; b < 4; ++b) sum += xn[b * L + i];
                            for (int b = 0; b < 4; ++b)
                                col[b] += sum > 0 ? double(xn[(flip ? 3 - b : b) * L + i]) : 0.25;
                        }
                        ++m.sites;
                    }
                }
            }
        });
    });
    for (index_t f = 0; f < F; ++f) {
        filter_motif& m = out[f];
        m.pfm = motif::from_counts("filter_" + std::to_string(f), {}, std::move(counts[f]));
    }
    return out;
}

/// The motifs a motif_conv1d first layer holds: each filter's probabilities (softmax of its logits),
/// id "filter_<f>", with nsites 20 (MEME's default: they come from no count of sites).
template <class Model>
std::vector<motif> learned_motifs(Model& model) {
    std::vector<motif> out;
    bool found = false;
    model.visit([&](auto& step) {
        using L = typename std::remove_cvref_t<decltype(step)>::layer_type;
        if constexpr (std::is_same_v<L, motif_conv1d_layer<typename L::scalar_type, typename L::device_type>>) {
            if (step.index != 0) return;
            found = true;
            const auto& l = step.layer;
            const index_t F = l.options().filters, K = l.options().kernel;
            for (index_t f = 0; f < F; ++f) {
                motif_matrix rows(static_cast<std::size_t>(K));
                for (index_t k = 0; k < K; ++k)
                    for (index_t c = 0; c < 4; ++c) rows[static_cast<std::size_t>(k)][c] = double(l.probability(f, c, k));
                out.push_back(motif::from_probabilities("filter_" + std::to_string(f), {}, std::move(rows)));
            }
        }
    });
    if (!found) throw argument_error("learned motifs: the model's first layer is not a motif_conv1d");
    return out;
}

}  // namespace seqnet
