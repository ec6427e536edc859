#pragma once
// CommitRate.h — the reference figures the runtime benchmark divides by: how
// many durable single commits per second the disk under the bench's own temp
// directory sustains, measured in the same process run (bench/README.md).
#include <string>

namespace flow::bench {

struct CommitRate {
    double perSec = 0;
    long commits = 0;
    double seconds = 0;
};

// Rewrites 4 KiB of a preallocated file and fsyncs it, again and again for
// about `seconds`. Throws std::runtime_error (with errno text) on I/O errors.
CommitRate fsyncRate(const std::string& dir, double seconds);

// SQLite's own: a WAL database with synchronous=FULL doing one-row INSERT
// transactions for about `seconds`. Throws std::runtime_error on SQLite errors.
CommitRate sqliteRate(const std::string& dir, double seconds);

} // namespace flow::bench
