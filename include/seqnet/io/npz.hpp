// seqnet/io/npz.hpp -- NumPy .npz archives (np.savez, np.savez_compressed) read into and written from a
// tensor_file.
// Module seqnet::io (needs zlib).
//
// An .npz is a zip archive of NAME.npy members; the tensor name is the member name without ".npy", in
// central-directory order. read_npz takes the whole file into memory, parses the zip from its
// end-of-central-directory record (an archive comment is allowed; zip64 records and extra fields, as
// numpy writes them, are understood), takes every size from the central directory and uses a local
// header only to find where the data starts. Members may be stored (method 0) or deflated (method 8).
// Every .npy member is version 1.0, 2.0 or 3.0 with a dict header that is parsed, not evaluated, and a
// dtype among f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1, little- or big-endian; values are converted to float32
// (float16 exactly, subnormals, infinities and NaN included) and Fortran-order arrays are reordered into
// C order. named_tensor::dtype keeps the stored type (F16, F64, I64, BOOL...). Unicode string arrays
// ('<U n', as numpy stores str arrays) are read as dtype "STR" into named_tensor::strings, UTF-8.
//
// write_npz writes each tensor as a little-endian float32 (a "STR" tensor as a '<U n' unicode array),
// C-order .npy 1.0 member whose data starts at a multiple of 64 bytes (as numpy aligns it), deflated
// (compress = true, like savez_compressed) or stored (like savez), in a plain zip archive with a fixed
// 1980-01-01 timestamp, so the same tensors give the same bytes. The file is written next to its destination and renamed over it, so a failed write does
// not destroy an existing file.
//
// Robustness (the input is untrusted; a truncated or corrupt file must give a format_error, never a
// crash, a hang or a read out of bounds):
//  - every offset and length is bounds-checked with overflow-safe arithmetic on 64-bit values;
//  - the end-of-central-directory record must end the file exactly (after its comment), which keeps a
//    signature inside a comment or inside member data from being taken for it;
//  - member data must lie inside the file, before the central directory, and members must not overlap
//    (overlapping members are how small zip bombs multiply their output);
//  - a deflated member may declare at most 1100 x its compressed size + 64 KiB (deflate itself cannot
//    exceed about 1032:1); the output buffer is never larger than the declared size, and a stream that
//    produces more (or less) than declared is an error, so memory stays within about 1100 x the file;
//  - every member's CRC-32 is checked; the .npy shape times the item size must equal the member's size;
//  - multi-disk archives, encryption, compression methods other than 0 and 8, duplicate member names,
//    members not named *.npy, object, structured, byte-string and complex dtypes are errors.
// Errors are format_error: "<path>: <problem>" for the archive, "<path>: member 'NAME.npy': <problem>"
// for one member; a file that cannot be opened gives "<path>: cannot open: <strerror>". write_npz throws
// argument_error for tensors it cannot store (empty name, a name containing '/' or NUL, a duplicate name,
// a value count that does not match the shape) and format_error when the file cannot be written.
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/tensor_file.hpp>

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace seqnet::io {

namespace detail {

inline constexpr std::uint64_t npz_max_ratio = 1100;        // deflate's ceiling is about 1032:1
inline constexpr std::uint64_t npz_ratio_slack = 64 * 1024;  // tiny streams have a fixed overhead
inline constexpr std::uint32_t zip_local_sig = 0x04034b50;
inline constexpr std::uint32_t zip_central_sig = 0x02014b50;
inline constexpr std::uint32_t zip_eocd_sig = 0x06054b50;
inline constexpr std::uint32_t zip64_eocd_sig = 0x06064b50;
inline constexpr std::uint32_t zip64_locator_sig = 0x07064b50;
inline constexpr std::size_t zip_local_size = 30, zip_central_size = 46, zip_eocd_size = 22;
inline constexpr std::size_t zip64_eocd_size = 56, zip64_locator_size = 20;

// Names come from the file: keep messages readable whatever bytes they hold.
inline std::string npz_printable(std::string_view s, std::size_t max_len = 200) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < max_len; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    if (s.size() > max_len) out += "...";
    return out;
}

inline std::string npz_hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
    return buf;
}

// Where a problem is, for the message.
struct npz_where {
    std::string_view source;
    const std::string* member = nullptr;

    [[noreturn]] void fail(const std::string& problem) const {
        std::string m(source);
        m += ": ";
        if (member) m += "member '" + npz_printable(*member) + "': ";
        throw format_error(m + problem);
    }
};

// a + b, or false if it does not fit.
inline bool npz_add(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (b > std::numeric_limits<std::uint64_t>::max() - a) return false;
    out = a + b;
    return true;
}
inline bool npz_mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
    out = a * b;
    return true;
}

// Little-endian fields of an in-memory buffer; callers check the range first with has().
struct npz_bytes {
    const std::uint8_t* data = nullptr;
    std::uint64_t size = 0;

    bool has(std::uint64_t off, std::uint64_t len) const { return off <= size && len <= size - off; }
    std::uint64_t le(std::uint64_t off, int n) const {
        std::uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | data[off + static_cast<std::uint64_t>(i)];
        return v;
    }
    std::uint16_t u16(std::uint64_t off) const { return static_cast<std::uint16_t>(le(off, 2)); }
    std::uint32_t u32(std::uint64_t off) const { return static_cast<std::uint32_t>(le(off, 4)); }
    std::uint64_t u64(std::uint64_t off) const { return le(off, 8); }
};

inline std::uint32_t npz_crc32(const std::uint8_t* p, std::uint64_t n) {
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        const uInt chunk = static_cast<uInt>(std::min<std::uint64_t>(n, 1u << 30));  // zlib takes uInt
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return static_cast<std::uint32_t>(crc);
}

// ---- zip ---------------------------------------------------------------------------------------------

struct zip_member {
    std::string name;
    std::uint16_t flags = 0, method = 0;
    std::uint32_t crc = 0;
    std::uint64_t compressed = 0, uncompressed = 0, local_offset = 0;
    std::uint64_t data_offset = 0;  // filled from the local header
};

struct zip_directory {
    std::uint64_t cd_offset = 0, cd_size = 0, entries = 0;
    std::uint64_t end_of_data = 0;  // where the central directory (or zip64 end record) begins
};

inline zip_directory zip_find_directory(const npz_bytes& b, const npz_where& w) {
    // The EOCD record is 22 bytes plus a comment of at most 65535; it must end the file exactly.
    if (b.size < zip_eocd_size) w.fail("not a zip archive (no end-of-central-directory record)");
    std::uint64_t eocd = 0;
    bool found = false;
    const std::uint64_t lowest = b.size - zip_eocd_size > 0xffff ? b.size - zip_eocd_size - 0xffff : 0;
    for (std::uint64_t pos = b.size - zip_eocd_size + 1; pos-- > lowest;) {
        if (b.u32(pos) == zip_eocd_sig && pos + zip_eocd_size + b.u16(pos + 20) == b.size) {
            eocd = pos;
            found = true;
            break;
        }
    }
    if (!found) w.fail("not a zip archive (no end-of-central-directory record)");

    zip_directory d;
    std::uint64_t disk = b.u16(eocd + 4), cd_disk = b.u16(eocd + 6);
    std::uint64_t disk_entries = b.u16(eocd + 8);
    d.entries = b.u16(eocd + 10);
    d.cd_size = b.u32(eocd + 12);
    d.cd_offset = b.u32(eocd + 16);
    d.end_of_data = eocd;

    if (eocd >= zip64_locator_size && b.u32(eocd - zip64_locator_size) == zip64_locator_sig) {
        const std::uint64_t loc = eocd - zip64_locator_size;
        const std::uint64_t z64_disk = b.u32(loc + 4), z64 = b.u64(loc + 8), disks = b.u32(loc + 16);
        if (z64_disk != 0 || disks > 1) w.fail("multi-disk zip archives are not supported");
        if (z64 > loc || loc - z64 < zip64_eocd_size)
            w.fail("corrupt zip64 end-of-central-directory locator (record offset " + std::to_string(z64) +
                   " out of range)");
        if (b.u32(z64) != zip64_eocd_sig) w.fail("corrupt zip64 end-of-central-directory record (bad signature)");
        disk = b.u32(z64 + 16);
        cd_disk = b.u32(z64 + 20);
        disk_entries = b.u64(z64 + 24);
        d.entries = b.u64(z64 + 32);
        d.cd_size = b.u64(z64 + 40);
        d.cd_offset = b.u64(z64 + 48);
        d.end_of_data = z64;
    }
    if (disk != 0 || cd_disk != 0 || disk_entries != d.entries) w.fail("multi-disk zip archives are not supported");
    if (!b.has(d.cd_offset, d.cd_size) || d.cd_offset + d.cd_size > d.end_of_data)
        w.fail("truncated or corrupt: central directory (offset " + std::to_string(d.cd_offset) + ", " +
               std::to_string(d.cd_size) + " bytes) runs past the end of the file");
    if (d.entries > d.cd_size / zip_central_size)
        w.fail("corrupt: " + std::to_string(d.entries) + " entries cannot fit in a central directory of " +
               std::to_string(d.cd_size) + " bytes");
    return d;
}

inline std::vector<zip_member> zip_read_directory(const npz_bytes& b, const zip_directory& d,
                                                  std::string_view source) {
    const npz_where w{source};
    std::vector<zip_member> members;
    std::set<std::string> seen;
    std::uint64_t pos = d.cd_offset;
    const std::uint64_t end = d.cd_offset + d.cd_size;
    for (std::uint64_t i = 0; i < d.entries; ++i) {
        auto entry = [i] { return "central directory entry " + std::to_string(i); };
        if (end - pos < zip_central_size || b.u32(pos) != zip_central_sig)
            w.fail("corrupt: " + entry() + " is not a central directory header");
        zip_member m;
        m.flags = b.u16(pos + 8);
        m.method = b.u16(pos + 10);
        m.crc = b.u32(pos + 16);
        m.compressed = b.u32(pos + 20);
        m.uncompressed = b.u32(pos + 24);
        const std::uint64_t name_len = b.u16(pos + 28), extra_len = b.u16(pos + 30);
        const std::uint64_t comment_len = b.u16(pos + 32);
        std::uint64_t disk = b.u16(pos + 34);
        m.local_offset = b.u32(pos + 42);
        const std::uint64_t var = name_len + extra_len + comment_len;  // at most 3 x 65535: no overflow
        if (end - pos - zip_central_size < var) w.fail("corrupt: " + entry() + " runs past the central directory");
        const std::uint64_t name_at = pos + zip_central_size, extra_at = name_at + name_len;
        m.name.assign(reinterpret_cast<const char*>(b.data + name_at), name_len);
        const npz_where mw{source, &m.name};

        // Zip64 extra field: 64-bit values for exactly those fields that hold 0xFFFFFFFF (0xFFFF for disk).
        const bool need_u = m.uncompressed == 0xffffffffu, need_c = m.compressed == 0xffffffffu;
        const bool need_o = m.local_offset == 0xffffffffu, need_d = disk == 0xffff;
        for (std::uint64_t x = extra_at; x < extra_at + extra_len;) {
            if (extra_at + extra_len - x < 4) mw.fail("corrupt extra field in the central directory");
            const std::uint16_t id = b.u16(x), len = b.u16(x + 2);
            if (extra_at + extra_len - x - 4 < len) mw.fail("corrupt extra field in the central directory");
            if (id == 0x0001) {
                std::uint64_t f = x + 4;
                const std::uint64_t f_end = f + len;
                auto take = [&](std::uint64_t& v, int n) {
                    if (f_end - f < static_cast<std::uint64_t>(n)) mw.fail("zip64 extra field is too short");
                    v = b.le(f, n);
                    f += static_cast<std::uint64_t>(n);
                };
                if (need_u) take(m.uncompressed, 8);
                if (need_c) take(m.compressed, 8);
                if (need_o) take(m.local_offset, 8);
                if (need_d) take(disk, 4);
            }
            x += 4 + std::uint64_t(len);
        }
        if (disk != 0) mw.fail("multi-disk zip archives are not supported");
        if (m.flags & 0x41) mw.fail("encrypted members are not supported");
        if (m.method != 0 && m.method != 8)
            mw.fail("unsupported compression method " + std::to_string(m.method) + " (only stored and deflate)");
        if (m.name.find('\0') != std::string::npos) mw.fail("member name contains a NUL byte");
        if (!seen.insert(m.name).second) mw.fail("duplicate member name");
        members.push_back(std::move(m));
        pos += zip_central_size + var;
    }
    return members;
}

// Finds where each member's data starts and checks that the data lies inside the file, before the
// central directory, and that members do not overlap.
inline void zip_locate_data(const npz_bytes& b, const zip_directory& d, std::vector<zip_member>& members,
                            std::string_view source) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // [local header, end of data)
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < members.size(); ++i) {
        zip_member& m = members[i];
        const npz_where w{source, &m.name};
        if (!b.has(m.local_offset, zip_local_size))
            w.fail("truncated: local header at offset " + std::to_string(m.local_offset) +
                   " runs past the end of the file");
        if (b.u32(m.local_offset) != zip_local_sig)
            w.fail("corrupt: no local header at offset " + std::to_string(m.local_offset));
        const std::uint64_t var = std::uint64_t(b.u16(m.local_offset + 26)) + b.u16(m.local_offset + 28);
        std::uint64_t data_end = 0;
        if (!npz_add(m.local_offset, zip_local_size + var, m.data_offset) ||
            !npz_add(m.data_offset, m.compressed, data_end) || data_end > b.size)
            w.fail("truncated: data (" + std::to_string(m.compressed) + " bytes at offset " +
                   std::to_string(m.local_offset) + ") runs past the end of the file");
        if (data_end > d.cd_offset) w.fail("corrupt: data runs into the central directory");
        spans.emplace_back(m.local_offset, data_end);
        order.push_back(i);
    }
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return spans[x] < spans[y]; });
    for (std::size_t k = 1; k < order.size(); ++k)
        if (spans[order[k]].first < spans[order[k - 1]].second)
            npz_where{source, &members[order[k]].name}.fail(
                "corrupt: data overlaps member '" + npz_printable(members[order[k - 1]].name) + "'");
}

// Raw deflate into exactly `out.size()` bytes; more or fewer is an error.
inline void npz_inflate(const std::uint8_t* in, std::uint64_t in_size, std::vector<std::uint8_t>& out,
                        const npz_where& w) {
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) w.fail("cannot initialise zlib");
    struct ender {
        z_stream* z;
        ~ender() { inflateEnd(z); }
    } guard{&zs};
    constexpr std::uint64_t chunk = 1u << 30;  // zlib counts in uInt
    std::uint64_t in_left = in_size, out_left = out.size();
    std::uint8_t* out_next = out.data();
    unsigned char spare = 0;
    bool on_spare = false;
    auto produced = [&]() -> std::uint64_t {
        return on_spare ? out.size() : std::uint64_t(out_next - out.data()) - zs.avail_out;
    };
    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            const auto n = static_cast<uInt>(std::min(in_left, chunk));
            zs.next_in = const_cast<Bytef*>(in);  // zlib does not write through next_in
            zs.avail_in = n;
            in += n;
            in_left -= n;
        }
        if (zs.avail_out == 0) {
            if (out_left > 0) {
                const auto n = static_cast<uInt>(std::min(out_left, chunk));
                zs.next_out = out_next;
                zs.avail_out = n;
                out_next += n;
                out_left -= n;
            } else {
                // Output is full: one spare byte tells a finished stream from one that would go on.
                zs.next_out = &spare;
                zs.avail_out = 1;
                on_spare = true;
            }
        }
        const int r = inflate(&zs, Z_NO_FLUSH);
        if (on_spare && zs.avail_out == 0)
            w.fail("decompresses to more than the declared " + std::to_string(out.size()) + " bytes");
        if (r == Z_STREAM_END) break;
        if (r == Z_OK) continue;
        if (r == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0)
            w.fail("truncated: deflate stream ends early (after " + std::to_string(produced()) + " of " +
                   std::to_string(out.size()) + " bytes)");
        if (r == Z_MEM_ERROR) w.fail("out of memory in zlib");
        w.fail(std::string("corrupt deflate data") + (zs.msg ? std::string(" (") + zs.msg + ")" : std::string()));
    }
    if (zs.avail_in != 0 || in_left != 0) w.fail("corrupt: data continues after the end of the deflate stream");
    if (produced() != out.size())
        w.fail("decompresses to " + std::to_string(produced()) + " bytes, the archive declares " +
               std::to_string(out.size()));
}

// ---- npy ---------------------------------------------------------------------------------------------

struct npy_dtype {
    char kind = 0;  // 'f', 'i', 'u', 'b'
    int size = 0;
    bool big_endian = false;
    const char* name = "";
};

inline bool npy_parse_descr(std::string_view d, npy_dtype& t) {
    if (d.size() != 3 || d[2] < '1' || d[2] > '8') return false;
    t.kind = d[1];
    t.size = d[2] - '0';
    t.big_endian = d[0] == '>';
    const bool one = t.size == 1;
    if (!(d[0] == '<' || d[0] == '>' || (one && d[0] == '|'))) return false;
    struct entry {
        char kind;
        int size;
        const char* name;
    };
    static constexpr entry table[] = {{'f', 2, "F16"}, {'f', 4, "F32"}, {'f', 8, "F64"}, {'i', 1, "I8"},
                                      {'i', 2, "I16"}, {'i', 4, "I32"}, {'i', 8, "I64"}, {'u', 1, "U8"},
                                      {'u', 2, "U16"}, {'u', 4, "U32"}, {'u', 8, "U64"}, {'b', 1, "BOOL"}};
    for (const entry& e : table)
        if (e.kind == t.kind && e.size == t.size) {
            t.name = e.name;
            return true;
        }
    return false;
}

struct npy_header {
    std::string descr;
    bool fortran_order = false;
    std::vector<index_t> shape;
};

// The header is a Python dict literal as numpy's format module writes it; read by a strict parser of
// exactly that subset (strings without escapes, True/False, tuples of non-negative integers).
class npy_header_parser {
public:
    npy_header_parser(std::string_view text, const npz_where& w) : s_(text), w_(w) {}

    npy_header parse() {
        npy_header h;
        bool have_descr = false, have_order = false, have_shape = false;
        skip_space();
        expect('{');
        for (;;) {
            skip_space();
            if (eat('}')) break;
            const std::string key = string_literal("a key");
            skip_space();
            expect(':');
            skip_space();
            auto once = [&](bool& have) {
                if (have) fail("duplicate key '" + key + "'");
                have = true;
            };
            if (key == "descr") {
                once(have_descr);
                if (!at('\'') && !at('"'))
                    w_.fail("unsupported dtype " + raw_value() + " (structured arrays are not supported)");
                h.descr = string_literal("the descr value");
            } else if (key == "fortran_order") {
                once(have_order);
                h.fortran_order = boolean();
            } else if (key == "shape") {
                once(have_shape);
                h.shape = tuple();
            } else {
                fail("unexpected key '" + npz_printable(key) + "'");
            }
            skip_space();
            if (eat(',')) continue;
            skip_space();
            expect('}');
            break;
        }
        skip_space();
        if (i_ != s_.size()) fail("unexpected text after the dict");
        if (!have_descr || !have_order || !have_shape)
            fail(std::string("missing key '") + (!have_descr ? "descr" : !have_order ? "fortran_order" : "shape") +
                 "'");
        return h;
    }

private:
    std::string_view s_;
    std::size_t i_ = 0;
    const npz_where& w_;

    [[noreturn]] void fail(const std::string& what) const {
        w_.fail("npy header: " + what + " at offset " + std::to_string(i_) + " in \"" + npz_printable(s_, 120) +
                "\"");
    }
    bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
    bool eat(char c) {
        if (!at(c)) return false;
        ++i_;
        return true;
    }
    void expect(char c) {
        if (!eat(c)) fail(std::string("expected '") + c + "'");
    }
    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    std::string string_literal(const char* what) {
        if (!at('\'') && !at('"')) fail(std::string("expected ") + what + " (a quoted string)");
        const char q = s_[i_++];
        const std::size_t start = i_;
        while (i_ < s_.size() && s_[i_] != q) {
            if (s_[i_] == '\\' || s_[i_] == '\n') fail("unsupported string literal");
            ++i_;
        }
        if (i_ == s_.size()) fail("unterminated string");
        return std::string(s_.substr(start, i_++ - start));
    }
    bool boolean() {
        for (const bool v : {true, false}) {
            const std::string_view word = v ? "True" : "False";
            if (s_.substr(i_, word.size()) == word) {
                i_ += word.size();
                return v;
            }
        }
        fail("expected True or False");
    }
    std::vector<index_t> tuple() {
        expect('(');
        std::vector<index_t> shape;
        for (;;) {
            skip_space();
            if (eat(')')) return shape;
            if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9')
                fail("expected a dimension (a non-negative integer)");
            std::uint64_t v = 0;
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
                if (!npz_mul(v, 10, v) || !npz_add(v, std::uint64_t(s_[i_] - '0'), v) ||
                    v > std::uint64_t(std::numeric_limits<index_t>::max()))
                    fail("dimension too large");
                ++i_;
            }
            eat('L');  // Python 2 longs, in files written by old numpy
            shape.push_back(static_cast<index_t>(v));
            skip_space();
            if (eat(',')) continue;
            skip_space();
            expect(')');
            if (shape.size() == 1) fail("a one-element tuple needs a trailing comma");
            return shape;
        }
    }
    // A non-string descr (a structured dtype's list), as text for the message.
    std::string raw_value() {
        const std::size_t start = i_;
        int depth = 0;
        for (; i_ < s_.size(); ++i_) {
            const char c = s_[i_];
            if (c == '[' || c == '(' || c == '{') ++depth;
            if (c == ']' || c == ')' || c == '}') {
                if (depth == 0) break;
                if (--depth == 0) {
                    ++i_;
                    break;
                }
            }
            if (c == ',' && depth == 0) break;
        }
        return npz_printable(s_.substr(start, i_ - start), 80);
    }
};


template <int N>
std::uint64_t npz_load(const std::uint8_t* p, bool big_endian) {
    std::uint64_t v = 0;
    if (big_endian)
        for (int i = 0; i < N; ++i) v = (v << 8) | p[i];
    else
        for (int i = N - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

template <int N, class F>
void npz_convert(const std::uint8_t* p, std::size_t count, bool big_endian, float* out, F f) {
    for (std::size_t k = 0; k < count; ++k) out[k] = f(npz_load<N>(p + k * N, big_endian));
}

inline void npy_to_float(const std::uint8_t* p, std::size_t count, const npy_dtype& t, float* out) {
    const bool be = t.big_endian;
    auto half = [](std::uint64_t v) { return float16_to_float(static_cast<std::uint16_t>(v)); };
    auto single = [](std::uint64_t v) { return std::bit_cast<float>(static_cast<std::uint32_t>(v)); };
    auto dbl = [](std::uint64_t v) { return double_to_float(std::bit_cast<double>(v)); };
    auto i8 = [](std::uint64_t v) { return static_cast<float>(static_cast<std::int8_t>(v)); };
    auto i16 = [](std::uint64_t v) { return static_cast<float>(static_cast<std::int16_t>(v)); };
    auto i32 = [](std::uint64_t v) { return static_cast<float>(static_cast<std::int32_t>(v)); };
    auto i64 = [](std::uint64_t v) { return static_cast<float>(static_cast<std::int64_t>(v)); };
    auto uns = [](std::uint64_t v) { return static_cast<float>(v); };
    auto boolean = [](std::uint64_t v) { return v ? 1.0f : 0.0f; };
    switch (t.kind * 16 + t.size) {
        case 'f' * 16 + 2: return npz_convert<2>(p, count, be, out, half);
        case 'f' * 16 + 4: return npz_convert<4>(p, count, be, out, single);
        case 'f' * 16 + 8: return npz_convert<8>(p, count, be, out, dbl);
        case 'i' * 16 + 1: return npz_convert<1>(p, count, be, out, i8);
        case 'i' * 16 + 2: return npz_convert<2>(p, count, be, out, i16);
        case 'i' * 16 + 4: return npz_convert<4>(p, count, be, out, i32);
        case 'i' * 16 + 8: return npz_convert<8>(p, count, be, out, i64);
        case 'u' * 16 + 1: return npz_convert<1>(p, count, be, out, uns);
        case 'u' * 16 + 2: return npz_convert<2>(p, count, be, out, uns);
        case 'u' * 16 + 4: return npz_convert<4>(p, count, be, out, uns);
        case 'u' * 16 + 8: return npz_convert<8>(p, count, be, out, uns);
        case 'b' * 16 + 1: return npz_convert<1>(p, count, be, out, boolean);
        default: SEQNET_ASSERT(false);  // npy_parse_descr admits only the cases above
    }
}

// Column-major values of `shape` into row-major order.
inline std::vector<float> npz_fortran_to_c(const std::vector<float>& f, const std::vector<index_t>& shape) {
    std::vector<float> c(f.size());
    const std::size_t nd = shape.size();
    std::vector<std::size_t> stride(nd, 1), idx(nd, 0);
    for (std::size_t i = nd; i-- > 1;) stride[i - 1] = stride[i] * static_cast<std::size_t>(shape[i]);
    std::size_t off = 0;
    for (std::size_t k = 0; k < f.size(); ++k) {
        c[off] = f[k];
        for (std::size_t i = 0; i < nd; ++i) {  // advance the first index fastest
            off += stride[i];
            if (++idx[i] < static_cast<std::size_t>(shape[i])) break;
            off -= stride[i] * idx[i];
            idx[i] = 0;
        }
    }
    return c;
}

/// Appends code point cp as UTF-8; false for a value that is not a Unicode scalar value.
inline bool npz_append_utf8(std::string& out, std::uint32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return true;
}

/// A numpy unicode array ('<U n': n UCS-4 code points per element, NUL-padded) as dtype "STR".
inline named_tensor npy_parse_strings(std::span<const std::uint8_t> npy, std::string name, const npy_header& h,
                                      std::uint64_t data_at, const npz_where& w) {
    const std::string_view digits = std::string_view(h.descr).substr(2);
    std::uint64_t chars = 0;
    for (char c : digits) {
        if (c < '0' || c > '9' || chars > 1'000'000) w.fail("unsupported dtype '" + npz_printable(h.descr, 80) + "'");
        chars = chars * 10 + static_cast<std::uint64_t>(c - '0');
    }
    const bool big = h.descr[0] == '>';
    const bool empty = std::find(h.shape.begin(), h.shape.end(), 0) != h.shape.end();
    std::uint64_t count = 1, need = 0;
    bool fits = true;
    for (index_t d : h.shape) fits = fits && (empty || npz_mul(count, static_cast<std::uint64_t>(d), count));
    if (empty) count = 0;
    fits = fits && npz_mul(count, chars * 4, need);
    const std::uint64_t have = npy.size() - data_at;
    if (!fits || need != have)
        w.fail("shape " + shape_string(h.shape) + " of " + h.descr + " needs " +
               (fits ? std::to_string(need) : "more than 2^64") + " bytes but the member has " + std::to_string(have));
    named_tensor out;
    out.name = std::move(name);
    out.shape = h.shape;
    out.dtype = "STR";
    out.strings.resize(static_cast<std::size_t>(count));
    const std::uint8_t* p = npy.data() + data_at;
    for (auto& str : out.strings) {
        for (std::uint64_t i = 0; i < chars; ++i, p += 4) {
            const std::uint32_t cp = big ? (std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3])
                                         : (std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0]);
            if (cp == 0) {
                p += 4 * (chars - i);
                break;
            }
            if (!npz_append_utf8(str, cp)) w.fail("a string holds " + npz_hex32(cp) + ", which is not a Unicode character");
        }
    }
    if (h.fortran_order && h.shape.size() > 1) w.fail("Fortran-order string arrays are not supported");
    return out;
}

inline named_tensor npy_parse(std::span<const std::uint8_t> npy, std::string name, const npz_where& w) {
    static constexpr std::uint8_t magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (npy.size() < 10 || !std::equal(std::begin(magic), std::end(magic), npy.begin()))
        w.fail("not a .npy array (bad magic)");
    const int major = npy[6], minor = npy[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        w.fail("unsupported npy version " + std::to_string(major) + "." + std::to_string(minor));
    const npz_bytes b{npy.data(), npy.size()};
    const std::uint64_t len_at = 8, text_at = major == 1 ? 10 : 12;
    if (npy.size() < text_at) w.fail("npy header truncated");
    const std::uint64_t text_len = major == 1 ? b.u16(len_at) : b.u32(len_at);
    if (!b.has(text_at, text_len))
        w.fail("npy header length " + std::to_string(text_len) + " runs past the end of the member (" +
               std::to_string(npy.size()) + " bytes)");
    const std::string_view text(reinterpret_cast<const char*>(npy.data() + text_at), text_len);
    const npy_header h = npy_header_parser(text, w).parse();

    if (h.descr.size() >= 3 && (h.descr[0] == '<' || h.descr[0] == '>' || h.descr[0] == '|') && h.descr[1] == 'U')
        return npy_parse_strings(npy, std::move(name), h, text_at + text_len, w);
    npy_dtype t;
    if (!npy_parse_descr(h.descr, t)) {
        const char kind = h.descr.size() >= 2 ? h.descr[1] : 0;
        const char* why = kind == 'O'                                 ? " (object arrays need Python's pickle)"
                          : kind == 'U' || kind == 'S' || kind == 'a' ? " (strings are not tensors)"
                          : kind == 'c'                               ? " (complex numbers are not supported)"
                                                                      : "";
        w.fail("unsupported dtype '" + npz_printable(h.descr, 80) + "'" + why);
    }
    // A zero extent makes the array empty even when the other extents' product would overflow.
    const bool empty = std::find(h.shape.begin(), h.shape.end(), 0) != h.shape.end();
    std::uint64_t count = 1, need = 0;
    bool fits = true;
    for (index_t d : h.shape) fits = fits && (empty || npz_mul(count, static_cast<std::uint64_t>(d), count));
    if (empty) count = 0;
    fits = fits && npz_mul(count, static_cast<std::uint64_t>(t.size), need);
    const std::uint64_t data_at = text_at + text_len, have = npy.size() - data_at;
    if (!fits || need != have)
        w.fail("shape " + shape_string(h.shape) + " needs " + (fits ? std::to_string(need) : "more than 2^64") +
               " bytes but the member has " + std::to_string(have));

    named_tensor out;
    out.name = std::move(name);
    out.shape = h.shape;
    out.dtype = t.name;
    out.values.resize(static_cast<std::size_t>(count));  // count * item size bytes exist: bounded
    npy_to_float(npy.data() + data_at, out.values.size(), t, out.values.data());
    if (h.fortran_order && h.shape.size() > 1) out.values = npz_fortran_to_c(out.values, h.shape);
    return out;
}

inline tensor_file read_npz_bytes(const npz_bytes& b, std::string source) {
    const zip_directory d = zip_find_directory(b, npz_where{source});
    std::vector<zip_member> members = zip_read_directory(b, d, source);
    zip_locate_data(b, d, members, source);

    tensor_file f;
    f.path = source;
    std::vector<std::uint8_t> buffer;
    for (const zip_member& m : members) {
        const npz_where w{source, &m.name};
        constexpr std::string_view ext = ".npy";
        if (m.name.size() < ext.size() || m.name.compare(m.name.size() - ext.size(), ext.size(), ext) != 0)
            w.fail("not a .npy member (the name does not end in .npy)");
        const std::uint8_t* data = b.data + m.data_offset;
        std::span<const std::uint8_t> npy;
        if (m.method == 0) {
            if (m.compressed != m.uncompressed)
                w.fail("stored member has compressed size " + std::to_string(m.compressed) + " but size " +
                       std::to_string(m.uncompressed));
            npy = {data, static_cast<std::size_t>(m.compressed)};
        } else {
            std::uint64_t limit = 0;
            npz_mul(m.compressed, npz_max_ratio, limit);  // compressed < file size: cannot overflow
            limit += npz_ratio_slack;
            if (m.uncompressed > limit || m.uncompressed > std::numeric_limits<std::size_t>::max())
                w.fail("declared size " + std::to_string(m.uncompressed) + " bytes is implausible for " +
                       std::to_string(m.compressed) + " compressed bytes (limit " + std::to_string(npz_max_ratio) +
                       "x + " + std::to_string(npz_ratio_slack) + ")");
            buffer.assign(static_cast<std::size_t>(m.uncompressed), 0);
            npz_inflate(data, m.compressed, buffer, w);
            npy = buffer;
        }
        const std::uint32_t crc = npz_crc32(npy.data(), npy.size());
        if (crc != m.crc)
            w.fail("CRC mismatch (archive says " + npz_hex32(m.crc) + ", data has " + npz_hex32(crc) + ")");
        f.tensors.push_back(npy_parse(npy, m.name.substr(0, m.name.size() - ext.size()), w));
    }
    return f;
}

// ---- writing -----------------------------------------------------------------------------------------

inline void npz_put(std::vector<std::uint8_t>& out, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

/// The code points of UTF-8 text; `ok` is false when the text is not UTF-8.
inline std::vector<std::uint32_t> npz_code_points(std::string_view s, bool& ok) {
    std::vector<std::uint32_t> out;
    ok = true;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
        if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) {
            ok = false;
            return out;
        }
        std::uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
        for (int k = 1; k <= extra; ++k) {
            const auto d = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((d & 0xC0) != 0x80) {
                ok = false;
                return out;
            }
            cp = cp << 6 | (d & 0x3F);
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            ok = false;
            return out;
        }
        out.push_back(cp);
        i += static_cast<std::size_t>(extra) + 1;
    }
    return out;
}

inline std::vector<std::uint8_t> npy_bytes(const std::string& descr, const std::vector<index_t>& shape, std::size_t data_size) {
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_string(shape) + ", }";
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    std::vector<std::uint8_t> out(10 + header.size() + data_size);
    const std::uint8_t magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    std::memcpy(out.data(), magic, 8);
    out[8] = static_cast<std::uint8_t>(header.size() & 0xff);
    out[9] = static_cast<std::uint8_t>(header.size() >> 8);
    std::memcpy(out.data() + 10, header.data(), header.size());
    return out;
}

/// A "STR" tensor as a numpy unicode array ('<U n', n the longest string's code points, at least 1).
inline std::vector<std::uint8_t> npy_string_bytes(const named_tensor& t, const std::string& where) {
    std::vector<std::vector<std::uint32_t>> points;
    std::size_t longest = 1;
    for (const auto& str : t.strings) {
        bool ok = true;
        points.push_back(npz_code_points(str, ok));
        if (!ok) throw argument_error("write_npz " + where + ": tensor '" + npz_printable(t.name) + "' holds text that is not UTF-8");
        longest = std::max(longest, points.back().size());
    }
    std::vector<std::uint8_t> out = npy_bytes("<U" + std::to_string(longest), t.shape, points.size() * longest * 4);
    std::uint8_t* p = out.data() + (out.size() - points.size() * longest * 4);
    for (const auto& cps : points)
        for (std::size_t i = 0; i < longest; ++i) {
            const std::uint32_t cp = i < cps.size() ? cps[i] : 0;
            for (int k = 0; k < 4; ++k) *p++ = static_cast<std::uint8_t>(cp >> (8 * k));
        }
    return out;
}

inline std::vector<std::uint8_t> npy_float32_bytes(const named_tensor& t) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_string(t.shape) + ", }";
    // numpy pads with spaces and a final newline so that the data starts at a multiple of 64 bytes.
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    // Sized once and filled by offset: GCC 12's -Wstringop-overflow misreads repeated inserts here.
    std::vector<std::uint8_t> out(10 + header.size() + t.values.size() * 4);
    const std::uint8_t magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    std::memcpy(out.data(), magic, 8);
    out[8] = static_cast<std::uint8_t>(header.size() & 0xff);
    out[9] = static_cast<std::uint8_t>(header.size() >> 8);
    std::memcpy(out.data() + 10, header.data(), header.size());
    std::uint8_t* p = out.data() + 10 + header.size();
    for (float v : t.values) {
        const auto bits = std::bit_cast<std::uint32_t>(v);
        for (int i = 0; i < 4; ++i) *p++ = static_cast<std::uint8_t>(bits >> (8 * i));
    }
    return out;
}

inline std::vector<std::uint8_t> npz_deflate(const std::vector<std::uint8_t>& in, const std::string& where) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw format_error(where + ": cannot initialise zlib");
    struct ender {
        z_stream* z;
        ~ender() { deflateEnd(z); }
    } guard{&zs};
    std::vector<std::uint8_t> out(in.size() / 2 + 1024);
    constexpr std::uint64_t chunk = 1u << 30;
    std::uint64_t in_left = in.size(), done = 0;
    const std::uint8_t* in_next = in.data();
    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            const auto n = static_cast<uInt>(std::min(in_left, chunk));
            zs.next_in = const_cast<Bytef*>(in_next);
            zs.avail_in = n;
            in_next += n;
            in_left -= n;
        }
        if (done == out.size()) out.resize(out.size() * 2);
        const auto room = static_cast<uInt>(std::min<std::uint64_t>(out.size() - done, chunk));
        zs.next_out = out.data() + done;
        zs.avail_out = room;
        const int r = deflate(&zs, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
        done += room - zs.avail_out;
        if (r == Z_STREAM_END) break;
        if (r != Z_OK && r != Z_BUF_ERROR) throw format_error(where + ": zlib deflate failed");
    }
    out.resize(done);
    return out;
}

inline std::vector<std::uint8_t> npz_archive(const tensor_file& f, bool compress, const std::string& where) {
    std::vector<std::uint8_t> zip, central;
    std::set<std::string> names;
    constexpr std::uint64_t limit = 0xfffffffeu;  // 0xFFFFFFFF would mean "see the zip64 field"
    constexpr std::uint16_t dos_date = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, the earliest zip date
    std::uint64_t count = 0;
    for (const named_tensor& t : f.tensors) {
        if (t.name.empty()) throw argument_error("write_npz " + where + ": a tensor has an empty name");
        if (t.name.find('/') != std::string::npos || t.name.find('\0') != std::string::npos)
            throw argument_error("write_npz " + where + ": tensor name '" + npz_printable(t.name) +
                                 "' contains '/' or NUL");
        if (!names.insert(t.name).second)
            throw argument_error("write_npz " + where + ": duplicate tensor name '" + npz_printable(t.name) + "'");
        std::uint64_t n = 1;
        bool ok = true;
        for (index_t d : t.shape) ok = ok && d >= 0 && npz_mul(n, static_cast<std::uint64_t>(d), n);
        const bool text = t.dtype == "STR";
        const std::size_t held = text ? t.strings.size() : t.values.size();
        if (!ok || n != held)
            throw argument_error("write_npz " + where + ": tensor '" + npz_printable(t.name) + "' has shape " +
                                 shape_string(t.shape) + " but " + std::to_string(held) + (text ? " strings" : " values"));
        if (++count >= 0xffff) throw format_error(where + ": too many tensors for a zip archive without zip64");

        const std::string member = t.name + ".npy";
        const std::vector<std::uint8_t> npy = text ? npy_string_bytes(t, where) : npy_float32_bytes(t);
        const std::vector<std::uint8_t> packed = compress ? npz_deflate(npy, where) : std::vector<std::uint8_t>{};
        const std::vector<std::uint8_t>& data = compress ? packed : npy;
        if (npy.size() > limit || data.size() > limit || zip.size() > limit)
            throw format_error(where + ": tensor '" + npz_printable(t.name) +
                               "' does not fit in a zip archive without zip64 (4 GiB)");
        const std::uint32_t crc = npz_crc32(npy.data(), npy.size());
        const std::uint16_t flags = std::any_of(member.begin(), member.end(), [](char c) { return c & 0x80; })
                                        ? 0x800  // name is UTF-8
                                        : 0;
        const std::uint64_t local_offset = zip.size();
        auto common = [&](std::vector<std::uint8_t>& out) {  // shared by the local and central headers
            npz_put(out, 20, 2);                               // version needed: 2.0
            npz_put(out, flags, 2);
            npz_put(out, compress ? 8 : 0, 2);
            npz_put(out, 0, 2);  // time 00:00
            npz_put(out, dos_date, 2);
            npz_put(out, crc, 4);
            npz_put(out, data.size(), 4);
            npz_put(out, npy.size(), 4);
            npz_put(out, member.size(), 2);
            npz_put(out, 0, 2);  // no extra field
        };
        npz_put(zip, zip_local_sig, 4);
        common(zip);
        zip.insert(zip.end(), member.begin(), member.end());
        zip.insert(zip.end(), data.begin(), data.end());

        npz_put(central, zip_central_sig, 4);
        npz_put(central, 20, 2);  // made by: 2.0, MS-DOS attributes
        common(central);
        npz_put(central, 0, 2);  // comment length
        npz_put(central, 0, 2);  // disk
        npz_put(central, 0, 2);  // internal attributes
        npz_put(central, 0, 4);  // external attributes
        npz_put(central, local_offset, 4);
        central.insert(central.end(), member.begin(), member.end());
    }
    const std::uint64_t cd_offset = zip.size();
    if (cd_offset > limit || central.size() > limit)
        throw format_error(where + ": archive does not fit in a zip archive without zip64 (4 GiB)");
    zip.insert(zip.end(), central.begin(), central.end());
    npz_put(zip, zip_eocd_sig, 4);
    npz_put(zip, 0, 2);
    npz_put(zip, 0, 2);
    npz_put(zip, count, 2);
    npz_put(zip, count, 2);
    npz_put(zip, central.size(), 4);
    npz_put(zip, cd_offset, 4);
    npz_put(zip, 0, 2);  // comment length
    return zip;
}

inline std::string npz_errno_message(int e) { return std::generic_category().message(e); }

struct npz_file_closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
};
using npz_file = std::unique_ptr<std::FILE, npz_file_closer>;

}  // namespace detail

/// Reads an .npz archive held in memory; `source_name` starts every error message.
inline tensor_file read_npz(std::span<const std::uint8_t> bytes, std::string source_name) {
    return detail::read_npz_bytes(detail::npz_bytes{bytes.data(), bytes.size()}, std::move(source_name));
}

/// Reads an .npz file (np.savez or np.savez_compressed) into float32 tensors.
inline tensor_file read_npz(const std::filesystem::path& path) {
    const std::string source = path.string();
    detail::npz_file f(std::fopen(path.c_str(), "rb"));
    if (!f) throw format_error(source + ": cannot open: " + detail::npz_errno_message(errno));
    std::error_code ec;
    const std::uintmax_t expected = std::filesystem::file_size(path, ec);
    std::vector<std::uint8_t> bytes;
    if (!ec && expected < std::numeric_limits<std::size_t>::max() / 2)
        bytes.resize(static_cast<std::size_t>(expected) + 1);  // + 1: end of file is seen on the first pass
    std::size_t used = 0;
    for (;;) {
        if (used == bytes.size()) bytes.resize(std::max<std::size_t>(bytes.size() * 2, 1 << 16));
        errno = 0;
        const std::size_t n = std::fread(bytes.data() + used, 1, bytes.size() - used, f.get());
        used += n;
        if (n == 0) {
            if (std::ferror(f.get()))
                throw format_error(source + ": cannot read: " + detail::npz_errno_message(errno ? errno : EIO));
            break;
        }
    }
    bytes.resize(used);
    return read_npz(std::span<const std::uint8_t>(bytes), source);
}

/// Writes `f`'s tensors as float32 .npy members of an .npz archive, deflated (like np.savez_compressed)
/// or stored (like np.savez). Throws argument_error for tensors that cannot be stored, format_error when
/// the file cannot be written.
inline void write_npz(const std::filesystem::path& path, const tensor_file& f, bool compress = true) {
    const std::string target = path.string();
    const std::vector<std::uint8_t> zip = detail::npz_archive(f, compress, target);
    std::filesystem::path tmp = path;
    tmp += ".partial";
    {
        detail::npz_file out(std::fopen(tmp.c_str(), "wb"));
        if (!out) throw format_error(target + ": cannot write: " + detail::npz_errno_message(errno));
        errno = 0;
        bool ok = std::fwrite(zip.data(), 1, zip.size(), out.get()) == zip.size();
        ok = std::fflush(out.get()) == 0 && ok;
        int e = errno;
        if (std::fclose(out.release()) != 0 && ok) {
            ok = false;
            e = errno;
        }
        if (!ok) {
            std::error_code ignored;
            std::filesystem::remove(tmp, ignored);
            throw format_error(target + ": cannot write: " + detail::npz_errno_message(e ? e : EIO));
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw format_error(target + ": cannot write: " + ec.message());
    }
}

}  // namespace seqnet::io
