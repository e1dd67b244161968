// seqnet/interpret/ism.hpp -- in-silico saturation mutagenesis (SCIENCE.md section 19).
//
//   D[n, b, l] = f(x_n with position l set to base b) - f(x_n)      (alt minus ref)
// exactly 0 at the base already present (no pass is run for it). A position that is not one-hot (an N,
// or a soft encoding) has all four substitutions evaluated. With `mean_centre`, D is centred over the
// four bases at each position (tangermeme's default), after which the observed base's entry is no longer
// zero. The naive method runs every mutant through the model's fused inference path, `batch` mutants per
// pass: 3L full forward passes per sequence.
#pragma once

#include <seqnet/interpret/gradients.hpp>

#include <algorithm>
#include <vector>

namespace seqnet {

struct ism_options {
    bool mean_centre = false;
    index_t batch = 128;  // mutants per pass
};

namespace detail {
/// The base present at position l of a C x L sample, or -1 if the column is not one-hot.
template <class T>
index_t one_hot_base(const T* x, shape s, index_t l) {
    index_t base = -1;
    for (index_t c = 0; c < s.channels; ++c) {
        const T v = x[c * s.length + l];
        if (v == T(1) && base < 0) base = c;
        else if (v != T(0)) return -1;
    }
    return base;
}

template <class T>
void centre_ism(T* d, shape s) { centre_channels(d, 1, s); }
}  // namespace detail

/// Naive saturation mutagenesis of target `t` for every sequence of x (N x C x L): N x C x L differences.
template <interpretable_model Model, class T = typename Model::scalar_type>
xt::xtensor<T, 3> naive_ism(Model& model, context<cpu>& ctx, const xt::xtensor<T, 3>& x, const target& t = {},
                            const ism_options& o = {}) {
    detail::expect_model_input(model, x, "ISM");
    if (o.batch < 1) throw argument_error("ISM: batch must be at least 1");
    const target_function<T> f(model, t);
    const shape s = model.input_shape();
    const index_t N = static_cast<index_t>(x.shape()[0]), S = s.size();
    xt::xtensor<T, 3> d = xt::zeros<T>(x.shape());
    std::vector<T> mutants(static_cast<std::size_t>(o.batch * S));
    struct edit { index_t l, b; };
    std::vector<edit> edits;
    for (index_t n = 0; n < N; ++n) {
        const T* xn = x.data() + n * S;
        const auto ref = model.predict(ctx, const_batch_view<T>{xn, 1, s}, f.depth());
        const double f_ref = f.value(ref.data);
        edits.clear();
        for (index_t l = 0; l < s.length; ++l) {
            const index_t present = detail::one_hot_base(xn, s, l);
            for (index_t b = 0; b < s.channels; ++b)
                if (b != present) edits.push_back({l, b});
        }
        T* dn = d.data() + n * S;
        for (std::size_t e0 = 0; e0 < edits.size(); e0 += static_cast<std::size_t>(o.batch)) {
            const index_t count = std::min<index_t>(o.batch, static_cast<index_t>(edits.size() - e0));
            for (index_t j = 0; j < count; ++j) {
                T* m = mutants.data() + j * S;
                std::copy(xn, xn + S, m);
                const edit e = edits[e0 + static_cast<std::size_t>(j)];
                for (index_t c = 0; c < s.channels; ++c) m[c * s.length + e.l] = T(c == e.b ? 1 : 0);
            }
            const auto out = model.predict(ctx, const_batch_view<T>{mutants.data(), count, s}, f.depth());
            for (index_t j = 0; j < count; ++j) {
                const edit e = edits[e0 + static_cast<std::size_t>(j)];
                dn[e.b * s.length + e.l] = T(f.value(out.data + j * f.width()) - f_ref);
            }
        }
        if (o.mean_centre) detail::centre_ism(dn, s);
    }
    return d;
}

}  // namespace seqnet
