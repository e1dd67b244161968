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

TEST_CASE("emulated GPU: saliency, integrated gradients, DeepLIFT and ISM match the CPU backend", "[gpu]") {
    run_cases([](auto& ctx, auto& r) { seqnet::gpu_test::attribution_cases(ctx, r); });
}

TEST_CASE("emulated GPU: fast and naive ISM through every change rule match the CPU backend", "[gpu]") {
    run_cases([](auto& ctx, auto& r) { seqnet::gpu_test::ism_cases(ctx, r); });
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

TEST_CASE("emulated GPU: RC, motif, recurrent and separable layers match finite differences", "[gpu][gradcheck]") {
    using namespace seqnet;
    using mixed = basic_sequential<double, emulated_gpu, input<18>, motif_conv1d<3, 4, same>,
                                   rc_conv1d<2, 3, strands::max>, maxpool<2>, bilstm<3>,
                                   rc_conv1d<2, 3, strands::sum, valid, 1, 1, false>, separable_dense<2, true>>;
    mixed m;
    for (auto mode : {phase::inference, phase::training}) {
        INFO((mode == phase::training ? "training" : "inference"));
        const auto r = gradcheck_model(m, {.batch = 2, .seed = 14, .mode = mode});
        CHECK(r.parameters_checked == m.parameter_count());
        CHECK(r.input_error < 1e-6);
        CHECK(r.parameter_error < 1e-6);
    }
}
