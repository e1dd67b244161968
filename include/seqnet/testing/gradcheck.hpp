// seqnet/testing/gradcheck.hpp -- central finite-difference checks of backward passes.
//
// Public so that users can check their own layers the way seqnet checks its own. For a random input x,
// random parameters and a random upstream gradient r, the scalar s = sum(r * f(x)) is differentiated two
// ways: by backward(dy = r), and by (s(z + h) - s(z - h)) / 2h for every input element and every
// parameter z. Errors are relative in the 2-norm: ||analytic - numeric|| / max(||numeric||, tiny).
// Use double: with h = 1e-6 the numerical error is about 1e-10.
// Cost: 2 forward passes per checked scalar.
#pragma once

#include <seqnet/backend/context.hpp>
#include <seqnet/layers/concepts.hpp>
#include <seqnet/layers/random.hpp>
#include <seqnet/models/visit.hpp>
#include <seqnet/tensor/buffer.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace seqnet {

struct gradcheck_report {
    double input_error = 0.0;      ///< relative 2-norm error of dx
    double parameter_error = 0.0;  ///< relative 2-norm error of the parameter gradients
    index_t inputs_checked = 0;
    index_t parameters_checked = 0;

    double worst() const { return std::max(input_error, parameter_error); }
};

struct gradcheck_options {
    index_t batch = 2;
    std::uint64_t seed = 1;
    phase mode = phase::inference;
    double step = 1e-6;
    double input_scale = 1.0;  ///< inputs drawn from U(-scale, scale)
};

namespace detail {
inline double relative_error(const std::vector<double>& a, const std::vector<double>& n) {
    double diff = 0.0, na = 0.0, nn = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff += (a[i] - n[i]) * (a[i] - n[i]);
        na += a[i] * a[i];
        nn += n[i] * n[i];
    }
    const double scale = std::max({std::sqrt(na), std::sqrt(nn), 1e-12});
    return std::sqrt(diff) / scale;
}
}  // namespace detail

/// Checks input and parameter gradients of one layer, which gradcheck binds to its own parameter
/// buffers and fills with random values.
template <differentiable_layer L>
gradcheck_report gradcheck(L& layer, const gradcheck_options& o = {}) {
    using T = typename L::scalar_type;
    context<cpu> ctx(1);
    random_engine rng(o.seed);
    const shape in = layer.input_shape(), out = layer.output_shape();
    const index_t np = static_cast<index_t>(layer.parameter_count());
    aligned_buffer<T> params(static_cast<std::size_t>(np)), grads(static_cast<std::size_t>(np));
    layer.bind_parameters(params.data(), grads.data());
    layer.initialize(rng, init::he_uniform);
    for (auto& p : params) p = T(rng.uniform(-1.0, 1.0));
    if constexpr (requires { layer.visit_buffers([](std::string_view, param_view<T>) {}); }) {
        // Non-trivial running statistics, so inference-mode checks exercise them.
        layer.visit_buffers([&](std::string_view name, param_view<T> v) {
            const bool variance = name.find("var") != std::string_view::npos;
            for (index_t i = 0; i < v.size(); ++i) v[i] = T(variance ? rng.uniform(0.5, 2.0) : rng.uniform(-1.0, 1.0));
        });
    }
    aligned_buffer<T> x(static_cast<std::size_t>(o.batch * in.size()));
    for (auto& v : x) v = T(rng.uniform(-o.input_scale, o.input_scale));
    aligned_buffer<T> r(static_cast<std::size_t>(o.batch * out.size()));
    for (auto& v : r) v = T(rng.uniform(-1.0, 1.0));
    aligned_buffer<T> y(r.size()), dx(x.size());

    auto score = [&]() {
        layer.forward(ctx, const_batch_view<T>{x.data(), o.batch, in}, batch_view<T>{y.data(), o.batch, out}, o.mode);
        double s = 0.0;
        for (std::size_t i = 0; i < y.size(); ++i) s += double(r[i]) * double(y[i]);
        return s;
    };
    score();
    grads.fill(T(0));
    layer.backward(ctx, const_batch_view<T>{x.data(), o.batch, in}, const_batch_view<T>{y.data(), o.batch, out},
                   const_batch_view<T>{r.data(), o.batch, out}, batch_view<T>{dx.data(), o.batch, in},
                   grad_mode::parameters);

    auto numeric = [&](T& z) {
        const T saved = z;
        z = saved + T(o.step);
        const double up = score();
        z = saved - T(o.step);
        const double down = score();
        z = saved;
        return (up - down) / (2.0 * o.step);
    };
    gradcheck_report rep;
    std::vector<double> a, n;
    for (std::size_t i = 0; i < x.size(); ++i) {
        a.push_back(dx[i]);
        n.push_back(numeric(x[i]));
    }
    rep.input_error = detail::relative_error(a, n);
    rep.inputs_checked = static_cast<index_t>(x.size());
    a.clear();
    n.clear();
    for (std::size_t i = 0; i < params.size(); ++i) {
        a.push_back(grads[i]);
        n.push_back(numeric(params[i]));
    }
    rep.parameter_error = np ? detail::relative_error(a, n) : 0.0;
    rep.parameters_checked = np;
    return rep;
}

/// The same check for a whole model (any differentiable_model with parameters() and gradients()), on
/// the CPU or on the emulated GPU (whose memory the host reads).
template <class Model>
gradcheck_report gradcheck_model(Model& model, const gradcheck_options& o = {}) {
    using T = typename Model::scalar_type;
    using Dev = typename Model::device_type;
    static_assert(!std::same_as<Dev, cuda>, "gradcheck_model reads parameters on the host: check a CPU or "
                                            "emulated_gpu model");
    context<Dev> ctx{};
    random_engine rng(o.seed);
    const shape in = model.input_shape(), out = model.output_shape();
    for (auto& p : model.parameters()) p = T(rng.uniform(-1.0, 1.0));
    aligned_buffer<T> x(static_cast<std::size_t>(o.batch * in.size()));
    for (auto& v : x) v = T(rng.uniform(-o.input_scale, o.input_scale));
    aligned_buffer<T> r(static_cast<std::size_t>(o.batch * out.size()));
    for (auto& v : r) v = T(rng.uniform(-1.0, 1.0));
    const_batch_view<T, Dev> xv{x.data(), o.batch, in};

    auto score = [&]() {
        auto y = model.forward(ctx, xv, o.mode);
        double s = 0.0;
        for (index_t i = 0; i < y.size(); ++i) s += double(r[i]) * double(y.data[i]);
        return s;
    };
    auto numeric = [&](T& z) {
        const T saved = z;
        z = saved + T(o.step);
        const double up = score();
        z = saved - T(o.step);
        const double down = score();
        z = saved;
        return (up - down) / (2.0 * o.step);
    };
    gradcheck_report rep;
    std::vector<double> a, n;
    score();
    model.zero_grad();
    model.backward(ctx, const_batch_view<T, Dev>{r.data(), o.batch, out}, grad_mode::parameters);
    for (auto g : model.gradients()) a.push_back(g);
    for (auto& p : model.parameters()) n.push_back(numeric(p));
    rep.parameter_error = detail::relative_error(a, n);
    rep.parameters_checked = static_cast<index_t>(a.size());
    a.clear();
    n.clear();
    score();
    auto dx = model.backward(ctx, const_batch_view<T, Dev>{r.data(), o.batch, out}, grad_mode::input_only);
    for (index_t i = 0; i < dx.size(); ++i) a.push_back(dx.data[i]);
    for (auto& v : x) n.push_back(numeric(v));
    rep.input_error = detail::relative_error(a, n);
    rep.inputs_checked = static_cast<index_t>(x.size());
    return rep;
}

}  // namespace seqnet
