// The GPU backend's test cases, written once for any gpu_device: each runs the same work on a CPU model
// and on its copy on the device and records the relative difference (max |gpu - cpu| / max |cpu|).
// tests/unit/gpu/ runs them on emulated_gpu under Catch2 (CI); tests/cuda/ runs them on cuda (a GPU
// machine; skipped without one). No test framework here, so nvcc never sees Catch2.
#pragma once

#include <seqnet/gpu.hpp>
#include <seqnet/seqnet.hpp>
#include <seqnet/train/trainer.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace seqnet::gpu_test {

struct outcome {
    std::string name;
    double relative_error;
    double tolerance;
    bool ok() const { return relative_error <= tolerance; }
};

struct report {
    std::vector<outcome> outcomes;
    void add(std::string name, double err, double tol = 1e-4) { outcomes.push_back({std::move(name), err, tol}); }
};

inline double relative_difference(const std::vector<float>& got, const std::vector<float>& want) {
    if (got.size() != want.size()) return INFINITY;
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double d = std::abs(double(got[i]) - double(want[i]));
        diff = std::isnan(d) ? INFINITY : std::max(diff, d);
        scale = std::max(scale, std::abs(double(want[i])));
    }
    return scale > 0 ? diff / scale : diff;
}

template <class Dev, class T>
std::vector<T> to_host(const T* p, index_t n) {
    std::vector<T> v(static_cast<std::size_t>(n));
    device_memory<Dev>::download(v.data(), p, n);
    return v;
}

template <class T>
std::vector<T> from_view(const_batch_view<T> v) { return {v.data, v.data + v.size()}; }

inline std::vector<float> random_values(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
    random_engine rng(seed);
    std::vector<float> v(n);
    for (auto& x : v) x = float(rng.uniform(lo, hi));
    return v;
}

/// Random one-hot sequences, N x 4 x L.
inline std::vector<float> random_one_hot(index_t batch, index_t length, std::uint64_t seed) {
    random_engine rng(seed);
    std::vector<float> v(static_cast<std::size_t>(batch * 4 * length), 0.0f);
    for (index_t n = 0; n < batch; ++n)
        for (index_t l = 0; l < length; ++l) v[static_cast<std::size_t>((n * 4 + rng.next() % 4) * length + l)] = 1.0f;
    return v;
}

/// Forward (inference and training), backward (parameter and input gradients) and predict of `cpu_model`
/// and of its copy on Dev, on the same random input and output gradient; then the copy's weights and
/// running statistics brought back.
template <class Dev, class Model>
void compare_models(context<Dev>& gctx, report& r, const std::string& name, Model& cpu_model, std::uint64_t model_seed,
                    index_t batch, std::uint64_t seed, bool one_hot) {
    using T = typename Model::scalar_type;
    using memory = device_memory<Dev>;
    context<cpu> ctx;
    cpu_model.initialize(model_seed);
    auto gpu_model = to_device<Dev>(cpu_model);
    gpu_model.initialize(model_seed);  // the dropout layers' seeds: the same masks
    copy_weights(cpu_model, gpu_model);
    const shape in = cpu_model.input_shape(), out = cpu_model.output_shape();
    const std::vector<T> x = one_hot ? random_one_hot(batch, in.length, seed)
                                     : random_values(static_cast<std::size_t>(batch * in.size()), seed);
    const std::vector<T> dy = random_values(static_cast<std::size_t>(batch * out.size()), seed + 1);
    typename memory::template buffer<T> gx(x.size()), gdy(dy.size());
    memory::upload(gx.data(), x.data(), static_cast<index_t>(x.size()));
    memory::upload(gdy.data(), dy.data(), static_cast<index_t>(dy.size()));
    const const_batch_view<T> cx{x.data(), batch, in}, cdy{dy.data(), batch, out};
    const const_batch_view<T, Dev> dx_view{gx.data(), batch, in}, ddy{gdy.data(), batch, out};

    for (phase ph : {phase::inference, phase::training}) {
        const std::string pass = ph == phase::training ? " training" : " inference";
        const auto want = from_view(cpu_model.forward(ctx, cx, ph));
        const auto got_view = gpu_model.forward(gctx, dx_view, ph);
        r.add(name + pass + " forward", relative_difference(to_host<Dev>(got_view.data, got_view.size()), want));

        cpu_model.zero_grad();
        gpu_model.zero_grad();
        cpu_model.backward(ctx, cdy, grad_mode::parameters);
        gpu_model.backward(gctx, ddy, grad_mode::parameters);
        const auto cg = cpu_model.gradients();
        const auto gg = gpu_model.gradients();
        r.add(name + pass + " parameter gradients",
              relative_difference(to_host<Dev>(gg.data(), static_cast<index_t>(gg.size())), {cg.begin(), cg.end()}));

        const auto want_dx = from_view(cpu_model.backward(ctx, cdy, grad_mode::input_only));
        const auto got_dx = gpu_model.backward(gctx, ddy, grad_mode::input_only);
        r.add(name + pass + " input gradient", relative_difference(to_host<Dev>(got_dx.data, got_dx.size()), want_dx));
    }
    const auto want_p = from_view(cpu_model.predict(ctx, cx));
    const auto got_p = gpu_model.predict(gctx, dx_view);
    r.add(name + " predict", relative_difference(to_host<Dev>(got_p.data, got_p.size()), want_p));

    // The running statistics moved the same way, and come back.
    Model back = cpu_model;
    back.initialize(99);
    copy_weights(gpu_model, back);
    std::vector<float> bw, cw;
    back.visit_buffers([&](const std::string&, param_view<T> v) { bw.insert(bw.end(), v.data, v.data + v.size()); });
    cpu_model.visit_buffers([&](const std::string&, param_view<T> v) { cw.insert(cw.end(), v.data, v.data + v.size()); });
    const auto bp = back.parameters(), cp = cpu_model.parameters();
    r.add(name + " weights copied back", relative_difference({bp.begin(), bp.end()}, {cp.begin(), cp.end()}), 0.0);
    r.add(name + " buffers copied back", relative_difference(bw, cw));
}

template <class Dev, class Model>
void compare_passes(context<Dev>& gctx, report& r, const std::string& name, std::uint64_t model_seed, index_t batch,
                    std::uint64_t seed, bool one_hot = false) {
    Model cpu_model;
    compare_models(gctx, r, name, cpu_model, model_seed, batch, seed, one_hot);
}

// Each layer in a small model of its own, and whole models of each family.
using conv_valid = basic_sequential<float, cpu, input<40>, conv1d<6, 5>>;
using conv_same_strided = basic_sequential<float, cpu, input<41>, conv1d<5, 4, same, 2, 1, false>>;
using conv_dilated_padded = basic_sequential<float, cpu, input<30, 3>, conv1d<7, 3, pad(2, 1), 1, 3>>;
using dense_only = basic_sequential<float, cpu, input<1, 12>, dense<5>>;
using pooling = basic_sequential<float, cpu, input<23, 3>, maxpool<3, 2>, maxpool<2>>;
using global_pool = basic_sequential<float, cpu, input<17, 5>, global_maxpool>;
using normalised = basic_sequential<float, cpu, input<11, 6>, batchnorm>;
using activations = basic_sequential<float, cpu, input<9, 5>, relu, sigmoid, softmax>;
using dropped = basic_sequential<float, cpu, input<9, 5>, dropout<0.4>, flatten, dense<3>>;
using rc_both = basic_sequential<float, cpu, input<30>, rc_conv1d<3, 5>, rc_conv1d<2, 3, strands::both, same>>;
using rc_max = basic_sequential<float, cpu, input<30>, rc_conv1d<4, 6, strands::max, same, 1, 2>>;
using rc_sum = basic_sequential<float, cpu, input<31>, rc_conv1d<3, 4, strands::sum, valid, 2, 1, false>>;
using separable = basic_sequential<float, cpu, input<13, 3>, separable_dense<4>>;
using separable_mirrored = basic_sequential<float, cpu, input<13, 3>, separable_dense<4, true>>;
using motif_filters = basic_sequential<float, cpu, input<25>, motif_conv1d<5, 6, same, 1, true, 0.05>>;
using recurrent = basic_sequential<float, cpu, input<9, 3>, bilstm<4>>;
using basset_like = basic_sequential<float, cpu, input<64>, conv1d<10, 7, same>, batchnorm, relu, maxpool<3, 1>,
                                     conv1d<8, 5>, batchnorm, relu, maxpool<4>, flatten, dense<12>, batchnorm, relu,
                                     dropout<0.3>, dense<3>, sigmoid>;
using danq_like = basic_sequential<float, cpu, input<60>, conv1d<8, 7>, relu, maxpool<4, 4>, dropout<0.2>,
                                   bilstm<5>, dropout<0.5>, flatten, dense<10>, relu, dense<3>, sigmoid>;
using rc_separable = basic_sequential<float, cpu, input<40>, rc_conv1d<6, 7>, relu, maxpool<2>,
                                      rc_conv1d<4, 3, strands::sum>, relu, separable_dense<3, true>>;
using rc_max_pooled = basic_sequential<float, cpu, input<40>, rc_conv1d<6, 7, strands::max>, relu, maxpool<4, 3>,
                                       conv1d<4, 3>, relu, global_maxpool, dense<2>>;
using deepbind_like = basic_sequential<float, cpu, input<50>, conv1d<8, 9>, relu, global_maxpool, dense<6>, relu,
                                       dense<2>>;

template <class Dev>
void layer_cases(context<Dev>& gctx, report& r) {
    compare_passes<Dev, conv_valid>(gctx, r, "conv1d valid", 1, 3, 10, true);
    compare_passes<Dev, conv_same_strided>(gctx, r, "conv1d same stride 2 no bias", 2, 2, 11, true);
    compare_passes<Dev, conv_dilated_padded>(gctx, r, "conv1d dilated padded", 3, 3, 12);
    compare_passes<Dev, dense_only>(gctx, r, "dense", 4, 5, 13);
    compare_passes<Dev, pooling>(gctx, r, "maxpool", 5, 2, 14);
    compare_passes<Dev, global_pool>(gctx, r, "global_maxpool", 6, 3, 15);
    compare_passes<Dev, normalised>(gctx, r, "batchnorm", 7, 4, 16);
    compare_passes<Dev, activations>(gctx, r, "relu sigmoid softmax", 8, 2, 17);
    compare_passes<Dev, dropped>(gctx, r, "dropout", 9, 4, 18);
    compare_passes<Dev, rc_both>(gctx, r, "rc_conv1d both strands", 10, 3, 19, true);
    compare_passes<Dev, rc_max>(gctx, r, "rc_conv1d max", 11, 3, 20, true);
    compare_passes<Dev, rc_sum>(gctx, r, "rc_conv1d sum no bias", 12, 2, 21, true);
    compare_passes<Dev, separable>(gctx, r, "separable_dense", 13, 3, 22);
    compare_passes<Dev, separable_mirrored>(gctx, r, "separable_dense symmetric", 14, 3, 23);
    compare_passes<Dev, motif_filters>(gctx, r, "motif_conv1d with penalty", 15, 3, 24, true);
    compare_passes<Dev, recurrent>(gctx, r, "bilstm", 16, 3, 25);
}

/// A labelled set of random sequences: task t is "contains the t-th k-mer"; some labels missing.
inline dataset labelled_set(index_t n, std::uint64_t seed) {
    const char* kmers[3] = {"GATA", "CACGTG", "CCAAT"};
    dataset d(64, {"gata", "ebox", "ccaat"});
    random_engine rng(seed);
    for (index_t i = 0; i < n; ++i) {
        std::string s(64, 'A');
        for (auto& c : s) c = "ACGT"[rng.next() % 4];
        for (int t = 0; t < 3; ++t)
            if (rng.next() % 2) s.replace(2 + rng.next() % 50, std::string(kmers[t]).size(), kmers[t]);
        float labels[3];
        for (int t = 0; t < 3; ++t) labels[t] = s.find(kmers[t]) != std::string::npos ? 1.0f : 0.0f;
        if (i % 11 == 0) labels[1] = missing_label;
        d.add("s" + std::to_string(i), s, labels);
    }
    return d;
}

/// Trains `cpu_model` on the CPU and its copy on the device with the same options: the same batches,
/// dropout masks, losses and optimiser steps give the same validation losses and weights.
template <class Dev, class Model>
void compare_training(context<Dev>& gctx, report& r, const std::string& name, Model& cpu_model, train_options o) {
    const dataset train_set = labelled_set(96, 5), valid_set = labelled_set(40, 6);
    o.progress = progress_mode::never;
    context<cpu> ctx;
    cpu_model.initialize(41);
    auto gpu_model = to_device<Dev>(cpu_model);
    gpu_model.initialize(41);
    copy_weights(cpu_model, gpu_model);
    const auto want = train(cpu_model, ctx, train_set, &valid_set, o);
    const auto got = train(gpu_model, gctx, train_set, &valid_set, o);
    std::vector<float> want_loss, got_loss;
    for (const auto& e : want.epochs) want_loss.push_back(float(e.valid_loss));
    for (const auto& e : got.epochs) got_loss.push_back(float(e.valid_loss));
    r.add(name + ": validation losses", relative_difference(got_loss, want_loss));
    const auto cp = cpu_model.parameters();
    const auto gp = gpu_model.parameters();
    r.add(name + ": trained weights",
          relative_difference(to_host<Dev>(gp.data(), static_cast<index_t>(gp.size())), {cp.begin(), cp.end()}));
}

/// The trainer on the device against the trainer on the CPU.
/// The trainer's losses on the device (train/gpu/losses.hpp) against train/losses.hpp's on the host: each
/// kind, with and without missing labels, BCE with and without positive weights.
template <class Dev>
void loss_cases(context<Dev>& gctx, report& r) {
    const index_t rows = 7, row = 5, n = rows * row;
    const std::vector<float> z = random_values(static_cast<std::size_t>(n), 300, -6, 6);
    typename device_memory<Dev>::template buffer<float> dz(z.size());
    device_memory<Dev>::upload(dz.data(), z.data(), n);
    const std::vector<float> pos_weight{0.5f, 1.0f, 2.0f, 3.0f, 1.5f};
    const char* names[] = {"binary cross-entropy", "mean squared error", "softmax cross-entropy"};
    for (auto kind : {loss_kind::binary_cross_entropy, loss_kind::mean_squared_error, loss_kind::softmax_cross_entropy}) {
        std::vector<float> y = random_values(static_cast<std::size_t>(n), 301, 0, 1);
        if (kind == loss_kind::softmax_cross_entropy)  // each row a distribution over the classes
            for (index_t i = 0; i < rows; ++i) {
                float sum = 0;
                for (index_t c = 0; c < row; ++c) sum += y[static_cast<std::size_t>(i * row + c)];
                for (index_t c = 0; c < row; ++c) y[static_cast<std::size_t>(i * row + c)] /= sum;
            }
        for (bool missing : {false, true}) {
            if (missing) y[3] = y[17] = y[18] = std::nanf("");
            for (bool weighted : {false, true}) {
                if (weighted && kind != loss_kind::binary_cross_entropy) continue;
                const std::span<const float> w = weighted ? std::span<const float>(pos_weight) : std::span<const float>{};
                std::vector<float> g(z.size()), scratch;
                const double want = loss<float>(kind, z, y, g, static_cast<std::size_t>(row), scratch, w);
                device_loss<float, Dev> device;
                const double got = device(gctx, kind, dz.data(), y.data(), n, row, w);
                const std::string name = std::string("loss ") + names[int(kind)] + (missing ? ", missing labels" : "") +
                                         (weighted ? ", positive weights" : "");
                r.add(name + " value", std::abs(got - want) / std::abs(want));
                r.add(name + " gradient", relative_difference(to_host<Dev>(device.gradient(), n), g));
            }
        }
    }
}

template <class Dev>
void training_cases(context<Dev>& gctx, report& r) {
    loss_cases(gctx, r);
    // No bias before a batch norm: its true gradient is 0, and Adam turns float noise there into full
    // steps of either sign, which no two summation orders share.
    using logits_model = basic_sequential<float, cpu, input<64>, conv1d<10, 7, same, 1, 1, false>, batchnorm, relu,
                                          maxpool<3, 1>, conv1d<8, 5, valid, 1, 1, false>, batchnorm, relu, maxpool<4>,
                                          flatten, dense<12, false>, batchnorm, relu, dropout<0.3>, dense<3>>;
    // A recurrent model of run-time layers, with RC sharing and a motif first layer.
    model_spec recurrent{.input_length = 64, .tasks = {"gata", "ebox", "ccaat"}, .layers = {}};
    recurrent.layers = {{motif_conv1d_options{.filters = 6, .kernel = 6, .ic_penalty = 0.01}}, {relu_options{}},
                        {rc_conv1d_options{.filters = 4, .kernel = 5, .combine = strands::max}}, {relu_options{}},
                        {maxpool_options{4, 4}}, {dropout_options{0.2}}, {bilstm_options{3}}, {flatten_options{}},
                        {dense_options{dyn}}};
    train_options adam_run{.epochs = 2, .batch = 16, .lr = 1e-3, .clip_norm = 1.0, .l2 = 1e-4, .patience = 0,
                           .reverse_complement = true};
    train_options frozen_run = adam_run;
    frozen_run.frozen = {"0.weight[2,4]"};
    train_options sgd_run{.epochs = 2, .batch = 16, .optimizer = optimizer_kind::sgd, .lr = 0.05, .momentum = 0.9,
                          .l1 = 1e-4, .patience = 0};
    logits_model a, b;
    compare_training(gctx, r, "training (adam, l2, clipping, frozen rows)", a, frozen_run);
    compare_training(gctx, r, "training (sgd, momentum, l1)", b, sgd_run);
    spec_model c(recurrent);
    compare_training(gctx, r, "training a spec model (motif, rc max, bilstm; adam)", c, adam_run);
}

inline std::vector<float> values_of(const xt::xtensor<float, 3>& a) { return {a.data(), a.data() + a.size()}; }

/// Fast and naive ISM of a model on the device against naive ISM on its CPU twin.
template <class Dev, class CpuModel, class GpuModel>
void compare_ism(context<Dev>& gctx, report& r, const std::string& name, CpuModel& cpu_model, GpuModel& gpu_model,
                 const xt::xtensor<float, 3>& x, const ism_options& im = {.batch = 50}) {
    context<cpu> ctx;
    const auto want = values_of(naive_ism(cpu_model, ctx, x, {}, im));
    r.add(name + " fast ism", relative_difference(values_of(fast_ism(gpu_model, gctx, x, {}, im)), want));
    r.add(name + " naive ism", relative_difference(values_of(naive_ism(gpu_model, gctx, x, {}, im)), want));
}

/// Saliency, gradient x input and integrated gradients of a model on the device against the same
/// methods on its CPU twin.
template <class Dev, class Model>
void compare_attributions(context<Dev>& gctx, report& r, const std::string& name, std::uint64_t model_seed) {
    context<cpu> ctx;
    Model cpu_model;
    cpu_model.initialize(model_seed);
    auto gpu_model = to_device<Dev>(cpu_model);
    const index_t N = 5, L = cpu_model.input_shape().length;
    const auto v = random_one_hot(N, L, model_seed + 7);
    xt::xtensor<float, 3> x = xt::xtensor<float, 3>::from_shape({std::size_t(N), std::size_t(4), std::size_t(L)});
    std::copy(v.begin(), v.end(), x.begin());
    const saliency_options so{.correct_one_hot = true, .batch = 2};
    r.add(name + " saliency", relative_difference(values_of(saliency(gpu_model, gctx, x, {}, so)),
                                                  values_of(saliency(cpu_model, ctx, x, {}, so))));
    r.add(name + " gradient x input", relative_difference(values_of(gradient_x_input(gpu_model, gctx, x, {}, so)),
                                                          values_of(gradient_x_input(cpu_model, ctx, x, {}, so))));
    integrated_gradients_options io;
    io.baseline.kind = reference_kind::shuffle;
    io.baseline.count = 2;
    io.steps = 12;
    io.batch = 7;
    const auto want = integrated_gradients(cpu_model, ctx, x, {}, io);
    const auto got = integrated_gradients(gpu_model, gctx, x, {}, io);
    r.add(name + " integrated gradients", relative_difference(values_of(got.scores), values_of(want.scores)));
    deeplift_options dl;
    dl.reference.kind = reference_kind::shuffle;
    dl.reference.count = 3;
    dl.batch = 4;
    const auto want_dl = deeplift(cpu_model, ctx, x, {}, dl);
    const auto got_dl = deeplift(gpu_model, gctx, x, {}, dl);
    r.add(name + " deeplift scores", relative_difference(values_of(got_dl.scores), values_of(want_dl.scores)));
    r.add(name + " deeplift hypothetical",
          relative_difference(values_of(got_dl.hypothetical), values_of(want_dl.hypothetical)));
    compare_ism(gctx, r, name, cpu_model, gpu_model, x);
}

template <class Dev>
void attribution_cases(context<Dev>& gctx, report& r) {
    compare_attributions<Dev, basset_like>(gctx, r, "basset-like", 51);
    compare_attributions<Dev, deepbind_like>(gctx, r, "deepbind-like", 52);
    compare_attributions<Dev, rc_max_pooled>(gctx, r, "rc max, pooled", 53);
}

/// Run-time models (spec_model) holding every layer kind.
inline std::vector<model_spec> spec_cases() {
    model_spec recurrent{.input_length = 48, .tasks = {"a", "b"}, .layers = {}};
    recurrent.layers = {{conv1d_options{6, 5, same}}, {batchnorm_options{}}, {relu_options{}}, {maxpool_options{3, 3}},
                        {dropout_options{0.2}}, {bilstm_options{4}}, {flatten_options{}}, {dense_options{dyn}},
                        {sigmoid_options{}}};
    model_spec interpretable{.input_length = 36, .tasks = {"x", "y", "z"}, .layers = {}};
    interpretable.layers = {{motif_conv1d_options{.filters = 4, .kernel = 5, .ic_penalty = 0.01}},
                            {rc_conv1d_options{.filters = 3, .kernel = 3, .combine = strands::max}},
                            {relu_options{}},
                            {global_maxpool_options{}},
                            {dense_options{dyn}},
                            {softmax_options{}}};
    model_spec separable{.input_length = 30, .tasks = {"t"}, .layers = {}};
    separable.layers = {{rc_conv1d_options{.filters = 4, .kernel = 5}}, {relu_options{}},
                        {separable_dense_options{.units = 1, .symmetric = true}}};
    return {recurrent, interpretable, separable};
}

template <class Dev>
void model_cases(context<Dev>& gctx, report& r) {
    int i = 0;
    for (const auto& spec : spec_cases()) {
        spec_model cpu_model(spec);
        compare_models(gctx, r, "spec model " + std::to_string(i), cpu_model, 60 + i, 3, 70 + i, true);
        ++i;
    }
    compare_passes<Dev, basset_like>(gctx, r, "basset-like", 21, 6, 30, true);
    compare_passes<Dev, deepbind_like>(gctx, r, "deepbind-like", 22, 5, 31, true);
    compare_passes<Dev, danq_like>(gctx, r, "danq-like", 23, 4, 32, true);
    compare_passes<Dev, rc_separable>(gctx, r, "rc conv + separable dense", 24, 4, 33, true);
}

/// Fast ISM through every change rule: both RC combinations, dilation, sigmoid, dropout, a flatten into
/// a dense layer; and plans that stop at a BiLSTM, a global pool and a separable dense layer.
template <class Dev>
void ism_cases(context<Dev>& gctx, report& r) {
    model_spec rules{.input_length = 40, .tasks = {"a", "b"}, .layers = {}};
    rules.layers = {{rc_conv1d_options{.filters = 3, .kernel = 5, .combine = strands::sum}},
                    {relu_options{}},
                    {maxpool_options{2, 2}},
                    {conv1d_options{.filters = 4, .kernel = 3, .dilation = 2}},
                    {sigmoid_options{}},
                    {dropout_options{0.3}},
                    {flatten_options{}},
                    {dense_options{dyn}}};
    std::vector<model_spec> specs = spec_cases();
    specs.insert(specs.begin(), rules);
    for (std::size_t i = 0; i < specs.size(); ++i) {
        spec_model cpu_model(specs[i]);
        cpu_model.initialize(80 + i);
        auto gpu_model = to_device<Dev>(cpu_model);
        const index_t N = 2, L = cpu_model.input_shape().length;
        const auto v = random_one_hot(N, L, 90 + i);
        xt::xtensor<float, 3> x = xt::xtensor<float, 3>::from_shape({std::size_t(N), std::size_t(4), std::size_t(L)});
        std::copy(v.begin(), v.end(), x.begin());
        for (std::size_t c = 0; c < 4; ++c) x(1, c, 3) = 0.25f;  // an N: all four substitutions
        compare_ism(gctx, r, "spec model " + std::to_string(i), cpu_model, gpu_model, x);
        if (i == 0)
            compare_ism(gctx, r, "spec model 0 mean-centred, 7 per pass", cpu_model, gpu_model, x,
                        {.mean_centre = true, .batch = 7});
    }
}

}  // namespace seqnet::gpu_test
