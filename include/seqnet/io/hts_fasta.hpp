// seqnet/io/hts_fasta.hpp -- random access to a bgzip-compressed (or plain) reference FASTA through
// htslib's faidx. Target seqnet::hts (seqnet::io plus htslib, found by pkg-config; defined only where
// htslib is installed -- Debian: libhts-dev). Not included by seqnet/io.hpp.
//
// hts_fasta has indexed_fasta's interface (fai.hpp): fetch(chrom, start, end) with 0-based half-open
// coordinates, returning the bases as stored (soft-masking kept); length, contains, chromosomes. It
// reads PATH.fai and, for bgzip files, PATH.gzi; when they are absent and build_index_if_absent is true,
// htslib builds them and writes them next to the FASTA (unlike indexed_fasta there is no in-memory
// fallback: an unwritable directory is an error). fetch is thread-safe (htslib's handle under a mutex).
//
// Errors: a FASTA compressed with plain gzip rather than bgzip (format_error, with how to fix it); a file
// or index htslib cannot open or read (format_error naming the path; htslib also logs its own reason on
// stderr); an unknown chromosome, listing a few known ones, or a range outside it (argument_error).
#pragma once

#include <seqnet/config.hpp>
#include <seqnet/io/text_file.hpp>

#include <htslib/faidx.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace seqnet::io {

class hts_fasta {
public:
    /// Opens `path` (bgzip-compressed or plain FASTA) with its index; builds the index (PATH.fai, and
    /// PATH.gzi for bgzip) when it is absent and `build_index_if_absent` is true.
    explicit hts_fasta(const std::filesystem::path& path, bool build_index_if_absent = true)
        : source_(path.string()) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) throw format_error(source_ + ": cannot open: is a directory");
        {
            std::ifstream f(path, std::ios::binary);
            if (!f) throw format_error(source_ + ": cannot open");
            unsigned char head[18] = {};
            f.read(reinterpret_cast<char*>(head), sizeof head);
            const auto n = f.gcount();
            if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b &&
                !(n >= 14 && (head[3] & 4) && head[12] == 'B' && head[13] == 'C'))
                throw format_error(source_ + ": compressed with gzip, not bgzip: index needs bgzip (gunzip it, then "
                                             "bgzip it; or just gunzip it)");
        }
        if (!build_index_if_absent && !std::filesystem::exists(source_ + ".fai", ec))
            throw format_error(source_ + ": no index " + source_ + ".fai (create it with samtools faidx, or let "
                                         "hts_fasta build it)");
        fai_.reset(fai_load3(source_.c_str(), nullptr, nullptr, build_index_if_absent ? FAI_CREATE : 0));
        if (!fai_)
            throw format_error(source_ + ": htslib could not open or index it (see its message above; a stale " +
                               source_ + ".fai or .gzi can be deleted to rebuild it)");
        const int n = faidx_nseq(fai_.get());
        for (int i = 0; i < n; ++i) names_.emplace_back(faidx_iseq(fai_.get(), i));
    }

    /// Bases [start, end) of `chrom` (0-based, half-open), as stored (case kept).
    std::string fetch(std::string_view chrom, index_t start, index_t end) const {
        const std::string key = known(chrom);
        const index_t len = length(key);
        if (start < 0 || end < start || end > len)
            throw argument_error("hts_fasta " + source_ + ": range " + key + ":" + std::to_string(start) + "-" +
                                 std::to_string(end) +
                                 (start < 0 || end < start ? " is not a valid range (need 0 <= start <= end)"
                                                           : " runs past the end of '" + key + "' (length " +
                                                                 std::to_string(len) + ")"));
        if (start == end) return {};
        hts_pos_t got = 0;
        char* s = nullptr;
        {
            std::lock_guard lock(mutex_);
            s = faidx_fetch_seq64(fai_.get(), key.c_str(), start, end - 1, &got);
        }
        std::unique_ptr<char, free_deleter> owned(s);
        if (!s || got != end - start)
            throw format_error(source_ + ": htslib could not read " + key + ":" + std::to_string(start) + "-" +
                               std::to_string(end) + " (a stale index? delete " + source_ + ".fai and .gzi to "
                               "rebuild them)");
        return std::string(s, static_cast<std::size_t>(got));
    }

    index_t length(std::string_view chrom) const {
        const std::string key = known(chrom);
        return faidx_seq_len(fai_.get(), key.c_str());
    }
    bool contains(std::string_view chrom) const {
        return faidx_has_seq(fai_.get(), std::string(chrom).c_str()) != 0;
    }
    const std::vector<std::string>& chromosomes() const { return names_; }

private:
    struct fai_deleter {
        void operator()(faidx_t* f) const { fai_destroy(f); }
    };
    struct free_deleter {
        void operator()(char* p) const { std::free(p); }
    };

    std::string known(std::string_view chrom) const {
        std::string key(chrom);
        if (faidx_has_seq(fai_.get(), key.c_str())) return key;
        std::string msg = "hts_fasta " + source_ + ": unknown chromosome '" + key + "' (" +
                          std::to_string(names_.size()) + " known: " + detail::name_list(names_, 5) + ")";
        const std::string alt = key.starts_with("chr") ? key.substr(3) : "chr" + key;
        if (faidx_has_seq(fai_.get(), alt.c_str())) msg += "; did you mean '" + alt + "'?";
        throw argument_error(msg);
    }

    std::string source_;
    std::unique_ptr<faidx_t, fai_deleter> fai_;
    std::vector<std::string> names_;
    mutable std::mutex mutex_;
};

}  // namespace seqnet::io
