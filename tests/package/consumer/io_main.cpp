// Builds a model from a JSON spec through seqnet::io, saves it as a model file and loads it back.
#include <seqnet/io.hpp>
#include <seqnet/seqnet.hpp>

#include <cstdio>
#include <filesystem>

int main() {
    using namespace seqnet;
    spec_model model(io::parse_spec(R"({"input_length": 50, "tasks": ["a", "b"], "layers": [
        {"type": "conv1d", "filters": 8, "kernel": 5}, {"type": "relu"}, {"type": "global_maxpool"},
        {"type": "dense", "units": "tasks"}]})"));
    model.initialize(7);
    const auto path = std::filesystem::temp_directory_path() / "seqnet_consumer_model.safetensors";
    io::save_model(path, model);
    auto loaded = io::load_model(path);
    std::filesystem::remove(path);
    context<cpu> ctx(1);
    auto x = one_hot(std::vector<std::string>{std::string(50, 'C')});
    auto a = to_matrix(model.predict(ctx, as_batch_view(x)));
    auto b = to_matrix(loaded.predict(ctx, as_batch_view(x)));
    if (a != b || loaded.tasks().size() != 2) return 1;
    std::printf("io consumer: %zu tasks, first %g\n", loaded.tasks().size(), double(b(0, 0)));
    return 0;
}
