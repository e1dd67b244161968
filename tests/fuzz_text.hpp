// Test helper for fuzz-style tests of text readers: random edits (replace, erase, insert, truncate).
#pragma once

#include <seqnet/layers/random.hpp>

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

}  // namespace seqnet::test
