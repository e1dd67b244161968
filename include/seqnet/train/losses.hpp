// seqnet/train/losses.hpp -- losses over model outputs, returning the loss and its gradient.
//
// Multi-task binary cross-entropy with logits (SCIENCE.md section 11), stable for any logit:
//   l(z, y) = max(z, 0) - z y + log(1 + exp(-|z|)),   dl/dz = sigmoid(z) - y,
// averaged over the unmasked (n, t) entries (PyTorch's BCEWithLogitsLoss, reduction 'mean'). A mask
// entry 0 (a missing label) drops that entry from both the loss and the count.
//
// Also: mean squared error (nn.MSELoss), softmax cross-entropy over each row's T classes with one-hot or
// soft targets (nn.CrossEntropyLoss with probability targets), and `loss`, which picks one of the three
// and masks NaN labels (seqnet::missing_label) itself, as the trainer needs.
#pragma once

#include <seqnet/layers/activations.hpp>
#include <seqnet/tensor/view.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

namespace seqnet {

/// Mean BCE-with-logits over `logits` (N x T flattened); writes dL/dz into `grad` (same size).
/// `mask` may be empty (all labels present). `pos_weight` (empty, or one weight per task: entry i uses
/// pos_weight[i % T]) weighs the positive term, as PyTorch's BCEWithLogitsLoss(pos_weight=...):
///   l = (1 - y) z + (1 + (w - 1) y) (log(1 + e^-|z|) + max(-z, 0)),  dl/dz = sigmoid(z) (1 + (w - 1) y) - w y
template <class T>
double binary_cross_entropy_with_logits(std::span<const T> logits, std::span<const T> labels,
                                        std::span<T> grad, std::span<const T> mask = {},
                                        std::span<const T> pos_weight = {}) {
    if (labels.size() != logits.size() || grad.size() != logits.size() ||
        (!mask.empty() && mask.size() != logits.size()) ||
        (!pos_weight.empty() && logits.size() % pos_weight.size() != 0))
        throw shape_error("binary_cross_entropy_with_logits: " + std::to_string(logits.size()) +
                          " logits, " + std::to_string(labels.size()) + " labels, " +
                          std::to_string(grad.size()) + " gradient slots, " + std::to_string(mask.size()) +
                          " mask entries, " + std::to_string(pos_weight.size()) + " positive weights");
    auto weight = [&](std::size_t i) { return pos_weight.empty() ? 1.0 : double(pos_weight[i % pos_weight.size()]); };
    double loss = 0.0, count = 0.0;
    for (std::size_t i = 0; i < logits.size(); ++i) {
        if (!mask.empty() && mask[i] == T(0)) continue;
        const double z = logits[i], y = labels[i], w = weight(i);
        const double softplus_neg = std::log1p(std::exp(-std::abs(z))) + std::max(-z, 0.0);  // log(1 + e^-z)
        loss += (1.0 - y) * z + (1.0 + (w - 1.0) * y) * softplus_neg;
        count += 1.0;
    }
    const double scale = count > 0 ? 1.0 / count : 0.0;
    for (std::size_t i = 0; i < logits.size(); ++i) {
        if (!mask.empty() && mask[i] == T(0)) {
            grad[i] = T(0);
            continue;
        }
        const double z = logits[i], y = labels[i], w = weight(i);
        const double s = logistic(z);
        grad[i] = static_cast<T>((s * (1.0 + (w - 1.0) * y) - w * y) * scale);
    }
    return loss * scale;
}

/// Mean squared error over the unmasked entries, (z - y)^2, and its gradient 2 (z - y) / count.
template <class T>
double mean_squared_error(std::span<const T> outputs, std::span<const T> targets, std::span<T> grad,
                          std::span<const T> mask = {}) {
    if (targets.size() != outputs.size() || grad.size() != outputs.size() ||
        (!mask.empty() && mask.size() != outputs.size()))
        throw shape_error("mean_squared_error: " + std::to_string(outputs.size()) + " outputs, " +
                          std::to_string(targets.size()) + " targets, " + std::to_string(grad.size()) +
                          " gradient slots, " + std::to_string(mask.size()) + " mask entries");
    double loss = 0.0, count = 0.0;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        if (!mask.empty() && mask[i] == T(0)) continue;
        const double d = double(outputs[i]) - double(targets[i]);
        loss += d * d;
        count += 1.0;
    }
    const double scale = count > 0 ? 1.0 / count : 0.0;
    for (std::size_t i = 0; i < outputs.size(); ++i)
        grad[i] = (!mask.empty() && mask[i] == T(0)) ? T(0)
                                                     : static_cast<T>(2.0 * (double(outputs[i]) - double(targets[i])) * scale);
    return loss * scale;
}

/// Softmax cross-entropy over rows of `classes` logits: l = -sum_c y_c log softmax(z)_c, with one-hot or
/// soft targets y, averaged over the rows whose mask entry (one per row; empty: all) is not 0.
/// Gradient: (softmax(z) - y) / rows, for targets that sum to 1.
template <class T>
double softmax_cross_entropy(std::span<const T> logits, std::span<const T> targets, std::span<T> grad,
                             std::size_t classes, std::span<const T> row_mask = {}) {
    if (classes == 0 || logits.size() % classes != 0 || targets.size() != logits.size() ||
        grad.size() != logits.size() || (!row_mask.empty() && row_mask.size() != logits.size() / classes))
        throw shape_error("softmax_cross_entropy: " + std::to_string(logits.size()) + " logits in rows of " +
                          std::to_string(classes) + ", " + std::to_string(targets.size()) + " targets, " +
                          std::to_string(grad.size()) + " gradient slots, " + std::to_string(row_mask.size()) +
                          " row mask entries");
    const std::size_t rows = logits.size() / classes;
    double loss = 0.0, count = 0.0;
    for (std::size_t r = 0; r < rows; ++r)
        if (row_mask.empty() || row_mask[r] != T(0)) count += 1.0;
    const double scale = count > 0 ? 1.0 / count : 0.0;
    for (std::size_t r = 0; r < rows; ++r) {
        const T* z = logits.data() + r * classes;
        const T* y = targets.data() + r * classes;
        T* g = grad.data() + r * classes;
        if (!row_mask.empty() && row_mask[r] == T(0)) {
            std::fill(g, g + classes, T(0));
            continue;
        }
        double m = z[0];
        for (std::size_t c = 1; c < classes; ++c) m = std::max(m, double(z[c]));
        double sum = 0.0;
        for (std::size_t c = 0; c < classes; ++c) sum += std::exp(double(z[c]) - m);
        const double log_sum = m + std::log(sum);
        for (std::size_t c = 0; c < classes; ++c) {
            loss -= double(y[c]) * (double(z[c]) - log_sum);
            g[c] = static_cast<T>((std::exp(double(z[c]) - log_sum) - double(y[c])) * scale);
        }
    }
    return loss * scale;
}

/// The losses the trainer offers.
enum class loss_kind { binary_cross_entropy, mean_squared_error, softmax_cross_entropy };

/// The loss of `outputs` (N rows of `row` values) against `labels`, where a NaN label is missing: left
/// out of the loss (for softmax cross-entropy, a row with any NaN is left out). `pos_weight` (one per
/// task) applies to binary cross-entropy only. `mask` is scratch space
/// of the same size (reused, so that training allocates nothing per batch).
template <class T>
double loss(loss_kind kind, std::span<const T> outputs, std::span<const T> labels, std::span<T> grad,
            std::size_t row, std::vector<T>& mask, std::span<const T> pos_weight = {}) {
    const std::size_t n = outputs.size();
    if (labels.size() != n) throw shape_error("loss: " + std::to_string(n) + " outputs but " + std::to_string(labels.size()) + " labels");
    const std::size_t rows = row ? n / row : 0;
    // [0, n): the mask; [n, 2n): the labels with NaN replaced by 0; [2n, 2n + rows): the row mask of
    // softmax cross-entropy. Reused across calls, so that training allocates nothing per batch.
    mask.resize(2 * n + rows);
    bool any_missing = false;
    for (std::size_t i = 0; i < n; ++i) {
        const bool missing = std::isnan(labels[i]);
        mask[i] = missing ? T(0) : T(1);
        mask[n + i] = missing ? T(0) : labels[i];  // 0 * NaN would be NaN even where masked
        any_missing |= missing;
    }
    auto clean = [&](std::span<const T> y) -> std::span<const T> {
        return any_missing ? std::span<const T>(mask.data() + n, n) : y;
    };
    const std::span<const T> m(mask.data(), outputs.size());
    switch (kind) {
        case loss_kind::binary_cross_entropy:
            return binary_cross_entropy_with_logits<T>(outputs, clean(labels), grad, any_missing ? m : std::span<const T>{},
                                                       pos_weight);
        case loss_kind::mean_squared_error:
            return mean_squared_error<T>(outputs, clean(labels), grad, any_missing ? m : std::span<const T>{});
        case loss_kind::softmax_cross_entropy: {
            std::span<T> row_mask;  // only needed when labels are missing
            if (any_missing) {
                row_mask = {mask.data() + 2 * n, rows};
                std::fill(row_mask.begin(), row_mask.end(), T(1));
                for (std::size_t i = 0; i < n; ++i)
                    if (m[i] == T(0)) row_mask[i / row] = T(0);
            }
            return softmax_cross_entropy<T>(outputs, clean(labels), grad, row, row_mask);
        }
    }
    return 0.0;
}

}  // namespace seqnet
