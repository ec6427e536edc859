// Schema.cpp — migrations and the checks that make "is this our database?"
// a clear answer instead of a confusing SQL error later (see Schema.h).
#include "Schema.h"

#include <array>
#include <cstdio>
#include <optional>
#include <set>
#include <string>

namespace flow::store::schema {

namespace {

// Version 1: every table. Conventions (docs/store.md): STRICT tables; times
// are INTEGER ms since the epoch; JSON columns CHECK json_valid so an engine
// bug surfaces at the write, not at a later read; rows owned by a run cascade
// when the run is deleted (a future "prune" command).
constexpr const char* kV1 = R"sql(
PRAGMA application_id = 1179406167; -- 0x464C4F57, "FLOW"

CREATE TABLE modules (
    hash      TEXT PRIMARY KEY CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
    bytes     BLOB NOT NULL,
    source    TEXT,
    stored_at INTEGER NOT NULL
) STRICT;

CREATE TABLE deployments (
    workflow    TEXT PRIMARY KEY,
    module_hash TEXT NOT NULL REFERENCES modules(hash),
    deployed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE runs (
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
) STRICT;
-- listRuns: newest first, optionally by status, workflow or parent.
CREATE INDEX runs_by_created  ON runs(created_at);
CREATE INDEX runs_by_status   ON runs(status, created_at);
CREATE INDEX runs_by_workflow ON runs(workflow, created_at);
CREATE INDEX runs_by_parent   ON runs(parent_run, created_at) WHERE parent_run IS NOT NULL;

CREATE TABLE snapshots (
    run_id   TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    bytes    BLOB NOT NULL,
    size     INTEGER NOT NULL,
    taken_at INTEGER NOT NULL
) STRICT;

CREATE TABLE history (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL CHECK (seq > 0),
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    step   INTEGER NOT NULL DEFAULT 0,
    name   TEXT NOT NULL DEFAULT '',
    detail TEXT CHECK (detail IS NULL OR json_valid(detail)),
    line   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, seq)
) STRICT;

CREATE TABLE timers (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step   INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    kind   TEXT NOT NULL CHECK (kind IN ('sleep','retry','timeout','workflow-timeout')),
    PRIMARY KEY (run_id, step, kind)
) STRICT;
-- dueTimers / nextTimerDue: the worker's hot poll. Covering, and in the
-- exact ORDER BY of dueTimers, so a poll never sorts.
CREATE INDEX timers_by_due ON timers(due_at, run_id, step, kind);

CREATE TABLE task_attempts (
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

CREATE TABLE signals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    payload       TEXT NOT NULL CHECK (json_valid(payload)),
    sent_at       INTEGER NOT NULL,
    consumed_step INTEGER
) STRICT;
-- pendingSignals: only unconsumed rows are indexed.
CREATE INDEX signals_pending ON signals(run_id, name, id) WHERE consumed_step IS NULL;

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT NOT NULL,
    payload     TEXT NOT NULL CHECK (json_valid(payload)),
    at          INTEGER NOT NULL,
    source_run  TEXT,
    source_step INTEGER,
    CHECK ((source_run IS NULL) = (source_step IS NULL)),
    UNIQUE (source_run, source_step)
) STRICT;
CREATE INDEX events_by_type ON events(type, id);

CREATE TABLE event_consumers (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    consumer TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('trigger','wait')),
    run_id   TEXT,
    at       INTEGER NOT NULL,
    error    TEXT,
    PRIMARY KEY (event_id, consumer)
) STRICT;
)sql";

// Version 2: the durable position of each event-log consumer that reads the
// log in order (a trigger): the id of the last event it has dealt with, so a
// worker never rescans old events and a restarted one resumes where the last
// one stopped (DESIGN §5, docs/events.md).
constexpr const char* kV2 = R"sql(
CREATE TABLE consumer_positions (
    consumer   TEXT PRIMARY KEY,
    position   INTEGER NOT NULL CHECK (position >= 0),
    updated_at INTEGER NOT NULL
) STRICT;
)sql";

// Version 3: which unfinished runs need a worker. A worker that lets a run go
// while it only waits for timers and signals — which every worker finds by
// itself (due timers, new signals) — marks it parked; every other unfinished
// run nobody holds (its process crashed or stopped with tasks in flight, it
// waits for an event or a child, it was started or cancelled by a process
// that does not drive runs) is unparked, and work() claims it. Taking a lease
// unparks; a cancel request unparks. The index holds only unparked
// unfinished runs: few, whatever the number of sleeping runs.
constexpr const char* kV3 = R"sql(
ALTER TABLE runs ADD COLUMN parked INTEGER NOT NULL DEFAULT 0 CHECK (parked IN (0, 1));
CREATE INDEX runs_unparked ON runs(lease_expires)
    WHERE parked = 0 AND status IN ('running', 'waiting');
)sql";

// Version 4: the closed-set CHECKs of runs.status, task_attempts.status and
// timers.kind spelled as OR chains instead of IN lists. SQLite tests an IN
// list of more than two constants through a temporary b-tree it builds at
// every execution of a statement that writes the column: a quarter of the
// cost of an attempt's upsert, three times per task step. The OR chain checks
// the same set with a few comparisons. A CHECK cannot be altered, so the
// three tables are rebuilt (SQLite's documented procedure: create, copy,
// drop, rename, recreate the indexes) with foreign keys off (migrate() turns
// them off around this one: dropping `runs` would otherwise cascade), every
// other column, constraint and index as it was.
constexpr const char* kV4 = R"sql(
CREATE TABLE runs_v4 (
    id               TEXT PRIMARY KEY,
    workflow         TEXT NOT NULL,
    module_hash      TEXT NOT NULL REFERENCES modules(hash),
    status           TEXT NOT NULL
                     CHECK (status = 'running' OR status = 'waiting' OR status = 'completed'
                            OR status = 'failed' OR status = 'cancelled'),
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
    seq              INTEGER NOT NULL DEFAULT 0,
    parked           INTEGER NOT NULL DEFAULT 0 CHECK (parked IN (0, 1))
) STRICT;
INSERT INTO runs_v4 (id, workflow, module_hash, status, input, result, error, parent_run,
                     trigger_event, created_at, updated_at, waiting, lease_owner,
                     lease_expires, cancel_requested, seq, parked)
    SELECT id, workflow, module_hash, status, input, result, error, parent_run, trigger_event,
           created_at, updated_at, waiting, lease_owner, lease_expires, cancel_requested, seq,
           parked
    FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v4 RENAME TO runs;
CREATE INDEX runs_by_created  ON runs(created_at);
CREATE INDEX runs_by_status   ON runs(status, created_at);
CREATE INDEX runs_by_workflow ON runs(workflow, created_at);
CREATE INDEX runs_by_parent   ON runs(parent_run, created_at) WHERE parent_run IS NOT NULL;
CREATE INDEX runs_unparked ON runs(lease_expires)
    WHERE parked = 0 AND status IN ('running', 'waiting');

CREATE TABLE timers_v4 (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step   INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    kind   TEXT NOT NULL CHECK (kind = 'sleep' OR kind = 'retry' OR kind = 'timeout'
                                OR kind = 'workflow-timeout'),
    PRIMARY KEY (run_id, step, kind)
) STRICT;
INSERT INTO timers_v4 (run_id, step, due_at, kind) SELECT run_id, step, due_at, kind FROM timers;
DROP TABLE timers;
ALTER TABLE timers_v4 RENAME TO timers;
CREATE INDEX timers_by_due ON timers(due_at, run_id, step, kind);

CREATE TABLE task_attempts_v4 (
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
INSERT INTO task_attempts_v4 (run_id, step, attempt, task, status, started_at, finished_at,
                              result, error_name, error_message, stderr)
    SELECT run_id, step, attempt, task, status, started_at, finished_at, result, error_name,
           error_message, stderr
    FROM task_attempts;
DROP TABLE task_attempts;
ALTER TABLE task_attempts_v4 RENAME TO task_attempts;
)sql";

// Version 5: task_attempts as a WITHOUT ROWID table, clustered on its key
// (run_id, step, attempt). As a rowid table each attempt went into two
// b-trees, the table and the index behind its PRIMARY KEY: every task step
// dirtied a page of each, and a commit checksums and writes every dirty page
// (the largest part of a single run's commit). Now a row lives in the key's
// b-tree alone, and each query of the table (by run, by run and step, in key
// order) reads that b-tree directly. Measured on bench (a), sequential task
// steps: ~6.9 -> ~6.0 WAL frames and -6.5 K instructions per step; no worse
// for results of any size (a 1-4 KB result spills to an overflow page either
// way), no change for concurrent runs (b). history stays a rowid table: its
// rows arrive in time order, which a rowid table appends at its right edge,
// while clustering them by run spread a commit of many runs over many pages
// (bench (b): +10 K instructions per step). Same columns, CHECKs and foreign
// key; rebuilt by version 4's procedure.
constexpr const char* kV5 = R"sql(
CREATE TABLE task_attempts_v5 (
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
) STRICT, WITHOUT ROWID;
INSERT INTO task_attempts_v5 (run_id, step, attempt, task, status, started_at, finished_at,
                              result, error_name, error_message, stderr)
    SELECT run_id, step, attempt, task, status, started_at, finished_at, result, error_name,
           error_message, stderr
    FROM task_attempts;
DROP TABLE task_attempts;
ALTER TABLE task_attempts_v5 RENAME TO task_attempts;
)sql";

// Version 6: where a run's relative task paths start (docs/tasks.md). A
// module's source paths are as the user typed them, relative to the directory
// flowrun ran in; a run (and a deployment, for the runs started from it)
// keeps that directory, so `flowrun resume` from elsewhere finds its tasks.
// NULL in rows older than this: the directory of the process (as before).
constexpr const char* kV6 = R"sql(
ALTER TABLE runs ADD COLUMN base_dir TEXT;
ALTER TABLE deployments ADD COLUMN base_dir TEXT;
)sql";

constexpr std::array<const char*, 6> kMigrations = {kV1, kV2, kV3, kV4, kV5, kV6};
// Versions 4 and 5 rebuild tables (4: tables that other tables refer to,
// which a DROP would cascade to): a file below version 5 migrates with
// foreign keys off, so every rebuild copies its rows verbatim.
constexpr int kLastRebuild = 5;
static_assert(kMigrations.size() == Store::kSchemaVersion,
              "a new migration must bump Store::kSchemaVersion");

constexpr std::array<std::string_view, 11> kTables = {
    "modules",       "deployments", "runs",   "snapshots",       "history",           "timers",
    "task_attempts", "signals",     "events", "event_consumers", "consumer_positions"};

int64_t pragmaInt(Store::Impl& impl, const char* sql) {
    Query q(impl, sql, "");
    return q.next() ? q.i64(0) : 0;
}

} // namespace

std::span<const char* const> migrations() {
    return kMigrations;
}

std::span<const std::string_view> requiredTables() {
    return kTables;
}

void checkIdentity(Store::Impl& impl) {
    // The first read of the file: a non-database fails here with SQLITE_NOTADB.
    // One statement, so one read snapshot: read one by one, another process
    // creating the schema meanwhile (`flowrun run` and `flowrun list` on a new
    // file) could commit between two of them, and its tables without its
    // application_id read as another application's database.
    int64_t appId = 0, version = 0, tables = 0;
    {
        Query q(impl,
                "SELECT (SELECT application_id FROM pragma_application_id), "
                "(SELECT user_version FROM pragma_user_version), "
                "(SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\')",
                "");
        if (q.next()) {
            appId = q.i64(0);
            version = q.i64(1);
            tables = q.i64(2);
        }
    }
    if (appId == Store::kApplicationId) {
        if (version > Store::kSchemaVersion)
            impl.failWith(StoreErrorKind::TooNew, "", "",
                          "schema version " + std::to_string(version) +
                              " is newer than this flowrun supports (" +
                              std::to_string(Store::kSchemaVersion) + "); upgrade flowrun");
        return;
    }
    if (appId == 0 && tables == 0 && version == 0) return; // a new, empty file
    std::string why;
    if (appId != 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%08X", uint32_t(appId));
        why = std::string("application_id ") + buf + ", Flow's is 0x464C4F57";
    } else {
        why = std::to_string(tables) + " table(s), user_version " + std::to_string(version) +
              ", no Flow application_id";
    }
    impl.failWith(StoreErrorKind::NotFlowDatabase, "", "",
                  "not a Flow database: it is a SQLite database of another application (" + why +
                      ")");
}

namespace {

// Foreign keys off for the lifetime of this object, back on afterwards (the
// pragma is a no-op inside a transaction, so it brackets the migration's).
class ForeignKeysOff {
public:
    explicit ForeignKeysOff(Store::Impl& impl) : impl_(impl) {
        impl_.exec("PRAGMA foreign_keys = OFF", "migration: disable foreign keys");
    }
    ~ForeignKeysOff() {
        sqlite3_exec(impl_.db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
    }
    ForeignKeysOff(const ForeignKeysOff&) = delete;
    ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

private:
    Store::Impl& impl_;
};

} // namespace

void migrate(Store::Impl& impl) {
    auto steps = migrations();
    std::optional<ForeignKeysOff> fkOff;
    if (pragmaInt(impl, "PRAGMA user_version") < kLastRebuild) fkOff.emplace(impl);
    for (int v = 1; v <= int(steps.size()); ++v) {
        if (pragmaInt(impl, "PRAGMA user_version") >= v) continue;
        std::string op = "migration to schema version " + std::to_string(v);
        impl.exec("BEGIN IMMEDIATE", op);
        try {
            // Another process may have migrated while we waited for the lock.
            if (pragmaInt(impl, "PRAGMA user_version") < v) {
                impl.exec(steps[size_t(v - 1)], op);
                // PRAGMA takes no bound parameters; v is our own loop counter.
                std::string bump = "PRAGMA user_version = " + std::to_string(v);
                impl.exec(bump.c_str(), op);
            }
            impl.exec("COMMIT", op);
        } catch (...) {
            if (!sqlite3_get_autocommit(impl.db))
                sqlite3_exec(impl.db, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}

void checkTables(Store::Impl& impl) {
    std::set<std::string> present;
    {
        Query q(impl, "SELECT name FROM sqlite_schema WHERE type = 'table'", "");
        while (q.next())
            present.insert(q.text(0));
    }
    for (std::string_view t : requiredTables())
        if (!present.count(std::string(t)))
            impl.failWith(StoreErrorKind::Corrupt, "", "",
                          "database is corrupt: Flow table '" + std::string(t) + "' is missing");
}

} // namespace flow::store::schema
