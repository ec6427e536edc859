// CommitRate.cpp — the plain-disk and plain-SQLite commit rates (CommitRate.h).
#include "CommitRate.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace flow::bench {

namespace {
using SteadyClock = std::chrono::steady_clock;

double since(SteadyClock::time_point t0) {
    return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

[[noreturn]] void ioError(const std::string& what, const std::string& path) {
    throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}
} // namespace

CommitRate fsyncRate(const std::string& dir, double seconds) {
    std::string path = dir + "/fsync-probe.bin";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) ioError("cannot create", path);
    // The file is written and synced in full first, so the timed loop
    // rewrites allocated blocks (as SQLite does once its WAL has wrapped)
    // instead of measuring file growth and its metadata journaling.
    constexpr size_t kBlock = 4096, kBlocks = 256;
    std::vector<char> buf(kBlock, 'f');
    for (size_t i = 0; i < kBlocks; ++i)
        if (::pwrite(fd, buf.data(), kBlock, off_t(i * kBlock)) != ssize_t(kBlock)) {
            ::close(fd);
            ioError("cannot write", path);
        }
    if (::fsync(fd) != 0) {
        ::close(fd);
        ioError("cannot fsync", path);
    }
    CommitRate r;
    auto t0 = SteadyClock::now();
    do {
        buf[0] = char(r.commits);
        off_t at = off_t((size_t(r.commits) % kBlocks) * kBlock);
        if (::pwrite(fd, buf.data(), kBlock, at) != ssize_t(kBlock) || ::fsync(fd) != 0) {
            ::close(fd);
            ioError("cannot write and fsync", path);
        }
        ++r.commits;
    } while (since(t0) < seconds);
    r.seconds = since(t0);
    r.perSec = double(r.commits) / r.seconds;
    ::close(fd);
    ::unlink(path.c_str());
    return r;
}

namespace {
void exec(sqlite3* db, const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string m = msg ? msg : sqlite3_errmsg(db);
        sqlite3_free(msg);
        throw std::runtime_error(std::string("sqlite: ") + sql + ": " + m);
    }
}
} // namespace

CommitRate sqliteRate(const std::string& dir, double seconds) {
    std::string path = dir + "/sqlite-probe.db";
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
        std::string m = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + path + ": " + m);
    }
    CommitRate r;
    sqlite3_stmt* ins = nullptr;
    try {
        exec(db, "PRAGMA journal_mode=WAL");
        exec(db, "PRAGMA synchronous=FULL");
        exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
        if (sqlite3_prepare_v2(db, "INSERT INTO t(v) VALUES('a row of about forty bytes of text')",
                               -1, &ins, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("sqlite: prepare: ") + sqlite3_errmsg(db));
        auto t0 = SteadyClock::now();
        do {
            exec(db, "BEGIN IMMEDIATE");
            if (sqlite3_step(ins) != SQLITE_DONE)
                throw std::runtime_error(std::string("sqlite: insert: ") + sqlite3_errmsg(db));
            sqlite3_reset(ins);
            exec(db, "COMMIT");
            ++r.commits;
        } while (since(t0) < seconds);
        r.seconds = since(t0);
        r.perSec = double(r.commits) / r.seconds;
    } catch (...) {
        sqlite3_finalize(ins);
        sqlite3_close(db);
        throw;
    }
    sqlite3_finalize(ins);
    sqlite3_close(db);
    for (const char* suffix : {"", "-wal", "-shm"})
        ::unlink((path + suffix).c_str());
    return r;
}

} // namespace flow::bench
