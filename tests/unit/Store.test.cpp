// Store.test.cpp — opening the durable store on real SQLite files: creation,
// reopening, migrations, rejection of files that are not Flow databases (with
// the exact messages users see), transactions, and two Stores on one file.
// The per-table methods are in StoreTables.test.cpp.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "StoreHelper.h"

using namespace store_test;

namespace {

void writeFile(const std::string& path, const std::vector<char>& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
}

} // namespace

TEST_CASE("Store: creates a Flow database, its directory, and reopens it unchanged") {
    TempDir t;
    std::string path = (t.dir / "nested" / "dir" / "flow.db").string();
    {
        auto s = seeded(path);
        CHECK(s->path() == path);
        CHECK(s->integrityCheck() == "ok");
    }
    CHECK(fs::exists(path));
    {
        Raw raw(path);
        CHECK(raw.value("PRAGMA user_version") == std::to_string(Store::kSchemaVersion));
        CHECK(raw.value("PRAGMA application_id") == std::to_string(Store::kApplicationId));
        CHECK(raw.value("PRAGMA journal_mode") == "wal");
        CHECK(raw.value("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                        "('modules','deployments','runs','snapshots','history','timers',"
                        "'task_attempts','signals','events','event_consumers')") == "10");
        CHECK(raw.value("SELECT strict FROM pragma_table_list WHERE name = 'runs'") == "1");
    }
    // Reopening applies no migration twice and keeps the rows.
    for (int i = 0; i < 2; ++i) {
        auto s = openStore(path);
        REQUIRE(s->getRun("r1"));
        CHECK(s->getRun("r1")->input == R"({"n":1})");
    }
    Raw raw(path);
    CHECK(raw.value("PRAGMA user_version") == std::to_string(Store::kSchemaVersion));
}

TEST_CASE("Store: an in-memory store works for tests") {
    StoreOptions o;
    o.path = ":memory:";
    o.synchronousNormal = true;
    auto s = Store::open(o);
    s->putModule(kHash, std::vector<uint8_t>{9}, std::nullopt, 1);
    CHECK(s->getModule(kHash) == std::vector<uint8_t>{9});
}

TEST_CASE("Store: a SQLite database of another application is rejected and left alone") {
    TempDir t;
    std::string path = t.file("other.db");
    SUBCASE("tables but no application_id") {
        {
            Raw raw(path);
            raw.exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)");
        }
        StoreErrorKind kind{};
        std::string msg = errorOf([&] { openStore(path); }, &kind);
        CHECK(kind == StoreErrorKind::NotFlowDatabase);
        CHECK(msg == path + ": not a Flow database: it is a SQLite database of another "
                            "application (1 table(s), user_version 0, no Flow application_id)");
        Raw raw(path);
        CHECK(raw.value("SELECT count(*) FROM sqlite_schema") == "1");
        CHECK(raw.value("PRAGMA journal_mode") == "delete"); // not switched to WAL
    }
    SUBCASE("another application_id, even when empty") {
        {
            Raw raw(path);
            raw.exec("PRAGMA application_id = 1234");
        }
        std::string msg = errorOf([&] { openStore(path); });
        CHECK(msg == path + ": not a Flow database: it is a SQLite database of another "
                            "application (application_id 0x000004D2, Flow's is 0x464C4F57)");
    }
}

TEST_CASE("Store: a file of random bytes is rejected with a clear message") {
    TempDir t;
    std::string path = t.file();
    std::mt19937 rng(42);
    std::vector<char> bytes(8192);
    for (char& c : bytes)
        c = char(rng());
    writeFile(path, bytes);
    StoreErrorKind kind{};
    std::string msg = errorOf([&] { openStore(path); }, &kind);
    CHECK(kind == StoreErrorKind::NotFlowDatabase);
    CHECK(msg == path + ": not a Flow database: file is not a database");
    CHECK(fs::file_size(path) == 8192); // untouched
}

TEST_CASE("Store: a truncated database gives a StoreError, never a crash") {
    TempDir t;
    std::string path = t.file();
    {
        auto s = seeded(path);
        // Enough rows for many pages, so a cut lands in the middle of the b-trees.
        auto txn = s->begin();
        for (int i = 0; i < 3000; ++i)
            s->appendHistory({"r1", 0, i, "step", i, "task-" + std::to_string(i),
                              R"({"payload":"some text to fill pages"})", i});
        txn.commit();
    } // the last connection checkpoints the WAL into the file and removes it
    REQUIRE(!fs::exists(path + "-wal"));
    auto full = fs::file_size(path);
    REQUIRE(full > 100000);
    for (auto size : {full / 2, full - 4096, uintmax_t(4096), uintmax_t(50)}) {
        CAPTURE(size);
        fs::copy_file(path, t.file("cut.db"), fs::copy_options::overwrite_existing);
        fs::resize_file(t.file("cut.db"), size);
        // SQLite sees the header's page count exceed the file: refused at open.
        StoreErrorKind kind{};
        std::string msg = errorOf([&] { openStore(t.file("cut.db")); }, &kind);
        CHECK(msg == t.file("cut.db") + ": database is corrupt: database disk image is malformed");
        CHECK(kind == StoreErrorKind::Corrupt);
    }
}

TEST_CASE("Store: a schema newer than this build is refused") {
    TempDir t;
    std::string path = t.file();
    openStore(path);
    {
        Raw raw(path);
        raw.exec("PRAGMA user_version = 7");
    }
    StoreErrorKind kind{};
    std::string msg = errorOf([&] { openStore(path); }, &kind);
    CHECK(kind == StoreErrorKind::TooNew);
    CHECK(msg == path + ": schema version 7 is newer than this flowrun supports (" +
                     std::to_string(Store::kSchemaVersion) + "); upgrade flowrun");
}

TEST_CASE("Store: a failing migration is rolled back whole") {
    TempDir t;
    std::string path = t.file();
    {
        // Marked as Flow but with a clashing table: migration 1 creates some
        // tables, then fails on this one.
        Raw raw(path);
        raw.exec("PRAGMA application_id = 1179406167; CREATE TABLE runs(x)");
    }
    std::string msg = errorOf([&] { openStore(path); });
    CHECK(msg == path + ": migration to schema version 1: table runs already exists");
    Raw raw(path);
    CHECK(raw.value("PRAGMA user_version") == "0");
    CHECK(raw.value("SELECT count(*) FROM sqlite_schema WHERE name = 'modules'") == "0");
}

TEST_CASE("Store: a Flow database with a table missing is reported corrupt") {
    TempDir t;
    std::string path = t.file();
    openStore(path);
    {
        Raw raw(path);
        raw.exec("DROP TABLE event_consumers");
    }
    StoreErrorKind kind{};
    std::string msg = errorOf([&] { openStore(path); }, &kind);
    CHECK(kind == StoreErrorKind::Corrupt);
    CHECK(msg == path + ": database is corrupt: Flow table 'event_consumers' is missing");
}

TEST_CASE("Store: bad paths give clear errors") {
    TempDir t;
    StoreErrorKind kind{};
    std::string msg = errorOf([&] { openStore(t.dir.string()); }, &kind);
    CHECK(kind == StoreErrorKind::Io);
    CHECK(msg == t.dir.string() + ": is a directory, not a database file");

    writeFile(t.file("plain"), {'x'});
    std::string under = t.file("plain") + "/sub/flow.db";
    msg = errorOf([&] { openStore(under); }, &kind);
    CHECK(kind == StoreErrorKind::Io);
    CHECK(msg.rfind(under + ": cannot create directory '" + t.file("plain") + "/sub'", 0) == 0);

    CHECK(errorOf([&] { Store::open(StoreOptions{}); }, &kind) ==
          "no database path given (StoreOptions::path)");
    CHECK(kind == StoreErrorKind::Misuse);
}

TEST_CASE("Store: a transaction commits all or nothing") {
    TempDir t;
    auto s = seeded(t.file());
    SUBCASE("an exception before commit rolls everything back") {
        try {
            auto txn = s->begin();
            CHECK(s->inTransaction());
            s->createRun(makeRun("r3"));
            s->appendHistory({"r3", 0, 1, "run.started", 0, "", std::nullopt, 1});
            s->putTimer({"r1", 4, 9000, TimerKind::Sleep});
            throw std::runtime_error("boom");
        } catch (const std::runtime_error& e) {
            CHECK(std::string(e.what()) == "boom");
        }
        CHECK(!s->inTransaction());
        CHECK(!s->getRun("r3"));
        CHECK(s->history("r3").empty());
        CHECK(s->timers("r1").empty());
    }
    SUBCASE("commit keeps everything, and later calls autocommit again") {
        auto txn = s->begin();
        s->createRun(makeRun("r3"));
        s->appendHistory({"r3", 0, 1, "run.started", 0, "", std::nullopt, 1});
        txn.commit();
        CHECK(!s->inTransaction());
        s->putTimer({"r3", 1, 50, TimerKind::Sleep});
        auto other = openStore(t.file());
        CHECK(other->getRun("r3"));
        CHECK(other->history("r3").size() == 1);
        CHECK(other->timers("r3").size() == 1);
    }
    SUBCASE("a failed statement inside a txn does not undo the earlier ones") {
        auto txn = s->begin();
        s->createRun(makeRun("r3"));
        CHECK_THROWS_AS(s->createRun(makeRun("r3")), StoreError); // duplicate id
        txn.commit();
        CHECK(s->getRun("r3"));
    }
    SUBCASE("misuse") {
        auto txn = s->begin();
        StoreErrorKind kind{};
        CHECK(errorOf([&] { s->begin(); }, &kind) ==
              t.file() + ": begin: a transaction is already open on this Store (transactions "
                         "do not nest)");
        CHECK(kind == StoreErrorKind::Misuse);
        txn.commit();
        CHECK(errorOf([&] { txn.commit(); }) ==
              "commit: the transaction was already committed or rolled back");
        auto moved = s->begin();
        auto into = std::move(moved);
        s->createRun(makeRun("r4"));
        into.rollback();
        CHECK(!s->getRun("r4"));
    }
}

TEST_CASE("Store: two Stores on one file") {
    TempDir t;
    std::string path = t.file();
    auto a = seeded(path);
    auto b = openStore(path, 200);
    CHECK(b->getRun("r2")); // committed by a before b opened

    auto txn = a->begin();
    a->createRun(makeRun("r3"));
    CHECK(!b->getRun("r3")); // readers never see uncommitted rows, and do not block

    SUBCASE("a writer gives up after the busy timeout") {
        auto t0 = std::chrono::steady_clock::now();
        StoreErrorKind kind{};
        std::string msg = errorOf([&] { b->begin(); }, &kind);
        auto waited = std::chrono::steady_clock::now() - t0;
        CHECK(kind == StoreErrorKind::Busy);
        CHECK(msg == path + ": begin transaction: database is locked by another writer (gave up "
                            "after 200 ms): database is locked");
        CHECK(waited >= std::chrono::milliseconds(150));
        CHECK(!b->inTransaction());
        // Autocommit writes wait the same way.
        CHECK_THROWS_AS(b->putTimer({"r1", 1, 5, TimerKind::Sleep}), StoreError);
        txn.commit();
        CHECK(b->getRun("r3"));
        b->putTimer({"r1", 1, 5, TimerKind::Sleep});
    }
    SUBCASE("a writer waits for the lock to be released") {
        bool sawRun = false;
        std::thread other([&] {
            // A Store belongs to the thread that uses it: open one here.
            auto c = openStore(path, 5000);
            auto ct = c->begin(); // waits for a's commit
            sawRun = bool(c->getRun("r3"));
            c->createRun(makeRun("r4"));
            ct.commit();
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        txn.commit();
        other.join();
        CHECK(sawRun);
        CHECK(a->getRun("r4"));
    }
}

TEST_CASE("Store: a full disk gives a clear error and commits nothing half-done") {
    TempDir t;
    std::string path = t.file();
    seeded(path);
    StoreOptions o;
    o.path = path;
    o.maxPages = 60; // the quota stands in for a full disk
    auto s = Store::open(o);
    std::vector<uint8_t> big(1024 * 1024, 7);
    {
        auto txn = s->begin();
        s->createRun(makeRun("r3"));
        StoreErrorKind kind{};
        std::string msg = errorOf([&] { s->putSnapshot("r3", 1, big, 5); }, &kind);
        CHECK(kind == StoreErrorKind::DiskFull);
        CHECK(msg == path + ": putSnapshot 'r3': disk full: database or disk is full");
        // SQLite rolled the whole transaction back: the Txn refuses to go on.
        CHECK(errorOf([&] { s->getRun("r3"); }, &kind) ==
              path + ": getRun 'r3': the transaction was already rolled back by an earlier "
                     "error; roll it back and begin a new one");
        CHECK(kind == StoreErrorKind::Misuse);
        CHECK(errorOf([&] { txn.commit(); }) ==
              path + ": commit: the transaction was already rolled back by an earlier error");
        CHECK(!s->inTransaction()); // commit() ended it
    }
    CHECK(!s->getRun("r3"));
    CHECK(!s->getSnapshot("r3"));
    // Small writes still fit, and outside a Txn a failed write leaves nothing.
    CHECK_THROWS_AS(s->putSnapshot("r1", 1, big, 5), StoreError);
    CHECK(!s->getSnapshot("r1"));
    s->putSnapshot("r1", 1, std::vector<uint8_t>{1}, 5);
    CHECK(s->getSnapshot("r1")->bytes == std::vector<uint8_t>{1});
    CHECK(s->integrityCheck() == "ok");
}

TEST_CASE("Store: a damaged page is reported by reads and by integrityCheck") {
    TempDir t;
    std::string path = t.file();
    {
        auto s = seeded(path);
        auto txn = s->begin();
        for (int i = 0; i < 3000; ++i)
            s->appendHistory({"r1", 0, i, "step", i, "n", R"({"k":"filler filler"})", i});
        txn.commit();
    }
    // Scribble over a page in the middle of the file (a history b-tree page).
    auto size = fs::file_size(path);
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(std::streamoff(size / 2 / 4096 * 4096));
        std::vector<char> junk(4096, char(0xA5));
        f.write(junk.data(), std::streamsize(junk.size()));
    }
    auto s = openStore(path);
    StoreErrorKind kind{};
    std::string msg = errorOf([&] { s->history("r1"); }, &kind);
    CHECK(kind == StoreErrorKind::Corrupt);
    CHECK(msg == path + ": history 'r1': database is corrupt: database disk image is malformed");
    std::string report = s->integrityCheck();
    CHECK(report != "ok");
    CHECK(!report.empty());
}

TEST_CASE("Store: a boundary's history rows go in together, in order, past one batch") {
    // appendHistoryRows writes up to 8 rows per INSERT; a row without a seq
    // goes alone and gets max(seq) + 1, as appendHistory gives it.
    TempDir t;
    auto s = seeded(t.file());
    std::vector<HistoryRow> rows;
    for (int64_t i = 1; i <= 19; ++i)
        rows.push_back({"r1", i == 10 ? 0 : i, 100 + i, "task.started", i, "n" + std::to_string(i),
                        i % 2 ? std::optional<std::string>(R"({"attempt":1})") : std::nullopt,
                        i * 3});
    {
        auto txn = s->begin();
        s->appendHistoryRows(rows);
        txn.commit();
    }
    auto got = s->history("r1");
    REQUIRE(got.size() == 19);
    for (int64_t i = 1; i <= 19; ++i) {
        const HistoryRow& h = got[size_t(i - 1)];
        CHECK(h.seq == i);
        CHECK(h.at == 100 + i);
        CHECK(h.name == "n" + std::to_string(i));
        CHECK(h.step == i);
        CHECK(h.line == i * 3);
        CHECK(h.detail.has_value() == bool(i % 2));
    }
}
