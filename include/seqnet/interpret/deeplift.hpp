// seqnet/interpret/deeplift.hpp -- DeepLIFT with the rescale rule (Shrikumar, Greenside & Kundaje 2017)
// and DeepLIFT-SHAP over several references (SCIENCE.md sections 17 and 18).
//
// Inputs and their references run through the model as one inference-mode batch; the model's own
// backward_with() then carries multipliers from the target down to the input, each layer applying its
// deeplift_rule<L> instead of its gradient:
//   linear layers (affine_at_inference: conv, dense, separable dense, batch norm at inference,
//     flatten, dropout at inference; and an RC conv with both strands or their sum): their ordinary
//     backward pass (the multiplier of a linear map is its weight);
//   ReLU and sigmoid: rescale, m_in = m_out * (y - y0) / (x - x0), or the gradient at x where
//     |x - x0| < eps (Captum's fallback; eps = 1e-6 as tangermeme);
//   max pooling (windowed and global): Captum's routing. Per window, y* = max(y, y0); y* - y0 goes to
//     the arg-max of the input, y - y* to the arg-max of the reference, each times the window's
//     multiplier; a position's multiplier is what it received divided by its own x - x0 (the gradient
//     where that is below eps). Summation-to-delta then holds for any reference; overlapping windows
//     add up. An RC conv taking the max of its two strands routes the same way over each pair.
// A layer without a rule does not compile (specialise seqnet::deeplift_rule for your own layers); the
// softmax and BiLSTM layers have rules that throw (explain logits; the LSTM needs product rules).
// Result: scores = mean over references of (x - r) * m, hypothetical = mean of m - sum_c r_c m_c (the
// contribution each base would have at each position; tangermeme's hypothetical attributions), and per
// sequence the summation-to-delta error sum(scores) - (f(x) - mean f(r)).
#pragma once

#include <seqnet/backend/for_each_index.hpp>
#include <seqnet/interpret/affine_prefix.hpp>
#include <seqnet/interpret/gradients.hpp>
#include <seqnet/interpret/references.hpp>
#include <seqnet/interpret/result.hpp>
#include <seqnet/layers.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqnet {

/// One layer's step of the DeepLIFT backward pass, for a batch of (input, reference) pairs, in the
/// model's device memory.
template <class T, class Dev = cpu>
struct deeplift_views {
    const_batch_view<T, Dev> x_in, r_in;    // the layer's input for the inputs and for the references
    const_batch_view<T, Dev> x_out, r_out;  // its output
    const_batch_view<T, Dev> m_out;         // multipliers arriving at the output
    batch_view<T, Dev> m_in;                // multipliers to write at the input
    double eps;                             // below this |difference|, use the gradient
    typename device_memory<Dev>::template buffer<T>* scratch;  // a rule's own workspace (grows only)
};

/// How multipliers cross a layer of type Layer. No primary definition: a layer without a rule is a
/// compile error naming it.
template <class Layer>
struct deeplift_rule;

/// Linear layers: multipliers are gradients.
struct deeplift_linear_rule {
    template <class Dev, class Layer, class T>
    static void apply(context<Dev>& ctx, Layer& l, const deeplift_views<T, Dev>& v) {
        l.backward(ctx, v.x_in, v.x_out, v.m_out, v.m_in, grad_mode::input_only);
    }
};

namespace gpu_kernels {
template <class T>
SEQNET_HD T magnitude(T v) { return v < T(0) ? -v : v; }

/// Thread i: the rescale multiplier of value i, or the gradient where |x - x0| < eps.
template <class T, class Derivative>
struct deeplift_rescale {
    const T *x, *r, *y, *y0, *m_out;
    T* m_in;
    double eps;
    SEQNET_HD void operator()(index_t i) const {
        const T dx = x[i] - r[i];
        m_in[i] = magnitude(dx) >= eps ? m_out[i] * ((y[i] - y0[i]) / dx) : m_out[i] * Derivative{}(x[i], y[i]);
    }
};

/// Thread per row (sample x channel) of a max pool: routes each window's difference to the arg-maxes of
/// input and reference, as deeplift_maxpool_rule does on the CPU.
template <class T>
struct deeplift_maxpool_row {
    const T *x_in, *r_in, *m_out;
    T* m_in;
    index_t L, L_out, size, stride;
    double eps;
    SEQNET_HD void operator()(index_t row) const {
        const T* x = x_in + row * L;
        const T* r = r_in + row * L;
        const T* m = m_out + row * L_out;
        T* out = m_in + row * L;
        for (index_t i = 0; i < L; ++i) out[i] = T(0);
        for (index_t j = 0; j < L_out; ++j) {
            const index_t ax = j * stride + argmax_first(x + j * stride, size);
            const index_t ar = j * stride + argmax_first(r + j * stride, size);
            const T y = x[ax], y0 = r[ar], top = y > y0 ? y : y0;
            out[ax] += (top - y0) * m[j];
            out[ar] += (y - top) * m[j];
        }
        for (index_t i = 0; i < L; ++i) {
            const T d = x[i] - r[i];
            out[i] = magnitude(d) >= eps ? out[i] / d : T(0);
        }
        for (index_t j = 0; j < L_out; ++j) {
            const index_t ax = j * stride + argmax_first(x + j * stride, size);
            if (magnitude(x[ax] - r[ax]) < eps) out[ax] += m[j];
        }
    }
};

/// Thread i over (pair, filter, position) of an RC convolution taking the max of its strands: the
/// multipliers of the filter and of its partner, routed like a max pool over the two.
template <class T>
struct deeplift_strand_max {
    const T* full;   // 2P x 2F x L: both strands' outputs, inputs then references
    const T* m_out;  // P x F x L
    T* m_full;       // P x 2F x L
    index_t P, F, L;
    double eps;
    SEQNET_HD void operator()(index_t i) const {
        const index_t j = i % L, f = (i / L) % F, n = i / (L * F), partner = 2 * F - 1 - f;
        const T ax = full[(n * 2 * F + f) * L + j], px = full[(n * 2 * F + partner) * L + j];
        const T ar = full[((P + n) * 2 * F + f) * L + j], pr = full[((P + n) * 2 * F + partner) * L + j];
        const T m = m_out[i];
        const bool px_wins = px > ax, pr_wins = pr > ar;
        const T y = px_wins ? px : ax, y0 = pr_wins ? pr : ar, top = y > y0 ? y : y0;
        T to_a = 0, to_p = 0;  // routed differences
        (px_wins ? to_p : to_a) += (top - y0) * m;
        (pr_wins ? to_p : to_a) += (y - top) * m;
        const T da = ax - ar, dp = px - pr;
        m_full[(n * 2 * F + f) * L + j] = magnitude(da) >= eps ? to_a / da : (px_wins ? T(0) : m);
        m_full[(n * 2 * F + partner) * L + j] = magnitude(dp) >= eps ? to_p / dp : (px_wins ? m : T(0));
    }
};
}  // namespace gpu_kernels

/// Element-wise nonlinearities: the secant slope, or the derivative (from input and output) at x.
template <class Derivative>
struct deeplift_rescale_rule {
    template <class Dev, class Layer, class T>
    static void apply(context<Dev>& ctx, Layer&, const deeplift_views<T, Dev>& v) {
        for_each_index(ctx, v.m_in.size(),
                       gpu_kernels::deeplift_rescale<T, Derivative>{v.x_in.data, v.r_in.data, v.x_out.data, v.r_out.data,
                                                                    v.m_out.data, v.m_in.data, v.eps},
                       4.0);
    }
};

struct relu_derivative {
    template <class T>
    SEQNET_HD T operator()(T x, T) const { return x > T(0) ? T(1) : T(0); }
};
struct sigmoid_derivative {
    template <class T>
    SEQNET_HD T operator()(T, T y) const { return y * (T(1) - y); }
};

/// Max pooling over windows of the length axis (global pooling: one window of the whole row).
struct deeplift_maxpool_rule {
    template <class Dev, class Layer, class T>
    static void apply(context<Dev>& ctx, Layer& l, const deeplift_views<T, Dev>& v) {
        const window w = l.receptive_field();
        const index_t L = v.x_in.sample.length, Lout = v.x_out.sample.length;
        const gpu_kernels::deeplift_maxpool_row<T> k{v.x_in.data, v.r_in.data, v.m_out.data, v.m_in.data, L, Lout,
                                                    w.global ? L : w.size, w.global ? L : w.stride, v.eps};
        for_each_index(ctx, v.x_in.batch * v.x_in.sample.channels, k, double(L));
    }
};

/// Reverse-complement convolution: linear, except that strands::max takes the larger of a filter and
/// its partner, which is routed like a max pool over the two strands (ties to the forward filter).
struct deeplift_rc_conv_rule {
    template <class Dev, class Layer, class T>
    static void apply(context<Dev>& ctx, Layer& l, const deeplift_views<T, Dev>& v) {
        if (l.options().combine != strands::max) {
            l.backward(ctx, v.x_in, v.x_out, v.m_out, v.m_in, grad_mode::input_only);
            return;
        }
        const index_t P = v.x_in.batch, F = v.m_out.sample.channels, L = v.m_out.sample.length;
        const auto full = l.strand_outputs(2 * P);
        grow_to(*v.scratch, P * full.sample.size());
        const batch_view<T, Dev> m_full{v.scratch->data(), P, full.sample};
        for_each_index(ctx, P * F * L, gpu_kernels::deeplift_strand_max<T>{full.data, v.m_out.data, m_full.data, P, F, L, v.eps},
                       8.0);
        const const_batch_view<T, Dev> full_x{full.data, P, full.sample};
        l.bank().backward(ctx, v.x_in, full_x, m_full, v.m_in, grad_mode::input_only);
    }
};

/// A layer that DeepLIFT cannot pass: compiles (run-time models hold every layer) and says why.
struct deeplift_unsupported_rule {
    template <class Dev, class Layer, class T>
    static void apply(context<Dev>&, Layer&, const deeplift_views<T, Dev>&) {
        throw argument_error(std::string("DeepLIFT has no rule for the ") + std::string(Layer::name) +
                             " layer" +
                             (Layer::name == std::string_view("softmax")
                                  ? ": explain the logits below it (target_scale::logit)"
                                  : ": use integrated gradients or ISM for this model"));
    }
};

template <inference_affine_layer Layer> struct deeplift_rule<Layer> : deeplift_linear_rule {};
template <class T, class Dev> struct deeplift_rule<rc_conv1d_layer<T, Dev>> : deeplift_rc_conv_rule {};
template <class T, class Dev> struct deeplift_rule<relu_layer<T, Dev>> : deeplift_rescale_rule<relu_derivative> {};
template <class T, class Dev> struct deeplift_rule<sigmoid_layer<T, Dev>> : deeplift_rescale_rule<sigmoid_derivative> {};
template <class T, class Dev> struct deeplift_rule<maxpool_layer<T, Dev>> : deeplift_maxpool_rule {};
template <class T, class Dev> struct deeplift_rule<global_maxpool_layer<T, Dev>> : deeplift_maxpool_rule {};
template <class T, class Dev> struct deeplift_rule<softmax_layer<T, Dev>> : deeplift_unsupported_rule {};
template <class T, class Dev> struct deeplift_rule<bilstm_layer<T, Dev>> : deeplift_unsupported_rule {};

namespace detail {
template <class L>
concept has_deeplift_rule = requires { sizeof(deeplift_rule<L>); };

template <class V>
V half(V v, index_t pairs, bool second) {
    v.data += second ? pairs * v.sample.size() : 0;
    v.batch = pairs;
    return v;
}

/// The backward rule that backward_with applies at each layer: split the batch into inputs and
/// references, apply the layer's deeplift_rule to the input half.
template <class T, class Dev>
struct deeplift_step_rule {
    index_t pairs;
    double eps;
    std::size_t head;  // layer passed through unchanged (below-head targets); past the end otherwise
    typename device_memory<Dev>::template buffer<T>* scratch;

    template <class Step>
    void operator()(context<Dev>& ctx, Step& s) {
        using L = typename Step::layer_type;
        static_assert(has_deeplift_rule<L>,
                      "seqnet: this layer has no DeepLIFT rule; specialise seqnet::deeplift_rule<Layer> "
                      "(interpret/deeplift.hpp) with deeplift_linear_rule, a rescale rule or your own");
        if (s.index == head) {
            device_memory<Dev>::copy(s.d_input.data, s.d_output.data, s.d_output.size());
            return;
        }
        const deeplift_views<T, Dev> v{half(s.input, pairs, false),    half(s.input, pairs, true),
                                       half(s.output, pairs, false),   half(s.output, pairs, true),
                                       half(s.d_output, pairs, false), half(s.d_input, pairs, false),
                                       eps,                            scratch};
        deeplift_rule<L>::apply(ctx, s.layer, v);
    }
};
}  // namespace detail

struct deeplift_options {
    reference_options reference{};  // zeros unless set; several shuffles make DeepLIFT-SHAP
    double eps = 1e-6;              // |difference| below which a nonlinearity uses its gradient
    index_t batch = 32;             // (input, reference) pairs per pass
};

/// DeepLIFT (rescale) contributions of target `t` for every sequence of x (N x C x L), averaged over
/// the references (DeepLIFT-SHAP when there are several).
template <interpretable_model Model, class T = typename Model::scalar_type>
attribution_result<T> deeplift(Model& model, context<typename Model::device_type>& ctx, const xt::xtensor<T, 3>& x,
                               const target& t = {}, const deeplift_options& o = {}) {
    using Dev = typename Model::device_type;
    detail::expect_model_input(model, x, "DeepLIFT");
    if (o.batch < 1) throw argument_error("DeepLIFT: batch must be at least 1");
    const target_function<T> f(model, t);
    const shape s = model.input_shape();
    const index_t N = static_cast<index_t>(x.shape()[0]), R = reference_count(o.reference), S = s.size();
    const index_t out = model.output_shape().size(), total = N * R;

    attribution_result<T> r;
    r.scores = xt::zeros<T>(x.shape());
    r.hypothetical = xt::zeros<T>(x.shape());
    std::vector<double> f_input(static_cast<std::size_t>(N)), f_reference(static_cast<std::size_t>(N), 0.0);
    std::vector<T> pairs_in(static_cast<std::size_t>(2 * std::min(o.batch, total) * S)), refs(static_cast<std::size_t>(R * S));
    std::vector<T> seed(static_cast<std::size_t>(2 * std::min(o.batch, total) * out));
    index_t refs_of = -1;  // the sequence whose references refs holds
    const std::size_t head = f.skips_head(model.depth()) ? model.depth() - 1 : model.depth();
    host_staging<T, Dev> input_stage, output_stage, seed_stage, multiplier_stage;  // pass-through on the CPU
    typename device_memory<Dev>::template buffer<T> scratch;

    for (index_t p0 = 0; p0 < total; p0 += o.batch) {
        const index_t P = std::min(o.batch, total - p0);
        for (index_t j = 0; j < P; ++j) {
            const index_t n = (p0 + j) / R, k = (p0 + j) % R;
            if (n != refs_of) {
                make_references(x.data() + n * S, n, s, o.reference, refs.data());
                refs_of = n;
            }
            std::copy(x.data() + n * S, x.data() + (n + 1) * S, pairs_in.data() + j * S);
            std::copy(refs.data() + k * S, refs.data() + (k + 1) * S, pairs_in.data() + (P + j) * S);
        }
        model.forward(ctx, const_batch_view<T, Dev>{input_stage.upload(pairs_in.data(), 2 * P * S), 2 * P, s},
                      phase::inference);
        const auto zd = model.activation(f.depth());
        const T* z = output_stage.download(zd.data, zd.size());
        std::fill(seed.begin(), seed.begin() + 2 * P * out, T(0));
        for (index_t j = 0; j < P; ++j) {
            const index_t n = (p0 + j) / R;
            const T* zx = z + j * f.width();
            const T* zr = z + (P + j) * f.width();
            if ((p0 + j) % R == 0) f_input[static_cast<std::size_t>(n)] = f.value(zx);
            f_reference[static_cast<std::size_t>(n)] += f.value(zr) / double(R);
            f.delta_seed(zx, zr, seed.data() + j * out, o.eps);
        }
        const auto md = model.backward_with(
            ctx, const_batch_view<T, Dev>{seed_stage.upload(seed.data(), 2 * P * out), 2 * P, model.output_shape()},
            detail::deeplift_step_rule<T, Dev>{P, o.eps, head, &scratch});
        const T* m = multiplier_stage.download(md.data, P * S);
        for (index_t j = 0; j < P; ++j) {
            const index_t n = (p0 + j) / R;
            const T* mj = m + j * S;
            const T* xj = pairs_in.data() + j * S;
            const T* rj = pairs_in.data() + (P + j) * S;
            T* score = r.scores.data() + n * S;
            T* hyp = r.hypothetical.data() + n * S;
            for (index_t l = 0; l < s.length; ++l) {
                T baseline = 0;  // sum_c r_c m_c at this position
                for (index_t c = 0; c < s.channels; ++c) baseline += rj[c * s.length + l] * mj[c * s.length + l];
                for (index_t c = 0; c < s.channels; ++c) {
                    const index_t i = c * s.length + l;
                    score[i] += (xj[i] - rj[i]) * mj[i] / T(R);
                    hyp[i] += (mj[i] - baseline) / T(R);
                }
            }
        }
    }
    detail::complete(r, f_input, f_reference);
    return r;
}

}  // namespace seqnet
