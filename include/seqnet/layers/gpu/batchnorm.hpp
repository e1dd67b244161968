// seqnet/layers/gpu/batchnorm.hpp -- batch normalisation on a GPU device. Channel statistics are reduced
// in two steps in double: up to 32 threads per (channel, sample) row, reading adjacent values, then one
// thread per channel over those partial sums; the values are mapped by one thread each. Running statistics live on the device.
// The same layer as layers/batchnorm.hpp.
#pragma once

#include <seqnet/backend/device_memory.hpp>
#include <seqnet/backend/gpu/runtime.hpp>
#include <seqnet/layers/batchnorm.hpp>
#include <seqnet/layers/gpu/fusion.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace seqnet {

namespace gpu_kernels {

/// Each (channel, sample) row of length L is summed by `lanes` threads, lane k taking positions k,
/// k + lanes, ... so that adjacent threads read adjacent values; the channel reducers below then see
/// N x lanes partial sums per channel. Thread i = c (N lanes) + n lanes + k.
struct row_lanes {
    index_t N, C, L, lanes;
    SEQNET_HD index_t channel(index_t i) const { return i / (N * lanes); }
    SEQNET_HD index_t row(index_t i) const { return (((i / lanes) % N) * C + channel(i)) * L; }
    SEQNET_HD index_t lane(index_t i) const { return i % lanes; }
};

/// Thread i (row_lanes): its lane's sum of x[n, c, :] (minus `centre[c]` and squared, if given).
template <class T>
struct channel_sample_sums {
    const T* x;
    const double* centre;  // null: plain sums
    double* partial;
    row_lanes g;
    SEQNET_HD void operator()(index_t i) const {
        const T* r = x + g.row(i);
        double s = 0;
        if (centre) {
            const double m = centre[g.channel(i)];
            for (index_t l = g.lane(i); l < g.L; l += g.lanes) s += (double(r[l]) - m) * (double(r[l]) - m);
        } else {
            for (index_t l = g.lane(i); l < g.L; l += g.lanes) s += double(r[l]);
        }
        partial[i] = s;
    }
};

/// Thread c: the batch mean of channel c from its N partial sums.
struct channel_mean {
    const double* partial;
    double* mean;
    index_t N;
    double count;
    SEQNET_HD void operator()(index_t c) const {
        double s = 0;
        for (index_t n = 0; n < N; ++n) s += partial[c * N + n];
        mean[c] = s / count;
    }
};

/// Thread c, training: the variance from the partial sums of squared deviations, the running statistics' update
/// and the map y = a x + b.
template <class T>
struct channel_training_affine {
    const double* partial;
    const double* mean;
    double* inv_std;
    const T* gamma;
    const T* beta;
    T* running_mean;
    T* running_var;
    T* a;
    T* b;
    index_t N;
    double count, eps, momentum;
    SEQNET_HD void operator()(index_t c) const {
        double ss = 0;
        for (index_t n = 0; n < N; ++n) ss += partial[c * N + n];
        const double var = ss / count, is = 1.0 / std::sqrt(var + eps);
        inv_std[c] = is;
        const double unbiased = count > 1 ? ss / (count - 1) : var;
        running_mean[c] = T((1 - momentum) * running_mean[c] + momentum * mean[c]);
        running_var[c] = T((1 - momentum) * running_var[c] + momentum * unbiased);
        a[c] = T(gamma[c] * is);
        b[c] = T(beta[c] - gamma[c] * is * mean[c]);
    }
};

/// Thread c, inference: a = gamma / sqrt(running_var + eps), b = beta - a running_mean.
template <class T>
struct channel_inference_affine {
    const T* gamma;
    const T* beta;
    const T* running_mean;
    const T* running_var;
    T* a;
    T* b;
    double eps;
    SEQNET_HD void operator()(index_t c) const {
        const auto m = batchnorm_inference_map(gamma[c], beta[c], running_mean[c], running_var[c], eps);
        a[c] = m.a;
        b[c] = m.b;
    }
};

/// Thread i: y = a[c] x + b[c] (b may be null).
template <class T>
struct channel_affine_map {
    const T* x;
    T* y;
    const T* a;
    const T* b;
    index_t C, L;
    SEQNET_HD void operator()(index_t i) const {
        const index_t c = (i / L) % C;
        y[i] = a[c] * x[i] + (b ? b[c] : T(0));
    }
};

/// Thread i (row_lanes): its lane's sums of dy and of dy (x - mean[c]) over row (n, c).
template <class T>
struct channel_sample_gradient_sums {
    const T* x;
    const T* dy;
    const double* mean;
    double* partial_dy;
    double* partial_dyx;
    row_lanes rl;
    SEQNET_HD void operator()(index_t i) const {
        const T* xr = x + rl.row(i);
        const T* g = dy + rl.row(i);
        const double m = mean[rl.channel(i)];
        double s = 0, d = 0;
        for (index_t l = rl.lane(i); l < rl.L; l += rl.lanes) {
            s += double(g[l]);
            d += double(g[l]) * (double(xr[l]) - m);
        }
        partial_dy[i] = s;
        partial_dyx[i] = d;
    }
};

/// Thread c: parameter gradients (if dgamma is not null) and the coefficients of
/// dx = kd dy + slope (x - mean) + shift (training) or dx = kd dy (inference).
template <class T>
struct channel_gradient_coefficients {
    const double* partial_dy;
    const double* partial_dyx;
    const double* inv_std;
    const T* gamma;
    T* dgamma;
    T* dbeta;
    double* coef;  // 3 per channel: kd, slope, shift
    index_t N;
    double count;
    bool training;
    SEQNET_HD void operator()(index_t c) const {
        double sum_dy = 0, sum_dyx = 0;
        for (index_t n = 0; n < N; ++n) {
            sum_dy += partial_dy[c * N + n];
            sum_dyx += partial_dyx[c * N + n];
        }
        const double is = inv_std[c], sum_dy_xhat = sum_dyx * is;
        if (dgamma) {
            dgamma[c] += T(sum_dy_xhat);
            dbeta[c] += T(sum_dy);
        }
        const double kd = double(gamma[c]) * is;
        coef[3 * c] = kd;
        coef[3 * c + 1] = training ? -kd * is * (sum_dy_xhat / count) : 0.0;
        coef[3 * c + 2] = training ? -kd * (sum_dy / count) : 0.0;
    }
};

/// Thread c, inference: mean and 1/sqrt(var + eps) from the running statistics.
template <class T>
struct channel_running_statistics {
    const T* running_mean;
    const T* running_var;
    double* mean;
    double* inv_std;
    double eps;
    SEQNET_HD void operator()(index_t c) const {
        mean[c] = double(running_mean[c]);
        inv_std[c] = 1.0 / std::sqrt(double(running_var[c]) + eps);
    }
};

template <class T>
struct batchnorm_input_gradient {
    const T* x;
    const T* dy;
    T* dx;
    const double* mean;
    const double* coef;
    index_t C, L;
    SEQNET_HD void operator()(index_t i) const {
        const index_t c = (i / L) % C;
        const double* k = coef + 3 * c;
        dx[i] = T(k[0] * double(dy[i]) + k[1] * (double(x[i]) - mean[c]) + k[2]);
    }
};

}  // namespace gpu_kernels

template <class T, gpu_device Dev>
class batchnorm_layer<T, Dev> : public batchnorm_layer<T, cpu> {
    using cpu_layer = batchnorm_layer<T, cpu>;
    using memory = device_memory<Dev>;
    template <class U>
    using buffer = typename memory::template buffer<U>;

public:
    using device_type = Dev;

    batchnorm_layer(const batchnorm_options& o, shape in) : cpu_layer(o, in) {
        const auto C = static_cast<std::size_t>(in.channels);
        running_mean_.resize(C);
        running_var_.resize(C);
        mean_.resize(C);
        inv_std_.resize(C);
        affine_.resize(2 * C);
        coef_.resize(3 * C);
        reset_running_statistics();
    }

    template <class F>
    void visit_buffers(F&& f) {
        f("running_mean", vec(running_mean_.data()));
        f("running_var", vec(running_var_.data()));
    }
    void initialize(random_engine& rng, init scheme) {
        cpu_layer::initialize(rng, scheme);  // gamma and beta, in the host copy the model initialises
        reset_running_statistics();
    }

    void forward(context<Dev>& ctx, const_batch_view<T, Dev> x, batch_view<T, Dev> y, phase ph) {
        using rt = gpu_runtime<Dev>;
        const index_t N = x.batch, C = this->in_.channels, L = this->in_.length;
        this->last_ = ph;
        T* a = affine_.data();
        T* b = affine_.data() + C;
        if (ph == phase::training) {
            const double count = double(N * L);
            const gpu_kernels::row_lanes rl = lanes_of(N, C, L);
            const index_t parts = N * rl.lanes;  // partial sums per channel
            reserve_partials(C * parts);
            rt::for_each(ctx, C * parts, gpu_kernels::channel_sample_sums<T>{x.data, nullptr, partial_.data(), rl});
            rt::for_each(ctx, C, gpu_kernels::channel_mean{partial_.data(), mean_.data(), parts, count});
            rt::for_each(ctx, C * parts, gpu_kernels::channel_sample_sums<T>{x.data, mean_.data(), partial_.data(), rl});
            rt::for_each(ctx, C,
                         gpu_kernels::channel_training_affine<T>{partial_.data(), mean_.data(), inv_std_.data(),
                                                                  this->gamma_, this->beta_, running_mean_.data(),
                                                                  running_var_.data(), a, b, parts, count,
                                                                  this->opts_.eps, this->opts_.momentum});
        } else {
            compute_inference_affine(ctx);
        }
        rt::for_each(ctx, x.size(), gpu_kernels::channel_affine_map<T>{x.data, y.data, a, b, C, L});
    }

    void backward(context<Dev>& ctx, const_batch_view<T, Dev> x, const_batch_view<T, Dev>, const_batch_view<T, Dev> dy,
                  batch_view<T, Dev> dx, grad_mode mode) {
        using rt = gpu_runtime<Dev>;
        const index_t N = x.batch, C = this->in_.channels, L = this->in_.length;
        const bool training = this->last_ == phase::training, params = mode == grad_mode::parameters;
        if (!training && !params) {  // a fixed affine map: dx = a dy
            if (dx.empty()) return;
            compute_inference_affine(ctx);
            rt::for_each(ctx, dy.size(), gpu_kernels::channel_affine_map<T>{dy.data, dx.data, affine_.data(), nullptr, C, L});
            return;
        }
        if (!training)
            rt::for_each(ctx, C, gpu_kernels::channel_running_statistics<T>{running_mean_.data(), running_var_.data(),
                                                                             mean_.data(), inv_std_.data(), this->opts_.eps});
        const gpu_kernels::row_lanes rl = lanes_of(N, C, L);
        const index_t parts = N * rl.lanes;
        reserve_partials(C * parts);
        double* pdy = partial_.data();
        double* pdyx = partial_.data() + C * parts;
        rt::for_each(ctx, C * parts, gpu_kernels::channel_sample_gradient_sums<T>{x.data, dy.data, mean_.data(), pdy, pdyx, rl});
        rt::for_each(ctx, C,
                     gpu_kernels::channel_gradient_coefficients<T>{pdy, pdyx, inv_std_.data(), this->gamma_,
                                                                    params ? this->dgamma_ : nullptr, this->dbeta_,
                                                                    coef_.data(), parts, double(N * L), training});
        if (dx.empty()) return;
        rt::for_each(ctx, dy.size(),
                     gpu_kernels::batchnorm_input_gradient<T>{x.data, dy.data, dx.data, mean_.data(), coef_.data(), C, L});
    }

    /// a and b of the inference map y = a x + b for channel c, read from the device.
    std::pair<T, T> inference_affine(index_t c) const {
        T g, b, m, v;
        memory::download(&g, this->gamma_ + c, 1);
        memory::download(&b, this->beta_ + c, 1);
        memory::download(&m, running_mean_.data() + c, 1);
        memory::download(&v, running_var_.data() + c, 1);
        const auto map = batchnorm_inference_map(g, b, m, v, this->opts_.eps);
        return {map.a, map.b};
    }
    /// a of the inference map of every channel, read from the device.
    std::vector<T> inference_scales() const {
        const index_t C = this->in_.channels;
        std::vector<T> g(static_cast<std::size_t>(C)), v(g.size());
        memory::download(g.data(), this->gamma_, C);
        memory::download(v.data(), running_var_.data(), C);
        for (std::size_t c = 0; c < g.size(); ++c) g[c] = batchnorm_inference_map(g[c], T(0), T(0), v[c], this->opts_.eps).a;
        return g;
    }

    bool fuse_into(gpu_epilogue<T>& e) const {
        return e.add_batchnorm(this->gamma_, this->beta_, running_mean_.data(), running_var_.data(), this->opts_.eps);
    }

private:
    param_view<T> vec(T* p) const { return {p, {this->in_.channels, 1, 1}, 1}; }

    /// affine_ = (a, b) of the inference map y = a x + b, from the running statistics.
    void compute_inference_affine(context<Dev>& ctx) {
        const index_t C = this->in_.channels;
        gpu_runtime<Dev>::for_each(ctx, C,
                                   gpu_kernels::channel_inference_affine<T>{this->gamma_, this->beta_, running_mean_.data(),
                                                                             running_var_.data(), affine_.data(),
                                                                             affine_.data() + C, this->opts_.eps});
    }

    /// Up to 32 lanes per row: a warp reads 32 adjacent values.
    static gpu_kernels::row_lanes lanes_of(index_t N, index_t C, index_t L) {
        return {N, C, L, std::min<index_t>(32, std::max<index_t>(1, L))};
    }
    /// Two arrays of `n` per-(channel, sample) partial sums.
    void reserve_partials(index_t n) {
        grow_to(partial_, 2 * n);
    }

    void reset_running_statistics() {
        const index_t C = this->in_.channels;
        std::vector<T> zeros(static_cast<std::size_t>(C), T(0)), ones(static_cast<std::size_t>(C), T(1));
        memory::upload(running_mean_.data(), zeros.data(), C);
        memory::upload(running_var_.data(), ones.data(), C);
    }

    buffer<T> running_mean_, running_var_, affine_;
    buffer<double> mean_, inv_std_, coef_, partial_;
};

}  // namespace seqnet
