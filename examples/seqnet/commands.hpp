// The seqnet command-line tool: each subcommand lives in its own file and registers itself here.
#pragma once

#include <seqnet/tensor/dna.hpp>

#include <CLI/CLI.hpp>

#include <string>

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
void add_motifs(CLI::App& app);
void add_compare(CLI::App& app);

/// Threads to use when the user does not say: every core.
int default_threads();

/// Adds --ambiguous (how N and other IUPAC codes are encoded: zeros, uniform, fractional) to `cmd`,
/// stored in `name` (default zeros); ambiguity_from(name) is the policy.
void add_ambiguity_option(CLI::App* cmd, std::string& name);
ambiguity_policy ambiguity_from(const std::string& name);

}  // namespace seqnet::cli
