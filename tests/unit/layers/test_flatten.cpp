// tests for seqnet/layers/flatten.hpp
#include <catch2/catch.hpp>
#include "support.hpp"

using namespace seqnet;
using test::bound;

TEST_CASE("flatten is channel-major (PyTorch's order) and its gradient is the identity", "[flatten]") {
    bound<flatten_layer<double>> f(flatten_options{}, {2, 3});
    CHECK(f.layer.output_shape() == shape{6, 1});
    // x[c, l] = 10 c + l must come out as e = c * L + l
    const std::vector<double> x{0, 1, 2, 10, 11, 12};
    auto y = f.forward(x, 1);
    CHECK(y == x);
    auto dx = f.backward(x, y, {1, 2, 3, 4, 5, 6}, 1);
    CHECK(dx == std::vector<double>{1, 2, 3, 4, 5, 6});
    flatten_layer<double> layer(flatten_options{}, {3, 7});
    CHECK(gradcheck(layer).input_error < 1e-6);
}
