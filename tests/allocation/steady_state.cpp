// After a warm-up pass, forward, backward and predict at the same batch size allocate nothing: every
// operator new is counted, and any during the measured passes fails the test.
#include <seqnet/seqnet.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

static std::atomic<long> allocations{0};

// The replacements below pair malloc with free by design; GCC cannot see that through operator new.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
    ++allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

int main() {
    using namespace seqnet;
    using model_t = sequential<input<200>, conv1d<32, 9>, batchnorm, relu, maxpool<4>, conv1d<16, 5, same>,
                               relu, flatten, dense<24>, batchnorm, relu, dropout<0.2>, dense<3>>;
    model_t model;
    model.initialize(1);
    context<cpu> ctx(2);
    adam<float> opt;
    std::vector<std::string> seqs(8, std::string(200, 'A'));
    for (std::size_t i = 0; i < seqs.size(); ++i)
        for (std::size_t j = 0; j < 200; ++j) seqs[i][j] = "ACGT"[(i * 7 + j * 13 + j / 5) % 4];
    auto x = one_hot(seqs);
    std::vector<float> dy(8 * 3, 0.1f);
    const_batch_view<float> dyv{dy.data(), 8, model.output_shape()};

    auto pass = [&] {
        model.forward(ctx, as_batch_view(x), phase::training);
        model.zero_grad();
        model.backward(ctx, dyv, grad_mode::parameters);
        opt.step(model.parameters(), model.gradients());
        model.forward(ctx, as_batch_view(x), phase::inference);
        model.backward(ctx, dyv, grad_mode::input_only);
        model.predict(ctx, as_batch_view(x));
        model.predict(ctx, as_batch_view(x).slice(0, 1));  // batch 1 takes the matrix-vector path
    };
    // The genomics layers too: reverse-complement convolutions, a BiLSTM, a separable dense layer.
    using genomics_t = sequential<input<64>, rc_conv1d<6, 5>, relu, maxpool<2>, rc_conv1d<4, 3, strands::max>, relu,
                                  bilstm<4>, separable_dense<5>, softmax>;
    genomics_t genomics;
    auto xg = one_hot(std::vector<std::string>(4, std::string(64, 'G')));
    std::vector<float> dyg(4 * 5, 0.2f);
    const_batch_view<float> dygv{dyg.data(), 4, genomics.output_shape()};
    auto genomics_pass = [&] {
        genomics.forward(ctx, as_batch_view(xg), phase::training);
        genomics.zero_grad();
        genomics.backward(ctx, dygv, grad_mode::parameters);
        genomics.predict(ctx, as_batch_view(xg));
    };

    // The same model built at run time from its spec: the std::visit walk must not allocate either.
    spec_model runtime(model_spec_of(model));
    auto runtime_pass = [&] {
        runtime.forward(ctx, as_batch_view(x), phase::training);
        runtime.zero_grad();
        runtime.backward(ctx, dyv, grad_mode::parameters);
        runtime.predict(ctx, as_batch_view(x));
    };

    pass();  // warm-up: buffers grow to their steady size
    genomics_pass();
    runtime_pass();
    const long before = allocations.load();
    for (int i = 0; i < 3; ++i) {
        pass();
        genomics_pass();
        runtime_pass();
    }
    const long during = allocations.load() - before;
    std::printf("heap allocations during 3 steady-state training and inference rounds: %ld\n", during);
    return during == 0 ? 0 : 1;
}
