#pragma once
// Store.h — Flow's durable store: one SQLite database file (WAL mode) holding
// modules, deployments, runs, snapshots, history, timers, task attempts,
// signals and the event log. The schema and its migration policy are in
// docs/store.md.
//
// The store knows nothing of the VM or of tasks: it stores rows, JSON text and
// blobs. Durability comes from the caller grouping a boundary's writes (and,
// for group commit, several runs' boundaries) in one Txn.
//
// Thread model: a Store is one SQLite connection plus its prepared statements
// and is NOT thread-safe: use one Store per thread. A process (or several) may
// open any number of Stores on the same file; writers serialize on SQLite's
// write lock (BEGIN IMMEDIATE waits up to busyTimeoutMs), readers never block.
//
// Errors: every method throws StoreError with a message naming the file and
// the operation; no method leaves a half-applied change behind (each is one
// statement, or runs inside the caller's Txn).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flow/store/Rows.h"

namespace flow::store {

// What went wrong, for callers that react differently (exit codes, retries).
enum class StoreErrorKind : uint8_t {
    NotFlowDatabase, // not SQLite at all, or another application's SQLite database
    TooNew,          // a schema version newer than this build supports
    Corrupt,         // SQLite reports corruption, or Flow tables are missing
    Busy,            // another writer held the lock past the busy timeout
    DiskFull,
    ReadOnly,
    Io,         // cannot open/create the file or its directory, I/O error
    NotFound,   // an update named a run (or signal) that does not exist
    Constraint, // a row broke a schema rule (duplicate key, missing module, bad JSON)
    Misuse,     // API misuse: nested transaction, bad argument
    Other,
};

class StoreError : public std::runtime_error {
public:
    StoreError(StoreErrorKind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    StoreErrorKind kind() const { return kind_; }

private:
    StoreErrorKind kind_;
};

struct StoreOptions {
    std::string path; // the database file (":memory:" for a private in-memory db)
    // synchronous=NORMAL instead of FULL: commits stop fsyncing the WAL; a power
    // loss (not a process crash) may lose the last commits. docs/store.md.
    bool synchronousNormal = false;
    int busyTimeoutMs = 10000;
    // A quota on the file's size in pages (PRAGMA max_page_count; 0 = none).
    // Past it, writes fail as on a full disk (DiskFull): tests use it for that.
    int64_t maxPages = 0;
};

class Store {
public:
    // Schema version this build creates and understands (PRAGMA user_version):
    // the number of migrations (a static_assert in Schema.cpp keeps them equal).
    static constexpr int kSchemaVersion = 6;
    // PRAGMA application_id of a Flow database: "FLOW".
    static constexpr int32_t kApplicationId = 0x464C4F57;

    // Opens (creating the file and its parent directory if missing), checks
    // that the file is a Flow database no newer than this build, and applies
    // pending migrations, each in its own transaction.
    static std::unique_ptr<Store> open(const StoreOptions& options);
    // Process-wide SQLite settings (no memory statistics). SQLite accepts
    // them only before its first use in the process: open() applies them, so
    // only a program that uses SQLite directly before its first open() (a
    // benchmark's reference) needs to call this first. Idempotent.
    static void configureSqlite();
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    const std::string& path() const;

    // ---- transactions
    // RAII: begin() runs BEGIN IMMEDIATE (taking the write lock, waiting up to
    // the busy timeout); the destructor rolls back unless commit() succeeded.
    // One at a time per Store: begin() while one is open throws (Misuse).
    // Methods called without a Txn run in autocommit mode (one commit each).
    // If SQLite aborts the transaction itself (disk full, I/O error), every
    // later call throws (Misuse) until the Txn is rolled back, destroyed or
    // committed. commit() always ends the Txn: on failure it rolls back and throws.
    // A Txn must not outlive its Store.
    class Txn {
    public:
        Txn(Txn&& other) noexcept;
        Txn& operator=(Txn&&) = delete;
        Txn(const Txn&) = delete;
        ~Txn();
        void commit();
        void rollback(); // explicit early rollback (the destructor does it otherwise)

    private:
        friend class Store;
        explicit Txn(Store* store) : store_(store) {}
        Store* store_;
    };
    // How a Txn's commit becomes durable. Now: COMMIT returns after the WAL
    // is fsynced (synchronous=FULL). Deferred: COMMIT appends the frames to
    // the WAL (visible to readers, kept through a crash of this process) and
    // returns; a background thread fsyncs the WAL, one fsync for every
    // deferred commit made while the previous one ran (group commit across
    // time). waitDurable() waits for it; callers must before anything the
    // commit caused leaves the process (docs/store.md). With
    // synchronousNormal both are the same: nothing is fsynced per commit.
    enum class Sync : uint8_t { Now, Deferred };
    Txn begin(Sync sync = Sync::Now);
    bool inTransaction() const;
    // Blocks until every commit of this Store so far is durable. Throws
    // StoreError (Io) if a background fsync failed: from then on the store
    // cannot promise durability, and every later call throws too.
    void waitDurable();
    // Deferred commits not yet known durable, and the background fsyncs done
    // (tests, benchmarks).
    uint64_t pendingDurability() const;
    uint64_t backgroundSyncs() const;
    // Deletes every run, its rows, every signal and event, and restarts the
    // id sequences: the database is as new except for its modules and
    // deployments. `flowrun test` isolates tests this way, keeping one
    // connection (and its prepared statements) for a whole test file.
    void clearRuns();

    // ---- modules and deployments
    // hash: lowercase hex sha-256 of bytes (64 chars; the caller computes it).
    // Idempotent: storing an existing hash again is a no-op.
    void putModule(std::string_view hash, std::span<const uint8_t> bytes,
                   const std::optional<std::string>& source, int64_t storedAt);
    std::optional<std::vector<uint8_t>> getModule(std::string_view hash);
    std::optional<std::string> getModuleSource(std::string_view hash);
    // Makes `hash` the current version of `workflow` (the module must be stored).
    // baseDir: the absolute directory the module's relative source paths start
    // from (RunRow::baseDir of the runs started from the deployment).
    void deploy(std::string_view workflow, std::string_view hash, int64_t deployedAt,
                std::optional<std::string> baseDir = std::nullopt);
    std::optional<Deployment> deployment(std::string_view workflow);      // one row
    std::optional<std::string> deployedModule(std::string_view workflow); // its module hash
    std::vector<Deployment> deployments();                                // by workflow name

    // ---- runs
    void createRun(const RunRow& run); // throws Constraint on a duplicate id
    std::optional<RunRow> getRun(std::string_view id);
    // Writes status, result, error, waiting, updatedAt, seq and cancelRequested
    // of the run row.id (NotFound if absent). cancel_requested is sticky: this
    // can set it but never clears it, so a concurrent requestCancel is not lost.
    void updateRun(const RunRow& run);
    std::vector<RunRow> listRuns(const RunFilter& filter); // newest first
    // Sets cancel_requested; NotFound if the run does not exist.
    void requestCancel(std::string_view id);
    // True if the lease was free, expired (expires <= nowMs) or already held by
    // `owner`; it then belongs to owner until nowMs + ttlMs. NotFound if no run.
    bool acquireLease(std::string_view runId, std::string_view owner, int64_t nowMs, int64_t ttlMs);
    // Clears the lease if `owner` holds it (or nobody does); returns whether
    // it did. park: the run only waits for timers and signals, which every
    // worker finds by itself, so claimableRuns() leaves it out (schema v3;
    // a pending cancel request keeps it claimable).
    bool releaseLease(std::string_view runId, std::string_view owner, bool park = false);
    // Unfinished, unparked runs whose lease is free or expired at nowMs: the
    // runs a worker must pick up (Engine::work), oldest lease first.
    std::vector<std::string> claimableRuns(int64_t nowMs, int64_t limit);
    // The distinct owners of unexpired leases on unfinished, unparked runs
    // (a worker checks whether they are alive), and the runs one holds.
    std::vector<std::string> unparkedLeaseOwners(int64_t nowMs);
    std::vector<std::string> runsLeasedBy(std::string_view owner, int64_t limit);

    // ---- snapshots (only the latest per run is kept)
    void putSnapshot(std::string_view runId, int64_t seq, std::span<const uint8_t> bytes,
                     int64_t takenAt);
    std::optional<Snapshot> getSnapshot(std::string_view runId);

    // ---- history
    // Appends one row; row.seq == 0 takes the next seq of the run (1, 2, ...).
    // Returns the seq stored. An explicit seq already present throws Constraint.
    int64_t appendHistory(const HistoryRow& row);
    // Appends rows that carry their seq (> 0; else as appendHistory, one by
    // one), several per INSERT: what a boundary wrote costs one statement,
    // not one per row.
    void appendHistoryRows(std::span<const HistoryRow> rows);
    // Rows with seq > afterSeq in seq order, at most `limit` (<= 0: all).
    std::vector<HistoryRow> history(std::string_view runId, int64_t afterSeq = 0,
                                    int64_t limit = 0);
    int64_t lastHistorySeq(std::string_view runId); // 0 when none

    // ---- timers, keyed by (runId, step, kind)
    void putTimer(const TimerRow& timer); // insert, or move an existing one's due time
    bool deleteTimer(std::string_view runId, int64_t step, TimerKind kind);
    int64_t deleteTimers(std::string_view runId); // returns how many were deleted
    // Timers with dueAt <= nowMs, earliest first (ties: run id, step), at most limit.
    std::vector<TimerRow> dueTimers(int64_t nowMs, int64_t limit);
    // The earliest dueAt of all timers; progressOnly: of sleeps and retry
    // back-offs only (not the deadlines of waits and workflows).
    std::optional<int64_t> nextTimerDue(bool progressOnly = false);
    std::vector<TimerRow> timers(std::string_view runId); // earliest first

    // ---- task attempts, keyed by (runId, step, attempt)
    void putAttempt(const AttemptRow& attempt); // insert or replace
    // A new row (a StoreError if the key exists): an attempt written once,
    // finished, in the transaction that started it.
    void insertAttempt(const AttemptRow& attempt);
    std::vector<AttemptRow> attempts(std::string_view runId); // by step, attempt
    // The attempts of one step (a key prefix: cheap at any history length).
    std::vector<AttemptRow> attempts(std::string_view runId, int64_t step);
    std::vector<AttemptRow> attemptsInFlight(std::string_view runId); // status running

    // ---- signals
    int64_t addSignal(std::string_view runId, std::string_view name, std::string_view payload,
                      int64_t sentAt); // returns the signal id
    // Unconsumed signals of the run, in arrival (id) order; all names if nullopt.
    std::vector<SignalRow> pendingSignals(std::string_view runId,
                                          const std::optional<std::string>& name);
    // Every signal with id > afterId (consumed or not), oldest first: how a
    // worker learns which unloaded runs received something.
    std::vector<SignalRow> signalsSince(int64_t afterId, int64_t limit);
    // Marks it consumed by `step`; false if it already was. NotFound if no such id.
    bool consumeSignal(int64_t id, int64_t step);

    // ---- the event log (append-only)
    // Returns the new event id. With a source (both sourceRun and sourceStep,
    // or neither), a second append for the same (run, step) stores nothing and
    // returns the first id: emit() is exactly-once across crash + resume.
    int64_t appendEvent(std::string_view type, std::string_view payload, int64_t at,
                        const std::optional<std::string>& sourceRun = std::nullopt,
                        std::optional<int64_t> sourceStep = std::nullopt);
    std::vector<EventRow> events(const EventFilter& filter); // id order
    // The id of the newest event, 0 for an empty log (waitForEvent's cursor).
    int64_t lastEventId();
    std::optional<EventRow> getEvent(int64_t id);
    // Records who consumed an event; false (and no change) if that consumer
    // already did (trigger dedup). The event must exist.
    bool addConsumer(const ConsumerRow& row);
    std::vector<ConsumerRow> consumers(int64_t eventId);
    // Events with no consumer row, id > afterId, oldest first. Pass the last id
    // seen as afterId to avoid rescanning old unmatched events.
    std::vector<EventRow> unmatchedEvents(int64_t limit, int64_t afterId = 0);

    // ---- consumer positions (schema v2): how far an in-order reader of the
    // log (a trigger) got, by the caller's consumer key. nullopt: none yet.
    std::optional<int64_t> consumerPosition(std::string_view consumer);
    // Moves the position forward to `position` (creating the row); never
    // backwards, so two workers racing on one consumer cannot undo progress.
    void advanceConsumer(std::string_view consumer, int64_t position, int64_t at);
    // Sets the position when the consumer has none yet; returns whether it did.
    bool initConsumer(std::string_view consumer, int64_t position, int64_t at);
    // Every consumer and its position, by key (for `flowrun events` tooling).
    std::vector<std::pair<std::string, int64_t>> consumerPositions();

    // ---- maintenance
    // "ok", or SQLite's integrity_check report followed by any foreign-key
    // violations, one per line (for a `flowrun doctor`-style command).
    std::string integrityCheck();

    struct Impl; // the connection and its statement cache (src/Sqlite.h)

private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace flow::store
