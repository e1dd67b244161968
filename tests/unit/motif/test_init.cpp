// tests for seqnet/motif/init.hpp and the trainer's frozen rows
#include <catch2/catch.hpp>

#include <seqnet/motif/init.hpp>
#include <seqnet/seqnet.hpp>
#include <seqnet/train/trainer.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace seqnet;

namespace {
dataset planted(index_t n, std::uint64_t seed) {
    dataset d(40, {"gata", "ebox"});
    random_engine rng(seed);
    for (index_t i = 0; i < n; ++i) {
        std::string s(40, 'A');
        for (auto& c : s) c = "ACGT"[rng.next() % 4];
        const bool gata = rng.next() % 2, ebox = rng.next() % 2;
        if (gata) s.replace(3 + rng.next() % 30, 4, "GATA");
        if (ebox) s.replace(2 + rng.next() % 30, 6, "CACGTG");
        const float labels[2] = {gata ? 1.0f : 0.0f, ebox ? 1.0f : 0.0f};
        d.add("s" + std::to_string(i), s, labels);
    }
    return d;
}
}  // namespace

TEST_CASE("a motif becomes its log-odds filter, centred, padded with zeros, the widest cut to its best window",
          "[motif][init]") {
    sequential<input<40>, conv1d<5, 10>, relu, global_maxpool, dense<2>> m;
    m.initialize(3);
    const motif gata = to_motif(builtin_motif("gata"));  // 6 wide
    const motif ctcf = to_motif(builtin_motif("ctcf"));  // 14 wide: cut to 10
    const auto frozen = set_filters_from_motifs(m, {gata, ctcf}, {.bias = -2.0, .first_filter = 2});
    CHECK(frozen == std::vector<std::string>{"0.weight[2,3]", "0.bias[2,3]"});
    const auto w = m.layer<0>().weight();
    const auto lo = log_odds(ppm(gata, 0.1));
    for (index_t c = 0; c < 4; ++c)
        for (index_t k = 0; k < 10; ++k) {
            const double expected = k >= 2 && k < 8 ? lo[k - 2][c] : 0.0;  // offset (10 - 6) / 2 = 2
            CHECK(w[(2 * 4 + c) * 10 + k] == Approx(expected).margin(1e-6));
        }
    CHECK(m.layer<0>().bias()[2] == -2.0f);
    // The filter's best score is the motif's consensus, sum over taps of the best log-odds, plus the bias.
    const motif cut = most_informative_window(ctcf, 10);
    CHECK(cut.width() == 10);
    const auto lc = log_odds(ppm(cut, 0.1));
    double best = -2.0;
    std::string consensus_seq;
    for (const auto& r : lc) {
        const int b = int(std::max_element(r.begin(), r.end()) - r.begin());
        best += r[b];
        consensus_seq += "ACGT"[b];
    }
    std::string seq(40, 'A');
    seq.replace(5, 10, consensus_seq);
    context<cpu> ctx;
    const auto x = one_hot(std::vector<std::string>{seq});
    const auto a = m.forward(ctx, const_batch_view<float>{x.data(), 1, m.input_shape()}, phase::inference, {0, 1});
    CHECK(a.row(0, 3)[5] == Approx(best).epsilon(1e-5));
    for (index_t j = 0; j < a.sample.length; ++j) CHECK(a.row(0, 3)[j] <= a.row(0, 3)[5] + 1e-5f);
    CHECK_THROWS_WITH(set_filters_from_motifs(m, {gata, gata, gata}, {.first_filter = 3}), Catch::Contains("do not fit"));
}

TEST_CASE("filters from motifs stay bit-for-bit when frozen; the others and unfrozen ones learn", "[motif][init][trainer]") {
    const dataset train_set = planted(200, 7);
    sequential<input<40>, conv1d<6, 8>, relu, global_maxpool, dense<8>, relu, dense<2>> frozen_model, free_model;
    frozen_model.initialize(5);
    free_model.initialize(5);
    const std::vector<motif> db{to_motif(builtin_motif("gata")), to_motif(builtin_motif("ebox"))};
    const auto frozen = set_filters_from_motifs(frozen_model, db);
    set_filters_from_motifs(free_model, db);
    const auto w0 = frozen_model.layer<0>().weight();
    const std::vector<float> before(w0.data, w0.data + w0.size());
    const float bias0 = frozen_model.layer<0>().bias()[0], bias1 = frozen_model.layer<0>().bias()[1];
    context<cpu> ctx(1);
    train_options o{.epochs = 2, .optimizer = optimizer_kind::adamw, .weight_decay = 0.1, .l2 = 0.01};
    o.progress = progress_mode::never;
    o.epoch_lines = false;
    train(free_model, ctx, train_set, nullptr, o);
    o.frozen = frozen;
    train(frozen_model, ctx, train_set, nullptr, o);
    const auto w = frozen_model.layer<0>().weight(), wf = free_model.layer<0>().weight();
    index_t moved_other = 0, moved_free = 0;
    for (index_t i = 0; i < w.size(); ++i) {
        if (i < 2 * 4 * 8) {
            CHECK(w[i] == before[static_cast<std::size_t>(i)]);  // filters 0 and 1: frozen
            moved_free += wf[i] != before[static_cast<std::size_t>(i)];
        } else {
            moved_other += w[i] != before[static_cast<std::size_t>(i)];
        }
    }
    CHECK(frozen_model.layer<0>().bias()[0] == bias0);
    CHECK(frozen_model.layer<0>().bias()[1] == bias1);
    CHECK(moved_other > 100);
    CHECK(moved_free > 30);  // without the freeze they fine-tune
    o.frozen = {"0.weight[9]"};
    CHECK_THROWS_WITH(train(frozen_model, ctx, train_set, nullptr, o), Catch::Contains("row 9 is outside"));
    o.frozen = {"0.weight[x]"};
    CHECK_THROWS_WITH(train(frozen_model, ctx, train_set, nullptr, o), Catch::Contains("not a row number"));
}
