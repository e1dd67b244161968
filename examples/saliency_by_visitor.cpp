// Writing an algorithm once for every model: a saliency map (gradient of one output with respect to
// the one-hot input) and a per-layer activation report, using only the model's generic interface:
// forward(), backward(), visit(). Swap in any other sequential<> and this code is unchanged.
#include <seqnet/seqnet.hpp>

#include <cmath>
#include <cstdio>

using namespace seqnet;

template <class Model>
xt::xtensor<float, 3> saliency(Model& model, context<cpu>& ctx, const xt::xtensor<float, 3>& x, index_t task) {
    auto y = model.forward(ctx, as_batch_view(x));
    std::vector<float> seed(static_cast<std::size_t>(y.size()), 0.0f);
    for (index_t n = 0; n < y.batch; ++n) seed[static_cast<std::size_t>(n * y.sample.size() + task)] = 1.0f;
    auto dx = model.backward(ctx, const_batch_view<float>{seed.data(), y.batch, y.sample}, grad_mode::input_only);
    return to_xtensor(dx);
}

template <class Model>
void report_activations(Model& model) {
    model.visit([](auto& step) {
        double positive = 0;
        for (index_t i = 0; i < step.output.size(); ++i) positive += step.output.data[i] > 0;
        std::printf("  layer %zu %-15s output %-12s %5.1f%% positive\n", step.index,
                    std::string(step.layer.name).c_str(), to_string(step.output.sample).c_str(),
                    100.0 * positive / double(step.output.size()));
    });
}

int main() {
    sequential<input<40>, conv1d<8, 7, same>, relu, maxpool<2>, conv1d<8, 5>, relu, flatten, dense<2>> model;
    model.initialize(11);
    context<cpu> ctx;
    const std::string seq = "TTGACGCACGTGGATTACAGGGCGGGGCTTTATAAGGCAT";
    auto x = one_hot(std::vector<std::string>{seq});
    auto s = saliency(model, ctx, x, 0);
    std::printf("saliency of task 0 (one row per base, one column per position):\n");
    for (int c = 0; c < 4; ++c) {
        std::printf("  %c", "ACGT"[c]);
        for (std::size_t l = 0; l < seq.size(); ++l) std::printf(" %+.2f", s(0, c, l));
        std::printf("\n");
    }
    report_activations(model);
    // Sanity check a reader can see: the gradient is finite and not all zero.
    double norm = 0;
    for (float v : s) norm += double(v) * v;
    if (!(norm > 0 && std::isfinite(norm))) return 1;
    return 0;
}
