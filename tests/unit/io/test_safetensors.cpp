// tests for seqnet/io/safetensors.hpp
#include <catch2/catch.hpp>

#include <seqnet/io/safetensors.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

using namespace seqnet;
using Catch::Contains;

namespace {

io::tensor_file sample_file() {
    io::tensor_file f;
    f.metadata = {{"format", "test"}, {"note", "two tensors"}};
    f.tensors.push_back({"0.weight", {2, 3}, {1, 2, 3, 4, 5, -6.5f}, "F32", {}});
    f.tensors.push_back({"b", {}, {0.25f}, "F32", {}});
    f.tensors.push_back({"a.bias", {4}, {-1, 0, 1e-30f, 3e30f}, "F32", {}});
    return f;
}

/// A safetensors file by hand: header JSON text, then raw data.
std::vector<std::uint8_t> hand_made(const std::string& header, const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> out(8 + header.size() + data.size());
    const std::uint64_t n = header.size();
    std::memcpy(out.data(), &n, 8);
    std::memcpy(out.data() + 8, header.data(), header.size());
    if (!data.empty()) std::memcpy(out.data() + 8 + header.size(), data.data(), data.size());
    return out;
}

template <class V>
std::vector<std::uint8_t> raw(std::initializer_list<V> values) {
    std::vector<std::uint8_t> out(values.size() * sizeof(V));
    std::memcpy(out.data(), std::data(values), out.size());
    return out;
}

}  // namespace

TEST_CASE("safetensors round trip keeps names, order, shapes, values and metadata", "[safetensors]") {
    const auto f = sample_file();
    const auto bytes = io::safetensors_bytes(f, "mem");
    std::uint64_t header = 0;
    std::memcpy(&header, bytes.data(), 8);
    CHECK(header % 8 == 0);
    const auto back = io::read_safetensors(bytes, "mem");
    REQUIRE(back.tensors.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(back.tensors[i].name == f.tensors[i].name);
        CHECK(back.tensors[i].shape == f.tensors[i].shape);
        CHECK(back.tensors[i].values == f.tensors[i].values);
        CHECK(back.tensors[i].dtype == "F32");
    }
    CHECK(back.metadata == f.metadata);
    CHECK(back.find("b")->values[0] == 0.25f);
    CHECK(back.find("nothing") == nullptr);
}

TEST_CASE("safetensors reads the other dtypes PyTorch writes", "[safetensors]") {
    const std::string header = R"({"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},)"
                               R"("bf":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},)"
                               R"("d":{"dtype":"F64","shape":[1],"data_offsets":[16,24]},)"
                               R"("n":{"dtype":"I64","shape":[],"data_offsets":[24,32]}})";
    std::vector<std::uint8_t> data = raw<std::uint16_t>({0x3c00, 0xc000, 0x0001, 0x7c00});  // 1, -2, 2^-24, inf
    auto bf = raw<std::uint16_t>({0x3f80, 0x4049});                                          // 1, 3.140625
    data.insert(data.end(), bf.begin(), bf.end());
    data.resize(16, 0);
    auto d = raw<double>({0.1});
    data.insert(data.end(), d.begin(), d.end());
    auto n = raw<std::int64_t>({12345});
    data.insert(data.end(), n.begin(), n.end());
    const auto f = io::read_safetensors(hand_made(header, data), "dtypes");
    const auto* h = f.find("h");
    REQUIRE(h);
    CHECK(h->values[0] == 1.0f);
    CHECK(h->values[1] == -2.0f);
    CHECK(h->values[2] == std::ldexp(1.0f, -24));
    CHECK(std::isinf(h->values[3]));
    CHECK(f.find("bf")->values == std::vector<float>{1.0f, 3.140625f});
    CHECK(f.find("d")->values[0] == 0.1f);
    CHECK(f.find("n")->values[0] == 12345.0f);
    CHECK(f.find("n")->dtype == "I64");
    CHECK_FALSE(f.find("n")->is_floating());
}

TEST_CASE("a broken safetensors file is an error naming the file and the tensor", "[safetensors]") {
    auto read = [](const std::string& header, std::vector<std::uint8_t> data = {}) {
        return io::read_safetensors(hand_made(header, data), "w.safetensors");
    };
    const auto four = raw<float>({1, 2, 3, 4});
    CHECK_THROWS_WITH(io::read_safetensors(std::vector<std::uint8_t>{1, 2, 3}, "w.safetensors"),
                      "w.safetensors: truncated: 3 bytes, too short for a safetensors header size");
    auto big = hand_made("{}", {});
    big[5] = 1;
    CHECK_THROWS_WITH(io::read_safetensors(big, "w.safetensors"), Contains("exceeds the format's limit of 100 MB"));
    auto cut = hand_made(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", four);
    cut.resize(20);
    CHECK_THROWS_WITH(io::read_safetensors(cut, "w.safetensors"), Contains("w.safetensors: truncated: the header needs"));
    CHECK_THROWS_WITH(read(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", {1, 2, 3}),
                      "w.safetensors: tensor 'a': truncated: its data ends at byte 16 of the data section, which has 3");
    CHECK_THROWS_WITH(read(R"({"a":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})", four),
                      "w.safetensors: tensor 'a': shape (5,) of F32 needs 20 bytes but data_offsets give 16");
    CHECK_THROWS_WITH(read(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}})", four),
                      Contains("tensor 'a': shape [4294967296,4294967296,16] is too large"));
    CHECK_THROWS_WITH(read(R"({"a":{"dtype":"C64","shape":[2],"data_offsets":[0,16]}})", four),
                      Contains("tensor 'a': dtype C64 is not supported"));
    CHECK_THROWS_WITH(read(R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", four),
                      Contains("tensor 'a': shape has an entry that is not a non-negative integer"));
    CHECK_THROWS_WITH(read(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}})", four), Contains("reversed"));
    CHECK_THROWS_WITH(read(R"({"a":{"dtype":"F32","shape":[4]}})", four),
                      "w.safetensors: tensor 'a': entry must have exactly dtype, shape and data_offsets");
    CHECK_THROWS_WITH(read(R"({"__metadata__":{"k":1}})"), "w.safetensors: __metadata__ entry 'k' is not a string");
    CHECK_THROWS_WITH(read(R"([1,2])"), "w.safetensors: header is not a JSON object");
    CHECK_THROWS_WITH(read(R"({"a":)"), Contains("w.safetensors: header is not valid JSON"));
    CHECK_THROWS_WITH(io::read_safetensors(std::filesystem::path("/nonexistent/w.safetensors")),
                      "/nonexistent/w.safetensors: cannot open for reading");
}

TEST_CASE("truncated and corrupted safetensors files give errors, never a crash", "[safetensors][fuzz]") {
    const auto good = io::safetensors_bytes(sample_file(), "mem");
    auto only_format_errors = [](const std::vector<std::uint8_t>& bytes) {
        try {
            io::read_safetensors(bytes, "fuzz");
        } catch (const format_error&) {
        }
    };
    for (std::size_t n = 0; n < good.size(); ++n)
        CHECK_NOTHROW(only_format_errors(std::vector<std::uint8_t>(good.begin(), good.begin() + n)));
    std::mt19937 rng(3);
    for (int trial = 0; trial < 5000; ++trial) {
        auto bytes = good;
        const int flips = 1 + int(rng() % 3);
        for (int k = 0; k < flips; ++k) {
            const std::size_t at = trial % 2 ? rng() % 120 : rng() % bytes.size();  // favour the header
            bytes[std::min(at, bytes.size() - 1)] = static_cast<std::uint8_t>(rng());
        }
        CHECK_NOTHROW(only_format_errors(bytes));
    }
}

TEST_CASE("safetensors files are readable by PyTorch's conventions in Python", "[safetensors][python]") {
    // An independent reader: Python's json and struct modules (no safetensors package needed).
    if (!std::filesystem::exists("/usr/bin/python3")) {
        WARN("skipped: /usr/bin/python3 is absent");
        return;
    }
    const auto dir = std::filesystem::temp_directory_path() / "seqnet_safetensors_test";
    std::filesystem::create_directories(dir);
    const auto path = dir / "sample.safetensors";
    io::write_safetensors(path, sample_file());
    const std::string script =
        "import json, struct, sys\n"
        "b = open(sys.argv[1], 'rb').read()\n"
        "n = struct.unpack('<Q', b[:8])[0]\n"
        "h = json.loads(b[8:8 + n])\n"
        "t = h['0.weight']; s, e = t['data_offsets']\n"
        "v = struct.unpack('<6f', b[8 + n + s:8 + n + e])\n"
        "assert t['dtype'] == 'F32' and t['shape'] == [2, 3], t\n"
        "assert v == (1, 2, 3, 4, 5, -6.5), v\n"
        "assert h['__metadata__'] == {'format': 'test', 'note': 'two tensors'}\n"
        "assert h['b']['shape'] == []\n";
    std::ofstream(dir / "check.py") << script;
    const std::string cmd = "/usr/bin/python3 " + (dir / "check.py").string() + " " + path.string();
    CHECK(std::system(cmd.c_str()) == 0);
    std::filesystem::remove_all(dir);
}
