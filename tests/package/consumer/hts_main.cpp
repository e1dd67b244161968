// Reads a bgzip-compressed FASTA through seqnet::hts (built where the seqnet package found htslib).
#include <seqnet/io/hts_fasta.hpp>

#include <htslib/bgzf.h>

#include <cstdio>
#include <filesystem>
#include <string>

int main() {
    const auto path = std::filesystem::temp_directory_path() / "seqnet_consumer_genome.fa.gz";
    const std::string text = ">chr1\nACGTACGTAC\nGGCC\n";
    BGZF* f = bgzf_open(path.string().c_str(), "w");
    if (!f || bgzf_write(f, text.data(), text.size()) != static_cast<ssize_t>(text.size()) || bgzf_close(f) != 0)
        return 1;
    std::string got;
    {
        seqnet::io::hts_fasta genome(path);
        got = genome.fetch("chr1", 8, 12);
    }
    for (const char* ext : {"", ".fai", ".gzi"}) std::filesystem::remove(path.string() + ext);
    if (got != "ACGG") return 1;
    std::printf("hts consumer: %s\n", got.c_str());
    return 0;
}
