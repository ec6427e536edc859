// Load.cpp — bringing a run into memory: its module (verified, cached by
// hash), a Vm, and either a fresh start (no boundary committed yet) or the
// latest snapshot plus the op state rebuilt from the store's rows. Nothing
// is replayed: the snapshot is the run's state.
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "EngineImpl.h"
#include "flow/bytecode/Reader.h"
#include "flow/vm/Snapshot.h"

namespace flow::engine {

std::string dirName(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::optional<std::string> workingDir() {
    std::error_code ec;
    auto p = std::filesystem::current_path(ec);
    if (ec) return std::nullopt;
    return p.string();
}

std::string taskBaseDir(const std::optional<std::string>& runBaseDir, const std::string& source) {
    std::string dir = dirName(source);
    if (!runBaseDir || (!dir.empty() && dir[0] == '/')) return dir;
    return (std::filesystem::path(*runBaseDir) / dir).lexically_normal().string();
}

std::shared_ptr<LoadedModule> Engine::Impl::module(const std::string& hash) {
    if (auto it = modules.find(hash); it != modules.end()) return it->second;
    auto bytes = store->getModule(hash);
    if (!bytes) throw EngineError("module " + hash.substr(0, 12) + " is not in the database", 1);
    bytecode::LoadResult r = bytecode::readModule(*bytes);
    if (!r.ok())
        throw EngineError(
            "module " + hash.substr(0, 12) + " in the database is corrupt: " + r.error.str(), 1);
    auto m = std::make_shared<LoadedModule>();
    m->hash = hash;
    m->module = std::move(*r.module);
    for (const auto& t : m->module.tasks) {
        try {
            m->taskOptions.push_back(parseTaskOptions(m->module.str(t.optionsJson)));
        } catch (const std::exception& e) {
            throw EngineError("module " + hash.substr(0, 12) + ": task '" + m->module.str(t.name) +
                                  "' has bad options: " + e.what(),
                              1);
        }
    }
    modules[hash] = m;
    return m;
}

std::unique_ptr<vm::Vm> Engine::Impl::makeVm(const std::shared_ptr<LoadedModule>& m) {
    vm::VmOptions vo;
    vo.gcStress = opts.gcStress;
    vo.out = opts.out;
    vo.err = opts.err;
    vo.yieldAtBackEdges = opts.hardSnapshot;
    auto v = std::make_unique<vm::Vm>(vo);
    // Shared, not copied: every run's VM points at the one loaded module.
    v->load(std::shared_ptr<const bytecode::Module>(m, &m->module));
    return v;
}

int Engine::Impl::workflowIndex(const LoadedModule& m, const std::string& name) {
    const auto& ws = m.module.workflows;
    if (name.empty()) {
        if (ws.size() == 1) return 0;
        for (size_t i = 0; i < ws.size(); ++i)
            if (m.module.str(ws[i].name) == "main") return int(i);
        return -1;
    }
    for (size_t i = 0; i < ws.size(); ++i)
        if (m.module.str(ws[i].name) == name) return int(i);
    return -1;
}

// "pid@host": a lease held by a dead process on this host can be taken at
// once (kill -9 then `flowrun resume` must not wait for the lease to expire).
bool ownerIsDeadHere(const std::string& owner) {
    auto at = owner.find('@');
    if (at == std::string::npos) return false;
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    if (owner.substr(at + 1) != host) return false;
    long pid = std::strtol(owner.c_str(), nullptr, 10);
    if (pid <= 0) return false;
    if (::kill(pid_t(pid), 0) != 0) return errno == ESRCH;
    // A killed process stays a zombie until its parent reaps it (a parent that
    // was killed with it, like `timeout -s KILL`, leaves that to init): it holds
    // no lease any more. Linux: the state after "(comm)" in /proc/PID/stat.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() &&
           (text[close + 2] == 'Z' || text[close + 2] == 'X');
}

Live& Engine::Impl::load(const std::string& runId) {
    if (auto it = live.find(runId); it != live.end()) return *it->second;
    auto row = store->getRun(runId);
    if (!row) throw EngineError("no run '" + runId + "' in " + store->path());
    auto l = std::make_unique<Live>();
    l->id = runId;
    l->row = *row;
    if (row->status == store::RunStatus::Completed || row->status == store::RunStatus::Failed ||
        row->status == store::RunStatus::Cancelled) {
        l->finished = true;
        return *live.emplace(runId, std::move(l)).first->second;
    }
    int64_t t = now();
    if (!store->acquireLease(runId, opts.owner, t, kLeaseMs)) {
        auto again = store->getRun(runId);
        std::string owner = again && again->leaseOwner ? *again->leaseOwner : "?";
        if (!ownerIsDeadHere(owner) || !store->releaseLease(runId, owner) ||
            !store->acquireLease(runId, opts.owner, t, kLeaseMs))
            throw EngineError("run '" + runId + "' is being driven by another process (" + owner +
                              "); its lease expires within " + std::to_string(kLeaseMs / 1000) +
                              " s of that process stopping");
    }
    l->leased = true;
    l->mod = module(row->moduleHash);
    l->vm = makeVm(l->mod);
    std::optional<store::Snapshot> snap;
    try {
        snap = store->getSnapshot(runId);
    } catch (const store::StoreError& e) {
        store->releaseLease(runId, opts.owner);
        throw EngineError("run '" + runId + "' cannot be resumed: its snapshot row is damaged (" +
                              e.what() + ")",
                          1);
    }
    if (!snap) {
        l->fresh = true;
    } else {
        try {
            vm::restoreSnapshot(*l->vm, snap->bytes);
        } catch (const vm::SnapshotError& e) {
            store->releaseLease(runId, opts.owner);
            throw EngineError("run '" + runId + "' cannot be resumed: its snapshot is corrupt (" +
                                  e.what() + ")",
                              1);
        }
        rebuildOps(*l);
        // Stopped or killed between two time slices of a computation: its
        // next boundary goes on with the queued jobs.
        if (l->vm->hasJobs()) l->arrivals.push_back({});
    }
    // An error on an unfinished run: a cancel or the workflow timeout was
    // already applied (its finally blocks may be running): not again.
    // Which one the error says (Activation.cpp step): Timeout, marked
    // "cancelled" when a cancel was applied too; a cancel requested after the
    // timeout and not marked is still to be applied. (Deciding by
    // cancel_requested alone, a timed-out run resumed after a crash forgot
    // its timeout and could complete.)
    if (l->row.error && !isFinal(l->row.status)) {
        Json e = Json::parse(*l->row.error, nullptr, false);
        std::string name = e.is_object() ? e.value("name", "") : "";
        if (name == "Timeout") {
            l->timedOut = true;
            l->cancelSeen = e.value("cancelled", false);
        } else if (l->row.cancelRequested) {
            l->cancelSeen = true;
        } else {
            l->timedOut = true;
        }
    }
    // A cancel requested while no process drove the run: the first
    // activation applies it.
    if (l->row.cancelRequested && !l->cancelSeen) l->arrivals.push_back({});
    return *live.emplace(runId, std::move(l)).first->second;
}

// The op state of a restored run, from the snapshot's pending ops and the
// rows its boundaries committed (attempts, timers, history).
void Engine::Impl::rebuildOps(Live& l) {
    auto timers = store->timers(l.id);
    std::map<uint64_t, int64_t> cursors;
    // Event waits keep their cursor in their history row: the history is read
    // only when one is pending (resume must not cost more after more steps).
    bool anyEvent = false;
    for (const auto& [id, hop] : l.vm->ops())
        anyEvent |= hop.kind == vm::OpKind::Event;
    for (const auto& h : anyEvent ? store->history(l.id) : std::vector<store::HistoryRow>{}) {
        if (h.kind == "event.waiting" && h.detail) {
            Json d = Json::parse(*h.detail, nullptr, false);
            if (d.is_object() && d.contains("cursor")) cursors[uint64_t(h.step)] = d["cursor"];
        }
    }
    for (const auto& [id, hop] : l.vm->ops()) {
        OpState op;
        op.step = id;
        op.kind = hop.kind;
        op.index = hop.index;
        op.req = Json::parse(hop.json, nullptr, false);
        op.line = l.vm->lineOf(hop.fnIndex, hop.pc);
        op.where = l.vm->sourceLine(hop.fnIndex, hop.pc);
        const auto& m = l.mod->module;
        switch (hop.kind) {
        case vm::OpKind::Task: {
            op.name = m.str(m.tasks[hop.index].name);
            // Only this step's attempts: resume must not read the whole history.
            for (const auto& a : store->attempts(l.id, int64_t(id))) {
                op.attempt = a.attempt;
                op.attemptStartedAt = a.startedAt;
                if (a.status == store::AttemptStatus::Error && a.errorName)
                    op.errors.push_back(retryKey(*a.errorName, a.errorMessage.value_or("")));
                // An attempt that was running when the process stopped runs
                // again (at least once), with the same idempotency key.
                if (a.status == store::AttemptStatus::Running) l.toDispatch.push_back(id);
            }
            break;
        }
        case vm::OpKind::Signal:
        case vm::OpKind::Event:
            op.name = op.req.value(hop.kind == vm::OpKind::Signal ? "name" : "type", "");
            op.eventCursor = cursors.count(id) ? cursors[id] : 0;
            break;
        case vm::OpKind::Child: {
            op.name = op.req.value("workflow", "");
            op.childRun = op.req.value("runId", "");
            // A child that was running with its parent: drive it again too.
            auto child = store->getRun(op.childRun);
            if (child && !isFinal(child->status)) l.toStart.push_back(op.childRun);
            break;
        }
        default:
            break;
        }
        for (const auto& t : timers) {
            if (uint64_t(t.step) != id) continue;
            if (t.kind == store::TimerKind::Sleep || t.kind == store::TimerKind::Retry)
                op.due = t.dueAt;
            else if (t.kind == store::TimerKind::Timeout)
                op.timeoutAt = t.dueAt;
        }
        l.ops.emplace(id, std::move(op));
    }
    for (const auto& t : timers)
        if (t.kind == store::TimerKind::WorkflowTimeout) l.workflowTimeoutAt = t.dueAt;
}

} // namespace flow::engine
