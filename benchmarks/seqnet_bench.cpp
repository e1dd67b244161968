// seqnet_bench: times seqnet on the benchmark cases and prints one JSON object per line.
//
//   seqnet_bench peak --threads N                      FP32 peak of this machine (FMA loop)
//   seqnet_bench run --model deepbind|basset|deepbind-spec|basset-spec --case forward|train --batch B --threads N
//                    [--reps R] [--input FILE]         median seconds per call, sequences/s, GFLOP/s
//   seqnet_bench run --model basset|deepbind --case ism-fast|ism-naive|deeplift|ig --batch B --threads N
//                    [--reps R] [--input FILE] [--ism-batch M] [--weights FILE] [--dump FILE]
//
// forward = predict() (inference, fused epilogues). train = one step: forward in training mode, BCE
// with logits against fixed labels, backward, Adam. --input reads B x 4 x L float32 one-hot values
// written by benchmarks/run.py, so PyTorch and seqnet see the same sequences.
//
// Interpretation cases (inference mode, target = logit of task 0; one call handles all B sequences):
//   ism-fast   fast_ism (exact; only what a substitution changes is recomputed), --ism-batch mutants per pass
//   ism-naive  naive_ism: every one of the 3L mutants through predict(), --ism-batch per pass
//   deeplift   deeplift (rescale rule, Captum's max-pool routing) against the uniform 0.25 reference
//   ig         integrated_gradients, 50 Gauss-Legendre steps, zero baseline
// They are timed like the others, but warm up for at least 0.2 s and one call and then, up to 5 calls,
// until 3 s have passed (they take up to seconds), and take at least 3 samples of one call each. No
// FLOP count is given for them ("gflops": null).
// --weights loads a PyTorch state dict (.npz or safetensors; torch_bench.py --export-weights writes
// one). --dump computes the case once, writes its N x 4 x L result (ISM differences, DeepLIFT or IG
// scores) as float32 to FILE and prints a record without timings: torch_bench.py --compare checks it.
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
    std::string command, model = "basset", kase = "forward", input, weights, dump;
    index_t batch = 64, ism_batch = 128;
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
        else if (k == "--ism-batch") a.ism_batch = std::stol(v);
        else if (k == "--weights") a.weights = v;
        else if (k == "--dump") a.dump = v;
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

struct timing {
    std::vector<double> times;  // seconds per call of each sample, sorted
    int group = 1;              // calls per sample
    double median() const { return times[times.size() / 2]; }  // the upper median, as torch_bench
};

// Warm up for at least 0.2 s and `min_warm` calls (buffers reach their steady size, caches and threads
// settle), and further, up to 5 calls, until `warm_seconds` have passed; then time groups of calls
// lasting about 1 ms each (one call if it takes longer) for about 2 s, at least `min_samples` of them,
// and take the median group. `estimate_calls` further calls give the time per call that sizes the
// groups; with 0 the last warm-up call does (for calls of seconds).
template <class Once>
timing time_calls(Once once, int reps, int min_warm, double warm_seconds, int estimate_calls, int min_samples) {
    auto since = [](clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); };
    const auto w0 = clock_type::now();
    int warm_calls = 0;
    double last = 0;
    while (warm_calls < min_warm || since(w0) < 0.2 || (warm_calls < 5 && since(w0) < warm_seconds)) {
        const auto c0 = clock_type::now();
        once();
        last = since(c0);
        ++warm_calls;
    }
    double per_call = last;
    if (estimate_calls > 0) {
        const auto w1 = clock_type::now();
        for (int i = 0; i < estimate_calls; ++i) once();
        per_call = since(w1) / estimate_calls;
    }
    timing t;
    t.group = std::max(1, int(1e-3 / std::max(per_call, 1e-9)));
    const int samples = reps > 0 ? reps : std::clamp(int(2.0 / (per_call * t.group)), min_samples, 2000);
    for (int r = 0; r < samples; ++r) {
        const auto t0 = clock_type::now();
        for (int g = 0; g < t.group; ++g) once();
        t.times.push_back(since(t0) / t.group);
    }
    std::sort(t.times.begin(), t.times.end());
    return t;
}

template <class Model>
void load_weights(Model& model, const args_t& a) {
    if (!a.weights.empty()) io::load_state_dict(model, io::read_weights(a.weights));
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
    if (!a.dump.empty() || !a.weights.empty()) throw argument_error("--dump and --weights are for the interpretation cases");
    const timing t = time_calls(once, a.reps, 3, 0.0, 3, 5);
    const double median = t.median();
    const double flops = double(model.flops()) * a.batch * (a.kase == "train" ? 3.0 : 1.0);
    std::printf("{\"library\": \"seqnet\", \"model\": \"%s\", \"case\": \"%s\", \"batch\": %lld, \"threads\": %d, "
                "\"median_s\": %.6e, \"seq_per_s\": %.1f, \"gflops\": %.2f, \"samples\": %zu, \"calls_per_sample\": %d}\n",
                a.model.c_str(), a.kase.c_str(), static_cast<long long>(a.batch), a.threads, median,
                a.batch / median, flops / median / 1e9, t.times.size(), t.group);
}

bool is_interpret_case(const std::string& c) { return c == "ism-fast" || c == "ism-naive" || c == "deeplift" || c == "ig"; }

// The interpretation cases: one call explains all `batch` sequences of the input.
template <class Model>
void run_interpret(const args_t& a) {
    Model model;
    model.initialize(1);
    load_weights(model, a);
    context<cpu> ctx(a.threads);
    const shape s = model.input_shape();
    const auto xs = make_input(a, s);
    auto x = xt::xtensor<float, 3>::from_shape({std::size_t(a.batch), std::size_t(s.channels), std::size_t(s.length)});
    std::copy(xs.begin(), xs.end(), x.data());
    const target task0{{0}};  // the logit of task 0 (the zoo models output logits)
    const ism_options ism_o{.batch = a.ism_batch};
    const deeplift_options dl_o{.reference = {.kind = reference_kind::uniform}};
    const integrated_gradients_options ig_o{.steps = 50};  // Gauss-Legendre, zero baseline

    double worst_delta = -1;  // completeness error of the last DeepLIFT / IG result
    auto once = [&]() -> xt::xtensor<float, 3> {
        if (a.kase == "ism-fast") return fast_ism(model, ctx, x, task0, ism_o);
        if (a.kase == "ism-naive") return naive_ism(model, ctx, x, task0, ism_o);
        auto r = a.kase == "deeplift" ? deeplift(model, ctx, x, task0, dl_o) : integrated_gradients(model, ctx, x, task0, ig_o);
        worst_delta = r.worst_relative_delta();
        return std::move(r.scores);
    };
    const char* extra_name = a.kase.starts_with("ism") ? "ism_batch" : a.kase == "deeplift" ? "pairs_per_pass" : "points_per_pass";
    // What one pass holds (as integrated_gradients and deeplift group their work).
    const index_t ig_points = std::min(ig_o.batch, std::max<index_t>(1, ig_o.batch / ig_o.steps) * ig_o.steps);
    const long long extra = a.kase.starts_with("ism") ? a.ism_batch
                            : a.kase == "deeplift"    ? std::min(dl_o.batch, a.batch)
                                                      : std::min(ig_points, a.batch * ig_o.steps);
    if (!a.dump.empty()) {
        const auto d = once();
        std::ofstream out(a.dump, std::ios::binary);
        out.write(reinterpret_cast<const char*>(d.data()), std::streamsize(d.size() * sizeof(float)));
        if (!out) throw error("cannot write " + a.dump);
        std::printf("{\"library\": \"seqnet\", \"model\": \"%s\", \"case\": \"%s\", \"batch\": %lld, \"threads\": %d, "
                    "\"dump\": \"%s\", \"worst_relative_delta\": %.3e, \"%s\": %lld}\n",
                    a.model.c_str(), a.kase.c_str(), static_cast<long long>(a.batch), a.threads, a.dump.c_str(),
                    worst_delta, extra_name, extra);
        return;
    }
    float sink = 0;
    const timing t = time_calls([&] { sink += once().data()[0]; }, a.reps, 1, 3.0, 0, 3);
    if (sink == 12345.0f) std::puts("");
    const double median = t.median();
    std::printf("{\"library\": \"seqnet\", \"model\": \"%s\", \"case\": \"%s\", \"batch\": %lld, \"threads\": %d, "
                "\"median_s\": %.6e, \"seq_per_s\": %.3f, \"ms_per_seq\": %.3f, \"gflops\": null, \"samples\": %zu, "
                "\"calls_per_sample\": %d, \"%s\": %lld, \"worst_relative_delta\": %.3e}\n",
                a.model.c_str(), a.kase.c_str(), static_cast<long long>(a.batch), a.threads, median, a.batch / median,
                1e3 * median / a.batch, t.times.size(), t.group, extra_name, extra, worst_delta);
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
            if (is_interpret_case(a.kase)) {
                if (a.model == "basset") run_interpret<bench::basset>(a);
                else if (a.model == "deepbind") run_interpret<bench::deepbind>(a);
                else throw argument_error("the interpretation cases take --model basset or deepbind");
            } else if (a.model == "deepbind") run(a, [] { return bench::deepbind{}; });
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
