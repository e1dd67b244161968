// tests for seqnet/interpret/target.hpp
#include <catch2/catch.hpp>
#include "unit/interpret/models.hpp"

using namespace seqnet;

TEST_CASE("the head of a model is found and logits are explained below it", "[interpret][target]") {
    test::small_rc<double> rc;
    test::small_basset<double> plain;
    CHECK(head_of(rc) == output_head::sigmoid);
    CHECK(head_of(plain) == output_head::none);
    const target_function<double> below(rc, target{{1}, target_scale::logit});
    CHECK(below.depth() == rc.depth() - 1);
    CHECK(below.skips_head(rc.depth()));
    const target_function<double> above(rc, target{{1}, target_scale::probability});
    CHECK(above.depth() == rc.depth());
    const target_function<double> none(plain, target{{0, 2}, target_scale::logit});
    CHECK(none.depth() == plain.depth());
    const double z[3] = {0.5, -1.0, 2.0};
    CHECK(none.value(z) == Approx(2.5));
}

TEST_CASE("a probability target of a headless model is the sigmoid of its outputs, with its derivative",
          "[interpret][target]") {
    test::small_basset<double> m;
    const target_function<double> f(m, target{{0, 2}, target_scale::probability});
    const double z[3] = {0.3, 5.0, -1.2};
    const double p0 = 1 / (1 + std::exp(-0.3)), p2 = 1 / (1 + std::exp(1.2));
    CHECK(f.value(z) == Approx(p0 + p2));
    double dz[3];
    f.seed(z, dz);
    CHECK(dz[0] == Approx(p0 * (1 - p0)));
    CHECK(dz[1] == 0.0);
    CHECK(dz[2] == Approx(p2 * (1 - p2)));
    // DeepLIFT's seed is the secant slope between the two points.
    const double z0[3] = {-0.7, 0.0, -1.2};
    f.delta_seed(z, z0, dz, 1e-6);
    CHECK(dz[0] == Approx((p0 - 1 / (1 + std::exp(0.7))) / 1.0));
    CHECK(dz[2] == Approx(p2 * (1 - p2)));  // no difference: the derivative
}

TEST_CASE("a softmax head's logits are mean-centred", "[interpret][target]") {
    basic_sequential<double, cpu, input<10>, conv1d<2, 3>, flatten, dense<4>, softmax> m;
    CHECK(head_of(m) == output_head::softmax);
    const target_function<double> f(m, target{{1}});
    const double z[4] = {1, 2, 3, 6};  // mean 3
    CHECK(f.value(z) == Approx(-1.0));
    double dz[4];
    f.seed(z, dz);
    CHECK(dz[0] == Approx(-0.25));
    CHECK(dz[1] == Approx(0.75));
}

TEST_CASE("a target names tasks the model has", "[interpret][target]") {
    test::small_basset<double> m;
    CHECK_THROWS_WITH((target_function<double>(m, target{{3}})), Catch::Contains("task 3") && Catch::Contains("3 outputs"));
    CHECK_THROWS_WITH((target_function<double>(m, target{{}})), Catch::Contains("no tasks"));
}
