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

}  // namespace seqnet
