// StoreEvents.cpp — signals, the append-only event log and its consumers.
#include "Sqlite.h"

namespace flow::store {

namespace {

int64_t limitOrAll(int64_t limit) {
    return limit > 0 ? limit : -1;
} // LIMIT -1: no limit

SignalRow readSignal(const Query& q) {
    return {q.i64(0), q.text(1), q.text(2), q.text(3), q.i64(4), q.optI64(5)};
}

#define FLOW_EVENT_COLUMNS "id, type, payload, at, source_run, source_step"

EventRow readEvent(const Query& q) {
    return {q.i64(0), q.text(1), q.text(2), q.i64(3), q.optText(4), q.optI64(5)};
}

} // namespace

// ---- signals

int64_t Store::addSignal(std::string_view runId, std::string_view name, std::string_view payload,
                         int64_t sentAt) {
    Query q(*impl_,
            "INSERT INTO signals(run_id, name, payload, sent_at) VALUES (?1, ?2, ?3, ?4) "
            "RETURNING id",
            "addSignal", runId);
    q.bind(1, runId).bind(2, name).bind(3, payload).bind(4, sentAt);
    int64_t id = q.next() ? q.i64(0) : 0;
    q.finish();
    return id;
}

std::vector<SignalRow> Store::pendingSignals(std::string_view runId,
                                             const std::optional<std::string>& name) {
    // Two statements rather than "(?2 IS NULL OR name = ?2)", which would not
    // use the (run_id, name, id) index for the named case.
    const char* sql = name
                          ? "SELECT id, run_id, name, payload, sent_at, consumed_step FROM signals "
                            "WHERE run_id = ?1 AND name = ?2 AND consumed_step IS NULL ORDER BY id"
                          : "SELECT id, run_id, name, payload, sent_at, consumed_step FROM signals "
                            "WHERE run_id = ?1 AND consumed_step IS NULL ORDER BY id";
    Query q(*impl_, sql, "pendingSignals", runId);
    q.bind(1, runId);
    if (name) q.bind(2, *name);
    std::vector<SignalRow> out;
    while (q.next())
        out.push_back(readSignal(q));
    return out;
}

std::vector<SignalRow> Store::signalsSince(int64_t afterId, int64_t limit) {
    Query q(*impl_,
            "SELECT id, run_id, name, payload, sent_at, consumed_step FROM signals "
            "WHERE id > ?1 ORDER BY id LIMIT ?2",
            "signalsSince");
    q.bind(1, afterId).bind(2, limitOrAll(limit));
    std::vector<SignalRow> out;
    while (q.next())
        out.push_back(readSignal(q));
    return out;
}

bool Store::consumeSignal(int64_t id, int64_t step) {
    std::string key = std::to_string(id);
    {
        Query q(*impl_,
                "UPDATE signals SET consumed_step = ?2 WHERE id = ?1 AND consumed_step IS NULL",
                "consumeSignal", key);
        q.bind(1, id).bind(2, step).finish();
        if (q.changes() == 1) return true;
    }
    Query q(*impl_, "SELECT 1 FROM signals WHERE id = ?1", "consumeSignal", key);
    q.bind(1, id);
    if (!q.next())
        impl_->failWith(StoreErrorKind::NotFound, "consumeSignal", key, "no such signal");
    return false;
}

// ---- events

int64_t Store::appendEvent(std::string_view type, std::string_view payload, int64_t at,
                           const std::optional<std::string>& sourceRun,
                           std::optional<int64_t> sourceStep) {
    if (bool(sourceRun) != bool(sourceStep))
        impl_->failWith(StoreErrorKind::Misuse, "appendEvent", type,
                        "give both sourceRun and sourceStep, or neither");
    {
        // DO NOTHING + RETURNING yields no row on a duplicate (run, step).
        Query q(*impl_,
                "INSERT INTO events(type, payload, at, source_run, source_step) "
                "VALUES (?1, ?2, ?3, ?4, ?5) "
                "ON CONFLICT(source_run, source_step) DO NOTHING RETURNING id",
                "appendEvent", type);
        q.bind(1, type).bind(2, payload).bind(3, at).bind(4, sourceRun).bind(5, sourceStep);
        if (q.next()) {
            int64_t id = q.i64(0);
            q.finish();
            return id;
        }
    }
    // The event was already appended for this (run, step); it never goes
    // away (the log is append-only), so no transaction is needed to find it.
    Query q(*impl_, "SELECT id FROM events WHERE source_run = ?1 AND source_step = ?2",
            "appendEvent", type);
    q.bind(1, sourceRun).bind(2, sourceStep);
    if (!q.next())
        impl_->failWith(StoreErrorKind::Other, "appendEvent", type,
                        "insert was ignored but no event has this source");
    return q.i64(0);
}

std::vector<EventRow> Store::events(const EventFilter& f) {
    const char* sql =
        f.type ? "SELECT " FLOW_EVENT_COLUMNS " FROM events WHERE id > ?1 AND type = ?2 "
                 "ORDER BY id LIMIT ?3"
               : "SELECT " FLOW_EVENT_COLUMNS " FROM events WHERE id > ?1 ORDER BY id LIMIT ?3";
    Query q(*impl_, sql, "events");
    q.bind(1, f.sinceId).bind(3, limitOrAll(f.limit));
    if (f.type) q.bind(2, *f.type);
    std::vector<EventRow> out;
    while (q.next())
        out.push_back(readEvent(q));
    return out;
}

std::optional<EventRow> Store::getEvent(int64_t id) {
    Query q(*impl_, "SELECT " FLOW_EVENT_COLUMNS " FROM events WHERE id = ?1", "getEvent");
    q.bind(1, id);
    if (!q.next()) return std::nullopt;
    return readEvent(q);
}

bool Store::addConsumer(const ConsumerRow& c) {
    Query q(*impl_,
            "INSERT INTO event_consumers(event_id, consumer, kind, run_id, at, error) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(event_id, consumer) DO NOTHING",
            "addConsumer", c.consumer);
    q.bind(1, c.eventId).bind(2, c.consumer).bind(3, name(c.kind)).bind(4, c.runId);
    q.bind(5, c.at).bind(6, c.error).finish();
    return q.changes() == 1;
}

std::vector<ConsumerRow> Store::consumers(int64_t eventId) {
    Query q(*impl_,
            "SELECT event_id, consumer, kind, run_id, at, error FROM event_consumers "
            "WHERE event_id = ?1 ORDER BY rowid",
            "consumers");
    q.bind(1, eventId);
    std::vector<ConsumerRow> out;
    while (q.next()) {
        auto kind = parseConsumerKind(q.text(2));
        if (!kind) q.badValue(2);
        out.push_back({q.i64(0), q.text(1), *kind, q.optText(3), q.i64(4), q.optText(5)});
    }
    return out;
}

std::vector<EventRow> Store::unmatchedEvents(int64_t limit, int64_t afterId) {
    Query q(*impl_,
            "SELECT " FLOW_EVENT_COLUMNS " FROM events e WHERE e.id > ?1 AND NOT EXISTS "
            "(SELECT 1 FROM event_consumers c WHERE c.event_id = e.id) ORDER BY e.id LIMIT ?2",
            "unmatchedEvents");
    q.bind(1, afterId).bind(2, limitOrAll(limit));
    std::vector<EventRow> out;
    while (q.next())
        out.push_back(readEvent(q));
    return out;
}

int64_t Store::lastEventId() {
    Query q(*impl_, "SELECT COALESCE(MAX(id), 0) FROM events", "lastEventId");
    return q.next() ? q.i64(0) : 0;
}

void Store::clearRuns() {
    Txn t = begin();
    // Children before parents (foreign keys).
    // Cached statements (not one exec of the lot): a test file clears its
    // database before every test.
    // Deleting the runs cascades to their snapshots, history, timers,
    // attempts and signals; deleting the events, to their consumers.
    // Consumer positions are event ids: they go with the events.
    for (const char* sql :
         {"DELETE FROM runs", "DELETE FROM events", "DELETE FROM consumer_positions",
          "DELETE FROM sqlite_sequence WHERE name IN ('events', 'signals')"})
        Query(*impl_, sql, "clear runs").finish();
    t.commit();
}

} // namespace flow::store
