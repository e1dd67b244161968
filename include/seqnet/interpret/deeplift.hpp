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

/// One layer's step of the DeepLIFT backward pass, for a batch of (input, reference) pairs.
template <class T>
struct deeplift_views {
    const_batch_view<T> x_in, r_in;    // the layer's input for the inputs and for the references
    const_batch_view<T> x_out, r_out;  // its output
    const_batch_view<T> m_out;         // multipliers arriving at the output
    batch_view<T> m_in;                // multipliers to write at the input
    double eps;                        // below this |difference|, use the gradient
};

/// How multipliers cross a layer of type Layer. No primary definition: a layer without a rule is a
/// compile error naming it.
template <class Layer>
struct deeplift_rule;

/// Linear layers: multipliers are gradients.
struct deeplift_linear_rule {
    template <class Layer, class T>
    static void apply(context<cpu>& ctx, Layer& l, const deeplift_views<T>& v) {
        l.backward(ctx, v.x_in, v.x_out, v.m_out, v.m_in, grad_mode::input_only);
    }
};

/// Element-wise nonlinearities: the secant slope, or the derivative (from input and output) at x.
template <class Derivative>
struct deeplift_rescale_rule {
    template <class Layer, class T>
    static void apply(context<cpu>& ctx, Layer&, const deeplift_views<T>& v) {
        ctx.pool().parallel_for(v.m_in.size(), 4.0, [&](index_t b, index_t e, int) {
            for (index_t i = b; i < e; ++i) {
                const T dx = v.x_in.data[i] - v.r_in.data[i];
                v.m_in.data[i] = std::abs(dx) >= v.eps
                                     ? v.m_out.data[i] * ((v.x_out.data[i] - v.r_out.data[i]) / dx)
                                     : v.m_out.data[i] * Derivative{}(v.x_in.data[i], v.x_out.data[i]);
            }
        });
    }
};

struct relu_derivative {
    template <class T>
    T operator()(T x, T) const { return x > T(0) ? T(1) : T(0); }
};
struct sigmoid_derivative {
    template <class T>
    T operator()(T, T y) const { return y * (T(1) - y); }
};

/// Max pooling over windows of the length axis (global pooling: one window of the whole row).
struct deeplift_maxpool_rule {
    template <class Layer, class T>
    static void apply(context<cpu>& ctx, Layer& l, const deeplift_views<T>& v) {
        const window w = l.receptive_field();
        const index_t L = v.x_in.sample.length, Lout = v.x_out.sample.length;
        const index_t size = w.global ? L : w.size, stride = w.global ? L : w.stride;
        const index_t rows = v.x_in.batch * v.x_in.sample.channels;
        ctx.pool().parallel_for(rows, double(L), [&](index_t b, index_t e, int) {
            for (index_t row = b; row < e; ++row) {
                const T* x = v.x_in.data + row * L;
                const T* r = v.r_in.data + row * L;
                const T* m = v.m_out.data + row * Lout;
                T* out = v.m_in.data + row * L;
                std::fill(out, out + L, T(0));
                for (index_t j = 0; j < Lout; ++j) {  // routed differences
                    const index_t ax = cpu_kernels::argmax_first(x, j * stride, size);
                    const index_t ar = cpu_kernels::argmax_first(r, j * stride, size);
                    const T y = x[ax], y0 = r[ar], top = y > y0 ? y : y0;
                    out[ax] += (top - y0) * m[j];
                    out[ar] += (y - top) * m[j];
                }
                for (index_t i = 0; i < L; ++i) {
                    const T d = x[i] - r[i];
                    out[i] = std::abs(d) >= v.eps ? out[i] / d : T(0);
                }
                for (index_t j = 0; j < Lout; ++j) {  // the gradient where the input did not move
                    const index_t ax = cpu_kernels::argmax_first(x, j * stride, size);
                    if (std::abs(x[ax] - r[ax]) < v.eps) out[ax] += m[j];
                }
            }
        });
    }
};

/// Reverse-complement convolution: linear, except that strands::max takes the larger of a filter and
/// its partner, which is routed like a max pool over the two strands (ties to the forward filter).
struct deeplift_rc_conv_rule {
    template <class Layer, class T>
    static void apply(context<cpu>& ctx, Layer& l, const deeplift_views<T>& v) {
        if (l.options().combine != strands::max) {
            l.backward(ctx, v.x_in, v.x_out, v.m_out, v.m_in, grad_mode::input_only);
            return;
        }
        const index_t P = v.x_in.batch, F = v.m_out.sample.channels, L = v.m_out.sample.length;
        const auto full = l.strand_outputs(2 * P);
        thread_local std::vector<T> scratch;  // grows only
        scratch.resize(static_cast<std::size_t>(P * full.sample.size()));
        batch_view<T> m_full{scratch.data(), P, full.sample};
        ctx.pool().parallel_for(P * F, double(L), [&](index_t b, index_t e, int) {
            for (index_t row = b; row < e; ++row) {
                const index_t n = row / F, f = row % F, partner = 2 * F - 1 - f;
                const T *ax = full.row(n, f), *px = full.row(n, partner);
                const T *ar = full.row(P + n, f), *pr = full.row(P + n, partner);
                const T* m = v.m_out.row(n, f);
                T *ma = m_full.row(n, f), *mp = m_full.row(n, partner);
                for (index_t j = 0; j < L; ++j) {
                    const bool px_wins = px[j] > ax[j], pr_wins = pr[j] > ar[j];
                    const T y = px_wins ? px[j] : ax[j], y0 = pr_wins ? pr[j] : ar[j], top = y > y0 ? y : y0;
                    T to_a = 0, to_p = 0;  // routed differences
                    (px_wins ? to_p : to_a) += (top - y0) * m[j];
                    (pr_wins ? to_p : to_a) += (y - top) * m[j];
                    const T da = ax[j] - ar[j], dp = px[j] - pr[j];
                    ma[j] = std::abs(da) >= v.eps ? to_a / da : (px_wins ? T(0) : m[j]);
                    mp[j] = std::abs(dp) >= v.eps ? to_p / dp : (px_wins ? m[j] : T(0));
                }
            }
        });
        const const_batch_view<T> full_x{full.data, P, full.sample};
        l.bank().backward(ctx, v.x_in, full_x, m_full, v.m_in, grad_mode::input_only);
    }
};

/// A layer that DeepLIFT cannot pass: compiles (run-time models hold every layer) and says why.
struct deeplift_unsupported_rule {
    template <class Layer, class T>
    static void apply(context<cpu>&, Layer&, const deeplift_views<T>&) {
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
template <class T>
struct deeplift_step_rule {
    index_t pairs;
    double eps;
    std::size_t head;  // layer passed through unchanged (below-head targets); past the end otherwise

    template <class Step>
    void operator()(context<cpu>& ctx, Step& s) {
        using L = typename Step::layer_type;
        static_assert(has_deeplift_rule<L>,
                      "seqnet: this layer has no DeepLIFT rule; specialise seqnet::deeplift_rule<Layer> "
                      "(interpret/deeplift.hpp) with deeplift_linear_rule, a rescale rule or your own");
        if (s.index == head) {
            std::copy(s.d_output.data, s.d_output.data + s.d_output.size(), s.d_input.data);
            return;
        }
        const deeplift_views<T> v{half(s.input, pairs, false), half(s.input, pairs, true),
                                  half(s.output, pairs, false), half(s.output, pairs, true),
                                  half(s.d_output, pairs, false), half(s.d_input, pairs, false), eps};
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
attribution_result<T> deeplift(Model& model, context<cpu>& ctx, const xt::xtensor<T, 3>& x, const target& t = {},
                               const deeplift_options& o = {}) {
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
        model.forward(ctx, const_batch_view<T>{pairs_in.data(), 2 * P, s}, phase::inference);
        const auto z = model.activation(f.depth());
        std::fill(seed.begin(), seed.begin() + 2 * P * out, T(0));
        for (index_t j = 0; j < P; ++j) {
            const index_t n = (p0 + j) / R;
            const T* zx = z.data + j * f.width();
            const T* zr = z.data + (P + j) * f.width();
            if ((p0 + j) % R == 0) f_input[static_cast<std::size_t>(n)] = f.value(zx);
            f_reference[static_cast<std::size_t>(n)] += f.value(zr) / double(R);
            f.delta_seed(zx, zr, seed.data() + j * out, o.eps);
        }
        const auto m = model.backward_with(ctx, const_batch_view<T>{seed.data(), 2 * P, model.output_shape()},
                                           detail::deeplift_step_rule<T>{P, o.eps, head});
        for (index_t j = 0; j < P; ++j) {
            const index_t n = (p0 + j) / R;
            const T* mj = m.data + j * S;
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
