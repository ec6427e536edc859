// WalSyncer.cpp — the background fsync of the WAL (WalSyncer.h).
#include "WalSyncer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace flow::store {

WalSyncer::WalSyncer(std::string walPath) : path_(std::move(walPath)) {
    // Tests: every fsync first waits this long, so commits stay "not yet
    // durable" long enough to see who waits for them.
    if (const char* d = std::getenv("FLOW_TEST_SYNC_DELAY_MS"); d && *d)
        delayMs_ = std::max(0, std::atoi(d));
    thread_ = std::thread([this] { loop(); });
}

WalSyncer::~WalSyncer() {
    {
        std::lock_guard<std::mutex> lk(m_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join(); // the loop syncs what was noted before it stops
    if (fd_ >= 0) ::close(fd_);
}

void WalSyncer::noteCommit() {
    {
        std::lock_guard<std::mutex> lk(m_);
        ++noted_;
    }
    wake_.notify_one();
}

void WalSyncer::waitDurable() {
    std::unique_lock<std::mutex> lk(m_);
    done_.wait(lk, [this] { return error_ || durable_ >= noted_; });
    if (error_) throw std::runtime_error(*error_);
}

uint64_t WalSyncer::pending() const {
    std::lock_guard<std::mutex> lk(m_);
    return noted_ - durable_;
}

uint64_t WalSyncer::syncs() const {
    std::lock_guard<std::mutex> lk(m_);
    return syncs_;
}

void WalSyncer::loop() {
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
        wake_.wait(lk, [this] { return stop_ || (noted_ > durable_ && !error_); });
        if (noted_ <= durable_ || error_) {
            if (stop_) return;
            continue;
        }
        // Every commit noted before this point has written its frames: the
        // fsync that starts now covers them all.
        uint64_t target = noted_;
        lk.unlock();
        std::string err = syncOnce();
        lk.lock();
        ++syncs_;
        if (err.empty())
            durable_ = target;
        else
            error_ = err;
        done_.notify_all();
    }
}

std::string WalSyncer::syncOnce() {
    if (delayMs_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delayMs_));
    struct stat now {};
    if (::stat(path_.c_str(), &now) != 0) {
        // Checkpointed into the database file (which SQLite synced) and
        // deleted: only the last connection to close does that.
        if (errno == ENOENT) return "";
        return std::string("cannot stat the WAL to sync it: ") + std::strerror(errno);
    }
    struct stat open {};
    if (fd_ >= 0 &&
        (::fstat(fd_, &open) != 0 || open.st_ino != now.st_ino || open.st_dev != now.st_dev)) {
        ::close(fd_);
        fd_ = -1;
    }
    if (fd_ < 0) {
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            if (errno == ENOENT) return "";
            return std::string("cannot open the WAL to sync it: ") + std::strerror(errno);
        }
    }
    // fdatasync, as SQLite syncs its WAL on Linux: the data and the file size.
    if (::fdatasync(fd_) != 0) return std::string("cannot sync the WAL: ") + std::strerror(errno);
    return "";
}

} // namespace flow::store
