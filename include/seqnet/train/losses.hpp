// seqnet/train/losses.hpp -- losses over model outputs, returning the loss and its gradient.
//
// Multi-task binary cross-entropy with logits (SCIENCE.md section 11), stable for any logit:
//   l(z, y) = max(z, 0) - z y + log(1 + exp(-|z|)),   dl/dz = sigmoid(z) - y,
// averaged over the unmasked (n, t) entries (PyTorch's BCEWithLogitsLoss, reduction 'mean'). A mask
// entry 0 (a missing label) drops that entry from both the loss and the count.
#pragma once

#include <seqnet/tensor/view.hpp>

#include <cmath>
#include <span>

namespace seqnet {

/// Mean BCE-with-logits over `logits` (N x T flattened); writes dL/dz into `grad` (same size).
/// `mask` may be empty (all labels present).
template <class T>
double binary_cross_entropy_with_logits(std::span<const T> logits, std::span<const T> labels,
                                        std::span<T> grad, std::span<const T> mask = {}) {
    if (labels.size() != logits.size() || grad.size() != logits.size() ||
        (!mask.empty() && mask.size() != logits.size()))
        throw shape_error("binary_cross_entropy_with_logits: " + std::to_string(logits.size()) +
                          " logits, " + std::to_string(labels.size()) + " labels, " +
                          std::to_string(grad.size()) + " gradient slots, " + std::to_string(mask.size()) +
                          " mask entries");
    double loss = 0.0, count = 0.0;
    for (std::size_t i = 0; i < logits.size(); ++i) {
        if (!mask.empty() && mask[i] == T(0)) continue;
        const double z = logits[i], y = labels[i];
        loss += std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z)));
        count += 1.0;
    }
    const double scale = count > 0 ? 1.0 / count : 0.0;
    for (std::size_t i = 0; i < logits.size(); ++i) {
        if (!mask.empty() && mask[i] == T(0)) {
            grad[i] = T(0);
            continue;
        }
        const double z = logits[i];
        const double s = z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
        grad[i] = static_cast<T>((s - labels[i]) * scale);
    }
    return loss * scale;
}

}  // namespace seqnet
