// tests for seqnet/motif/influence.hpp
#include <catch2/catch.hpp>

#include <seqnet/motif/influence.hpp>
#include <seqnet/seqnet.hpp>

using namespace seqnet;

TEST_CASE("a filter the output does not read has no influence; one it reads has, with the sign of its weight",
          "[motif][influence]") {
    context<cpu> ctx(2);
    using model_t = sequential<input<30>, conv1d<3, 5>, relu, global_maxpool, dense<2>>;
    model_t m;
    m.initialize(2);
    auto& dense = m.layer<3>();
    auto w = dense.weight();
    for (index_t i = 0; i < w.size(); ++i) w[i] = 0;
    w[0 * 3 + 0] = 2.0f;   // task 0 reads filter 0, upwards
    w[1 * 3 + 2] = -1.5f;  // task 1 reads filter 2, downwards; nothing reads filter 1
    random_engine rng(4);
    std::vector<std::string> seqs(20, std::string(30, 'A'));
    for (auto& s : seqs)
        for (auto& c : s) c = "ACGT"[rng.next() % 4];
    const auto x = one_hot(seqs);
    const auto r = influence_of_filters(m, ctx, x, {.batch = 7});
    REQUIRE(r.per_task.shape()[0] == 3);
    REQUIRE(r.per_task.shape()[1] == 2);
    CHECK(r.overall[1] == 0.0);
    CHECK(r.per_task(1, 0) == 0.0);
    CHECK(r.per_task(0, 1) == 0.0);
    CHECK(r.overall[0] > 0.0);
    CHECK(r.overall[2] > 0.0);
    // The global max of a filter's activation is at least its mean, so replacing it by the mean lowers
    // (task 0, positive weight) or raises (task 1, negative weight) the prediction.
    CHECK(r.per_task(0, 0) > 0.0);
    CHECK(r.per_task(2, 1) < 0.0);
    // Independent check of one entry: the prediction with filter 0 set to its mean, by hand.
    double mean = 0;
    const auto a = m.forward(ctx, const_batch_view<float>{x.data(), 20, m.input_shape()}, phase::inference, {0, 2});
    for (index_t n = 0; n < 20; ++n)
        for (index_t j = 0; j < a.sample.length; ++j) mean += a.row(n, 0)[j];
    mean /= 20.0 * double(a.sample.length);
    double expected = 0;
    for (index_t n = 0; n < 20; ++n) {
        double top = 0;
        for (index_t j = 0; j < a.sample.length; ++j) top = std::max(top, double(a.row(n, 0)[j]));
        const double b = dense.bias()[0];
        expected += logistic(2.0 * top + b) - logistic(2.0 * mean + b);
    }
    CHECK(r.per_task(0, 0) == Approx(expected / 20.0).epsilon(1e-5));
}
