// Must not compile: the visitor only accepts steps of convolution layers, and the model has a ReLU.
#include <seqnet/seqnet.hpp>

int main() {
    using namespace seqnet;
    sequential<input<20>, conv1d<4, 3>, relu> model;
    model.visit([](layer_step<conv1d_layer<float>>& step) { (void)step; });
    return 0;
}
