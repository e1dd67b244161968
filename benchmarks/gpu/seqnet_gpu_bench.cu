// seqnet_gpu_bench: times seqnet on a CUDA GPU and prints one JSON object per line.
//
//   seqnet_gpu_bench [--cases LIST] [--seconds S] [--ism-batch M[,M2...]] [--fast-ism-batch M[,M2...]]
//                    [--ig-batch P] [--emulated]
//
// Defaults: all cases, about 1 s of samples per case, --ism-batch 128,256, --fast-ism-batch 256,1800,
// --ig-batch 1000.
//
// Model: Basset as published (zoo::basset: 600 bp, 164 tasks, float), built and seeded on the CPU and
// moved with to_device<cuda>. Cases (LIST is a comma-separated subset, default all):
//   ceilings   the card's measured ceilings: cuBLAS SGEMM 8192^3 in FP32 (the default math mode, no
//              TF32: what seqnet's GEMMs get), the same with TF32 allowed (for reference only), and a
//              device-to-device copy of 1 GiB (bandwidth counts bytes read plus bytes written)
//   forward    predict() on inputs already in device memory (inference), batch 1, 256 and 4096
//   train      one step at batch 256: forward in training mode, BCE with logits against fixed labels on
//              the device (labels up, the loss down: what train() does), zero_grad, backward
//              (grad_mode::parameters), Adam on the device
//   ism        naive_ism over one 600 bp sequence (1,800 mutants), --ism-batch mutants per pass
//   fast_ism   fast_ism over the same sequence, --fast-ism-batch mutants per pass (1,800: all at once);
//              its FLOPs are counted as naive ISM's, so its rate says how much work it avoids
//   deeplift   deeplift of 256 sequences against the uniform 0.25 reference, all 256 pairs in one pass
//   ig         integrated_gradients of 256 sequences, 50 Gauss-Legendre steps, zero baseline,
//              --ig-batch path points per pass
//   saliency   saliency of 256 sequences in one pass
// The interpretation cases explain the logit of task 0 and take and return host arrays, so their times
// include the uploads and downloads the functions do.
//
// Timing: a synchronised steady clock. Warm-up of at least 2 calls and 0.25 s (allocations reach their
// size, cuBLAS picks its kernels), then samples of a group of calls lasting about 2 ms (one call if it
// takes longer), each group followed by a device synchronisation, for about --seconds (at least 5
// samples, 3 for calls over 0.1 s); the median sample gives seconds per call. FLOPs are model.flops()
// (2 per multiply-add of convolutions and dense layers) times the passes a case implies: a train step
// counts 3 forward passes, ISM 3L + 1 forward passes per sequence, saliency 2 (forward and input
// gradient), DeepLIFT 4 (input and reference, each forward and back), IG 2 per path point. The last
// three are nominal counts of the plain algorithm (seqnet's IG skips the opening affine layers on the
// path), given so that rates can be compared.
//
// --emulated runs every case on emulated_gpu (the GPU backend on the host) with a small Basset-like
// model and tiny batches, as a smoke test of this program where there is no GPU. Without a GPU and
// without --emulated it says so and exits 77.
#include <seqnet/cuda.hpp>
#include <seqnet/gpu.hpp>
#include <seqnet/seqnet.hpp>
#include <seqnet/train/trainer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

using namespace seqnet;
using clock_type = std::chrono::steady_clock;

namespace {

// ---------------------------------------------------------------------------------------------- options

struct options {
    std::vector<std::string> cases{"ceilings", "forward", "train", "ism", "fast_ism", "deeplift", "ig", "saliency"};
    std::vector<index_t> ism_batches, fast_ism_batches;  // empty: the run's sizes say
    index_t ig_batch = 0;              // 0: the run's sizes say
    double seconds = -1;               // negative: 1 s on a GPU, as few samples as allowed emulated
    bool emulated = false;
    bool wants(const std::string& c) const { return std::find(cases.begin(), cases.end(), c) != cases.end(); }
};

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        if (k == "--emulated") {
            o.emulated = true;
            continue;
        }
        if (i + 1 >= argc) throw argument_error("missing value after " + k);
        const std::string v = argv[++i];
        if (k == "--cases") o.cases = split_list(v);
        else if (k == "--seconds") o.seconds = std::stod(v);
        else if (k == "--ig-batch") o.ig_batch = std::stol(v);
        else if (k == "--ism-batch" || k == "--fast-ism-batch") {
            auto& list = k == "--ism-batch" ? o.ism_batches : o.fast_ism_batches;
            list.clear();
            for (const auto& b : split_list(v)) list.push_back(std::stol(b));
        } else throw argument_error("unknown option " + k + " (usage: seqnet_gpu_bench [--cases LIST] [--seconds S] "
                                    "[--ism-batch M,...] [--fast-ism-batch M,...] [--ig-batch P] [--emulated])");
    }
    const options all;
    for (const auto& c : o.cases)
        if (!all.wants(c)) throw argument_error("unknown case " + c);
    return o;
}

// The sizes of a run: the real ones on a GPU, tiny ones on the emulated GPU (its GEMMs are triple loops).
struct sizes {
    std::vector<index_t> forward_batches;
    index_t train_batch, explain_batch;
    std::vector<index_t> ism_batches;       // mutants per pass (--ism-batch)
    std::vector<index_t> fast_ism_batches;  // mutants per pass (--fast-ism-batch)
    index_t ig_batch;                  // path points per pass (--ig-batch)
    index_t gemm_n, copy_values;
};

// IG: 1000 points are 20 sequences' paths of 50 steps per pass. The copy moves 1 GiB each way.
const sizes gpu_sizes{{1, 256, 4096}, 256, 256, {128, 256}, {256, 1800}, 1000, 8192, index_t(1) << 28};
const sizes emulated_sizes{{1, 2}, 2, 2, {32, 64}, {64, 300}, 50, 96, index_t(1) << 20};

// A small Basset-like model for --emulated: the same layer kinds, 100 bp, 8 tasks.
using small_basset = sequential<input<100>, conv1d<16, 7>, batchnorm, relu, maxpool<3>, conv1d<16, 5>, batchnorm, relu,
                                maxpool<4>, flatten, dense<32>, batchnorm, relu, dropout<0.3>, dense<8>>;

// ----------------------------------------------------------------------------------------- device pieces

template <class Dev>
void synchronize(context<Dev>& ctx) {
    // The whole device, not only the context's stream: device_memory's copies run on the default stream.
    if constexpr (std::same_as<Dev, cuda>) SEQNET_CUDA_CHECK(cudaDeviceSynchronize());
    else ctx.synchronize();
}

template <class Dev>
std::string device_name(context<Dev>& ctx) {
    if constexpr (std::same_as<Dev, cuda>) {
        cudaDeviceProp p{};
        SEQNET_CUDA_CHECK(cudaGetDeviceProperties(&p, ctx.device()));
        return p.name;
    } else {
        return Dev::name;
    }
}

// Values in [-1, 1) from a hash of the index, written on the device (no upload of large inputs, and no
// zeros, which can run faster than real data).
struct fill_hashed {
    float* p;
    std::uint32_t seed;
    SEQNET_HD void operator()(index_t i) const {
        std::uint32_t h = static_cast<std::uint32_t>(i) * 2654435761u ^ seed;
        h ^= h >> 16;
        h *= 0x7feb352du;
        h ^= h >> 15;
        h *= 0x846ca68bu;
        h ^= h >> 16;
        p[i] = float(h >> 8) * (2.0f / 16777216.0f) - 1.0f;
    }
};

template <class Dev>
void device_copy(context<Dev>& ctx, float* dst, const float* src, index_t n) {
    if constexpr (std::same_as<Dev, cuda>)
        SEQNET_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n) * sizeof(float), cudaMemcpyDeviceToDevice,
                                          ctx.stream()));
    else device_memory<Dev>::copy(dst, src, n);
}

// ---------------------------------------------------------------------------------------------- timing

struct timing {
    std::vector<double> times;  // seconds per call of each sample, sorted
    int group = 1;              // calls per sample
    double median() const { return times[times.size() / 2]; }  // the upper median, as seqnet_bench
};

template <class Dev, class Once>
timing time_calls(context<Dev>& ctx, const options& o, Once&& once) {
    auto since = [](clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); };
    const int min_warm = o.emulated ? 1 : 2;
    const double warm_seconds = o.emulated ? 0.0 : 0.25;
    const auto w0 = clock_type::now();
    double per_call = 0;
    for (int calls = 0; calls < min_warm || since(w0) < warm_seconds; ++calls) {
        const auto c0 = clock_type::now();
        once();
        synchronize(ctx);
        per_call = since(c0);  // the last warm call sizes the samples
    }
    timing t;
    t.group = std::max(1, int(2e-3 / std::max(per_call, 1e-9)));
    const int min_samples = o.emulated ? 3 : per_call > 0.1 ? 3 : 5;
    const double seconds = o.seconds >= 0 ? o.seconds : o.emulated ? 0.0 : 1.0;
    const int samples = std::clamp(int(seconds / (per_call * t.group)), min_samples, 500);
    for (int r = 0; r < samples; ++r) {
        const auto t0 = clock_type::now();
        for (int g = 0; g < t.group; ++g) once();
        synchronize(ctx);
        t.times.push_back(since(t0) / t.group);
    }
    std::sort(t.times.begin(), t.times.end());
    return t;
}

// ---------------------------------------------------------------------------------------------- output

struct record_head {
    std::string device, model;
};

// One case's line: sequences per second and, where a FLOP count is given, TFLOP/s; `extra` is more
// JSON members (", \"key\": value ..." or empty).
void print_case(const record_head& h, const char* kase, index_t batch, const timing& t, double flops_per_seq,
                const std::string& extra = "") {
    const double s = t.median();
    std::printf("{\"library\": \"seqnet\", \"config\": \"fp32\", \"device\": \"%s\", \"model\": \"%s\", \"case\": \"%s\", "
                "\"batch\": %lld, \"median_s\": %.6e, \"seq_per_s\": %.4g, \"flops_per_seq\": %.6g, \"tflops\": %.4g, "
                "\"samples\": %zu, \"calls_per_sample\": %d%s}\n",
                h.device.c_str(), h.model.c_str(), kase, static_cast<long long>(batch), s, double(batch) / s,
                flops_per_seq, flops_per_seq * double(batch) / s / 1e12, t.times.size(), t.group, extra.c_str());
    std::fflush(stdout);
}

// A case that throws (out of memory, a CUDA error) is reported as a record with its message, and the
// others still run: a first run on a new GPU should say as much as it can.
template <class F>
void guarded(const record_head& h, const char* kase, F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        std::string msg;
        for (const char* c = e.what(); *c; ++c) {
            if (*c == '"' || *c == '\\') msg += '\\';
            msg += (*c == '\n' || *c == '\t') ? ' ' : *c;
        }
        std::printf("{\"library\": \"seqnet\", \"device\": \"%s\", \"model\": \"%s\", \"case\": \"%s\", \"error\": \"%s\"}\n",
                    h.device.c_str(), h.model.c_str(), kase, msg.c_str());
        std::fflush(stdout);
    }
}

std::string member(const char* key, double v) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ", \"%s\": %.6g", key, v);
    return buf;
}

// --------------------------------------------------------------------------------------------- ceilings

template <class Dev>
void ceilings(context<Dev>& ctx, const options& o, const sizes& z, const record_head& h) {
    using memory = device_memory<Dev>;
    // SGEMM n x n x n on hashed values, row-major through the runtime seqnet's layers use.
    guarded(h, "sgemm_fp32", [&] {
        const index_t n = z.gemm_n, nn = n * n;
        typename memory::template buffer<float> a(static_cast<std::size_t>(nn)), b(static_cast<std::size_t>(nn)),
            c(static_cast<std::size_t>(nn));
        gpu_runtime<Dev>::for_each(ctx, nn, fill_hashed{a.data(), 1});
        gpu_runtime<Dev>::for_each(ctx, nn, fill_hashed{b.data(), 2});
        auto gemm = [&] {
            gpu_runtime<Dev>::gemm(ctx, transpose::no, transpose::no, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
                                   c.data(), n);
        };
        auto report = [&](const char* name, const timing& t) {
            const double s = t.median(), flops = 2.0 * double(n) * double(n) * double(n);
            std::printf("{\"library\": \"seqnet\", \"device\": \"%s\", \"case\": \"%s\", \"n\": %lld, \"median_s\": %.6e, "
                        "\"tflops\": %.4g, \"samples\": %zu}\n",
                        h.device.c_str(), name, static_cast<long long>(n), s, flops / s / 1e12, t.times.size());
            std::fflush(stdout);
        };
        report("sgemm_fp32", time_calls(ctx, o, gemm));
        if constexpr (std::same_as<Dev, cuda>) {
            // TF32 tensor cores, for reference (PyTorch's cuDNN convolutions may use them by default).
            SEQNET_CUBLAS_CHECK(cublasSetMathMode(ctx.blas(), CUBLAS_TF32_TENSOR_OP_MATH));
            const timing t = time_calls(ctx, o, gemm);
            SEQNET_CUBLAS_CHECK(cublasSetMathMode(ctx.blas(), CUBLAS_DEFAULT_MATH));
            report("sgemm_tf32", t);
        }
    });
    // Device-to-device copy: bytes read plus bytes written per second.
    guarded(h, "memcpy_d2d", [&] {
        const index_t n = z.copy_values;
        typename memory::template buffer<float> src(static_cast<std::size_t>(n)), dst(static_cast<std::size_t>(n));
        gpu_runtime<Dev>::for_each(ctx, n, fill_hashed{src.data(), 3});
        const timing t = time_calls(ctx, o, [&] { device_copy(ctx, dst.data(), src.data(), n); });
        const double bytes = double(n) * sizeof(float), s = t.median();
        std::printf("{\"library\": \"seqnet\", \"device\": \"%s\", \"case\": \"memcpy_d2d\", \"bytes\": %.0f, "
                    "\"median_s\": %.6e, \"gbps_read_write\": %.5g, \"samples\": %zu}\n",
                    h.device.c_str(), bytes, s, 2.0 * bytes / s / 1e9, t.times.size());
        std::fflush(stdout);
    });
}

// ---------------------------------------------------------------------------------------------- model cases

/// Random one-hot sequences (N x 4 x L), as seqnet_bench draws them.
xt::xtensor<float, 3> random_one_hot(index_t batch, index_t length, std::uint64_t seed) {
    auto x = xt::xtensor<float, 3>::from_shape({std::size_t(batch), std::size_t(4), std::size_t(length)});
    x.fill(0.0f);
    random_engine rng(seed);
    for (index_t n = 0; n < batch; ++n)
        for (index_t l = 0; l < length; ++l) x(n, rng.next() % 4, l) = 1.0f;
    return x;
}

template <class Dev, class CpuModel>
void model_cases(context<Dev>& ctx, const options& o, const sizes& z, const record_head& h, CpuModel& cpu_model) {
    using memory = device_memory<Dev>;
    auto model = to_device<Dev>(cpu_model);
    const shape in = model.input_shape();
    const index_t L = in.length, row = model.output_shape().size();
    const double F = double(cpu_model.flops());
    const index_t largest = std::max(*std::max_element(z.forward_batches.begin(), z.forward_batches.end()),
                                     std::max(z.train_batch, z.explain_batch));
    const auto x_host = random_one_hot(largest, L, 17);

    // What the report needs to estimate memory traffic: every layer's output is written once and read
    // once by the next (the GPU layers run one by one), and the parameters are read once per call.
    index_t activations = 0;
    for (std::size_t i = 1; i <= model.depth(); ++i) activations += model.shape_at(i).size();
    std::printf("{\"library\": \"seqnet\", \"device\": \"%s\", \"model\": \"%s\", \"case\": \"model\", "
                "\"parameters\": %lld, \"flops_per_seq\": %.6g, \"input_values_per_seq\": %lld, "
                "\"activation_values_per_seq\": %lld}\n",
                h.device.c_str(), h.model.c_str(), static_cast<long long>(model.parameter_count()), F,
                static_cast<long long>(in.size()), static_cast<long long>(activations));

    // Inputs in device memory, uploaded once: forward and train time the model, not the bus.
    typename memory::template buffer<float> x_dev(x_host.size());
    memory::upload(x_dev.data(), x_host.data(), static_cast<index_t>(x_host.size()));

    if (o.wants("forward"))
        for (index_t b : z.forward_batches)
            guarded(h, "forward", [&] {
                const const_batch_view<float, Dev> x{x_dev.data(), b, in};
                print_case(h, "forward", b, time_calls(ctx, o, [&] { model.predict(ctx, x); }), F);
            });

    if (o.wants("train"))
        guarded(h, "train", [&] {
            const index_t b = z.train_batch, m = b * row;
            std::vector<float> labels(static_cast<std::size_t>(m));
            for (index_t i = 0; i < m; ++i) labels[std::size_t(i)] = float((i * 7919) % 3 == 0);
            adam<float, Dev> opt({.lr = 1e-3});
            device_loss<float, Dev> bce;  // as the trainer computes it: labels up, loss down
            const const_batch_view<float, Dev> x{x_dev.data(), b, in};
            auto step = [&] {
                auto y = model.forward(ctx, x, phase::training);
                bce(ctx, loss_kind::binary_cross_entropy, y.data, labels.data(), m, row);
                model.zero_grad();
                model.backward(ctx, const_batch_view<float, Dev>{bce.gradient(), b, model.output_shape()}, grad_mode::parameters);
                opt.step(ctx, model.parameters(), model.gradients());
            };
            print_case(h, "train", b, time_calls(ctx, o, step), 3 * F, ", \"loss_on\": \"device\"");
        });

    // Explanations: the logit of task 0, host arrays in and out.
    const target task0{.tasks = {0}};
    const index_t n = z.explain_batch;
    auto x_explain = xt::xtensor<float, 3>::from_shape({std::size_t(n), std::size_t(4), std::size_t(L)});
    std::copy(x_host.data(), x_host.data() + x_explain.size(), x_explain.data());
    float sink = 0;  // keeps every result used

    if (o.wants("ism") || o.wants("fast_ism")) {
        auto x1 = xt::xtensor<float, 3>::from_shape({std::size_t(1), std::size_t(4), std::size_t(L)});
        std::copy(x_host.data(), x_host.data() + x1.size(), x1.data());
        if (o.wants("ism"))
            for (index_t mb : o.ism_batches.empty() ? z.ism_batches : o.ism_batches)
                guarded(h, "ism", [&] {
                    const ism_options io{.batch = mb};
                    const timing t = time_calls(ctx, o, [&] { sink += naive_ism(model, ctx, x1, task0, io)(0, 0, 0); });
                    print_case(h, "ism", 1, t, double(3 * L + 1) * F, member("ism_batch", double(mb)));
                });
        if (o.wants("fast_ism"))
            for (index_t mb : o.fast_ism_batches.empty() ? z.fast_ism_batches : o.fast_ism_batches)
                guarded(h, "fast_ism", [&] {
                    const ism_options io{.batch = mb};
                    const timing t = time_calls(ctx, o, [&] { sink += fast_ism(model, ctx, x1, task0, io)(0, 0, 0); });
                    print_case(h, "fast_ism", 1, t, double(3 * L + 1) * F, member("ism_batch", double(mb)));
                });
    }

    if (o.wants("deeplift"))
        guarded(h, "deeplift", [&] {
            const deeplift_options dl{.reference = {.kind = reference_kind::uniform}, .batch = n};
            double delta = 0;
            const timing t = time_calls(ctx, o, [&] {
                const auto r = deeplift(model, ctx, x_explain, task0, dl);
                delta = r.worst_relative_delta();
                sink += r.scores(0, 0, 0);
            });
            print_case(h, "deeplift", n, t, 4 * F,
                       member("pairs_per_pass", double(n)) + member("worst_relative_delta", delta));
        });

    if (o.wants("ig"))
        guarded(h, "ig", [&] {
            const index_t points = o.ig_batch > 0 ? o.ig_batch : z.ig_batch;
            const integrated_gradients_options ig{.steps = 50, .batch = points};
            double delta = 0;
            const timing t = time_calls(ctx, o, [&] {
                const auto r = integrated_gradients(model, ctx, x_explain, task0, ig);
                delta = r.worst_relative_delta();
                sink += r.scores(0, 0, 0);
            });
            print_case(h, "ig", n, t, 2.0 * 50 * F,
                       member("steps", 50) + member("points_per_pass", double(points)) +
                           member("worst_relative_delta", delta));
        });

    if (o.wants("saliency"))
        guarded(h, "saliency", [&] {
            const saliency_options so{.batch = n};
            const timing t = time_calls(ctx, o, [&] { sink += saliency(model, ctx, x_explain, task0, so)(0, 0, 0); });
            print_case(h, "saliency", n, t, 2 * F, member("per_pass", double(n)));
        });
    if (sink == 12345.0f) std::puts("");
}

template <class Dev, class CpuModel>
void run(context<Dev>& ctx, const options& o, const sizes& z, const char* model_name) {
    const record_head h{device_name(ctx), model_name};
    if (o.wants("ceilings")) ceilings(ctx, o, z, h);
    CpuModel cpu_model;  // built and seeded on the CPU, then moved: how a user gets a GPU model
    cpu_model.initialize(1);
    model_cases(ctx, o, z, h, cpu_model);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const options o = parse(argc, argv);
        if (!o.emulated) {
            if (cuda_device_count() == 0) {
                std::printf("seqnet_gpu_bench: no CUDA device (run with --emulated to use the host emulation)\n");
                return 77;
            }
            context<cuda> gpu;
            run<cuda, zoo::basset>(gpu, o, gpu_sizes, "basset");
        } else {
            context<emulated_gpu> gpu;
            run<emulated_gpu, small_basset>(gpu, o, emulated_sizes, "basset-like-small");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "seqnet_gpu_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
