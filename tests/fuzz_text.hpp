// Test helper for fuzz-style tests of text readers: random edits (replace, erase, insert, truncate).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/layers/random.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace seqnet::test {

/// `text` with 1..max_edits random edits drawing new characters from `alphabet`.
inline std::string mutate_text(std::string text, const std::string& alphabet, random_engine& rng, int max_edits) {
    const int edits = 1 + static_cast<int>(rng.next() % static_cast<std::uint64_t>(max_edits));
    for (int e = 0; e < edits && !text.empty(); ++e) {
        const std::size_t at = rng.next() % text.size();
        switch (rng.next() % 4) {
            case 0: text[at] = alphabet[rng.next() % alphabet.size()]; break;
            case 1: text.erase(at, 1); break;
            case 2: text.insert(at, 1, alphabet[rng.next() % alphabet.size()]); break;
            default: text.resize(at); break;
        }
    }
    return text;
}

/// Outcome of fuzz_parser: how many mutated texts parsed and how many were rejected.
struct fuzz_counts {
    int parsed = 0, rejected = 0;
};

/// Feeds `iterations` mutations of `base` (up to 4 edits each) to parse(text), which parses with source
/// name "fuzz" and checks what it returns. A seqnet::error must name that source first; any other
/// exception escapes and fails the test.
template <class Parse>
fuzz_counts fuzz_parser(const std::string& base, const std::string& alphabet, std::uint64_t seed, int iterations,
                        Parse&& parse) {
    random_engine rng(seed);
    fuzz_counts c;
    for (int iter = 0; iter < iterations; ++iter) {
        const std::string text = mutate_text(base, alphabet, rng, 4);
        try {
            parse(text);
            ++c.parsed;
        } catch (const seqnet::error& e) {
            CHECK(std::string(e.what()).rfind("fuzz:", 0) == 0);
            ++c.rejected;
        }
    }
    return c;
}

}  // namespace seqnet::test
