// seqnet/interpret/target.hpp -- what an attribution explains: one scalar per sequence, made from the
// model's outputs.
//
// A target sums chosen outputs ("tasks": indices into the flattened per-sample output) on one of two
// scales (SCIENCE.md section 13):
//   logit        (default) the pre-sigmoid / pre-softmax score. A model that ends in a sigmoid or
//                softmax layer is explained at that layer's input; a softmax's logits are mean-centred
//                first (z_t - mean_c z_c), so that a feature raising every class equally explains none.
//                A model without such a head (the zoo's: their outputs are logits) is explained at its
//                output.
//   probability  the output after the head; for a model without a head, sigmoid(output) per task.
// Every method evaluates f = sum over tasks of that score, seeds backward passes with df/dz at the
// explained activation z, and, when z sits below a head layer, passes the seed through that layer
// unchanged (the head is outside what is explained).
#pragma once

#include <seqnet/layers/activations.hpp>
#include <seqnet/models/visit.hpp>

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

namespace seqnet {

enum class target_scale { logit, probability };

/// The scalar an attribution explains: the sum of `tasks` on the chosen scale.
struct target {
    std::vector<index_t> tasks{0};
    target_scale scale = target_scale::logit;
};

/// What the interpretation methods need of a model: the passes of differentiable_model, the cached
/// activations of the last forward pass, and back-propagation with a per-layer rule.
template <class M>
concept interpretable_model = differentiable_model<M> && requires(M& m, const M& cm, std::size_t i) {
    { cm.activation(i) } -> std::convertible_to<const_batch_view<typename M::scalar_type, typename M::device_type>>;
    { cm.shape_at(i) } -> std::same_as<shape>;
    { cm.batch() } -> std::convertible_to<index_t>;
};

/// The output nonlinearity a model ends with, if any.
enum class output_head { none, sigmoid, softmax };

namespace detail {
template <class L>
struct is_sigmoid_layer : std::false_type {};
template <class T, class Dev>
struct is_sigmoid_layer<sigmoid_layer<T, Dev>> : std::true_type {};
template <class L>
struct is_softmax_layer : std::false_type {};
template <class T, class Dev>
struct is_softmax_layer<softmax_layer<T, Dev>> : std::true_type {};
}  // namespace detail

template <class Model>
output_head head_of(Model& model) {
    output_head head = output_head::none;
    const std::size_t last = model.depth() - 1;
    model.visit([&](auto& step) {
        using L = typename std::remove_cvref_t<decltype(step)>::layer_type;
        if (step.index != last) return;
        if constexpr (detail::is_sigmoid_layer<L>::value) head = output_head::sigmoid;
        if constexpr (detail::is_softmax_layer<L>::value) head = output_head::softmax;
    });
    return head;
}

/// A target bound to a model: where it reads the explained activation z, f(z) per sample and df/dz.
template <class T>
class target_function {
public:
    template <interpretable_model Model>
    target_function(Model& model, const target& t) : target_(t), head_(head_of(model)) {
        const bool below_head = head_ != output_head::none && t.scale == target_scale::logit;
        depth_ = model.depth() - (below_head ? 1 : 0);
        width_ = model.shape_at(depth_).size();
        if (t.tasks.empty()) throw argument_error("target: no tasks chosen");
        for (index_t task : t.tasks)
            if (task < 0 || task >= width_)
                throw argument_error("target: task " + std::to_string(task) + " is out of range: the model has " +
                                     std::to_string(width_) + " outputs per sequence");
        if (head_ == output_head::softmax && below_head && model.shape_at(depth_).length != 1)
            throw argument_error("target: the logit of a per-position softmax is not supported; attribute its "
                                 "probabilities (target_scale::probability)");
        centre_ = head_ == output_head::softmax && below_head;
        squash_ = head_ == output_head::none && t.scale == target_scale::probability;
    }

    /// Activation index explained: the model's output, or the input of its head layer.
    std::size_t depth() const { return depth_; }
    /// Whether the backward pass starts below a head layer, passing the seed through it unchanged.
    bool skips_head(std::size_t model_depth) const { return depth_ < model_depth; }
    /// Values per sample of the explained activation.
    index_t width() const { return width_; }

    /// f(z) for one sample's explained activation.
    double value(const T* z) const {
        const double mean = centre_ ? mean_of(z) : 0.0;
        double f = 0;
        for (index_t t : target_.tasks) f += squash_ ? double(logistic(z[t])) : double(z[t]) - mean;
        return f;
    }

    /// df/dz for one sample, written over all `width()` values.
    void seed(const T* z, T* dz) const {
        for (index_t i = 0; i < width_; ++i) dz[i] = T(0);
        const T share = centre_ ? T(target_.tasks.size()) / T(width_) : T(0);
        for (index_t t : target_.tasks) {
            if (squash_) {
                const T p = logistic(z[t]);
                dz[t] += p * (T(1) - p);
            } else {
                dz[t] += T(1);
            }
        }
        if (centre_)
            for (index_t i = 0; i < width_; ++i) dz[i] -= share;
    }

    /// DeepLIFT's multipliers at z for the pair (z, z0): df/dz for a linear f, the secant slope of the
    /// sigmoid for a probability (its derivative at z where z and z0 nearly agree).
    void delta_seed(const T* z, const T* z0, T* dz, double eps) const {
        seed(z, dz);
        if (!squash_) return;
        for (index_t t : target_.tasks) {
            const double d = double(z[t]) - double(z0[t]);
            if (std::abs(d) >= eps) dz[t] = T((double(logistic(z[t])) - double(logistic(z0[t]))) / d);
        }
    }

    const target& spec() const { return target_; }

private:
    double mean_of(const T* z) const {
        double s = 0;
        for (index_t i = 0; i < width_; ++i) s += z[i];
        return s / double(width_);
    }

    target target_;
    output_head head_;
    std::size_t depth_ = 0;
    index_t width_ = 0;
    bool centre_ = false, squash_ = false;
};

}  // namespace seqnet
