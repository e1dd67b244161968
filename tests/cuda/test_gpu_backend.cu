// The GPU backend's layers and models on a CUDA device against the CPU backend: the cases of
// tests/gpu/cases.hpp, which CI runs on the emulated GPU. Without a CUDA device the program says so and
// exits 77 (CTest: skipped).
#include <seqnet/cuda.hpp>

#include "gpu/cases.hpp"

#include <cstdio>

int main() {
    using namespace seqnet;
    if (cuda_device_count() == 0) {
        std::printf("no CUDA device: the CUDA tests are skipped\n");
        return 77;
    }
    context<cuda> ctx;
    gpu_test::report r;
    gpu_test::layer_cases(ctx, r);
    gpu_test::model_cases(ctx, r);
    gpu_test::training_cases(ctx, r);
    gpu_test::attribution_cases(ctx, r);
    gpu_test::ism_cases(ctx, r);
    int failures = 0;
    for (const auto& o : r.outcomes) {
        std::printf("%-60s %10.3g  %s\n", o.name.c_str(), o.relative_error, o.ok() ? "ok" : "FAILED");
        failures += !o.ok();
    }
    std::printf("%zu checks, %d failed\n", r.outcomes.size(), failures);
    return failures ? 1 : 0;
}
