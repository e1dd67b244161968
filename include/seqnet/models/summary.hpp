// seqnet/models/summary.hpp -- a printable table of a model: each layer's name, output shape,
// parameter count and forward flops, with totals. Works on any model that offers visit().
#pragma once

#include <seqnet/models/model_base.hpp>

#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>

namespace seqnet {

template <class Model>
std::string summary(Model& model) {
    std::ostringstream os;
    char line[160];
    std::snprintf(line, sizeof line, "%-4s %-16s %-14s %12s %14s\n", "#", "layer", "output", "parameters",
                  "MFLOP/sample");
    os << line;
    os << "input            " << to_string(model.input_shape()) << "\n";
    index_t total_params = 0;
    double total_flops = 0;
    model.visit([&](auto& step) {
        using L = typename std::remove_cvref_t<decltype(step)>::layer_type;
        double mflop = 0;
        if constexpr (detail::has_flops<L>) mflop = static_cast<double>(step.layer.flops()) / 1e6;
        const index_t p = static_cast<index_t>(step.layer.parameter_count());
        total_params += p;
        total_flops += mflop;
        std::snprintf(line, sizeof line, "%-4zu %-16s %-14s %12lld %14.3f\n", step.index,
                      std::string(L::name).c_str(), to_string(step.layer.output_shape()).c_str(),
                      static_cast<long long>(p), mflop);
        os << line;
    });
    std::snprintf(line, sizeof line, "total: %lld parameters, %.3f MFLOP per sample forward\n",
                  static_cast<long long>(total_params), total_flops);
    os << line;
    return os.str();
}

}  // namespace seqnet
