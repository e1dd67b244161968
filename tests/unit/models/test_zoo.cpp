// tests for seqnet/models/zoo/*.hpp: published shapes and parameter counts.
#include <catch2/catch.hpp>
#include "support.hpp"

using namespace seqnet;

TEST_CASE("zoo::basset has Basset's published shapes and 4,135,064 parameters", "[zoo]") {
    zoo::basset m;
    CHECK(m.parameter_count() == 4135064);
    const std::vector<index_t> lengths{600, 582, 582, 582, 194, 184, 184, 184, 46, 40, 40, 40, 10};
    for (std::size_t i = 0; i < lengths.size(); ++i) CHECK(m.shape_at(i).length == lengths[i]);
    CHECK(m.shape_at(13) == shape{2000, 1});
    CHECK(m.output_shape() == shape{164, 1});
}

TEST_CASE("zoo::deepsea has DeepSEA's published shapes and 52,843,119 parameters", "[zoo]") {
    zoo::deepsea m;
    CHECK(m.parameter_count() == 52843119);
    // conv 993, pool 248, conv 241, pool 60, conv 53
    CHECK(m.shape_at(1) == shape{320, 993});
    CHECK(m.shape_at(3) == shape{320, 248});
    CHECK(m.shape_at(5) == shape{480, 241});
    CHECK(m.shape_at(7) == shape{480, 60});
    CHECK(m.shape_at(9) == shape{960, 53});
    CHECK(m.shape_at(12) == shape{50880, 1});
    CHECK(m.output_shape() == shape{919, 1});
}

TEST_CASE("zoo::deepbind: conv 16x24, global max, dense 32, one output", "[zoo]") {
    zoo::deepbind m;
    CHECK(m.parameter_count() == (16 * 4 * 24 + 16) + (32 * 16 + 32) + (32 + 1));
    CHECK(m.shape_at(1) == shape{16, 78});
    CHECK(m.output_shape() == shape{1, 1});
}

TEST_CASE("zoo models take the task count and input length at construction", "[zoo]") {
    zoo::basset b(12, 1000);
    CHECK(b.output_shape() == shape{12, 1});
    CHECK(b.shape_at(13).channels == 200 * ((((1000 - 18) / 3 - 10) / 4 - 6) / 4));
    zoo::deepbind d(3, 40);
    context<cpu> ctx;
    auto y = to_matrix(d.predict(ctx, as_batch_view(one_hot(std::vector<std::string>{std::string(40, 'C')}))));
    CHECK(y.shape()[1] == 3);
    CHECK_THROWS_WITH(zoo::basset(164, 100), Catch::Contains("layer 8 (conv1d)") && Catch::Contains("shorter"));
}

TEST_CASE("a model with an open output size must be given its tasks", "[zoo][sequential]") {
    using open_t = sequential<input<50>, conv1d<4, 5>, global_maxpool, dense<dyn>>;
    CHECK_THROWS_WITH(open_t(50), Catch::Contains("layer 2 (dense)") && Catch::Contains("task count"));
    open_t m(50, 7);
    CHECK(m.output_shape() == shape{7, 1});
}

TEST_CASE("zoo::danq: conv 320x26, pool 13, BiLSTM 320, dense 925, 919 outputs", "[zoo]") {
    zoo::danq m;
    CHECK(m.shape_at(1) == shape{320, 975});
    CHECK(m.shape_at(3) == shape{320, 75});
    CHECK(m.shape_at(5) == shape{640, 75});
    CHECK(m.shape_at(7) == shape{48000, 1});
    CHECK(m.output_shape() == shape{919, 1});
    // conv + BiLSTM (PyTorch layout: two bias vectors per direction) + dense 925 + dense 919
    const index_t lstm = 2 * (4 * 320 * (320 + 320) + 2 * 4 * 320);
    CHECK(lstm == 1643520);
    CHECK(m.parameter_count() == (320 * 4 * 26 + 320) + lstm + (925 * 48000 + 925) + (919 * 925 + 919));
    CHECK(m.parameter_count() == 46929039);
    CHECK(m.parameter_count() - 2 * 4 * 320 == 46926479);  // the Keras original: one LSTM bias per direction
}
