// tests for seqnet/io/fasta.hpp
#include <catch2/catch.hpp>
#include <seqnet/io/fasta.hpp>

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

using namespace seqnet;
using io::fasta_record;
using io::parse_fasta;
using io::read_fasta;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp directory, removed with its contents at scope exit.
struct temp_dir {
    fs::path path;
    temp_dir() {
        const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
        path = fs::temp_directory_path() /
               ("seqnet_fasta_" + std::to_string(std::random_device{}()) + "_" + std::to_string(tick));
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path file(const std::string& name) const { return path / name; }
};

void write_file(const fs::path& p, std::string_view bytes) {
    std::ofstream f(p, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(f.good());
}

// mode "wb" writes a new gzip file, "ab" appends another gzip member (as bgzip's blocks are).
void write_gzip(const fs::path& p, std::string_view bytes, const char* mode = "wb") {
    gzFile f = gzopen(p.string().c_str(), mode);
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(f) == Z_OK);
}

std::string read_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::string replace_all(const std::string& s, std::string_view from, std::string_view to) {
    std::string out;
    std::size_t start = 0;
    for (std::size_t i = s.find(from); i != std::string::npos; i = s.find(from, start)) {
        out.append(s, start, i - start).append(to);
        start = i + from.size();
    }
    return out.append(s, start, std::string::npos);
}

// Outcome of parsing: the records, or the error message.
struct outcome {
    std::vector<fasta_record> records;
    std::string error;
    bool operator==(const outcome& o) const {
        if (error != o.error || records.size() != o.records.size()) return false;
        for (std::size_t i = 0; i < records.size(); ++i) {
            const auto &a = records[i], &b = o.records[i];
            if (a.name != b.name || a.description != b.description || a.sequence != b.sequence ||
                a.line != b.line)
                return false;
        }
        return true;
    }
};

// parse_fasta's rules, but the text fed to the parser in chunks of random sizes (1 to max_chunk bytes).
std::vector<fasta_record> parse_chunked(std::string_view text, const std::string& source,
                                        std::mt19937& rng, std::size_t max_chunk) {
    text.remove_prefix(io::detail::check_start(text, source));
    io::detail::fasta_parser parser(source);
    std::size_t at = 0;
    const char* p = text.data();
    const char* end = p;
    bool done = false;
    return io::detail::read_all(
        [&](fasta_record& r) {
            for (;;) {
                if (done) return false;
                if (p < end && parser.consume(p, end, r)) return true;
                if (p < end) continue;
                if (at == text.size()) {
                    done = true;
                    return parser.finish(r);
                }
                const std::size_t n = std::min<std::size_t>(1 + rng() % max_chunk, text.size() - at);
                p = text.data() + at;
                end = p + n;
                at += n;
            }
        },
        source);
}

template <class F>
outcome run(F&& f) {
    outcome o;
    try {
        o.records = f();
    } catch (const format_error& e) {
        o.error = e.what();
    }
    return o;
}

const std::string sample =
    ">chr1_x  first record\tof two  \n"
    "ACGTacgtNN\n"
    "ggccAATT\n"
    "\n"
    ">seq2\n"
    "RYSWKMBDHVN\n"
    "uuAC\n"
    "\n\n";

}  // namespace

TEST_CASE("fasta: multi-line records, names, descriptions, case and line numbers", "[fasta]") {
    auto recs = parse_fasta(sample, "mem.fa");
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].name == "chr1_x");
    CHECK(recs[0].description == "first record\tof two");
    CHECK(recs[0].sequence == "ACGTacgtNNggccAATT");  // soft-masked lowercase kept
    CHECK(recs[0].line == 1);
    CHECK(recs[1].name == "seq2");
    CHECK(recs[1].description.empty());
    CHECK(recs[1].sequence == "RYSWKMBDHVNuuAC");  // IUPAC codes and RNA U kept as written
    CHECK(recs[1].line == 5);
    CHECK(parse_fasta("", "empty.fa").empty());
    CHECK(parse_fasta("\n \n\t\n", "blank.fa").empty());
}

TEST_CASE("fasta: CRLF and lone CR line endings read like LF", "[fasta]") {
    const auto lf = parse_fasta(sample, "lf.fa");
    const auto crlf = parse_fasta(replace_all(sample, "\n", "\r\n"), "crlf.fa");
    const auto cr = parse_fasta(replace_all(sample, "\n", "\r"), "cr.fa");
    CHECK(run([&] { return crlf; }) == run([&] { return lf; }));
    CHECK(run([&] { return cr; }) == run([&] { return lf; }));
    // Line numbers count CRLF as one break and CR as one break.
    CHECK_THROWS_WITH(parse_fasta(">a\r\nAC\r\n\r\nAZ\r\n", "crlf.fa"),
                      Catch::Contains("crlf.fa:4: record 'a': invalid character 'Z' at column 2"));
    CHECK_THROWS_WITH(parse_fasta(">a\rAC\r\rAZ\r", "cr.fa"),
                      Catch::Contains("cr.fa:4: record 'a': invalid character 'Z' at column 2"));
}

TEST_CASE("fasta: blank lines, whitespace in sequence lines, ';' comments, BOM", "[fasta]") {
    const std::string text =
        "\xEF\xBB\xBF"  // UTF-8 byte-order mark
        "; an old-style comment\n"
        ";another\n"
        "\n"
        ">a desc\n"
        "AC GT\tAC\n"
        "   \n"
        "\n"
        "  TT  \n"
        "\n"
        ">b\n"
        "G\n"
        "\t\n";
    auto recs = parse_fasta(text, "mem.fa");
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].sequence == "ACGTACTT");
    CHECK(recs[0].line == 4);
    CHECK(recs[1].sequence == "G");
    CHECK(recs[1].line == 10);
    // A ';' line after the first record is not a comment.
    CHECK_THROWS_WITH(parse_fasta(">a\nAC\n;x\n", "mem.fa"),
                      Catch::Contains("mem.fa:3: record 'a': invalid character ';' at column 1"));
    // A header must start its line.
    CHECK_THROWS_WITH(parse_fasta(">a\nAC\n >b\nAC\n", "mem.fa"),
                      Catch::Contains("mem.fa:3: record 'a': invalid character '>' at column 2"));
}

TEST_CASE("fasta: the reader accepts exactly the characters dna.hpp encodes", "[fasta]") {
    for (int c = 0; c < 256; ++c) {
        const char ch = static_cast<char>(c);
        if (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f') continue;
        const std::string text = std::string(">r\nA") + ch + "C\n";
        const bool encodes = seqnet::detail::base_masks[static_cast<std::size_t>(c)] != 0;
        INFO("byte " << c);
        if (encodes) {
            auto recs = parse_fasta(text, "mem.fa");
            REQUIRE(recs.size() == 1);
            CHECK(recs[0].sequence == std::string("A") + ch + "C");
            CHECK_NOTHROW(one_hot(recs[0].sequence, ambiguity_policy::fractional, recs[0].name));
        } else {
            CHECK_THROWS_AS(parse_fasta(text, "mem.fa"), format_error);
        }
    }
}

TEST_CASE("fasta: error messages name the source, line, record and problem", "[fasta]") {
    SECTION("sequence before the first header") {
        CHECK_THROWS_WITH(parse_fasta("\n\nACGT\n>a\nAC\n", "mem.fa"),
                          Catch::Contains("mem.fa:3: sequence data before the first '>' header"));
        CHECK_THROWS_WITH(parse_fasta("@read1\nACGT\n+\nIIII\n", "reads.fq"),
                          Catch::Contains("reads.fq:1: sequence data before the first '>' header"));
    }
    SECTION("empty name") {
        CHECK_THROWS_WITH(parse_fasta(">a\nAC\n>\nAC\n", "mem.fa"),
                          Catch::Contains("mem.fa:3: header with an empty name"));
        CHECK_THROWS_WITH(parse_fasta(">a\nAC\n\n> desc\nAC\n", "mem.fa"),
                          Catch::Contains("mem.fa:4: header with an empty name"));
        CHECK_THROWS_WITH(parse_fasta(">", "mem.fa"), Catch::Contains("mem.fa:1: header with an empty name"));
    }
    SECTION("record with no sequence") {
        CHECK_THROWS_WITH(parse_fasta(">a\nAC\n>b two\n\n>c\nAC\n", "mem.fa"),
                          Catch::Contains("mem.fa:3: record 'b' has no sequence"));
        CHECK_THROWS_WITH(parse_fasta(">a\nAC\n>last\n", "mem.fa"),
                          Catch::Contains("mem.fa:3: record 'last' has no sequence"));
        CHECK_THROWS_WITH(parse_fasta(">a\nAC\n>last", "mem.fa"),
                          Catch::Contains("mem.fa:3: record 'last' has no sequence"));
    }
    SECTION("invalid characters, printable and not") {
        CHECK_THROWS_WITH(parse_fasta(">chr1_x\nACGT\nACGTACGTACGZ\n", "mem.fa"),
                          Catch::Contains("mem.fa:3: record 'chr1_x': invalid character 'Z' at column 12"));
        // M, K and V are IUPAC codes; '*' (a protein stop) is not.
        CHECK_THROWS_WITH(parse_fasta(">p\nMKV*\n", "mem.fa"),
                          Catch::Contains("mem.fa:2: record 'p': invalid character '*' at column 4"));
        CHECK_THROWS_WITH(parse_fasta(">a\nAC\x01G\n", "mem.fa"),
                          Catch::Contains("mem.fa:2: record 'a': invalid character '\\x01' at column 3"));
        CHECK_THROWS_WITH(parse_fasta(">a\nAC\xC3\xA9G\n", "mem.fa"),
                          Catch::Contains("mem.fa:2: record 'a': invalid character '\\xc3' at column 3"));
    }
    SECTION("alignment gaps") {
        CHECK_THROWS_WITH(parse_fasta(">a\nAC--GT\n", "aln.fa"),
                          Catch::Contains("aln.fa:2: record 'a': gap '-' at column 3"));
        CHECK_THROWS_WITH(parse_fasta(">a\nAC\n..GT\n", "aln.fa"),
                          Catch::Contains("aln.fa:3: record 'a': gap '.' at column 1"));
    }
    SECTION("NUL bytes") {
        using namespace std::string_literals;
        CHECK_THROWS_WITH(parse_fasta(">a\nAC\nGG\0T\n"s, "bin.fa"),
                          Catch::Contains("bin.fa:3: NUL byte at column 3") && Catch::Contains("binary"));
        CHECK_THROWS_WITH(parse_fasta(">a b\0c\nAC\n"s, "bin.fa"), Catch::Contains("bin.fa:1: NUL byte at column 5"));
        CHECK_THROWS_WITH(parse_fasta("\0\0\0"s, "bin.fa"), Catch::Contains("bin.fa:1: NUL byte at column 1"));
    }
    SECTION("duplicate names") {
        CHECK_THROWS_WITH(parse_fasta(">seq1\nA\n>seq2\nC\n\n\n>seq3 x\nG\n>seq4\nT\n>seq3 y\nA\n", "mem.fa"),
                          Catch::Contains("mem.fa:11: duplicate record name 'seq3' (first at line 7)"));
    }
    SECTION("other compression formats") {
        CHECK_THROWS_WITH(parse_fasta("BZh91AY&SY", "x.fa.bz2"), Catch::Contains("x.fa.bz2: compressed with bzip2"));
        CHECK_THROWS_WITH(parse_fasta(std::string_view("\xFD" "7zXZ\0\0", 7), "x.fa.xz"),
                          Catch::Contains("x.fa.xz: compressed with xz"));
        CHECK_THROWS_WITH(parse_fasta("\x28\xB5\x2F\xFD\x04", "x.fa.zst"),
                          Catch::Contains("x.fa.zst: compressed with zstd"));
    }
}

TEST_CASE("fasta: files, plain and gzip, whole or record by record", "[fasta]") {
    temp_dir dir;
    const auto plain = dir.file("sample.fa"), gz = dir.file("sample.fa.gz"), multi = dir.file("multi.fa.gz");
    const std::string crlf = replace_all(sample, "\n", "\r\n");
    write_file(plain, crlf);
    write_gzip(gz, crlf);
    // Two gzip members (bgzip style), the split falling inside a sequence line.
    write_gzip(multi, crlf.substr(0, 17));
    write_gzip(multi, crlf.substr(17), "ab");

    const auto expected = run([&] { return parse_fasta(sample, "mem.fa"); });
    REQUIRE(expected.records.size() == 2);
    CHECK(run([&] { return read_fasta(plain); }) == expected);
    CHECK(run([&] { return read_fasta(gz); }) == expected);
    CHECK(run([&] { return read_fasta(multi); }) == expected);

    io::fasta_reader reader(gz);
    CHECK(reader.source() == gz.string());
    fasta_record rec;
    REQUIRE(reader.next(rec));
    CHECK(rec.name == "chr1_x");
    CHECK(rec.sequence == "ACGTacgtNNggccAATT");
    REQUIRE(reader.next(rec));
    CHECK(rec.name == "seq2");
    CHECK(rec.description.empty());
    CHECK(rec.sequence == "RYSWKMBDHVNuuAC");
    CHECK(rec.line == 5);
    CHECK_FALSE(reader.next(rec));
    CHECK_FALSE(reader.next(rec));

    // The reader itself does not check names; read_fasta does, with the file's name in the message.
    const auto dup = dir.file("dup.fa.gz");
    write_gzip(dup, ">x\nA\n>x\nC\n");
    io::fasta_reader dup_reader(dup);
    int n = 0;
    while (dup_reader.next(rec)) ++n;
    CHECK(n == 2);
    CHECK_THROWS_WITH(read_fasta(dup), Catch::Contains(dup.string() + ":3: duplicate record name 'x' (first at line 1)"));

    // Empty files hold no records.
    write_file(dir.file("empty.fa"), "");
    CHECK(read_fasta(dir.file("empty.fa")).empty());
}

TEST_CASE("fasta: file errors name the path", "[fasta]") {
    temp_dir dir;
    SECTION("missing file and directory") {
        const auto missing = dir.file("missing.fa");
        CHECK_THROWS_WITH(read_fasta(missing),
                          Catch::Contains(missing.string() + ": cannot open: ") &&
                              Catch::Contains("No such file", Catch::CaseSensitive::No));
        CHECK_THROWS_AS(io::fasta_reader(missing), format_error);
        CHECK_THROWS_WITH(read_fasta(dir.path), Catch::Contains(dir.path.string() + ": cannot open: is a directory"));
    }
    SECTION("format errors in a gzip file carry its path and line") {
        const auto p = dir.file("bad.fa.gz");
        write_gzip(p, ">a\nACGT\n>b\nACZT\n");
        io::fasta_reader reader(p);
        fasta_record rec;
        REQUIRE(reader.next(rec));
        const std::string msg = p.string() + ":4: record 'b': invalid character 'Z' at column 3";
        CHECK_THROWS_WITH(reader.next(rec), Catch::Contains(msg));
        CHECK_THROWS_WITH(reader.next(rec), Catch::Contains(msg));  // and again: the reader stays failed
    }
    SECTION("corrupt and truncated gzip") {
        std::string text;
        for (int i = 0; i < 200; ++i) text += ">r" + std::to_string(i) + "\nACGTTGCAACGGTACCATGGA\n";
        const auto good = dir.file("good.fa.gz");
        write_gzip(good, text);
        REQUIRE(read_fasta(good).size() == 200);
        const std::string bytes = read_bytes(good);
        REQUIRE(bytes.size() > 64);

        const auto truncated = dir.file("truncated.fa.gz");
        write_file(truncated, bytes.substr(0, bytes.size() / 2));
        CHECK_THROWS_WITH(read_fasta(truncated),
                          Catch::StartsWith(truncated.string() + ": ") && Catch::Contains("gzip error"));

        std::string flipped = bytes;
        for (std::size_t i = 20; i < 40; ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
        const auto corrupt = dir.file("corrupt.fa.gz");
        write_file(corrupt, flipped);
        CHECK_THROWS_WITH(read_fasta(corrupt),
                          Catch::StartsWith(corrupt.string() + ": ") && Catch::Contains("gzip error"));

        // A damaged CRC trailer: every byte inflates, the check fails at the end.
        std::string bad_crc = bytes;
        bad_crc[bad_crc.size() - 6] = static_cast<char>(bad_crc[bad_crc.size() - 6] ^ 1);
        const auto crc = dir.file("crc.fa.gz");
        write_file(crc, bad_crc);
        CHECK_THROWS_WITH(read_fasta(crc), Catch::StartsWith(crc.string() + ": ") && Catch::Contains("gzip error"));
    }
    SECTION("binary and other-compressed files") {
        const auto bin = dir.file("model.bin");
        write_file(bin, std::string_view("\0\1\2\3", 4));
        CHECK_THROWS_WITH(read_fasta(bin), Catch::Contains(bin.string() + ":1: NUL byte at column 1"));
        const auto xz = dir.file("x.fa.xz");
        write_file(xz, std::string_view("\xFD" "7zXZ\0\0\1", 8));
        CHECK_THROWS_WITH(read_fasta(xz), Catch::Contains(xz.string() + ": compressed with xz"));
    }
}

TEST_CASE("fasta: a 1e6-base record on one line, plain and gzip", "[fasta]") {
    temp_dir dir;
    std::string seq(1'000'000, 'A');
    std::mt19937 rng(7);
    for (auto& c : seq) c = "ACGTacgtN"[rng() % 9];
    const std::string text = ">chr_long one line\r\n" + seq + "\r\n>tail\r\nAC\r\n";
    write_file(dir.file("long.fa"), text);
    write_gzip(dir.file("long.fa.gz"), text);
    for (const auto& p : {dir.file("long.fa"), dir.file("long.fa.gz")}) {
        INFO(p.string());
        auto recs = read_fasta(p);
        REQUIRE(recs.size() == 2);
        CHECK(recs[0].name == "chr_long");
        CHECK(recs[0].description == "one line");
        CHECK(recs[0].sequence.size() == seq.size());
        CHECK(recs[0].sequence == seq);
        CHECK(recs[1].line == 3);
    }
    // An error at the far end of the line reports its column.
    std::string bad = seq;
    bad[999'999] = 'X';
    CHECK_THROWS_WITH(parse_fasta(">c\n" + bad + "\n", "mem.fa"),
                      Catch::Contains("mem.fa:2: record 'c': invalid character 'X' at column 1000000"));
}

TEST_CASE("fasta: any split into chunks gives the same records and errors", "[fasta]") {
    const std::vector<std::string> texts = {
        sample,
        replace_all(sample, "\n", "\r\n"),
        replace_all(sample, "\n", "\r"),
        "\xEF\xBB\xBF;c\r\n>a\r\nAC\r\n\r>b\r\nAZ",
        ">a\r\nAC\r\n>\r\nAC",
        ">a\nAC\n>a\nGG\n",
    };
    std::mt19937 rng(11);
    for (const auto& text : texts) {
        const auto whole = run([&] { return parse_fasta(text, "mem.fa"); });
        for (std::size_t max_chunk : {1, 2, 3, 5, 64}) {
            for (int rep = 0; rep < 8; ++rep) {
                INFO("text " << text << " max chunk " << max_chunk);
                CHECK(run([&] { return parse_chunked(text, "mem.fa", rng, max_chunk); }) == whole);
            }
        }
    }
}

TEST_CASE("fasta: fuzzed input either parses or throws format_error", "[fasta]") {
    const std::string base =
        ";x\n" + replace_all(sample, "\n\n", "\r\n") + ">seq3 z\r\nacgtn\rNNNN\n>seq4\nTT\n";
    REQUIRE(parse_fasta(base, "fuzz").size() == 4);
    const std::string interesting("> \n\r\t;-.\0AaNnZ\x80\xff", 17);
    std::mt19937 rng(20240601);
    int parsed = 0, rejected = 0, mismatched = 0, other = 0;
    std::string first_mismatch;
    for (int iter = 0; iter < 4000; ++iter) {
        std::string text = base;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = text.empty() ? 0 : rng() % (text.size() + 1);
            const char c = rng() % 4 ? interesting[rng() % interesting.size()] : static_cast<char>(rng() % 256);
            switch (rng() % 6) {
                case 0: if (at < text.size()) text[at] = c; break;            // replace
                case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
                case 2: if (at < text.size()) text.erase(at, 1 + rng() % 8); break;
                case 3: text.resize(at); break;                               // truncate
                case 4: text.insert(at, text.substr(rng() % (text.size() + 1), rng() % 16)); break;
                default: if (at < text.size()) text[at] = static_cast<char>(text[at] ^ (1 << (rng() % 8)));
            }
        }
        outcome whole;
        try {
            whole.records = parse_fasta(text, "fuzz");
            ++parsed;
        } catch (const format_error& e) {
            whole.error = e.what();
            ++rejected;
            if (whole.error.rfind("fuzz:", 0) != 0) ++other;  // every message starts with the source
        } catch (...) {
            ++other;
            continue;
        }
        for (const auto& r : whole.records)
            if (r.name.empty() || r.sequence.empty()) ++other;
        if (!(run([&] { return parse_chunked(text, "fuzz", rng, 1 + rng() % 40); }) == whole)) {
            if (mismatched++ == 0) first_mismatch = text;
        }
    }
    INFO("parsed " << parsed << ", rejected " << rejected << ", first mismatch: " << first_mismatch);
    CHECK(other == 0);
    CHECK(mismatched == 0);
    CHECK(parsed > 100);  // the mutations leave some inputs valid
    CHECK(rejected > 100);
}
