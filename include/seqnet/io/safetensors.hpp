// seqnet/io/safetensors.hpp -- read and write safetensors files (Hugging Face's format for PyTorch weights).
// Module seqnet::io (needs nlohmann-json).
//
// Layout: an 8-byte little-endian header size N, N bytes of JSON
//   {"__metadata__": {"key": "value", ...},
//    "0.weight": {"dtype": "F32", "shape": [300, 4, 19], "data_offsets": [begin, end]}, ...}
// then the data section, offsets relative to its start, tensors row-major and little-endian.
// Reading accepts F32, F64, F16, BF16 and the integer and BOOL types (converted to float; PyTorch's
// num_batches_tracked is I64). The file is untrusted: the header size is checked against the file and
// capped at 100 MB as the format prescribes, every tensor's byte range must lie in the data section and
// match its shape and dtype exactly, and shapes are multiplied with overflow checks. Any violation is a
// format_error naming the file and the tensor. Writing produces F32 tensors in the order given, the
// header padded with spaces to a multiple of 8 bytes.
#pragma once

#include <seqnet/io/tensor_file.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace seqnet::io {

namespace detail {

/// Reads a whole file; throws format_error naming it.
inline std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw format_error(path.string() + ": cannot open for reading");
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size < 0) throw format_error(path.string() + ": cannot determine the file size");
    in.seekg(0);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    if (!in.read(reinterpret_cast<char*>(bytes.data()), size))
        throw format_error(path.string() + ": read failed");
    return bytes;
}

/// Bytes per element of a safetensors dtype, or 0 if seqnet cannot read it.
inline std::size_t safetensors_itemsize(const std::string& dtype) {
    if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
    if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
    if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
    if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
    return 0;
}

template <class Int>
Int load_le(const std::uint8_t* p) {
    Int v{};
    std::memcpy(&v, p, sizeof v);  // seqnet targets little-endian hosts (x86-64, aarch64)
    return v;
}

inline float safetensors_value(const std::string& dtype, const std::uint8_t* p) {
    if (dtype == "F32") return load_le<float>(p);
    if (dtype == "F64") return double_to_float(load_le<double>(p));
    if (dtype == "F16") return float16_to_float(load_le<std::uint16_t>(p));
    if (dtype == "BF16") return bfloat16_to_float(load_le<std::uint16_t>(p));
    if (dtype == "I64") return static_cast<float>(load_le<std::int64_t>(p));
    if (dtype == "U64") return static_cast<float>(load_le<std::uint64_t>(p));
    if (dtype == "I32") return static_cast<float>(load_le<std::int32_t>(p));
    if (dtype == "U32") return static_cast<float>(load_le<std::uint32_t>(p));
    if (dtype == "I16") return static_cast<float>(load_le<std::int16_t>(p));
    if (dtype == "U16") return static_cast<float>(load_le<std::uint16_t>(p));
    if (dtype == "I8") return static_cast<float>(static_cast<std::int8_t>(*p));
    return static_cast<float>(*p);  // U8, BOOL
}

}  // namespace detail

/// Reads a safetensors file held in memory; `source` names it in messages.
inline tensor_file read_safetensors(std::span<const std::uint8_t> bytes, const std::string& source) {
    using nlohmann::json;
    constexpr std::uint64_t max_header = 100'000'000;
    tensor_file file;
    file.path = source;
    if (bytes.size() < 8)
        throw format_error(source + ": truncated: " + std::to_string(bytes.size()) +
                           " bytes, too short for a safetensors header size");
    const auto header_size = detail::load_le<std::uint64_t>(bytes.data());
    if (header_size > max_header)
        throw format_error(source + ": header size " + std::to_string(header_size) +
                           " exceeds the format's limit of 100 MB (not a safetensors file?)");
    if (header_size > bytes.size() - 8)
        throw format_error(source + ": truncated: the header needs " + std::to_string(header_size) +
                           " bytes but the file has " + std::to_string(bytes.size() - 8) + " after the size");
    const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
    json header;
    try {
        header = json::parse(text, text + header_size);
    } catch (const json::exception& e) {
        throw format_error(source + ": header is not valid JSON (not a safetensors file?): " + e.what());
    }
    if (!header.is_object()) throw format_error(source + ": header is not a JSON object");
    const std::span<const std::uint8_t> data = bytes.subspan(8 + header_size);
    std::vector<std::pair<std::uint64_t, named_tensor>> found;  // by data offset

    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        if (name == "__metadata__") {
            if (!it->is_object()) throw format_error(source + ": __metadata__ is not a JSON object");
            for (auto m = it->begin(); m != it->end(); ++m) {
                if (!m->is_string()) throw format_error(source + ": __metadata__ entry '" + m.key() + "' is not a string");
                file.metadata[m.key()] = m->get<std::string>();
            }
            continue;
        }
        const std::string at = source + ": tensor '" + name + "': ";
        const json& entry = *it;
        if (!entry.is_object()) throw format_error(at + "entry is not a JSON object");
        auto dtype = entry.find("dtype"), shape = entry.find("shape"), offsets = entry.find("data_offsets");
        if (dtype == entry.end() || shape == entry.end() || offsets == entry.end() || entry.size() != 3)
            throw format_error(at + "entry must have exactly dtype, shape and data_offsets");
        if (!dtype->is_string()) throw format_error(at + "dtype is not a string");
        named_tensor t;
        t.name = name;
        t.dtype = dtype->get<std::string>();
        const std::size_t item = detail::safetensors_itemsize(t.dtype);
        if (item == 0) throw format_error(at + "dtype " + t.dtype + " is not supported (seqnet reads F32, F64, F16, BF16, integers and BOOL)");
        if (!shape->is_array()) throw format_error(at + "shape is not a list");
        std::uint64_t count = 1;
        for (const auto& d : *shape) {
            if (!d.is_number_unsigned()) throw format_error(at + "shape has an entry that is not a non-negative integer");
            const auto v = d.get<std::uint64_t>();
            if (v != 0 && count > (std::uint64_t(1) << 62) / v)
                throw format_error(at + "shape " + shape->dump() + " is too large");
            count *= v;
            t.shape.push_back(static_cast<index_t>(v));
        }
        if (!offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
            !(*offsets)[1].is_number_unsigned())
            throw format_error(at + "data_offsets must be [begin, end]");
        const auto begin = (*offsets)[0].get<std::uint64_t>(), end = (*offsets)[1].get<std::uint64_t>();
        if (begin > end) throw format_error(at + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] are reversed");
        if (end > data.size())
            throw format_error(at + "truncated: its data ends at byte " + std::to_string(end) +
                               " of the data section, which has " + std::to_string(data.size()));
        if (count > (end - begin) / item || count * item != end - begin)
            throw format_error(at + "shape " + shape_string(t.shape) + " of " + t.dtype + " needs " +
                               (count > (std::uint64_t(1) << 60) ? std::string("more") : std::to_string(count * item)) +
                               " bytes but data_offsets give " + std::to_string(end - begin));
        t.values.resize(static_cast<std::size_t>(count));
        const std::uint8_t* p = data.data() + begin;
        if (t.dtype == "F32") {
            std::memcpy(t.values.data(), p, static_cast<std::size_t>(count) * 4);
        } else {
            for (std::size_t i = 0; i < t.values.size(); ++i) t.values[i] = detail::safetensors_value(t.dtype, p + i * item);
        }
        found.emplace_back(begin, std::move(t));
    }
    // JSON objects come back sorted by key; keep the file's data order, which is the writer's order.
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [offset, t] : found) file.tensors.push_back(std::move(t));
    return file;
}

/// Reads a safetensors file.
inline tensor_file read_safetensors(const std::filesystem::path& path) {
    const auto bytes = detail::read_file_bytes(path);
    return read_safetensors(std::span<const std::uint8_t>(bytes), path.string());
}

/// The bytes of a safetensors file holding `file`'s tensors as F32 and its metadata; `target` names the
/// file in messages.
inline std::vector<std::uint8_t> safetensors_bytes(const tensor_file& file, const std::string& target) {
    using nlohmann::ordered_json;
    ordered_json header = ordered_json::object();
    if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
    std::uint64_t offset = 0;
    for (const auto& t : file.tensors) {
        if (t.name.empty() || t.name == "__metadata__") throw format_error(target + ": invalid tensor name '" + t.name + "'");
        if (header.contains(t.name)) throw format_error(target + ": tensor '" + t.name + "' appears twice");
        if (static_cast<index_t>(t.values.size()) != t.size())
            throw format_error(target + ": tensor '" + t.name + "' has " + std::to_string(t.values.size()) +
                               " values for shape " + shape_string(t.shape));
        const std::uint64_t bytes = t.values.size() * 4;
        header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::vector<std::uint8_t> out(8 + text.size() + offset);
    const std::uint64_t n = text.size();
    std::memcpy(out.data(), &n, 8);
    std::memcpy(out.data() + 8, text.data(), text.size());
    std::uint8_t* p = out.data() + 8 + text.size();
    for (const auto& t : file.tensors) {
        std::memcpy(p, t.values.data(), t.values.size() * 4);
        p += t.values.size() * 4;
    }
    return out;
}

/// Writes `file` as a safetensors file (F32 tensors).
inline void write_safetensors(const std::filesystem::path& path, const tensor_file& file) {
    const auto bytes = safetensors_bytes(file, path.string());
    std::ofstream out(path, std::ios::binary);
    if (!out) throw format_error(path.string() + ": cannot open for writing");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw format_error(path.string() + ": write failed");
}

}  // namespace seqnet::io
