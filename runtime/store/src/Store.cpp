// Store.cpp — opening a database (identity checks, pragmas, migrations),
// transactions and the integrity check. The table methods live in
// StoreRuns.cpp, StoreSteps.cpp and StoreEvents.cpp.
#include "flow/store/Store.h"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>

#include "Schema.h"
#include "Sqlite.h"

namespace flow::store {

namespace fs = std::filesystem;

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const {
    return impl_->path;
}

namespace {

// SQLite's own busy timeout sleeps 1, 2, 5 ... then 100 ms between tries: a
// writer waiting behind a run of short transactions with short gaps between
// them (a run computing in time slices, docs/runtime.md) would wake up in a
// gap only by luck, and give up after the timeout. Trying every millisecond
// finds the gap.
int busyWait(void* arg, int count) {
    auto* impl = static_cast<Store::Impl*>(arg);
    auto now = std::chrono::steady_clock::now();
    if (count == 0) impl->busySince = now;
    if (now - impl->busySince >= std::chrono::milliseconds(impl->busyTimeoutMs)) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return 1;
}

void prepareDirectory(const Store::Impl& impl) {
    if (impl.path == ":memory:") return;
    fs::path parent = fs::path(impl.path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
        fs::create_directories(parent, ec);
        if (ec)
            impl.failWith(StoreErrorKind::Io, "", "",
                          "cannot create directory '" + parent.string() + "': " + ec.message());
    }
    if (fs::is_directory(impl.path, ec))
        impl.failWith(StoreErrorKind::Io, "", "", "is a directory, not a database file");
}

// WAL lets readers (flowrun status/list) run beside the writer and makes a
// commit one sequential append; it is the mode every durability claim in
// docs/store.md assumes, so failing to get it is an error, not a fallback.
void setPragmas(Store::Impl& impl, const StoreOptions& o) {
    bool memory = impl.path == ":memory:";
    {
        // A new file switches from the rollback journal: SHARED to EXCLUSIVE.
        // Two processes doing so at once (`flowrun serve` and a `flowrun
        // list` on a new database) is the deadlock for which SQLite answers
        // SQLITE_BUSY at once instead of calling the busy handler: one of
        // them retries here, within the busy timeout, once the other is done.
        auto since = std::chrono::steady_clock::now();
        std::string mode;
        for (;;) {
            try {
                Query q(impl, "PRAGMA journal_mode = WAL", "set WAL mode");
                mode = q.next() ? q.text(0) : "";
                break;
            } catch (const StoreError& e) {
                if (e.kind() != StoreErrorKind::Busy ||
                    std::chrono::steady_clock::now() - since >=
                        std::chrono::milliseconds(impl.busyTimeoutMs))
                    throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        if (mode != "wal" && !(memory && mode == "memory"))
            impl.failWith(StoreErrorKind::Io, "set WAL mode", "",
                          "SQLite kept journal_mode '" + mode + "'");
    }
    impl.exec(o.synchronousNormal ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
              "set synchronous");
    impl.syncFull = !o.synchronousNormal;
    impl.exec("PRAGMA foreign_keys = ON", "enable foreign keys");
    if (o.maxPages > 0) {
        // PRAGMA takes no bound parameters; this is an integer, formatted by us.
        std::string sql = "PRAGMA max_page_count = " + std::to_string(o.maxPages);
        impl.exec(sql.c_str(), "set max_page_count");
    }
}

} // namespace

void Store::configureSqlite() {
    // Memory statistics make every SQLite allocation take a global mutex;
    // nothing reads them. Must precede SQLite's initialization (its first
    // use in the process): later it is refused, harmlessly.
    static std::once_flag configured;
    std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

std::unique_ptr<Store> Store::open(const StoreOptions& o) {
    if (o.path.empty())
        throw StoreError(StoreErrorKind::Misuse, "no database path given (StoreOptions::path)");
    configureSqlite();
    auto impl = std::make_unique<Impl>();
    impl->path = o.path;
    impl->busyTimeoutMs = o.busyTimeoutMs;
    prepareDirectory(*impl);

    // NOMUTEX: a Store is used by one thread at a time (see Store.h), so
    // SQLite's per-connection mutex would only cost time.
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int rc = sqlite3_open_v2(o.path.c_str(), &impl->db, flags, nullptr);
    if (rc != SQLITE_OK) impl->fail(rc, "cannot open");
    sqlite3_busy_handler(impl->db, busyWait, impl.get());

    schema::checkIdentity(*impl);
    // READWRITE silently falls back to read-only for a write-protected file;
    // say so now rather than at the first write.
    if (sqlite3_db_readonly(impl->db, "main") == 1)
        impl->failWith(StoreErrorKind::ReadOnly, "", "",
                       "database is read-only (check the permissions of the file and its "
                       "directory)");
    setPragmas(*impl, o);
    schema::migrate(*impl);
    schema::checkTables(*impl);
    return std::unique_ptr<Store>(new Store(std::move(impl)));
}

// ---- transactions

Store::Txn Store::begin(Sync sync) {
    Impl& impl = *impl_;
    if (impl.txnOpen)
        impl.failWith(StoreErrorKind::Misuse, "begin", "",
                      "a transaction is already open on this Store (transactions do not nest)");
    // The statements are cached: a boundary's transaction is the hot path.
    bool deferred = sync == Sync::Deferred && impl.syncFull && impl.path != ":memory:";
    if (deferred) Query(impl, "PRAGMA synchronous = NORMAL", "begin transaction").finish();
    try {
        Query(impl, "BEGIN IMMEDIATE", "begin transaction").finish();
    } catch (...) {
        if (deferred) sqlite3_exec(impl.db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
        throw;
    }
    impl.txnOpen = true;
    impl.txnBroken = false;
    impl.txnDeferred = deferred;
    return Txn(this);
}

bool Store::inTransaction() const {
    return impl_->txnOpen;
}

void Store::waitDurable() {
    if (!impl_->syncer) return;
    try {
        impl_->syncer->waitDurable();
    } catch (const std::runtime_error& e) {
        impl_->failWith(StoreErrorKind::Io, "make commits durable", "", e.what());
    }
}

uint64_t Store::pendingDurability() const {
    return impl_->syncer ? impl_->syncer->pending() : 0;
}

uint64_t Store::backgroundSyncs() const {
    return impl_->syncer ? impl_->syncer->syncs() : 0;
}

Store::Txn::Txn(Txn&& other) noexcept : store_(other.store_) {
    other.store_ = nullptr;
}

Store::Txn::~Txn() {
    rollback();
}

namespace {
// After a deferred Txn ends: later commits (autocommit writes, Sync::Now
// transactions) fsync inside COMMIT again.
void restoreFull(Store::Impl& impl) {
    if (!impl.txnDeferred) return;
    impl.txnDeferred = false;
    sqlite3_exec(impl.db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
}
} // namespace

void Store::Txn::commit() {
    if (!store_)
        throw StoreError(StoreErrorKind::Misuse,
                         "commit: the transaction was already committed or rolled back");
    Impl& impl = *store_->impl_;
    // commit() always ends the transaction: a failed one is rolled back here,
    // so the Store is usable again as soon as the exception is caught.
    if (impl.txnBroken) {
        rollback();
        impl.failWith(StoreErrorKind::Misuse, "commit", "",
                      "the transaction was already rolled back by an earlier error");
    }
    try {
        Query(impl, "COMMIT", "commit").finish();
    } catch (...) {
        rollback();
        throw;
    }
    impl.txnOpen = false;
    store_ = nullptr;
    if (impl.txnDeferred) {
        impl.txnDeferred = false;
        // Noted first: whatever fails after this, the commit gets its fsync.
        if (!impl.syncer)
            impl.syncer = std::make_unique<WalSyncer>(
                sqlite3_filename_wal(sqlite3_db_filename(impl.db, "main")));
        impl.syncer->noteCommit();
        Query(impl, "PRAGMA synchronous = FULL", "commit").finish();
    }
}

void Store::Txn::rollback() {
    if (!store_) return;
    Impl& impl = *store_->impl_;
    // SQLite may have rolled back already (disk full, I/O error): only roll
    // back a transaction that is still open. A failing ROLLBACK leaves nothing
    // to do: SQLite then rolls back the hot journal at the next open.
    if (!sqlite3_get_autocommit(impl.db))
        sqlite3_exec(impl.db, "ROLLBACK", nullptr, nullptr, nullptr);
    impl.txnOpen = false;
    impl.txnBroken = false;
    restoreFull(impl);
    store_ = nullptr;
}

// ---- maintenance

std::string Store::integrityCheck() {
    std::string report;
    auto line = [&](const std::string& s) {
        if (!report.empty()) report += '\n';
        report += s;
    };
    try {
        {
            Query q(*impl_, "PRAGMA integrity_check", "integrityCheck");
            while (q.next())
                if (q.text(0) != "ok") line(q.text(0));
        }
        Query q(*impl_, "PRAGMA foreign_key_check", "integrityCheck");
        while (q.next())
            line("foreign key: " + q.text(0) + " row " + q.text(1) + " refers to a missing " +
                 q.text(2) + " row");
    } catch (const StoreError& e) {
        // A damaged file can fail the check itself: that is the report.
        if (e.kind() != StoreErrorKind::Corrupt && e.kind() != StoreErrorKind::NotFlowDatabase)
            throw;
        line(e.what());
    }
    return report.empty() ? "ok" : report;
}

} // namespace flow::store
