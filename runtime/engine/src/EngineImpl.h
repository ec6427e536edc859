#pragma once
// EngineImpl.h — the engine's internal state, shared by Engine.cpp (the
// public API and the drive loop), Activation.cpp (one durable boundary) and
// Load.cpp (bringing a run into memory: fresh, or from its snapshot).
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "VmReaper.h"
#include "flow/bytecode/Module.h"
#include "flow/engine/Engine.h"
#include "flow/engine/TaskPolicy.h"
#include "flow/store/Store.h"
#include "flow/tasks/Executor.h"
#include "flow/vm/Vm.h"

namespace flow::engine {

using Json = nlohmann::ordered_json;

// A verified module, shared by every run pinned to its hash.
struct LoadedModule {
    std::string hash;
    bytecode::Module module;
    std::vector<TaskOptions> taskOptions; // by TaskDecl index
};

// The engine's side of one pending HostOp.
struct OpState {
    uint64_t step = 0;
    vm::OpKind kind = vm::OpKind::Task;
    uint32_t index = 0;
    Json req;         // the op's request (HostOp::json)
    std::string name; // task / signal / event type / child workflow
    int64_t line = 0;
    std::string where; // "file:line" of the call
    // tasks
    int64_t attempt = 0; // the current attempt (1-based); 0 before the first
    bool inFlight = false;
    uint64_t execId = 0;
    int64_t attemptStartedAt = 0;
    // A builtin's attempt row is written when its result is applied, as one
    // finished row, if that happens in the transaction that started it (a
    // chain of in-process boundaries); else as `running` when the boundary
    // is saved (Engine::Impl::saveBoundary). One write instead of two.
    bool attemptUnwritten = false;
    std::vector<std::string> errors; // error names of the failed attempts
    // timers: a sleep's due time, or a task's next retry
    std::optional<int64_t> due;
    // signal / event waits
    std::optional<int64_t> timeoutAt;
    int64_t eventCursor = 0; // events with a larger id may satisfy the wait
    std::string childRun;
    // flowrun test: a mocked attempt's outcome, due at mockDue (virtual time).
    std::optional<int64_t> mockDue;
    tasks::TaskResult mockResult;
};

// Something that happened for a run, applied at its next activation.
struct Arrival {
    enum class Kind { TaskResult, TimerFired, RetryDue, WaitTimeout, Signal, Event, ChildDone };
    Kind kind = Kind::TimerFired;
    uint64_t step = 0;
    tasks::TaskResult task;
    store::SignalRow signal;
    store::EventRow event;
    store::RunRow child;
};

// A run loaded in this process.
struct Live {
    std::string id;
    store::RunRow row;
    std::shared_ptr<LoadedModule> mod;
    std::unique_ptr<vm::Vm> vm;
    std::map<uint64_t, OpState> ops;
    std::vector<Arrival> arrivals;
    uint64_t activations = 0; // in this process (seeds the arrival shuffle)
    size_t allocsAtGc = 0;    // vm->allocCount() at saveBoundary's last collection
    bool fresh = false;       // the first activation starts the workflow
    bool finished = false;    // completed / failed / cancelled (committed or about to be)
    // A cancel request, or the workflow timeout, has failed the run's waits
    // (its finally blocks are running). Both are kept in the run row's error
    // column while the run is unfinished, so a resumed run knows it too.
    bool cancelSeen = false;
    bool timedOut = false;
    bool leased = false; // this process holds the run's lease
    // The boundary's time slice ended with the workflow still computing
    // (EngineOptions::sliceMs): the run is ready again at once, its status
    // running, not waiting.
    bool computing = false;
    std::optional<std::chrono::steady_clock::time_point> sliceDeadline;
    std::optional<int64_t> workflowTimeoutAt;
    int64_t lastPoll = 0;
    // Effects that must wait for the commit of the boundary that records them.
    std::vector<uint64_t> toDispatch; // steps whose current attempt starts
    std::vector<uint64_t> toKill;     // executor ids to cancel
    std::vector<std::string> toStart; // child runs to load and start
    // History rows of the boundary being run, written together at its end
    // (Store::appendHistoryRows), in the same transaction.
    std::vector<store::HistoryRow> history;
};

struct Engine::Impl {
    EngineOptions opts;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<tasks::Executor> executor;
    std::map<std::string, std::shared_ptr<LoadedModule>> modules;
    std::map<std::string, std::unique_ptr<Live>> live;
    // Finished runs' VMs die there, off the driving thread (declared after
    // `live`: destroyed before it, joining its thread first).
    VmReaper reaper;
    struct ExecRef {
        std::string run;
        uint64_t step;
        int64_t attempt;
    };
    std::map<uint64_t, ExecRef> execs;
    uint64_t nextExecId = 1;

    int64_t now() { return opts.clock->nowMs(); }

    // Triggers.cpp: the active triggers and what dispatch has seen
    // (docs/events.md). shared_ptr: the type is complete only there.
    struct TriggerState;
    std::shared_ptr<TriggerState> triggers;

    // Crash-test hooks (tests/durability): FLOW_TEST_PAUSE_BEFORE_COMMIT=N /
    // FLOW_TEST_PAUSE_AT_COMMIT=N stop the process just before / just after
    // its Nth commit, announcing it on stderr, so a test can kill -9 it there.
    int64_t commits = 0, pauseBefore = 0, pauseAfter = 0;
    void commitHook(bool after);

    // Load.cpp
    std::shared_ptr<LoadedModule> module(const std::string& hash);
    std::unique_ptr<vm::Vm> makeVm(const std::shared_ptr<LoadedModule>& m);
    // A VM with its own copy of the module (for a module not in the cache).
    std::unique_ptr<vm::Vm> makeVm(const LoadedModule& m) {
        return makeVm(std::make_shared<LoadedModule>(m));
    }
    Live& load(const std::string& runId); // throws EngineError
    // A new run: its row, its workflow timeout, optionally a lease, and its
    // first boundary (top-level code, the workflow up to its first wait),
    // inside the caller's transaction. The run is live on return; on a throw
    // it is forgotten (the caller's transaction rolls the rows back).
    Live& createRun(const store::RunRow& row, std::shared_ptr<LoadedModule> m,
                    std::optional<int64_t> timeoutMs, bool lease);
    void rebuildOps(Live& l);
    int workflowIndex(const LoadedModule& m, const std::string& name); // -1: unknown

    // Loop.cpp
    void poll(Live& l);                  // signals, events, children, cancel
    void fireTimers(Live& l, int64_t t); // due timers -> arrivals
    std::optional<int64_t> nextDue(Live& l);
    // Loads the child runs the last boundaries started (Live::toStart).
    void loadStartedChildren();
    // After a boundary whose time slice ended (Live::computing): the write
    // lock stays free for a few milliseconds, so that a writer waiting for
    // it (Store's busy handler tries every millisecond) gets it before the
    // next slice. Without the gap, a computation of minutes in slices would
    // still keep every other process from writing.
    void sliceGap() { std::this_thread::sleep_for(std::chrono::milliseconds(3)); }
    // The loaded runs with something to do: a fresh start or arrivals.
    std::vector<Live*> readyRuns();
    void route(tasks::TaskResult r); // a task result -> its run's arrivals
    // Routes every task result already finished; true if there was one.
    bool routeFinished();
    // Drops an idle run from memory (its state is committed); false if busy.
    bool evict(Live& l);

    // Activation.cpp
    // Runs one boundary for each run (group commit) and then the effects
    // that follow the commit. On a store failure the runs are dropped from
    // memory (their committed state is intact) and EngineError is thrown.
    void activate(const std::vector<Live*>& runs);
    void step(Live& l); // runBoundary + saveBoundary
    // One boundary without its snapshot and run row (saveBoundary writes them).
    void runBoundary(Live& l);
    bool continuesInProcess(Live& l);
    void startFresh(Live& l);
    void runJobs(Live& l);
    void apply(Live& l, Arrival& a);
    bool schedule(Live& l, uint64_t id);
    void startAttempt(Live& l, OpState& op);
    void failOp(Live& l, OpState& op, const std::string& name, const std::string& message);
    void cleanupOp(Live& l, OpState& op);
    void finish(Live& l, store::RunStatus status, const std::string& resultJson,
                const std::string& errorJson);
    void checkOutcome(Live& l);
    void history(Live& l, const std::string& kind, uint64_t step, const std::string& name,
                 const Json& detail, int64_t line);
    // The same for a row about an op: its source position goes in the detail.
    void history(Live& l, const std::string& kind, uint64_t step, const std::string& name,
                 Json detail, const OpState& op);
    // The same with the detail's members before "where" given as JSON text
    // ("\"attempt\":2"; "" for none): the hot rows, without building a Json.
    void historyText(Live& l, const std::string& kind, uint64_t step, const std::string& name,
                     std::string_view members, const OpState& op);
    void completeOp(Live& l, uint64_t step, bool ok, const std::string& json);
    void saveBoundary(Live& l);
    // Starts what the committed boundary asked for (task attempts, kills).
    void afterCommit(Live& l);
    // Every commit so far is durable (Store::waitDurable; EngineError if not).
    void waitDurable();
    // flowrun test: asks the interceptor about op's current attempt; true
    // when a mock decided it (its result then arrives, possibly later).
    bool intercept(Live& l, OpState& op);
    void shuffleArrivals(Live& l);
    // What the run waits for (runs.waiting, `flowrun status`): a JSON array.
    std::string waitingText(Live& l);
    std::string errorJson(vm::Vm& vm, vm::Value e);
};

// How long a lease lasts unless renewed (a driving engine renews it at every poll).
inline constexpr int64_t kLeaseMs = 15000;

// The lease owner "PID...@HOST" names a process of this host that is gone.
bool ownerIsDeadHere(const std::string& owner);

inline bool isFinal(store::RunStatus s) {
    return s == store::RunStatus::Completed || s == store::RunStatus::Failed ||
           s == store::RunStatus::Cancelled;
}

// The tasks performed in-process (docs/tasks.md): echo, noop, fail.
tasks::TaskResult runBuiltinTask(const std::string& name, const Json& args);
// {"name", "message", ...extra}: the error JSON Vm::completeOp takes.
std::string jsonError(const std::string& name, const std::string& message,
                      const Json& extra = Json::object());

// The directory part of a path ("" -> ".").
std::string dirName(const std::string& path);
// The process's working directory, absolute (RunRow::baseDir of the runs it
// starts); nullopt when it cannot be told (deleted).
std::optional<std::string> workingDir();
// Where a relative exec task path of source file `source` starts: the
// source's directory, under the run's base directory when it has one.
std::string taskBaseDir(const std::optional<std::string>& runBaseDir, const std::string& source);

} // namespace flow::engine
