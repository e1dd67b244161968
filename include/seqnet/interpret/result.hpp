// seqnet/interpret/result.hpp -- what the reference-based methods return: attributions shaped like the
// input, and per sequence how well they add up.
#pragma once

#include <seqnet/config.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace seqnet {

template <class T>
struct attribution_result {
    xt::xtensor<T, 3> scores;          // N x C x L
    std::vector<double> difference;    // f(x_n) - mean over references of f(reference)
    std::vector<double> delta;         // sum of scores_n - difference_n: the completeness error
    xt::xtensor<T, 3> hypothetical{};  // DeepLIFT: contribution each base would have (empty otherwise)

    /// Largest |delta_n| / max(1, |difference_n|).
    double worst_relative_delta() const {
        double w = 0;
        for (std::size_t i = 0; i < delta.size(); ++i) {
            const double scale = std::max(1.0, std::abs(difference[i]));
            w = std::max(w, std::abs(delta[i]) / scale);
        }
        return w;
    }
};

namespace detail {
/// Fills difference and delta from the scores and the target values.
template <class T>
void complete(attribution_result<T>& r, const std::vector<double>& f_input, const std::vector<double>& f_reference) {
    const std::size_t N = f_input.size();
    const std::size_t per = N ? r.scores.size() / N : 0;
    r.difference.resize(N);
    r.delta.resize(N);
    for (std::size_t n = 0; n < N; ++n) {
        double sum = 0;
        for (std::size_t i = 0; i < per; ++i) sum += r.scores.data()[n * per + i];
        r.difference[n] = f_input[n] - f_reference[n];
        r.delta[n] = sum - r.difference[n];
    }
}
}  // namespace detail

}  // namespace seqnet
