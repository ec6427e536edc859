#pragma once
// WalSyncer.h — the background fsync of a store's WAL, for deferred commits
// (Store::begin(Sync::Deferred), docs/store.md "Group commit across time").
//
// A deferred commit runs at synchronous=NORMAL: SQLite appends its frames to
// the WAL (readers see it; a crash of the process keeps it) without the fsync
// that makes it survive a power loss. That fsync is what synchronous=FULL
// would have done inside COMMIT, so a commit followed by an fsync of the WAL
// file is as durable as a FULL commit. Doing it on this thread lets the
// engine compute its next boundaries meanwhile, and one fsync covers every
// commit made while the previous one ran (group commit across time).
//
// The thread only ever touches its own descriptor of the WAL file, never the
// SQLite connection, so the connection stays single-threaded.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace flow::store {

class WalSyncer {
public:
    explicit WalSyncer(std::string walPath);
    // Makes the commits noted so far durable (one last fsync if needed),
    // then stops the thread.
    ~WalSyncer();
    WalSyncer(const WalSyncer&) = delete;
    WalSyncer& operator=(const WalSyncer&) = delete;

    // A deferred commit has returned: its frames are in the WAL. Wakes the
    // thread; the next fsync that starts from now on covers it.
    void noteCommit();
    // Blocks until every commit noted so far is durable. Throws
    // std::runtime_error (what failed, without the path) once an fsync has failed: the
    // kernel may have dropped the unsynced pages, so no later commit of this
    // process can be called durable either.
    void waitDurable();
    uint64_t pending() const; // commits noted and not yet durable
    uint64_t syncs() const;   // fsyncs done

private:
    void loop();
    // One fdatasync of the WAL file; "" or the error. Reopens the file when
    // SQLite replaced it; a WAL that no longer exists was checkpointed (and
    // the database file synced) by SQLite itself.
    std::string syncOnce();

    std::string path_;
    int fd_ = -1; // used by the thread only (and the destructor after it)
    mutable std::mutex m_;
    std::condition_variable wake_, done_;
    uint64_t noted_ = 0, durable_ = 0, syncs_ = 0;
    std::optional<std::string> error_;
    bool stop_ = false;
    int delayMs_ = 0; // FLOW_TEST_SYNC_DELAY_MS
    std::thread thread_;
};

} // namespace flow::store
