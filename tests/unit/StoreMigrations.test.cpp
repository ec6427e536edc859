// StoreMigrations.test.cpp — schema version 4 (runs, timers and task_attempts
// rebuilt with their closed-set CHECKs as OR chains instead of IN lists) and
// version 5 (task_attempts WITHOUT ROWID): a version 3 or 4 file, as an older
// flowrun left it, is migrated with every row, index and foreign key intact,
// still refuses the values its constraints refuse, and a file newer than this
// build is still refused.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include "StoreHelper.h"

using namespace store_test;

namespace {

// The three tables exactly as schema versions 1-3 created them (runs with
// version 3's `parked`), rows copied over: what a version 3 file holds.
const char* kBackToV3 = R"sql(
PRAGMA foreign_keys = OFF;
BEGIN;
-- (What version 6 added first.)
ALTER TABLE runs DROP COLUMN base_dir;
ALTER TABLE deployments DROP COLUMN base_dir;
CREATE TABLE runs_old (
    id               TEXT PRIMARY KEY,
    workflow         TEXT NOT NULL,
    module_hash      TEXT NOT NULL REFERENCES modules(hash),
    status           TEXT NOT NULL
                     CHECK (status IN ('running','waiting','completed','failed','cancelled')),
    input            TEXT NOT NULL CHECK (json_valid(input)),
    result           TEXT CHECK (result IS NULL OR json_valid(result)),
    error            TEXT CHECK (error IS NULL OR json_valid(error)),
    parent_run       TEXT,
    trigger_event    INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    waiting          TEXT CHECK (waiting IS NULL OR json_valid(waiting)),
    lease_owner      TEXT,
    lease_expires    INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    seq              INTEGER NOT NULL DEFAULT 0
, parked INTEGER NOT NULL DEFAULT 0 CHECK (parked IN (0, 1))) STRICT;
INSERT INTO runs_old SELECT * FROM runs;
DROP TABLE runs;
ALTER TABLE runs_old RENAME TO runs;
CREATE INDEX runs_by_created  ON runs(created_at);
CREATE INDEX runs_by_status   ON runs(status, created_at);
CREATE INDEX runs_by_workflow ON runs(workflow, created_at);
CREATE INDEX runs_by_parent   ON runs(parent_run, created_at) WHERE parent_run IS NOT NULL;
CREATE INDEX runs_unparked ON runs(lease_expires)
    WHERE parked = 0 AND status IN ('running', 'waiting');
CREATE TABLE timers_old (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step   INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    kind   TEXT NOT NULL CHECK (kind IN ('sleep','retry','timeout','workflow-timeout')),
    PRIMARY KEY (run_id, step, kind)
) STRICT;
INSERT INTO timers_old SELECT * FROM timers;
DROP TABLE timers;
ALTER TABLE timers_old RENAME TO timers;
CREATE INDEX timers_by_due ON timers(due_at, run_id, step, kind);
CREATE TABLE task_attempts_old (
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step          INTEGER NOT NULL,
    attempt       INTEGER NOT NULL CHECK (attempt >= 1),
    task          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running','ok','error','cancelled')),
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    result        TEXT CHECK (result IS NULL OR json_valid(result)),
    error_name    TEXT,
    error_message TEXT,
    stderr        TEXT,
    PRIMARY KEY (run_id, step, attempt)
) STRICT;
INSERT INTO task_attempts_old SELECT * FROM task_attempts;
DROP TABLE task_attempts;
ALTER TABLE task_attempts_old RENAME TO task_attempts;
PRAGMA user_version = 3;
COMMIT;
)sql";

std::string tableSql(Raw& raw, const std::string& name) {
    return raw.value("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = '" + name +
                     "'");
}

} // namespace

TEST_CASE("Store: a version 3 database is migrated to version 4 with all its rows") {
    TempDir t;
    std::string path = t.file();
    {
        auto s = seeded(path); // module kHash, runs r1 and r2
        RunRow r2 = *s->getRun("r2");
        r2.status = RunStatus::Waiting;
        r2.waiting = R"([{"step":1}])";
        r2.seq = 2;
        s->updateRun(r2);
        s->putAttempt({"r1", 1, 1, "charge", AttemptStatus::Error, 10, 20, std::nullopt,
                       std::string("Boom"), std::string("no"), std::nullopt});
        s->putAttempt({"r1", 1, 2, "charge", AttemptStatus::Running, 30, std::nullopt, std::nullopt,
                       std::nullopt, std::nullopt, std::nullopt});
        s->putTimer({"r2", 1, 5000, TimerKind::Sleep});
        s->putTimer({"r2", 0, 9000, TimerKind::WorkflowTimeout});
        s->appendHistory({"r2", 1, 100, "run.started", 0, "order", std::nullopt, 0});
        std::vector<uint8_t> blob = {9, 8, 7};
        s->putSnapshot("r2", 1, blob, 200);
    }
    {
        Raw raw(path);
        raw.exec(kBackToV3);
        REQUIRE(raw.value("PRAGMA user_version") == "3");
        REQUIRE(tableSql(raw, "runs").find("status IN ('running'") != std::string::npos);
    }

    auto s = openStore(path);
    {
        Raw raw(path);
        CHECK(raw.value("PRAGMA user_version") == "6");
        CHECK(Store::kSchemaVersion == 6);
        // The sets are OR chains now; no table keeps the old IN lists.
        for (const char* table : {"runs", "timers", "task_attempts"}) {
            INFO(table);
            std::string sql = tableSql(raw, table);
            CHECK(sql.find("IN ('") == std::string::npos);
            CHECK(sql.find("STRICT") != std::string::npos);
        }
        CHECK(tableSql(raw, "runs").find("status = 'cancelled'") != std::string::npos);
        CHECK(raw.value("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                        "('runs_by_created','runs_by_status','runs_by_workflow',"
                        "'runs_by_parent','runs_unparked','timers_by_due')") == "6");
        CHECK(raw.value("SELECT count(*) FROM sqlite_schema WHERE name LIKE '%\\_v_' "
                        "ESCAPE '\\'") == "0");
        // Child tables still refer to runs(id), by name.
        CHECK(raw.value("SELECT \"table\" FROM pragma_foreign_key_list('history')") == "runs");
    }
    CHECK(s->integrityCheck() == "ok");

    // Every row survived, field for field.
    auto r1 = s->getRun("r1");
    auto r2 = s->getRun("r2");
    REQUIRE(r1);
    REQUIRE(r2);
    CHECK(r1->status == RunStatus::Running);
    CHECK(r1->input == R"({"n":1})");
    CHECK(r1->createdAt == 1000);
    CHECK(r2->status == RunStatus::Waiting);
    CHECK(r2->waiting == R"([{"step":1}])");
    CHECK(r2->seq == 2);
    auto attempts = s->attempts("r1");
    REQUIRE(attempts.size() == 2);
    CHECK(attempts[0].status == AttemptStatus::Error);
    CHECK(attempts[0].errorName == "Boom");
    CHECK(attempts[0].finishedAt == 20);
    CHECK(attempts[1].status == AttemptStatus::Running);
    CHECK(s->attemptsInFlight("r1").size() == 1);
    auto timers = s->timers("r2");
    REQUIRE(timers.size() == 2);
    CHECK(timers[0].kind == TimerKind::Sleep);
    CHECK(timers[1].kind == TimerKind::WorkflowTimeout);
    CHECK(s->dueTimers(6000, 10).size() == 1);
    CHECK(s->history("r2").size() == 1);
    CHECK(s->getSnapshot("r2")->bytes == std::vector<uint8_t>{9, 8, 7});
    RunFilter waiting;
    waiting.status = RunStatus::Waiting;
    CHECK(s->listRuns(waiting).size() == 1);
    CHECK(s->claimableRuns(0, 10).size() == 2);

    // Writes go on as before, and the sets are still enforced.
    s->putAttempt({"r1", 1, 2, "charge", AttemptStatus::Ok, 30, 40, std::string("1"), std::nullopt,
                   std::nullopt, std::nullopt});
    CHECK(s->attempts("r1", 1)[1].status == AttemptStatus::Ok);
    r2->status = RunStatus::Completed;
    s->updateRun(*r2);
    CHECK(s->getRun("r2")->status == RunStatus::Completed);
    {
        Raw raw(path);
        std::string err;
        CHECK(raw.tryExec("UPDATE runs SET status = 'paused' WHERE id = 'r1'", &err) ==
              SQLITE_CONSTRAINT);
        CHECK(err.find("CHECK constraint failed") != std::string::npos);
        CHECK(raw.tryExec("UPDATE task_attempts SET status = 'done'", &err) == SQLITE_CONSTRAINT);
        CHECK(raw.tryExec("INSERT INTO timers VALUES ('r1', 5, 1, 'alarm')", &err) ==
              SQLITE_CONSTRAINT);
        // Deleting a run still cascades to its rows (foreign keys intact).
        raw.exec("PRAGMA foreign_keys = ON");
        raw.exec("DELETE FROM runs WHERE id = 'r2'");
        CHECK(raw.value("SELECT count(*) FROM timers") == "0");
        CHECK(raw.value("SELECT count(*) FROM history") == "0");
        CHECK(raw.value("SELECT count(*) FROM snapshots") == "0");
    }
    // The store's connection has its foreign keys back on after migrating.
    StoreErrorKind kind{};
    errorOf([&] { s->putTimer({"gone", 1, 1, TimerKind::Sleep}); }, &kind);
    CHECK(kind == StoreErrorKind::Constraint);
}

// task_attempts exactly as schema version 4 left it (a rowid table with the
// index behind its PRIMARY KEY), rows copied over: what a version 4 file holds.
const char* kBackToV4 = R"sql(
PRAGMA foreign_keys = OFF;
BEGIN;
-- (What version 6 added first.)
ALTER TABLE runs DROP COLUMN base_dir;
ALTER TABLE deployments DROP COLUMN base_dir;
CREATE TABLE task_attempts_old (
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step          INTEGER NOT NULL,
    attempt       INTEGER NOT NULL CHECK (attempt >= 1),
    task          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status = 'running' OR status = 'ok' OR status = 'error'
                                       OR status = 'cancelled'),
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    result        TEXT CHECK (result IS NULL OR json_valid(result)),
    error_name    TEXT,
    error_message TEXT,
    stderr        TEXT,
    PRIMARY KEY (run_id, step, attempt)
) STRICT;
INSERT INTO task_attempts_old SELECT * FROM task_attempts;
DROP TABLE task_attempts;
ALTER TABLE task_attempts_old RENAME TO task_attempts;
PRAGMA user_version = 4;
COMMIT;
)sql";

TEST_CASE("Store: a version 4 database is migrated to version 5 with all its rows") {
    TempDir t;
    std::string path = t.file();
    {
        auto s = seeded(path); // module kHash, runs r1 and r2
        s->deploy("order", kHash, 600);
        s->putAttempt({"r1", 1, 1, "charge", AttemptStatus::Error, 10, 20, std::nullopt,
                       std::string("Boom"), std::string("no"), std::string("trace\n")});
        s->putAttempt({"r1", 1, 2, "charge", AttemptStatus::Ok, 30, 40, std::string(R"({"id":7})"),
                       std::nullopt, std::nullopt, std::nullopt});
        s->putAttempt({"r1", 3, 1, "ship", AttemptStatus::Running, 50, std::nullopt, std::nullopt,
                       std::nullopt, std::nullopt, std::nullopt});
        s->putAttempt({"r2", 2, 1, "charge", AttemptStatus::Cancelled, 60, 70, std::nullopt,
                       std::nullopt, std::nullopt, std::nullopt});
        s->putTimer({"r2", 1, 5000, TimerKind::Sleep});
        s->appendHistory({"r1", 1, 100, "run.started", 0, "order", std::string("{}"), 0});
        s->putSnapshot("r1", 1, std::vector<uint8_t>{4, 5}, 200);
        s->addSignal("r2", "go", "1", 300);
        s->appendEvent("order.placed", R"({"n":1})", 400);
        s->advanceConsumer("trigger:a", 1, 500);
    }
    {
        Raw raw(path);
        raw.exec(kBackToV4);
        REQUIRE(raw.value("PRAGMA user_version") == "4");
        REQUIRE(tableSql(raw, "task_attempts").find("WITHOUT ROWID") == std::string::npos);
        REQUIRE(raw.value("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                          "tbl_name = 'task_attempts'") == "1");
    }

    auto s = openStore(path);
    {
        Raw raw(path);
        CHECK(raw.value("PRAGMA user_version") == "6");
        std::string sql = tableSql(raw, "task_attempts");
        CHECK(sql.find("WITHOUT ROWID") != std::string::npos);
        CHECK(sql.find("STRICT") != std::string::npos);
        // One b-tree: no separate index behind the primary key any more.
        CHECK(raw.value("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                        "tbl_name = 'task_attempts'") == "0");
        CHECK(raw.value("SELECT count(*) FROM sqlite_schema WHERE name LIKE '%\\_v5' "
                        "ESCAPE '\\'") == "0");
        CHECK(raw.value("SELECT \"table\" FROM pragma_foreign_key_list('task_attempts')") ==
              "runs");
        // Every query of the table reads the key's b-tree in order: no sort.
        std::string plan;
        for (const char* q : {"EXPLAIN QUERY PLAN SELECT * FROM task_attempts WHERE run_id = 'r1' "
                              "ORDER BY step, attempt",
                              "EXPLAIN QUERY PLAN SELECT * FROM task_attempts WHERE run_id = 'r1' "
                              "AND step = 1 ORDER BY attempt",
                              "EXPLAIN QUERY PLAN SELECT * FROM task_attempts WHERE run_id = 'r1' "
                              "AND status = 'running' ORDER BY step, attempt"}) {
            sqlite3_stmt* st = nullptr;
            REQUIRE(sqlite3_prepare_v2(raw.db, q, -1, &st, nullptr) == SQLITE_OK);
            std::string detail;
            while (sqlite3_step(st) == SQLITE_ROW)
                detail +=
                    reinterpret_cast<const char*>(sqlite3_column_text(st, 3)) + std::string(";");
            sqlite3_finalize(st);
            INFO(q);
            CHECK(detail.find("USING PRIMARY KEY (run_id=?") != std::string::npos);
            CHECK(detail.find("TEMP B-TREE") == std::string::npos);
        }
    }
    CHECK(s->integrityCheck() == "ok");

    // Every row of every table survived, field for field.
    auto all = s->attempts("r1");
    REQUIRE(all.size() == 3);
    CHECK(all[0].status == AttemptStatus::Error);
    CHECK(all[0].startedAt == 10);
    CHECK(all[0].finishedAt == 20);
    CHECK(all[0].errorName == "Boom");
    CHECK(all[0].errorMessage == "no");
    CHECK(all[0].stderrText == "trace\n");
    CHECK(all[1].status == AttemptStatus::Ok);
    CHECK(all[1].result == R"({"id":7})");
    CHECK(all[2].task == "ship");
    CHECK(s->attemptsInFlight("r1").size() == 1);
    CHECK(s->attempts("r2", 2).at(0).status == AttemptStatus::Cancelled);
    CHECK(s->getRun("r1")->input == R"({"n":1})");
    CHECK(s->deployedModule("order") == kHash);
    CHECK(s->timers("r2").size() == 1);
    CHECK(s->history("r1").size() == 1);
    CHECK(s->getSnapshot("r1")->bytes == std::vector<uint8_t>{4, 5});
    CHECK(s->pendingSignals("r2", std::nullopt).size() == 1);
    CHECK(s->events({}).size() == 1);
    CHECK(s->consumerPosition("trigger:a") == 1);

    // Writes go on as before (an attempt finishing in place, a new one).
    s->putAttempt({"r1", 3, 1, "ship", AttemptStatus::Ok, 50, 90, std::string("true"), std::nullopt,
                   std::nullopt, std::nullopt});
    s->putAttempt({"r1", 3, 2, "ship", AttemptStatus::Running, 95, std::nullopt, std::nullopt,
                   std::nullopt, std::nullopt, std::nullopt});
    CHECK(s->attempts("r1", 3).at(0).result == "true");
    CHECK(s->attemptsInFlight("r1").at(0).attempt == 2);
    {
        // ... and the constraints refuse what they refused.
        Raw raw(path);
        raw.exec("PRAGMA foreign_keys = ON");
        std::string err;
        CHECK(raw.tryExec("UPDATE task_attempts SET status = 'done'", &err) == SQLITE_CONSTRAINT);
        CHECK(err.find("CHECK constraint failed") != std::string::npos);
        CHECK(raw.tryExec("UPDATE task_attempts SET result = '{oops' WHERE step = 3", &err) ==
              SQLITE_CONSTRAINT);
        CHECK(raw.tryExec("INSERT INTO task_attempts(run_id, step, attempt, task, status, "
                          "started_at) VALUES ('r1', 9, 0, 't', 'running', 1)",
                          &err) == SQLITE_CONSTRAINT);
        CHECK(raw.tryExec("INSERT INTO task_attempts(run_id, step, attempt, task, status, "
                          "started_at) VALUES ('r1', 1, 1, 't', 'running', 1)",
                          &err) == SQLITE_CONSTRAINT);
        CHECK(err.find("UNIQUE constraint failed") != std::string::npos);
        CHECK(raw.tryExec("INSERT INTO task_attempts(run_id, step, attempt, task, status, "
                          "started_at) VALUES (NULL, 1, 1, 't', 'running', 1)",
                          &err) == SQLITE_CONSTRAINT);
        CHECK(raw.tryExec("INSERT INTO task_attempts(run_id, step, attempt, task, status, "
                          "started_at) VALUES ('ghost', 1, 1, 't', 'running', 1)",
                          &err) == SQLITE_CONSTRAINT);
        CHECK(err.find("FOREIGN KEY constraint failed") != std::string::npos);
        // Deleting a run still cascades to its attempts.
        raw.exec("DELETE FROM runs WHERE id = 'r2'");
        CHECK(raw.value("SELECT count(*) FROM task_attempts WHERE run_id = 'r2'") == "0");
        CHECK(raw.value("SELECT count(*) FROM task_attempts") == "4");
    }
}

TEST_CASE("Store: a version 5 database gains the base directories of version 6") {
    TempDir t;
    std::string path = t.file();
    {
        auto s = seeded(path); // module kHash, runs r1 and r2
        s->deploy("order", kHash, 600);
    }
    {
        Raw raw(path);
        raw.exec("ALTER TABLE runs DROP COLUMN base_dir; "
                 "ALTER TABLE deployments DROP COLUMN base_dir; PRAGMA user_version = 5;");
    }
    auto s = openStore(path);
    {
        Raw raw(path);
        CHECK(raw.value("PRAGMA user_version") == "6");
    }
    // Rows of before: no base directory (their tasks resolve as they did).
    CHECK_FALSE(s->getRun("r1")->baseDir);
    CHECK(s->getRun("r1")->input == R"({"n":1})");
    CHECK(s->deployedModule("order") == kHash);
    REQUIRE(s->deployment("order"));
    CHECK_FALSE(s->deployment("order")->baseDir);
    // New rows keep theirs.
    RunRow r = *s->getRun("r1");
    r.id = "r3";
    r.baseDir = "/srv/app";
    s->createRun(r);
    CHECK(s->getRun("r3")->baseDir == "/srv/app");
    s->deploy("order", kHash, 700, std::string("/srv/app"));
    CHECK(s->deployment("order")->baseDir == "/srv/app");
    CHECK(s->integrityCheck() == "ok");
}

TEST_CASE("Store: a version 7 database is refused by this version 6 build") {
    TempDir t;
    openStore(t.file()).reset();
    {
        Raw raw(t.file());
        raw.exec("PRAGMA user_version = 7");
    }
    StoreErrorKind kind{};
    std::string msg = errorOf([&] { openStore(t.file()); }, &kind);
    CHECK(kind == StoreErrorKind::TooNew);
    CHECK(msg == t.file() + ": schema version 7 is newer than this flowrun supports (6); "
                            "upgrade flowrun");
}
