// Test helpers for file readers: a temporary directory removed at scope exit, and writing and reading
// files (plain or gzip).
#pragma once

#include <catch2/catch.hpp>

#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

namespace seqnet::test {

// A fresh directory under the system temp directory, removed with its contents at scope exit.
struct temp_dir {
    std::filesystem::path path;
    explicit temp_dir(const std::string& prefix = "seqnet_test") {
        const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
        path = std::filesystem::temp_directory_path() /
               (prefix + "_" + std::to_string(std::random_device{}()) + "_" + std::to_string(tick));
        std::filesystem::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::filesystem::path file(const std::string& name) const { return path / name; }
};

// Removes the file first: truncating one in place can make ext4 flush it to disk (auto_da_alloc), which
// costs milliseconds a write in the fuzz loops.
inline void write_file(const std::filesystem::path& p, std::string_view bytes) {
    std::error_code ec;
    std::filesystem::remove(p, ec);
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    REQUIRE(f.good());
}

inline void write_gzip(const std::filesystem::path& p, std::string_view bytes) {
    gzFile f = gzopen(p.string().c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(f) == Z_OK);
}

inline std::string read_bytes(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace seqnet::test
