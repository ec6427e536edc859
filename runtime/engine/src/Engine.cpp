// Engine.cpp — the engine's public API and the drive loop: activate the runs
// that have something to do (one transaction for all of them), then wait for
// the next thing to happen — a task result, a due timer, or the poll interval
// after which signals, events, child results and cancel requests made by
// other processes are looked up in the store.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "EngineImpl.h"
#include "flow/bytecode/Reader.h"

namespace flow::engine {

using store::RunStatus;

int64_t SystemClock::nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void SystemClock::sleepMs(int64_t ms) {
    if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::string newRunId() {
    unsigned char b[8] = {};
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ::read(fd, b, sizeof b) == ssize_t(sizeof b);
    if (fd >= 0) ::close(fd);
    if (!ok) {
        auto t = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
        t ^= uint64_t(::getpid()) << 32;
        for (int i = 0; i < 8; ++i)
            b[i] = (unsigned char)(t >> (8 * i));
    }
    char out[20];
    std::snprintf(out, sizeof out, "r-%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
                  b[4], b[5], b[6], b[7]);
    return out;
}

namespace {
bool isFinal(RunStatus s) {
    return s == RunStatus::Completed || s == RunStatus::Failed || s == RunStatus::Cancelled;
}
} // namespace

Engine::Engine(EngineOptions opts) : impl_(std::make_unique<Impl>()) {
    if (!opts.clock) opts.clock = std::make_shared<SystemClock>();
    if (opts.owner.empty()) {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        opts.owner = std::to_string(::getpid()) + "@" + host;
    }
    impl_->opts = std::move(opts);
    store::StoreOptions so;
    so.path = impl_->opts.dbPath;
    so.synchronousNormal = impl_->opts.synchronousNormal;
    so.busyTimeoutMs = impl_->opts.busyTimeoutMs;
    if (const char* b = std::getenv("FLOW_BUSY_TIMEOUT_MS"); b && *b) so.busyTimeoutMs = std::atoi(b);
    try {
        impl_->store = store::Store::open(so);
    } catch (const store::StoreError& e) {
        throw EngineError(e.what(), 2);
    }
    impl_->executor = std::make_unique<tasks::Executor>(impl_->opts.maxConcurrentTasks);
    if (const char* b = std::getenv("FLOW_TEST_PAUSE_BEFORE_COMMIT")) impl_->pauseBefore = std::atoll(b);
    if (const char* a = std::getenv("FLOW_TEST_PAUSE_AT_COMMIT")) impl_->pauseAfter = std::atoll(a);
}

Engine::~Engine() {
    // Runs still loaded here keep their committed state; release their leases
    // so another process can take them at once.
    for (auto& [id, l] : impl_->live) {
        if (!l->finished) {
            try {
                impl_->store->releaseLease(id, impl_->opts.owner);
            } catch (...) {
            }
        }
    }
    impl_->executor.reset(); // kills task processes still running
}

store::Store& Engine::store() {
    return *impl_->store;
}

Clock& Engine::clock() {
    return *impl_->opts.clock;
}

std::string Engine::storeModule(std::span<const uint8_t> bytes, std::string_view source) {
    bytecode::LoadResult r = bytecode::readModule(bytes);
    if (!r.ok()) throw EngineError("not a valid module: " + r.error.str(), 2);
    std::string hash = r.module->hashHex();
    if (hash.rfind("sha256:", 0) == 0) hash = hash.substr(7);
    impl_->store->putModule(hash, bytes, std::string(source), impl_->now());
    return hash;
}

std::vector<std::string> Engine::workflowsOf(std::string_view moduleHash) {
    auto m = impl_->module(std::string(moduleHash));
    std::vector<std::string> out;
    for (const auto& w : m->module.workflows)
        out.push_back(m->module.str(w.name));
    return out;
}

std::string Engine::startRun(const StartRequest& req) {
    Impl& I = *impl_;
    auto m = I.module(req.moduleHash);
    int wf = I.workflowIndex(*m, req.workflow);
    if (wf < 0) {
        std::string names;
        for (const auto& w : m->module.workflows)
            names += (names.empty() ? "" : ", ") + m->module.str(w.name);
        if (req.workflow.empty())
            throw EngineError(names.empty() ? "this module declares no workflow"
                                            : "this module declares several workflows and none "
                                              "is named 'main'; choose one with --workflow "
                                              "(available: " +
                                                  names + ")");
        throw EngineError("unknown workflow '" + req.workflow + "'; " +
                          (names.empty() ? "this module declares no workflow"
                                         : "available: " + names));
    }
    Json input = Json::parse(req.inputJson.empty() ? "null" : req.inputJson, nullptr, false);
    if (input.is_discarded()) throw EngineError("the input is not valid JSON");
    store::RunRow row;
    row.id = req.runId.empty() ? newRunId() : req.runId;
    row.workflow = m->module.str(m->module.workflows[size_t(wf)].name);
    row.moduleHash = req.moduleHash;
    row.status = RunStatus::Running;
    row.input = Json::array({input}).dump();
    row.parentRun = req.parentRun;
    row.triggerEvent = req.triggerEvent;
    row.createdAt = row.updatedAt = I.now();
    // The run row and its first boundary commit together: a crash leaves
    // either no run or a started one.
    auto l = std::make_unique<Live>();
    l->id = row.id;
    l->row = row;
    l->mod = m;
    l->vm = I.makeVm(*m);
    l->fresh = true;
    Live* lp = l.get();
    I.live[row.id] = std::move(l);
    try {
        store::Store::Txn txn = I.store->begin();
        I.store->createRun(row);
        I.store->acquireLease(row.id, I.opts.owner, I.now(), 15000);
        I.step(*lp);
        I.commitHook(false);
        txn.commit();
        I.commitHook(true);
    } catch (const EngineError&) {
        I.live.erase(row.id);
        throw;
    } catch (const std::exception& e) {
        I.live.erase(row.id);
        throw EngineError(std::string("cannot start the run: ") + e.what(), 1);
    }
    I.afterCommit(*lp);
    return row.id;
}

void Engine::signal(const std::string& runId, std::string_view name, std::string_view payload) {
    auto row = impl_->store->getRun(runId);
    if (!row) throw EngineError("no run '" + runId + "'");
    if (isFinal(row->status))
        throw EngineError("run '" + runId + "' has already " +
                          (row->status == RunStatus::Completed ? "completed" : "finished (" +
                               std::string(store::name(row->status)) + ")"));
    Json p = Json::parse(payload.empty() ? "null" : payload, nullptr, false);
    if (p.is_discarded()) throw EngineError("the signal payload is not valid JSON");
    impl_->store->addSignal(runId, name, p.dump(), impl_->now());
}

void Engine::cancel(const std::string& runId) {
    auto row = impl_->store->getRun(runId);
    if (!row) throw EngineError("no run '" + runId + "'");
    if (isFinal(row->status))
        throw EngineError("run '" + runId + "' has already finished (" +
                          std::string(store::name(row->status)) + ")");
    impl_->store->requestCancel(runId);
    if (auto it = impl_->live.find(runId); it != impl_->live.end())
        it->second->row.cancelRequested = true;
}

namespace {
// Looks in the store for what other processes may have delivered.
void poll(Engine::Impl& I, Live& l) {
    auto row = I.store->getRun(l.id);
    if (row && row->cancelRequested && !l.row.cancelRequested) {
        l.row.cancelRequested = true;
        l.arrivals.push_back({}); // an empty arrival: the activation sees the request
        l.arrivals.back().step = 0;
    }
    for (auto& [id, op] : l.ops) {
        if (op.kind == vm::OpKind::Signal) {
            auto pending = I.store->pendingSignals(l.id, op.name);
            if (!pending.empty()) {
                Arrival a;
                a.kind = Arrival::Kind::Signal;
                a.step = id;
                a.signal = pending.front();
                l.arrivals.push_back(a);
            }
        } else if (op.kind == vm::OpKind::Event) {
            store::EventFilter f;
            f.type = op.name;
            f.sinceId = op.eventCursor;
            f.limit = 200;
            for (const auto& ev : I.store->events(f)) {
                op.eventCursor = std::max(op.eventCursor, ev.id);
                Json payload = Json::parse(ev.payload, nullptr, false);
                bool ok = true;
                const Json& match = op.req["match"];
                if (match.is_object()) {
                    for (auto it = match.begin(); it != match.end() && ok; ++it)
                        ok = payload.is_object() && payload.contains(it.key()) &&
                             payload[it.key()] == it.value();
                }
                if (!ok) continue;
                Arrival a;
                a.kind = Arrival::Kind::Event;
                a.step = id;
                a.event = ev;
                l.arrivals.push_back(a);
                break;
            }
        } else if (op.kind == vm::OpKind::Child) {
            auto c = I.store->getRun(op.childRun);
            if (c && isFinal(c->status)) {
                Arrival a;
                a.kind = Arrival::Kind::ChildDone;
                a.step = id;
                a.child = *c;
                l.arrivals.push_back(a);
            }
        }
    }
}

// Timers that fell due, as arrivals.
void fireTimers(Engine::Impl& I, Live& l, int64_t t) {
    for (auto& [id, op] : l.ops) {
        if (op.due && *op.due <= t) {
            Arrival a;
            a.kind = op.kind == vm::OpKind::Task ? Arrival::Kind::RetryDue
                                                 : Arrival::Kind::TimerFired;
            a.step = id;
            op.due.reset(); // fired once; the activation deletes the row
            l.arrivals.push_back(a);
        }
        if (op.timeoutAt && *op.timeoutAt <= t) {
            Arrival a;
            a.kind = Arrival::Kind::WaitTimeout;
            a.step = id;
            op.timeoutAt.reset();
            l.arrivals.push_back(a);
        }
    }
    if (l.workflowTimeoutAt && *l.workflowTimeoutAt <= t && l.arrivals.empty())
        l.arrivals.push_back({}); // the activation fails the run
    (void)I;
}

std::optional<int64_t> nextDue(Live& l) {
    std::optional<int64_t> best;
    auto take = [&](std::optional<int64_t> v) {
        if (v && (!best || *v < *best)) best = v;
    };
    for (auto& [id, op] : l.ops) {
        take(op.due);
        take(op.timeoutAt);
    }
    take(l.workflowTimeoutAt);
    return best;
}

void route(Engine::Impl& I, tasks::TaskResult r) {
    auto it = I.execs.find(r.id);
    if (it == I.execs.end()) return;
    Engine::Impl::ExecRef ref = it->second;
    I.execs.erase(it);
    auto lit = I.live.find(ref.run);
    if (lit == I.live.end()) return;
    Live& l = *lit->second;
    auto op = l.ops.find(ref.step);
    if (op == l.ops.end() || op->second.attempt != ref.attempt || !op->second.inFlight) return;
    Arrival a;
    a.kind = Arrival::Kind::TaskResult;
    a.step = ref.step;
    a.task = std::move(r);
    l.arrivals.push_back(std::move(a));
}
} // namespace

RunOutcome Engine::drive(const std::string& runId, const std::atomic<bool>* stop) {
    Impl& I = *impl_;
    I.load(runId);
    for (;;) {
        // Children started by the last boundaries join the loop.
        std::vector<std::string> starts;
        for (auto& [id, l] : I.live) {
            for (auto& s : l->toStart)
                starts.push_back(s);
            l->toStart.clear();
        }
        for (auto& s : starts)
            I.load(s);

        Live& target = *I.live.at(runId);
        if (target.finished) {
            RunOutcome out;
            out.runId = runId;
            auto row = I.store->getRun(runId);
            if (row) {
                out.status = row->status;
                out.resultJson = row->result.value_or("");
                out.errorJson = row->error.value_or("{}");
            }
            std::erase_if(I.live, [](auto& kv) { return kv.second->finished; });
            return out;
        }
        if (stop && stop->load()) {
            for (auto& [id, l] : I.live)
                for (auto& [step, op] : l->ops)
                    if (op.inFlight) I.executor->cancel(op.execId);
            RunOutcome out;
            out.runId = runId;
            out.status = RunStatus::Waiting;
            out.stopped = true;
            for (auto& [id, l] : I.live)
                if (!l->finished) I.store->releaseLease(id, I.opts.owner);
            I.live.clear();
            I.execs.clear();
            return out;
        }

        // Activate every run that has something to do, in one transaction.
        std::vector<Live*> ready;
        for (auto& [id, l] : I.live)
            if (!l->finished && (l->fresh || !l->arrivals.empty())) ready.push_back(l.get());
        if (!ready.empty()) {
            I.activate(ready);
            continue;
        }
        // Attempts that were running when the run was last stopped.
        for (auto& [id, l] : I.live)
            if (!l->toDispatch.empty()) I.afterCommit(*l);

        // Wait for the next thing to happen.
        int64_t t = I.now();
        int64_t wait = I.opts.pollMs;
        for (auto& [id, l] : I.live)
            if (auto d = nextDue(*l)) wait = std::min(wait, std::max<int64_t>(0, *d - t));
        // Results already finished (inFlight() no longer counts them) first,
        // then wait for the next one, or just for time to pass.
        bool got = false;
        while (auto r = I.executor->wait(0)) {
            route(I, std::move(*r));
            got = true;
        }
        if (got) continue;
        if (I.executor->inFlight() > 0) {
            if (auto r = I.executor->wait(wait)) {
                route(I, std::move(*r));
                while (auto more = I.executor->wait(0))
                    route(I, std::move(*more));
            }
        } else if (wait > 0) {
            I.opts.clock->sleepMs(wait);
        }
        t = I.now();
        for (auto& [id, l] : I.live) {
            if (l->finished) continue;
            fireTimers(I, *l, t);
            if (t - l->lastPoll >= I.opts.pollMs) {
                l->lastPoll = t;
                poll(I, *l);
                I.store->acquireLease(id, I.opts.owner, t, 15000);
            }
        }
    }
}

} // namespace flow::engine
