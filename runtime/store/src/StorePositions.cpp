// StorePositions.cpp — durable positions of the event log's in-order readers
// (triggers): the id of the last event each one has dealt with (schema v2,
// docs/store.md, docs/events.md).
#include "Sqlite.h"

namespace flow::store {

std::optional<int64_t> Store::consumerPosition(std::string_view consumer) {
    Query q(*impl_, "SELECT position FROM consumer_positions WHERE consumer = ?1",
            "consumerPosition", consumer);
    q.bind(1, consumer);
    if (!q.next()) return std::nullopt;
    return q.i64(0);
}

void Store::advanceConsumer(std::string_view consumer, int64_t position, int64_t at) {
    if (position < 0)
        impl_->failWith(StoreErrorKind::Misuse, "advanceConsumer", consumer,
                        "a position is an event id (>= 0)");
    // max(): two workers racing on one consumer never move it backwards.
    Query q(*impl_,
            "INSERT INTO consumer_positions(consumer, position, updated_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT(consumer) DO UPDATE SET position = max(position, excluded.position), "
            "updated_at = excluded.updated_at",
            "advanceConsumer", consumer);
    q.bind(1, consumer).bind(2, position).bind(3, at).finish();
}

bool Store::initConsumer(std::string_view consumer, int64_t position, int64_t at) {
    if (position < 0)
        impl_->failWith(StoreErrorKind::Misuse, "initConsumer", consumer,
                        "a position is an event id (>= 0)");
    Query q(*impl_,
            "INSERT INTO consumer_positions(consumer, position, updated_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT(consumer) DO NOTHING",
            "initConsumer", consumer);
    q.bind(1, consumer).bind(2, position).bind(3, at).finish();
    return q.changes() == 1;
}

std::vector<std::pair<std::string, int64_t>> Store::consumerPositions() {
    Query q(*impl_, "SELECT consumer, position FROM consumer_positions ORDER BY consumer",
            "consumerPositions");
    std::vector<std::pair<std::string, int64_t>> out;
    while (q.next())
        out.emplace_back(q.text(0), q.i64(1));
    return out;
}

} // namespace flow::store
