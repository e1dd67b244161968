// Builds a small model through the umbrella header and checks one forward pass.
#include <seqnet/seqnet.hpp>

#include <cstdio>

int main() {
    using namespace seqnet;
    sequential<input<50>, conv1d<8, 5, same>, relu, global_maxpool, dense<2>> model;
    model.initialize(7);
    context<cpu> ctx(1);
    auto x = one_hot(std::vector<std::string>{std::string(50, 'A'), std::string(50, 'g')});
    auto y = to_matrix(model.predict(ctx, as_batch_view(x)));
    if (y.shape()[0] != 2 || y.shape()[1] != 2) return 1;
    std::printf("consumer: %zu x %zu outputs, first %g\n", y.shape()[0], y.shape()[1], double(y(0, 0)));
    return 0;
}
