// tests for seqnet/layers/batchnorm.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

#include <cmath>

using namespace seqnet;
using test::bound;

TEST_CASE("batchnorm at inference applies the running statistics", "[batchnorm]") {
    bound<batchnorm_layer<double>> b(batchnorm_options{1e-5}, {2, 3});
    b.set_params(std::vector<double>{2, 0.5, /*beta*/ 1, -1});
    b.layer.visit_buffers([](std::string_view name, param_view<double> v) {
        if (name == "running_mean") { v[0] = 1; v[1] = -2; }
        else { v[0] = 4; v[1] = 0.25; }
    });
    auto y = b.forward({1, 3, 5, /**/ -2, -1, 0}, 1);
    const double a0 = 2 / std::sqrt(4 + 1e-5), a1 = 0.5 / std::sqrt(0.25 + 1e-5);
    const std::vector<double> expect{1, a0 * 2 + 1, a0 * 4 + 1, -1, a1 - 1, a1 * 2 - 1};
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == Approx(expect[i]).epsilon(1e-12));
}

TEST_CASE("batchnorm in training normalises with batch statistics and moves the running ones like PyTorch", "[batchnorm]") {
    bound<batchnorm_layer<double>> b(batchnorm_options{1e-5, 0.1}, {1, 2});
    // One channel, batch 2, length 2: values 1, 2, 3, 6 -> mean 3, biased var 3.5, unbiased 14/3
    auto y = b.forward({1, 2, 3, 6}, 2, phase::training);
    const double inv = 1 / std::sqrt(3.5 + 1e-5);
    CHECK(y[0] == Approx(-2 * inv));
    CHECK(y[3] == Approx(3 * inv));
    b.layer.visit_buffers([](std::string_view name, param_view<double> v) {
        if (name == "running_mean") CHECK(v[0] == Approx(0.9 * 0 + 0.1 * 3));
        else CHECK(v[0] == Approx(0.9 * 1 + 0.1 * 14.0 / 3));
    });
}

TEST_CASE("batchnorm gradients match finite differences in both phases", "[batchnorm][gradcheck]") {
    for (auto mode : {phase::inference, phase::training})
        for (auto s : {shape{3, 7}, shape{5, 1}}) {
            batchnorm_layer<double> layer(batchnorm_options{}, s);
            auto r = gradcheck(layer, {.batch = 4, .seed = 3, .mode = mode});
            INFO("training=" << (mode == phase::training) << " shape " << to_string(s));
            CHECK(r.input_error < 1e-6);
            CHECK(r.parameter_error < 1e-6);
        }
}
