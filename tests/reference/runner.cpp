// seqnet_reference_runner -- the C++ half of the PyTorch comparisons (torch_reference.py is the other).
//
//   seqnet_reference_runner <case> <dir>...
//
// Each <dir> holds what the Python driver wrote: manifest.txt, whose lines are
//   int <key> <value> | real <key> <value> | text <key> <value> | tensor <name> <rank> <dims...>
// and one <name>.f64 per tensor (raw little-endian float64, row-major in PyTorch's dimension order).
// The runner runs seqnet on those inputs and writes <dir>/out/index.txt (tensor lines as above, plus
// "param"/"buffer" lines naming the state seqnet exposes) and <dir>/out/<name>.f64. It computes no
// expected values and judges nothing: the driver compares with PyTorch.
//
// Everything travels as float64, so float32-representable inputs reach seqnet exactly whatever the
// scalar type of the run ("text dtype float32|float64").
#include <seqnet/seqnet.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace seqnet;

namespace {

// ---- input -----------------------------------------------------------------------------------------

struct tensor_data {
    std::vector<index_t> dims;
    std::vector<double> values;
};

class manifest {
public:
    explicit manifest(const fs::path& dir) : dir_(dir) {
        std::ifstream in(dir / "manifest.txt");
        if (!in) throw error("cannot open " + (dir / "manifest.txt").string());
        std::string kind, key;
        while (in >> kind >> key) {
            if (kind == "int") in >> ints_[key];
            else if (kind == "real") in >> reals_[key];
            else if (kind == "text") in >> texts_[key];
            else if (kind == "tensor") read_tensor(in, key);
            else throw error("manifest " + dir.string() + ": unknown line kind '" + kind + "'");
            if (!in) throw error("manifest " + dir.string() + ": malformed line for '" + key + "'");
        }
    }

    long long integer(const std::string& k) const { return find(ints_, k); }
    double real(const std::string& k) const { return find(reals_, k); }
    const std::string& text(const std::string& k) const { return find(texts_, k); }
    bool has_tensor(const std::string& k) const { return tensors_.count(k) != 0; }
    const tensor_data& tensor(const std::string& k) const { return find(tensors_, k); }
    const std::map<std::string, tensor_data>& tensors() const { return tensors_; }

    /// The values of tensor k as T, which must hold exactly `count` elements.
    template <class T>
    std::vector<T> values(const std::string& k, index_t count) const {
        const auto& t = tensor(k);
        if (static_cast<index_t>(t.values.size()) != count)
            throw error(dir_.string() + ": tensor " + k + " has " + std::to_string(t.values.size()) +
                        " values, seqnet expects " + std::to_string(count));
        return {t.values.begin(), t.values.end()};
    }

    int threads() const { return ints_.count("threads") ? static_cast<int>(ints_.at("threads")) : 1; }
    phase mode() const { return text("phase") == "training" ? phase::training : phase::inference; }

private:
    template <class M>
    const typename M::mapped_type& find(const M& m, const std::string& k) const {
        auto it = m.find(k);
        if (it == m.end()) throw error(dir_.string() + ": manifest lacks '" + k + "'");
        return it->second;
    }

    void read_tensor(std::istream& in, const std::string& name) {
        int rank = 0;
        in >> rank;
        tensor_data t;
        index_t count = 1;
        for (int i = 0; i < rank && in; ++i) {
            index_t d = 0;
            in >> d;
            t.dims.push_back(d);
            count *= d;
        }
        std::ifstream f(dir_ / (name + ".f64"), std::ios::binary);
        t.values.resize(static_cast<std::size_t>(count));
        f.read(reinterpret_cast<char*>(t.values.data()), count * static_cast<std::streamsize>(sizeof(double)));
        if (!f || f.peek() != std::char_traits<char>::eof())
            throw error(dir_.string() + ": " + name + ".f64 does not hold exactly " + std::to_string(count) +
                        " float64 values");
        tensors_[name] = std::move(t);
    }

    fs::path dir_;
    std::map<std::string, long long> ints_;
    std::map<std::string, double> reals_;
    std::map<std::string, std::string> texts_;
    std::map<std::string, tensor_data> tensors_;
};

// ---- output ----------------------------------------------------------------------------------------

class output {
public:
    explicit output(const fs::path& dir) : dir_(dir / "out") {
        fs::create_directories(dir_);
        index_.open(dir_ / "index.txt");
    }

    template <class T>
    void write(const std::string& name, const std::vector<index_t>& dims, const T* data) {
        index_t count = 1;
        for (auto d : dims) count *= d;
        std::vector<double> v(data, data + count);
        std::ofstream f(dir_ / (name + ".f64"), std::ios::binary);
        f.write(reinterpret_cast<const char*>(v.data()), count * static_cast<std::streamsize>(sizeof(double)));
        index_ << "tensor " << name << ' ' << dims.size();
        for (auto d : dims) index_ << ' ' << d;
        index_ << '\n';
    }
    template <class T>
    void write(const std::string& name, const_batch_view<T> v) {
        write(name, {v.batch, v.sample.channels, v.sample.length}, v.data);
    }
    void write_scalar(const std::string& name, double v) { write(name, {1}, &v); }

    /// Records a state tensor seqnet exposes, so the driver can match names and shapes to PyTorch's.
    template <class T>
    void name(const char* kind, const std::string& n, const param_view<T>& p) {
        index_ << kind << ' ' << n << ' ' << p.rank;
        for (int i = 0; i < p.rank; ++i) index_ << ' ' << p.dims[i];
        index_ << '\n';
    }

private:
    fs::path dir_;
    std::ofstream index_;
};

template <class T>
std::vector<index_t> dims_of(const param_view<T>& p) {
    return {p.dims.begin(), p.dims.begin() + p.rank};
}

/// Copies manifest tensor "state.<name>" into a parameter or buffer, insisting on PyTorch's shape.
template <class T>
void load(const manifest& m, const std::string& name, param_view<T> v, std::set<std::string>& used) {
    const std::string key = "state." + name;
    if (!m.has_tensor(key)) throw error("seqnet exposes '" + name + "', which the PyTorch state lacks");
    const auto& t = m.tensor(key);
    if (t.dims != dims_of(v))
        throw error("'" + name + "': seqnet's shape " + dims_string(v) + " differs from PyTorch's");
    std::copy(t.values.begin(), t.values.end(), v.data);
    used.insert(key);
}

/// Loads every parameter and buffer of `obj` (a layer or a model) from the manifest's state tensors,
/// and fails if the manifest holds state that seqnet does not expose.
template <class Obj>
void load_state(Obj& obj, const manifest& m, output& out) {
    using T = typename Obj::scalar_type;
    std::set<std::string> used;
    obj.visit_parameters([&](const auto& name, param_view<T> v, param_view<T>) {
        load(m, std::string(name), v, used);
        out.name("param", std::string(name), v);
    });
    if constexpr (requires { obj.visit_buffers([](std::string_view, param_view<T>) {}); })
        obj.visit_buffers([&](const auto& name, param_view<T> v) {
            load(m, std::string(name), v, used);
            out.name("buffer", std::string(name), v);
        });
    for (const auto& [key, t] : m.tensors())
        if (key.rfind("state.", 0) == 0 && !used.count(key))
            throw error("the PyTorch state has '" + key.substr(6) + "', which seqnet does not expose");
}

/// Writes every parameter gradient as "<prefix><name>".
template <class Obj>
void write_gradients(Obj& obj, output& out, const std::string& prefix) {
    using T = typename Obj::scalar_type;
    obj.visit_parameters([&](const auto& name, param_view<T>, param_view<T> g) {
        out.write(prefix + std::string(name), dims_of(g), g.data);
    });
}

/// Writes every parameter value as "<prefix><name>", and buffers too when the object has them.
template <class Obj>
void write_state(Obj& obj, output& out, const std::string& prefix) {
    using T = typename Obj::scalar_type;
    obj.visit_parameters([&](const auto& name, param_view<T> v, param_view<T>) {
        out.write(prefix + std::string(name), dims_of(v), v.data);
    });
    if constexpr (requires { obj.visit_buffers([](std::string_view, param_view<T>) {}); })
        obj.visit_buffers([&](const auto& name, param_view<T> v) {
            out.write(prefix + std::string(name), dims_of(v), v.data);
        });
}

// ---- single layers ---------------------------------------------------------------------------------

/// A layer bound to its own parameter and gradient storage (what a model does for its layers).
template <class Layer>
struct bound_layer {
    using scalar_type = typename Layer::scalar_type;
    Layer layer;
    std::vector<scalar_type> params, grads;

    bound_layer(const typename Layer::options_type& o, shape in)
        : layer(o, in), params(static_cast<std::size_t>(layer.parameter_count())), grads(params.size()) {
        layer.bind_parameters(params.data(), grads.data());
    }
    template <class F>
    void visit_parameters(F&& f) { layer.visit_parameters(f); }
    template <class F>
        requires requires(Layer& l, F& f) { l.visit_buffers(f); }
    void visit_buffers(F&& f) { layer.visit_buffers(f); }
};

/// Forward of manifest tensor x, then backward of manifest tensor dy with parameter gradients.
/// Writes y, dx, grad.<param> and, for layers with buffers, state.<buffer> after the pass.
template <class Layer>
void run_layer(const manifest& m, output& out, const typename Layer::options_type& o, shape in) {
    using T = typename Layer::scalar_type;
    bound_layer<Layer> b(o, in);
    load_state(b, m, out);
    context<cpu> ctx(m.threads());
    const index_t n = m.integer("batch");
    const shape os = b.layer.output_shape();
    const auto x = m.values<T>("x", n * in.size());
    const auto dy = m.values<T>("dy", n * os.size());
    std::vector<T> y(dy.size()), dx(x.size());
    const const_batch_view<T> xv{x.data(), n, in}, yv{y.data(), n, os};
    b.layer.forward(ctx, xv, {y.data(), n, os}, m.mode());
    b.layer.backward(ctx, xv, yv, {dy.data(), n, os}, {dx.data(), n, in}, grad_mode::parameters);
    out.write("y", yv);
    out.write("dx", const_batch_view<T>{dx.data(), n, in});
    write_gradients(b, out, "grad.");
    if constexpr (requires { b.layer.visit_buffers([](std::string_view, param_view<T>) {}); })
        b.layer.visit_buffers([&](std::string_view name, param_view<T> v) {
            out.write("state." + std::string(name), dims_of(v), v.data);
        });
}

padding padding_of(const manifest& m) {
    const std::string& p = m.text("padding");
    if (p == "valid") return valid;
    if (p == "same") return same;
    if (p == "explicit") return pad(m.integer("pad_left"), m.integer("pad_right"));
    throw error("unknown padding '" + p + "'");
}

template <class T>
void conv1d_case(const manifest& m, output& out) {
    const conv1d_options o{m.integer("filters"), m.integer("kernel"), padding_of(m), m.integer("stride"),
                           m.integer("dilation"), m.integer("bias") != 0};
    run_layer<conv1d_layer<T>>(m, out, o, {m.integer("channels"), m.integer("length")});
}

template <class T>
void maxpool_case(const manifest& m, output& out) {
    run_layer<maxpool_layer<T>>(m, out, maxpool_options{m.integer("size"), m.integer("stride")},
                                {m.integer("channels"), m.integer("length")});
}

template <class T>
void global_maxpool_case(const manifest& m, output& out) {
    run_layer<global_maxpool_layer<T>>(m, out, {}, {m.integer("channels"), m.integer("length")});
}

template <class T>
void bilstm_case(const manifest& m, output& out) {
    run_layer<bilstm_layer<T>>(m, out, bilstm_options{m.integer("hidden")},
                               {m.integer("features"), m.integer("length")});
}

template <class T>
void dense_case(const manifest& m, output& out) {
    run_layer<dense_layer<T>>(m, out, dense_options{m.integer("units"), m.integer("bias") != 0},
                              {m.integer("features"), 1});
}

template <class T>
void batchnorm_case(const manifest& m, output& out) {
    // length 1 is BatchNorm1d on (N, C): a dense layer's output.
    run_layer<batchnorm_layer<T>>(m, out, batchnorm_options{m.real("eps"), m.real("momentum")},
                                  {m.integer("channels"), m.integer("length")});
}

// ---- whole models ----------------------------------------------------------------------------------

// Basset-like: the layer order of torch_reference.py's nn.Sequential, so state names match one to one.
template <class T>
using basset_like = basic_sequential<T, cpu, input<200>,
    conv1d<16, 9>, batchnorm, relu, maxpool<3>,
    conv1d<8, 5>, batchnorm, relu, maxpool<4>,
    flatten,
    dense<32>, batchnorm, relu, dropout<0.3>,
    dense<3>>;

// For training with batch statistics: no bias before a batch norm (its gradient is exactly zero, so
// Adam would amplify rounding noise there) and dropout with p = 0, so both frameworks are deterministic.
template <class T>
using basset_like_batchstats = basic_sequential<T, cpu, input<200>,
    conv1d<16, 9, valid, 1, 1, false>, batchnorm, relu, maxpool<3>,
    conv1d<8, 5, valid, 1, 1, false>, batchnorm, relu, maxpool<4>,
    flatten,
    dense<32, false>, batchnorm, relu, dropout<0.0>,
    dense<3>>;

/// Inference output (forward and fused predict), input gradient and parameter gradients of
/// sum(output * dy), all in inference mode.
template <class T>
void model_case(const manifest& m, output& out) {
    basset_like<T> model;
    load_state(model, m, out);
    context<cpu> ctx(m.threads());
    const index_t n = m.integer("batch");
    const auto x = m.values<T>("x", n * model.input_shape().size());
    const auto dy = m.values<T>("dy", n * model.output_shape().size());
    const const_batch_view<T> xv{x.data(), n, model.input_shape()}, dyv{dy.data(), n, model.output_shape()};
    out.write("predict", model.predict(ctx, xv));
    out.write("y", model.forward(ctx, xv, phase::inference));
    out.write("dx", model.backward(ctx, dyv, grad_mode::input_only));
    model.zero_grad();
    model.backward(ctx, dyv, grad_mode::parameters);
    write_gradients(model, out, "grad.");
}

template <class T>
void bce_case(const manifest& m, output& out) {
    const auto& z = m.tensor("logits");
    const index_t count = static_cast<index_t>(z.values.size());
    const auto logits = m.values<T>("logits", count);
    const auto labels = m.values<T>("labels", count);
    const auto mask = m.has_tensor("mask") ? m.values<T>("mask", count) : std::vector<T>{};
    std::vector<T> grad(logits.size());
    const double loss = binary_cross_entropy_with_logits<T>(logits, labels, grad, mask);
    out.write_scalar("loss", loss);
    out.write("grad", z.dims, grad.data());
}

/// `steps` Adam updates of the masked BCE loss; writes the state after each step and the losses.
template <class Model>
void train(const manifest& m, output& out) {
    using T = typename Model::scalar_type;
    Model model;
    load_state(model, m, out);
    context<cpu> ctx(m.threads());
    const index_t n = m.integer("batch");
    const shape os = model.output_shape();
    const auto x = m.values<T>("x", n * model.input_shape().size());
    const auto labels = m.values<T>("labels", n * os.size());
    const auto mask = m.values<T>("mask", n * os.size());
    adam<T> opt({.lr = m.real("lr"), .beta1 = m.real("beta1"), .beta2 = m.real("beta2"), .eps = m.real("eps"),
                 .weight_decay = m.real("weight_decay"), .decoupled_weight_decay = m.integer("decoupled") != 0});
    std::vector<T> dz(labels.size());
    std::vector<double> losses;
    for (long long t = 1; t <= m.integer("steps"); ++t) {
        model.zero_grad();
        const auto z = model.forward(ctx, {x.data(), n, model.input_shape()}, m.mode());
        const double loss = binary_cross_entropy_with_logits<T>({z.data, dz.size()}, labels, dz, mask);
        model.backward(ctx, {dz.data(), n, os}, grad_mode::parameters);
        opt.step(model.parameters(), model.gradients());
        losses.push_back(loss);
        write_state(model, out, "step" + std::to_string(t) + ".");
    }
    out.write("loss", {static_cast<index_t>(losses.size())}, losses.data());
}

template <class T>
void train_case(const manifest& m, output& out) {
    const std::string& arch = m.text("model");
    if (arch == "basset_like") train<basset_like<T>>(m, out);
    else if (arch == "basset_like_batchstats") train<basset_like_batchstats<T>>(m, out);
    else throw error("unknown model '" + arch + "'");
}

template <class T>
void run_case(const std::string& name, const manifest& m, output& out) {
    static const std::map<std::string, std::function<void(const manifest&, output&)>> cases{
        {"conv1d", conv1d_case<T>},   {"maxpool", maxpool_case<T>}, {"global_maxpool", global_maxpool_case<T>},
        {"dense", dense_case<T>},     {"bilstm", bilstm_case<T>},     {"batchnorm", batchnorm_case<T>}, {"model", model_case<T>},
        {"bce", bce_case<T>},         {"train", train_case<T>},
    };
    auto it = cases.find(name);
    if (it == cases.end()) throw error("unknown case '" + name + "'");
    it->second(m, out);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <case> <dir>...\n", argv[0]);
        return 2;
    }
    for (int i = 2; i < argc; ++i) {
        try {
            const manifest m(argv[i]);
            output out(argv[i]);
            const std::string& dtype = m.text("dtype");
            if (dtype == "float32") run_case<float>(argv[1], m, out);
            else if (dtype == "float64") run_case<double>(argv[1], m, out);
            else throw error("unknown dtype '" + dtype + "'");
        } catch (const std::exception& e) {
            std::fprintf(stderr, "seqnet_reference_runner %s %s: %s\n", argv[1], argv[i], e.what());
            return 1;
        }
    }
    return 0;
}
