// seqnet/layers/layer_base.hpp -- the part every layer with options shares: its type names, its
// options, and its input and output shapes, checked at construction (a shape_error names the layer).
#pragma once

#include <seqnet/layers/concepts.hpp>

namespace seqnet {

/// Derived is the layer (for its `name`); Options has a constexpr output_shape(shape).
template <class Derived, class T, class Dev, class Options>
class layer_base {
public:
    using scalar_type = T;
    using device_type = Dev;
    using options_type = Options;

    layer_base(const Options& o, shape in) : opts_(o), in_(in), out_(checked(o.output_shape(in), Derived::name, in)) {}

    const Options& options() const { return opts_; }
    shape input_shape() const { return in_; }
    shape output_shape() const { return out_; }
    shape output_shape(shape in) const { return checked(opts_.output_shape(in), Derived::name, in); }

protected:
    Options opts_;
    shape in_, out_;
};

}  // namespace seqnet
