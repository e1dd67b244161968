// seqnet info: what a model file holds -- layers, shapes, parameter counts and tasks.
#include "commands.hpp"

#include <seqnet/io/model_file.hpp>
#include <seqnet/models/summary.hpp>

#include <cstdio>
#include <string>

void seqnet::cli::add_info(CLI::App& app) {
    auto* cmd = app.add_subcommand("info", "Describe a seqnet model file: its layers with output shapes, "
                                           "parameter counts and forward cost, and its tasks.");
    struct options {
        std::string model;
        bool all_tasks = false;
    };
    auto o = std::make_shared<options>();
    cmd->add_option("MODEL", o->model, "seqnet model file (.safetensors)")->required()->check(CLI::ExistingFile);
    cmd->add_flag("--all-tasks", o->all_tasks, "list every task (default: the first 20)");
    cmd->callback([o] {
        const auto file = io::read_safetensors(o->model);
        auto model = io::model_from_file(file);
        std::printf("model    %s\n", o->model.c_str());
        auto meta = [&](const char* key) {
            auto it = file.metadata.find(key);
            return it == file.metadata.end() ? std::string("?") : it->second;
        };
        std::printf("format   %s, version %s, written by %s\n", meta("format").c_str(),
                    meta("format_version").c_str(), meta("written_by").c_str());
        std::printf("input    %lld channels x %lld positions (one-hot A, C, G, T)\n",
                    static_cast<long long>(model.input_shape().channels),
                    static_cast<long long>(model.input_shape().length));
        std::printf("\n%s", summary(model).c_str());
        const auto& tasks = model.tasks();
        std::printf("\ntasks    %zu\n", tasks.size());
        const std::size_t shown = o->all_tasks ? tasks.size() : std::min<std::size_t>(tasks.size(), 20);
        for (std::size_t t = 0; t < shown; ++t) std::printf("  %zu\t%s\n", t, tasks[t].c_str());
        if (shown < tasks.size()) std::printf("  ... and %zu more (--all-tasks lists them)\n", tasks.size() - shown);
    });
}
