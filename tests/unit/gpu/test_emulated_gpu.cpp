// The GPU backend's layers and models on the emulated GPU (the same code as on cuda, run on the host)
// against the CPU backend: tests/gpu/cases.hpp. On a GPU machine tests/cuda/ runs the same cases on cuda.
#include "gpu/cases.hpp"

#include <catch2/catch.hpp>

namespace {

/// Runs one family of tests/gpu/cases.hpp on the emulated GPU and checks every outcome.
template <class Cases>
void run_cases(Cases&& cases) {
    seqnet::context<seqnet::emulated_gpu> ctx;
    seqnet::gpu_test::report r;
    cases(ctx, r);
    REQUIRE(!r.outcomes.empty());
    for (const auto& o : r.outcomes) {
        INFO(o.name << ": relative difference " << o.relative_error << " (tolerance " << o.tolerance << ")");
        CHECK(o.ok());
    }
}

}  // namespace

TEST_CASE("emulated GPU: every layer matches the CPU backend", "[gpu]") {
    run_cases([](auto& ctx, auto& r) { seqnet::gpu_test::layer_cases(ctx, r); });
}

TEST_CASE("emulated GPU: whole models match the CPU backend", "[gpu]") {
    run_cases([](auto& ctx, auto& r) { seqnet::gpu_test::model_cases(ctx, r); });
}

TEST_CASE("emulated GPU: training matches the CPU backend", "[gpu]") {
    run_cases([](auto& ctx, auto& r) { seqnet::gpu_test::training_cases(ctx, r); });
}

TEST_CASE("emulated GPU: saliency and integrated gradients match the CPU backend", "[gpu]") {
    run_cases([](auto& ctx, auto& r) { seqnet::gpu_test::attribution_cases(ctx, r); });
}

TEST_CASE("emulated GPU: model gradients match finite differences", "[gpu][gradcheck]") {
    using namespace seqnet;
    using strided = basic_sequential<double, emulated_gpu, input<30>, conv1d<5, 4, same>, batchnorm, relu, maxpool<2>,
                                     conv1d<4, 3, valid, 1, 2>, sigmoid, flatten, dense<6>, batchnorm, relu, dense<2>>;
    using pooled = basic_sequential<double, emulated_gpu, input<25>, conv1d<6, 5, pad(2, 1), 2, 1, false>, relu,
                                    maxpool<3, 1>, conv1d<4, 3>, global_maxpool, softmax>;
    strided a;
    pooled b;
    for (auto mode : {phase::inference, phase::training}) {
        INFO((mode == phase::training ? "training" : "inference"));
        const auto ra = gradcheck_model(a, {.batch = 3, .seed = 12, .mode = mode});
        CHECK(ra.parameters_checked == a.parameter_count());
        CHECK(ra.input_error < 1e-6);
        CHECK(ra.parameter_error < 1e-6);
        const auto rb = gradcheck_model(b, {.batch = 3, .seed = 13, .mode = mode});
        CHECK(rb.parameters_checked == b.parameter_count());
        CHECK(rb.input_error < 1e-6);
        CHECK(rb.parameter_error < 1e-6);
    }
}
