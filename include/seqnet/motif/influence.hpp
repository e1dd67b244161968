// seqnet/motif/influence.hpp -- how much each first-layer filter matters to each task: Basset's
// influence (Kelley et al. 2016).
//
// Each filter's activation (read where motifs_from_filters reads it: after the first convolution and
// its batch norm, ReLU, ...) is replaced at every position by its mean over all the sequences and
// positions, the rest of the model runs on, and the predictions are compared with the model's own:
//   per_task[f, t]  mean over sequences of p_t(x) - p_t(x, filter f nullified): positive where the
//                   filter raises task t's predictions;
//   overall[f]      mean over sequences and tasks of the squared change (Basset ranks filters by it).
// Predictions are probabilities: the model's output through its sigmoid or softmax head, or the
// logistic of outputs that are logits (the zoo's). Cost: one forward pass of the first layers and
// F + 1 forward passes of the rest per batch of sequences.
#pragma once

#include <seqnet/interpret/target.hpp>
#include <seqnet/motif/from_filters.hpp>

#include <xtensor/xtensor.hpp>

#include <vector>

namespace seqnet {

struct filter_influence {
    xt::xtensor<double, 2> per_task;  // filters x tasks
    std::vector<double> overall;      // per filter
};

struct filter_influence_options {
    index_t batch = 64;
};

template <interpretable_model Model, class T = typename Model::scalar_type>
filter_influence influence_of_filters(Model& model, context<cpu>& ctx, const xt::xtensor<T, 3>& x,
                                      const filter_influence_options& o = {}) {
    detail::expect_model_input(model, x, "filter influence");
    if (o.batch < 1) throw argument_error("filter influence: batch must be at least 1");
    const filter_geometry g = filter_geometry_of(model);
    const std::size_t e = g.activation;
    const shape s = model.input_shape(), at = model.shape_at(e);
    const index_t N = static_cast<index_t>(x.shape()[0]), F = at.channels, Lout = at.length;
    const index_t tasks = model.output_shape().size();
    const bool squash = head_of(model) == output_head::none;

    // Each filter's mean activation.
    std::vector<double> mean(static_cast<std::size_t>(F), 0.0);
    detail::for_each_activation_batch(model, ctx, x, g, o.batch, [&](index_t, index_t count, const_batch_view<T> a) {
        for (index_t n = 0; n < count; ++n)
            for (index_t f = 0; f < F; ++f) {
                const T* row = a.row(n, f);
                for (index_t j = 0; j < Lout; ++j) mean[f] += row[j];
            }
    });
    for (auto& m : mean) m /= std::max(1.0, double(N) * double(Lout));

    filter_influence r;
    r.per_task = xt::zeros<double>({std::size_t(F), std::size_t(tasks)});
    r.overall.assign(static_cast<std::size_t>(F), 0.0);
    std::vector<T> acts, base, saved(static_cast<std::size_t>(o.batch * Lout));
    auto probability = [&](T z) { return squash ? double(logistic(z)) : double(z); };
    for (index_t n0 = 0; n0 < N; n0 += o.batch) {
        const index_t count = std::min(o.batch, N - n0);
        const auto a = model.forward(ctx, const_batch_view<T>{x.data() + n0 * s.size(), count, s}, phase::inference, {0, e});
        acts.assign(a.data, a.data + a.size());
        const auto y = model.forward(ctx, const_batch_view<T>{acts.data(), count, at}, phase::inference, {e, model.depth()});
        base.assign(y.data, y.data + y.size());
        for (index_t f = 0; f < F; ++f) {
            for (index_t n = 0; n < count; ++n) {
                T* row = acts.data() + (n * F + f) * Lout;
                std::copy(row, row + Lout, saved.begin() + n * Lout);
                std::fill(row, row + Lout, T(mean[f]));
            }
            const auto yf = model.forward(ctx, const_batch_view<T>{acts.data(), count, at}, phase::inference, {e, model.depth()});
            for (index_t n = 0; n < count; ++n)
                for (index_t t = 0; t < tasks; ++t) {
                    const double d = probability(base[n * tasks + t]) - probability(yf.data[n * tasks + t]);
                    r.per_task(f, t) += d;
                    r.overall[f] += d * d;
                }
            for (index_t n = 0; n < count; ++n)
                std::copy(saved.begin() + n * Lout, saved.begin() + (n + 1) * Lout, acts.data() + (n * F + f) * Lout);
        }
    }
    for (index_t f = 0; f < F; ++f) {
        for (index_t t = 0; t < tasks; ++t) r.per_task(f, t) /= std::max<index_t>(1, N);
        r.overall[f] /= std::max<double>(1, double(N) * double(tasks));
    }
    return r;
}

}  // namespace seqnet
