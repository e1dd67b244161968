// seqnet/train/gpu/losses.hpp -- the trainer's losses (train/losses.hpp) on a GPU device.
//
// A model on a GPU keeps its outputs and their gradient on the device: the batch's labels go up, the
// loss (a sum and a count, two doubles) comes down, and the gradient the backward pass starts from is
// written where the model reads it. Per element (binary cross-entropy, mean squared error) or per row
// (softmax cross-entropy), a kernel writes the loss term and whether its labels are present (a NaN label
// is missing, as in `loss`); the terms and the count are summed over 256 lanes and then the lanes; a last
// kernel writes the gradient, scaled by 1 / count read on the device. All in double, as on the host;
// only the order of the sum differs.
#pragma once

#include <seqnet/backend/context.hpp>
#include <seqnet/backend/device_memory.hpp>
#include <seqnet/backend/gpu/runtime.hpp>
#include <seqnet/backend/host_staging.hpp>
#include <seqnet/train/losses.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>

namespace seqnet {

namespace gpu_kernels {

/// Thread i over the elements (BCE, MSE) or rows (softmax CE): the loss term and whether it counts
/// (present 1, or 0 where a label is missing; for softmax CE any missing label drops its row). Softmax
/// CE also writes the row's log-sum-exp for the gradient.
template <class T>
struct loss_terms {
    const T* z;
    const T* y;
    const T* pos_weight;  // BCE: one per task, or null
    index_t weights;
    double* term;
    double* present;
    double* lse;
    index_t row;
    loss_kind kind;
    SEQNET_HD void operator()(index_t i) const {
        if (kind == loss_kind::softmax_cross_entropy) {
            const T* zr = z + i * row;
            const T* yr = y + i * row;
            bool missing = false;
            double m = zr[0];
            for (index_t c = 0; c < row; ++c) {
                missing = missing || yr[c] != yr[c];
                m = max_of(m, double(zr[c]));
            }
            if (missing) {
                term[i] = present[i] = lse[i] = 0;
                return;
            }
            double sum = 0;
            for (index_t c = 0; c < row; ++c) sum += std::exp(double(zr[c]) - m);
            const double l = m + std::log(sum);
            double t = 0;
            for (index_t c = 0; c < row; ++c) t -= double(yr[c]) * (double(zr[c]) - l);
            term[i] = t;
            present[i] = 1;
            lse[i] = l;
            return;
        }
        const double yi = y[i], zi = z[i];
        if (yi != yi) {
            term[i] = present[i] = 0;
            return;
        }
        present[i] = 1;
        if (kind == loss_kind::mean_squared_error) {
            term[i] = (zi - yi) * (zi - yi);
            return;
        }
        const double w = weights ? double(pos_weight[i % weights]) : 1.0;
        const double softplus_neg = std::log1p(std::exp(zi < 0 ? zi : -zi)) + (zi < 0 ? -zi : 0.0);  // log(1 + e^-z)
        term[i] = (1.0 - yi) * zi + (1.0 + (w - 1.0) * yi) * softplus_neg;
    }
};

/// Thread a < 2: totals[a] = the sum of its lanes (0: the terms, 1: the count).
struct loss_totals {
    const double* partial;
    double* totals;
    index_t lanes;
    SEQNET_HD void operator()(index_t a) const {
        double s = 0;
        for (index_t l = 0; l < lanes; ++l) s += partial[a * lanes + l];
        totals[a] = s;
    }
};

/// Thread i over the outputs: dL/dz_i of the mean loss (0 where the label, or for softmax CE the row, is
/// missing), with 1 / count read from totals[1].
template <class T>
struct loss_gradient {
    const T* z;
    const T* y;
    const T* pos_weight;
    index_t weights;
    const double* present;
    const double* lse;
    const double* totals;
    T* grad;
    index_t row;
    loss_kind kind;
    SEQNET_HD void operator()(index_t i) const {
        const double scale = totals[1] > 0 ? 1.0 / totals[1] : 0.0;
        const double zi = z[i], yi = y[i];
        if (kind == loss_kind::softmax_cross_entropy) {
            const index_t r = i / row;
            grad[i] = present[r] == 0 ? T(0) : T((std::exp(zi - lse[r]) - yi) * scale);
            return;
        }
        if (yi != yi) {
            grad[i] = T(0);
            return;
        }
        if (kind == loss_kind::mean_squared_error) {
            grad[i] = T(2.0 * (zi - yi) * scale);
            return;
        }
        const double w = weights ? double(pos_weight[i % weights]) : 1.0;
        grad[i] = T((logistic(zi) * (1.0 + (w - 1.0) * yi) - w * yi) * scale);
    }
};

}  // namespace gpu_kernels

/// The trainer's loss where a GPU model's outputs are: same value and gradient as `loss` (train/losses.hpp)
/// to float rounding. Its buffers only grow.
template <class T, class Dev>
class device_loss {
public:
    /// The mean loss of `outputs` (device: n values, rows of `row`) against host `labels` (NaN: missing);
    /// `pos_weight` (one per task) applies to binary cross-entropy only. The gradient is gradient().
    double operator()(context<Dev>& ctx, loss_kind kind, const T* outputs, const T* labels, index_t n, index_t row,
                      std::span<const T> pos_weight = {}) {
        using rt = gpu_runtime<Dev>;
        if (row <= 0 || n % row != 0)
            throw shape_error("loss: " + std::to_string(n) + " outputs do not make rows of " + std::to_string(row));
        const bool weighted = kind == loss_kind::binary_cross_entropy && !pos_weight.empty();
        const auto weights = weighted ? static_cast<index_t>(pos_weight.size()) : index_t(0);
        if (weighted && n % weights != 0)
            throw shape_error("binary_cross_entropy_with_logits: " + std::to_string(n) + " logits, " + std::to_string(weights) +
                              " positive weights");
        const T* y = labels_.upload(labels, n);
        const T* w = weighted ? weights_.upload(pos_weight.data(), weights) : nullptr;
        const index_t count = kind == loss_kind::softmax_cross_entropy ? n / row : n;
        const index_t lanes = std::clamp<index_t>(count, 1, 256);
        grow_to(values_, 3 * count);
        grow_to(partial_, 2 * lanes);
        grow_to(totals_, 2);
        grow_to(grad_, n);
        double* term = values_.data();
        double* present = term + count;
        double* lse = present + count;
        rt::for_each(ctx, count, gpu_kernels::loss_terms<T>{outputs, y, w, weights, term, present, lse, row, kind});
        rt::for_each(ctx, 2 * lanes, gpu_kernels::strided_row_sums<double>{term, partial_.data(), count, lanes});
        rt::for_each(ctx, 2, gpu_kernels::loss_totals{partial_.data(), totals_.data(), lanes});
        rt::for_each(ctx, n,
                     gpu_kernels::loss_gradient<T>{outputs, y, w, weights, present, lse, totals_.data(), grad_.data(), row, kind});
        double totals[2];
        device_memory<Dev>::download(totals, totals_.data(), 2);
        return totals[1] > 0 ? totals[0] / totals[1] : 0.0;
    }

    /// dL/d(outputs) of the last call, on the device.
    const T* gradient() const { return grad_.data(); }

private:
    host_staging<T, Dev> labels_, weights_;
    typename device_memory<Dev>::template buffer<double> values_, partial_, totals_;
    typename device_memory<Dev>::template buffer<T> grad_;
};

}  // namespace seqnet
