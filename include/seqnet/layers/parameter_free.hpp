// seqnet/layers/parameter_free.hpp -- the shared do-nothing parameter interface of layers that learn
// nothing (activations, pooling, flatten, dropout).
#pragma once

#include <seqnet/layers/concepts.hpp>

namespace seqnet {

template <class T>
struct parameter_free {
    index_t parameter_count() const { return 0; }
    void bind_parameters(T*, T*) {}
    template <class F>
    void visit_parameters(F&&) {}
    void initialize(random_engine&, init) {}
};

/// Options of a layer that keeps its input shape and has no settings.
struct shape_preserving_options {
    constexpr shape_result output_shape(shape in) const { return {in}; }
};

/// What every shape-preserving, parameter-free, position-wise layer (activations) has in common.
/// Options is the layer's own (empty) options type, so that options name their layer uniquely.
template <class T, class Dev, class Options>
class pointwise_layer : public parameter_free<T> {
public:
    using scalar_type = T;
    using device_type = Dev;
    using options_type = Options;

    explicit pointwise_layer(shape in) : in_(in) {}
    Options options() const { return {}; }
    shape input_shape() const { return in_; }
    shape output_shape() const { return in_; }
    shape output_shape(shape in) const { return in; }
    window receptive_field() const { return pointwise_window; }

protected:
    shape in_;
};

}  // namespace seqnet
