// seqnet/io/motif_file.hpp -- motifs from a file in whichever format it is: MEME (its first line says
// "MEME version") or JASPAR (bracketed or raw counts), plain or gzip. What `seqnet compare` and
// `seqnet motifs --db` read; users bring JASPAR's downloads or the output of MEME Suite tools.
// Module seqnet::io (needs zlib).
#pragma once

#include <seqnet/io/jaspar.hpp>
#include <seqnet/io/meme.hpp>
#include <seqnet/io/text_file.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace seqnet::io {

enum class motif_format { meme, jaspar };

/// MEME when the first line that is not blank starts with "MEME version", JASPAR otherwise.
inline motif_format detect_motif_format(std::string_view text) {
    std::size_t at = 0;
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' || text[at] == '\n')) ++at;
    return text.substr(at).starts_with("MEME version") ? motif_format::meme : motif_format::jaspar;
}

/// Every motif of a MEME or JASPAR file (format_error naming the file, line and problem otherwise).
inline std::vector<motif> read_motifs(const std::filesystem::path& path) {
    const std::string text = detail::read_text_file(path);
    const std::string source = path.string();
    if (detect_motif_format(text) == motif_format::meme) return parse_meme(text, source).motifs;
    return parse_jaspar(text, source);
}

}  // namespace seqnet::io
