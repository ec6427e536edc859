// VmReaper: finished runs' VMs destroyed off the driving thread (engine).
#include <doctest/doctest.h>

#include <memory>
#include <thread>
#include <vector>

#include "../../runtime/engine/src/VmReaper.h"
#include "flow/vm/Vm.h"

TEST_CASE("VmReaper: retired VMs are destroyed by drain(); past its queue, inline") {
    // Under ASan+LSan (CI), a VM never destroyed is a leak and one destroyed
    // twice or while used an error: this test is mostly for that build.
    flow::engine::VmReaper reaper;
    reaper.retire(nullptr); // nothing
    for (int i = 0; i < 300; ++i) {
        auto vm = std::make_unique<flow::vm::Vm>();
        reaper.retire(std::move(vm));
        CHECK(!vm); // taken either way
    }
    reaper.drain();
    reaper.drain(); // idle: returns at once
}

TEST_CASE("VmReaper: the destructor finishes what is queued") {
    std::vector<std::unique_ptr<flow::vm::Vm>> vms;
    for (int i = 0; i < 8; ++i)
        vms.push_back(std::make_unique<flow::vm::Vm>());
    {
        flow::engine::VmReaper reaper;
        for (auto& v : vms)
            reaper.retire(std::move(v));
    }
    for (auto& v : vms)
        CHECK(!v);
}
