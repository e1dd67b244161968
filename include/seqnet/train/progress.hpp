// seqnet/train/progress.hpp -- a one-line progress bar on standard error for long loops.
//
//   epoch 3/20 [##########..........] 157/313  loss 0.4123  2,410 seq/s  0:06 left
//
// It redraws at most ten times a second and only when standard error is a terminal (or when forced),
// so logs and pipes stay clean; finish() ends the line.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#if defined(_WIN32)
#include <io.h>
#define SEQNET_ISATTY _isatty
#define SEQNET_FILENO _fileno
#else
#include <unistd.h>
#define SEQNET_ISATTY isatty
#define SEQNET_FILENO fileno
#endif

namespace seqnet {

/// When a progress bar draws: on a terminal only (automatic), always, or never.
enum class progress_mode { automatic, always, never };

class progress_bar {
public:
    explicit progress_bar(progress_mode mode = progress_mode::automatic, std::FILE* out = stderr)
        : out_(out), on_(mode == progress_mode::always ||
                         (mode == progress_mode::automatic && SEQNET_ISATTY(SEQNET_FILENO(out)))) {}

    bool enabled() const { return on_; }

    /// Starts a bar of `total` steps, labelled e.g. "epoch 3/20".
    void start(std::string label, long total) {
        label_ = std::move(label);
        total_ = total;
        start_ = last_ = clock::now();
        drawn_ = false;
    }

    /// Reports `done` steps finished, the running loss and the items processed so far.
    void update(long done, double loss, double items) {
        if (!on_) return;
        const auto now = clock::now();
        if (drawn_ && done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        drawn_ = true;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const int width = 20;
        const int filled = total_ > 0 ? int(double(width) * double(done) / double(total_)) : width;
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.append(static_cast<std::size_t>(width - filled), '.');
        const double left = done > 0 ? elapsed * double(total_ - done) / double(done) : 0.0;
        std::fprintf(out_, "\r%s [%s] %ld/%ld  loss %.4f  %.0f seq/s  %s left ", label_.c_str(), bar.c_str(), done,
                     total_, loss, elapsed > 0 ? items / elapsed : 0.0, clock_text(left).c_str());
        std::fflush(out_);
    }

    /// Clears the bar's line so that a summary line can follow.
    void finish() {
        if (!on_ || !drawn_) return;
        std::fprintf(out_, "\r%*s\r", 100, "");
        std::fflush(out_);
        drawn_ = false;
    }

    static std::string clock_text(double seconds) {
        const long s = long(seconds + 0.5);
        char buf[32];
        if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
        else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
        return buf;
    }

private:
    using clock = std::chrono::steady_clock;
    std::FILE* out_;
    bool on_;
    std::string label_;
    long total_ = 0;
    clock::time_point start_, last_;
    bool drawn_ = false;
};

}  // namespace seqnet

#undef SEQNET_ISATTY
#undef SEQNET_FILENO
