// The seqnet command-line tool: each subcommand lives in its own file and registers itself here.
#pragma once

#include <CLI/CLI.hpp>

namespace seqnet::cli {

/// Each adds its subcommand, options and action to the application.
void add_import(CLI::App& app);
void add_info(CLI::App& app);
void add_predict(CLI::App& app);
void add_simulate(CLI::App& app);
void add_train(CLI::App& app);
void add_evaluate(CLI::App& app);
void add_demo(CLI::App& app);
void add_windows(CLI::App& app);
void add_interpret(CLI::App& app);

/// Threads to use when the user does not say: every core.
int default_threads();

}  // namespace seqnet::cli
