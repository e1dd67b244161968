// seqnet_bench: times seqnet on the benchmark cases and prints one JSON object per line.
//
//   seqnet_bench peak --threads N                      FP32 peak of this machine (FMA loop)
//   seqnet_bench run --model deepbind|basset|deepbind-spec|basset-spec --case forward|train --batch B --threads N
//                    [--reps R] [--input FILE]         median seconds per call, sequences/s, GFLOP/s
//
// forward = predict() (inference, fused epilogues). train = one step: forward in training mode, BCE
// with logits against fixed labels, backward, Adam. --input reads B x 4 x L float32 one-hot values
// written by benchmarks/run.py, so PyTorch and seqnet see the same sequences.
#include "models.hpp"

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace seqnet;
using clock_type = std::chrono::steady_clock;

namespace {

struct args_t {
    std::string command, model = "basset", kase = "forward", input;
    index_t batch = 64;
    int threads = 1, reps = 0;
};

args_t parse(int argc, char** argv) {
    args_t a;
    if (argc < 2) throw argument_error("usage: seqnet_bench peak|run [options]");
    a.command = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string k = argv[i];
        if (i + 1 >= argc) throw argument_error("missing value after " + k);
        std::string v = argv[++i];
        if (k == "--model") a.model = v;
        else if (k == "--case") a.kase = v;
        else if (k == "--batch") a.batch = std::stol(v);
        else if (k == "--threads") a.threads = std::stoi(v);
        else if (k == "--reps") a.reps = std::stoi(v);
        else if (k == "--input") a.input = v;
        else throw argument_error("unknown option " + k);
    }
    return a;
}

// Many independent accumulators so that FMA latency is hidden: the throughput bound of the core.
double fma_peak_one_thread(double seconds) {
    using batch = xsimd::batch<float>;
    constexpr int acc_count = 16;
    batch acc[acc_count];
    for (int i = 0; i < acc_count; ++i) acc[i] = batch(0.001f * i);
    const batch a(0.99999f), b(1e-6f);
    long iters = 0;
    const auto t0 = clock_type::now();
    double elapsed = 0;
    do {
        for (int r = 0; r < 4096; ++r)
#pragma GCC unroll 16
            for (int i = 0; i < acc_count; ++i) acc[i] = xsimd::fma(acc[i], a, b);
        iters += 4096;
        elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
    } while (elapsed < seconds);
    float sink = 0;
    for (int i = 0; i < acc_count; ++i) sink += xsimd::hadd(acc[i]);
    if (sink == 12345.0f) std::puts("");  // keep the loop alive
    return 2.0 * batch::size * acc_count * double(iters) / elapsed / 1e9;
}

void peak(int threads) {
    std::vector<double> per(threads);
    context<cpu> ctx(threads);
    ctx.pool().parallel_for(threads, [&](index_t b, index_t e, int) {
        for (index_t t = b; t < e; ++t) per[t] = fma_peak_one_thread(1.0);
    });
    double total = 0;
    for (double p : per) total += p;
    std::printf("{\"peak_gflops\": %.1f, \"threads\": %d, \"simd\": \"%s\", \"lanes\": %zu}\n", total, threads,
                xsimd::default_arch::name(), xsimd::batch<float>::size);
}

std::vector<float> make_input(const args_t& a, shape s) {
    std::vector<float> x(static_cast<std::size_t>(a.batch * s.size()));
    if (!a.input.empty()) {
        std::ifstream in(a.input, std::ios::binary | std::ios::ate);
        if (!in) throw error("cannot open " + a.input);
        const auto bytes = static_cast<std::size_t>(in.tellg());
        if (bytes != x.size() * sizeof(float))
            throw error(a.input + ": " + std::to_string(bytes) + " bytes, expected " + std::to_string(x.size()) +
                        " float32 values (batch " + std::to_string(a.batch) + " x " + to_string(s) + ")");
        in.seekg(0);
        in.read(reinterpret_cast<char*>(x.data()), std::streamsize(bytes));
        return x;
    }
    random_engine rng(17);
    for (index_t n = 0; n < a.batch; ++n)
        for (index_t l = 0; l < s.length; ++l) x[(n * 4 + rng.next() % 4) * s.length + l] = 1.0f;
    return x;
}

template <class MakeModel>
void run(const args_t& a, MakeModel make_model) {
    auto model = make_model();
    model.initialize(1);
    context<cpu> ctx(a.threads);
    const auto xs = make_input(a, model.input_shape());
    const_batch_view<float> x{xs.data(), a.batch, model.input_shape()};
    const index_t outputs = a.batch * model.output_shape().size();
    std::vector<float> labels(outputs), grad(outputs);
    for (index_t i = 0; i < outputs; ++i) labels[i] = float((i * 7919) % 3 == 0);
    adam<float> opt({.lr = 1e-3});

    auto once = [&] {
        if (a.kase == "forward") {
            model.predict(ctx, x);
            return;
        }
        auto y = model.forward(ctx, x, phase::training);
        binary_cross_entropy_with_logits<float>({y.data, std::size_t(y.size())}, labels, grad);
        model.zero_grad();
        model.backward(ctx, const_batch_view<float>{grad.data(), a.batch, model.output_shape()}, grad_mode::parameters);
        opt.step(ctx, model.parameters(), model.gradients());
    };
    if (a.kase != "forward" && a.kase != "train") throw argument_error("unknown case " + a.kase);
    // Warm up for at least 0.2 s (buffers reach their steady size, caches and threads settle), then time
    // groups of calls lasting about 1 ms each for about 2 s and take the median group.
    const auto w0 = clock_type::now();
    int warm_calls = 0;
    auto since = [](clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); };
    while (warm_calls < 3 || since(w0) < 0.2) {
        once();
        ++warm_calls;
    }
    const auto w1 = clock_type::now();
    for (int i = 0; i < 3; ++i) once();
    const double per_call = since(w1) / 3;
    const int group = std::max(1, int(1e-3 / std::max(per_call, 1e-9)));
    const int samples = a.reps > 0 ? a.reps : std::clamp(int(2.0 / (per_call * group)), 5, 2000);
    std::vector<double> times;
    for (int r = 0; r < samples; ++r) {
        const auto t0 = clock_type::now();
        for (int g = 0; g < group; ++g) once();
        times.push_back(since(t0) / group);
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    const double flops = double(model.flops()) * a.batch * (a.kase == "train" ? 3.0 : 1.0);
    std::printf("{\"library\": \"seqnet\", \"model\": \"%s\", \"case\": \"%s\", \"batch\": %lld, \"threads\": %d, "
                "\"median_s\": %.6e, \"seq_per_s\": %.1f, \"gflops\": %.2f, \"samples\": %zu, \"calls_per_sample\": %d}\n",
                a.model.c_str(), a.kase.c_str(), static_cast<long long>(a.batch), a.threads, median,
                a.batch / median, flops / median / 1e9, times.size(), group);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const args_t a = parse(argc, argv);
        if (a.command == "peak") peak(a.threads);
        else if (a.command == "run") {
            // name-spec: the same model built at run time from its spec (spec_model), to show what the
            // run-time layer list costs.
            auto from_spec = [](auto typed) { return [typed]() mutable { return spec_model(model_spec_of(typed)); }; };
            if (a.model == "deepbind") run(a, [] { return bench::deepbind{}; });
            else if (a.model == "basset") run(a, [] { return bench::basset{}; });
            else if (a.model == "deepbind-spec") run(a, from_spec(bench::deepbind{}));
            else if (a.model == "basset-spec") run(a, from_spec(bench::basset{}));
            else throw argument_error("unknown model " + a.model);
        } else throw argument_error("unknown command " + a.command);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "seqnet_bench: %s\n", e.what());
        return 1;
    }
}
