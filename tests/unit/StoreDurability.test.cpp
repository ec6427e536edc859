// StoreDurability.test.cpp — deferred commits (Store::begin(Sync::Deferred)):
// visible at once, made durable by the background WAL fsync (one fsync for
// the commits made while the previous one ran), waited for by waitDurable();
// and the engine waiting for that fsync before a task attempt starts and
// before drive() returns (docs/store.md, "Group commit across time").
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "../../runtime/store/src/WalSyncer.h"
#include "StoreHelper.h"
#include "flow/bytecode/Writer.h"
#include "flow/compiler/Compiler.h"
#include "flow/engine/Engine.h"

using namespace store_test;

namespace {

// Every background fsync waits `ms` first, for the life of the object.
struct SyncDelay {
    explicit SyncDelay(int ms) {
        ::setenv("FLOW_TEST_SYNC_DELAY_MS", std::to_string(ms).c_str(), 1);
    }
    ~SyncDelay() { ::unsetenv("FLOW_TEST_SYNC_DELAY_MS"); }
    SyncDelay(const SyncDelay&) = delete;
    SyncDelay& operator=(const SyncDelay&) = delete;
};

void deferredSignal(Store& s, int n) {
    Store::Txn t = s.begin(Store::Sync::Deferred);
    s.addSignal("r1", "go", std::to_string(n), 3000 + n);
    t.commit();
}

} // namespace

TEST_CASE("Store: deferred commits are visible at once and durable after waitDurable") {
    TempDir t;
    auto s = seeded(t.file());
    SyncDelay delay(150);
    for (int i = 0; i < 5; ++i)
        deferredSignal(*s, i);
    // The first fsync is still sleeping: the later four wait for the next one.
    CHECK(s->pendingDurability() >= 4);
    Raw other(t.file()); // another connection sees the commits already
    CHECK(other.value("SELECT count(*) FROM signals") == "5");
    s->waitDurable();
    CHECK(s->pendingDurability() == 0);
    // One fsync for the first commit, one for the four made while it ran.
    CHECK(s->backgroundSyncs() >= 1);
    CHECK(s->backgroundSyncs() <= 2);
    // A plain transaction fsyncs inside its own COMMIT: nothing to wait for.
    uint64_t syncs = s->backgroundSyncs();
    {
        Store::Txn now = s->begin();
        s->addSignal("r1", "go", "9", 4000);
        now.commit();
    }
    CHECK(s->pendingDurability() == 0);
    CHECK(s->backgroundSyncs() == syncs);
}

TEST_CASE("Store: a rolled-back deferred transaction leaves nothing to sync") {
    TempDir t;
    auto s = seeded(t.file());
    {
        Store::Txn txn = s->begin(Store::Sync::Deferred);
        s->addSignal("r1", "go", "1", 3000);
    } // rolled back
    CHECK(s->pendingDurability() == 0);
    CHECK(s->backgroundSyncs() == 0);
    Raw other(t.file());
    CHECK(other.value("SELECT count(*) FROM signals") == "0");
    deferredSignal(*s, 2); // the store is usable, and defers again
    s->waitDurable();
    CHECK(s->backgroundSyncs() == 1);
}

TEST_CASE("Store: synchronous=NORMAL and :memory: never fsync in the background") {
    TempDir t;
    StoreOptions o;
    o.path = t.file();
    o.synchronousNormal = true;
    for (const std::string& path : {t.file(), std::string(":memory:")}) {
        o.path = path;
        auto s = Store::open(o);
        std::vector<uint8_t> bytes = {1};
        s->putModule(kHash, bytes, std::nullopt, 1);
        s->createRun(makeRun("r1"));
        deferredSignal(*s, 1);
        s->waitDurable();
        CHECK(s->backgroundSyncs() == 0);
        o.synchronousNormal = false; // :memory: with FULL: no WAL to sync either
    }
}

TEST_CASE("WalSyncer: a failed fsync fails every later wait; a deleted WAL is durable") {
    {
        flow::store::WalSyncer bad("/dev/null"); // fdatasync: EINVAL on a character device
        bad.noteCommit();
        CHECK_THROWS_WITH(bad.waitDurable(), doctest::Contains("cannot sync the WAL"));
        bad.noteCommit();
        CHECK_THROWS_WITH(bad.waitDurable(), doctest::Contains("cannot sync the WAL"));
    }
    TempDir t;
    flow::store::WalSyncer gone(t.file("flow.db-wal")); // checkpointed and deleted
    gone.noteCommit();
    gone.waitDurable();
    CHECK(gone.pending() == 0);
}

namespace {

// Records how many commits were not yet durable when each attempt started.
struct DurabilityProbe : flow::engine::TaskInterceptor {
    Store* store = nullptr;
    std::vector<uint64_t> pendingAtStart;
    std::optional<flow::engine::InterceptedAttempt>
    intercept(const flow::engine::AttemptInfo& a) override {
        pendingAtStart.push_back(store->pendingDurability());
        flow::engine::InterceptedAttempt r;
        r.resultJson = std::to_string(a.step);
        return r;
    }
};

const char* const kSteps = R"(
task work(n) = exec("./work.sh")
task echo(x) = builtin("echo")
workflow main() {
  let total = 0
  for (let i = 0; i < 3; i++) {
    await echo({ i })
    total += await work(i)
  }
  return total
}
)";

flow::engine::EngineOptions quietOn(const std::string& db) {
    flow::engine::EngineOptions o;
    o.dbPath = db;
    o.out = [](std::string_view) {};
    o.err = [](std::string_view) {};
    return o;
}

// Compiles `src` and stores its module: a request to start its workflow.
flow::engine::StartRequest storeSource(flow::engine::Engine& e, const char* src) {
    flow::compiler::CompileOptions co;
    std::string diags;
    auto c = flow::compiler::compileSource("test.flow", src, co,
                                           [&](std::string_view d) { diags += d; });
    INFO(diags);
    REQUIRE(c->module);
    flow::engine::StartRequest req;
    req.moduleHash = e.storeModule(flow::bytecode::writeModule(*c->module), src);
    return req;
}

// Compiles and stores `src`, starts its workflow and drives it to its end.
flow::engine::RunOutcome runToEnd(flow::engine::Engine& e, const char* src) {
    return e.drive(e.startRun(storeSource(e, src)));
}

} // namespace

TEST_CASE("Engine: a task attempt starts, and drive() returns, only once the commits are durable") {
    TempDir t;
    SyncDelay delay(60);
    auto probe = std::make_shared<DurabilityProbe>();
    flow::engine::EngineOptions o = quietOn(t.file());
    o.interceptor = probe;
    flow::engine::Engine e(o);
    probe->store = &e.store();
    auto out = runToEnd(e, kSteps);
    CHECK(out.status == RunStatus::Completed);
    CHECK(e.store().pendingDurability() == 0);
    // Each attempt (a mock stands for the real task, the builtin too)
    // followed a deferred commit whose fsync sleeps 60 ms: without the wait
    // it would have started with that commit pending.
    REQUIRE(probe->pendingAtStart.size() == 6);
    for (uint64_t p : probe->pendingAtStart)
        CHECK(p == 0);
    CHECK(e.store().backgroundSyncs() >= 3);
}

TEST_CASE("Engine: in-process boundaries share a transaction while an fsync is in flight") {
    TempDir t;
    SyncDelay delay(40); // far longer than 100 in-process steps take
    flow::engine::Engine e(quietOn(t.file()));
    auto out = runToEnd(e, R"(
task echo(x) = builtin("echo")
workflow main() {
  let sum = 0
  for (let i = 0; i < 100; i++) sum += (await echo(i)).x
  return sum
})");
    std::string id = out.runId;
    CHECK(out.status == RunStatus::Completed);
    CHECK(out.resultJson == "4950");
    CHECK(e.store().pendingDurability() == 0);
    // 100 boundaries, at most 64 per transaction and one transaction per
    // fsync: a handful of fsyncs, not 100.
    CHECK(e.store().backgroundSyncs() <= 4);
    // Every boundary is recorded, in order, exactly once.
    auto h = e.store().history(id);
    REQUIRE(!h.empty());
    size_t completed = 0;
    for (size_t i = 0; i < h.size(); ++i) {
        CHECK(h[i].seq == int64_t(i + 1));
        completed += h[i].kind == "task.completed";
    }
    CHECK(completed == 100);
    CHECK(h.back().kind == "run.completed");
}

TEST_CASE("Engine: the in-process steps of many runs share one transaction, run by run") {
    TempDir t;
    flow::engine::Engine e(quietOn(t.file())); // no fsync delay: nothing waits on the disk
    const char* src = R"(
task echo(x) = builtin("echo")
workflow main(n) {
  let sum = 0
  for (let i = 0; i < 10; i++) sum += (await echo(n * i)).x
  return sum
})";
    flow::engine::StartRequest req = storeSource(e, src);
    std::vector<std::string> ids;
    for (int n = 0; n < 20; ++n) {
        req.inputJson = std::to_string(n);
        ids.push_back(e.startRun(req));
    }
    flow::engine::WorkOptions wo;
    wo.untilIdle = true;
    flow::engine::WorkStats st = e.work(nullptr, wo);
    // 200 boundaries, well within one transaction's bounds (64 per run, 4,096
    // in all, 50 ms): not one commit per round of the 20 runs.
    CHECK(st.commits <= 3);
    for (int n = 0; n < 20; ++n) {
        auto row = e.store().getRun(ids[n]);
        REQUIRE(row);
        CHECK(row->status == RunStatus::Completed);
        CHECK(row->result.value_or("") == std::to_string(45 * n));
        // Each attempt was written once, finished (it started and ended in
        // the same transaction), and reads as a whole row.
        auto attempts = e.store().attempts(ids[n]);
        REQUIRE(attempts.size() == 10);
        for (size_t i = 0; i < attempts.size(); ++i) {
            CHECK(attempts[i].status == flow::store::AttemptStatus::Ok);
            CHECK(attempts[i].attempt == 1);
            CHECK(attempts[i].finishedAt.value_or(-1) >= attempts[i].startedAt);
            CHECK(attempts[i].result.value_or("") == "{\"x\":" + std::to_string(n * int(i)) + "}");
        }
    }
}

TEST_CASE("Engine: a builtin attempt pending when its transaction commits is stored as running") {
    // `flowrun start`: the first boundary commits, the attempts start on
    // resume. The attempt row must be in that commit, or resume would not
    // know the step had started.
    TempDir t;
    const char* src = R"(
task echo(x) = builtin("echo")
workflow main() {
  let sum = 0
  for (let i = 0; i < 100; i++) sum += (await echo(i)).x
  return sum
})";
    std::string id;
    {
        flow::engine::EngineOptions o = quietOn(t.file());
        o.dispatchTasks = false;
        flow::engine::Engine e(o);
        id = e.startRun(storeSource(e, src));
        auto attempts = e.store().attempts(id);
        REQUIRE(attempts.size() == 1);
        CHECK(attempts[0].status == flow::store::AttemptStatus::Running);
        CHECK(!attempts[0].finishedAt);
    }
    // Resumed: 100 steps, so a chain stops at 64 boundaries with an attempt
    // started in the last one, applied by the next transaction.
    flow::engine::Engine e(quietOn(t.file()));
    auto out = e.drive(id);
    CHECK(out.status == RunStatus::Completed);
    CHECK(out.resultJson == "4950");
    auto attempts = e.store().attempts(id);
    REQUIRE(attempts.size() == 100);
    for (const auto& a : attempts)
        CHECK(a.status == flow::store::AttemptStatus::Ok);
}
