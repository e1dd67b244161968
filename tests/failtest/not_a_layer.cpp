// Must not compile: `int` is not a layer spec. Expected message: "is not a seqnet layer spec".
#include <seqnet/seqnet.hpp>

int main() {
    seqnet::sequential<seqnet::input<100>, seqnet::conv1d<8, 5>, int, seqnet::relu> model;
    return static_cast<int>(model.depth());
}
