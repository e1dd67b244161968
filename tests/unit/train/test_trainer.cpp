// tests for seqnet/train/trainer.hpp
#include <catch2/catch.hpp>

#include <seqnet/data/dataset.hpp>
#include <seqnet/models.hpp>
#include <seqnet/train/trainer.hpp>

#include <cstdio>
#include <sstream>

using namespace seqnet;

namespace {

std::string name_of(const char* prefix, index_t i) {  // (not prefix + to_string: GCC 12 warns falsely)
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%lld", prefix, static_cast<long long>(i));
    return buf;
}

// A problem a small CNN must learn: task 0 is "contains GATA", task 1 is "contains CACGTG"; some
// labels missing.
dataset planted(index_t n, std::uint64_t seed) {
    dataset d(40, {"gata", "ebox"});
    random_engine rng(seed);
    for (index_t i = 0; i < n; ++i) {
        std::string s(40, 'A');
        for (auto& c : s) c = "ACGT"[rng.next() % 4];
        const bool gata = rng.next() % 2, ebox = rng.next() % 2;
        if (gata) s.replace(3 + rng.next() % 30, 4, "GATA");
        if (ebox) s.replace(2 + rng.next() % 30, 6, "CACGTG");
        const bool has_gata = s.find("GATA") != std::string::npos || s.find("TATC") != std::string::npos;
        const bool has_ebox = s.find("CACGTG") != std::string::npos;
        const float labels[2] = {has_gata ? 1.0f : 0.0f, i % 17 == 0 ? missing_label : (has_ebox ? 1.0f : 0.0f)};
        d.add(name_of("s", i), s, labels);
    }
    return d;
}

using small_cnn = sequential<input<40>, conv1d<8, 6>, relu, global_maxpool, dense<8>, relu, dense<2>>;

train_options quiet(train_options o) {
    o.progress = progress_mode::never;
    return o;
}

}  // namespace

TEST_CASE("training drives a small problem's loss down and learns it", "[trainer]") {
    const dataset train_set = planted(600, 1), valid_set = planted(200, 2);
    small_cnn model;
    model.initialize(3);
    context<cpu> ctx(1);
    std::ostringstream log;
    const auto report = train(model, ctx, train_set, &valid_set,
                              quiet({.epochs = 15, .batch = 32, .lr = 3e-3, .patience = 0, .log = &log}));
    REQUIRE(report.epochs.size() == 15);
    CHECK(report.epochs.back().train_loss < 0.5 * report.epochs.front().train_loss);
    CHECK(report.epochs[report.best_epoch - 1].valid_auroc > 0.9);
    // The per-epoch log: a header and one line per epoch.
    const std::string text = log.str();
    CHECK(std::count(text.begin(), text.end(), '\n') == 16);
    CHECK(text.starts_with("epoch\ttrain_loss\tvalid_loss\tvalid_auroc\tvalid_auprc\tseconds\tbest\n"));
    // The restored weights are the best epoch's: their validation loss is the best one logged.
    std::vector<float> g(valid_set.labels().size()), scratch;
    auto out = model_outputs(model, ctx, valid_set);
    const double restored = loss<float>(loss_kind::binary_cross_entropy, out, valid_set.labels(), g, 2, scratch);
    CHECK(restored == Approx(report.epochs[report.best_epoch - 1].valid_loss).epsilon(1e-6));
}

TEST_CASE("training with one thread and a seed is bit-for-bit reproducible", "[trainer]") {
    const dataset train_set = planted(200, 4), valid_set = planted(60, 5);
    auto run = [&](std::uint64_t seed) {
        sequential<input<40>, conv1d<6, 5>, batchnorm, relu, maxpool<2>, flatten, dense<8>, relu, dropout<0.2>, dense<2>>
            model;
        model.initialize(7);
        context<cpu> ctx(1);
        train(model, ctx, train_set, &valid_set,
              quiet({.epochs = 3, .batch = 16, .lr = 1e-2, .reverse_complement = true, .seed = seed}));
        return std::vector<float>(model.parameters().begin(), model.parameters().end());
    };
    const auto a = run(11), b = run(11), c = run(12);
    CHECK(a == b);
    CHECK(a != c);
}

TEST_CASE("frozen parameters keep their values exactly; the others learn", "[trainer]") {
    const dataset train_set = planted(100, 6);
    small_cnn model;
    model.initialize(1);
    std::vector<float> before(model.parameters().begin(), model.parameters().end());
    context<cpu> ctx(1);
    train(model, ctx, train_set, nullptr,
          quiet({.epochs = 2, .optimizer = optimizer_kind::adamw, .weight_decay = 0.1, .l2 = 0.01,
                 .frozen = {"0.", "3.bias"}}));
    index_t frozen = 0, moved = 0;
    model.visit_parameters([&](const std::string& name, param_view<float> v, param_view<float>) {
        const auto at = v.data - model.parameters().data();
        for (index_t i = 0; i < v.size(); ++i) {
            if (name.starts_with("0.") || name == "3.bias") {
                CHECK(v[i] == before[static_cast<std::size_t>(at + i)]);
                ++frozen;
            } else if (v[i] != before[static_cast<std::size_t>(at + i)]) {
                ++moved;
            }
        }
    });
    CHECK(frozen == 8 * 4 * 6 + 8 + 8);
    CHECK(moved > 50);
    CHECK_THROWS_WITH(train(model, ctx, train_set, nullptr, quiet({.epochs = 1, .frozen = {"conv"}})),
                      Catch::Contains("frozen 'conv' names no parameter"));
}

TEST_CASE("early stopping stops after `patience` epochs without improvement", "[trainer]") {
    // Labels that are noise: validation cannot improve for long, so training stops early.
    dataset noise(40, {"a", "b"}), noise_valid(40, {"a", "b"});
    random_engine rng(9);
    for (int i = 0; i < 300; ++i) {
        std::string s(40, 'A');
        for (auto& c : s) c = "ACGT"[rng.next() % 4];
        const float l[2] = {float(rng.next() % 2), float(rng.next() % 2)};
        (i < 200 ? noise : noise_valid).add(name_of("n", i), s, l);
    }
    small_cnn model;
    context<cpu> ctx(1);
    const auto report = train(model, ctx, noise, &noise_valid, quiet({.epochs = 50, .lr = 1e-2, .patience = 2}));
    CHECK(report.stopped_early);
    CHECK(report.epochs.size() == static_cast<std::size_t>(report.best_epoch + 2));
}

TEST_CASE("a dataset that does not fit the model is an error", "[trainer]") {
    small_cnn model;
    context<cpu> ctx(1);
    dataset wrong_length(30, {"a", "b"}), wrong_tasks(40, {"a"});
    const float one[2] = {1, 0};
    wrong_length.add("x", std::string(30, 'A'), one);
    wrong_tasks.add("x", std::string(40, 'A'), std::span<const float>(one, 1));
    CHECK_THROWS_WITH(train(model, ctx, wrong_length, nullptr, quiet({})),
                      Catch::Contains("the training set holds sequences of 30 bases; the model takes (4, 40)"));
    CHECK_THROWS_WITH(train(model, ctx, wrong_tasks, nullptr, quiet({})),
                      Catch::Contains("the training set has 1 tasks; the model outputs 2 values per sequence"));
}
