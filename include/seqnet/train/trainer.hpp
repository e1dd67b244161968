// seqnet/train/trainer.hpp -- training a model on a dataset: epochs, validation, early stopping.
//
//   train_options o{.epochs = 20, .batch = 64, .lr = 1e-3, .patience = 3};
//   auto report = train(model, ctx, training_set, &validation_set, o);
//
// Written once against the model interface (forward, backward, the one parameter buffer, visitors), so
// it trains a sequential<> and a spec_model alike. Each epoch shuffles the training set with the seed,
// runs mini-batches (forward in training mode, the masked loss, backward, optional gradient clipping
// and L1/L2 penalties, one optimiser step), then evaluates the validation set: loss, and macro AUROC and
// AUPRC over the tasks. Early stopping watches the validation loss or AUROC with a patience, and the
// best epoch's weights (batch-norm statistics included) are restored at the end. Frozen parameters
// (by name or name prefix) are excluded from the optimiser entirely. With one thread and a fixed seed,
// training is bit-for-bit reproducible. Progress goes to standard error (a bar on terminals, one line
// per epoch otherwise, or nothing), and a per-epoch TSV log to any stream.
//
// A model on a GPU device trains the same way (include seqnet/gpu.hpp, or seqnet/cuda.hpp): batches are
// assembled on the host and uploaded with their labels; the loss and its gradient (train/gpu/losses.hpp),
// the backward pass, penalties, clipping and the optimiser step run on the device
// (train/gpu/optimizers.hpp); only the batch loss comes down.
#pragma once

#include <seqnet/backend/host_staging.hpp>

#include <seqnet/data/dataset.hpp>
#include <seqnet/layers/activations.hpp>
#include <seqnet/layers/random.hpp>
#include <seqnet/train/losses.hpp>
#include <seqnet/train/metrics.hpp>
#include <seqnet/train/gpu/losses.hpp>
#include <seqnet/train/gpu/optimizers.hpp>
#include <seqnet/train/optimizers.hpp>
#include <seqnet/train/progress.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <string>
#include <system_error>
#include <unordered_set>
#include <variant>
#include <vector>

namespace seqnet {

enum class optimizer_kind { sgd, adam, adamw };
/// What early stopping and best-model selection watch.
enum class stop_metric { validation_loss, validation_auroc };

struct train_options {
    index_t epochs = 20;
    index_t batch = 64;
    loss_kind loss = loss_kind::binary_cross_entropy;
    std::vector<float> pos_weight = {};  ///< binary cross-entropy: weight of each task's positives (empty: 1)
    optimizer_kind optimizer = optimizer_kind::adam;
    double lr = 1e-3;
    double momentum = 0.9;      ///< SGD only
    double weight_decay = 0.0;  ///< the optimiser's (coupled for SGD and Adam, decoupled for AdamW)
    double clip_norm = 0.0;     ///< > 0: clip the gradient's 2-norm to this
    double l1 = 0.0;            ///< penalty l1 * sum |w| over weights (not biases or batch-norm scales)
    double l2 = 0.0;            ///< penalty l2 * sum w^2 over the same weights
    /// Left untouched: parameter names ("0.weight"), layer prefixes ("0."), or rows of a tensor along its
    /// first axis ("0.weight[3,5]": filters 3 and 5 of a convolution; freeze "0.bias[3,5]" too)
    std::vector<std::string> frozen = {};
    index_t patience = 5;             ///< epochs without improvement before stopping; 0: never stop early
    stop_metric monitor = stop_metric::validation_loss;
    bool restore_best = true;         ///< end with the best validation epoch's weights
    bool reverse_complement = false;  ///< augment: each sequence reverse-complemented with probability 1/2
    std::uint64_t seed = 1;           ///< shuffling and augmentation (initialise the model separately)
    progress_mode progress = progress_mode::automatic;
    bool epoch_lines = true;   ///< one summary line per epoch on standard error
    std::ostream* log = nullptr;  ///< per-epoch TSV (epoch, losses, validation metrics, seconds, best)
};

struct epoch_summary {
    index_t epoch = 0;  ///< 1-based
    double train_loss = 0.0;
    double valid_loss = std::numeric_limits<double>::quiet_NaN();
    double valid_auroc = std::numeric_limits<double>::quiet_NaN();
    double valid_auprc = std::numeric_limits<double>::quiet_NaN();
    double seconds = 0.0;
    bool best = false;  ///< the best validation epoch so far
};

struct train_report {
    std::vector<epoch_summary> epochs;
    index_t best_epoch = 0;  ///< 0: no validation set (the weights are the last epoch's)
    bool stopped_early = false;
    double seconds = 0.0;
};

namespace detail {

/// A train_options::frozen entry: a name or prefix, and the rows of "name[r1,r2,...]" (empty: all).
struct frozen_slice {
    std::string name;
    std::vector<index_t> rows;
};

inline frozen_slice parse_frozen(const std::string& f) {
    const auto open = f.find('[');
    if (open == std::string::npos) return {f, {}};
    frozen_slice s{f.substr(0, open), {}};
    if (f.back() != ']' || open + 2 > f.size() - 1)
        throw argument_error("train: frozen '" + f + "': rows are written name[3] or name[3,5,7]");
    std::size_t at = open + 1;
    while (at < f.size() - 1) {
        std::size_t end = f.find(',', at);
        if (end == std::string::npos || end > f.size() - 1) end = f.size() - 1;
        index_t r = 0;
        const auto [ptr, ec] = std::from_chars(f.data() + at, f.data() + end, r);
        if (ec != std::errc() || ptr != f.data() + end)
            throw argument_error("train: frozen '" + f + "': '" + f.substr(at, end - at) + "' is not a row number");
        s.rows.push_back(r);
        at = end + 1;
    }
    return s;
}

/// The output activation that turns a loss's outputs into what metrics read.
inline void to_probabilities(loss_kind kind, std::span<float> outputs, std::size_t row) {
    if (kind == loss_kind::binary_cross_entropy) {
        for (auto& z : outputs) z = logistic(z);
    } else if (kind == loss_kind::softmax_cross_entropy) {
        for (std::size_t r = 0; r + row <= outputs.size(); r += row) {
            float m = outputs[r];
            for (std::size_t c = 1; c < row; ++c) m = std::max(m, outputs[r + c]);
            float sum = 0;
            for (std::size_t c = 0; c < row; ++c) sum += (outputs[r + c] = std::exp(outputs[r + c] - m));
            for (std::size_t c = 0; c < row; ++c) outputs[r + c] /= sum;
        }
    }
}

/// Copies rows of a dataset into a batch, reverse-complementing those `flip` marks.
inline void gather_batch(const dataset& d, std::span<const index_t> rows, const std::vector<std::uint8_t>& flip,
                         float* x, float* y) {
    const index_t L = d.length(), T = d.task_count();
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const float* in = d.input(rows[r]);
        float* out = x + static_cast<index_t>(r) * 4 * L;
        if (!flip.empty() && flip[r]) {
            reverse_complement(in, out, 4, static_cast<std::size_t>(L));
        } else {
            std::copy(in, in + 4 * L, out);
        }
        auto labels = d.labels(rows[r]);
        std::copy(labels.begin(), labels.end(), y + static_cast<index_t>(r) * T);
    }
}

}  // namespace detail

/// Raw model outputs for every sequence of `data` (N x outputs, row-major), by the fused inference path.
template <class Model>
std::vector<float> model_outputs(Model& model, context<typename Model::device_type>& ctx, const dataset& data,
                                 index_t batch = 256) {
    if (data.length() != model.input_shape().length || model.input_shape().channels != 4)
        throw shape_error("model_outputs: the dataset holds sequences of " + std::to_string(data.length()) +
                          " bases; the model takes " + to_string(model.input_shape()));
    const index_t row = model.output_shape().size();
    std::vector<float> out(static_cast<std::size_t>(data.size() * row));
    host_staging<float, typename Model::device_type> io;
    for (index_t b = 0; b < data.size(); b += batch) {
        const index_t n = std::min(batch, data.size() - b);
        const shape in{4, data.length()};
        auto y = model.predict(ctx, {io.upload(data.input(b), n * in.size()), n, in});
        const float* host = io.download(y.data, y.size());
        std::copy(host, host + y.size(), out.data() + b * row);
    }
    return out;
}

/// The same as probabilities for a classification loss (sigmoid per task, or softmax per row); raw for
/// mean squared error.
template <class Model>
std::vector<float> predict_dataset(Model& model, context<typename Model::device_type>& ctx, const dataset& data,
                                   index_t batch = 256,
                                   loss_kind kind = loss_kind::binary_cross_entropy) {
    auto out = model_outputs(model, ctx, data, batch);
    detail::to_probabilities(kind, out, static_cast<std::size_t>(model.output_shape().size()));
    return out;
}

template <class Model>
train_report train(Model& model, context<typename Model::device_type>& ctx, const dataset& training,
                   const dataset* validation, const train_options& o) {
    static_assert(std::is_same_v<typename Model::scalar_type, float>, "seqnet::train trains float models");
    using Dev = typename Model::device_type;
    using memory = device_memory<Dev>;
    constexpr bool on_cpu = std::same_as<Dev, cpu>;
    const shape in = model.input_shape();
    const index_t row = model.output_shape().size();
    auto check = [&](const dataset& d, const char* which) {
        if (d.length() != in.length || in.channels != 4)
            throw shape_error(std::string("train: the ") + which + " set holds sequences of " +
                              std::to_string(d.length()) + " bases; the model takes " + to_string(in));
        if (d.task_count() != row)
            throw shape_error(std::string("train: the ") + which + " set has " + std::to_string(d.task_count()) +
                              " tasks; the model outputs " + std::to_string(row) + " values per sequence");
    };
    check(training, "training");
    if (validation) check(*validation, "validation");
    if (training.empty()) throw argument_error("train: the training set is empty");
    if (o.epochs < 1 || o.batch < 1) throw argument_error("train: epochs and batch must be at least 1");
    if (!o.pos_weight.empty() && static_cast<index_t>(o.pos_weight.size()) != row)
        throw argument_error("train: " + std::to_string(o.pos_weight.size()) + " positive weights for " +
                             std::to_string(row) + " tasks");

    // Which parameters move, and which carry the L1/L2 penalties (weights, not biases or batch norm).
    const std::size_t P = model.parameters().size();
    const float* base = model.parameters().data();
    std::vector<std::uint8_t> trainable(P, 1), penalised(P, 0);
    std::unordered_set<std::string> frozen_matched;
    model.visit_parameters([&](const std::string& name, param_view<float> v, param_view<float>) {
        for (const auto& f : o.frozen) {
            const detail::frozen_slice slice = detail::parse_frozen(f);
            if (name == slice.name || (slice.name.ends_with('.') && slice.rows.empty() && name.starts_with(slice.name))) {
                float* const first = v.data;
                const index_t row = v.dims[0] > 0 ? v.size() / v.dims[0] : 0;
                if (slice.rows.empty()) std::fill_n(trainable.begin() + (first - base), v.size(), std::uint8_t(0));
                for (index_t r : slice.rows) {
                    if (r < 0 || r >= v.dims[0])
                        throw argument_error("train: frozen '" + f + "': row " + std::to_string(r) + " is outside " +
                                             name + " (" + std::to_string(v.dims[0]) + " rows)");
                    std::fill_n(trainable.begin() + (first - base) + r * row, row, std::uint8_t(0));
                }
                frozen_matched.insert(f);
            }
        }
    });
    for (const auto& f : o.frozen)
        if (!frozen_matched.contains(f))
            throw argument_error("train: frozen '" + f + "' names no parameter (names look like '0.weight'; "
                                 "a prefix ending in '.' freezes a layer; '0.weight[3,5]' freezes rows 3 and 5)");
    model.visit([&](auto& step) {
        using L = typename std::remove_cvref_t<decltype(step)>::layer_type;
        constexpr bool penalise = [] {
            if constexpr (requires { L::penalised_weights; }) return L::penalised_weights;
            else return true;
        }();
        if constexpr (penalise)
            step.layer.visit_parameters([&](std::string_view name, param_view<float> v, param_view<float>) {
                if (name.starts_with("weight")) std::fill_n(penalised.begin() + (v.data - base), v.size(), std::uint8_t(1));
            });
    });
    const bool all_trainable = o.frozen.empty();
    // The masks where the optimiser reads them: the host vectors on the CPU, copies on a GPU.
    typename memory::template buffer<std::uint8_t> device_masks;
    const std::uint8_t* trainable_at = trainable.data();
    const std::uint8_t* penalised_at = penalised.data();
    if constexpr (!on_cpu) {
        device_masks.resize(2 * P);
        memory::upload(device_masks.data(), trainable.data(), static_cast<index_t>(P));
        memory::upload(device_masks.data() + P, penalised.data(), static_cast<index_t>(P));
        trainable_at = device_masks.data();
        penalised_at = device_masks.data() + P;
    }
    const auto trainable_mask = all_trainable ? std::span<const std::uint8_t>{} : std::span<const std::uint8_t>(trainable_at, P);

    using optimizer = std::variant<sgd<float, Dev>, adam<float, Dev>>;
    optimizer opt = o.optimizer == optimizer_kind::sgd
                        ? optimizer(sgd<float, Dev>({.lr = o.lr, .momentum = o.momentum, .weight_decay = o.weight_decay}))
                        : optimizer(adam<float, Dev>({.lr = o.lr, .weight_decay = o.weight_decay,
                                                      .decoupled_weight_decay = o.optimizer == optimizer_kind::adamw}));

    // Snapshots of the best epoch, on the host: parameters and buffers (batch-norm running statistics).
    std::vector<param_view<float>> buffers;
    model.visit_buffers([&](const std::string&, param_view<float> v) { buffers.push_back(v); });
    std::vector<float> best_state;
    auto snapshot = [&] {
        std::size_t total = P;
        for (auto& b : buffers) total += static_cast<std::size_t>(b.size());
        best_state.resize(total);
        memory::download(best_state.data(), model.parameters().data(), static_cast<index_t>(P));
        std::size_t at = P;
        for (auto& b : buffers) {
            memory::download(best_state.data() + at, b.data, b.size());
            at += static_cast<std::size_t>(b.size());
        }
    };
    auto restore = [&] {
        memory::upload(model.parameters().data(), best_state.data(), static_cast<index_t>(P));
        std::size_t at = P;
        for (auto& b : buffers) {
            memory::upload(b.data, best_state.data() + at, b.size());
            at += static_cast<std::size_t>(b.size());
        }
    };

    const index_t N = training.size(), B = std::min(o.batch, N), T = training.task_count();
    std::vector<index_t> order(static_cast<std::size_t>(N));
    for (index_t i = 0; i < N; ++i) order[static_cast<std::size_t>(i)] = i;
    std::vector<float> x(static_cast<std::size_t>(B * in.size())), y(static_cast<std::size_t>(B * T)),
        grad(static_cast<std::size_t>(B * row)), scratch;
    std::vector<std::uint8_t> flip;
    host_staging<float, Dev> io;           // the batch's inputs
    // On a GPU the loss and its gradient are computed there; on the CPU, by loss() on the outputs.
    [[maybe_unused]] std::conditional_t<on_cpu, std::monostate, device_loss<float, Dev>> device_losses;
    [[maybe_unused]] std::conditional_t<on_cpu, std::monostate, gradient_norm_scratch<Dev>> norm_scratch;
    random_engine rng(mix64(o.seed) ^ 0x7a11);

    progress_bar bar(o.progress);
    train_report report;
    double best = std::numeric_limits<double>::quiet_NaN();
    index_t since_best = 0;
    const auto t0 = std::chrono::steady_clock::now();
    if (o.log) *o.log << "epoch\ttrain_loss\tvalid_loss\tvalid_auroc\tvalid_auprc\tseconds\tbest\n";

    for (index_t epoch = 1; epoch <= o.epochs; ++epoch) {
        const auto e0 = std::chrono::steady_clock::now();
        shuffle(std::span<index_t>(order), rng);
        const index_t batches = (N + B - 1) / B;
        bar.start("epoch " + std::to_string(epoch) + "/" + std::to_string(o.epochs), long(batches));
        double loss_sum = 0.0;
        for (index_t b = 0; b < batches; ++b) {
            const index_t n = std::min(B, N - b * B);
            const std::span<const index_t> rows(order.data() + b * B, static_cast<std::size_t>(n));
            flip.clear();
            if (o.reverse_complement)
                for (index_t r = 0; r < n; ++r) flip.push_back(std::uint8_t(rng.next() & 1));
            detail::gather_batch(training, rows, flip, x.data(), y.data());
            const const_batch_view<float, Dev> xv{io.upload(x.data(), n * in.size()), n, in};
            auto out = model.forward(ctx, xv, phase::training);
            const std::size_t m = static_cast<std::size_t>(n * row);
            double batch_loss;
            const float* dy = grad.data();
            if constexpr (on_cpu) {
                batch_loss = loss<float>(o.loss, {out.data, m}, {y.data(), m}, {grad.data(), m},
                                         static_cast<std::size_t>(row), scratch, o.pos_weight);
            } else {
                batch_loss = device_losses(ctx, o.loss, out.data, y.data(), n * row, row, o.pos_weight);
                dy = device_losses.gradient();
            }
            model.zero_grad();
            model.backward(ctx, const_batch_view<float, Dev>{dy, n, model.output_shape()}, grad_mode::parameters);
            auto params = model.parameters();
            auto grads = model.gradients();
            if (o.l1 != 0.0 || o.l2 != 0.0) {
                if constexpr (on_cpu) {
                    for (std::size_t i = 0; i < P; ++i)
                        if (penalised[i])
                            grads[i] += float(o.l1) * float((params[i] > 0) - (params[i] < 0)) + float(2.0 * o.l2) * params[i];
                } else {
                    gpu_runtime<Dev>::for_each(ctx, static_cast<index_t>(P),
                                               gpu_kernels::add_penalties<float>{grads.data(), params.data(), penalised_at,
                                                                                 float(o.l1), float(2.0 * o.l2)});
                }
            }
            if (o.clip_norm > 0) {
                if constexpr (on_cpu) clip_gradient_norm<float>(grads, o.clip_norm, trainable_mask);
                else clip_gradient_norm(ctx, grads, o.clip_norm, trainable_mask, norm_scratch);
            }
            std::visit([&](auto& opt_) {
                if constexpr (requires { opt_.step(ctx, params, grads, trainable_mask); })
                    opt_.step(ctx, params, grads, trainable_mask);
                else
                    opt_.step(params, grads, trainable_mask);
            }, opt);
            loss_sum += batch_loss * double(n);
            bar.update(long(b + 1), loss_sum / double(b * B + n), double(b * B + n));
        }
        bar.finish();

        epoch_summary s;
        s.epoch = epoch;
        s.train_loss = loss_sum / double(N);
        if (validation && !validation->empty()) {
            auto outputs = model_outputs(model, ctx, *validation);
            std::vector<float> vgrad(outputs.size());
            s.valid_loss = loss<float>(o.loss, outputs, validation->labels(), vgrad, static_cast<std::size_t>(row), scratch,
                                       o.pos_weight);
            detail::to_probabilities(o.loss, outputs, static_cast<std::size_t>(row));
            const auto ev = evaluate(outputs, validation->labels(), validation->tasks());
            s.valid_auroc = ev.macro_auroc;
            s.valid_auprc = ev.macro_auprc;
            const double score = o.monitor == stop_metric::validation_loss ? s.valid_loss : s.valid_auroc;
            const bool better = std::isnan(best) ||
                                (o.monitor == stop_metric::validation_loss ? score < best : score > best);
            if (better) {
                best = score;
                since_best = 0;
                s.best = true;
                report.best_epoch = epoch;
                if (o.restore_best) snapshot();
            } else {
                ++since_best;
            }
        }
        s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
        report.epochs.push_back(s);
        if (o.log) {
            *o.log << s.epoch << '\t' << s.train_loss << '\t' << s.valid_loss << '\t' << s.valid_auroc << '\t'
                   << s.valid_auprc << '\t' << s.seconds << '\t' << (s.best ? 1 : 0) << '\n';
            o.log->flush();
        }
        if (o.epoch_lines && o.progress != progress_mode::never)
            std::fprintf(stderr, "epoch %lld/%lld  train loss %.4f  valid loss %.4f  AUROC %.4f  AUPRC %.4f  %.1f s%s\n",
                         static_cast<long long>(epoch), static_cast<long long>(o.epochs), s.train_loss, s.valid_loss,
                         s.valid_auroc, s.valid_auprc, s.seconds, s.best ? "  *" : "");
        if (validation && o.patience > 0 && since_best >= o.patience) {
            report.stopped_early = epoch < o.epochs;
            break;
        }
    }
    if (o.restore_best && report.best_epoch > 0) restore();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

}  // namespace seqnet
