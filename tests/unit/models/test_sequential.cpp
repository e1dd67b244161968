// tests for seqnet/models/sequential.hpp, models/visit.hpp and models/summary.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

#include <cmath>

using namespace seqnet;

namespace {
// Basset (Kelley et al. 2016) as published: valid convolutions, batch norm before ReLU, and batch norm
// after both hidden dense layers.
using basset = sequential<input<600>,
    conv1d<300, 19>, batchnorm, relu, maxpool<3>,
    conv1d<200, 11>, batchnorm, relu, maxpool<4>,
    conv1d<200, 7>, batchnorm, relu, maxpool<4>,
    flatten,
    dense<1000>, batchnorm, relu, dropout<0.3>,
    dense<1000>, batchnorm, relu, dropout<0.3>,
    dense<164>>;

// Algorithms are written against these concepts, so the model types and every layer must satisfy them.
static_assert(differentiable_model<basset>);
static_assert(differentiable_model<basic_sequential<double, cpu, input<dyn>, conv1d<4, 3>, relu>>);
static_assert(differentiable_layer<conv1d_layer<double>> && differentiable_layer<maxpool_layer<float>> &&
              differentiable_layer<global_maxpool_layer<float>> && differentiable_layer<flatten_layer<float>> &&
              differentiable_layer<dense_layer<float>> && differentiable_layer<relu_layer<float>> &&
              differentiable_layer<sigmoid_layer<float>> && differentiable_layer<dropout_layer<float>> &&
              differentiable_layer<batchnorm_layer<float>>);
static_assert(layer_spec<conv1d<8, 5, same, 2, 3>> && layer_spec<maxpool<4>> && layer_spec<dropout<0.2>> &&
              layer_spec<batchnorm_with<1e-3, 0.01>>);

template <class Model>
void randomise_state(Model& m, std::uint64_t seed) {
    random_engine rng(seed);
    for (auto& p : m.parameters()) p = float(rng.uniform(-0.1, 0.1));
    m.visit_buffers([&](const std::string& name, auto v) {
        for (index_t i = 0; i < v.size(); ++i)
            v[i] = typename Model::scalar_type(name.find("var") != std::string::npos ? rng.uniform(0.5, 2) : rng.uniform(-0.2, 0.2));
    });
}

std::vector<std::string> random_dna(std::size_t n, std::size_t len, std::uint64_t seed) {
    random_engine rng(seed);
    std::vector<std::string> s(n, std::string(len, 'A'));
    for (auto& q : s)
        for (auto& c : q) c = "ACGT"[rng.next() % 4];
    return s;
}
}  // namespace

TEST_CASE("Basset has the published shapes and 4,135,064 parameters", "[sequential][zoo]") {
    basset m;
    CHECK(m.parameter_count() == 4135064);
    const std::vector<index_t> lengths{600, 582, 582, 582, 194, 184, 184, 184, 46, 40, 40, 40, 10};
    for (std::size_t i = 0; i < lengths.size(); ++i) CHECK(m.shape_at(i).length == lengths[i]);
    CHECK(m.shape_at(1).channels == 300);
    CHECK(m.shape_at(5).channels == 200);
    CHECK(m.shape_at(13) == shape{2000, 1});
    CHECK(m.output_shape() == shape{164, 1});
    CHECK(m.flops() == Approx(298.1e6).epsilon(0.001));
    const std::string table = summary(m);
    CHECK_THAT(table, Catch::Contains("4135064 parameters"));
    CHECK_THAT(table, Catch::Contains("conv1d") && Catch::Contains("(200, 184)"));
}

TEST_CASE("a model with a run-time length reports a bad length by layer position and shapes", "[sequential]") {
    using model_t = sequential<input<dyn>, conv1d<8, 5>, maxpool<4>, conv1d<8, 7>, global_maxpool, dense<1>>;
    model_t ok(40);
    CHECK(ok.output_shape() == shape{1, 1});
    CHECK_THROWS_WITH(model_t(20), Catch::Contains("layer 2 (conv1d)") && Catch::Contains("(8, 4)"));
    using fixed = sequential<input<40>, conv1d<8, 5>, relu>;
    CHECK_THROWS_WITH(fixed(41), Catch::Contains("fixes the length at 40"));
}

TEST_CASE("a model refuses an input of the wrong shape", "[sequential]") {
    sequential<input<30>, conv1d<4, 3>, global_maxpool, dense<1>> m;
    context<cpu> ctx;
    auto x = one_hot(random_dna(2, 31, 1));
    CHECK_THROWS_WITH(m.forward(ctx, as_batch_view(x)), Catch::Contains("(4, 30)") && Catch::Contains("(4, 31)"));
}

TEST_CASE("fused predict() equals the layer-by-layer forward()", "[sequential][fusion]") {
    basset m;
    randomise_state(m, 4);
    for (int threads : {1, 2}) {
        context<cpu> ctx(threads);
        for (std::size_t n : {1, 5}) {
            auto x = one_hot(random_dna(n, 600, n));
            auto slow = to_matrix(m.forward(ctx, as_batch_view(x)));
            auto fast = to_matrix(m.predict(ctx, as_batch_view(x)));
            double worst = 0, scale = 0;
            for (std::size_t i = 0; i < slow.size(); ++i) {
                worst = std::max(worst, double(std::abs(slow.data()[i] - fast.data()[i])));
                scale = std::max(scale, double(std::abs(slow.data()[i])));
            }
            CHECK(scale > 0.1);  // the outputs are not trivially zero
            CHECK(worst <= 1e-5 * scale);
        }
    }
}

TEST_CASE("fusion stops where the order of operations would change", "[sequential][fusion]") {
    // ReLU before batch norm (fastISM's Basset-like order) and batch norm after pooling cannot fold.
    using model_t = basic_sequential<double, cpu, input<40>, conv1d<6, 5>, relu, batchnorm, maxpool<2>, batchnorm,
                                     conv1d<4, 3, same>, flatten, relu, dense<3>, relu, batchnorm, sigmoid>;
    model_t m;
    randomise_state(m, 8);
    context<cpu> ctx;
    std::vector<double> x(3 * 4 * 40);
    random_engine rng(2);
    for (auto& v : x) v = rng.uniform(-1, 1);
    const_batch_view<double> xv{x.data(), 3, m.input_shape()};
    auto a = to_matrix(m.forward(ctx, xv));
    auto b = to_matrix(m.predict(ctx, xv));
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.data()[i] == Approx(b.data()[i]).epsilon(1e-12));
}

TEST_CASE("model gradients match finite differences", "[sequential][gradcheck]") {
    using model_t = basic_sequential<double, cpu, input<30>, conv1d<5, 4, same>, batchnorm, relu, maxpool<2>,
                                     conv1d<4, 3, valid, 1, 2>, sigmoid, flatten, dense<6>, relu, dense<2>>;
    model_t m;
    for (auto mode : {phase::inference, phase::training}) {
        auto r = gradcheck_model(m, {.batch = 3, .seed = 12, .mode = mode});
        CHECK(r.parameters_checked == m.parameter_count());
        CHECK(r.input_error < 1e-6);
        CHECK(r.parameter_error < 1e-6);
    }
}

TEST_CASE("forward and backward over layer ranges compose to the whole passes", "[sequential][range]") {
    using model_t = basic_sequential<double, cpu, input<30>, conv1d<5, 4, same>, batchnorm, relu, maxpool<2>,
                                     conv1d<4, 3>, flatten, dense<6>, relu, dense<2>>;
    model_t m;
    randomise_state(m, 14);
    context<cpu> ctx;
    std::vector<double> x(3 * 4 * 30), dy(3 * 2);
    random_engine rng(5);
    for (auto& v : x) v = rng.uniform(-1, 1);
    for (auto& v : dy) v = rng.uniform(-1, 1);
    const_batch_view<double> xv{x.data(), 3, m.input_shape()}, dyv{dy.data(), 3, m.output_shape()};
    const auto whole = to_matrix(m.forward(ctx, xv));
    const auto dx_whole = to_matrix(m.backward(ctx, dyv, grad_mode::input_only));
    for (std::size_t split : {0, 2, 5, 9}) {
        INFO("split at layer " << split);
        const auto mid = to_matrix(m.forward(ctx, xv, phase::inference, {0, split}));
        CHECK(mid.size() == std::size_t(3 * m.shape_at(split).size()));
        const auto out = to_matrix(m.forward(ctx, const_batch_view<double>{mid.data(), 3, m.shape_at(split)},
                                             phase::inference, {split, m.depth()}));
        for (std::size_t i = 0; i < whole.size(); ++i) CHECK(out.data()[i] == Approx(whole.data()[i]).epsilon(1e-12));
        // Backward over the top part stops at the split and returns the gradient there ...
        const auto g_mid = to_matrix(m.backward_with(ctx, dyv, gradient_rule{grad_mode::input_only}, true, {split, m.depth()}));
        CHECK(g_mid.size() == mid.size());
        // ... which the bottom part carries to the input, after a forward pass over that part.
        m.forward(ctx, xv, phase::inference, {0, split});
        const auto dx = to_matrix(m.backward_with(ctx, const_batch_view<double>{g_mid.data(), 3, m.shape_at(split)},
                                                  gradient_rule{grad_mode::input_only}, true, {0, split}));
        for (std::size_t i = 0; i < dx_whole.size(); ++i) CHECK(dx.data()[i] == Approx(dx_whole.data()[i]).epsilon(1e-12));
    }
    CHECK_THROWS_WITH(m.forward(ctx, xv, phase::inference, {3, 2}), Catch::Contains("reversed"));
    CHECK_THROWS_AS(m.forward(ctx, xv, phase::inference, {2, 5}), shape_error);  // x is not layer 2's input
}

TEST_CASE("visit and visit_reverse walk the layers in order with their activations", "[sequential][visit]") {
    sequential<input<20>, conv1d<3, 5>, relu, maxpool<2>, flatten, dense<2>> m;
    context<cpu> ctx;
    auto x = one_hot(random_dna(2, 20, 3));
    m.forward(ctx, as_batch_view(x));
    std::vector<std::string> names;
    std::vector<std::size_t> order;
    m.visit([&](auto& step) {
        names.emplace_back(step.layer.name);
        order.push_back(step.index);
        CHECK(step.input.sample == m.shape_at(step.index));
        CHECK(step.output.sample == m.shape_at(step.index + 1));
        CHECK(step.input.batch == 2);
    });
    CHECK(names == std::vector<std::string>{"conv1d", "relu", "maxpool", "flatten", "dense"});
    CHECK(order == std::vector<std::size_t>{0, 1, 2, 3, 4});
    order.clear();
    m.visit_reverse([&](auto& step) { order.push_back(step.index); });
    CHECK(order == std::vector<std::size_t>{4, 3, 2, 1, 0});
    // The relu step's output is the relu of its input.
    m.visit([&](auto& step) {
        if (step.index != 1) return;
        for (index_t i = 0; i < step.input.size(); ++i)
            CHECK(step.output.data[i] == std::max(0.0f, step.input.data[i]));
    });
}

TEST_CASE("parameters are named like a PyTorch nn.Sequential state_dict", "[sequential]") {
    sequential<input<20>, conv1d<3, 5>, batchnorm, relu, flatten, dense<2>> m;
    std::vector<std::string> names;
    index_t total = 0;
    m.visit_parameters([&](const std::string& name, param_view<float> v, param_view<float> g) {
        names.push_back(name + dims_string(v));
        CHECK(g.size() == v.size());
        total += v.size();
    });
    CHECK(names == std::vector<std::string>{"0.weight(3, 4, 5)", "0.bias(3)", "1.weight(3)", "1.bias(3)",
                                            "4.weight(2, 48)", "4.bias(2)"});
    CHECK(total == m.parameter_count());
    std::vector<std::string> buffers;
    m.visit_buffers([&](const std::string& name, param_view<float>) { buffers.push_back(name); });
    CHECK(buffers == std::vector<std::string>{"1.running_mean", "1.running_var"});
}

TEST_CASE("initialisation is seeded, and copies own their parameters", "[sequential]") {
    using model_t = sequential<input<50>, conv1d<8, 5>, relu, global_maxpool, dense<3>>;
    model_t a, b;
    a.initialize(5);
    b.initialize(5);
    CHECK(std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin()));
    b.initialize(6);
    CHECK_FALSE(std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin()));
    model_t c = a;
    a.parameters()[0] += 1.0f;  // must not change the copy
    context<cpu> ctx;
    auto x = one_hot(random_dna(3, 50, 9));
    auto ya = to_matrix(a.predict(ctx, as_batch_view(x)));
    auto yc = to_matrix(c.predict(ctx, as_batch_view(x)));
    a.parameters()[0] -= 1.0f;
    auto ya2 = to_matrix(a.predict(ctx, as_batch_view(x)));
    CHECK((ya2 == yc));
}

TEST_CASE("one and two threads give the same outputs and gradients", "[sequential][threads]") {
    // The first conv's weight gradient splits samples across workers (few columns), the second's splits
    // its 16 x 17 = 272 columns.
    using model_t = sequential<input<120>, conv1d<16, 9>, batchnorm, relu, maxpool<4>, conv1d<8, 17, same>, relu,
                               flatten, dense<10>, relu, dense<2>>;
    model_t m;
    m.initialize(3);
    auto x = one_hot(random_dna(7, 120, 5));
    std::vector<float> dy(7 * 2, 0.5f);
    std::vector<std::vector<float>> grads, outputs;
    for (int threads : {1, 2}) {
        context<cpu> ctx(threads);
        auto y = m.forward(ctx, as_batch_view(x), phase::training);
        outputs.emplace_back(y.data, y.data + y.size());
        m.zero_grad();
        m.backward(ctx, const_batch_view<float>{dy.data(), 7, m.output_shape()}, grad_mode::parameters);
        grads.emplace_back(m.gradients().begin(), m.gradients().end());
    }
    CHECK(outputs[0] == outputs[1]);
    for (std::size_t i = 0; i < grads[0].size(); ++i) CHECK(grads[0][i] == Approx(grads[1][i]).margin(1e-6));
}

TEST_CASE("predict() sees weights changed since the previous call", "[sequential][fusion]") {
    sequential<input<60>, conv1d<12, 7>, batchnorm, relu, maxpool<2>, conv1d<6, 5>, relu, global_maxpool, dense<2>> m;
    m.initialize(4);
    context<cpu> ctx;
    auto x = one_hot(random_dna(3, 60, 21));
    auto before = to_matrix(m.predict(ctx, as_batch_view(x)));
    for (auto& w : m.parameters()) w *= 1.5f;  // every layer's weights change in place
    auto after = to_matrix(m.predict(ctx, as_batch_view(x)));
    auto reference = to_matrix(m.forward(ctx, as_batch_view(x)));
    CHECK_FALSE((before == after));
    for (std::size_t i = 0; i < after.size(); ++i) CHECK(after.data()[i] == Approx(reference.data()[i]).margin(1e-5));
}
