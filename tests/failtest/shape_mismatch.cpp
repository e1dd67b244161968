// Must not compile: after two pools the length is 5, shorter than the third convolution's kernel (7).
// Expected: a static_assert naming layer_fits<3, conv1d<...>, 16, 5>.
#include <seqnet/seqnet.hpp>

int main() {
    using namespace seqnet;
    sequential<input<24>, conv1d<16, 5>, maxpool<2>, maxpool<2>, conv1d<16, 7>> model;
    return static_cast<int>(model.depth());
}
