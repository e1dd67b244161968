// tests for seqnet/models/spec_model.hpp and models/any_layer.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

using namespace seqnet;

namespace {

static_assert(differentiable_model<spec_model>);
static_assert(differentiable_model<basic_spec_model<double>>);

// The same small Basset-like architecture, once as a type and once as data.
using typed_model = basic_sequential<double, cpu, input<60>,
    conv1d<6, 7, same>, batchnorm, relu, maxpool<3>,
    rc_conv1d<3, 5, strands::max>, relu,
    flatten, dense<8>, batchnorm, relu, dropout<0.3>, dense<dyn>, sigmoid>;

model_spec typed_model_spec() {
    return {.input_length = 60,
            .tasks = {"a", "b", "c"},
            .layers = {{conv1d_options{6, 7, same}}, {batchnorm_options{}}, {relu_options{}}, {maxpool_options{3}},
                       {rc_conv1d_options{3, 5, strands::max}}, {relu_options{}},
                       {flatten_options{}}, {dense_options{8}}, {batchnorm_options{}}, {relu_options{}},
                       {dropout_options{0.3}}, {dense_options{dyn}}, {sigmoid_options{}}}};
}

template <class Model>
void randomise(Model& m, std::uint64_t seed) {
    random_engine rng(seed);
    for (auto& p : m.parameters()) p = typename Model::scalar_type(rng.uniform(-0.3, 0.3));
    m.visit_buffers([&](const std::string& name, auto v) {
        for (index_t i = 0; i < v.size(); ++i)
            v[i] = typename Model::scalar_type(name.ends_with("var") ? rng.uniform(0.5, 2) : rng.uniform(-0.2, 0.2));
    });
}

std::vector<std::string> names_of_parameters(auto& model) {
    std::vector<std::string> names;
    model.visit_parameters([&](const std::string& n, auto v, auto) { names.push_back(n + dims_string(v)); });
    model.visit_buffers([&](const std::string& n, auto v) { names.push_back(n + dims_string(v)); });
    return names;
}

}  // namespace

TEST_CASE("a spec model and the same sequential<> agree in every pass", "[spec_model]") {
    typed_model typed(60, 3);
    basic_spec_model<double> spec(typed_model_spec());
    REQUIRE(spec.depth() == typed.depth());
    REQUIRE(spec.parameter_count() == typed.parameter_count());
    for (std::size_t i = 0; i <= typed.depth(); ++i) CHECK(spec.shape_at(i) == typed.shape_at(i));
    CHECK(names_of_parameters(spec) == names_of_parameters(typed));

    // Same seed, same layers: the same initial weights.
    typed.initialize(7);
    spec.initialize(7);
    CHECK(std::equal(typed.parameters().begin(), typed.parameters().end(), spec.parameters().begin()));

    randomise(typed, 3);
    randomise(spec, 3);
    context<cpu> ctx(2);
    random_engine rng(5);
    std::vector<double> x(4 * 4 * 60);
    for (auto& v : x) v = rng.uniform(-1, 1);
    const_batch_view<double> xv{x.data(), 4, {4, 60}};

    auto yt = typed.forward(ctx, xv);
    std::vector<double> forward_typed(yt.data, yt.data + yt.size());
    auto ys = spec.forward(ctx, xv);
    for (index_t i = 0; i < ys.size(); ++i) CHECK(ys.data[i] == forward_typed[i]);

    auto pt = typed.predict(ctx, xv);
    std::vector<double> predict_typed(pt.data, pt.data + pt.size());
    auto ps = spec.predict(ctx, xv);
    for (index_t i = 0; i < ps.size(); ++i) CHECK(ps.data[i] == predict_typed[i]);

    std::vector<double> dy(ys.size(), 0.5);
    const_batch_view<double> dyv{dy.data(), 4, spec.output_shape()};
    typed.forward(ctx, xv);
    auto dxt = typed.backward(ctx, dyv, grad_mode::input_only);
    std::vector<double> dx_typed(dxt.data, dxt.data + dxt.size());
    spec.forward(ctx, xv);
    auto dxs = spec.backward(ctx, dyv, grad_mode::input_only);
    for (index_t i = 0; i < dxs.size(); ++i) CHECK(dxs.data[i] == Approx(dx_typed[i]).margin(1e-15));

    // Visitors see the same steps.
    std::vector<std::string> visited;
    spec.visit([&](auto& step) { visited.push_back(std::string(step.layer.name) + to_string(step.output.sample)); });
    std::vector<std::string> visited_typed;
    typed.visit([&](auto& step) { visited_typed.push_back(std::string(step.layer.name) + to_string(step.output.sample)); });
    CHECK(visited == visited_typed);
    CHECK(summary(spec) == summary(typed));
}

TEST_CASE("a spec model passes the gradient check in both phases", "[spec_model]") {
    auto spec = typed_model_spec();
    spec.layers.erase(spec.layers.begin() + 10);  // dropout draws a new mask every training pass
    basic_spec_model<double> m(spec);
    for (auto mode : {phase::inference, phase::training}) {
        auto r = gradcheck_model(m, {.batch = 3, .seed = 4, .mode = mode});
        CHECK(r.parameters_checked == m.parameter_count());
        CHECK(r.input_error < 1e-6);
        CHECK(r.parameter_error < 1e-6);
    }
}

TEST_CASE("a spec model copies with its own buffers", "[spec_model]") {
    spec_model a(typed_model_spec());
    randomise(a, 9);
    spec_model b = a;
    b.parameters()[0] += 1.0f;
    CHECK(a.parameters()[0] != b.parameters()[0]);
    // b's layers must read b's buffer: changing a does not change b's output.
    context<cpu> ctx(1);
    std::vector<float> x(4 * 60, 0.25f);
    const_batch_view<float> xv{x.data(), 1, {4, 60}};
    auto y1 = b.predict(ctx, xv);
    std::vector<float> before(y1.data, y1.data + y1.size());
    for (auto& p : a.parameters()) p = 0;
    auto y2 = b.predict(ctx, xv);
    for (index_t i = 0; i < y2.size(); ++i) CHECK(y2.data[i] == before[i]);
}

TEST_CASE("layer names in a spec become state-dict prefixes", "[spec_model]") {
    model_spec s{.input_length = 30, .tasks = {"t"},
                 .layers = {{conv1d_options{2, 3}, "conv1"}, {relu_options{}}, {global_maxpool_options{}},
                            {dense_options{dyn}, "head"}}};
    spec_model m(s);
    std::vector<std::string> names;
    m.visit_parameters([&](const std::string& n, auto, auto) { names.push_back(n); });
    CHECK(names == std::vector<std::string>{"conv1.weight", "conv1.bias", "head.weight", "head.bias"});
    CHECK(m.tasks() == std::vector<std::string>{"t"});
    CHECK(std::holds_alternative<dense_layer<float>>(m.layer(3)));
}

TEST_CASE("a spec that does not describe a model names the layer and the problem", "[spec_model]") {
    auto spec = typed_model_spec();
    SECTION("a shape that does not chain") {
        spec.layers.erase(spec.layers.begin() + 6);  // no flatten before dense
        REQUIRE_THROWS_MATCHES(spec_model(spec), spec_error,
                               Catch::Message("layer 6 (dense): input shape (3, 16): dense expects a vector (length 1): "
                                              "put flatten or a global pool before it"));
    }
    SECTION("a kernel longer than its input") {
        spec.input_length = 4;
        spec.layers[0].options = conv1d_options{6, 7};
        REQUIRE_THROWS_WITH(spec_model(spec), Catch::Contains("layer 0 (conv1d)") && Catch::Contains("shorter"));
    }
    SECTION("an output that does not match the tasks") {
        spec.layers[11].options = dense_options{2};
        REQUIRE_THROWS_WITH(spec_model(spec), Catch::Contains("outputs (2, 1)") && Catch::Contains("tasks names 3"));
    }
    SECTION("duplicate task names") {
        spec.tasks = {"a", "b", "a"};
        REQUIRE_THROWS_WITH(spec_model(spec), "tasks[2]: duplicate task name 'a'");
    }
    SECTION("no layers") {
        spec.layers.clear();
        REQUIRE_THROWS_WITH(spec_model(spec), Catch::Contains("at least one layer"));
    }
    SECTION("two layers with one name") {
        spec.layers[3].name = "1";
        REQUIRE_THROWS_WITH(spec_model(spec), "layer 3 (maxpool): name '1' is already used by an earlier layer");
    }
    SECTION("invalid options") {
        spec.layers[10].options = dropout_options{1.5};
        REQUIRE_THROWS_WITH(spec_model(spec), Catch::Contains("layer 10 (dropout)") && Catch::Contains("[0, 1)"));
    }
}

TEST_CASE("every layer type can be named, defaulted and built at run time", "[spec_model]") {
    for (std::string_view name : {"conv1d", "rc_conv1d", "batchnorm", "relu", "sigmoid", "softmax", "maxpool",
                                  "global_maxpool", "flatten", "dropout", "dense", "separable_dense", "bilstm"}) {
        auto o = default_options(name);
        REQUIRE(o);
        CHECK(layer_type_name(*o) == name);
        auto layer = make_layer<float>(*o, name == "dense" ? shape{32, 1} : shape{4, 8});
        CHECK(std::visit([](auto& l) { return std::string_view(l.name); }, layer) == name);
    }
    CHECK_FALSE(default_options("lstm"));
}
