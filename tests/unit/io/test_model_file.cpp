// tests for seqnet/io/state_dict.hpp and io/model_file.hpp
#include <catch2/catch.hpp>

#include <seqnet/io/model_file.hpp>
#include <seqnet/models/zoo.hpp>

#include <filesystem>
#include <random>

using namespace seqnet;
using Catch::Contains;

namespace {

struct temp_dir {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("seqnet_model_file_" + std::to_string(std::random_device{}()));
    temp_dir() { std::filesystem::create_directories(path); }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

model_spec small_spec() {
    return io::parse_spec(R"({"input_length": 40, "tasks": ["ctcf", "gata"], "layers": [
        {"type": "conv1d", "filters": 6, "kernel": 5}, {"type": "batchnorm"}, {"type": "relu"},
        {"type": "maxpool", "size": 2}, {"type": "flatten"}, {"type": "dense", "units": 8},
        {"type": "relu"}, {"type": "dense", "units": "tasks"}]})", "small.json");
}

template <class Model>
void randomise(Model& m, std::uint64_t seed) {
    random_engine rng(seed);
    for (auto& p : m.parameters()) p = float(rng.uniform(-0.5, 0.5));
    m.visit_buffers([&](const std::string& name, auto v) {
        for (index_t i = 0; i < v.size(); ++i) v[i] = float(name.ends_with("var") ? rng.uniform(0.5, 2) : rng.uniform(-1, 1));
    });
}

template <class Model>
std::vector<float> predictions(Model& m, index_t batch = 3) {
    context<cpu> ctx(1);
    random_engine rng(11);
    std::vector<float> x(static_cast<std::size_t>(batch * m.input_shape().size()));
    for (auto& v : x) v = float(rng.uniform(0, 1));
    auto y = m.predict(ctx, {x.data(), batch, m.input_shape()});
    return {y.data, y.data + y.size()};
}

template <class Model>
std::vector<float> all_state(Model& m) {
    std::vector<float> v(m.parameters().begin(), m.parameters().end());
    m.visit_buffers([&](const std::string&, auto b) { v.insert(v.end(), b.data, b.data + b.size()); });
    return v;
}

}  // namespace

TEST_CASE("a model file holds the spec, the tasks and every weight", "[model_file]") {
    temp_dir dir;
    spec_model m(small_spec());
    randomise(m, 1);
    io::save_model(dir.path / "m.safetensors", m);

    auto back = io::load_model(dir.path / "m.safetensors");
    CHECK(back.tasks() == m.tasks());
    CHECK(io::spec_to_json(back.spec()) == io::spec_to_json(m.spec()));
    CHECK(all_state(back) == all_state(m));
    CHECK(predictions(back) == predictions(m));

    const auto raw = io::read_safetensors(dir.path / "m.safetensors");
    CHECK(raw.metadata.at("format") == "seqnet-model");
    CHECK(raw.metadata.at("written_by") == "seqnet " SEQNET_VERSION_STRING);
    std::vector<std::string> names;
    for (auto& t : raw.tensors) names.push_back(t.name);
    CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias",
                                            "7.weight", "7.bias", "1.running_mean", "1.running_var"});
    CHECK(raw.find("0.weight")->shape == std::vector<index_t>{6, 4, 5});
    CHECK(raw.find("5.weight")->shape == std::vector<index_t>{8, 6 * 18});
}

TEST_CASE("a compile-time model saves as a spec model that predicts the same", "[model_file]") {
    temp_dir dir;
    zoo::deepbind typed(3, 101);
    randomise(typed, 2);
    io::save_model(dir.path / "deepbind.safetensors", typed, {"a", "b", "c"});
    auto loaded = io::load_model(dir.path / "deepbind.safetensors");
    CHECK(loaded.tasks() == std::vector<std::string>{"a", "b", "c"});
    CHECK(loaded.parameter_count() == typed.parameter_count());
    CHECK(predictions(loaded) == predictions(typed));
    CHECK_THROWS_WITH(io::save_model(dir.path / "x.safetensors", typed, {"a"}),
                      Contains("the last layer outputs (3, 1) = 3 values per sequence, but tasks names 1"));
}

TEST_CASE("weights that do not fit the model are rejected whole, naming each tensor", "[model_file]") {
    spec_model m(small_spec());
    randomise(m, 3);
    const auto before = all_state(m);
    auto good = io::state_dict(m);
    good.path = "torch.safetensors";

    auto attempt = [&](io::tensor_file f) {
        try {
            io::load_state_dict(m, f);
        } catch (...) {
            CHECK(all_state(m) == before);  // nothing half-loaded
            throw;
        }
    };
    SECTION("missing tensor") {
        auto f = good;
        f.tensors.erase(f.tensors.begin() + 2);
        CHECK_THROWS_MATCHES(attempt(f), format_error,
                             Catch::Message("torch.safetensors: the weights do not fit the model: missing tensor "
                                            "'1.weight' (expected shape (6,))"));
    }
    SECTION("wrong shape") {
        auto f = good;
        f.tensors[0].shape = {6, 5, 4};
        CHECK_THROWS_WITH(attempt(f), Contains("tensor '0.weight' has shape (6, 5, 4), the model expects (6, 4, 5)"));
    }
    SECTION("integer tensor") {
        auto f = good;
        f.tensors[1].dtype = "I64";
        CHECK_THROWS_WITH(attempt(f), Contains("tensor '0.bias' is I64, expected a floating-point tensor"));
    }
    SECTION("extra tensor, and several problems in one message") {
        auto f = good;
        f.tensors.push_back({"features.0.weight", {1}, {0}, "F32"});
        f.tensors.erase(f.tensors.begin());
        CHECK_THROWS_WITH(attempt(f), Contains("missing tensor '0.weight'") &&
                                          Contains("unexpected tensor 'features.0.weight' (the model has no parameter "
                                                   "or buffer of that name)"));
    }
    SECTION("PyTorch's num_batches_tracked is accepted and ignored") {
        auto f = good;
        f.tensors.push_back({"1.num_batches_tracked", {}, {17}, "I64"});
        for (auto& t : f.tensors)
            for (auto& v : t.values) v += 1.0f;
        attempt(f);
        CHECK(all_state(m) != before);
        CHECK(m.parameters()[0] == Approx(before[0] + 1.0f));
    }
}

TEST_CASE("weights come from safetensors or npz, told apart by content", "[model_file]") {
    temp_dir dir;
    spec_model m(small_spec());
    randomise(m, 4);
    auto f = io::state_dict(m);
    io::write_safetensors(dir.path / "w.bin", f);
    io::write_npz(dir.path / "w.data", f);
    for (const char* name : {"w.bin", "w.data"}) {
        auto imported = io::import_weights(small_spec(), dir.path / name);
        CHECK(all_state(imported) == all_state(m));
    }
    CHECK_THROWS_WITH(io::load_model(dir.path / "w.bin"),
                      Contains("w.bin: not a seqnet model file (its metadata has no seqnet spec); to use PyTorch "
                               "weights, combine them with a spec: seqnet import --spec SPEC.json"));
}

TEST_CASE("truncated and corrupted model files give errors, never a crash", "[model_file][fuzz]") {
    spec_model m(small_spec());
    randomise(m, 5);
    auto f = io::state_dict(m);
    f.metadata = {{"format", "seqnet-model"}, {"spec", io::spec_to_json(m.spec()).dump()}};
    const auto good = io::safetensors_bytes(f, "mem");
    auto only_seqnet_errors = [](const std::vector<std::uint8_t>& bytes) {
        try {
            auto model = io::model_from_file(io::read_safetensors(bytes, "fuzz"));
            predictions(model, 1);
        } catch (const seqnet::error&) {
        }
    };
    std::uint64_t header = 0;
    std::memcpy(&header, good.data(), 8);
    for (std::size_t n = 0; n < good.size(); n += (n < header + 16 ? 1 : 97))
        CHECK_NOTHROW(only_seqnet_errors(std::vector<std::uint8_t>(good.begin(), good.begin() + n)));
    std::mt19937 rng(8);
    for (int trial = 0; trial < 3000; ++trial) {
        auto bytes = good;
        const std::size_t at = 8 + rng() % header;  // the header, spec included, is where structure lives
        bytes[at] = "0123456789{}[]\":,-e"[rng() % 19];
        CHECK_NOTHROW(only_seqnet_errors(bytes));
    }
}
