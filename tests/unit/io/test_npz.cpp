// tests for seqnet/io/npz.hpp
#include <catch2/catch.hpp>
#include <seqnet/io/npz.hpp>

#include <zlib.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace seqnet;
using namespace seqnet::io;
namespace fs = std::filesystem;

namespace {

using bytes = std::vector<std::uint8_t>;

struct temp_dir {
    fs::path path;
    temp_dir() {
        static std::atomic<int> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path = fs::temp_directory_path() /
               ("seqnet_npz_" + std::to_string(stamp) + "_" + std::to_string(counter++));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path operator/(const std::string& name) const { return path / name; }
};

bytes read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

named_tensor make_tensor(std::string name, std::vector<index_t> shape, std::vector<float> values) {
    named_tensor t;
    t.name = std::move(name);
    t.shape = std::move(shape);
    t.values = std::move(values);
    return t;
}

std::uint32_t bits(float v) { return std::bit_cast<std::uint32_t>(v); }

// Bit-exact, except that any NaN matches any NaN (hardware conversions may quieten a payload).
bool same_float(float a, float b) { return bits(a) == bits(b) || (std::isnan(a) && std::isnan(b)); }

bool same_values(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!same_float(a[i], b[i])) return false;
    return true;
}

tensor_file sample_file() {
    tensor_file f;
    f.tensors.push_back(make_tensor("0.weight", {2, 3}, {1, -2, 3.5f, 0, -0.0f, 1e-3f}));
    f.tensors.push_back(make_tensor("bn.num_batches_tracked", {}, {7}));
    f.tensors.push_back(make_tensor("2.bias", {4}, {0.25f, -8, 1e30f, 5}));
    return f;
}

// ---- hand-made archives: npy members and a zip writer with a knob for every field read_npz checks ----

void put(bytes& out, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

bytes make_npy(const std::string& dict, const bytes& data, int major = 1) {
    bytes out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(major), 0};
    const std::size_t prefix = major == 1 ? 10 : 12;
    std::string header = dict;
    header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    put(out, header.size(), major == 1 ? 2 : 4);
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

bytes f32_data(const std::vector<float>& v) {
    bytes out;
    for (float x : v) put(out, bits(x), 4);
    return out;
}

bytes npy_f32(const std::string& shape, const std::vector<float>& v) {
    return make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", f32_data(v));
}

bytes raw_deflate(const bytes& in) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY) == Z_OK);
    bytes out(deflateBound(&zs, static_cast<uLong>(in.size())));
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

std::uint32_t crc_of(const bytes& b) {
    return static_cast<std::uint32_t>(crc32(crc32(0, Z_NULL, 0), b.data(), static_cast<uInt>(b.size())));
}

struct entry {
    entry(std::string n, bytes c, bool d = false) : name(std::move(n)), content(std::move(c)), deflate(d) {}
    std::string name;
    bytes content;  // the member's uncompressed bytes
    bool deflate = false;
    std::optional<bytes> data;  // what is written as the member's data, instead of content (deflated)
    std::optional<std::uint16_t> method;
    std::uint16_t flags = 0;
    std::optional<std::uint32_t> crc;
    std::optional<std::uint64_t> compressed, uncompressed, local_offset;
};

struct zip_options {
    static zip_options zip64(bool local, bool central, bool end, std::string comment = {}) {
        zip_options o;
        o.zip64_local = local;
        o.zip64_central = central;
        o.zip64_end = end;
        o.comment = std::move(comment);
        return o;
    }
    bool zip64_local = false;    // as numpy writes: 0xFFFFFFFF sizes in the local header plus a zip64 extra
    bool zip64_central = false;  // sizes and offsets in the central directory's zip64 extra field
    bool zip64_end = false;      // zip64 end-of-central-directory record and locator
    std::string comment;
    std::uint16_t disk = 0;
};

bytes make_zip(const std::vector<entry>& entries, const zip_options& o = {}) {
    bytes out, central;
    for (const entry& e : entries) {
        const bytes data = e.data ? *e.data : e.deflate ? raw_deflate(e.content) : e.content;
        const std::uint16_t method = e.method.value_or(e.deflate ? 8 : 0);
        const std::uint32_t crc = e.crc.value_or(crc_of(e.content));
        const std::uint64_t csize = e.compressed.value_or(data.size());
        const std::uint64_t usize = e.uncompressed.value_or(e.content.size());
        const std::uint64_t offset = e.local_offset.value_or(out.size());
        put(out, 0x04034b50, 4);
        put(out, o.zip64_local ? 45 : 20, 2);
        put(out, e.flags, 2);
        put(out, method, 2);
        put(out, 0, 4);
        put(out, crc, 4);
        put(out, o.zip64_local ? 0xffffffffu : csize, 4);
        put(out, o.zip64_local ? 0xffffffffu : usize, 4);
        put(out, e.name.size(), 2);
        put(out, o.zip64_local ? 20 : 0, 2);
        out.insert(out.end(), e.name.begin(), e.name.end());
        if (o.zip64_local) {
            put(out, 1, 2);
            put(out, 16, 2);
            put(out, usize, 8);
            put(out, csize, 8);
        }
        out.insert(out.end(), data.begin(), data.end());

        put(central, 0x02014b50, 4);
        put(central, 45, 2);
        put(central, o.zip64_central ? 45 : 20, 2);
        put(central, e.flags, 2);
        put(central, method, 2);
        put(central, 0, 4);
        put(central, crc, 4);
        put(central, o.zip64_central ? 0xffffffffu : csize, 4);
        put(central, o.zip64_central ? 0xffffffffu : usize, 4);
        put(central, e.name.size(), 2);
        put(central, o.zip64_central ? 28 : 0, 2);
        put(central, 0, 2);  // comment
        put(central, 0, 2);  // disk
        put(central, 0, 2);
        put(central, 0, 4);
        put(central, o.zip64_central ? 0xffffffffu : offset, 4);
        central.insert(central.end(), e.name.begin(), e.name.end());
        if (o.zip64_central) {
            put(central, 1, 2);
            put(central, 24, 2);
            put(central, usize, 8);
            put(central, csize, 8);
            put(central, offset, 8);
        }
    }
    const std::uint64_t cd_offset = out.size(), n = entries.size();
    out.insert(out.end(), central.begin(), central.end());
    if (o.zip64_end) {
        const std::uint64_t z64 = out.size();
        put(out, 0x06064b50, 4);
        put(out, 44, 8);
        put(out, 45, 2);
        put(out, 45, 2);
        put(out, o.disk, 4);
        put(out, 0, 4);
        put(out, n, 8);
        put(out, n, 8);
        put(out, central.size(), 8);
        put(out, cd_offset, 8);
        put(out, 0x07064b50, 4);
        put(out, 0, 4);
        put(out, z64, 8);
        put(out, 1, 4);
    }
    put(out, 0x06054b50, 4);
    put(out, o.disk, 2);
    put(out, 0, 2);
    put(out, o.zip64_end ? 0xffff : n, 2);
    put(out, o.zip64_end ? 0xffff : n, 2);
    put(out, o.zip64_end ? 0xffffffffu : central.size(), 4);
    put(out, o.zip64_end ? 0xffffffffu : cd_offset, 4);
    put(out, o.comment.size(), 2);
    out.insert(out.end(), o.comment.begin(), o.comment.end());
    return out;
}

tensor_file read(const bytes& b, std::string name = "mem.npz") { return read_npz(std::span(b), std::move(name)); }

// ---- numpy on the system python (the pyenv python3 on PATH may lack it) ----

bool have_numpy() {
    static const bool ok = fs::exists("/usr/bin/python3") &&
                           std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
    return ok;
}

int run_python(const temp_dir& dir, const std::string& script, const std::string& args) {
    const fs::path file = dir / "script.py";
    write_text(file, script);
    const std::string cmd = "/usr/bin/python3 '" + file.string() + "' " + args + " 2>'" +
                            (dir / "stderr.txt").string() + "'";
    const int rc = std::system(cmd.c_str());
    if (rc != 0) UNSCOPED_INFO("python stderr: " << read_text(dir / "stderr.txt"));
    return rc;
}

// One line per array: name dtype ndim dims... count float32-bits-in-hex...
struct expected_array {
    std::string name, dtype;
    std::vector<index_t> shape;
    std::vector<float> values;
};

std::vector<expected_array> parse_expected(const std::string& text) {
    std::vector<expected_array> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        std::istringstream in(line);
        expected_array a;
        std::size_t ndim = 0, count = 0;
        in >> a.name >> a.dtype >> ndim;
        a.shape.resize(ndim);
        for (auto& d : a.shape) in >> d;
        in >> count;
        for (std::size_t i = 0; i < count; ++i) {
            std::uint32_t b = 0;
            in >> std::hex >> b >> std::dec;
            a.values.push_back(std::bit_cast<float>(b));
        }
        REQUIRE(!in.fail());
        out.push_back(std::move(a));
    }
    return out;
}

const char* const dump_helper = R"(
def dump(name, a):
    a = np.asarray(a)
    v = np.ravel(a.astype('<f4'), order='C').view('<u4')
    return ' '.join([name, a.dtype.str, str(a.ndim)] + [str(d) for d in a.shape] + [str(v.size)] +
                    ['%x' % x for x in v]) + '\n'
)";

// ---- fuzzing ----

enum class outcome { read, rejected, other };

outcome try_read(const bytes& b, std::string& what) {
    try {
        tensor_file f = read_npz(std::span(b), "fuzz.npz");
        for (const named_tensor& t : f.tensors)
            if (t.values.size() != static_cast<std::size_t>(t.size())) {
                what = "tensor '" + t.name + "' has a value count that does not match its shape";
                return outcome::other;
            }
        return outcome::read;
    } catch (const format_error&) {
        return outcome::rejected;
    } catch (const std::exception& e) {
        what = e.what();
        return outcome::other;
    }
}

struct fuzz_tally {
    int read = 0, rejected = 0, other = 0;
    std::string first_other;
    void add(const bytes& b, const std::string& label) {
        std::string what;
        switch (try_read(b, what)) {
            case outcome::read: ++read; break;
            case outcome::rejected: ++rejected; break;
            case outcome::other:
                if (other++ == 0) first_other = label + ": " + what;
                break;
        }
    }
};

// Deterministic mutations, half of them aimed at the headers (the start of the file and the central
// directory at the end), where a changed byte reaches the parser rather than just the CRC check.
fuzz_tally mutate_many(const bytes& valid, int iterations, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    fuzz_tally tally;
    for (int it = 0; it < iterations; ++it) {
        bytes b = valid;
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < edits; ++k) {
            std::size_t pos = 0;
            switch (rng() % 3) {
                case 0: pos = rng() % b.size(); break;
                case 1: pos = rng() % std::min<std::size_t>(b.size(), 160); break;
                default: pos = b.size() - 1 - rng() % std::min<std::size_t>(b.size(), 200); break;
            }
            switch (rng() % 4) {
                case 0: b[pos] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
                case 1: b[pos] = static_cast<std::uint8_t>(rng()); break;
                case 2: b[pos] = 0xff; break;
                default: b[pos] = 0; break;
            }
        }
        tally.add(b, "mutation " + std::to_string(it));
    }
    return tally;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------

TEST_CASE("npz round trip, deflated and stored, keeps names, order, shapes and exact values", "[npz]") {
    temp_dir dir;
    tensor_file f;
    std::vector<float> cube(2 * 3 * 4);
    for (std::size_t i = 0; i < cube.size(); ++i) cube[i] = static_cast<float>(i) * 0.5f - 3;
    f.tensors.push_back(make_tensor("conv.weight", {2, 3, 4}, cube));
    f.tensors.push_back(make_tensor("scalar", {}, {-1.25f}));
    f.tensors.push_back(make_tensor("special", {7},
                                    {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN(), -0.0f,
                                     std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
                                     std::numeric_limits<float>::lowest()}));
    f.tensors.push_back(make_tensor("empty", {0, 5}, {}));
    f.tensors.push_back(make_tensor("a", {1, 1, 1, 2}, {3, 4}));
    std::vector<float> big(10000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = std::sin(static_cast<float>(i));
    f.tensors.push_back(make_tensor("big", {100, 100}, big));

    for (bool compress : {true, false}) {
        INFO("compress = " << compress);
        const fs::path p = dir / (compress ? "c.npz" : "s.npz");
        write_npz(p, f, compress);
        const tensor_file g = read_npz(p);
        CHECK(g.path == p.string());
        REQUIRE(g.tensors.size() == f.tensors.size());
        for (std::size_t i = 0; i < f.tensors.size(); ++i) {
            INFO(f.tensors[i].name);
            CHECK(g.tensors[i].name == f.tensors[i].name);
            CHECK(g.tensors[i].shape == f.tensors[i].shape);
            CHECK(g.tensors[i].dtype == "F32");
            REQUIRE(g.tensors[i].values.size() == f.tensors[i].values.size());
            for (std::size_t k = 0; k < f.tensors[i].values.size(); ++k)
                CHECK(bits(g.tensors[i].values[k]) == bits(f.tensors[i].values[k]));
        }
        // Same tensors, same bytes (fixed timestamp).
        write_npz(dir / "again.npz", f, compress);
        CHECK(read_bytes(dir / "again.npz") == read_bytes(p));
        CHECK(!fs::exists(fs::path(p.string() + ".partial")));
    }
    CHECK(fs::file_size(dir / "c.npz") < fs::file_size(dir / "s.npz"));

    write_npz(dir / "none.npz", tensor_file{});
    CHECK(read_npz(dir / "none.npz").tensors.empty());
}

TEST_CASE("npz writes members that start their data at a multiple of 64 bytes", "[npz]") {
    temp_dir dir;
    tensor_file f;
    f.tensors.push_back(make_tensor("w", {3, 4}, std::vector<float>(12, 1)));
    write_npz(dir / "s.npz", f, false);
    const bytes b = read_bytes(dir / "s.npz");
    // Local header (30 bytes) + "w.npy", then the npy: magic, version, u16 length, dict.
    const std::size_t npy = 30 + 5;
    REQUIRE(b.size() > npy + 10);
    CHECK(b[npy + 6] == 1);
    CHECK(b[npy + 7] == 0);
    const std::size_t header_len = b[npy + 8] | (b[npy + 9] << 8);
    CHECK((10 + header_len) % 64 == 0);
    const std::string header(b.begin() + npy + 10, b.begin() + static_cast<std::ptrdiff_t>(npy + 10 + header_len));
    CHECK(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 0) == 0);
    CHECK(header.back() == '\n');
}

TEST_CASE("npz writer refuses tensors it cannot store and reports files it cannot write", "[npz]") {
    temp_dir dir;
    auto one = [](named_tensor t) {
        tensor_file f;
        f.tensors.push_back(std::move(t));
        return f;
    };
    CHECK_THROWS_AS(write_npz(dir / "x.npz", one(make_tensor("", {1}, {1}))), argument_error);
    CHECK_THROWS_WITH(write_npz(dir / "x.npz", one(make_tensor("a/b", {1}, {1}))), Catch::Contains("'/'"));
    CHECK_THROWS_WITH(write_npz(dir / "x.npz", one(make_tensor("w", {2, 3}, {1, 2}))),
                      Catch::Contains("shape (2, 3) but 2 values"));
    tensor_file dup = sample_file();
    dup.tensors.push_back(dup.tensors[0]);
    CHECK_THROWS_WITH(write_npz(dir / "x.npz", dup), Catch::Contains("duplicate tensor name '0.weight'"));
    CHECK(!fs::exists(dir / "x.npz"));
    CHECK_THROWS_WITH(write_npz(dir / "no" / "such" / "dir.npz", sample_file()),
                      Catch::Contains("dir.npz: cannot write"));
}

TEST_CASE("npz reader reports files it cannot open or read", "[npz]") {
    temp_dir dir;
    const fs::path missing = dir / "missing.npz";
    CHECK_THROWS_WITH(read_npz(missing), Catch::Contains(missing.string() + ": cannot open: ") &&
                                             Catch::Contains("No such file"));
    CHECK_THROWS_AS(read_npz(dir.path), format_error);  // a directory
    write_text(dir / "empty.npz", "");
    CHECK_THROWS_WITH(read_npz(dir / "empty.npz"),
                      Catch::Contains("empty.npz: not a zip archive (no end-of-central-directory record)"));
    write_text(dir / "text.npz", "this is not a zip archive, just some text long enough to search\n");
    CHECK_THROWS_WITH(read_npz(dir / "text.npz"), Catch::Contains("not a zip archive"));
}

TEST_CASE("npz reads hand-made archives: versions, comment, zip64 records, dtypes", "[npz]") {
    const bytes w = npy_f32("(2, 3)", {1, 2, 3, 4, 5, 6});
    SECTION("npy versions 1.0, 2.0 and 3.0") {
        for (int major : {1, 2, 3}) {
            INFO("version " << major);
            const bytes npy = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                                       f32_data({1.5f, -2}), major);
            const tensor_file f = read(make_zip({{"v.npy", npy}}));
            REQUIRE(f.tensors.size() == 1);
            CHECK(f.tensors[0].name == "v");
            CHECK(f.tensors[0].shape == std::vector<index_t>{2});
            CHECK(f.tensors[0].values == std::vector<float>{1.5f, -2});
        }
    }
    SECTION("zip64 fields everywhere, an archive comment, stored and deflated members") {
        // The comment holds an end-of-central-directory signature that must not be taken for the record.
        const std::string comment = std::string("comment PK\x05\x06", 12) + std::string(40, 'x');
        for (bool local : {false, true})
            for (bool central : {false, true})
                for (bool end : {false, true}) {
                    INFO("zip64 local " << local << " central " << central << " end " << end);
                    entry a{"a.npy", w};
                    entry b{"b.npy", npy_f32("()", {42}), true};
                    const tensor_file f = read(make_zip({a, b}, zip_options::zip64(local, central, end, comment)));
                    REQUIRE(f.tensors.size() == 2);
                    CHECK(f.tensors[0].name == "a");
                    CHECK(f.tensors[0].values == std::vector<float>{1, 2, 3, 4, 5, 6});
                    CHECK(f.tensors[1].name == "b");
                    CHECK(f.tensors[1].shape.empty());
                    CHECK(f.tensors[1].values == std::vector<float>{42});
                }
    }
    SECTION("header spellings numpy has used") {
        for (const std::string dict : {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                       "{'descr':'<f4','fortran_order':False,'shape':(2,3)}",
                                       "{\"shape\": (2L, 3L), \"fortran_order\": False, \"descr\": \"<f4\"}",
                                       "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3,), }"}) {
            INFO(dict);
            const tensor_file f = read(make_zip({{"w.npy", make_npy(dict, f32_data({1, 2, 3, 4, 5, 6}))}}));
            CHECK(f.tensors.at(0).shape == std::vector<index_t>{2, 3});
        }
    }
    SECTION("fortran order becomes C order") {
        // Column-major (2, 3): memory holds a[0,0] a[1,0] a[0,1] a[1,1] a[0,2] a[1,2].
        const bytes npy = make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                   f32_data({0, 10, 1, 11, 2, 12}));
        CHECK(read(make_zip({{"f.npy", npy}})).tensors.at(0).values == std::vector<float>{0, 1, 2, 10, 11, 12});
    }
    SECTION("float16 special values convert exactly") {
        const std::vector<std::pair<std::uint16_t, float>> cases = {
            {0x0000, 0.0f},
            {0x8000, -0.0f},
            {0x0001, std::ldexp(1.0f, -24)},                    // smallest subnormal
            {0x03ff, std::ldexp(1023.0f, -24)},                 // largest subnormal
            {0x0400, std::ldexp(1.0f, -14)},                    // smallest normal
            {0x3c00, 1.0f},
            {0xc000, -2.0f},
            {0x3555, 0.333251953125f},
            {0x7bff, 65504.0f},
            {0x7c00, std::numeric_limits<float>::infinity()},
            {0xfc00, -std::numeric_limits<float>::infinity()},
        };
        bytes le, be;
        for (auto [h, v] : cases) {
            put(le, h, 2);
            be.push_back(static_cast<std::uint8_t>(h >> 8));
            be.push_back(static_cast<std::uint8_t>(h));
        }
        put(le, 0x7e00, 2);  // NaN
        be.push_back(0xfe);  // -NaN
        be.push_back(0x01);
        const std::string shape = "(" + std::to_string(cases.size() + 1) + ",)";
        const tensor_file f = read(make_zip(
            {{"le.npy", make_npy("{'descr': '<f2', 'fortran_order': False, 'shape': " + shape + ", }", le)},
             {"be.npy", make_npy("{'descr': '>f2', 'fortran_order': False, 'shape': " + shape + ", }", be)}}));
        for (const named_tensor& t : f.tensors) {
            INFO(t.name);
            CHECK(t.dtype == "F16");
            for (std::size_t i = 0; i < cases.size(); ++i) CHECK(bits(t.values.at(i)) == bits(cases[i].second));
            CHECK(std::isnan(t.values.back()));
        }
    }
    SECTION("integer, bool and big-endian dtypes") {
        bytes i8s, be_i4, be_f8, u64s, bools;
        for (int v : {-128, -1, 0, 127}) i8s.push_back(static_cast<std::uint8_t>(v));
        for (std::uint8_t c : {0xff, 0xff, 0xff, 0xfe, 0x00, 0x01, 0x00, 0x00}) be_i4.push_back(c);  // -2, 65536
        for (std::uint8_t c : {0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18}) be_f8.push_back(c);  // pi
        put(u64s, ~std::uint64_t(0), 8);
        for (std::uint8_t c : {0, 1, 1, 0}) bools.push_back(c);
        const tensor_file f = read(make_zip(
            {{"i8.npy", make_npy("{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }", i8s)},
             {"be_i4.npy", make_npy("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be_i4)},
             {"be_f8.npy", make_npy("{'descr': '>f8', 'fortran_order': False, 'shape': (), }", be_f8)},
             {"u64.npy", make_npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", u64s)},
             {"b.npy", make_npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }", bools)}}));
        CHECK(f.find("i8")->values == std::vector<float>{-128, -1, 0, 127});
        CHECK(f.find("i8")->dtype == "I8");
        CHECK(f.find("be_i4")->values == std::vector<float>{-2, 65536});
        CHECK(f.find("be_i4")->dtype == "I32");
        CHECK(f.find("be_f8")->values == std::vector<float>{static_cast<float>(3.141592653589793)});
        CHECK(f.find("be_f8")->dtype == "F64");
        CHECK(f.find("u64")->values == std::vector<float>{18446744073709551615.0f});
        CHECK(f.find("b")->values == std::vector<float>{0, 1, 1, 0});
        CHECK(f.find("b")->dtype == "BOOL");
    }
}

TEST_CASE("npz rejects broken archives with a message naming the problem", "[npz]") {
    const bytes w = npy_f32("(2, 3)", {1, 2, 3, 4, 5, 6});
    auto fails = [](const bytes& b) { return read(b, "bad.npz"); };
    SECTION("CRC mismatch") {
        entry e{"w.npy", w};
        e.crc = crc_of(w) ^ 1;
        CHECK_THROWS_WITH(fails(make_zip({e})), Catch::Contains("bad.npz: member 'w.npy': CRC mismatch"));
        // A changed value in an archive from write_npz.
        temp_dir dir;
        write_npz(dir / "s.npz", sample_file(), false);
        bytes b = read_bytes(dir / "s.npz");
        b[30 + 12 + 128 + 2] ^= 0x10;  // inside 0.weight's data
        CHECK_THROWS_WITH(fails(b), Catch::Contains("member '0.weight.npy': CRC mismatch"));
    }
    SECTION("declared size implausible for the compressed size (decompression bomb)") {
        entry e{"w.npy", w, true};
        e.uncompressed = 0xfffffff0u;
        CHECK_THROWS_WITH(fails(make_zip({e})), Catch::Contains("member 'w.npy': declared size 4294967280 bytes is "
                                                                "implausible"));
        e.uncompressed = std::uint64_t(1) << 62;
        CHECK_THROWS_WITH(fails(make_zip({e}, zip_options::zip64(false, true, true))), Catch::Contains("implausible"));
    }
    SECTION("a stream that inflates to more, or less, than declared") {
        const bytes zeros = make_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (100000,), }",
                                     bytes(100000, 0));
        entry e{"z.npy", zeros, true};
        e.uncompressed = 1000;
        CHECK_THROWS_WITH(fails(make_zip({e})), Catch::Contains("member 'z.npy': decompresses to more than the "
                                                                "declared 1000 bytes"));
        e.uncompressed = zeros.size() + 1;
        CHECK_THROWS_WITH(fails(make_zip({e})), Catch::Contains("decompresses to 100128 bytes, the archive declares "
                                                                "100129"));
        CHECK(read(make_zip({entry{"z.npy", zeros, true}})).tensors.at(0).values.size() == 100000);
    }
    SECTION("corrupt or truncated deflate data") {
        bytes packed = raw_deflate(w);
        entry cut{"w.npy", w, true};
        cut.data = bytes(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(packed.size() / 2));
        CHECK_THROWS_WITH(fails(make_zip({cut})), Catch::Contains("member 'w.npy': truncated: deflate stream ends"));
        entry trailing{"w.npy", w, true};
        trailing.data = packed;
        trailing.data->push_back(0);
        CHECK_THROWS_WITH(fails(make_zip({trailing})), Catch::Contains("after the end of the deflate stream"));
        entry garbage{"w.npy", w, true};
        garbage.data = bytes(40, 0xff);
        CHECK_THROWS_WITH(fails(make_zip({garbage})), Catch::Contains("member 'w.npy': corrupt deflate data"));
    }
    SECTION("member data past the end of the file") {
        entry e{"w.npy", w};
        e.compressed = e.uncompressed = 1000000;
        CHECK_THROWS_WITH(fails(make_zip({e})), Catch::Contains("member 'w.npy': truncated: data (1000000 bytes at "
                                                                "offset 0) runs past the end of the file"));
        e = entry{"w.npy", w};
        e.compressed = e.uncompressed = ~std::uint64_t(0) - 8;  // offset + size overflows
        CHECK_THROWS_WITH(fails(make_zip({e}, zip_options::zip64(false, true, false))), Catch::Contains("runs past the end of the file"));
        e = entry{"w.npy", w};
        e.local_offset = 0xfffffff0u;
        CHECK_THROWS_WITH(fails(make_zip({e})), Catch::Contains("local header at offset 4294967280"));
        e.local_offset = 3;
        CHECK_THROWS_WITH(fails(make_zip({e})), Catch::Contains("no local header at offset 3"));
    }
    SECTION("stored member whose two sizes differ") {
        entry e{"w.npy", w};
        e.uncompressed = w.size() + 1;
        CHECK_THROWS_WITH(fails(make_zip({e})), Catch::Contains("stored member has compressed size"));
    }
    SECTION("npy header garbage") {
        const bytes cases[] = {
            make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", f32_data(std::vector<float>(6))),
            make_npy("{'descr': '<f4', 'fortran_order': Nope, 'shape': (2, 3), }", f32_data(std::vector<float>(6))),
            make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", f32_data({})),
            make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", f32_data(std::vector<float>(6))),
            make_npy("{'descr': '<f4', 'shape': (6,), }", f32_data(std::vector<float>(6))),
            make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", f32_data({})),
            make_npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", f32_data({})),
            make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", f32_data({})),
            make_npy("__import__('os').system('true')", f32_data({})),
        };
        for (const bytes& npy : cases) {
            INFO(std::string(npy.begin() + 10, npy.end()));
            CHECK_THROWS_WITH(fails(make_zip({{"h.npy", npy}})), Catch::Contains("member 'h.npy': npy header: "));
        }
        bytes bad_magic = w;
        bad_magic[1] = 'n';
        CHECK_THROWS_WITH(fails(make_zip({{"m.npy", bad_magic}})), Catch::Contains("member 'm.npy': not a .npy"));
        bytes v4 = w;
        v4[6] = 4;
        CHECK_THROWS_WITH(fails(make_zip({{"m.npy", v4}})), Catch::Contains("unsupported npy version 4.0"));
        bytes long_header = w;
        long_header[8] = 0xff;
        long_header[9] = 0xff;
        CHECK_THROWS_WITH(fails(make_zip({{"m.npy", long_header}})),
                          Catch::Contains("npy header length 65535 runs past the end"));
        CHECK_THROWS_WITH(fails(make_zip({{"m.npy", bytes(w.begin(), w.begin() + 9)}})),
                          Catch::Contains("not a .npy array"));
    }
    SECTION("unsupported dtypes name the member and the dtype") {
        const std::pair<std::string, std::string> cases[] = {
            {"'|O'", "unsupported dtype '|O' (object arrays"},
            {"'|S5'", "unsupported dtype '|S5' (strings"},
            {"'<U5'", "shape (2,) of <U5 needs 40 bytes but the member has 16"},
            {"'<Ux'", "unsupported dtype '<Ux'"},
            {"'<c8'", "unsupported dtype '<c8' (complex"},
            {"'<f16'", "unsupported dtype '<f16'"},
            {"'|f4'", "unsupported dtype '|f4'"},
            {"'<b2'", "unsupported dtype '<b2'"},
            {"[('a', '<i4'), ('b', '<f8')]", "unsupported dtype [('a', '<i4'), ('b', '<f8')] (structured"},
        };
        for (const auto& [descr, message] : cases) {
            const bytes npy = make_npy("{'descr': " + descr + ", 'fortran_order': False, 'shape': (2,), }",
                                       bytes(16, 0));
            CHECK_THROWS_WITH(fails(make_zip({{"t.npy", npy}})), Catch::Contains("member 't.npy': " + message));
        }
    }
    SECTION("shape and data size disagree") {
        CHECK_THROWS_WITH(fails(make_zip({{"w.npy", npy_f32("(3, 4)", std::vector<float>(10))}})),
                          Catch::Contains("bad.npz: member 'w.npy': shape (3, 4) needs 48 bytes but the member "
                                          "has 40"));
        CHECK_THROWS_WITH(
            fails(make_zip({{"w.npy", npy_f32("(4294967296, 4294967296)", std::vector<float>(2))}})),
            Catch::Contains("shape (4294967296, 4294967296) needs more than 2^64 bytes but the member has 8"));
        // A zero extent: empty, whatever the other extents.
        const tensor_file f = read(make_zip({{"e.npy", npy_f32("(0, 4294967296, 4294967296)", {})}}));
        CHECK(f.tensors.at(0).values.empty());
    }
    SECTION("duplicate members, bad names, overlapping data") {
        CHECK_THROWS_WITH(fails(make_zip({{"w.npy", w}, {"w.npy", w}})),
                          Catch::Contains("member 'w.npy': duplicate member name"));
        CHECK_THROWS_WITH(fails(make_zip({{"readme.txt", w}})),
                          Catch::Contains("member 'readme.txt': not a .npy member"));
        entry second{"v.npy", w};
        second.local_offset = 0;  // the data of w.npy again: how small zip bombs multiply
        CHECK_THROWS_WITH(fails(make_zip({{"w.npy", w}, second})), Catch::Contains("overlaps member 'w.npy'"));
        CHECK_THROWS_WITH(fails(make_zip({{std::string("a\0b.npy", 7), w}})), Catch::Contains("a\\x00b.npy"));
    }
    SECTION("methods, encryption, multi-disk") {
        entry bzip2{"w.npy", w};
        bzip2.method = 12;
        CHECK_THROWS_WITH(fails(make_zip({bzip2})), Catch::Contains("unsupported compression method 12"));
        entry locked{"w.npy", w};
        locked.flags = 1;
        CHECK_THROWS_WITH(fails(make_zip({locked})), Catch::Contains("member 'w.npy': encrypted"));
        zip_options disk;
        disk.disk = 1;
        CHECK_THROWS_WITH(fails(make_zip({{"w.npy", w}}, disk)), Catch::Contains("bad.npz: multi-disk"));
        disk.zip64_end = true;
        CHECK_THROWS_WITH(fails(make_zip({{"w.npy", w}}, disk)), Catch::Contains("multi-disk"));
    }
    SECTION("central directory damage") {
        bytes b = make_zip({{"w.npy", w}});
        bytes c = b;
        c[c.size() - 3] = 0x7f;  // central directory offset
        CHECK_THROWS_WITH(fails(c), Catch::Contains("bad.npz: truncated or corrupt: central directory"));
        c = b;
        c[c.size() - 12] = 9;  // 9 entries in a directory that holds one
        c[c.size() - 14] = 9;
        CHECK_THROWS_WITH(fails(c), Catch::Contains("9 entries cannot fit"));
        c = b;
        c[c.size() - 22 - 5 - 46] = 'X';  // central header signature
        CHECK_THROWS_WITH(fails(c), Catch::Contains("not a central directory header"));
    }
}

TEST_CASE("npz survives truncation at every length", "[npz]") {
    temp_dir dir;
    for (bool compress : {true, false}) {
        write_npz(dir / "f.npz", sample_file(), compress);
        const bytes valid = read_bytes(dir / "f.npz");
        REQUIRE(read(valid).tensors.size() == 3);
        fuzz_tally tally;
        for (std::size_t n = 0; n < valid.size(); ++n)
            tally.add(bytes(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(n)),
                      "length " + std::to_string(n));
        INFO("compress " << compress << ": " << tally.first_other);
        CHECK(tally.other == 0);
        CHECK(tally.read == 0);
        CHECK(tally.rejected == static_cast<int>(valid.size()));
    }
}

TEST_CASE("npz survives random byte changes: it reads or throws format_error", "[npz]") {
    temp_dir dir;
    std::vector<std::pair<std::string, bytes>> samples;
    for (bool compress : {true, false}) {
        write_npz(dir / "f.npz", sample_file(), compress);
        samples.emplace_back(compress ? "write_npz deflated" : "write_npz stored", read_bytes(dir / "f.npz"));
    }
    const bytes w = npy_f32("(2, 3)", {1, 2, 3, 4, 5, 6});
    samples.emplace_back("zip64 with comment",
                         make_zip({{"a.npy", w}, {"b.npy", npy_f32("()", {3}), true}}, zip_options::zip64(true, true, true, "note")));
    std::uint64_t seed = 1;
    for (const auto& [label, valid] : samples) {
        REQUIRE(read(valid).tensors.size() >= 2);
        const fuzz_tally tally = mutate_many(valid, 1500, seed++);
        INFO(label << ": read " << tally.read << ", rejected " << tally.rejected << "; " << tally.first_other);
        CHECK(tally.other == 0);
        CHECK(tally.rejected > 0);
    }
}

TEST_CASE("npz survives garbled npy headers (with a correct CRC)", "[npz]") {
    const std::string dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
    const bytes valid = make_npy(dict, f32_data({1, 2, 3, 4, 5, 6}));
    const std::string alphabet = "{}()[],:'\" \n0123456789TrueFalsL<>|fiubOU-x\\";
    std::mt19937_64 rng(99);
    fuzz_tally tally;
    for (int it = 0; it < 2500; ++it) {
        bytes npy = valid;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < edits; ++k) {
            const std::size_t pos = rng() % 80;  // magic, version, length, the dict and some padding
            npy[pos] = rng() % 2 ? static_cast<std::uint8_t>(alphabet[rng() % alphabet.size()])
                                 : static_cast<std::uint8_t>(rng());
        }
        if (rng() % 8 == 0) npy.resize(rng() % npy.size());
        tally.add(make_zip({{"g.npy", npy, rng() % 2 == 0}}), "mutation " + std::to_string(it));
    }
    INFO("read " << tally.read << ", rejected " << tally.rejected << "; " << tally.first_other);
    CHECK(tally.other == 0);
    CHECK(tally.read > 0);
    CHECK(tally.rejected > 0);
}

TEST_CASE("npz reads what numpy writes (savez and savez_compressed)", "[npz][numpy]") {
    if (!have_numpy()) {
        WARN("/usr/bin/python3 with numpy not found: numpy interop not checked");
        return;
    }
    temp_dir dir;
    const std::string script = std::string(R"(
import sys, os, warnings, zipfile
import numpy as np
warnings.simplefilter('ignore')
np.seterr(all='ignore')
)") + dump_helper + R"(
out = sys.argv[1]
rng = np.random.default_rng(7)
arrays = {
    '0.weight': rng.standard_normal((4, 3, 5)).astype(np.float32),
    '0.bias': rng.standard_normal(4).astype(np.float32),
    'f64': np.array([[1.0, -2.5, 1e-40, 3.4e38], [1e300, -1e300, np.pi, 1 / 3]]),
    'f16_all': np.arange(65536, dtype=np.uint16).view(np.float16),
    'bn.num_batches_tracked': np.array(12345, dtype=np.int64),
    'i64': np.array([-2**63, 2**63 - 1, 2**53 + 1, -7], dtype=np.int64),
    'i32': np.array([-2**31, 2**31 - 1, 16777217], dtype=np.int32),
    'i16': np.array([-32768, 32767, 0], dtype=np.int16),
    'i8': np.array([-128, 127, 1], dtype=np.int8),
    'u8': np.arange(0, 256, 51, dtype=np.uint8),
    'u16': np.array([0, 65535], dtype=np.uint16),
    'u32': np.array([0, 2**32 - 1], dtype=np.uint32),
    'u64': np.array([0, 2**64 - 1, 2**53 + 1], dtype=np.uint64),
    'mask': np.array([[True, False, True], [False, False, True]]),
    'fortran': np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)),
    'fortran_f64': np.asfortranarray(rng.standard_normal((3, 5))),
    'be_f4': (np.arange(6) * 1.5).astype('>f4').reshape(2, 3),
    'be_f8': np.array([1.0, -1e-300, 2.0**70], dtype='>f8'),
    'be_f2': np.array([1.0, -0.0, 6e-8, np.inf, -np.inf, np.nan, 65504], dtype='>f2'),
    'be_i8': np.array([-5, 2**40], dtype='>i8'),
    'be_i4': np.array([-5, 2**30], dtype='>i4'),
    'be_i2': np.array([-5, 2**14], dtype='>i2'),
    'be_u2': np.array([5, 65535], dtype='>u2'),
    'be_u4': np.array([5, 2**32 - 1], dtype='>u4'),
    'be_u8': np.array([5, 2**64 - 1], dtype='>u8'),
    'be_fortran': np.asfortranarray(np.arange(12, dtype='>i4').reshape(3, 4)),
    'empty': np.zeros((0, 3), dtype=np.float32),
    'scalar': np.float32(-0.25),
    'big': np.sin(np.arange(100000, dtype=np.float32)),
}
assert not arrays['fortran'].flags.c_contiguous
np.savez(os.path.join(out, 'stored.npz'), **arrays)
np.savez_compressed(os.path.join(out, 'compressed.npz'), **arrays)
with open(os.path.join(out, 'expected.txt'), 'w') as f:
    for name, a in arrays.items():
        f.write(dump(name, a))
# The same archive with a comment, and one with every zip64 record zipfile can write.
import shutil
shutil.copy(os.path.join(out, 'stored.npz'), os.path.join(out, 'comment.npz'))
with zipfile.ZipFile(os.path.join(out, 'comment.npz'), 'a') as z:
    z.comment = b'written by the seqnet npz test'
zipfile.ZIP64_LIMIT = 0
zipfile.ZIP_FILECOUNT_LIMIT = 0
np.savez_compressed(os.path.join(out, 'zip64.npz'), **arrays)
)";
    REQUIRE(run_python(dir, script, "'" + dir.path.string() + "'") == 0);
    const std::vector<expected_array> expected = parse_expected(read_text(dir / "expected.txt"));
    REQUIRE(expected.size() == 29);
    for (const char* file : {"stored.npz", "compressed.npz", "comment.npz", "zip64.npz"}) {
        INFO(file);
        const tensor_file f = read_npz(dir / file);
        REQUIRE(f.tensors.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const named_tensor& t = f.tensors[i];
            const expected_array& e = expected[i];
            INFO(e.name << " " << e.dtype);
            CHECK(t.name == e.name);
            CHECK(t.shape == e.shape);
            CHECK(same_values(t.values, e.values));
        }
        CHECK(f.find("bn.num_batches_tracked")->dtype == "I64");
        CHECK(f.find("bn.num_batches_tracked")->values == std::vector<float>{12345});
        CHECK(f.find("f64")->dtype == "F64");
        CHECK(f.find("f16_all")->dtype == "F16");
        CHECK(f.find("be_f2")->dtype == "F16");
        CHECK(f.find("mask")->dtype == "BOOL");
        CHECK(f.find("u64")->dtype == "U64");
        CHECK(f.find("be_u2")->dtype == "U16");
        CHECK(f.find("0.weight")->dtype == "F32");
        CHECK(f.find("fortran")->values[1] == 1.0f);  // C order: arange(24).reshape(2, 3, 4)
        CHECK(f.find("fortran")->values[4] == 4.0f);
    }
}

TEST_CASE("numpy reads what write_npz writes", "[npz][numpy]") {
    if (!have_numpy()) {
        WARN("/usr/bin/python3 with numpy not found: numpy interop not checked");
        return;
    }
    temp_dir dir;
    tensor_file f = sample_file();
    std::vector<float> cube(2 * 3 * 4);
    for (std::size_t i = 0; i < cube.size(); ++i) cube[i] = std::exp(static_cast<float>(i) - 10);
    f.tensors.push_back(make_tensor("cube", {2, 3, 4}, cube));
    f.tensors.push_back(make_tensor("special", {3}, {std::numeric_limits<float>::infinity(),
                                                     std::numeric_limits<float>::denorm_min(), -0.0f}));
    f.tensors.push_back(make_tensor("empty", {3, 0}, {}));
    write_npz(dir / "compressed.npz", f, true);
    write_npz(dir / "stored.npz", f, false);
    const std::string script = std::string(R"(
import sys, os, zipfile
import numpy as np
)") + dump_helper + R"(
out = sys.argv[1]
for name, method in (('compressed', zipfile.ZIP_DEFLATED), ('stored', zipfile.ZIP_STORED)):
    path = os.path.join(out, name + '.npz')
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every CRC, by an independent implementation
        for info in z.infolist():
            assert info.compress_type == method, (info.filename, info.compress_type)
            with z.open(info) as fp:
                assert np.lib.format.read_magic(fp) == (1, 0)
                np.lib.format.read_array_header_1_0(fp)
                assert fp.tell() % 64 == 0, fp.tell()
    with np.load(path, allow_pickle=False) as npz, open(os.path.join(out, name + '.txt'), 'w') as f:
        for key in npz.files:
            a = npz[key]
            assert a.dtype == np.dtype('<f4'), a.dtype
            assert a.flags.c_contiguous
            f.write(dump(key, a))
)";
    REQUIRE(run_python(dir, script, "'" + dir.path.string() + "'") == 0);
    for (const char* name : {"compressed.txt", "stored.txt"}) {
        INFO(name);
        const std::vector<expected_array> got = parse_expected(read_text(dir / name));
        REQUIRE(got.size() == f.tensors.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            INFO(f.tensors[i].name);
            CHECK(got[i].name == f.tensors[i].name);
            CHECK(got[i].dtype == "<f4");
            CHECK(got[i].shape == f.tensors[i].shape);
            CHECK(same_values(got[i].values, f.tensors[i].values));
        }
    }
}

TEST_CASE("text tensors are numpy unicode arrays: written, read back, and read by numpy", "[npz][numpy]") {
    temp_dir dir;
    tensor_file f;
    named_tensor names;
    names.name = "names";
    names.dtype = "STR";
    names.shape = {3};
    names.strings = {"chr1:100-300", "", "\xce\xb1-helix \xe2\x9c\x93"};  // empty and non-ASCII
    f.tensors.push_back(names);
    named_tensor settings;
    settings.name = "settings";
    settings.dtype = "STR";
    settings.shape = {};
    settings.strings = {"{\"method\": \"deeplift\"}"};
    f.tensors.push_back(settings);
    f.tensors.push_back(make_tensor("values", {2}, {1.5f, -2.0f}));
    write_npz(dir / "text.npz", f, true);
    const tensor_file back = read_npz(dir / "text.npz");
    REQUIRE(back.tensors.size() == 3);
    CHECK(back.find("names")->dtype == "STR");
    CHECK(back.find("names")->strings == names.strings);
    CHECK(back.find("settings")->shape.empty());
    CHECK(back.find("settings")->strings == settings.strings);
    CHECK(back.find("values")->values == std::vector<float>{1.5f, -2.0f});

    named_tensor bad = names;
    bad.strings[0] = "\xff\xfe";
    tensor_file g;
    g.tensors.push_back(bad);
    CHECK_THROWS_WITH(write_npz(dir / "bad.npz", g, false), Catch::Contains("not UTF-8"));
    bad.strings = {"one"};
    g.tensors[0] = bad;
    CHECK_THROWS_WITH(write_npz(dir / "bad.npz", g, false), Catch::Contains("has shape (3,) but 1 strings"));

    if (!have_numpy()) {
        WARN("/usr/bin/python3 with numpy not found: numpy interop of text arrays not checked");
        return;
    }
    const std::string script = R"(
import sys, os
import numpy as np
d = sys.argv[1]
with np.load(os.path.join(d, 'text.npz'), allow_pickle=False) as z:
    assert list(z['names']) == ['chr1:100-300', '', '\u03b1-helix \u2713'], list(z['names'])
    assert z['settings'].shape == () and str(z['settings']) == '{"method": "deeplift"}'
np.savez(os.path.join(d, 'numpy.npz'), words=np.array([['ab', 'c'], ['', '\u00e9t\u00e9']]))
)";
    REQUIRE(run_python(dir, script, "'" + dir.path.string() + "'") == 0);
    const tensor_file from_numpy = read_npz(dir / "numpy.npz");
    CHECK(from_numpy.find("words")->shape == std::vector<index_t>{2, 2});
    CHECK(from_numpy.find("words")->strings == std::vector<std::string>{"ab", "c", "", "\xc3\xa9t\xc3\xa9"});
}
