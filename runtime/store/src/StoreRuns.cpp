// StoreRuns.cpp — modules, deployments, runs, leases and snapshots.
#include <array>
#include <string>

#include "Sqlite.h"

namespace flow::store {

namespace {

void checkHash(Store::Impl& impl, std::string_view op, std::string_view hash) {
    bool ok = hash.size() == 64;
    for (char c : hash)
        ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!ok)
        impl.failWith(StoreErrorKind::Misuse, op, hash,
                      "a module hash is 64 lowercase hex digits (sha-256)");
}

// Column order shared by every SELECT of a run and by readRun.
#define FLOW_RUN_COLUMNS                                                                           \
    "id, workflow, module_hash, status, input, result, error, parent_run, trigger_event, "         \
    "created_at, updated_at, waiting, lease_owner, lease_expires, cancel_requested, seq, base_dir"

RunRow readRun(const Query& q) {
    RunRow r;
    r.id = q.text(0);
    r.workflow = q.text(1);
    r.moduleHash = q.text(2);
    auto status = parseRunStatus(q.text(3));
    if (!status) q.badValue(3);
    r.status = *status;
    r.input = q.text(4);
    r.result = q.optText(5);
    r.error = q.optText(6);
    r.parentRun = q.optText(7);
    r.triggerEvent = q.optI64(8);
    r.createdAt = q.i64(9);
    r.updatedAt = q.i64(10);
    r.waiting = q.optText(11);
    r.leaseOwner = q.optText(12);
    r.leaseExpires = q.optI64(13);
    r.cancelRequested = q.i64(14) != 0;
    r.seq = q.i64(15);
    r.baseDir = q.optText(16);
    return r;
}

// listRuns needs one statement per combination of filters: "(?1 IS NULL OR
// status = ?1)" would keep SQLite from using the status/workflow/parent
// indexes. Only the query's shape varies; every value is still bound.
const std::string& listRunsSql(bool status, bool workflow, bool parent) {
    static const std::array<std::string, 8> sql = [] {
        std::array<std::string, 8> s;
        for (int i = 0; i < 8; ++i) {
            s[size_t(i)] = "SELECT " FLOW_RUN_COLUMNS " FROM runs WHERE 1";
            if (i & 1) s[size_t(i)] += " AND status = ?1";
            if (i & 2) s[size_t(i)] += " AND workflow = ?2";
            if (i & 4) s[size_t(i)] += " AND parent_run = ?3";
            s[size_t(i)] += " ORDER BY created_at DESC, rowid DESC LIMIT ?4";
        }
        return s;
    }();
    return sql[size_t(status) | size_t(workflow) << 1 | size_t(parent) << 2];
}

} // namespace

// ---- modules and deployments

void Store::putModule(std::string_view hash, std::span<const uint8_t> bytes,
                      const std::optional<std::string>& source, int64_t storedAt) {
    checkHash(*impl_, "putModule", hash);
    Query q(*impl_,
            "INSERT INTO modules(hash, bytes, source, stored_at) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT(hash) DO NOTHING",
            "putModule", hash);
    q.bind(1, hash).bindBlob(2, bytes).bind(3, source).bind(4, storedAt).finish();
}

std::optional<std::vector<uint8_t>> Store::getModule(std::string_view hash) {
    Query q(*impl_, "SELECT bytes FROM modules WHERE hash = ?1", "getModule", hash);
    q.bind(1, hash);
    if (!q.next()) return std::nullopt;
    return q.blob(0);
}

std::optional<std::string> Store::getModuleSource(std::string_view hash) {
    Query q(*impl_, "SELECT source FROM modules WHERE hash = ?1", "getModuleSource", hash);
    q.bind(1, hash);
    if (!q.next()) return std::nullopt;
    return q.optText(0);
}

void Store::deploy(std::string_view workflow, std::string_view hash, int64_t deployedAt,
                   std::optional<std::string> baseDir) {
    checkHash(*impl_, "deploy", hash);
    Query q(*impl_,
            "INSERT INTO deployments(workflow, module_hash, deployed_at, base_dir) "
            "VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT(workflow) DO UPDATE SET module_hash = excluded.module_hash, "
            "deployed_at = excluded.deployed_at, base_dir = excluded.base_dir",
            "deploy", workflow);
    q.bind(1, workflow).bind(2, hash).bind(3, deployedAt).bind(4, baseDir).finish();
}

std::optional<Deployment> Store::deployment(std::string_view workflow) {
    Query q(*impl_,
            "SELECT workflow, module_hash, deployed_at, base_dir FROM deployments "
            "WHERE workflow = ?1",
            "deployment", workflow);
    q.bind(1, workflow);
    if (!q.next()) return std::nullopt;
    return Deployment{q.text(0), q.text(1), q.i64(2), q.optText(3)};
}

std::optional<std::string> Store::deployedModule(std::string_view workflow) {
    std::optional<Deployment> d = deployment(workflow);
    if (!d) return std::nullopt;
    return d->moduleHash;
}

std::vector<Deployment> Store::deployments() {
    Query q(*impl_,
            "SELECT workflow, module_hash, deployed_at, base_dir FROM deployments "
            "ORDER BY workflow",
            "deployments");
    std::vector<Deployment> out;
    while (q.next())
        out.push_back({q.text(0), q.text(1), q.i64(2), q.optText(3)});
    return out;
}

// ---- runs

void Store::createRun(const RunRow& r) {
    Query q(*impl_,
            "INSERT INTO runs(" FLOW_RUN_COLUMNS ") VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            "createRun", r.id);
    q.bind(1, r.id).bind(2, r.workflow).bind(3, r.moduleHash).bind(4, name(r.status));
    q.bind(5, r.input).bind(6, r.result).bind(7, r.error).bind(8, r.parentRun);
    q.bind(9, r.triggerEvent).bind(10, r.createdAt).bind(11, r.updatedAt).bind(12, r.waiting);
    q.bind(13, r.leaseOwner).bind(14, r.leaseExpires).bind(15, int64_t(r.cancelRequested));
    q.bind(16, r.seq).bind(17, r.baseDir).finish();
}

std::optional<RunRow> Store::getRun(std::string_view id) {
    Query q(*impl_, "SELECT " FLOW_RUN_COLUMNS " FROM runs WHERE id = ?1", "getRun", id);
    q.bind(1, id);
    if (!q.next()) return std::nullopt;
    return readRun(q);
}

void Store::updateRun(const RunRow& r) {
    {
        // Most boundaries leave the status as it was (waiting -> waiting).
        // Not setting it then spares the status CHECK and the upkeep of the
        // two indexes on status (runs_by_status, runs_unparked), which SQLite
        // rewrites whenever the statement sets the column, changed or not.
        Query q(*impl_,
                "UPDATE runs SET result = ?3, error = ?4, waiting = ?5, updated_at = ?6, "
                "seq = ?7, cancel_requested = max(cancel_requested, ?8) "
                "WHERE id = ?1 AND status = ?2",
                "updateRun", r.id);
        q.bind(1, r.id).bind(2, name(r.status)).bind(3, r.result).bind(4, r.error);
        q.bind(5, r.waiting)
            .bind(6, r.updatedAt)
            .bind(7, r.seq)
            .bind(8, int64_t(r.cancelRequested));
        q.finish();
        if (q.changes() > 0) return;
    }
    Query q(*impl_,
            "UPDATE runs SET status = ?2, result = ?3, error = ?4, waiting = ?5, "
            "updated_at = ?6, seq = ?7, cancel_requested = max(cancel_requested, ?8) "
            "WHERE id = ?1",
            "updateRun", r.id);
    q.bind(1, r.id).bind(2, name(r.status)).bind(3, r.result).bind(4, r.error);
    q.bind(5, r.waiting).bind(6, r.updatedAt).bind(7, r.seq).bind(8, int64_t(r.cancelRequested));
    q.finish();
    if (q.changes() == 0)
        impl_->failWith(StoreErrorKind::NotFound, "updateRun", r.id, "no such run");
}

std::vector<RunRow> Store::listRuns(const RunFilter& f) {
    const std::string& sql = listRunsSql(bool(f.status), bool(f.workflow), bool(f.parentRun));
    Query q(*impl_, sql.c_str(), "listRuns");
    if (f.status) q.bind(1, name(*f.status));
    if (f.workflow) q.bind(2, *f.workflow);
    if (f.parentRun) q.bind(3, *f.parentRun);
    q.bind(4, f.limit > 0 ? f.limit : int64_t(-1)); // LIMIT -1: no limit
    std::vector<RunRow> out;
    while (q.next())
        out.push_back(readRun(q));
    return out;
}

void Store::requestCancel(std::string_view id) {
    Query q(*impl_, "UPDATE runs SET cancel_requested = 1, parked = 0 WHERE id = ?1",
            "requestCancel", id);
    q.bind(1, id).finish();
    if (q.changes() == 0)
        impl_->failWith(StoreErrorKind::NotFound, "requestCancel", id, "no such run");
}

namespace {

// A lease is not worth an fsync. Lost in a power failure, it only frees a run
// whose owner died with the machine anyway (and it expires by itself). So a
// lease taken or released in its own transaction commits at
// synchronous=NORMAL: the WAL frame is written in order and made durable by
// the next FULL commit, without the fsync that dominated `flowrun resume`
// (docs/store.md). Inside a caller's transaction nothing changes.
class LeaseCommit {
public:
    explicit LeaseCommit(Store::Impl& impl) : impl_(impl) {
        relaxed_ = impl_.syncFull && !impl_.txnOpen;
        if (relaxed_) impl_.exec("PRAGMA synchronous = NORMAL", "lease commit");
    }
    ~LeaseCommit() {
        if (relaxed_)
            sqlite3_exec(impl_.db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
    }
    LeaseCommit(const LeaseCommit&) = delete;
    LeaseCommit& operator=(const LeaseCommit&) = delete;

private:
    Store::Impl& impl_;
    bool relaxed_ = false;
};

} // namespace

bool Store::acquireLease(std::string_view runId, std::string_view owner, int64_t nowMs,
                         int64_t ttlMs) {
    LeaseCommit relaxed(*impl_);
    {
        Query q(*impl_,
                "UPDATE runs SET lease_owner = ?2, lease_expires = ?3 + ?4, parked = 0 "
                "WHERE id = ?1 AND "
                "(lease_owner IS NULL OR lease_owner = ?2 OR lease_expires <= ?3)",
                "acquireLease", runId);
        q.bind(1, runId).bind(2, owner).bind(3, nowMs).bind(4, ttlMs).finish();
        if (q.changes() == 1) return true;
    }
    // Not acquired: held by someone else, or no such run (which is a bug to report).
    Query q(*impl_, "SELECT 1 FROM runs WHERE id = ?1", "acquireLease", runId);
    q.bind(1, runId);
    if (!q.next()) impl_->failWith(StoreErrorKind::NotFound, "acquireLease", runId, "no such run");
    return false;
}

bool Store::releaseLease(std::string_view runId, std::string_view owner, bool park) {
    LeaseCommit relaxed(*impl_);
    Query q(*impl_,
            "UPDATE runs SET lease_owner = NULL, lease_expires = NULL, "
            "parked = CASE WHEN ?3 AND NOT cancel_requested THEN 1 ELSE 0 END "
            "WHERE id = ?1 AND (lease_owner = ?2 OR lease_owner IS NULL)",
            "releaseLease", runId);
    q.bind(1, runId).bind(2, owner).bind(3, int64_t(park)).finish();
    return q.changes() == 1;
}

std::vector<std::string> Store::claimableRuns(int64_t nowMs, int64_t limit) {
    Query q(*impl_,
            "SELECT id FROM runs WHERE parked = 0 AND status IN ('running', 'waiting') "
            "AND (lease_expires IS NULL OR lease_expires <= ?1) ORDER BY lease_expires LIMIT ?2",
            "claimableRuns");
    q.bind(1, nowMs).bind(2, limit);
    std::vector<std::string> out;
    while (q.next())
        out.push_back(q.text(0));
    return out;
}

std::vector<std::string> Store::unparkedLeaseOwners(int64_t nowMs) {
    Query q(*impl_,
            "SELECT DISTINCT lease_owner FROM runs WHERE parked = 0 AND "
            "status IN ('running', 'waiting') AND lease_expires > ?1",
            "unparkedLeaseOwners");
    q.bind(1, nowMs);
    std::vector<std::string> out;
    while (q.next())
        out.push_back(q.text(0));
    return out;
}

std::vector<std::string> Store::runsLeasedBy(std::string_view owner, int64_t limit) {
    Query q(*impl_,
            "SELECT id FROM runs WHERE lease_owner = ?1 AND status IN ('running', 'waiting') "
            "LIMIT ?2",
            "runsLeasedBy", owner);
    q.bind(1, owner).bind(2, limit);
    std::vector<std::string> out;
    while (q.next())
        out.push_back(q.text(0));
    return out;
}

// ---- snapshots

void Store::putSnapshot(std::string_view runId, int64_t seq, std::span<const uint8_t> bytes,
                        int64_t takenAt) {
    {
        // Every boundary after a run's first replaces its snapshot: update
        // the row in place rather than attempt an insert that finds the key
        // taken (the upsert below, kept for a run's first snapshot).
        Query q(*impl_,
                "UPDATE snapshots SET seq = ?2, bytes = ?3, size = ?4, taken_at = ?5 "
                "WHERE run_id = ?1",
                "putSnapshot", runId);
        q.bind(1, runId).bind(2, seq).bindBlob(3, bytes).bind(4, int64_t(bytes.size()));
        q.bind(5, takenAt).finish();
        if (q.changes() > 0) return;
    }
    Query q(*impl_,
            "INSERT INTO snapshots(run_id, seq, bytes, size, taken_at) VALUES (?1, ?2, ?3, ?4, ?5) "
            "ON CONFLICT(run_id) DO UPDATE SET seq = excluded.seq, bytes = excluded.bytes, "
            "size = excluded.size, taken_at = excluded.taken_at",
            "putSnapshot", runId);
    q.bind(1, runId).bind(2, seq).bindBlob(3, bytes).bind(4, int64_t(bytes.size()));
    q.bind(5, takenAt).finish();
}

std::optional<Snapshot> Store::getSnapshot(std::string_view runId) {
    Query q(*impl_, "SELECT seq, bytes, size, taken_at FROM snapshots WHERE run_id = ?1",
            "getSnapshot", runId);
    q.bind(1, runId);
    if (!q.next()) return std::nullopt;
    Snapshot s{q.i64(0), q.blob(1), q.i64(3)};
    // The size column is a cheap check that the blob came back whole.
    if (int64_t(s.bytes.size()) != q.i64(2))
        impl_->failWith(StoreErrorKind::Corrupt, "getSnapshot", runId,
                        "database is corrupt: snapshot is " + std::to_string(s.bytes.size()) +
                            " bytes, expected " + std::to_string(q.i64(2)));
    return s;
}

} // namespace flow::store
