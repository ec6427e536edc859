#pragma once
// Engine.h — the durable runtime: drives runs of the VM over the SQLite store
// and the task executors (DESIGN §3, docs/runtime.md).
//
// A run advances in *activations*. An activation applies what arrived for the
// run (task results, timer firings, signals, events, child results, a cancel
// request), runs the VM's job queue until every fiber waits, hands the new
// host operations (Vm.h HostOp) to their handlers, and then commits, in ONE
// SQLite transaction, the history rows, the op state (timers, attempts,
// consumed signals, emitted events) and a snapshot of the VM. Runs that are
// ready together share that transaction (group commit). Task processes are
// started only after the commit that records them is durable (its WAL fsync
// runs in the background: Store::Sync::Deferred); a crash before the commit
// re-runs the activation from the previous snapshot, so a committed step is
// never lost and its continuation never runs twice (tasks run at least once,
// each attempt carrying the idempotency key "<run>:<step>:<attempt>").
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flow/engine/Clock.h"
#include "flow/store/Store.h"

namespace flow::engine {

// flowrun test: what the engine asks before starting a task attempt (mocks).
struct AttemptInfo {
    std::string runId;
    uint64_t step = 0;
    int64_t attempt = 1; // 1-based
    std::string task;    // the task's name
    uint32_t taskIndex = 0;
    std::string argsJson;  // {param: value, ...}
    int64_t timeoutMs = 0; // the task's timeout per attempt (0: none)
};
// The outcome a mock gives an attempt, delayMs of (virtual) time after it started.
struct InterceptedAttempt {
    bool ok = true;
    std::string resultJson = "null";
    std::string errorName, errorMessage;
    int64_t delayMs = 0;
};
class TaskInterceptor {
public:
    virtual ~TaskInterceptor() = default;
    // nullopt: start the attempt for real (process, HTTP request, builtin).
    virtual std::optional<InterceptedAttempt> intercept(const AttemptInfo& a) = 0;
};

struct ReplayReport; // Replay.h

struct EngineOptions {
    std::string dbPath;             // the SQLite file
    bool synchronousNormal = false; // store option (docs/store.md)
    size_t maxConcurrentTasks = 8;  // task attempts running at once
    // Snapshot and restore the VM between every job and at every loop
    // back-edge (tests the completeness of snapshots; slow).
    bool hardSnapshot = false;
    bool gcStress = false;
    // Console output of runs (stdout/stderr by default).
    std::function<void(std::string_view)> out, err;
    // Time source (the real clock by default; `flowrun test` uses a virtual one).
    std::shared_ptr<Clock> clock;
    // Who holds run leases (defaults to "pid@host").
    std::string owner;
    // Start task attempts. `flowrun start` turns it off: it only commits the
    // run's first boundary, and the attempts start when the run is driven.
    bool dispatchTasks = true;
    // How long a write waits for another writer's lock before failing
    // (FLOW_BUSY_TIMEOUT_MS overrides it; tests use a short one).
    int busyTimeoutMs = 10000;
    // How often a waiting run polls the store for signals, events, child
    // results and cancel requests made by other processes.
    int64_t pollMs = 50;
    // flowrun test: decides task attempts instead of running them (mocks).
    std::shared_ptr<TaskInterceptor> interceptor;
    // flowrun test: the order in which arrivals that are ready together
    // (results, firings, messages at the same instant) are applied is
    // shuffled with this seed; 0 keeps their natural order.
    uint64_t arrivalSeed = 0;
    // flowrun test: runs never leave this process's memory, so no boundary
    // snapshot is ever read back; false skips writing it (every other row of
    // the boundary is written as always). hardSnapshot still snapshots and
    // restores at every await.
    bool boundarySnapshots = true;
    // Time slices (docs/runtime.md): a boundary whose workflow code computes
    // longer than this (ms of wall time) stops at a loop back-edge and
    // commits there; the run goes on in the next boundary. A long
    // computation then never holds the database's write lock (every other
    // writer's) for longer than this, and Ctrl-C and leases work between
    // slices. 0: never (flowrun test). FLOW_SLICE_MS overrides it.
    int64_t sliceMs = 500;
};

// A user-facing failure (unknown run, bad JSON, corrupt database or module):
// what() is the message the CLI prints; exitCode is the CLI's exit status.
struct EngineError : std::runtime_error {
    EngineError(const std::string& m, int code = 2) : std::runtime_error(m), exitCode(code) {}
    int exitCode;
};

struct StartRequest {
    std::string moduleHash; // a stored module (storeModule)
    std::string workflow;   // its name; empty: the only workflow, else "main"
    std::string inputJson = "null";
    std::string runId; // empty: a new id
    // Keep the run loaded after its first boundary (drive() follows). False
    // drops it from memory when it only waits (work() loads it again when a
    // timer or a signal needs it): how a worker holds 100,000 sleeping runs.
    bool resident = true;
    std::optional<std::string> parentRun;
    std::optional<int64_t> triggerEvent;
    // A JSON array of all the workflow's arguments; when set it replaces
    // inputJson (which is the first argument only).
    std::string argsJson;
    // `start wf(x) with { timeout }`: a run-level timeout set by the start
    // (the workflow's own declared one still applies when it is earlier).
    std::optional<int64_t> timeoutMs;
    // The absolute directory the module's relative source paths start from
    // (its relative exec task paths; RunRow::baseDir). Empty: this process's
    // working directory, where flowrun was given the .flow file.
    std::string baseDir;
};

// work(): a long-running worker over the whole database.
struct WorkOptions {
    bool untilIdle = false; // return once no run can make progress without outside input
    size_t batch = 256;     // runs per transaction (group commit) and timers per query
};
struct WorkStats {
    uint64_t activations = 0, commits = 0, timersFired = 0, loads = 0, evictions = 0;
    uint64_t claimed = 0; // runs nobody drove that this worker picked up
    size_t maxResident = 0;
    // Lag of each fired sleep timer: fire time - due time (ms), in order.
    std::vector<int64_t> timerLagMs;
};

// A trigger of a stored module (docs/events.md).
struct TriggerInfo {
    std::string key;        // its consumer key: "<file>:<type>#<n>"
    std::string eventType;  // the `on "type"` it listens to
    std::string moduleHash; // the module declaring it
    std::string where;      // "file:line" of the `on`
};

struct RunOutcome {
    std::string runId;
    store::RunStatus status = store::RunStatus::Running;
    std::string resultJson; // completed
    std::string errorJson;  // failed/cancelled: {"name","message","stack"}
    bool stopped = false;   // drive() returned because of the stop flag
};

class Engine {
public:
    explicit Engine(EngineOptions opts);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    store::Store& store();
    Clock& clock();

    // Verifies `bytes` (a .flowc image), stores it by content hash and
    // returns the hash (hex). Throws EngineError on a corrupt module.
    std::string storeModule(std::span<const uint8_t> bytes, std::string_view source);
    // The workflow names a stored module exports (all of them).
    std::vector<std::string> workflowsOf(std::string_view moduleHash);

    // Creates a run and commits its first boundary (top-level code run, the
    // workflow started up to its first wait). Returns the run id. Throws
    // EngineError for an unknown workflow or bad input JSON.
    std::string startRun(const StartRequest& req);

    // Drives `runId` — and the child runs it starts — until it finishes, or
    // until *stop becomes true (Ctrl-C): then everything committed so far
    // stays, running task attempts are killed (they re-run on resume), and
    // the outcome has stopped = true. Resumes from the latest snapshot when
    // the run is not loaded in this process.
    RunOutcome drive(const std::string& runId, const std::atomic<bool>* stop = nullptr);

    // Works on every run in the database until *stop (or, with untilIdle,
    // until nothing can progress without outside input): fires due timers
    // (loading runs from their snapshots), delivers signals, claims the runs
    // nobody drives that need a worker (Store::claimableRuns), runs tasks and
    // retries, commits ready runs together, and drops idle runs from memory
    // (parked: their timers and signals bring them back).
    WorkStats work(const std::atomic<bool>* stop, const WorkOptions& o = {});

    // Delivers a signal (stored; the run picks it up when it waits for it).
    void signal(const std::string& runId, std::string_view name, std::string_view payloadJson);
    // Requests cancellation: the run's pending waits and tasks fail with a
    // "Cancelled" error (finally blocks run) the next time it is driven.
    void cancel(const std::string& runId);

    // ---- deployments and triggers (DESIGN §5, docs/events.md)
    // Verifies and stores the module and makes it the current version of each
    // of its workflows; its triggers become the active ones for those
    // workflows' module (runs in flight keep their module). Returns the hash.
    std::string deploy(std::span<const uint8_t> bytes, std::string_view source);
    // Starts a run of the deployed version of `workflow` (EngineError, exit 2,
    // when none is deployed). Not resident: work() drives it.
    std::string startDeployed(const std::string& workflow, const std::string& inputJson);
    // Hands the events appended since the last dispatch to the active
    // triggers: each matching event starts exactly one run per trigger
    // (deduplicated by event id, also across processes), recorded as the
    // event's consumer; a trigger that fails is recorded too. Returns the
    // number of runs started. work() calls it on every turn.
    size_t dispatchTriggers(size_t limit = 256);
    // The triggers a stored module declares, and the active ones (those of
    // the deployed modules; per key, the most recently deployed module's).
    std::vector<TriggerInfo> triggersOf(std::string_view moduleHash);
    std::vector<TriggerInfo> activeTriggers();

    // ---- flowrun test (docs/testing.md): one process owns every run it
    // starts (they stay loaded) and the clock is usually virtual.
    // Runs every loaded run until none can move at the clock's current time:
    // ready activations, task attempts (mocked, builtin, or real processes,
    // which are waited for), signals, events, child results, cancel requests,
    // and whatever falls due at this instant. More than maxActivations run
    // activations (0: no limit) throw EngineError: runs that loop on task
    // calls without ever waiting on the clock would otherwise never settle.
    void settle(uint64_t maxActivations = 0);
    // The earliest due time among the loaded unfinished runs (timers, retry
    // back-offs, wait and workflow timeouts, delayed mock results).
    std::optional<int64_t> nextDue();
    // The loaded unfinished runs and what each waits for (status JSON array).
    std::vector<std::pair<std::string, std::string>> waitingRuns();

    // flowrun replay (Replay.h): re-executes the recorded inputs of run
    // `runId` against `moduleBytes` (empty: the run's own pinned module).
    ReplayReport replay(const std::string& runId, std::span<const uint8_t> moduleBytes);

    struct Impl;
    // For the engine's own components (Testing, Replay): Impl is defined only
    // in the engine's private EngineImpl.h.
    Impl& impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

// A fresh run id: "r-" and 16 random hex digits.
std::string newRunId();

} // namespace flow::engine
