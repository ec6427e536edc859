#pragma once
// GroupCommit.h — many threads append events; they share transactions.
//
// POST /events answers only after its event is durable (synchronous=FULL: one
// fsync per commit). Committed one by one, appends are capped by the disk's
// fsync rate (~250/s on the CI disk). Here a request that arrives while a
// commit is in flight queues; when that commit ends, one waiting thread (the
// "leader") commits everything queued in ONE transaction and wakes the rest:
// the group commit of databases and of SQLite's own WAL users. Under load a
// batch holds all the requests that arrived during one fsync, so throughput
// grows with concurrency while a lone request still costs one commit and
// never waits for a timer.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace flowrun {

struct EventToAppend {
    std::string type;
    std::string payload; // JSON text
};

class GroupCommit {
public:
    // commitBatch appends every event of the batch in one transaction and
    // returns their ids in order, or throws: then none was appended.
    using CommitFn = std::function<std::vector<int64_t>(const std::vector<EventToAppend>&)>;
    explicit GroupCommit(CommitFn commitBatch) : commit_(std::move(commitBatch)) {}

    // Appends `events` (atomically: all or none) and returns their ids once
    // they are committed; rethrows the commit's error. Thread-safe.
    std::vector<int64_t> append(std::vector<EventToAppend> events);

    // Statistics for tests and benchmarks.
    struct Stats {
        uint64_t commits = 0, requests = 0, events = 0, largestBatch = 0;
    };
    Stats stats() const;

private:
    struct Pending {
        std::vector<EventToAppend> events;
        std::vector<int64_t> ids;
        std::exception_ptr error;
        bool done = false;
    };
    CommitFn commit_;
    mutable std::mutex mutex_;
    std::condition_variable finished_;
    std::vector<Pending*> queue_;
    bool committing_ = false;
    Stats stats_;
};

} // namespace flowrun
