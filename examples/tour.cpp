// seqnet-tour: the library in one small program (the main demo is `seqnet demo`). Builds a
// DeepBind-style model and the published Basset architecture, encodes built-in sequences, and runs them
// forward and backward, printing shapes, outputs and timing. Loads nothing from disk.
//
//   seqnet-tour [--threads N] [--quick]
#include <seqnet/seqnet.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace seqnet;

// DeepBind-style: one convolution scanning for motifs, strongest match anywhere, small classifier.
using deepbind_like = sequential<input<101>, conv1d<16, 24>, relu, global_maxpool, dense<32>, relu, dense<1>>;

// Basset (Kelley et al. 2016) comes ready-made: 600 bp, three conv blocks, two hidden dense layers,
// 164 cell types (models/zoo/basset.hpp).
using basset = zoo::basset;

// Built-in sequences: a few promoter-like and random-looking strings, tiled to the model length.
const std::vector<std::string> builtin = {
    "GGGCGGGGCCACGTGACTCAGCATGATAAGGCCGCCATCTTGTCGCCGCGGGGCGGGGTTTATAAGGCAGCGCGCTGATCAGGAAGTGAAACTTCCGCG",
    "ATATATTTAAATTTTAAAACCCTGATTCATTTGCATAAAATGTTTAAAGATAACAGTGCTAAAGCTTATCGATAAGCTTTGATGACTCATTTGGAATTCA",
    "CCGCGGCTGCGCGCCAGCCCCGCCCCTCCCCCACGCCCACCTCCCGCGGGGCTGAGCTGCGGCGTGGCGGGCGAGGGCGCGCGCGCTCCTCAGCTCCGCGC",
    "TTGACAGCTAGCTCAGTCCTAGGTATAATGCTAGCCCACCACTGCGCAGGTCTCCTGATTGACAGCTAGCTCAGTCCTAGGTATAATGCTAGCGAATTCG",
};

std::vector<std::string> tiled(std::size_t length) {
    std::vector<std::string> out;
    for (const auto& s : builtin) {
        std::string t;
        while (t.size() < length) t += s;
        out.push_back(t.substr(0, length));
        out.push_back(reverse_complement(out.back()));
    }
    return out;
}

template <class Model>
void run(const char* title, Model& model, context<cpu>& ctx, int repeats) {
    std::printf("\n== %s ==\n%s", title, summary(model).c_str());
    const auto seqs = tiled(static_cast<std::size_t>(model.input_shape().length));
    const auto x = one_hot(seqs);
    std::printf("input: %zu sequences x %zu channels (A,C,G,T) x %zu positions\n", x.shape()[0], x.shape()[1],
                x.shape()[2]);

    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    const_batch_view<float> y{};
    for (int r = 0; r < repeats; ++r) y = model.predict(ctx, as_batch_view(x));
    const double predict_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count() / repeats;
    const auto out = to_matrix(y);
    std::printf("output: %zu x %zu; first three outputs of each sequence:\n", out.shape()[0], out.shape()[1]);
    for (std::size_t n = 0; n < out.shape()[0]; ++n) {
        std::printf("  %-4s strand of sequence %zu:", n % 2 ? "rev" : "fwd", n / 2);
        for (std::size_t t = 0; t < std::min<std::size_t>(3, out.shape()[1]); ++t) std::printf(" %+.5f", out(n, t));
        std::printf("\n");
    }

    // Backward: gradient of the sum of the first output with respect to parameters and input.
    t0 = clock::now();
    std::vector<float> dy(static_cast<std::size_t>(y.size()), 0.0f);
    for (index_t n = 0; n < y.batch; ++n) dy[static_cast<std::size_t>(n * y.sample.size())] = 1.0f;
    const_batch_view<float> dyv{dy.data(), y.batch, model.output_shape()};
    model.forward(ctx, as_batch_view(x), phase::training);
    model.zero_grad();
    model.backward(ctx, dyv, grad_mode::parameters);
    model.forward(ctx, as_batch_view(x));
    auto dx = model.backward(ctx, dyv, grad_mode::input_only);
    const double backward_ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    double gnorm = 0, xnorm = 0;
    for (float g : model.gradients()) gnorm += double(g) * g;
    for (index_t i = 0; i < dx.size(); ++i) xnorm += double(dx.data[i]) * dx.data[i];
    std::printf("parameter gradient norm %.4g, input gradient norm %.4g (shape %lld x %s)\n", std::sqrt(gnorm),
                std::sqrt(xnorm), static_cast<long long>(dx.batch), to_string(dx.sample).c_str());
    std::printf("timing: predict %.3f ms per batch of %zu (%.0f sequences/s); training forward+backward %.2f ms\n",
                predict_ms, seqs.size(), seqs.size() / predict_ms * 1e3, backward_ms);
}

int main(int argc, char** argv) {
    int threads = 1;
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--quick")) quick = true;
        else {
            std::fprintf(stderr, "usage: %s [--threads N] [--quick]\n", argv[0]);
            return 2;
        }
    }
    std::printf("seqnet %s demo: forward and backward passes on built-in sequences (%d thread%s)\n",
                SEQNET_VERSION_STRING, threads, threads == 1 ? "" : "s");
    context<cpu> ctx(threads);
    deepbind_like small;
    small.initialize(2024);
    run("DeepBind-style model (101 bp)", small, ctx, quick ? 1 : 200);
    if (!quick) {
        basset big;
        big.initialize(2024);
        run("Basset (600 bp, 164 tasks)", big, ctx, 3);
    }
    std::printf("\nforward and backward OK\n");
    return 0;
}
