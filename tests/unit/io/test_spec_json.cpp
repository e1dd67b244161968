// tests for seqnet/io/spec_json.hpp
#include <catch2/catch.hpp>

#include <seqnet/io/model_file.hpp>
#include <seqnet/io/spec_json.hpp>
#include <seqnet/models/zoo.hpp>

#include <filesystem>
#include <random>

using namespace seqnet;
using Catch::Contains;

namespace {
const char* basset_like = R"({
  "input_length": 600,
  "tasks": ["a", "b", "c"],
  "layers": [
    {"type": "conv1d", "filters": 30, "kernel": 19},
    {"type": "batchnorm"}, {"type": "relu"}, {"type": "maxpool", "size": 3},
    {"type": "conv1d", "filters": 20, "kernel": 11, "padding": "same", "dilation": 2},
    {"type": "batchnorm", "eps": 0.001, "momentum": 0.01}, {"type": "relu"}, {"type": "maxpool", "size": 4, "stride": 2},
    {"type": "rc_conv1d", "filters": 4, "kernel": 5, "strands": "max", "padding": [1, 2]},
    {"type": "flatten"},
    {"type": "dense", "units": 100, "name": "fc1"}, {"type": "batchnorm"}, {"type": "relu"}, {"type": "dropout", "p": 0.3},
    {"type": "dense", "units": "tasks", "bias": false}, {"type": "sigmoid"}
  ]
})";
}  // namespace

TEST_CASE("a JSON spec builds the model it describes", "[spec_json]") {
    const model_spec spec = io::parse_spec(basset_like, "basset.json");
    REQUIRE(spec.layers.size() == 16);
    CHECK(spec.input_length == 600);
    CHECK(spec.input_channels == 4);
    CHECK(spec.tasks == std::vector<std::string>{"a", "b", "c"});

    const auto& c = std::get<conv1d_options>(spec.layers[4].options);
    CHECK(c.filters == 20);
    CHECK(c.kernel == 11);
    CHECK(c.pad == same);
    CHECK(c.dilation == 2);
    CHECK(c.bias);
    CHECK(std::get<batchnorm_options>(spec.layers[5].options).eps == 0.001);
    CHECK(std::get<maxpool_options>(spec.layers[7].options).stride == 2);
    const auto& rc = std::get<rc_conv1d_options>(spec.layers[8].options);
    CHECK(rc.combine == strands::max);
    CHECK(rc.pad == pad(1, 2));
    CHECK(spec.layers[10].name == "fc1");
    CHECK(std::get<dense_options>(spec.layers[14].options).units == dyn);
    CHECK_FALSE(std::get<dense_options>(spec.layers[14].options).bias);
    CHECK(std::get<dropout_options>(spec.layers[13].options).p == 0.3);

    spec_model m(spec);
    CHECK(m.output_shape() == shape{3, 1});
    // 600 -19+1 = 582, /3 = 194, same conv keeps 194, pool 4 stride 2 -> 96, rc conv k5 pad 1+2 -> 95
    CHECK(m.shape_at(8) == shape{20, 96});
    CHECK(m.shape_at(9) == shape{4, 95});
    std::vector<std::string> names;
    m.visit_parameters([&](const std::string& n, auto, auto) { names.push_back(n); });
    CHECK(names[names.size() - 1] == "14.weight");  // no bias
    CHECK(std::find(names.begin(), names.end(), "fc1.weight") != names.end());
}

TEST_CASE("a spec written as JSON reads back the same", "[spec_json]") {
    const model_spec spec = io::parse_spec(basset_like, "basset.json");
    const std::string text = io::format_spec(spec);
    const model_spec again = io::parse_spec(text, "written.json");
    CHECK(io::format_spec(again) == text);
    CHECK(io::spec_to_json(again) == io::spec_to_json(spec));
    // and every layer type survives the trip with non-default settings
    model_spec all{.input_length = 50, .tasks = {"x", "y"},
                   .layers = {{rc_conv1d_options{3, 4, strands::both, pad(2), 1, 3, false}},
                              {softmax_options{}}, {bilstm_options{5}}, {separable_dense_options{6, true}},
                              {flatten_options{}}, {dense_options{2}}}};
    const auto j = io::spec_to_json(all);
    CHECK(io::spec_to_json(io::parse_spec(j.dump(), "all")) == j);
}

TEST_CASE("a task count names the tasks task_0, task_1, ...", "[spec_json]") {
    auto spec = io::parse_spec(R"({"input_length": 20, "tasks": 2, "layers": [{"type": "conv1d", "filters": 2,
        "kernel": 3}, {"type": "global_maxpool"}]})");
    CHECK(spec.tasks == std::vector<std::string>{"task_0", "task_1"});
}

TEST_CASE("a bad spec is an error naming the file, the layer and the field", "[spec_json]") {
    auto bad = [](std::string layers, std::string extra = "") {
        return R"({"input_length": 100, "tasks": ["t"], )" + extra + R"("layers": [)" + layers + "]}";
    };
    const std::string tail = R"(, {"type": "global_maxpool"}, {"type": "dense", "units": "tasks"})";
    CHECK_THROWS_MATCHES(io::parse_spec(bad(R"({"type": "conv2d", "filters": 3})" + tail), "m.json"), spec_error,
                         Catch::Message("m.json: layer 0: unknown layer type 'conv2d' (known: conv1d, rc_conv1d, "
                                        "batchnorm, relu, sigmoid, softmax, maxpool, global_maxpool, flatten, "
                                        "dropout, dense, separable_dense, bilstm, motif_conv1d)"));
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "conv1d", "filters": 3})" + tail), "m.json"),
                      "m.json: layer 0 (conv1d): field 'kernel': missing required field");
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "conv1d", "filters": 3, "kernel": 5, "kernal": 5})" + tail), "m.json"),
                      Contains("m.json: layer 0 (conv1d): unknown field 'kernal' (this layer takes type, name, "
                               "filters, kernel, padding, stride, dilation, bias)"));
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "conv1d", "filters": "8", "kernel": 5})" + tail), "m.json"),
                      "m.json: layer 0 (conv1d): field 'filters': must be an integer, got a string \"8\"");
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "conv1d", "filters": 8.5, "kernel": 5})" + tail), "m.json"),
                      Contains("field 'filters': must be an integer, got a number"));
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "conv1d", "filters": 8, "kernel": 5, "padding": "full"})" + tail), "m.json"),
                      Contains("layer 0 (conv1d): field 'padding': must be \"valid\", \"same\""));
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "conv1d", "filters": 8, "kernel": 5, "bias": 1})" + tail), "m.json"),
                      Contains("field 'bias': must be true or false, got an integer"));
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "conv1d", "filters": 8, "kernel": 500})" + tail), "m.json"),
                      Contains("m.json: layer 0 (conv1d): input shape (4, 100): the input (plus padding) is shorter"));
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "conv1d", "filters": 8, "kernel": 5}, {"type": "dense", "units": 1})"), "m.json"),
                      Contains("m.json: layer 1 (dense): input shape (8, 96): dense expects a vector"));
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "dense", "units": 0})"), "m.json"),
                      Contains("layer 0 (dense): field 'units': must be a positive integer or \"tasks\""));
    CHECK_THROWS_WITH(io::parse_spec(bad(R"("relu")"), "m.json"),
                      Contains("m.json: layer 0: must be an object"));
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"filters": 3})"), "m.json"), "m.json: layer 0: missing required field 'type'");
    CHECK_THROWS_WITH(io::parse_spec(bad(R"({"type": "relu"})" + tail, R"("input_lenght": 5, )"), "m.json"),
                      Contains("m.json: unknown field 'input_lenght'"));
    CHECK_THROWS_WITH(io::parse_spec(R"({"tasks": ["t"], "layers": []})", "m.json"),
                      "m.json: missing required field 'input_length'");
    CHECK_THROWS_WITH(io::parse_spec(R"({"input_length": 10, "tasks": [1], "layers": []})", "m.json"),
                      "m.json: tasks[0] must be a string, got an integer");
    CHECK_THROWS_WITH(io::parse_spec(R"({"input_length": 10, "tasks": ["t"], "layers": {}})", "m.json"),
                      "m.json: field 'layers' must be a list, got a object");
    CHECK_THROWS_MATCHES(io::parse_spec(R"({"input_length": 10,)", "m.json"), format_error,
                         Catch::Predicate<format_error>([](const format_error& e) {
                             return std::string(e.what()).starts_with("m.json: not valid JSON:");
                         }));
    CHECK_THROWS_WITH(io::read_spec("/nonexistent/spec.json"), "/nonexistent/spec.json: cannot open for reading");
}

TEST_CASE("truncated and corrupted JSON specs give errors, never a crash", "[spec_json][fuzz]") {
    const std::string good = basset_like;
    auto only_seqnet_errors = [](const std::string& text) {
        try {
            spec_model m(io::parse_spec(text, "fuzz.json"));
        } catch (const seqnet::error&) {
        }
    };
    for (std::size_t n = 0; n < good.size(); ++n) CHECK_NOTHROW(only_seqnet_errors(good.substr(0, n)));
    std::mt19937 rng(17);
    const std::string alphabet = "{}[]\",:0123456789-.eE truefalsnl\\\x01\xff";
    for (int trial = 0; trial < 3000; ++trial) {
        std::string text = good;
        const int edits = 1 + int(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % text.size();
            switch (rng() % 3) {
                case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
                case 1: text.erase(at, 1 + rng() % 8); break;
                default: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
            }
        }
        CHECK_NOTHROW(only_seqnet_errors(text));
    }
    // Deep nesting and huge numbers.
    CHECK_NOTHROW(only_seqnet_errors(std::string(100000, '[')));
    CHECK_NOTHROW(only_seqnet_errors(R"({"input_length": 1e400, "tasks": 1, "layers": []})"));
    CHECK_NOTHROW(only_seqnet_errors(R"({"input_length": 9223372036854775807, "tasks": 1, "layers": [{"type": "global_maxpool"}]})"));
    CHECK_NOTHROW(only_seqnet_errors(R"({"input_length": 100, "tasks": 1, "layers": [{"type": "conv1d", "filters": 9223372036854775807, "kernel": 1}]})"));
}

TEST_CASE("the example specs in examples/specs describe the zoo models", "[spec_json][zoo]") {
    const std::filesystem::path dir = std::filesystem::path(SEQNET_SOURCE_DIR) / "examples" / "specs";
    auto check = [&](auto model, const char* file) {
        INFO(file);
        spec_model from_file(io::read_spec(dir / file));
        CHECK(from_file.parameter_count() == model.parameter_count());
        CHECK(from_file.tasks().size() == std::size_t(model.output_shape().channels));
        auto typed = model_spec_of(model);
        std::get<dense_options>(typed.layers.back().options).units = dyn;  // the files say "tasks"
        typed.tasks = from_file.tasks();
        CHECK(io::spec_to_json(from_file.spec()) == io::spec_to_json(typed));
    };
    check(zoo::basset{}, "basset.json");
    check(zoo::deepsea{}, "deepsea.json");
    check(zoo::deepbind{}, "deepbind.json");
    check(zoo::danq{}, "danq.json");
}
