// Loop.cpp — how runs are kept moving: drive() (one run and its children,
// for `flowrun run`/`resume`) and work() (every run of the database, for a
// long-running worker). Both activate the runs that have something to do in
// one transaction, then wait for the next thing to happen — a task result, a
// due timer, or the poll interval after which signals, events, child results
// and cancel requests made by other processes are looked up in the store.
#include <algorithm>

#include "EngineImpl.h"

namespace flow::engine {

using store::RunStatus;

// Looks in the store for what other processes may have delivered.
void Engine::Impl::poll(Live& l) {
    Impl& I = *this;
    auto row = I.store->getRun(l.id);
    if (row && row->cancelRequested && !l.cancelSeen) {
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
void Engine::Impl::fireTimers(Live& l, int64_t t) {
    for (auto& [id, op] : l.ops) {
        if (op.due && *op.due <= t) {
            Arrival a;
            a.kind =
                op.kind == vm::OpKind::Task ? Arrival::Kind::RetryDue : Arrival::Kind::TimerFired;
            a.step = id;
            op.due.reset(); // fired once; the activation deletes the row
            l.arrivals.push_back(a);
        }
        if (op.mockDue && *op.mockDue <= t) {
            Arrival a;
            a.kind = Arrival::Kind::TaskResult;
            a.step = id;
            a.task = std::move(op.mockResult);
            op.mockDue.reset();
            l.arrivals.push_back(std::move(a));
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
}

std::optional<int64_t> Engine::Impl::nextDue(Live& l) {
    std::optional<int64_t> best;
    auto take = [&](std::optional<int64_t> v) {
        if (v && (!best || *v < *best)) best = v;
    };
    for (auto& [id, op] : l.ops) {
        take(op.due);
        take(op.timeoutAt);
        take(op.mockDue);
    }
    take(l.workflowTimeoutAt);
    return best;
}

void Engine::Impl::route(tasks::TaskResult r) {
    Impl& I = *this;
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
void Engine::Impl::loadStartedChildren() {
    std::vector<std::string> starts;
    for (auto& [id, l] : live) {
        for (auto& s : l->toStart)
            starts.push_back(s);
        l->toStart.clear();
    }
    for (auto& s : starts)
        if (!live.count(s)) load(s);
}

bool Engine::Impl::routeFinished() {
    bool got = false;
    while (auto r = executor->wait(0)) {
        route(std::move(*r));
        got = true;
    }
    return got;
}

std::vector<Live*> Engine::Impl::readyRuns() {
    std::vector<Live*> ready;
    for (auto& [id, l] : live)
        if (!l->finished && (l->fresh || !l->arrivals.empty())) ready.push_back(l.get());
    return ready;
}

namespace {
// A time slice of one of these runs ended mid-computation (Live::computing).
bool anyComputing(const std::vector<Live*>& runs) {
    return std::any_of(runs.begin(), runs.end(), [](const Live* l) { return l->computing; });
}
} // namespace

RunOutcome Engine::drive(const std::string& runId, const std::atomic<bool>* stop) {
    Impl& I = *impl_;
    I.load(runId);
    bool adopted = false;
    // The loaded runs' due timers, and their polls (signals, events, child
    // results, cancel requests), which renew their leases.
    auto tick = [&](int64_t t) {
        for (auto& [id, l] : I.live) {
            if (l->finished) continue;
            I.fireTimers(*l, t);
            if (t - l->lastPoll >= I.opts.pollMs) {
                l->lastPoll = t;
                I.poll(*l);
                I.store->acquireLease(id, I.opts.owner, t, kLeaseMs);
            }
        }
    };
    for (;;) {
        I.loadStartedChildren();

        Live& target = *I.live.at(runId);
        // A finished run asked its unfinished children to cancel (finish ->
        // cleanupOp): they are loaded here and still have to apply it and run
        // their finally blocks. Returning now would leave them `waiting` with
        // the request, their finally blocks never run, until some other
        // process drives them (docs/runtime.md: a finished run leaves nothing
        // running behind it).
        auto childLeft = [&] {
            for (auto& [id, l] : I.live)
                if (!l->finished && id.size() > runId.size() &&
                    id.compare(0, runId.size(), runId) == 0 && id[runId.size()] == '.')
                    return true;
            return false;
        };
        if (target.finished && !adopted) {
            // Children (and their children) not loaded here that are still
            // unfinished — a crash stopped the process between this run's
            // end, or its cancel, and theirs; the run's wait on them is gone
            // with its end — are driven to their end too.
            adopted = true;
            std::vector<std::string> parents{runId};
            while (!parents.empty()) {
                store::RunFilter f;
                f.parentRun = parents.back();
                f.limit = 0;
                parents.pop_back();
                for (const auto& c : I.store->listRuns(f)) {
                    parents.push_back(c.id);
                    if (isFinal(c.status) || I.live.count(c.id)) continue;
                    try {
                        I.load(c.id);
                    } catch (const EngineError&) {
                        // driven by another process, which finishes it
                    }
                }
            }
            continue;
        }
        if (target.finished && !childLeft()) {
            I.waitDurable(); // the caller reports the outcome
            RunOutcome out;
            out.runId = runId;
            auto row = I.store->getRun(runId);
            if (row) {
                out.status = row->status;
                out.resultJson = row->result.value_or("");
                out.errorJson = row->error.value_or("{}");
            }
            std::erase_if(I.live, [](auto& kv) { return kv.second->finished; });
            I.reaper.drain(); // what drive() did is done when it returns
            return out;
        }
        if (stop && stop->load()) {
            for (auto& [id, l] : I.live)
                for (auto& [step, op] : l->ops)
                    if (op.inFlight) I.executor->cancel(op.execId);
            I.waitDurable();
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
        std::vector<Live*> ready = I.readyRuns();
        if (!ready.empty()) {
            I.activate(ready);
            // A run may be ready again at once, turn after turn: a time slice
            // ended mid-computation, or it awaits builtin tasks, whose results
            // are ready as soon as they are dispatched (a loop of them until a
            // timer or a task process sets a flag). What the wait below does
            // happens between its activations too — task results, due timers,
            // polls (signals, cancel requests) and the leases they renew — or
            // nothing else would move: the timer never fired, a cancel was
            // never seen, and the lease expired under a live driver.
            if (anyComputing(ready)) I.sliceGap();
            I.routeFinished();
            tick(I.now());
            continue;
        }
        // Attempts that were running when the run was last stopped.
        for (auto& [id, l] : I.live)
            if (!l->toDispatch.empty()) I.afterCommit(*l);

        // Wait for the next thing to happen.
        int64_t t = I.now();
        int64_t wait = I.opts.pollMs;
        for (auto& [id, l] : I.live)
            if (auto d = I.nextDue(*l)) wait = std::min(wait, std::max<int64_t>(0, *d - t));
        // Results already finished first, then wait for the next one, or
        // just for time to pass.
        if (I.routeFinished()) continue;
        if (I.executor->inFlight() > 0) {
            if (auto r = I.executor->wait(wait)) {
                I.route(std::move(*r));
                while (auto more = I.executor->wait(0))
                    I.route(std::move(*more));
            }
        } else if (wait > 0) {
            I.opts.clock->sleepMs(wait);
        }
        tick(I.now());
    }
}

bool Engine::Impl::evict(Live& l) {
    if (!l.finished) {
        if (!l.arrivals.empty() || !l.toDispatch.empty() || !l.toStart.empty() || l.fresh)
            return false;
        for (auto& [id, op] : l.ops) {
            // Tasks in flight report to this process; event and child waits
            // are found by polling loaded runs: those stay.
            if (op.inFlight || op.kind == vm::OpKind::Event || op.kind == vm::OpKind::Child)
                return false;
        }
        // Parked: it only waits for timers and signals, which every worker
        // finds by itself; no worker needs to claim it (Store::claimableRuns).
        // Also for a run started here without a lease (not resident).
        store->releaseLease(l.id, opts.owner, /*park=*/true);
    }
    std::string id = l.id; // l dies below
    live.erase(id);
    return true;
}

namespace {

constexpr int64_t kOwnerCheckMs = 1000;       // how often leases' owners are checked for life
constexpr int64_t kUnloadableRetryMs = 60000; // a run that failed to load is retried after this

// Claims the unfinished runs that no live process holds and that do not only
// wait for timers and signals (Store::claimableRuns: their lease is free or
// expired and they are not parked): a run whose process was killed with a
// task in flight or while it waited for an event or a child, a run another
// process started or stopped (`flowrun start`, POST /runs, Ctrl-C), a cancel
// request on a run nobody held. Leases of processes of this host that no
// longer exist (kill -9) are taken over at once, without waiting for them to
// expire (Impl::load). Returns the number of runs loaded.
template <class TryLoad>
uint64_t claimRuns(Engine::Impl& I, int64_t t, size_t batch, int64_t& lastOwnerCheck,
                   std::map<std::string, int64_t>& unloadable, TryLoad& tryLoad) {
    std::vector<std::string> ids = I.store->claimableRuns(t, int64_t(batch));
    if (t - lastOwnerCheck >= kOwnerCheckMs) {
        lastOwnerCheck = t;
        for (const std::string& owner : I.store->unparkedLeaseOwners(t))
            if (owner != I.opts.owner && ownerIsDeadHere(owner))
                for (auto& id : I.store->runsLeasedBy(owner, int64_t(batch)))
                    ids.push_back(std::move(id));
    }
    uint64_t n = 0;
    for (const std::string& id : ids) {
        if (I.live.count(id)) continue;
        if (auto u = unloadable.find(id); u != unloadable.end()) {
            if (t - u->second < kUnloadableRetryMs) continue;
            unloadable.erase(u);
        }
        if (tryLoad(id)) ++n;
    }
    return n;
}

// work(untilIdle): is a sleep or a retry back-off still to fall due? Runs that
// wait for a signal, an event or a child that waits too — even with a
// timeout — wait for outside input: a script's `work --until-idle` must not
// sit through their deadlines (a 24 h approval), so those timers do not count.
bool progressToCome(Engine::Impl& I) {
    if (I.store->nextTimerDue(/*progressOnly=*/true)) return true;
    for (auto& [id, l] : I.live) {
        if (l->finished) continue;
        for (auto& [step, op] : l->ops)
            if (op.due || op.mockDue) return true;
    }
    return false;
}

} // namespace

WorkStats Engine::work(const std::atomic<bool>* stop, const WorkOptions& o) {
    Impl& I = *impl_;
    WorkStats st;
    int64_t lastSignal = 0, lastOwnerCheck = 0;
    size_t batch = o.batch ? o.batch : 256;
    // Runs that could not be loaded (a damaged snapshot: `flowrun resume`
    // says why) are claimed again only after a while, not on every turn.
    std::map<std::string, int64_t> unloadable;
    auto tryLoad = [&](const std::string& id) -> Live* {
        if (auto it = I.live.find(id); it != I.live.end()) return it->second.get();
        try {
            Live& l = I.load(id);
            ++st.loads;
            return &l;
        } catch (const EngineError& e) {
            // Driven by another process (exit code 2), or unloadable.
            if (e.exitCode != 2) unloadable[id] = I.now();
            return nullptr;
        }
    };
    for (;;) {
        if (stop && stop->load()) {
            for (auto& [id, l] : I.live)
                for (auto& [step, op] : l->ops)
                    if (op.inFlight) I.executor->cancel(op.execId);
            for (auto& [id, l] : I.live)
                if (!l->finished) I.store->releaseLease(id, I.opts.owner);
            I.live.clear();
            I.execs.clear();
            I.waitDurable();
            return st;
        }
        // Events appended since the last turn go to the active triggers
        // (Triggers.cpp); the runs they start are loaded, and activated below.
        // Runs started may mean a backlog left for the next turn.
        size_t triggered = dispatchTriggers(batch);
        int64_t t = I.now();
        // Loading takes leases: one transaction for the whole batch, not a
        // commit (an fsync) per run.
        std::optional<store::Store::Txn> loading(I.store->begin());
        // Timers of the whole database that fell due (the runs may not be loaded).
        for (const auto& tr : I.store->dueTimers(t, int64_t(batch))) {
            Live* l = tryLoad(tr.runId);
            if (!l || l->finished) continue;
            if (tr.kind == store::TimerKind::WorkflowTimeout) {
                l->arrivals.push_back({});
                continue;
            }
            auto it = l->ops.find(uint64_t(tr.step));
            if (it == l->ops.end()) continue;
            OpState& op = it->second;
            Arrival a;
            a.step = op.step;
            if (tr.kind == store::TimerKind::Timeout && op.timeoutAt) {
                a.kind = Arrival::Kind::WaitTimeout;
                op.timeoutAt.reset();
            } else if (op.due && tr.kind != store::TimerKind::Timeout) {
                a.kind = tr.kind == store::TimerKind::Retry ? Arrival::Kind::RetryDue
                                                            : Arrival::Kind::TimerFired;
                if (tr.kind == store::TimerKind::Sleep) st.timerLagMs.push_back(t - *op.due);
                op.due.reset();
            } else {
                continue; // already fired by the loaded run's own clock
            }
            ++st.timersFired;
            l->arrivals.push_back(a);
        }
        // Signals sent to any run since the last look.
        for (const auto& sg : I.store->signalsSince(lastSignal, int64_t(batch))) {
            lastSignal = sg.id;
            if (sg.consumedStep) continue;
            if (Live* l = tryLoad(sg.runId); l && !l->finished) I.poll(*l);
        }
        // Loaded runs: their own timers, polls (renewing leases), children.
        std::vector<std::string> starts;
        for (auto& [id, l] : I.live) {
            if (l->finished) continue;
            size_t before = l->arrivals.size();
            I.fireTimers(*l, t);
            for (size_t k = before; k < l->arrivals.size(); ++k)
                if (l->arrivals[k].kind == Arrival::Kind::TimerFired) ++st.timersFired;
            if (t - l->lastPoll >= I.opts.pollMs) {
                l->lastPoll = t;
                I.poll(*l);
                I.store->acquireLease(id, I.opts.owner, t, kLeaseMs);
            }
            for (auto& s : l->toStart)
                starts.push_back(s);
            l->toStart.clear();
        }
        for (auto& s : starts)
            tryLoad(s);
        // Runs nobody drives that need a worker (see claimRuns).
        uint64_t claimed = claimRuns(I, t, batch, lastOwnerCheck, unloadable, tryLoad);
        st.claimed += claimed;
        loading->commit();
        loading.reset();
        // Results of task processes, every turn: runs that are ready turn
        // after turn (a loop of builtin tasks) must not hold back the results
        // of the others (the wait below routes them only on an idle turn).
        I.routeFinished();
        // Everything ready, in transactions of at most `batch` runs.
        std::vector<Live*> ready = I.readyRuns();
        bool computing = false;
        for (size_t k = 0; k < ready.size(); k += batch) {
            std::vector<Live*> group(ready.begin() + long(k),
                                     ready.begin() + long(std::min(ready.size(), k + batch)));
            I.activate(group);
            st.activations += group.size();
            ++st.commits;
            computing = anyComputing(group) || computing;
        }
        if (computing) I.sliceGap();
        st.maxResident = std::max(st.maxResident, I.live.size());
        for (auto& [id, l] : I.live)
            if (!l->toDispatch.empty()) I.afterCommit(*l);
        // Idle and finished runs leave memory (their leases released in one
        // transaction).
        std::vector<Live*> idle;
        for (auto& [id, l] : I.live)
            idle.push_back(l.get());
        if (!idle.empty()) {
            store::Store::Txn releasing = I.store->begin();
            for (Live* l : idle)
                if (I.evict(*l)) ++st.evictions;
            releasing.commit();
        }
        // Claimed runs are polled (events, cancel requests) on the next turn.
        if (!ready.empty() || triggered > 0 || claimed > 0) continue;

        if (I.routeFinished()) continue;
        std::optional<int64_t> next = I.store->nextTimerDue();
        for (auto& [id, l] : I.live)
            if (auto d = I.nextDue(*l); d && (!next || *d < *next)) next = d;
        if (o.untilIdle && I.executor->inFlight() == 0 && !progressToCome(I)) {
            I.waitDurable();
            I.reaper.drain();
            return st;
        }
        t = I.now();
        int64_t wait = I.opts.pollMs;
        if (next) wait = std::min(wait, std::max<int64_t>(0, *next - t));
        if (I.executor->inFlight() > 0) {
            if (auto r = I.executor->wait(wait)) I.route(std::move(*r));
        } else if (wait > 0) {
            I.opts.clock->sleepMs(wait);
        }
    }
}

// flowrun test's loop: everything at the current instant, nothing later.
void Engine::settle(uint64_t maxActivations) {
    Impl& I = *impl_;
    uint64_t activations = 0;
    for (;;) {
        I.loadStartedChildren();
        std::vector<Live*> ready = I.readyRuns();
        if (!ready.empty()) {
            activations += ready.size();
            if (maxActivations && activations > maxActivations)
                throw EngineError("the runs made more than " + std::to_string(maxActivations) +
                                      " steps at one instant of virtual time without settling "
                                      "(an endless loop of task calls that never waits on the "
                                      "clock?)",
                                  1);
            I.activate(ready);
            continue;
        }
        bool dispatched = false;
        for (auto& [id, l] : I.live)
            if (!l->toDispatch.empty()) {
                I.afterCommit(*l);
                dispatched = true;
            }
        if (dispatched) continue;
        if (I.routeFinished()) continue;
        if (I.executor->inFlight() > 0) {
            // Real task processes take real time, even under a virtual clock.
            if (auto r = I.executor->wait(I.opts.pollMs)) I.route(std::move(*r));
            continue;
        }
        int64_t t = I.now();
        bool any = false;
        for (auto& [id, l] : I.live) {
            if (l->finished) continue;
            I.fireTimers(*l, t);
            I.poll(*l);
            any |= !l->arrivals.empty() || !l->toStart.empty();
        }
        if (any) continue;
        // Events appended by the test or its runs, to the deployed triggers
        // (a handler may only emit: then the new events are dispatched too).
        // Only an engine that deployed something has triggers to look at:
        // the other tests do not pay two queries per instant.
        if (!I.triggers) return;
        int64_t events = I.store->lastEventId();
        if (dispatchTriggers() == 0 && I.store->lastEventId() == events) return;
    }
}

std::optional<int64_t> Engine::nextDue() {
    std::optional<int64_t> best;
    for (auto& [id, l] : impl_->live) {
        if (l->finished) continue;
        auto d = impl_->nextDue(*l);
        if (d && (!best || *d < *best)) best = d;
    }
    return best;
}

std::vector<std::pair<std::string, std::string>> Engine::waitingRuns() {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& [id, l] : impl_->live)
        if (!l->finished) out.emplace_back(id, impl_->waitingText(*l));
    return out;
}

} // namespace flow::engine
