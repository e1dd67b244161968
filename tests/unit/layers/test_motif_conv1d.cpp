// tests for seqnet/layers/motif_conv1d.hpp (and learned_motifs in motif/from_filters.hpp)
#include <catch2/catch.hpp>

#include <seqnet/motif.hpp>
#include <seqnet/seqnet.hpp>
#include <seqnet/train/trainer.hpp>
#include <seqnet/io/spec_json.hpp>

#include <cmath>

using namespace seqnet;

TEST_CASE("motif_conv1d's gradients match finite differences, with padding and dilation", "[layers][motif_conv1d][gradcheck]") {
    for (auto o : {motif_conv1d_options{3, 5}, motif_conv1d_options{2, 4, same, 2, false},
                   motif_conv1d_options{2, 3, valid, 1, true, 0, {0.3, 0.2, 0.2, 0.3}}}) {
        motif_conv1d_layer<double> l(o, {4, 12});
        const auto r = gradcheck(l, {.batch = 2, .seed = 3});
        CHECK(r.input_error < 1e-7);
        CHECK(r.parameter_error < 1e-7);
        CHECK(r.parameters_checked == l.parameter_count());
    }
}

TEST_CASE("motif_conv1d runs the log-odds of its probabilities; its information penalty has the right gradient",
          "[layers][motif_conv1d]") {
    const double lambda = 0.3;
    motif_conv1d_layer<double> l({2, 3, valid, 1, true, lambda}, {4, 8});
    std::vector<double> params(static_cast<std::size_t>(l.parameter_count())), grads(params.size(), 0.0);
    l.bind_parameters(params.data(), grads.data());
    random_engine rng(5);
    for (auto& p : params) p = rng.uniform(-2, 2);
    context<cpu> ctx;
    std::vector<double> x(4 * 8, 0.0), y(2 * 6), dy(2 * 6, 0.0), dx(x.size());
    for (int i = 0; i < 8; ++i) x[static_cast<std::size_t>((i % 4) * 8 + i)] = 1;  // one-hot ACGTACGT
    const shape in{4, 8}, out{2, 6};
    l.forward(ctx, const_batch_view<double>{x.data(), 1, in}, batch_view<double>{y.data(), 1, out}, phase::inference);
    // Output 0 of filter 0 scores ACG: sum of log2(4 p) plus the bias.
    const double expected = std::log2(4 * l.probability(0, 0, 0)) + std::log2(4 * l.probability(0, 1, 1)) +
                            std::log2(4 * l.probability(0, 2, 2)) + params[static_cast<std::size_t>(2 * 4 * 3)];
    CHECK(y[0] == Approx(expected).epsilon(1e-12));
    // With dy = 0 the parameter gradient is the penalty's alone: lambda * d(sum of IC)/d(theta).
    l.backward(ctx, const_batch_view<double>{x.data(), 1, in}, const_batch_view<double>{y.data(), 1, out},
               const_batch_view<double>{dy.data(), 1, out}, batch_view<double>{dx.data(), 1, in}, grad_mode::parameters);
    auto total_ic = [&] {
        double s = 0;
        for (index_t f = 0; f < 2; ++f)
            for (index_t k = 0; k < 3; ++k)
                for (index_t c = 0; c < 4; ++c) {
                    const double p = l.probability(f, c, k);
                    s += p * std::log2(p / 0.25);
                }
        return s;
    };
    for (std::size_t i = 0; i < 2 * 4 * 3; ++i) {
        const double saved = params[i];
        params[i] = saved + 1e-6;
        const double up = total_ic();
        params[i] = saved - 1e-6;
        const double down = total_ic();
        params[i] = saved;
        CHECK(grads[i] == Approx(lambda * (up - down) / 2e-6).margin(1e-7));
    }
}

TEST_CASE("a model with motif filters learns filters that read as motifs, and their logos are their parameters",
          "[layers][motif_conv1d][motif]") {
    dataset d(40, {"gata"});
    random_engine rng(11);
    for (int i = 0; i < 400; ++i) {
        std::string s(40, 'A');
        for (auto& c : s) c = "ACGT"[rng.next() % 4];
        const bool positive = i % 2 == 0;
        if (positive) s.replace(5 + rng.next() % 25, 6, "AGATAA");
        const float label[1] = {positive ? 1.0f : 0.0f};
        d.add("s" + std::to_string(i), s, label);
    }
    sequential<input<40>, motif_conv1d<4, 6, valid, 1, true, 0.001>, relu, global_maxpool, dense<1>> m;
    m.initialize(2);
    context<cpu> ctx(2);
    train_options o{.epochs = 12, .batch = 32, .lr = 0.03, .patience = 0};
    o.progress = progress_mode::never;
    o.epoch_lines = false;
    train(m, ctx, d, nullptr, o);
    const auto motifs = learned_motifs(m);
    REQUIRE(motifs.size() == 4);
    bool found = false;
    for (index_t f = 0; f < 4; ++f) {
        const auto p = ppm(motifs[static_cast<std::size_t>(f)]);
        for (index_t k = 0; k < 6; ++k)
            for (index_t c = 0; c < 4; ++c)  // the logo's probabilities are the layer's
                CHECK(p[k][c] == Approx(m.layer<0>().probability(f, c, k)).epsilon(1e-6));
        for (double bits : information_content(p)) {
            CHECK(bits >= 0.0);
            CHECK(bits <= 2.0);
        }
        const std::string cons = consensus(p);
        INFO("filter " << f << " consensus " << cons);
        found |= cons.find("GATA") != std::string::npos || cons.find("TATC") != std::string::npos;
    }
    CHECK(found);  // some filter learned the planted site
    // Database motifs set the logits so that the probabilities are the motif's.
    const motif gata = to_motif(builtin_motif("gata"));
    set_filters_from_motifs(m, {gata}, {.pseudocount = 0});
    const auto back = ppm(learned_motifs(m)[0]);
    const auto want = ppm(gata);
    for (std::size_t k = 0; k < 6; ++k)
        for (int c = 0; c < 4; ++c) CHECK(back[k][c] == Approx(want[k][c]).epsilon(1e-5));
}

TEST_CASE("a JSON spec builds a motif_conv1d model, and the spec reads back the same", "[layers][motif_conv1d][spec_json]") {
    const auto spec = io::parse_spec(R"({"input_length": 30, "tasks": ["a"], "layers": [
        {"type": "motif_conv1d", "filters": 3, "kernel": 5, "ic_penalty": 0.01, "background": [0.3, 0.2, 0.2, 0.3]},
        {"type": "relu"}, {"type": "global_maxpool"}, {"type": "dense", "units": "tasks"}]})");
    spec_model m(spec);
    m.initialize(2);
    CHECK(learned_motifs(m).size() == 3);
    std::vector<std::string> names;
    m.visit_parameters([&](const std::string& name, auto, auto) { names.push_back(name); });
    CHECK(names.front() == "0.logits");
    const auto again = io::parse_spec(io::format_spec(spec));
    CHECK(io::format_spec(again) == io::format_spec(spec));
    CHECK(io::format_spec(spec).find("\"background\"") != std::string::npos);
    CHECK_THROWS_WITH(io::parse_spec(R"({"input_length": 30, "tasks": ["a"], "layers": [
        {"type": "motif_conv1d", "filters": 3, "kernel": 5, "background": [0.5, 0.5, 0.5, 0.5]}]})"),
                      Catch::Contains("must sum to 1"));
}
