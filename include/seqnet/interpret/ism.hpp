// seqnet/interpret/ism.hpp -- in-silico saturation mutagenesis (SCIENCE.md section 19).
//
//   D[n, b, l] = f(x_n with position l set to base b) - f(x_n)      (alt minus ref)
// exactly 0 at the base already present (no pass is run for it). A position that is not one-hot (an N,
// or a soft encoding) has all four substitutions evaluated. With `mean_centre`, D is centred over the
// four bases at each position (tangermeme's default), after which the observed base's entry is no longer
// zero. The naive method runs every mutant through the model's fused inference path, `batch` mutants per
// pass: 3L full forward passes per sequence. On a GPU the sequence is uploaded once and a kernel writes
// each batch of mutants from it and the batch's substitutions, so only positions and bases cross the bus.
#pragma once

#include <seqnet/backend/for_each_index.hpp>
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

}  // namespace detail

/// One substitution of saturation mutagenesis: position l set to base b.
struct substitution {
    index_t l, b;
};

/// Every substitution of a C x L sample x, position by position: the three other bases at a one-hot
/// position, all four where the column is not one-hot (an N). Written into `out` (cleared first).
template <class T>
void substitutions_of(const T* x, shape s, std::vector<substitution>& out) {
    out.clear();
    for (index_t l = 0; l < s.length; ++l) {
        const index_t present = detail::one_hot_base(x, s, l);
        for (index_t b = 0; b < s.channels; ++b)
            if (b != present) out.push_back({l, b});
    }
}

/// Per position, the mean change of the target over the substitutions at the base present, negated: the
/// importance of the base there (positive when mutating it lowers the target). d is one sequence's
/// C x L result, zero at the base present.
template <class T>
std::vector<T> ism_position_scores(const T* d, shape s) {
    std::vector<T> score(static_cast<std::size_t>(s.length));
    for (index_t l = 0; l < s.length; ++l) {
        T sum = 0;
        for (index_t c = 0; c < s.channels; ++c) sum += d[c * s.length + l];
        score[static_cast<std::size_t>(l)] = -sum / T(s.channels - 1);
    }
    return score;
}

namespace gpu_kernels {
/// Thread i over a batch of mutants (count x C x L) of the sequence ref: mutant j is ref with position
/// edits[2j] set to base edits[2j+1].
template <class T>
struct write_mutants {
    const T* ref;
    const index_t* edits;
    T* out;
    index_t C, L;
    SEQNET_HD void operator()(index_t i) const {
        const index_t S = C * L, j = i / S, w = i % S, c = w / L, l = w % L;
        out[i] = l == edits[2 * j] ? T(c == edits[2 * j + 1] ? 1 : 0) : ref[w];
    }
};
}  // namespace gpu_kernels

namespace detail {
/// What every ISM method checks first (x fits the model, the batch is positive); returns the target
/// bound to the model.
template <class Model, class T>
target_function<T> ism_target(Model& model, const xt::xtensor<T, 3>& x, const target& t, const ism_options& o) {
    expect_model_input(model, x, "ISM");
    if (o.batch < 1) throw argument_error("ISM: batch must be at least 1");
    return target_function<T>(model, t);
}

/// Writes the target's change for mutants edits[0, count) into d (one sequence's C x L result): `values`
/// holds their explained activations (count x f.width(), host), f_ref the sequence's own.
template <class T>
void record_changes(const target_function<T>& f, const substitution* edits, index_t count, const T* values, double f_ref,
                    T* d, index_t length) {
    for (index_t j = 0; j < count; ++j) d[edits[j].b * length + edits[j].l] = T(f.value(values + j * f.width()) - f_ref);
}

/// Batches of mutants of one sequence where the model reads them, written by write_mutants from the
/// sequence and the batch's substitutions (on a GPU only those cross the bus). Buffers only grow.
template <class T, class Dev>
class mutant_batches {
public:
    /// Sequence x (C x L, host) is the one to mutate from now on; returns where the model reads it.
    const T* set_sequence(const T* x, shape s) {
        s_ = s;
        return reference_ = staging_.upload(x, s.size());
    }
    /// The mutants of edits[0, count), count x C x L, where the model reads them.
    const T* write(context<Dev>& ctx, const substitution* edits, index_t count) {
        pairs_.resize(static_cast<std::size_t>(2 * count));
        for (index_t j = 0; j < count; ++j) {
            pairs_[static_cast<std::size_t>(2 * j)] = edits[j].l;
            pairs_[static_cast<std::size_t>(2 * j + 1)] = edits[j].b;
        }
        const index_t* where = pair_staging_.upload(pairs_.data(), 2 * count);
        grow_to(mutants_, count * s_.size());
        for_each_index(ctx, count * s_.size(),
                       gpu_kernels::write_mutants<T>{reference_, where, mutants_.data(), s_.channels, s_.length});
        return mutants_.data();
    }

private:
    const T* reference_ = nullptr;  // where the model reads the sequence
    shape s_;
    host_staging<T, Dev> staging_;
    host_staging<index_t, Dev> pair_staging_;
    typename device_memory<Dev>::template buffer<T> mutants_;
    std::vector<index_t> pairs_;
};
}  // namespace detail

/// Naive saturation mutagenesis of target `t` for every sequence of x (N x C x L): N x C x L differences.
template <interpretable_model Model, class T = typename Model::scalar_type>
xt::xtensor<T, 3> naive_ism(Model& model, context<typename Model::device_type>& ctx, const xt::xtensor<T, 3>& x,
                            const target& t = {}, const ism_options& o = {}) {
    using Dev = typename Model::device_type;
    const target_function<T> f = detail::ism_target(model, x, t, o);
    const shape s = model.input_shape();
    const index_t N = static_cast<index_t>(x.shape()[0]), S = s.size();
    xt::xtensor<T, 3> d = xt::zeros<T>(x.shape());
    detail::mutant_batches<T, Dev> mutants;
    host_staging<T, Dev> outputs;
    std::vector<substitution> edits;
    for (index_t n = 0; n < N; ++n) {
        const T* xn = x.data() + n * S;
        const auto ref = model.predict(ctx, const_batch_view<T, Dev>{mutants.set_sequence(xn, s), 1, s}, f.depth());
        const double f_ref = f.value(outputs.download(ref.data, ref.size()));
        substitutions_of(xn, s, edits);
        T* dn = d.data() + n * S;
        for (std::size_t e0 = 0; e0 < edits.size(); e0 += static_cast<std::size_t>(o.batch)) {
            const index_t count = std::min<index_t>(o.batch, static_cast<index_t>(edits.size() - e0));
            const T* batch = mutants.write(ctx, edits.data() + e0, count);
            const auto out = model.predict(ctx, const_batch_view<T, Dev>{batch, count, s}, f.depth());
            detail::record_changes(f, edits.data() + e0, count, outputs.download(out.data, out.size()), f_ref, dn, s.length);
        }
        if (o.mean_centre) centre_channels(dn, 1, s);
    }
    return d;
}

}  // namespace seqnet
