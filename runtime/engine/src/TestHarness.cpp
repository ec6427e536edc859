// TestHarness.cpp — runs one `test` block (Testing.h): the test's VM is the
// engine's client; the runs it starts are real runs of the engine on an
// in-memory SQLite database, under a virtual clock, with mocked tasks.
#include "TestHarness.h"

#include <chrono>

#include "flow/bytecode/Reader.h"
#include "flow/vm/Json.h"
#include "flow/vm/Natives.h"

namespace flow::engine {

namespace {

// "Name: message" and the Flow stack trace of a thrown value.
std::string describeThrown(vm::Vm& v, vm::Value e) {
    using namespace vm;
    HandleScope hs(v);
    hs.add(e);
    try {
        if (isObjectLike(e)) {
            Value st = v.getNamed(e, v.names.stack);
            if (isString(st)) return std::string(asString(st)->view());
            Value nm = v.getNamed(e, v.names.name), msg = v.getNamed(e, v.names.message);
            if (isString(nm)) {
                std::string m = msg.isUndefined() ? "" : toStdString(v, msg);
                return toStdString(v, nm) + (m.empty() ? "" : ": " + m);
            }
        }
        return "thrown: " + inspectValue(v, e);
    } catch (ThrowSignal&) {
        v.takeException();
        return "(an error whose description threw)";
    }
}

std::string describeWait(const Json& w) {
    std::string kind = w.value("kind", "");
    std::string name = w.value("name", "");
    std::string what;
    if (kind == "signal")
        what = "signal \"" + name + "\"";
    else if (kind == "event")
        what =
            "event \"" + name + "\"" +
            (w.contains("match") && !w["match"].is_null() ? " matching " + w["match"].dump() : "");
    else if (kind == "task")
        what = "task " + name + " (attempt " + std::to_string(w.value("attempt", 0)) + ")";
    else if (kind == "child")
        what = "child run " + w.value("run", "") + " (" + name + ")";
    else
        what = kind + (name.empty() ? "" : " " + name);
    return what + " at " + w.value("where", "?");
}

} // namespace

Json parseOr(const std::string& s, Json dflt) {
    Json j = Json::parse(s, nullptr, false);
    return j.is_discarded() ? dflt : j;
}

void Harness::flush() {
    for (uint64_t id : vm->takeNewOps()) {
        const vm::HostOp* op = vm->findOp(id);
        if (!op) continue;
        Json req = parseOr(op->json, Json::object());
        int64_t t = clock->nowMs();
        switch (op->kind) {
        case vm::OpKind::Child: {
            StartRequest r;
            r.moduleHash = moduleHash;
            r.workflow = req.value("workflow", "");
            r.argsJson = req.contains("args") ? req["args"].dump() : "[]";
            r.runId = req.value("runId", "");
            if (req["options"].is_object() && req["options"]["timeout"].is_number())
                r.timeoutMs = int64_t(req["options"]["timeout"].get<double>());
            // A test may look at a failed run through h.status()/h.error()
            // and never await h.result: that rejection is not "unhandled".
            op->promise->handled = true;
            try {
                engine->startRun(r);
                testOps[id] = {TestOp::Kind::Child, r.runId, std::nullopt, true, ""};
            } catch (const EngineError& e) {
                vm->completeOp(id, false, jsonError("StartFailed", e.what()));
            }
            break;
        }
        case vm::OpKind::Timer: {
            int64_t due = req.contains("until") ? int64_t(req["until"].get<double>())
                                                : t + int64_t(req.value("ms", 0.0));
            testOps[id] = {TestOp::Kind::Timer, "", due, true, ""};
            break;
        }
        case vm::OpKind::Emit: {
            std::string payload = req.contains("payload") ? req["payload"].dump() : "null";
            int64_t ev = engine->store().appendEvent(req.value("type", ""), payload, t);
            vm->completeOp(id, true, std::to_string(ev));
            break;
        }
        case vm::OpKind::Send: {
            std::string payload = req.contains("payload") ? req["payload"].dump() : "null";
            try {
                engine->signal(req.value("runId", ""), req.value("name", ""), payload);
                vm->completeOp(id, true, "null");
            } catch (const EngineError& e) {
                vm->completeOp(id, false, jsonError("RunNotFound", e.what()));
            }
            break;
        }
        case vm::OpKind::Task: {
            const auto& m = mod->module;
            const bytecode::TaskDecl& d = m.tasks[op->index];
            AttemptInfo a;
            a.runId = "test";
            a.step = id;
            a.task = m.str(d.name);
            a.taskIndex = op->index;
            a.argsJson = req.contains("args") ? req["args"].dump() : "{}";
            a.timeoutMs = mod->taskOptions[op->index].timeoutMs;
            if (auto r = intercept(a)) {
                TestOp o{TestOp::Kind::Task, "", clock->nowMs() + r->delayMs, r->ok,
                         r->ok ? r->resultJson : jsonError(r->errorName, r->errorMessage)};
                testOps[id] = o;
            } else if (d.kind == bytecode::TaskKind::Builtin) {
                tasks::TaskResult b =
                    runBuiltinTask(m.str(d.target), parseOr(a.argsJson, Json::object()));
                vm->completeOp(id, b.ok,
                               b.ok ? b.resultJson : jsonError(b.errorName, b.errorMessage));
            } else {
                vm->completeOp(id, false,
                               jsonError("TypeError", "a test calls task '" + a.task +
                                                          "' directly: mock it first (mock(" +
                                                          a.task +
                                                          ", ...)), or call it from a "
                                                          "workflow the test starts"));
            }
            break;
        }
        case vm::OpKind::Signal:
        case vm::OpKind::Event:
            vm->completeOp(
                id, false,
                jsonError(
                    "TypeError",
                    std::string(op->kind == vm::OpKind::Signal ? "signal()" : "waitForEvent()") +
                        " waits inside a workflow run, not in a test: a test "
                        "sends signals with h.signal(name, payload) and "
                        "injects events with emit(type, payload)"));
            break;
        }
    }
}

bool Harness::completeReady() {
    bool any = false;
    int64_t t = clock->nowMs();
    for (auto it = sleeps.begin(); it != sleeps.end();) {
        if (it->due > t) {
            ++it;
            continue;
        }
        vm::Value& slot = vm->hostRoots[it->root];
        vm->resolvePromise(static_cast<vm::Promise*>(slot.asObject()), vm::Value::undefined());
        slot = vm::Value::undefined();
        it = sleeps.erase(it);
        any = true;
    }
    for (auto it = testOps.begin(); it != testOps.end();) {
        TestOp& o = it->second;
        bool done = false;
        if (o.kind == TestOp::Kind::Child) {
            // A run still loaded and unfinished needs no look at the store.
            auto& live = engine->impl().live;
            if (auto l = live.find(o.run); l != live.end() && !l->second->finished) {
                ++it;
                continue;
            }
            auto row = engine->store().getRun(o.run);
            if (row && isFinal(row->status)) {
                bool ok = row->status == store::RunStatus::Completed;
                vm->completeOp(it->first, ok,
                               ok ? row->result.value_or("null")
                                  : row->error.value_or(jsonError("RunFailed", "the run failed")));
                done = true;
            }
        } else if (o.due && *o.due <= t) {
            vm->completeOp(it->first, o.kind == TestOp::Kind::Timer ? true : o.ok,
                           o.kind == TestOp::Kind::Timer ? "null" : o.json);
            done = true;
        }
        if (done) {
            it = testOps.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

void Harness::sync() {
    for (;;) {
        vm->runContext().nowMs = clock->nowMs();
        flush();
        engine->settle(opts.maxStepsPerInstant);
        if (!completeReady()) return;
        // What the test awaited is settled; its reactions run when the test
        // VM next runs its jobs (not here: this may be inside a native).
    }
}

std::optional<int64_t> Harness::nextDue() {
    std::optional<int64_t> d = engine->nextDue();
    for (auto& [id, o] : testOps)
        if (o.due && (!d || *o.due < *d)) d = o.due;
    for (const auto& s : sleeps)
        if (!d || s.due < *d) d = s.due;
    return d;
}

void Harness::jump(int64_t t) {
    if (++firings > opts.maxTimerFirings)
        throw TestAbort("the virtual clock fired more than " +
                        std::to_string(opts.maxTimerFirings) +
                        " times without the test finishing (a workflow that sleeps in an "
                        "endless loop?)");
    clock->advanceTo(t);
}

void Harness::advanceTo(int64_t target) {
    for (;;) {
        sync();
        auto d = nextDue();
        if (!d || *d > target) break;
        jump(*d);
    }
    clock->advanceTo(target);
    sync();
}

void Harness::runUntilIdle() {
    for (;;) {
        sync();
        auto d = nextDue();
        if (!d) return;
        jump(*d);
    }
}

std::string Harness::deadlockReport() {
    std::string out = "deadlock: the test awaits something that nothing left can settle (no "
                      "timer, no task, no message is pending)";
    for (auto& [run, json] : engine->waitingRuns()) {
        auto row = engine->store().getRun(run);
        out += "\n  run " + run + " (" + (row ? row->workflow : "?") + ") waits for:";
        Json w = parseOr(json, Json::array());
        if (w.empty()) out += " nothing (it awaits a promise that nothing can settle)";
        for (const auto& e : w)
            out += "\n    " + describeWait(e);
    }
    return out;
}

// ---- TestModule

struct TestModule::Impl {
    std::vector<uint8_t> bytes;
    bytecode::Module module;
    std::vector<Test> tests;
    // One engine per file (per hardSnapshot/gcStress choice): a test starts
    // from Store::clearRuns() — a database as new — and a reset clock, while
    // the connection, its prepared statements and the loaded module stay.
    std::shared_ptr<VirtualClock> clock;
    std::unique_ptr<Engine> engine;
    bool hardSnapshot = false, gcStress = false;
    std::string hash;
    std::shared_ptr<LoadedModule> mod;
    std::string* sink = nullptr; // the running test's console output

    Engine& engineFor(const TestOptions& o);
    void deployTriggers();
};

Engine& TestModule::Impl::engineFor(const TestOptions& o) {
    if (engine && hardSnapshot == o.hardSnapshot && gcStress == o.gcStress) {
        Engine::Impl& I = engine->impl();
        for (auto& [id, l] : I.live)
            for (auto& [step, op] : l->ops)
                if (op.inFlight && op.execId) I.executor->cancel(op.execId);
        I.live.clear();
        I.execs.clear();
        I.store->clearRuns();
        clock->reset(kTestEpochMs);
        // The event log was cleared with the trigger positions: deploy again,
        // so the triggers start at the (empty) log's beginning.
        I.triggers.reset();
        deployTriggers();
        return *engine;
    }
    engine.reset();
    clock = std::make_shared<VirtualClock>(kTestEpochMs);
    EngineOptions eo;
    eo.dbPath = ":memory:";
    eo.clock = clock;
    eo.hardSnapshot = hardSnapshot = o.hardSnapshot;
    eo.gcStress = gcStress = o.gcStress;
    eo.owner = "flowrun-test";
    eo.boundarySnapshots = false;
    eo.sliceMs = 0; // virtual time: a test's steps do not depend on the machine's speed
    eo.out = [this](std::string_view s) {
        if (sink) *sink += s;
    };
    eo.err = eo.out;
    engine = std::make_unique<Engine>(eo);
    hash = engine->storeModule(bytes, "");
    mod = engine->impl().module(hash);
    deployTriggers();
    return *engine;
}

// The module's triggers (`on "type" (e) => ...`) react to the events a test
// emits, and to those its runs emit, as under `flowrun work`: the module is
// deployed on the test's database and Engine::settle dispatches.
void TestModule::Impl::deployTriggers() {
    if (!module.triggers.empty()) engine->deploy(bytes, "");
}

TestModule::TestModule(std::span<const uint8_t> bytes) : impl_(std::make_unique<Impl>()) {
    impl_->bytes.assign(bytes.begin(), bytes.end());
    bytecode::LoadResult r = bytecode::readModule(bytes);
    if (!r.ok()) throw EngineError("not a valid module: " + r.error.str(), 2);
    impl_->module = std::move(*r.module);
    const auto& m = impl_->module;
    for (const auto& t : m.tests) {
        Test x;
        x.name = m.str(t.name);
        x.file = t.source < m.sources.size() ? m.str(m.sources[t.source].path) : "?";
        x.line = t.line;
        impl_->tests.push_back(std::move(x));
    }
}

TestModule::~TestModule() = default;

const std::vector<TestModule::Test>& TestModule::tests() const {
    return impl_->tests;
}

TestOutcome TestModule::run(size_t index, const TestOptions& o) {
    auto t0 = std::chrono::steady_clock::now();
    TestOutcome out;
    auto h = std::make_shared<Harness>();
    std::string failure;
    impl_->sink = &out.output;
    try {
        Engine& engine = impl_->engineFor(o);
        engine.impl().opts.interceptor = h;
        engine.impl().opts.arrivalSeed = o.seed;
        h->engine = &engine;
        h->clock = impl_->clock.get();
        h->opts = o;
        h->start = h->clock->nowMs();
        h->moduleHash = impl_->hash;
        h->mod = impl_->mod;
        h->vm = engine.impl().makeVm(h->mod);
        vm::Vm& v = *h->vm;
        v.host = h.get();
        v.setRunId("test");
        v.runContext().nowMs = h->clock->nowMs();
        installTestNatives(*h);
        vm::Completion init = v.runInits();
        if (!init.ok) {
            failure = "the module's top-level code failed: " + describeThrown(v, init.value);
        } else {
            vm::Promise* p = v.startTest(uint32_t(index));
            v.hostRoots.push_back(vm::Value::object(p));
            for (;;) {
                v.runContext().nowMs = h->clock->nowMs();
                v.runJobs();
                if (!h->abort.empty()) throw TestAbort(h->abort);
                h->flush();
                if (v.hasJobs()) continue;
                if (p->state != vm::PromiseState::Pending) break;
                h->sync();
                if (v.hasJobs()) continue;
                auto d = h->nextDue();
                if (!d) throw TestAbort(h->deadlockReport());
                h->jump(*d);
            }
            if (!h->abort.empty())
                failure = h->abort;
            else if (p->state == vm::PromiseState::Rejected)
                failure = describeThrown(v, p->result);
            else if (auto r = v.takeUnhandledRejection())
                failure = "unhandled rejection in the test: " + describeThrown(v, *r);
        }
        out.virtualMs = h->clock->nowMs() - h->start;
    } catch (const TestAbort& e) {
        failure = e.what();
    } catch (const EngineError& e) {
        failure = std::string("engine error: ") + e.what();
        impl_->engine.reset(); // start the next test on a new one
    } catch (const std::exception& e) {
        failure = std::string("internal error: ") + e.what();
        impl_->engine.reset();
    }
    // The test VM goes before the engine forgets the interceptor (its
    // natives point at the harness).
    if (impl_->engine) impl_->engine->impl().opts.interceptor.reset();
    h->vm.reset();
    impl_->sink = nullptr;
    out.passed = failure.empty();
    out.failure = failure;
    out.ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

} // namespace flow::engine
