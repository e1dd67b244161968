// seqnet/models/zoo/published.hpp -- what every zoo model adds to its layer list: the published task
// count and input length as constructor defaults.
#pragma once

#include <seqnet/models/sequential.hpp>

namespace seqnet::zoo {

/// A sequential model (with input<dyn> and an output dense<dyn>) whose constructor defaults to the
/// published task count and input length.
template <index_t Tasks, index_t Length, class Sequential>
class published_model : public Sequential {
public:
    static constexpr index_t published_tasks = Tasks;
    static constexpr index_t published_length = Length;

    explicit published_model(index_t tasks = Tasks, index_t length = Length) : Sequential(length, tasks) {}
};

}  // namespace seqnet::zoo
