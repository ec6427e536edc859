// StoreSteps.cpp — what a run records step by step: history, timers and
// task attempts.
#include <array>
#include <string>

#include "Sqlite.h"

namespace flow::store {

namespace {

int64_t limitOrAll(int64_t limit) {
    return limit > 0 ? limit : -1;
} // LIMIT -1: no limit

HistoryRow readHistory(const Query& q) {
    return {q.text(0), q.i64(1), q.i64(2), q.text(3), q.i64(4), q.text(5), q.optText(6), q.i64(7)};
}

TimerRow readTimer(const Query& q) {
    auto kind = parseTimerKind(q.text(3));
    if (!kind) q.badValue(3);
    return {q.text(0), q.i64(1), q.i64(2), *kind};
}

#define FLOW_ATTEMPT_COLUMNS                                                                       \
    "run_id, step, attempt, task, status, started_at, finished_at, result, error_name, "           \
    "error_message, stderr"

AttemptRow readAttempt(const Query& q) {
    auto status = parseAttemptStatus(q.text(4));
    if (!status) q.badValue(4);
    return {q.text(0),   q.i64(1),     q.i64(2),     q.text(3),    *status,      q.i64(5),
            q.optI64(6), q.optText(7), q.optText(8), q.optText(9), q.optText(10)};
}

} // namespace

// ---- history

int64_t Store::appendHistory(const HistoryRow& h) {
    if (h.seq > 0) {
        // The caller knows the seq (the engine counts its runs' rows): a
        // plain insert, no lookup of the last seq and no RETURNING.
        Query q(*impl_,
                "INSERT INTO history(run_id, seq, at, kind, step, name, detail, line) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                "appendHistory", h.runId);
        q.bind(1, h.runId).bind(2, h.seq).bind(3, h.at).bind(4, h.kind).bind(5, h.step);
        q.bind(6, h.name).bind(7, h.detail).bind(8, h.line);
        q.finish();
        return h.seq;
    }
    // One statement, so the seq is assigned atomically even in autocommit mode.
    Query q(*impl_,
            "INSERT INTO history(run_id, seq, at, kind, step, name, detail, line) VALUES (?1, "
            "CASE WHEN ?2 > 0 THEN ?2 "
            "ELSE (SELECT coalesce(max(seq), 0) + 1 FROM history WHERE run_id = ?1) END, "
            "?3, ?4, ?5, ?6, ?7, ?8) RETURNING seq",
            "appendHistory", h.runId);
    q.bind(1, h.runId).bind(2, h.seq).bind(3, h.at).bind(4, h.kind).bind(5, h.step);
    q.bind(6, h.name).bind(7, h.detail).bind(8, h.line);
    int64_t seq = q.next() ? q.i64(0) : 0;
    q.finish();
    return seq;
}

namespace {

// "INSERT ... VALUES (?1..?8), (?9..?16), ...": the statement for n rows
// (1..kHistoryBatch). Built once; the cache keys statements by address.
constexpr size_t kHistoryBatch = 8;
const char* historyInsertSql(size_t n) {
    static const std::array<std::string, kHistoryBatch> sql = [] {
        std::array<std::string, kHistoryBatch> s;
        for (size_t k = 0; k < kHistoryBatch; ++k) {
            s[k] = "INSERT INTO history(run_id, seq, at, kind, step, name, detail, line) VALUES ";
            for (size_t r = 0; r <= k; ++r) {
                s[k] += r ? ", (" : "(";
                for (size_t c = 1; c <= 8; ++c)
                    s[k] += "?" + std::to_string(r * 8 + c) + (c < 8 ? ", " : ")");
            }
        }
        return s;
    }();
    return sql[n - 1].c_str();
}

} // namespace

void Store::appendHistoryRows(std::span<const HistoryRow> rows) {
    size_t i = 0;
    while (i < rows.size()) {
        if (rows[i].seq <= 0) {
            appendHistory(rows[i++]);
            continue;
        }
        size_t n = 1;
        while (n < kHistoryBatch && i + n < rows.size() && rows[i + n].seq > 0)
            ++n;
        Query q(*impl_, historyInsertSql(n), "appendHistory", rows[i].runId);
        for (size_t r = 0; r < n; ++r) {
            const HistoryRow& h = rows[i + r];
            int b = int(r * 8);
            q.bind(b + 1, h.runId).bind(b + 2, h.seq).bind(b + 3, h.at).bind(b + 4, h.kind);
            q.bind(b + 5, h.step).bind(b + 6, h.name).bind(b + 7, h.detail).bind(b + 8, h.line);
        }
        q.finish();
        i += n;
    }
}

std::vector<HistoryRow> Store::history(std::string_view runId, int64_t afterSeq, int64_t limit) {
    Query q(*impl_,
            "SELECT run_id, seq, at, kind, step, name, detail, line FROM history "
            "WHERE run_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            "history", runId);
    q.bind(1, runId).bind(2, afterSeq).bind(3, limitOrAll(limit));
    std::vector<HistoryRow> out;
    while (q.next())
        out.push_back(readHistory(q));
    return out;
}

int64_t Store::lastHistorySeq(std::string_view runId) {
    Query q(*impl_, "SELECT coalesce(max(seq), 0) FROM history WHERE run_id = ?1", "lastHistorySeq",
            runId);
    q.bind(1, runId);
    return q.next() ? q.i64(0) : 0;
}

// ---- timers

void Store::putTimer(const TimerRow& t) {
    Query q(*impl_,
            "INSERT INTO timers(run_id, step, due_at, kind) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT(run_id, step, kind) DO UPDATE SET due_at = excluded.due_at",
            "putTimer", t.runId);
    q.bind(1, t.runId).bind(2, t.step).bind(3, t.dueAt).bind(4, name(t.kind)).finish();
}

bool Store::deleteTimer(std::string_view runId, int64_t step, TimerKind kind) {
    Query q(*impl_, "DELETE FROM timers WHERE run_id = ?1 AND step = ?2 AND kind = ?3",
            "deleteTimer", runId);
    q.bind(1, runId).bind(2, step).bind(3, name(kind)).finish();
    return q.changes() > 0;
}

int64_t Store::deleteTimers(std::string_view runId) {
    Query q(*impl_, "DELETE FROM timers WHERE run_id = ?1", "deleteTimers", runId);
    q.bind(1, runId).finish();
    return q.changes();
}

std::vector<TimerRow> Store::dueTimers(int64_t nowMs, int64_t limit) {
    Query q(*impl_,
            "SELECT run_id, step, due_at, kind FROM timers WHERE due_at <= ?1 "
            "ORDER BY due_at, run_id, step, kind LIMIT ?2",
            "dueTimers");
    q.bind(1, nowMs).bind(2, limitOrAll(limit));
    std::vector<TimerRow> out;
    while (q.next())
        out.push_back(readTimer(q));
    return out;
}

std::optional<int64_t> Store::nextTimerDue(bool progressOnly) {
    Query q(*impl_,
            progressOnly ? "SELECT min(due_at) FROM timers WHERE kind IN ('sleep', 'retry')"
                         : "SELECT min(due_at) FROM timers",
            "nextTimerDue");
    return q.next() ? q.optI64(0) : std::nullopt;
}

std::vector<TimerRow> Store::timers(std::string_view runId) {
    Query q(*impl_,
            "SELECT run_id, step, due_at, kind FROM timers WHERE run_id = ?1 "
            "ORDER BY due_at, step, kind",
            "timers", runId);
    q.bind(1, runId);
    std::vector<TimerRow> out;
    while (q.next())
        out.push_back(readTimer(q));
    return out;
}

// ---- task attempts

// The 11 columns of FLOW_ATTEMPT_COLUMNS as ?1..?11.
static void bindAttempt(Query& q, const AttemptRow& a) {
    q.bind(1, a.runId).bind(2, a.step).bind(3, a.attempt).bind(4, a.task);
    q.bind(5, name(a.status)).bind(6, a.startedAt).bind(7, a.finishedAt).bind(8, a.result);
    q.bind(9, a.errorName).bind(10, a.errorMessage).bind(11, a.stderrText);
}

void Store::putAttempt(const AttemptRow& a) {
    if (a.status != AttemptStatus::Running) {
        // A finished attempt almost always has its 'running' row already
        // (written when it started): update it in place. The upsert below
        // would first build and check the row as an insert, find the key
        // taken, then check it again as an update (json_valid of the result
        // twice). Same outcome; the upsert remains for a row not there.
        Query q(*impl_,
                "UPDATE task_attempts SET task = ?4, status = ?5, started_at = ?6, "
                "finished_at = ?7, result = ?8, error_name = ?9, error_message = ?10, "
                "stderr = ?11 WHERE run_id = ?1 AND step = ?2 AND attempt = ?3",
                "putAttempt", a.runId);
        bindAttempt(q, a);
        q.finish();
        if (q.changes() > 0) return;
    }
    Query q(*impl_,
            "INSERT INTO task_attempts(" FLOW_ATTEMPT_COLUMNS ") VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
            "ON CONFLICT(run_id, step, attempt) DO UPDATE SET task = excluded.task, "
            "status = excluded.status, started_at = excluded.started_at, "
            "finished_at = excluded.finished_at, result = excluded.result, "
            "error_name = excluded.error_name, error_message = excluded.error_message, "
            "stderr = excluded.stderr",
            "putAttempt", a.runId);
    bindAttempt(q, a);
    q.finish();
}

void Store::insertAttempt(const AttemptRow& a) {
    Query q(*impl_,
            "INSERT INTO task_attempts(" FLOW_ATTEMPT_COLUMNS ") VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            "insertAttempt", a.runId);
    bindAttempt(q, a);
    q.finish();
}

std::vector<AttemptRow> Store::attempts(std::string_view runId) {
    Query q(*impl_,
            "SELECT " FLOW_ATTEMPT_COLUMNS " FROM task_attempts WHERE run_id = ?1 "
            "ORDER BY step, attempt",
            "attempts", runId);
    q.bind(1, runId);
    std::vector<AttemptRow> out;
    while (q.next())
        out.push_back(readAttempt(q));
    return out;
}

std::vector<AttemptRow> Store::attempts(std::string_view runId, int64_t step) {
    Query q(*impl_,
            "SELECT " FLOW_ATTEMPT_COLUMNS " FROM task_attempts WHERE run_id = ?1 AND step = ?2 "
            "ORDER BY attempt",
            "attempts", runId);
    q.bind(1, runId).bind(2, step);
    std::vector<AttemptRow> out;
    while (q.next())
        out.push_back(readAttempt(q));
    return out;
}

std::vector<AttemptRow> Store::attemptsInFlight(std::string_view runId) {
    Query q(*impl_,
            "SELECT " FLOW_ATTEMPT_COLUMNS " FROM task_attempts "
            "WHERE run_id = ?1 AND status = 'running' ORDER BY step, attempt",
            "attemptsInFlight", runId);
    q.bind(1, runId);
    std::vector<AttemptRow> out;
    while (q.next())
        out.push_back(readAttempt(q));
    return out;
}

} // namespace flow::store
