// VmReaper.h — destroys the VMs of finished runs on a background thread.
//
// A VM owns its whole heap, the ~650 objects of the builtins each VM installs
// included: deleting one costs ~200 K instructions, as much as two of its
// in-process steps (bench/runtime (b), callgrind). A finished run's VM is
// used by nothing after its last boundary, and a VM shares nothing mutable
// with another (its module is const, behind a shared_ptr), so it can die on
// another core while the engine drives the next runs (Redis's lazy free).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "flow/vm/Vm.h"

namespace flow::engine {

class VmReaper {
public:
    VmReaper() = default;
    ~VmReaper(); // destroys what is queued, joins the thread
    VmReaper(const VmReaper&) = delete;
    VmReaper& operator=(const VmReaper&) = delete;

    // Takes `vm` (null: nothing). When the thread lags far behind, or cannot
    // be started, the caller destroys it itself: memory stays bounded.
    void retire(std::unique_ptr<vm::Vm> vm);
    // Returns once every VM retired so far is destroyed: the work is done by
    // the time the engine reports (benchmarks measure it).
    void drain();

private:
    void loop();

    std::mutex mutex_;
    std::condition_variable wake_, idle_;
    std::vector<std::unique_ptr<vm::Vm>> queue_;
    bool busy_ = false; // the thread is destroying a batch
    bool stopping_ = false;
    bool started_ = false;
    std::thread thread_; // started at the first retire()
};

} // namespace flow::engine
