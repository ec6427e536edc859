#pragma once
// Sqlite.h — the store's private layer over the SQLite C API: the connection
// with its cache of prepared statements (Store::Impl), error mapping to
// StoreError, and Query, one use of a cached statement that binds by index
// and resets itself when it goes out of scope.
//
// Values are always bound, never spliced into SQL text. The SQL strings are
// string literals, so the cache is keyed by their address.
#include <chrono>
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "WalSyncer.h"
#include "flow/store/Store.h"

namespace flow::store {

struct Store::Impl {
    sqlite3* db = nullptr;
    std::string path;
    int busyTimeoutMs = 0;
    std::chrono::steady_clock::time_point busySince; // busyWait: when the current wait began
    bool txnOpen = false;                            // a Store::Txn is live
    bool txnBroken = false;   // SQLite rolled it back on an error: refuse further use
    bool syncFull = true;     // synchronous=FULL (StoreOptions::synchronousNormal unset)
    bool txnDeferred = false; // the open Txn commits at NORMAL for the WalSyncer (Sync::Deferred)
    std::unique_ptr<WalSyncer> syncer; // started by the first deferred commit
    std::unordered_map<const char*, sqlite3_stmt*> cache;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl();

    // Throws the StoreError for SQLite result code `rc` (extended codes on),
    // reading the connection's message. `op` names the operation ("createRun"),
    // `key` the row it touched (may be empty).
    [[noreturn]] void fail(int rc, std::string_view op, std::string_view key = {});
    // Throws with a message of our own (no SQLite error behind it).
    [[noreturn]] void failWith(StoreErrorKind kind, std::string_view op, std::string_view key,
                               std::string_view detail) const;

    // Runs one or more statements with no bindings and no result rows.
    void exec(const char* sql, std::string_view op);
    sqlite3_stmt* statement(const char* sql, std::string_view op);
    // After a failed statement: if a Txn is open but SQLite ended it, mark it.
    void noteFailure();
};

// One execution of a cached statement. Bind parameters are 1-based, columns
// 0-based, as in SQLite. The destructor resets the statement and clears its
// bindings (blobs and text are bound without copying: they must outlive it).
class Query {
public:
    Query(Store::Impl& impl, const char* sql, std::string_view op, std::string_view key = {});
    ~Query();
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    Query& bind(int i, int64_t v);
    Query& bind(int i, std::string_view v);
    Query& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Query& bind(int i, const std::optional<std::string>& v);
    Query& bind(int i, std::optional<int64_t> v);
    Query& bindBlob(int i, std::span<const uint8_t> v);
    Query& bindNull(int i);

    bool next();   // true: a row is ready; false: done
    void finish(); // steps to the end (a write's autocommit happens here)
    int changes() const;

    bool isNull(int col) const;
    int64_t i64(int col) const;
    std::string text(int col) const;
    std::optional<std::string> optText(int col) const;
    std::optional<int64_t> optI64(int col) const;
    std::vector<uint8_t> blob(int col) const;

    // A stored closed-set spelling that no enum value has means a corrupt row.
    [[noreturn]] void badValue(int col) const;

private:
    Store::Impl& impl_;
    sqlite3_stmt* stmt_;
    std::string_view op_, key_;
};

} // namespace flow::store
