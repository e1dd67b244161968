// seqnet/interpret/fast_ism.hpp -- exact in-silico mutagenesis that recomputes only what a point
// mutation changes (SCIENCE.md section 20).
//
// A substitution at position l changes one input column. Through every local layer (convolution with
// stride 1, reverse-complement convolution, batch norm at inference, ReLU, sigmoid, dropout at
// inference, max pooling) only a window of the output can change, and its width is the same for every
// position: the layer's receptive field says how it grows. So each mutant carries, layer by layer, just
// the *change* of its activation over that window, never the whole activation:
//   convolution   the change of the output is the convolution of the change of the input: for each of
//                 the K taps, W_k (F x C) times the changed columns, added at the shifted positions. All
//                 taps and all mutants of a batch are one GEMM (K*F rows, C deep, mutants x window
//                 columns), so the cost is proportional to the changed width, not to the window of
//                 outputs it touches (fastISM recomputes whole windows of outputs from their inputs);
//   batch norm    the change times the channel's scale;
//   ReLU, sigmoid g(reference + change) - reference output;
//   max pooling   the maximum of reference + change over each touched window, minus the reference max.
//   flatten       the window keeps its place in the geometry before flattening, so that
//   dense         the next dense layer reads only the window's columns: its output is the reference
//                 plus W[:, window] times the change, one GEMM for each run of mutants whose windows
//                 start at the same place (they come in position order), with the packed columns
//                 cached by start. Its output changes everywhere, so the plan ends there.
// The reference activations come from one forward pass per sequence, shared by all its 3L mutants. At
// the first layer that is not local (a dense layer's output, global pooling, BiLSTM, a strided
// convolution) the mutants' activations are rebuilt as reference + change and the rest of the model
// runs on them as a batch. A model whose first layer is not local gets naive ISM, by the same code. Which
// layers are local, and how, is the trait ism_change_rule<Layer> (interpret/fast_ism_plan.hpp), as
// DeepLIFT's rules are deeplift_rule<Layer>. On a GPU the same plan runs as kernels
// (interpret/gpu/fast_ism.hpp).
// Results equal naive ISM to float rounding: the changes are exact, only summed in another order.
#pragma once

#include <seqnet/backend/cpu/gemm.hpp>
#include <seqnet/interpret/fast_ism_plan.hpp>
#include <seqnet/interpret/gpu/fast_ism.hpp>
#include <seqnet/interpret/ism.hpp>
#include <seqnet/layers.hpp>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace seqnet {

namespace detail {

/// A layer of the plan as the CPU carries changes across it: a convolution's taps packed for the GEMM,
/// and the reference activations of the current sequence.
template <class T>
struct cpu_change_layer : change_layer<T> {
    aligned_buffer<T> taps;          // pack_a of the (K*F) x C matrix, row (k, f) = W[f, :, k]
    std::vector<T> taps_by_channel;  // a change one column wide (a first layer): W[f, c, k] at (k, c, f)
    const T* x_ref = nullptr;        // reference activations, one sample each
    const T* y_ref = nullptr;

    explicit cpu_change_layer(const change_layer<T>& c) : change_layer<T>(c) {
        if (c.rule != change_rule::conv && c.rule != change_rule::rc_conv) return;
        const index_t F = c.filters, C = c.in.channels, K = c.kernel;
        taps.resize(static_cast<std::size_t>(cpu_kernels::packed_a_size<T>(K * F, C)));
        struct tap_source {
            const T* w;
            index_t F, C, K;
            T operator()(index_t row, index_t ch) const { return w[((row % F) * C + ch) * K + row / F]; }
        };
        cpu_kernels::pack_a<T>(K * F, C, tap_source{c.weight, F, C, K}, taps.data());
        if (c.width_in == 1) {
            taps_by_channel.resize(static_cast<std::size_t>(K * C * F));
            for (index_t f = 0; f < F; ++f)
                for (index_t ch = 0; ch < C; ++ch)
                    for (index_t k = 0; k < K; ++k)
                        taps_by_channel[static_cast<std::size_t>((k * C + ch) * F + f)] = c.weight[(f * C + ch) * K + k];
        }
    }
};

/// Columns B[c, m * w + u] = change_m[c, u] of a batch of mutants' changes (C x w each).
template <class T>
struct change_packer {
    const T* change;
    index_t channels, width, total_cols;

    void operator()(index_t k0, index_t kc, index_t j0, T* out) const {
        constexpr int NR = cpu_kernels::gemm_shape<T>::nr;
        const index_t cols = std::min<index_t>(NR, total_cols - j0);
        for (index_t r = 0; r < kc; ++r, out += NR) {
            const index_t c = k0 + r;
            for (index_t q = 0; q < cols;) {
                const index_t m = (j0 + q) / width, u = (j0 + q) % width;
                const index_t run = std::min(cols - q, width - u);
                cpu_kernels::copy_short(out + q, change + (m * channels + c) * width + u, run);
                q += run;
            }
            for (index_t q = cols; q < NR; ++q) out[q] = T(0);
        }
    }
};

/// Adds tap k's product (row (k, f), column (m, u)) into the output change at the shifted position.
template <class T>
struct shifted_tap_sink {
    T* change_out;  // M x F x width_out
    const index_t* start_in;
    const index_t* start_out;
    index_t filters, width_in, width_out, pad, dilation;

    void operator()(index_t i0, index_t j0, const T* tile, index_t rows, index_t cols, bool, bool) const {
        constexpr int NR = cpu_kernels::gemm_shape<T>::nr;
        constexpr int MR = cpu_kernels::gemm_shape<T>::mr;
        // Rows (k, f) and column runs (m, u) found once per tile, advanced without dividing.
        index_t row_offset[MR], row_shift[MR];
        index_t k = i0 / filters, f = i0 % filters;
        for (index_t r = 0; r < rows; ++r) {
            row_offset[r] = f * width_out;
            row_shift[r] = k * dilation;
            if (++f == filters) {
                f = 0;
                ++k;
            }
        }
        index_t m = j0 / width_in, u = j0 % width_in;
        for (index_t q = 0; q < cols;) {
            const index_t run = std::min(cols - q, width_in - u);
            const index_t shift = start_in[m] + u + pad - start_out[m];  // output position of tap 0
            T* base = change_out + m * filters * width_out;
            for (index_t r = 0; r < rows; ++r) {
                const index_t t0 = shift - row_shift[r];  // where column u lands for this row's tap
                const index_t lo = std::clamp<index_t>(-t0, 0, run), hi = std::clamp<index_t>(width_out - t0, lo, run);
                T* dst = base + row_offset[r] + t0;
                const T* src = tile + r * NR + q;
                for (index_t t = lo; t < hi; ++t) dst[t] += src[t];
            }
            q += run;
            u = 0;
            ++m;
        }
    }
};

/// Carries `count` mutants' changes (C_in x width_in each, windows starting at start_in) across one
/// layer into change_out / start_out.
template <class T>
void propagate_change(const cpu_change_layer<T>& c, index_t count, const T* change_in, const std::vector<index_t>& start_in,
                      aligned_buffer<T>& change_out, std::vector<index_t>& start_out, aligned_buffer<T>& strands_scratch,
                      cpu_kernels::gemm_workspace<T>& gemm) {
    const index_t wi = c.width_in, wo = c.width_out, Cin = c.in.channels, Cout = c.out.channels;
    start_out.resize(static_cast<std::size_t>(count));
    for (index_t m = 0; m < count; ++m) start_out[static_cast<std::size_t>(m)] = c.output_start(start_in[static_cast<std::size_t>(m)]);
    change_out.resize(static_cast<std::size_t>(count * Cout * wo));
    T* out = change_out.data();
    auto conv = [&](T* dst) {  // dst: count x filters x wo, zeroed, then every tap added
        std::fill(dst, dst + count * c.filters * wo, T(0));
        if (wi == 1 && !c.taps_by_channel.empty()) {
            // One changed column: each tap adds W[:, :, k] times it at one output position. Straight
            // loops over the filters beat a GEMM whose every product lands somewhere else.
            const index_t F = c.filters;
            for (index_t m = 0; m < count; ++m) {
                const T* d = change_in + m * Cin;
                const index_t shift = start_in[static_cast<std::size_t>(m)] + c.pad - start_out[static_cast<std::size_t>(m)];
                T* base = dst + m * F * wo;
                for (index_t k = 0; k < c.kernel; ++k) {
                    const index_t t = shift - k * c.dilation;
                    if (t < 0 || t >= wo) continue;
                    for (index_t ch = 0; ch < Cin; ++ch) {
                        if (d[ch] == T(0)) continue;
                        const T* w = c.taps_by_channel.data() + (k * Cin + ch) * F;
                        for (index_t f = 0; f < F; ++f) base[f * wo + t] += w[f] * d[ch];
                    }
                }
            }
            return;
        }
        cpu_kernels::gemm<T>(0, c.kernel * c.filters, count * wi, Cin, c.taps.data(),
                             change_packer<T>{change_in, Cin, wi, count * wi},
                             shifted_tap_sink<T>{dst, start_in.data(), start_out.data(), c.filters, wi, wo, c.pad, c.dilation},
                             gemm);
    };
    switch (c.rule) {
    case change_rule::conv:
        conv(out);
        return;
    case change_rule::rc_conv: {
        if (c.combine == strands::both) {
            conv(out);
            return;
        }
        const index_t F2 = c.filters, F = F2 / 2;
        strands_scratch.resize(static_cast<std::size_t>(count * F2 * wo));
        T* bank = strands_scratch.data();
        conv(bank);
        const index_t L = c.out.length;
        for (index_t m = 0; m < count; ++m) {
            const index_t a = start_out[static_cast<std::size_t>(m)];
            for (index_t f = 0; f < F; ++f) {
                const T* da = bank + (m * F2 + f) * wo;
                const T* dp = bank + (m * F2 + F2 - 1 - f) * wo;
                T* o = out + (m * F + f) * wo;
                if (c.combine == strands::sum) {
                    for (index_t u = 0; u < wo; ++u) o[u] = da[u] + dp[u];
                    continue;
                }
                const T* ra = c.strand_ref + f * L + a;
                const T* rp = c.strand_ref + (F2 - 1 - f) * L + a;
                const T* y = c.y_ref + f * L + a;
                for (index_t u = 0; u < wo; ++u) {
                    const T na = ra[u] + da[u], np = rp[u] + dp[u];
                    o[u] = (np > na ? np : na) - y[u];
                }
            }
        }
        return;
    }
    case change_rule::scale:
        for (index_t m = 0; m < count; ++m)
            for (index_t ch = 0; ch < Cout; ++ch)
                for (index_t u = 0; u < wo; ++u)
                    out[(m * Cout + ch) * wo + u] = c.scale[static_cast<std::size_t>(ch)] * change_in[(m * Cin + ch) * wi + u];
        return;
    case change_rule::copy:
    case change_rule::reshape:
        std::copy(change_in, change_in + count * Cin * wi, out);
        return;
    case change_rule::relu:
    case change_rule::sigmoid:
        for (index_t m = 0; m < count; ++m) {
            const index_t a = start_out[static_cast<std::size_t>(m)];
            for (index_t ch = 0; ch < Cout; ++ch) {
                const T* xr = c.x_ref + ch * c.in.length + a;
                const T* yr = c.y_ref + ch * c.out.length + a;
                const T* di = change_in + (m * Cin + ch) * wi;
                T* o = out + (m * Cout + ch) * wo;
                for (index_t u = 0; u < wo; ++u) {
                    const T z = xr[u] + di[u];
                    const T g = c.rule == change_rule::relu ? (z > T(0) ? z : T(0)) : logistic(z);
                    o[u] = g - yr[u];
                }
            }
        }
        return;
    case change_rule::maxpool:
        for (index_t m = 0; m < count; ++m) {
            const index_t a_in = start_in[static_cast<std::size_t>(m)], a = start_out[static_cast<std::size_t>(m)];
            for (index_t ch = 0; ch < Cout; ++ch) {
                const T* xr = c.x_ref + ch * c.in.length;
                const T* yr = c.y_ref + ch * c.out.length;
                const T* di = change_in + (m * Cin + ch) * wi;
                T* o = out + (m * Cout + ch) * wo;
                for (index_t u = 0; u < wo; ++u) {
                    const index_t j = a + u, first = j * c.stride;
                    T top = T(0);
                    for (index_t k = 0; k < c.pool; ++k) {
                        const index_t i = first + k;
                        const T v = xr[i] + (i >= a_in && i < a_in + wi ? di[i - a_in] : T(0));
                        top = k == 0 || v > top ? v : top;
                    }
                    o[u] = top - yr[j];
                }
            }
        }
        return;
    case change_rule::stop:
    case change_rule::dense:  // a whole batch at once: dense_change below
        return;
    }
}

/// The columns of a dense layer's weight that a window touches, packed for the GEMM: column
/// (c, u) of the packed matrix is input c * L + a + u of W (the flatten order), for the window of
/// `width` positions starting at a in the geometry C x L.
template <class T>
struct window_columns {
    const T* weight;
    index_t inputs, length, width, start;
    T operator()(index_t i, index_t k) const { return weight[i * inputs + (k / width) * length + start + k % width]; }
};

/// A dense layer's output for a batch of mutants whose changes (C x width each, in the geometry of
/// the layer before flatten) start at the same place: y = y_ref + W[:, window] * change, one GEMM.
/// The packed columns are cached by window start: consecutive batches mostly share it.
template <class T>
struct dense_change {
    aligned_buffer<T> packed;
    index_t packed_start = -1;

    void apply(context<cpu>& ctx, const change_layer<T>& c, index_t start, index_t first, index_t last, const T* change,
               T* out, std::vector<cpu_kernels::gemm_workspace<T>>& gemm) {
        constexpr int MR = cpu_kernels::gemm_shape<T>::mr;
        const index_t K = c.geometry.channels * c.width_in, U = c.units, panels = (U + MR - 1) / MR;
        if (start != packed_start) {
            packed.resize(static_cast<std::size_t>(cpu_kernels::packed_a_size<T>(U, K)));
            const window_columns<T> cols{c.weight, c.in.channels, c.geometry.length, c.width_in, start};
            ctx.pool().parallel_for(panels, double(MR * K), [&](index_t p0, index_t p1, int) {
                const index_t r0 = p0 * MR, rows = std::min(p1 * MR, U) - r0;
                cpu_kernels::pack_a<T>(rows, K, [&](index_t i, index_t k) { return cols(r0 + i, k); }, packed.data() + r0 * K);
            });
            packed_start = start;
        }
        const cpu_kernels::strided_b_packer<T> b{{change, 1, K}, last};
        ctx.pool().parallel_for(panels, double(MR * K * (last - first)), [&](index_t p0, index_t p1, int w) {
            cpu_kernels::gemm<T>(p0 * MR, std::min(p1 * MR, U), first, last, K, packed.data(), b,
                                 cpu_kernels::store_sink<T>{out, 1, U, true}, gemm[static_cast<std::size_t>(w)]);
        });
    }
};

}  // namespace detail

/// Exact saturation mutagenesis of target `t` for every sequence of x (N x C x L), recomputing only
/// what each substitution changes. Same result as naive_ism to float rounding.
template <interpretable_model Model, class T = typename Model::scalar_type>
xt::xtensor<T, 3> fast_ism(Model& model, context<cpu>& ctx, const xt::xtensor<T, 3>& x, const target& t = {},
                           const ism_options& o = {}) {
    using namespace detail;
    const target_function<T> f = detail::ism_target(model, x, t, o);
    const shape s = model.input_shape();
    const index_t N = static_cast<index_t>(x.shape()[0]), S = s.size();
    const std::size_t end = f.depth();

    xt::xtensor<T, 3> d = xt::zeros<T>(x.shape());
    if (N == 0) return d;
    // ---- the plan (fast_ism_plan.hpp), and the convolutions' taps packed for the GEMM ----
    model.forward(ctx, const_batch_view<T>{x.data(), 1, s}, phase::inference);  // layers derive their weights
    const change_plan<T> p = plan_changes(model, end);
    std::vector<cpu_change_layer<T>> plan(p.layers.begin(), p.layers.end());
    const bool ends_dense = p.ends_dense;
    const std::size_t stop = p.stop, local = p.local;
    const shape window_geometry = p.window_geometry;
    const index_t window_width = p.window_width;
    const shape at_stop = model.shape_at(stop);

    // ---- per-worker scratch ----
    struct worker_scratch {
        std::vector<aligned_buffer<T>> change;  // per activation index <= stop
        std::vector<std::vector<index_t>> start;
        aligned_buffer<T> strands;
        cpu_kernels::gemm_workspace<T> gemm;
    };
    std::vector<worker_scratch> scratch(static_cast<std::size_t>(ctx.threads()));
    for (auto& w : scratch) {
        w.change.resize(stop + 1);
        w.start.resize(stop + 1);
    }
    aligned_buffer<T> rebuilt, tail_a, tail_b, windows;  // windows: the changes entering a final dense layer
    std::vector<index_t> window_starts(static_cast<std::size_t>(o.batch));
    std::vector<cpu_kernels::gemm_workspace<T>> gemm(static_cast<std::size_t>(ctx.threads()));
    dense_change<T> dense;
    const index_t tail_size = largest_output(model, stop, end);
    rebuilt.resize(static_cast<std::size_t>(o.batch * at_stop.size()));
    if (ends_dense) windows.resize(static_cast<std::size_t>(o.batch * window_geometry.channels * window_width));
    tail_a.resize(static_cast<std::size_t>(o.batch * tail_size));
    tail_b.resize(tail_a.size());

    std::vector<substitution> edits;

    for (index_t n = 0; n < N; ++n) {
        const T* xn = x.data() + n * S;
        model.forward(ctx, const_batch_view<T>{xn, 1, s}, phase::inference);
        const double f_ref = f.value(model.activation(end).data);
        for (std::size_t i = 0; i < stop; ++i) {
            plan[i].x_ref = model.activation(i).data;
            plan[i].y_ref = model.activation(i + 1).data;
        }
        substitutions_of(xn, s, edits);
        T* dn = d.data() + n * S;

        for (std::size_t e0 = 0; e0 < edits.size(); e0 += static_cast<std::size_t>(o.batch)) {
            const index_t M = std::min<index_t>(o.batch, static_cast<index_t>(edits.size() - e0));
            // Local layers: each worker carries the changes of its share of the mutants.
            ctx.pool().parallel_for(M, double(S), [&](index_t m0, index_t m1, int wi) {
                worker_scratch& w = scratch[static_cast<std::size_t>(wi)];
                const index_t count = m1 - m0;
                auto& start0 = w.start[0];
                start0.resize(static_cast<std::size_t>(count));
                w.change[0].resize(static_cast<std::size_t>(count * s.channels));
                for (index_t m = 0; m < count; ++m) {
                    const substitution e = edits[e0 + static_cast<std::size_t>(m0 + m)];
                    start0[static_cast<std::size_t>(m)] = e.l;
                    for (index_t c = 0; c < s.channels; ++c)
                        w.change[0][static_cast<std::size_t>(m * s.channels + c)] = T(c == e.b ? 1 : 0) - xn[c * s.length + e.l];
                }
                for (std::size_t i = 0; i < local; ++i)
                    propagate_change(plan[i], count, w.change[i].data(), w.start[i], w.change[i + 1], w.start[i + 1],
                                     w.strands, w.gemm);
                const index_t window = window_geometry.channels * window_width;
                if (ends_dense) {  // the dense layer takes the whole batch's windows: hand them over
                    std::copy(w.change[local].data(), w.change[local].data() + count * window, windows.data() + m0 * window);
                    std::copy(w.start[local].begin(), w.start[local].begin() + count, window_starts.begin() + m0);
                    return;
                }
                // Rebuild the activation at the stop layer: reference + change over the window.
                const T* ref = model.activation(stop).data;
                for (index_t m = 0; m < count; ++m) {
                    T* out = rebuilt.data() + (m0 + m) * at_stop.size();
                    std::copy(ref, ref + at_stop.size(), out);
                    const index_t a = w.start[local][static_cast<std::size_t>(m)];
                    const T* ch = w.change[local].data() + m * window;
                    for (index_t c = 0; c < window_geometry.channels; ++c)
                        for (index_t u = 0; u < window_width; ++u) out[c * window_geometry.length + a + u] += ch[c * window_width + u];
                }
            });
            if (ends_dense) {
                // Its output: the reference plus, for each run of mutants whose windows start together
                // (runs: mutants come in position order), one GEMM over the window's columns.
                const T* ref = model.activation(stop).data;
                for (index_t m = 0; m < M; ++m) std::copy(ref, ref + at_stop.size(), rebuilt.data() + m * at_stop.size());
                for (index_t r0 = 0; r0 < M;) {
                    index_t r1 = r0 + 1;
                    while (r1 < M && window_starts[static_cast<std::size_t>(r1)] == window_starts[static_cast<std::size_t>(r0)]) ++r1;
                    dense.apply(ctx, plan.back(), window_starts[static_cast<std::size_t>(r0)], r0, r1, windows.data(),
                                rebuilt.data(), gemm);
                    r0 = r1;
                }
            }
            // The rest of the model, on the rebuilt activations, as one batch.
            const T* values = run_layers(model, ctx, stop, end, rebuilt.data(), M, tail_a.data(), tail_b.data());
            record_changes(f, edits.data() + e0, M, values, f_ref, dn, s.length);
        }
        if (o.mean_centre) centre_channels(dn, 1, s);
    }
    return d;
}

enum class ism_method { fast, naive };

/// Saturation mutagenesis by the chosen method (fast unless told otherwise), on the model's device; both
/// methods give the same result.
template <interpretable_model Model, class T = typename Model::scalar_type>
xt::xtensor<T, 3> ism(Model& model, context<typename Model::device_type>& ctx, const xt::xtensor<T, 3>& x,
                      const target& t = {}, const ism_options& o = {}, ism_method method = ism_method::fast) {
    return method == ism_method::fast ? fast_ism(model, ctx, x, t, o) : naive_ism(model, ctx, x, t, o);
}

}  // namespace seqnet
