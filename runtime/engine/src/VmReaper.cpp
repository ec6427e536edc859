// VmReaper.cpp — see VmReaper.h.
#include "VmReaper.h"

#include <system_error>

namespace flow::engine {

namespace {
// Beyond this many VMs waiting, retire() destroys inline: a VM is ~100 KB,
// and bench/timers (e) holds memory under 200 MB while firing.
constexpr size_t kMaxQueued = 64;
} // namespace

VmReaper::~VmReaper() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    queue_.clear(); // (no thread: nothing was queued)
}

void VmReaper::retire(std::unique_ptr<vm::Vm> vm) {
    if (!vm) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!started_) {
            started_ = true;
            try {
                thread_ = std::thread([this] { loop(); });
            } catch (const std::system_error&) {
                // No thread (a process at its limit): every VM dies inline.
            }
        }
        if (thread_.joinable() && queue_.size() < kMaxQueued) queue_.push_back(std::move(vm));
    }
    if (vm) {
        vm.reset(); // inline
        return;
    }
    wake_.notify_one();
}

void VmReaper::drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void VmReaper::loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return; // stopping, nothing left
        std::vector<std::unique_ptr<vm::Vm>> batch;
        batch.swap(queue_);
        busy_ = true;
        lock.unlock();
        batch.clear(); // the destructors run here, outside the lock
        lock.lock();
        busy_ = false;
        if (queue_.empty()) idle_.notify_all();
    }
}

} // namespace flow::engine
