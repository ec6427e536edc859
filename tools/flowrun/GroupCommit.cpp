// GroupCommit.cpp — see GroupCommit.h.
#include "GroupCommit.h"

#include <stdexcept>

namespace flowrun {

std::vector<int64_t> GroupCommit::append(std::vector<EventToAppend> events) {
    Pending self;
    self.events = std::move(events);
    std::unique_lock<std::mutex> lock(mutex_);
    queue_.push_back(&self);
    while (!self.done) {
        if (committing_) {
            finished_.wait(lock);
            continue;
        }
        // Leader: take everything queued (this request included).
        committing_ = true;
        std::vector<Pending*> batch;
        batch.swap(queue_);
        lock.unlock();
        std::vector<EventToAppend> all;
        for (Pending* p : batch)
            for (auto& e : p->events)
                all.push_back(std::move(e));
        std::vector<int64_t> ids;
        std::exception_ptr error;
        try {
            ids = commit_(all);
            if (ids.size() != all.size()) throw std::logic_error("group commit: id count mismatch");
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        size_t next = 0;
        for (Pending* p : batch) {
            if (error) {
                p->error = error;
            } else {
                p->ids.assign(ids.begin() + long(next),
                              ids.begin() + long(next + p->events.size()));
                next += p->events.size();
            }
            p->done = true;
        }
        committing_ = false;
        ++stats_.commits;
        stats_.requests += batch.size();
        stats_.events += all.size();
        if (all.size() > stats_.largestBatch) stats_.largestBatch = all.size();
        // Wakes the finished requests and the next leader.
        finished_.notify_all();
    }
    if (self.error) std::rethrow_exception(self.error);
    return std::move(self.ids);
}

GroupCommit::Stats GroupCommit::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

} // namespace flowrun
