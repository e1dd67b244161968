// seqnet/interpret/integrated_gradients.hpp -- integrated gradients (Sundararajan, Taly & Yan 2017;
// SCIENCE.md section 16).
//
//   IG = (x - x0) * sum_k w_k df/dx(x0 + a_k (x - x0))
// for a baseline x0 (interpret/references.hpp: zeros, uniform, a given sequence, or dinucleotide
// shuffles, whose IGs are averaged) and a quadrature rule with nodes a_k and weights w_k:
//   riemann_left    a_k = k/m, k = 0..m-1          w_k = 1/m
//   riemann_right   a_k = k/m, k = 1..m            w_k = 1/m   (the paper's form)
//   riemann_middle  a_k = (k + 1/2)/m              w_k = 1/m
//   trapezoid       a_k = k/(m-1), k = 0..m-1      w_k = 1/(m-1), the two ends halved (weights sum to 1;
//                                                  Captum's sum to (m-1)/m)
//   gauss_legendre  Gauss-Legendre nodes mapped to [0, 1] (Captum's default)
// Completeness: sum IG = f(x) - f(x0) for the exact integral; the result reports the error of the
// quadrature per sequence. For ReLU and max-pool networks the gradient is piecewise constant along
// the path, so the error falls roughly as 1/m. Path points of several sequences and references are
// batched through the model together, `batch` at a time. Path points are built, and their gradients
// summed, where the model runs (kernels on a GPU, the thread pool on the CPU): only the inputs and
// baselines, the target's outputs and seeds, and the summed gradients cross to and from a GPU.
#pragma once

#include <seqnet/backend/for_each_index.hpp>
#include <seqnet/interpret/affine_prefix.hpp>
#include <seqnet/interpret/gradients.hpp>
#include <seqnet/interpret/references.hpp>
#include <seqnet/interpret/result.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace seqnet {

enum class integration { riemann_left, riemann_right, riemann_middle, trapezoid, gauss_legendre };

struct quadrature {
    std::vector<double> nodes, weights;
};

/// Nodes in [0, 1] and weights of an m-point rule.
inline quadrature make_quadrature(integration rule, index_t m) {
    if (m < 1) throw argument_error("integrated gradients: at least one step is needed");
    if (rule == integration::trapezoid && m < 2) throw argument_error("integrated gradients: the trapezoid rule needs at least 2 steps");
    quadrature q;
    q.nodes.resize(static_cast<std::size_t>(m));
    q.weights.assign(static_cast<std::size_t>(m), 1.0 / double(m));
    for (index_t k = 0; k < m; ++k) {
        double& a = q.nodes[static_cast<std::size_t>(k)];
        switch (rule) {
        case integration::riemann_left: a = double(k) / double(m); break;
        case integration::riemann_right: a = double(k + 1) / double(m); break;
        case integration::riemann_middle: a = (double(k) + 0.5) / double(m); break;
        case integration::trapezoid: a = double(k) / double(m - 1); break;
        case integration::gauss_legendre: break;
        }
    }
    if (rule == integration::trapezoid) {
        for (auto& w : q.weights) w = 1.0 / double(m - 1);
        q.weights.front() *= 0.5;
        q.weights.back() *= 0.5;
    }
    if (rule == integration::gauss_legendre) {
        // Roots of the Legendre polynomial P_m by Newton's method from Tricomi's initial guesses.
        for (index_t i = 0; i < m; ++i) {
            double x = std::cos(std::numbers::pi * (double(i) + 0.75) / (double(m) + 0.5));
            double dp = 1;
            for (int iter = 0; iter < 100; ++iter) {
                double p0 = 1, p1 = x;  // P_0, P_1, recurred up to P_m
                for (index_t j = 2; j <= m; ++j) {
                    const double p2 = ((2.0 * double(j) - 1.0) * x * p1 - (double(j) - 1.0) * p0) / double(j);
                    p0 = p1;
                    p1 = p2;
                }
                if (m == 1) p0 = 1;
                dp = double(m) * (x * p1 - p0) / (x * x - 1.0);
                const double step = p1 / dp;
                x -= step;
                if (std::abs(step) < 1e-15) break;
            }
            q.nodes[static_cast<std::size_t>(i)] = 0.5 * (1.0 - x);  // ascending in [0, 1]
            q.weights[static_cast<std::size_t>(i)] = 1.0 / ((1.0 - x * x) * dp * dp);  // 2/((1-x^2)P'^2), halved
        }
    }
    return q;
}

namespace gpu_kernels {

/// Thread i over a chunk of path points (b x H): point j = p0 + i / H, of pair j / run at step j % run,
/// is h(r) + a (h(x) - h(r)) at activation h. Pair = sequence * R + baseline.
template <class T>
struct path_points {
    const T* hx;  // sequences x H
    const T* hr;  // pairs x H
    const T* nodes;
    T* points;
    index_t H, run, R, p0;
    SEQNET_HD void operator()(index_t i) const {
        const index_t j = p0 + i / H, e = i % H, pair = j / run;
        const T r = hr[pair * H + e];
        points[i] = r + nodes[j % run] * (hx[(pair / R) * H + e] - r);
    }
};

/// Thread i over (pair, value) of the pairs first_pair, first_pair + 1, ... that a chunk of b points
/// starting at p0 touches: adds each of the pair's points' gradients times its step's weight.
template <class T>
struct accumulate_path_gradients {
    const T* g;  // b x H
    const T* weights;
    T* sums;     // pairs x H
    index_t H, run, p0, b, first_pair;
    SEQNET_HD void operator()(index_t i) const {
        const index_t pair = first_pair + i / H, e = i % H;
        const index_t j0 = max_of(p0, pair * run), j1 = min_of(p0 + b, (pair + 1) * run);
        T acc = sums[pair * H + e];
        for (index_t j = j0; j < j1; ++j) acc += weights[j % run] * g[(j - p0) * H + e];
        sums[pair * H + e] = acc;
    }
};

}  // namespace gpu_kernels

struct integrated_gradients_options {
    reference_options baseline{};                     // zeros unless set
    index_t steps = 50;
    integration rule = integration::gauss_legendre;
    bool correct_one_hot = false;                      // centre gradients over bases (section 15)
    index_t batch = 64;                                // path points per forward/backward pass
};

/// Integrated gradients of target `t` for every sequence of x (N x C x L).
template <interpretable_model Model, class T = typename Model::scalar_type>
attribution_result<T> integrated_gradients(Model& model, context<typename Model::device_type>& ctx,
                                           const xt::xtensor<T, 3>& x, const target& t = {},
                                           const integrated_gradients_options& o = {}) {
    using Dev = typename Model::device_type;
    detail::expect_model_input(model, x, "integrated gradients");
    if (o.batch < 1) throw argument_error("integrated gradients: batch must be at least 1");
    const quadrature q = make_quadrature(o.rule, o.steps);
    const target_function<T> f(model, t);
    const shape s = model.input_shape();
    const index_t N = static_cast<index_t>(x.shape()[0]), R = reference_count(o.baseline);
    const index_t S = s.size(), run = static_cast<index_t>(q.nodes.size());

    // The affine layers that open the model (affine_prefix.hpp) run only at the ends of each path:
    // path points start at activation p as h(r) + a (h(x) - h(r)), and their gradients, weighted and
    // summed there, cross the prefix once per (sequence, baseline) pair.
    const std::size_t p = std::min(affine_prefix(model), f.depth());
    const shape hs = model.shape_at(p);
    const index_t H = hs.size();
    const std::size_t head = f.skips_head(model.depth()) ? model.depth() - 1 : model.depth();

    attribution_result<T> r;
    r.scores = xt::xtensor<T, 3>::from_shape(x.shape());
    std::vector<double> f_input(static_cast<std::size_t>(N)), f_reference(static_cast<std::size_t>(N), 0.0);

    // Sequences go in groups whose path points fill about one batch. Per group: one forward pass over
    // the ends (the inputs, then their baselines) gives h at both ends and f(x), f(baseline); the path
    // points follow in chunks of `batch`, each a forward and backward pass over layers [p, depth).
    using memory = device_memory<Dev>;
    using device_buffer = typename memory::template buffer<T>;
    const index_t group = std::max<index_t>(1, o.batch / (R * run));
    std::vector<T> ends(static_cast<std::size_t>(group * (1 + R) * S)), seed;
    std::vector<T> input_sums(static_cast<std::size_t>(group * R * S));
    std::vector<T> nodes(q.nodes.begin(), q.nodes.end()), weights(q.weights.begin(), q.weights.end());
    // On the model's device: both ends at h, a chunk of points, the weighted gradient sums, the rule.
    device_buffer h_ends(static_cast<std::size_t>(group * (1 + R) * H)), points(static_cast<std::size_t>(o.batch * H));
    device_buffer sums(static_cast<std::size_t>(group * R * H)), rule(static_cast<std::size_t>(2 * run));
    memory::upload(rule.data(), nodes.data(), run);
    memory::upload(rule.data() + run, weights.data(), run);
    // Inputs up to the model's device and results back (nothing is copied on the CPU).
    host_staging<T, Dev> up_ends, up_seed, down_z, down_g;
    for (index_t n0 = 0; n0 < N; n0 += group) {
        const index_t count = std::min(group, N - n0), pairs = count * R;
        std::copy(x.data() + n0 * S, x.data() + (n0 + count) * S, ends.begin());
        T* refs = ends.data() + count * S;  // pair = i * R + k
        for (index_t i = 0; i < count; ++i) make_references(x.data() + (n0 + i) * S, n0 + i, s, o.baseline, refs + i * R * S);
        const index_t rows = count + pairs;
        model.forward(ctx, {up_ends.upload(ends.data(), rows * S), rows, s}, phase::inference);
        const auto zd = model.activation(f.depth());
        const T* z = down_z.download(zd.data, zd.size());
        for (index_t j = 0; j < rows; ++j) {
            const double v = f.value(z + j * f.width());
            if (j < count) f_input[static_cast<std::size_t>(n0 + j)] = v;
            else f_reference[static_cast<std::size_t>(n0 + (j - count) / R)] += v / double(R);
        }
        memory::copy(h_ends.data(), model.activation(p).data, rows * H);  // the next passes reuse activation p
        const T* hx = h_ends.data();              // count x H
        const T* hr = h_ends.data() + count * H;  // pairs x H

        memory::zero(sums.data(), pairs * H);
        const index_t total = pairs * run;
        for (index_t p0 = 0; p0 < total; p0 += o.batch) {  // points (pair, step)
            const index_t b = std::min(o.batch, total - p0);
            for_each_index(ctx, b * H, gpu_kernels::path_points<T>{hx, hr, rule.data(), points.data(), H, run, R, p0}, 3.0);
            model.forward(ctx, {points.data(), b, hs}, phase::inference, {p, model.depth()});
            const auto zpd = model.activation(f.depth());
            const T* zp = down_z.download(zpd.data, zpd.size());
            const index_t out = model.output_shape().size();
            seed.resize(static_cast<std::size_t>(b * out));
            for (index_t j = 0; j < b; ++j) f.seed(zp + j * f.width(), seed.data() + j * out);
            const auto gd = model.backward_with(ctx, {up_seed.upload(seed.data(), b * out), b, model.output_shape()},
                                                skip_head_rule<gradient_rule>{head, gradient_rule{grad_mode::input_only}},
                                                true, {p, model.depth()});
            const index_t first_pair = p0 / run, touched = (p0 + b - 1) / run - first_pair + 1;
            for_each_index(ctx, touched * H,
                           gpu_kernels::accumulate_path_gradients<T>{gd.data, rule.data() + run, sums.data(), H, run, p0, b,
                                                                     first_pair},
                           double(2 * std::min(b, run)));
        }

        // The summed gradients cross the prefix: a forward pass over it (any rows of the right batch:
        // the map is the same everywhere) and its input-only backward pass.
        const T* g = nullptr;
        if (p > 0) {
            model.forward(ctx, {up_ends.upload(refs, pairs * S), pairs, s}, phase::inference, {0, p});
            const auto gd = model.backward_with(ctx, {sums.data(), pairs, hs}, gradient_rule{grad_mode::input_only}, true,
                                                {0, p});
            g = down_g.download(gd.data, pairs * S);
        } else {
            g = down_g.download(sums.data(), pairs * S);
        }
        std::copy(g, g + pairs * S, input_sums.begin());
        T* grad = input_sums.data();
        if (o.correct_one_hot) centre_channels(grad, pairs, s);  // linear: commutes with the sum
        for (index_t i = 0; i < count; ++i) {
            T* dst = r.scores.data() + (n0 + i) * S;
            const T* xn = x.data() + (n0 + i) * S;
            std::fill(dst, dst + S, T(0));
            for (index_t k = 0; k < R; ++k) {
                const T* rn = refs + (i * R + k) * S;
                const T* acc = grad + (i * R + k) * S;
                for (index_t e = 0; e < S; ++e) dst[e] += (xn[e] - rn[e]) * acc[e] / T(R);
            }
        }
    }
    detail::complete(r, f_input, f_reference);
    return r;
}

}  // namespace seqnet
