#pragma once
// Snapshot.h — the complete state of a run as a versioned blob, and back.
//
// A snapshot holds every fiber (frames, registers, pc), the heap they reach,
// pending promises and their reactions, the job queue, module variables,
// pending host operations (Vm.h HostOp) and the run context (clock, random
// state, counters). Resume restores it into a fresh Vm that loaded the same
// module: no replay. The format is versioned separately from the bytecode
// (kSnapshotFormatVersion) and carries the module's content hash, so a
// snapshot is never restored against other code. See docs/runtime.md.
#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "flow/vm/Vm.h"

namespace flow::vm {

inline constexpr uint32_t kSnapshotFormatVersion = 1;
// A snapshot larger than this fails with SnapshotError "snapshot.size" (the
// run's state has grown past what a durable boundary may write).
inline constexpr size_t kMaxSnapshotBytes = size_t(256) << 20;

// A blob that cannot be taken or restored. what() is "snapshot: <check>: detail",
// naming the check that failed ("snapshot.magic", "snapshot.checksum", ...).
struct SnapshotError : std::runtime_error {
    SnapshotError(std::string check_, const std::string& detail)
        : std::runtime_error("snapshot: " + check_ + ": " + detail), check(std::move(check_)) {}
    std::string check;
};

// Serializes `vm`. Allowed whenever no native call or C++ re-entry is in
// progress (between jobs, or after runJobs returned); jobs may be queued.
std::vector<uint8_t> takeSnapshot(Vm& vm, size_t maxBytes = kMaxSnapshotBytes);

// Restores `blob` into `vm`, a fresh Vm that load()ed the module the snapshot
// was taken with and has run nothing (no runInits). Throws SnapshotError.
void restoreSnapshot(Vm& vm, std::span<const uint8_t> blob);

struct SnapshotInfo {
    uint32_t formatVersion = 0;
    std::array<uint8_t, 32> moduleHash{};
    uint64_t bytes = 0;
};
// Header check only (magic, version, length, checksum). Throws SnapshotError.
SnapshotInfo inspectSnapshot(std::span<const uint8_t> blob);

// For a driver that snapshots between jobs while the module's top-level code
// runs (hard-snapshot mode, see docs/snapshots.md): Vm::runInits split in
// steps. callInit runs init function k (Module::inits order) without
// draining the job queue; the driver then runs the jobs (runOneJob) and
// checks takeUnhandledRejection, as runInits does after each init.
size_t initCount(const Vm& vm);
Completion callInit(Vm& vm, size_t k);

} // namespace flow::vm
