// seqnet import: a JSON spec plus PyTorch weights (safetensors or .npz) become one seqnet model file.
#include "commands.hpp"

#include <seqnet/io/model_file.hpp>

#include <cstdio>
#include <string>

void seqnet::cli::add_import(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "import",
        "Combine a model spec (JSON) with weights saved from PyTorch into a seqnet model file.\n"
        "The weights are a state_dict saved as safetensors or NumPy .npz, keyed as PyTorch names them\n"
        "(\"0.weight\", \"1.running_mean\", ...; a spec layer's \"name\" overrides its index). Every tensor\n"
        "must match the spec's shapes; nothing is written otherwise.\n"
        "Example:\n"
        "  seqnet import --spec basset.json --weights basset_state_dict.npz --out basset.safetensors");
    struct options {
        std::string spec, weights, out;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("--spec", o->spec, "model spec, JSON (docs/spec-format.md)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--weights", o->weights, "PyTorch state_dict as .safetensors or .npz")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--out", o->out, "seqnet model file to write (.safetensors)")->required();
    cmd->callback([o] {
        auto model = io::import_weights(io::read_spec(o->spec), o->weights);
        io::save_model(o->out, model);
        std::fprintf(stderr, "seqnet import: wrote %s (%zu layers, %lld parameters, %zu tasks)\n", o->out.c_str(),
                     model.depth(), static_cast<long long>(model.parameter_count()), model.tasks().size());
    });
}
