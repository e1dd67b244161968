// train_on_gpu: a model built on the CPU, moved to the GPU, trained and explained there, and brought back.
//
//   train_on_gpu [--sequences N] [--epochs E] [--emulated]
//
// Simulates labelled sequences (three planted motifs, one task each), builds a small Basset-style model,
// copies it to the GPU with to_device<cuda>, trains it there with the same trainer as on the CPU, computes
// saliency, DeepLIFT and ISM on the GPU, copies the weights back with copy_weights and checks that the CPU copy predicts
// what the GPU copy predicts. Without a CUDA device it exits with 77 unless --emulated is given: then the
// same code runs on emulated_gpu, the GPU backend executed on the host (slow; for machines without a GPU).
#include <seqnet/cuda.hpp>
#include <seqnet/data/simulate.hpp>
#include <seqnet/data/split.hpp>
#include <seqnet/seqnet.hpp>
#include <seqnet/train/trainer.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace seqnet;

// Convolutions feeding a batch norm carry no bias (the norm's shift replaces it).
using small_basset = sequential<input<100>, conv1d<32, 11, same, 1, 1, false>, batchnorm, relu, maxpool<4>,
                                conv1d<32, 5, valid, 1, 1, false>, batchnorm, relu, maxpool<4>, flatten,
                                dense<32, false>, batchnorm, relu, dropout<0.3>, dense<3>>;

template <class Dev>
int run(context<Dev>& gpu, index_t sequences, index_t epochs) {
    // Data: every sequence may carry ctcf, gata and ebox sites; task t says whether motif t is there.
    simulation_options so;
    so.sequences = sequences;
    so.length = 100;
    so.sharpness = 1.0;  // sites are the motifs' consensus: a problem a few epochs learn
    const simulated sim = simulate(so);
    const dataset_split parts = split_by_fraction(sim.data, 0.15, 0.15, 7);

    // The model is built (and seeded) on the CPU, then copied to the device: one call.
    small_basset cpu_model;
    cpu_model.initialize(11);
    auto model = to_device<Dev>(cpu_model);
    std::printf("model on %s: %lld parameters\n", Dev::name, static_cast<long long>(model.parameter_count()));

    // Training runs on the device: forward, backward and Adam there; the loss from the outputs.
    train_options o{.epochs = epochs, .batch = 32, .lr = 3e-3, .patience = 0};
    o.progress = progress_mode::never;
    const auto report = train(model, gpu, parts.training, &parts.validation, o);
    for (const auto& e : report.epochs)
        std::printf("epoch %lld: train loss %.4f, validation loss %.4f, AUROC %.3f\n", static_cast<long long>(e.epoch),
                    e.train_loss, e.valid_loss, e.valid_auroc);

    // Test-set evaluation with predictions computed on the device.
    const auto probabilities = predict_dataset(model, gpu, parts.test);
    const auto ev = evaluate(probabilities, parts.test.labels(), parts.test.tasks());
    std::printf("test macro AUROC %.3f, AUPRC %.3f\n", ev.macro_auroc, ev.macro_auprc);

    // Explanations on the device: saliency of task 0 (ctcf) for the first test sequences.
    const index_t shown = std::min<index_t>(4, parts.test.size());
    xt::xtensor<float, 3> x = xt::xtensor<float, 3>::from_shape({std::size_t(shown), std::size_t(4), std::size_t(100)});
    std::copy(parts.test.input(0), parts.test.input(0) + x.size(), x.begin());
    const auto g = saliency(model, gpu, x, target{.tasks = {0}}, {.correct_one_hot = true});
    float strongest = 0;
    for (float v : g) strongest = std::max(strongest, std::abs(v));
    std::printf("saliency of %lld sequences for task 0: largest |gradient| %.4f\n", static_cast<long long>(shown), strongest);
    // DeepLIFT against dinucleotide shuffles (its contributions add up to f(x) - f(reference)), and
    // saturation mutagenesis of the first sequence, both on the device.
    deeplift_options dl;
    dl.reference.kind = reference_kind::shuffle;
    dl.reference.count = 4;
    const auto contributions = deeplift(model, gpu, x, target{.tasks = {0}}, dl);
    std::printf("DeepLIFT of %lld sequences for task 0: summation-to-delta error %.2g\n", static_cast<long long>(shown),
                contributions.worst_relative_delta());
    xt::xtensor<float, 3> first = xt::xtensor<float, 3>::from_shape({1, 4, 100});
    std::copy(x.begin(), x.begin() + first.size(), first.begin());
    const auto changes = ism(model, gpu, first, target{.tasks = {0}}, {.batch = 300});  // fast ISM, one pass
    const auto [lowest, highest] = std::minmax_element(changes.begin(), changes.end());
    std::printf("ISM of sequence 1 (300 substitutions): changes from %.3f to %.3f\n", *lowest, *highest);
    const auto naive = ism(model, gpu, first, target{.tasks = {0}}, {.batch = 300}, ism_method::naive);
    double ism_gap = 0;  // fast ISM recomputes only what each substitution changes: the same numbers
    for (std::size_t i = 0; i < naive.size(); ++i) ism_gap = std::max(ism_gap, std::abs(double(naive[i]) - double(changes[i])));
    std::printf("fast and naive ISM differ by at most %.2g\n", ism_gap);

    // Back to the CPU: the copy predicts what the device predicted.
    copy_weights(model, cpu_model);
    context<cpu> ctx;
    const auto on_cpu = predict_dataset(cpu_model, ctx, parts.test);
    double worst = 0;
    for (std::size_t i = 0; i < on_cpu.size(); ++i)
        worst = std::max(worst, std::abs(double(on_cpu[i]) - double(probabilities[i])));
    std::printf("weights copied back: CPU and %s predictions differ by at most %.2g\n", Dev::name, worst);
    const bool ok = ev.macro_auroc > 0.8 && worst < 1e-4 && contributions.worst_relative_delta() < 1e-3 && ism_gap < 1e-4;
    std::printf("%s\n", ok ? "train_on_gpu: OK" : "train_on_gpu: FAILED");
    return ok ? 0 : 1;
}

int main(int argc, char** argv) {
    index_t sequences = 20000, epochs = 10;
    bool emulated = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--emulated") emulated = true;
        else if (a == "--sequences" && i + 1 < argc) sequences = std::atoll(argv[++i]);
        else if (a == "--epochs" && i + 1 < argc) epochs = std::atoll(argv[++i]);
        else {
            std::fprintf(stderr, "usage: train_on_gpu [--sequences N] [--epochs E] [--emulated]\n");
            return 2;
        }
    }
    try {
        if (cuda_device_count() > 0) {
            context<cuda> gpu;
            return run(gpu, sequences, epochs);
        }
        if (!emulated) {
            std::printf("no CUDA device (run with --emulated to use the host emulation)\n");
            return 77;
        }
        context<emulated_gpu> gpu;
        return run(gpu, sequences, epochs);
    } catch (const seqnet::error& e) {
        std::fprintf(stderr, "train_on_gpu: %s\n", e.what());
        return 1;
    }
}
