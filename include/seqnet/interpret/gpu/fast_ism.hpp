// seqnet/interpret/gpu/fast_ism.hpp -- fast ISM (interpret/fast_ism.hpp) for a model on a GPU device.
//
// The plan (interpret/fast_ism_plan.hpp) is built once per call; its weights stay on the device (the
// convolutions' taps rearranged there). Per batch of mutants, the changes cross the local layers as kernels:
//   convolution   the batch's changes, gathered to C x (mutants x window) columns, times the taps
//                 (K*F x C, row (k, f) = W[f, :, k]) in one GEMM: K*F*C per changed column, not per
//                 output of the window; a kernel then sums, for each output of the window, the K taps
//                 that land on it, and combines the strands of an RC convolution;
//   element-wise  scale, ReLU, sigmoid and max pooling: one thread per value of the output window;
//   dense         the reference output plus, for each run of mutants whose windows start together
//                 (they come in position order), their changes times W[:, window] in one GEMM, the
//                 window's columns gathered once per start.
// The mutants are then rebuilt in full where the plan stops and the rest of the model runs on them as a
// batch, as on the CPU. Per batch only the substitutions and window starts go up and the target's
// outputs come down.
#pragma once

#include <seqnet/backend/device_memory.hpp>
#include <seqnet/backend/for_each_index.hpp>
#include <seqnet/backend/host_staging.hpp>
#include <seqnet/interpret/fast_ism_plan.hpp>
#include <seqnet/interpret/ism.hpp>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace seqnet {

namespace gpu_kernels {

/// Thread i over taps (K*F x C): row (k, f) holds W[f, :, k] of a convolution's weight W (F x C x K).
template <class T>
struct taps_of_weight {
    const T* weight;
    T* taps;
    index_t filters, channels, kernel;
    SEQNET_HD void operator()(index_t i) const {
        const index_t ch = i % channels, f = (i / channels) % filters, k = i / (channels * filters);
        taps[i] = weight[(f * channels + ch) * kernel + k];
    }
};

/// Thread i = (m, c) over a batch's first changes (M x C): mutant m's new column minus the sequence's.
template <class T>
struct substitution_change {
    const T* x;             // the sequence, C x L
    const index_t* edits;   // (position, base) per mutant
    T* change;
    index_t channels, length;
    SEQNET_HD void operator()(index_t i) const {
        const index_t m = i / channels, c = i % channels;
        change[i] = T(c == edits[2 * m + 1] ? 1 : 0) - x[c * length + edits[2 * m]];
    }
};

/// Thread i over cols (C x M*w): column (m, u) of row c is mutant m's change of channel c at u.
template <class T>
struct change_columns {
    const T* change;  // M x C x w
    T* cols;
    index_t channels, w, width;  // width = M * w
    SEQNET_HD void operator()(index_t i) const {
        const index_t c = i / width, col = i % width, m = col / w, u = col % w;
        cols[i] = change[(m * channels + c) * w + u];
    }
};

/// Thread i over a convolution's output changes (M x F x wo): the sum of the products of the taps
/// (rows (k, f), K*F_bank x M*wi) that land on output u of mutant m; for an RC convolution that sums or
/// takes the maximum of its strands, filter f and its reverse complement F_bank-1-f combined.
template <class T>
struct sum_taps {
    const T* products;
    const index_t* start_in;
    const index_t* start_out;
    T* out;
    const T* strand_ref;  // strands::max: both strands' reference outputs (F_bank x L)
    const T* y_ref;       // strands::max: the reference output (F x L)
    index_t filters, bank, kernel, dilation, pad, wi, wo, width, length;
    strands combine;

    SEQNET_HD T taps_of(index_t f, index_t m, index_t q0) const {
        T acc = 0;
        for (index_t k = 0; k < kernel; ++k) {
            const index_t q = q0 + k * dilation;  // the column of m's input window that tap k reads
            if (q >= 0 && q < wi) acc += products[(k * bank + f) * width + m * wi + q];
        }
        return acc;
    }
    SEQNET_HD void operator()(index_t i) const {
        const index_t u = i % wo, f = (i / wo) % filters, m = i / (wo * filters);
        const index_t q0 = start_out[m] + u - pad - start_in[m];
        const T a = taps_of(f, m, q0);
        if (combine == strands::both) {
            out[i] = a;
            return;
        }
        const T p = taps_of(bank - 1 - f, m, q0);
        if (combine == strands::sum) {
            out[i] = a + p;
            return;
        }
        const index_t j = start_out[m] + u;
        const T na = strand_ref[f * length + j] + a, np = strand_ref[(bank - 1 - f) * length + j] + p;
        out[i] = (np > na ? np : na) - y_ref[f * length + j];
    }
};

/// Thread i over output changes (M x C x w): a batch norm's scale, or ReLU or sigmoid of reference +
/// change less the reference output.
template <class T>
struct pointwise_change {
    const T* in;
    T* out;
    const T* scale;
    const T* x_ref;
    const T* y_ref;
    const index_t* start;
    index_t channels, w, in_length, out_length;
    detail::change_rule rule;
    SEQNET_HD void operator()(index_t i) const {
        const index_t u = i % w, ch = (i / w) % channels, m = i / (w * channels);
        if (rule == detail::change_rule::scale) {
            out[i] = scale[ch] * in[i];
            return;
        }
        const index_t j = start[m] + u;
        const T z = x_ref[ch * in_length + j] + in[i];
        const T g = rule == detail::change_rule::relu ? (z > T(0) ? z : T(0)) : logistic(z);
        out[i] = g - y_ref[ch * out_length + j];
    }
};

/// Thread i over max pooling's output changes (M x C x wo): the maximum of reference + change over the
/// pooling window less the reference maximum.
template <class T>
struct maxpool_change {
    const T* in;
    T* out;
    const T* x_ref;
    const T* y_ref;
    const index_t* start_in;
    const index_t* start_out;
    index_t channels, wi, wo, in_length, out_length, pool, stride;
    SEQNET_HD void operator()(index_t i) const {
        const index_t u = i % wo, ch = (i / wo) % channels, m = i / (wo * channels);
        const index_t a = start_in[m], j = start_out[m] + u, first = j * stride;
        const T* xr = x_ref + ch * in_length;
        const T* d = in + (m * channels + ch) * wi;
        T top = 0;
        for (index_t k = 0; k < pool; ++k) {
            const index_t p = first + k;
            const T v = xr[p] + (p >= a && p < a + wi ? d[p - a] : T(0));
            top = k == 0 || v > top ? v : top;
        }
        out[i] = top - y_ref[ch * out_length + j];
    }
};

/// Thread i over rebuilt activations (M x size): the reference plus mutant m's window of changes
/// (channels x w, starting at start[m] in a geometry of rows `length` long; size = channels x length).
template <class T>
struct rebuild_activation {
    const T* ref;
    const T* change;
    const index_t* start;
    T* out;
    index_t size, channels, length, w;
    SEQNET_HD void operator()(index_t i) const {
        const index_t m = i / size, v = i % size, c = v / length, u = v % length - start[m];
        out[i] = ref[v] + (u >= 0 && u < w ? change[(m * channels + c) * w + u] : T(0));
    }
};

/// Thread i over packed (U x C*w): column (c, u) is input c * L + start + u of the dense weight W (U x
/// inputs, the flatten order), the columns a window of w positions starting at `start` touches.
template <class T>
struct gather_window_columns {
    const T* weight;
    T* packed;
    index_t inputs, length, w, start, columns;
    SEQNET_HD void operator()(index_t i) const {
        const index_t r = i / columns, k = i % columns;
        packed[i] = weight[r * inputs + (k / w) * length + start + k % w];
    }
};

/// Thread i over out (M x size): the reference `ref` (size values), once per mutant.
template <class T>
struct repeat_reference {
    const T* ref;
    T* out;
    index_t size;
    SEQNET_HD void operator()(index_t i) const { out[i] = ref[i % size]; }
};

}  // namespace gpu_kernels

namespace detail {

/// What a plan's layer reads on the device besides the layer's own weights: a convolution's taps
/// (K*F x C) or batch norm's scales; and the current sequence's reference activations.
template <class T, class Dev>
struct device_change_layer {
    typename device_memory<Dev>::template buffer<T> values;
    const T* x_ref = nullptr;
    const T* y_ref = nullptr;

    device_change_layer(context<Dev>& ctx, const change_layer<T>& c) {
        if (c.rule == change_rule::conv || c.rule == change_rule::rc_conv) {
            const index_t F = c.filters, C = c.in.channels, K = c.kernel;
            grow_to(values, K * F * C);
            for_each_index(ctx, K * F * C, gpu_kernels::taps_of_weight<T>{c.weight, values.data(), F, C, K});
        } else if (c.rule == change_rule::scale) {
            const index_t C = static_cast<index_t>(c.scale.size());
            grow_to(values, C);
            device_memory<Dev>::upload(values.data(), c.scale.data(), C);
        }
    }
};

}  // namespace detail

/// Fast ISM of a model on a GPU device: exact saturation mutagenesis of target `t` for every sequence of
/// x (N x C x L, host), recomputing only what each substitution changes. `o.batch` mutants per pass: on
/// a GPU, all 3L of a sequence at once (or as many as memory allows) is the fast choice. Same result as
/// naive_ism to float rounding.
template <interpretable_model Model, class T = typename Model::scalar_type>
    requires gpu_device<typename Model::device_type>
xt::xtensor<T, 3> fast_ism(Model& model, context<typename Model::device_type>& ctx, const xt::xtensor<T, 3>& x,
                           const target& t = {}, const ism_options& o = {}) {
    using Dev = typename Model::device_type;
    using buffer = typename device_memory<Dev>::template buffer<T>;
    using namespace detail;
    const target_function<T> f = detail::ism_target(model, x, t, o);
    const shape s = model.input_shape();
    const index_t N = static_cast<index_t>(x.shape()[0]), S = s.size();
    const std::size_t end = f.depth();
    xt::xtensor<T, 3> d = xt::zeros<T>(x.shape());
    if (N == 0) return d;

    // ---- the plan (the layers derive their weights in a forward pass first: motif log-odds, RC banks) ----
    host_staging<T, Dev> sequence, outputs;
    model.forward(ctx, const_batch_view<T, Dev>{sequence.upload(x.data(), S), 1, s}, phase::inference);
    const change_plan<T> p = plan_changes(model, end);
    std::vector<device_change_layer<T, Dev>> plan;
    plan.reserve(p.layers.size());
    for (const auto& c : p.layers) plan.emplace_back(ctx, c);
    const std::size_t stop = p.stop, local = p.local;
    const shape at_stop = model.shape_at(stop), geometry = p.window_geometry;
    const index_t window = geometry.channels * p.window_width;

    // ---- buffers (they only grow) ----
    const index_t B = o.batch;
    std::vector<buffer> change(local + 1);
    std::vector<const T*> change_at(local + 1);  // a copy or reshape passes its input's buffer on
    buffer cols, products, rebuilt, tail_a, tail_b, packed;
    index_t packed_start = -1;
    const index_t tail_size = largest_output(model, stop, end);
    grow_to(rebuilt, B * at_stop.size());
    grow_to(tail_a, B * tail_size);
    grow_to(tail_b, B * tail_size);
    host_staging<index_t, Dev> index_staging;
    std::vector<index_t> indices;  // per batch: (position, base) pairs, then window starts per level
    std::vector<index_t> starts(local + 1);
    std::vector<substitution> edits;

    for (index_t n = 0; n < N; ++n) {
        const T* xn = x.data() + n * S;
        const T* xd = sequence.upload(xn, S);
        model.forward(ctx, const_batch_view<T, Dev>{xd, 1, s}, phase::inference);
        const double f_ref = f.value(outputs.download(model.activation(end).data, f.width()));
        for (std::size_t i = 0; i < stop; ++i) {
            plan[i].x_ref = model.activation(i).data;
            plan[i].y_ref = model.activation(i + 1).data;
        }
        substitutions_of(xn, s, edits);
        T* dn = d.data() + n * S;

        for (std::size_t e0 = 0; e0 < edits.size(); e0 += static_cast<std::size_t>(B)) {
            const index_t M = std::min<index_t>(B, static_cast<index_t>(edits.size() - e0));
            indices.resize(static_cast<std::size_t>(2 * M + (static_cast<index_t>(local) + 1) * M));
            for (index_t m = 0; m < M; ++m) {
                const substitution e = edits[e0 + static_cast<std::size_t>(m)];
                indices[static_cast<std::size_t>(2 * m)] = e.l;
                indices[static_cast<std::size_t>(2 * m + 1)] = e.b;
                p.window_starts(e.l, starts.data());
                for (std::size_t i = 0; i <= local; ++i) indices[static_cast<std::size_t>(2 * M + static_cast<index_t>(i) * M + m)] = starts[i];
            }
            const index_t* idx = index_staging.upload(indices.data(), static_cast<index_t>(indices.size()));
            auto start_at = [&](std::size_t i) { return idx + 2 * M + static_cast<index_t>(i) * M; };
            auto host_start = [&](std::size_t i, index_t m) { return indices[static_cast<std::size_t>(2 * M + static_cast<index_t>(i) * M + m)]; };

            grow_to(change[0], M * s.channels);
            for_each_index(ctx, M * s.channels, gpu_kernels::substitution_change<T>{xd, idx, change[0].data(), s.channels, s.length});
            change_at[0] = change[0].data();
            for (std::size_t i = 0; i < local; ++i) {
                const change_layer<T>& c = p.layers[i];
                const index_t wi = c.width_in, wo = c.width_out, Cin = c.in.channels, Cout = c.out.channels;
                const T* in = change_at[i];
                if (c.rule == change_rule::copy || c.rule == change_rule::reshape) {
                    change_at[i + 1] = in;
                    continue;
                }
                grow_to(change[i + 1], M * Cout * wo);
                T* out = change[i + 1].data();
                change_at[i + 1] = out;
                if (c.rule == change_rule::conv || c.rule == change_rule::rc_conv) {
                    const index_t KF = c.kernel * c.filters;
                    const index_t chunk = std::max<index_t>(1, (index_t(1) << 25) / (KF * wi));
                    for (index_t m0 = 0; m0 < M; m0 += chunk) {
                        const index_t count = std::min(chunk, M - m0), width = count * wi;
                        grow_to(cols, Cin * width);
                        grow_to(products, KF * width);
                        for_each_index(ctx, Cin * width, gpu_kernels::change_columns<T>{in + m0 * Cin * wi, cols.data(), Cin, wi, width});
                        gpu_runtime<Dev>::gemm(ctx, transpose::no, transpose::no, KF, width, Cin, T(1), plan[i].values.data(),
                                               Cin, cols.data(), width, T(0), products.data(), width);
                        for_each_index(ctx, count * Cout * wo,
                                       gpu_kernels::sum_taps<T>{products.data(), start_at(i) + m0, start_at(i + 1) + m0,
                                                                out + m0 * Cout * wo, c.strand_ref, plan[i].y_ref, Cout,
                                                                c.filters, c.kernel, c.dilation, c.pad, wi, wo, width,
                                                                c.out.length, c.rule == change_rule::conv ? strands::both : c.combine});
                    }
                } else if (c.rule == change_rule::maxpool) {
                    for_each_index(ctx, M * Cout * wo,
                                   gpu_kernels::maxpool_change<T>{in, out, plan[i].x_ref, plan[i].y_ref, start_at(i), start_at(i + 1),
                                                                  Cout, wi, wo, c.in.length, c.out.length, c.pool, c.stride});
                } else {  // scale, relu, sigmoid: the window keeps its place
                    for_each_index(ctx, M * Cout * wo,
                                   gpu_kernels::pointwise_change<T>{in, out, plan[i].values.data(), plan[i].x_ref, plan[i].y_ref,
                                                                    start_at(i + 1), Cout, wo, c.in.length, c.out.length, c.rule});
                }
            }
            const T* ref = model.activation(stop).data;
            if (p.ends_dense) {
                // The reference output plus, per run of mutants whose windows start together, one GEMM.
                const change_layer<T>& c = p.layers.back();
                const index_t U = c.units;
                for_each_index(ctx, M * U, gpu_kernels::repeat_reference<T>{ref, rebuilt.data(), U});
                for (index_t r0 = 0; r0 < M;) {
                    const index_t a = host_start(local, r0);
                    index_t r1 = r0 + 1;
                    while (r1 < M && host_start(local, r1) == a) ++r1;
                    if (a != packed_start) {
                        grow_to(packed, U * window);
                        for_each_index(ctx, U * window,
                                       gpu_kernels::gather_window_columns<T>{c.weight, packed.data(), c.in.channels,
                                                                             geometry.length, p.window_width, a, window});
                        packed_start = a;
                    }
                    gpu_runtime<Dev>::gemm(ctx, transpose::no, transpose::yes, r1 - r0, U, window, T(1), change_at[local] + r0 * window,
                                           window, packed.data(), window, T(1), rebuilt.data() + r0 * U, U);
                    r0 = r1;
                }
            } else {
                for_each_index(ctx, M * at_stop.size(),
                               gpu_kernels::rebuild_activation<T>{ref, change_at[local], start_at(local), rebuilt.data(), at_stop.size(),
                                                                  geometry.channels, geometry.length, p.window_width});
            }
            // The rest of the model, on the rebuilt activations, as one batch.
            const T* values = run_layers(model, ctx, stop, end, rebuilt.data(), M, tail_a.data(), tail_b.data());
            record_changes(f, edits.data() + e0, M, outputs.download(values, M * f.width()), f_ref, dn, s.length);
        }
        if (o.mean_centre) centre_channels(dn, 1, s);
    }
    return d;
}

}  // namespace seqnet
