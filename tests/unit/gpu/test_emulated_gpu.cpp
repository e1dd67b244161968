// The GPU backend's layers and models on the emulated GPU (the same code as on cuda, run on the host)
// against the CPU backend: tests/gpu/cases.hpp. On a GPU machine tests/cuda/ runs the same cases on cuda.
#include "gpu/cases.hpp"

#include <catch2/catch.hpp>

namespace {

void check_all(const seqnet::gpu_test::report& r) {
    REQUIRE(!r.outcomes.empty());
    for (const auto& o : r.outcomes) {
        INFO(o.name << ": relative difference " << o.relative_error << " (tolerance " << o.tolerance << ")");
        CHECK(o.ok());
    }
}

}  // namespace

TEST_CASE("emulated GPU: every layer matches the CPU backend", "[gpu]") {
    seqnet::context<seqnet::emulated_gpu> ctx;
    seqnet::gpu_test::report r;
    seqnet::gpu_test::layer_cases(ctx, r);
    check_all(r);
}

TEST_CASE("emulated GPU: whole models match the CPU backend", "[gpu]") {
    seqnet::context<seqnet::emulated_gpu> ctx;
    seqnet::gpu_test::report r;
    seqnet::gpu_test::model_cases(ctx, r);
    check_all(r);
}

TEST_CASE("emulated GPU: training matches the CPU backend", "[gpu]") {
    seqnet::context<seqnet::emulated_gpu> ctx;
    seqnet::gpu_test::report r;
    seqnet::gpu_test::training_cases(ctx, r);
    check_all(r);
}

TEST_CASE("emulated GPU: saliency and integrated gradients match the CPU backend", "[gpu]") {
    seqnet::context<seqnet::emulated_gpu> ctx;
    seqnet::gpu_test::report r;
    seqnet::gpu_test::attribution_cases(ctx, r);
    check_all(r);
}
