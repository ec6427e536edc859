// Sqlite.cpp — error mapping, the statement cache and Query (see Sqlite.h).
#include "Sqlite.h"

#include <climits>

namespace flow::store {

namespace {

StoreErrorKind kindOf(int rc) {
    switch (rc & 0xff) {
    case SQLITE_NOTADB:
        return StoreErrorKind::NotFlowDatabase;
    case SQLITE_CORRUPT:
        return StoreErrorKind::Corrupt;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return StoreErrorKind::Busy;
    case SQLITE_FULL:
        return StoreErrorKind::DiskFull;
    case SQLITE_READONLY:
        return StoreErrorKind::ReadOnly;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
        return StoreErrorKind::Io;
    case SQLITE_CONSTRAINT:
        return StoreErrorKind::Constraint;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
        return StoreErrorKind::Misuse;
    default:
        return StoreErrorKind::Other;
    }
}

std::string compose(std::string_view path, std::string_view op, std::string_view key,
                    std::string_view detail) {
    std::string m(path);
    m += ": ";
    if (!op.empty()) {
        m += op;
        if (!key.empty()) {
            m += " '";
            m += key;
            m += "'";
        }
        m += ": ";
    }
    m += detail;
    return m;
}

} // namespace

Store::Impl::~Impl() {
    // Deferred commits become durable (one last fsync) before the connection
    // closes: closing may checkpoint and delete the WAL.
    syncer.reset();
    for (auto& [sql, stmt] : cache)
        sqlite3_finalize(stmt);
    // close_v2 never fails with BUSY: it defers the close if something is
    // still open, which cannot happen once every statement is finalized.
    if (db) sqlite3_close_v2(db);
}

void Store::Impl::failWith(StoreErrorKind kind, std::string_view op, std::string_view key,
                           std::string_view detail) const {
    throw StoreError(kind, compose(path, op, key, detail));
}

void Store::Impl::fail(int rc, std::string_view op, std::string_view key) {
    // Read the message first: anything else done on the connection replaces it.
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    StoreErrorKind kind = kindOf(rc);
    std::string detail;
    switch (kind) {
    case StoreErrorKind::NotFlowDatabase:
        detail = "not a Flow database: " + msg;
        break;
    case StoreErrorKind::Corrupt:
        detail = "database is corrupt: " + msg;
        break;
    case StoreErrorKind::Busy:
        detail = "database is locked by another writer (gave up after " +
                 std::to_string(busyTimeoutMs) + " ms): " + msg;
        break;
    case StoreErrorKind::DiskFull:
        detail = "disk full: " + msg;
        break;
    case StoreErrorKind::ReadOnly:
        detail = "database is read-only: " + msg;
        break;
    case StoreErrorKind::Constraint:
        detail = rc == SQLITE_CONSTRAINT_FOREIGNKEY ? "refers to a missing row (" + msg + ")" : msg;
        break;
    default:
        detail = msg;
        break;
    }
    throw StoreError(kind, compose(path, op, key, detail));
}

void Store::Impl::noteFailure() {
    if (txnOpen && sqlite3_get_autocommit(db)) txnBroken = true;
}

void Store::Impl::exec(const char* sql, std::string_view op) {
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        noteFailure();
        fail(rc, op);
    }
}

sqlite3_stmt* Store::Impl::statement(const char* sql, std::string_view op) {
    auto it = cache.find(sql);
    if (it != cache.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        fail(rc, op);
    }
    cache.emplace(sql, stmt);
    return stmt;
}

// ---- Query

Query::Query(Store::Impl& impl, const char* sql, std::string_view op, std::string_view key)
    : impl_(impl), stmt_(nullptr), op_(op), key_(key) {
    if (impl.txnOpen && impl.txnBroken)
        impl.failWith(StoreErrorKind::Misuse, op, key,
                      "the transaction was already rolled back by an earlier error; "
                      "roll it back and begin a new one");
    stmt_ = impl.statement(sql, op);
}

Query::~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

Query& Query::bind(int i, int64_t v) {
    int rc = sqlite3_bind_int64(stmt_, i, v);
    if (rc != SQLITE_OK) impl_.fail(rc, op_, key_);
    return *this;
}

Query& Query::bind(int i, std::string_view v) {
    // A null data pointer would bind SQL NULL, not the empty string.
    const char* data = v.data() ? v.data() : "";
    int rc = sqlite3_bind_text64(stmt_, i, data, v.size(), SQLITE_STATIC, SQLITE_UTF8);
    if (rc != SQLITE_OK) impl_.fail(rc, op_, key_);
    return *this;
}

Query& Query::bind(int i, const std::optional<std::string>& v) {
    return v ? bind(i, std::string_view(*v)) : bindNull(i);
}

Query& Query::bind(int i, std::optional<int64_t> v) {
    return v ? bind(i, *v) : bindNull(i);
}

Query& Query::bindBlob(int i, std::span<const uint8_t> v) {
    // Same as text: an empty span may have a null pointer, which binds NULL.
    int rc = v.empty() ? sqlite3_bind_zeroblob(stmt_, i, 0)
                       : sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_STATIC);
    if (rc != SQLITE_OK) impl_.fail(rc, op_, key_);
    return *this;
}

Query& Query::bindNull(int i) {
    int rc = sqlite3_bind_null(stmt_, i);
    if (rc != SQLITE_OK) impl_.fail(rc, op_, key_);
    return *this;
}

bool Query::next() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    impl_.noteFailure();
    impl_.fail(rc, op_, key_);
}

void Query::finish() {
    while (next()) {
    }
}

int Query::changes() const {
    return sqlite3_changes(impl_.db);
}

bool Query::isNull(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

int64_t Query::i64(int col) const {
    return sqlite3_column_int64(stmt_, col);
}

std::string Query::text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(n)) : std::string();
}

std::optional<std::string> Query::optText(int col) const {
    if (isNull(col)) return std::nullopt;
    return text(col);
}

std::optional<int64_t> Query::optI64(int col) const {
    if (isNull(col)) return std::nullopt;
    return i64(col);
}

std::vector<uint8_t> Query::blob(int col) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::vector<uint8_t>(p, p + n) : std::vector<uint8_t>();
}

void Query::badValue(int col) const {
    impl_.failWith(StoreErrorKind::Corrupt, op_, key_,
                   "database is corrupt: unexpected value '" + text(col) + "' in column " +
                       sqlite3_column_name(stmt_, col));
}

} // namespace flow::store
