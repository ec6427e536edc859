// StoreTables.test.cpp — the Store's per-table methods on a real SQLite file:
// modules, deployments, runs and leases, snapshots, history, timers, task
// attempts, signals and events.
#include <algorithm>

#include <doctest/doctest.h>

#include "StoreHelper.h"

using namespace store_test;

TEST_CASE("Store rows: closed-set names round-trip") {
    for (auto s : {RunStatus::Running, RunStatus::Waiting, RunStatus::Completed, RunStatus::Failed,
                   RunStatus::Cancelled})
        CHECK(parseRunStatus(name(s)) == s);
    for (auto k :
         {TimerKind::Sleep, TimerKind::Retry, TimerKind::Timeout, TimerKind::WorkflowTimeout})
        CHECK(parseTimerKind(name(k)) == k);
    for (auto s : {AttemptStatus::Running, AttemptStatus::Ok, AttemptStatus::Error,
                   AttemptStatus::Cancelled})
        CHECK(parseAttemptStatus(name(s)) == s);
    CHECK(parseConsumerKind("wait") == ConsumerKind::Wait);
    CHECK(name(TimerKind::WorkflowTimeout) == "workflow-timeout");
    CHECK(!parseRunStatus("Running"));
}

TEST_CASE("Store: jsonDepth, and values at kMaxJsonDepth fit the JSON columns") {
    CHECK(jsonDepth("1") == 0);
    CHECK(jsonDepth("[]") == 1);
    CHECK(jsonDepth(R"([{"a": [1]}, []])") == 3);
    CHECK(jsonDepth(R"(["[[[", "\"[[", {}])") == 2);      // brackets in strings, escaped quotes
    CHECK(jsonDepth(std::string(100000, '['), 10) == 10); // stops counting at stopAt
    auto nest = [](size_t n) { return std::string(n, '[') + std::string(n, ']'); };
    CHECK(jsonDepthError(nest(kMaxJsonDepth), "x").empty());
    CHECK(jsonDepthError(nest(kMaxJsonDepth + 1), "the input") ==
          "the input is nested deeper than 512 levels (arrays and objects within each other)");
    CHECK(jsonDepthError(nest(kMaxStoredJsonDepth), "x", kMaxStoredJsonDepth).empty());
    CHECK_FALSE(jsonDepthError(nest(kMaxStoredJsonDepth + 1), "x", kMaxStoredJsonDepth).empty());
    // The limits leave room for the wrappers the engine adds (a run's input in
    // its argument array, a result in a history row {"result": ...}): SQLite's
    // json_valid accepts a few levels more than kMaxStoredJsonDepth.
    TempDir t;
    auto s = openStore(t.file());
    std::vector<uint8_t> bytes = {1, 2, 3};
    s->putModule(kHash, bytes, "a.flow", 1);
    RunRow r = makeRun("r1");
    r.input = nest(kMaxStoredJsonDepth + 8);
    s->createRun(r);
    CHECK(s->getRun("r1")->input == r.input);
}

TEST_CASE("Store modules and deployments") {
    TempDir t;
    auto s = openStore(t.file());
    std::vector<uint8_t> bytes = {0, 1, 2, 0, 255};
    s->putModule(kHash, bytes, std::string("src"), 10);
    s->putModule(kHash, std::vector<uint8_t>{7}, std::nullopt, 20); // idempotent: no change
    CHECK(s->getModule(kHash) == bytes);
    CHECK(s->getModuleSource(kHash) == "src");
    CHECK(!s->getModule(kHash2));
    s->putModule(kHash2, {}, std::nullopt, 30); // an empty blob is a value, not NULL
    CHECK(s->getModule(kHash2) == std::vector<uint8_t>{});
    CHECK(s->getModuleSource(kHash2) == std::nullopt);

    StoreErrorKind kind{};
    CHECK(errorOf([&] { s->putModule("ABC", bytes, std::nullopt, 1); }, &kind) ==
          t.file() + ": putModule 'ABC': a module hash is 64 lowercase hex digits (sha-256)");
    CHECK(kind == StoreErrorKind::Misuse);

    std::string missing(64, 'c');
    CHECK(errorOf([&] { s->deploy("order", missing, 1); }, &kind) ==
          t.file() + ": deploy 'order': refers to a missing row (FOREIGN KEY constraint failed)");
    CHECK(kind == StoreErrorKind::Constraint);

    s->deploy("order", kHash, 100);
    s->deploy("billing", kHash, 100);
    s->deploy("order", kHash2, 200); // a redeploy moves the name
    CHECK(s->deployedModule("order") == kHash2);
    CHECK(!s->deployedModule("nope"));
    auto d = s->deployments();
    REQUIRE(d.size() == 2);
    CHECK(d[0].workflow == "billing");
    CHECK(d[1].workflow == "order");
    CHECK(d[1].moduleHash == kHash2);
    CHECK(d[1].deployedAt == 200);
}

TEST_CASE("Store: a 5 MB module and snapshot round-trip") {
    TempDir t;
    auto s = seeded(t.file());
    std::vector<uint8_t> big(5 * 1024 * 1024);
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = uint8_t(i * 2654435761u >> 13);
    s->putModule(kHash2, big, std::nullopt, 1);
    s->putSnapshot("r1", 3, big, 77);
    auto reopened = openStore(t.file());
    CHECK(reopened->getModule(kHash2) == big);
    auto snap = reopened->getSnapshot("r1");
    REQUIRE(snap);
    CHECK(snap->seq == 3);
    CHECK(snap->takenAt == 77);
    CHECK(snap->bytes == big);
}

TEST_CASE("Store runs") {
    TempDir t;
    auto s = seeded(t.file());
    RunRow r = makeRun("full", 3000, "billing");
    r.status = RunStatus::Waiting;
    r.result = "42";
    r.error = R"({"name":"E"})";
    r.parentRun = "r1";
    r.triggerEvent = 9;
    r.waiting = R"([{"timer":5}])";
    r.leaseOwner = "w1";
    r.leaseExpires = 4000;
    r.cancelRequested = true;
    r.seq = 12;
    s->createRun(r);
    auto g = s->getRun("full");
    REQUIRE(g);
    CHECK(g->workflow == "billing");
    CHECK(g->moduleHash == kHash);
    CHECK(g->status == RunStatus::Waiting);
    CHECK(g->input == R"({"n":1})");
    CHECK(g->result == "42");
    CHECK(g->error == R"({"name":"E"})");
    CHECK(g->parentRun == "r1");
    CHECK(g->triggerEvent == 9);
    CHECK(g->createdAt == 3000);
    CHECK(g->waiting == R"([{"timer":5}])");
    CHECK(g->leaseOwner == "w1");
    CHECK(g->leaseExpires == 4000);
    CHECK(g->cancelRequested);
    CHECK(g->seq == 12);
    CHECK(!s->getRun("nope"));

    SUBCASE("schema rules surface as Constraint errors naming the run") {
        StoreErrorKind kind{};
        CHECK(errorOf([&] { s->createRun(makeRun("r1")); }, &kind) ==
              t.file() + ": createRun 'r1': UNIQUE constraint failed: runs.id");
        CHECK(kind == StoreErrorKind::Constraint);
        RunRow bad = makeRun("bad");
        bad.input = "{not json";
        CHECK(errorOf([&] { s->createRun(bad); }, &kind) ==
              t.file() + ": createRun 'bad': CHECK constraint failed: json_valid(input)");
        bad = makeRun("bad");
        bad.moduleHash = std::string(64, 'e');
        CHECK(errorOf([&] { s->createRun(bad); }) ==
              t.file() +
                  ": createRun 'bad': refers to a missing row (FOREIGN KEY constraint failed)");
    }
    SUBCASE("updateRun writes the mutable fields; cancel is sticky") {
        RunRow u = *s->getRun("r1");
        u.status = RunStatus::Completed;
        u.result = R"({"ok":true})";
        u.waiting = std::nullopt;
        u.updatedAt = 5000;
        u.seq = 4;
        u.workflow = "ignored";
        s->requestCancel("r1"); // lands between the engine's read and its write
        s->updateRun(u);        // u.cancelRequested is false
        auto g1 = s->getRun("r1");
        CHECK(g1->status == RunStatus::Completed);
        CHECK(g1->result == R"({"ok":true})");
        CHECK(g1->updatedAt == 5000);
        CHECK(g1->seq == 4);
        CHECK(g1->workflow == "order");
        CHECK(g1->cancelRequested);
        StoreErrorKind kind{};
        CHECK(errorOf([&] { s->updateRun(makeRun("ghost")); }, &kind) ==
              t.file() + ": updateRun 'ghost': no such run");
        CHECK(kind == StoreErrorKind::NotFound);
        CHECK_THROWS_AS(s->requestCancel("ghost"), StoreError);
    }
}

TEST_CASE("Store listRuns filters, newest first") {
    TempDir t;
    auto s = seeded(t.file()); // r1 @1000, r2 @2000 (order, running)
    RunRow a = makeRun("a", 3000, "billing");
    a.status = RunStatus::Completed;
    s->createRun(a);
    RunRow c1 = makeRun("c1", 4000);
    c1.parentRun = "r1";
    s->createRun(c1);
    RunRow c2 = makeRun("c2", 4000); // same ms as c1: insertion order breaks the tie
    c2.parentRun = "r1";
    c2.status = RunStatus::Failed;
    s->createRun(c2);

    auto ids = [](const std::vector<RunRow>& rows) {
        std::vector<std::string> v;
        for (auto& r : rows)
            v.push_back(r.id);
        return v;
    };
    using V = std::vector<std::string>;
    CHECK(ids(s->listRuns({})) == V{"c2", "c1", "a", "r2", "r1"});
    CHECK(ids(s->listRuns({.limit = 2})) == V{"c2", "c1"});
    CHECK(ids(s->listRuns({.limit = 0})).size() == 5);
    CHECK(ids(s->listRuns({.status = RunStatus::Running})) == V{"c1", "r2", "r1"});
    CHECK(ids(s->listRuns({.workflow = "billing"})) == V{"a"});
    CHECK(ids(s->listRuns({.parentRun = "r1"})) == V{"c2", "c1"});
    CHECK(ids(s->listRuns({.status = RunStatus::Running, .workflow = "order", .limit = 2})) ==
          V{"c1", "r2"});
    CHECK(ids(s->listRuns({.status = RunStatus::Failed, .parentRun = "r1"})) == V{"c2"});
    CHECK(s->listRuns({.status = RunStatus::Cancelled}).empty());
}

TEST_CASE("Store leases: acquire, expiry, steal, release") {
    TempDir t;
    auto s = seeded(t.file());
    CHECK(s->acquireLease("r1", "w1", 1000, 500));  // free
    CHECK(!s->acquireLease("r1", "w2", 1200, 500)); // held until 1500
    CHECK(s->acquireLease("r1", "w1", 1400, 500));  // ours: renewed to 1900
    CHECK(!s->acquireLease("r1", "w2", 1899, 500)); // still held
    CHECK(s->getRun("r1")->leaseExpires == 1900);
    CHECK(s->acquireLease("r1", "w2", 1900, 500)); // expired: stolen
    CHECK(s->getRun("r1")->leaseOwner == "w2");
    CHECK(!s->releaseLease("r1", "w1")); // not w1's any more
    CHECK(s->releaseLease("r1", "w2"));
    CHECK(!s->getRun("r1")->leaseOwner);
    CHECK(s->acquireLease("r1", "w3", 0, 10)); // free again
    CHECK(s->acquireLease("r2", "w1", 0, 10)); // leases are per run
    StoreErrorKind kind{};
    CHECK(errorOf([&] { s->acquireLease("ghost", "w1", 0, 10); }, &kind) ==
          t.file() + ": acquireLease 'ghost': no such run");
    CHECK(kind == StoreErrorKind::NotFound);
}

TEST_CASE("Store claimable runs: free or expired leases of unparked, unfinished runs") {
    TempDir t;
    auto s = seeded(t.file()); // r1, r2: running, no lease, not parked
    using V = std::vector<std::string>;
    auto sorted = [](V v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    CHECK(sorted(s->claimableRuns(1000, 10)) == V{"r1", "r2"});
    CHECK(s->claimableRuns(1000, 1).size() == 1); // the limit
    CHECK(s->acquireLease("r1", "w1", 1000, 500));
    CHECK(s->claimableRuns(1000, 10) == V{"r2"});               // r1 held until 1500
    CHECK(sorted(s->claimableRuns(1500, 10)) == V{"r1", "r2"}); // expired
    CHECK(s->unparkedLeaseOwners(1000) == V{"w1"});
    CHECK(s->unparkedLeaseOwners(1500).empty());
    CHECK(s->runsLeasedBy("w1", 10) == V{"r1"});
    // Released parked: nobody needs to claim it (its timers and signals
    // bring it back); a new lease unparks it.
    CHECK(s->releaseLease("r1", "w1", /*park=*/true));
    CHECK(s->claimableRuns(1000, 10) == V{"r2"});
    CHECK(s->acquireLease("r1", "w2", 1000, 500));
    CHECK(s->releaseLease("r1", "w2")); // released unparked (e.g. stopped with tasks in flight)
    CHECK(sorted(s->claimableRuns(1000, 10)) == V{"r1", "r2"});
    // A run nobody holds can be parked (a non-resident start).
    CHECK(s->releaseLease("r2", "anyone", true));
    CHECK(s->claimableRuns(1000, 10) == V{"r1"});
    // A cancel request unparks, and keeps it unparked through a parking release.
    s->requestCancel("r2");
    CHECK(sorted(s->claimableRuns(1000, 10)) == V{"r1", "r2"});
    CHECK(s->releaseLease("r2", "anyone", true));
    CHECK(sorted(s->claimableRuns(1000, 10)) == V{"r1", "r2"});
    // Finished runs are never claimable.
    RunRow done = *s->getRun("r1");
    done.status = RunStatus::Completed;
    s->updateRun(done);
    CHECK(s->claimableRuns(1000, 10) == V{"r2"});
}

TEST_CASE("Store snapshots keep only the latest per run") {
    TempDir t;
    auto s = seeded(t.file());
    CHECK(!s->getSnapshot("r1"));
    s->putSnapshot("r1", 1, std::vector<uint8_t>{1, 2}, 10);
    s->putSnapshot("r1", 2, std::vector<uint8_t>{3}, 20);
    s->putSnapshot("r2", 1, {}, 30);
    auto a = s->getSnapshot("r1");
    REQUIRE(a);
    CHECK(a->seq == 2);
    CHECK(a->bytes == std::vector<uint8_t>{3});
    CHECK(a->takenAt == 20);
    CHECK(s->getSnapshot("r2")->bytes.empty());
    CHECK_THROWS_AS(s->putSnapshot("ghost", 1, std::vector<uint8_t>{1}, 1), StoreError);
}

TEST_CASE("Store history: seq assignment per run") {
    TempDir t;
    auto s = seeded(t.file());
    CHECK(s->lastHistorySeq("r1") == 0);
    CHECK(s->appendHistory({"r1", 0, 100, "run.started", 0, "", std::nullopt, 1}) == 1);
    CHECK(s->appendHistory({"r1", 0, 110, "task.scheduled", 7, "charge", R"({"a":1})", 4}) == 2);
    CHECK(s->appendHistory({"r2", 0, 120, "run.started", 0, "", std::nullopt, 1}) == 1);
    CHECK(s->appendHistory({"r1", 0, 130, "task.completed", 7, "charge", "null", 4}) == 3);
    CHECK(s->appendHistory({"r1", 10, 140, "explicit", 0, "", std::nullopt, 0}) == 10);
    CHECK(s->appendHistory({"r1", 0, 150, "after", 0, "", std::nullopt, 0}) == 11);
    CHECK(s->lastHistorySeq("r1") == 11);
    CHECK(s->lastHistorySeq("r2") == 1);

    StoreErrorKind kind{};
    CHECK(errorOf(
              [&] {
                  s->appendHistory({"r1", 2, 1, "dup", 0, "", std::nullopt, 0});
              },
              &kind) ==
          t.file() + ": appendHistory 'r1': UNIQUE constraint failed: history.run_id, history.seq");
    CHECK(kind == StoreErrorKind::Constraint);
    CHECK_THROWS_AS(s->appendHistory({"r1", 0, 1, "k", 0, "", "{bad", 0}), StoreError);
    CHECK_THROWS_AS(s->appendHistory({"ghost", 0, 1, "k", 0, "", std::nullopt, 0}), StoreError);

    auto h = s->history("r1");
    REQUIRE(h.size() == 5);
    CHECK(h[1].seq == 2);
    CHECK(h[1].at == 110);
    CHECK(h[1].kind == "task.scheduled");
    CHECK(h[1].step == 7);
    CHECK(h[1].name == "charge");
    CHECK(h[1].detail == R"({"a":1})");
    CHECK(h[1].line == 4);
    CHECK(!h[0].detail);
    auto page = s->history("r1", 2, 2);
    REQUIRE(page.size() == 2);
    CHECK(page[0].seq == 3);
    CHECK(page[1].seq == 10);
}

TEST_CASE("Store timers: due order, next due, move and delete") {
    TempDir t;
    auto s = seeded(t.file());
    CHECK(!s->nextTimerDue());
    s->putTimer({"r2", 5, 300, TimerKind::Sleep});
    s->putTimer({"r1", 9, 100, TimerKind::Retry});
    s->putTimer({"r1", 2, 300, TimerKind::Timeout});
    s->putTimer({"r1", 2, 300, TimerKind::Sleep}); // same step, another kind: a second timer
    s->putTimer({"r1", 0, 900, TimerKind::WorkflowTimeout});
    CHECK(s->nextTimerDue() == 100);
    CHECK(s->nextTimerDue(true) == 100);

    auto due = s->dueTimers(300, 10);
    REQUIRE(due.size() == 4);
    CHECK(due[0].runId == "r1");
    CHECK(due[0].step == 9);
    CHECK(due[0].kind == TimerKind::Retry);
    CHECK(due[1].runId == "r1");
    CHECK(due[1].kind == TimerKind::Sleep); // ties: run, step, kind
    CHECK(due[2].kind == TimerKind::Timeout);
    CHECK(due[3].runId == "r2");
    CHECK(s->dueTimers(300, 2).size() == 2);
    CHECK(s->dueTimers(99, 10).empty());

    s->putTimer({"r1", 9, 1000, TimerKind::Retry}); // moved, not duplicated
    CHECK(s->nextTimerDue() == 300);
    CHECK(s->timers("r1").size() == 4);
    CHECK(s->timers("r1").back().dueAt == 1000);

    CHECK(s->deleteTimer("r1", 2, TimerKind::Timeout));
    CHECK(!s->deleteTimer("r1", 2, TimerKind::Timeout));
    CHECK(s->deleteTimers("r1") == 3);
    CHECK(s->timers("r1").empty());
    CHECK(s->nextTimerDue() == 300);
    // Deadlines of waits and workflows are not progress to come (work --until-idle).
    CHECK(s->deleteTimer("r2", 5, TimerKind::Sleep));
    s->putTimer({"r2", 6, 50, TimerKind::Timeout});
    s->putTimer({"r2", 0, 60, TimerKind::WorkflowTimeout});
    CHECK(s->nextTimerDue() == 50);
    CHECK(!s->nextTimerDue(true));
    s->putTimer({"r2", 7, 70, TimerKind::Retry});
    CHECK(s->nextTimerDue(true) == 70);
}

TEST_CASE("Store task attempts") {
    TempDir t;
    auto s = seeded(t.file());
    AttemptRow a{"r1",
                 4,
                 1,
                 "charge",
                 AttemptStatus::Running,
                 100,
                 std::nullopt,
                 std::nullopt,
                 std::nullopt,
                 std::nullopt,
                 std::nullopt};
    s->putAttempt(a);
    s->putAttempt({"r1", 2, 1, "reserve", AttemptStatus::Ok, 50, 60, R"({"id":3})", std::nullopt,
                   std::nullopt, std::string("warn\n")});
    CHECK(s->attemptsInFlight("r1").size() == 1);
    a.status = AttemptStatus::Error;
    a.finishedAt = 150;
    a.errorName = "Timeout";
    a.errorMessage = "took too long";
    s->putAttempt(a); // replaces attempt 1
    a.attempt = 2;
    a.status = AttemptStatus::Running;
    a.finishedAt.reset();
    a.errorName.reset();
    a.errorMessage.reset();
    s->putAttempt(a);

    auto all = s->attempts("r1");
    REQUIRE(all.size() == 3);
    CHECK(all[0].step == 2);
    CHECK(all[0].result == R"({"id":3})");
    CHECK(all[0].stderrText == "warn\n");
    CHECK(all[1].attempt == 1);
    CHECK(all[1].status == AttemptStatus::Error);
    CHECK(all[1].finishedAt == 150);
    CHECK(all[1].errorName == "Timeout");
    CHECK(all[1].errorMessage == "took too long");
    auto running = s->attemptsInFlight("r1");
    REQUIRE(running.size() == 1);
    CHECK(running[0].attempt == 2);
    CHECK(s->attemptsInFlight("r2").empty());
    a.attempt = 0;
    CHECK_THROWS_AS(s->putAttempt(a), StoreError); // attempts count from 1
}

TEST_CASE("Store task attempts: a finished attempt updates its row, or inserts it") {
    TempDir t;
    auto s = seeded(t.file());
    // Finished with no 'running' row before it: inserted.
    s->putAttempt({"r1", 1, 1, "charge", AttemptStatus::Ok, 5, 6, std::string("1"), std::nullopt,
                   std::nullopt, std::nullopt});
    REQUIRE(s->attempts("r1", 1).size() == 1);
    CHECK(s->attempts("r1", 1)[0].result == "1");
    // Finished over a row: every column is replaced, set or cleared.
    s->putAttempt({"r1", 1, 1, "refund", AttemptStatus::Error, 7, 8, std::nullopt,
                   std::string("Boom"), std::string("no"), std::string("err")});
    auto a = s->attempts("r1", 1).at(0);
    CHECK(a.task == "refund");
    CHECK(a.status == AttemptStatus::Error);
    CHECK(a.startedAt == 7);
    CHECK(a.finishedAt == 8);
    CHECK(!a.result);
    CHECK(a.errorName == "Boom");
    CHECK(a.stderrText == "err");
    // 'running' over a finished row replaces it too (the upsert).
    s->putAttempt({"r1", 1, 1, "charge", AttemptStatus::Running, 9, std::nullopt, std::nullopt,
                   std::nullopt, std::nullopt, std::nullopt});
    a = s->attempts("r1", 1).at(0);
    CHECK(a.status == AttemptStatus::Running);
    CHECK(!a.finishedAt);
    CHECK(!a.errorName);
    CHECK(!a.stderrText);
    // The constraints hold on the update path as on the insert path.
    StoreErrorKind kind{};
    errorOf(
        [&] {
            s->putAttempt({"r1", 1, 1, "charge", AttemptStatus::Ok, 9, 10, std::string("{oops"),
                           std::nullopt, std::nullopt, std::nullopt});
        },
        &kind);
    CHECK(kind == StoreErrorKind::Constraint);
    CHECK(s->attempts("r1", 1).at(0).status == AttemptStatus::Running);
    errorOf(
        [&] {
            s->putAttempt({"ghost", 1, 1, "charge", AttemptStatus::Ok, 9, 10, std::string("1"),
                           std::nullopt, std::nullopt, std::nullopt});
        },
        &kind);
    CHECK(kind == StoreErrorKind::Constraint);
    CHECK(s->attempts("ghost").empty());
}

TEST_CASE("Store signals: pending in order, consumed once") {
    TempDir t;
    auto s = seeded(t.file());
    int64_t s1 = s->addSignal("r1", "approve", R"({"by":"ann"})", 10);
    int64_t s2 = s->addSignal("r1", "reject", "null", 20);
    int64_t s3 = s->addSignal("r1", "approve", "2", 30);
    s->addSignal("r2", "approve", "3", 40);
    CHECK(s1 < s2);
    CHECK(s2 < s3);
    auto p = s->pendingSignals("r1", "approve");
    REQUIRE(p.size() == 2);
    CHECK(p[0].id == s1);
    CHECK(p[0].payload == R"({"by":"ann"})");
    CHECK(p[0].sentAt == 10);
    CHECK(p[1].id == s3);
    CHECK(s->pendingSignals("r1", std::nullopt).size() == 3);

    CHECK(s->consumeSignal(s1, 8));
    CHECK(!s->consumeSignal(s1, 9)); // already consumed
    p = s->pendingSignals("r1", "approve");
    REQUIRE(p.size() == 1);
    CHECK(p[0].id == s3);
    StoreErrorKind kind{};
    CHECK(errorOf([&] { s->consumeSignal(999, 1); }, &kind) ==
          t.file() + ": consumeSignal '999': no such signal");
    CHECK(kind == StoreErrorKind::NotFound);
    CHECK_THROWS_AS(s->addSignal("r1", "x", "{bad", 1), StoreError);
    CHECK_THROWS_AS(s->addSignal("ghost", "x", "1", 1), StoreError);
}

TEST_CASE("Store events: exactly-once emit, filters, consumers") {
    TempDir t;
    auto s = seeded(t.file());
    int64_t e1 = s->appendEvent("order.placed", R"({"id":1})", 100);
    int64_t e2 = s->appendEvent("order.placed", R"({"id":1})", 100); // no source: not deduped
    CHECK(e1 != e2);
    int64_t e3 = s->appendEvent("order.shipped", "{}", 110, std::string("r1"), 7);
    // The resumed run emits again at the same step: same id, nothing stored.
    CHECK(s->appendEvent("order.shipped", R"({"other":1})", 999, std::string("r1"), 7) == e3);
    CHECK(s->appendEvent("order.shipped", "{}", 120, std::string("r1"), 8) != e3);
    CHECK(s->appendEvent("order.shipped", "{}", 120, std::string("r2"), 7) != e3);
    CHECK(s->events({}).size() == 5);
    StoreErrorKind kind{};
    CHECK(errorOf([&] { s->appendEvent("x", "1", 1, std::string("r1"), std::nullopt); }, &kind) ==
          t.file() + ": appendEvent 'x': give both sourceRun and sourceStep, or neither");
    CHECK(kind == StoreErrorKind::Misuse);

    auto ev = s->getEvent(e3);
    REQUIRE(ev);
    CHECK(ev->type == "order.shipped");
    CHECK(ev->payload == "{}");
    CHECK(ev->at == 110);
    CHECK(ev->sourceRun == "r1");
    CHECK(ev->sourceStep == 7);
    CHECK(!s->getEvent(12345));
    CHECK(!s->getEvent(e1)->sourceRun);

    auto shipped = s->events({.type = "order.shipped"});
    REQUIRE(shipped.size() == 3);
    CHECK(shipped[0].id == e3);
    CHECK(s->events({.type = "order.shipped", .sinceId = e3}).size() == 2);
    auto two = s->events({.sinceId = e1, .limit = 2});
    REQUIRE(two.size() == 2);
    CHECK(two[0].id == e2);

    CHECK(s->unmatchedEvents(100).size() == 5);
    CHECK(s->addConsumer(
        {e1, "onOrder", ConsumerKind::Trigger, std::string("r2"), 130, std::nullopt}));
    CHECK(!s->addConsumer({e1, "onOrder", ConsumerKind::Trigger, std::string("r9"), 140,
                           std::nullopt})); // a second delivery of the same trigger
    CHECK(s->addConsumer({e1, "r1/4", ConsumerKind::Wait, std::string("r1"), 150, std::nullopt}));
    CHECK(s->addConsumer(
        {e3, "audit", ConsumerKind::Trigger, std::nullopt, 160, std::string("no such workflow")}));
    auto cs = s->consumers(e1);
    REQUIRE(cs.size() == 2);
    CHECK(cs[0].consumer == "onOrder");
    CHECK(cs[0].runId == "r2"); // the first delivery's row is kept
    CHECK(cs[1].kind == ConsumerKind::Wait);
    CHECK(s->consumers(e3)[0].error == "no such workflow");

    auto unmatched = s->unmatchedEvents(100);
    REQUIRE(unmatched.size() == 3);
    CHECK(unmatched[0].id == e2);
    CHECK(s->unmatchedEvents(1).size() == 1);
    CHECK(s->unmatchedEvents(100, e2).size() == 2);
    CHECK_THROWS_AS(
        s->addConsumer({4242, "x", ConsumerKind::Trigger, std::nullopt, 1, std::nullopt}),
        StoreError);
}

TEST_CASE("Store: clearRuns empties every run table and restarts ids, keeping modules") {
    TempDir t;
    auto s = seeded(t.file());
    s->appendHistory({"r1", 0, 100, "run.started", 0, "", std::nullopt, 1});
    s->putTimer({"r1", 3, 5000, TimerKind::Sleep});
    s->putSnapshot("r1", 1, std::vector<uint8_t>{1, 2}, 100);
    s->addSignal("r2", "approve", "null", 10);
    int64_t ev = s->appendEvent("order.placed", R"({"id":1})", 20);
    CHECK(ev == 1);
    CHECK(s->appendEvent("order.placed", "null", 21) == 2);

    s->clearRuns();

    CHECK_FALSE(s->getRun("r1"));
    CHECK_FALSE(s->getRun("r2"));
    CHECK(s->history("r1").empty());
    CHECK_FALSE(s->nextTimerDue());
    CHECK_FALSE(s->getSnapshot("r1"));
    CHECK(s->lastEventId() == 0);
    CHECK(s->getModule(kHash)); // modules stay: runs of the next test pin to them
    // A new test sees a database as new: the same ids again.
    s->createRun(makeRun("r1", 3000));
    CHECK(s->addSignal("r1", "approve", "null", 30) == 1);
    CHECK(s->appendEvent("order.placed", "null", 40) == 1);
}
