// StorePositions.test.cpp — consumer positions (schema v2): the durable place
// of each trigger in the event log (docs/store.md, docs/events.md).
#include <doctest/doctest.h>
#include <sqlite3.h>

#include "StoreHelper.h"

using namespace store_test;

TEST_CASE("Store consumer positions: init once, advance only forward") {
    TempDir t;
    auto s = openStore(t.file());
    CHECK_FALSE(s->consumerPosition("shop.flow:order.created#1"));
    CHECK(s->initConsumer("shop.flow:order.created#1", 5, 100));
    CHECK_FALSE(s->initConsumer("shop.flow:order.created#1", 9, 101)); // already there
    CHECK(s->consumerPosition("shop.flow:order.created#1") == 5);
    s->advanceConsumer("shop.flow:order.created#1", 12, 102);
    CHECK(s->consumerPosition("shop.flow:order.created#1") == 12);
    // A slower worker finishing an older batch never moves it back.
    s->advanceConsumer("shop.flow:order.created#1", 7, 103);
    CHECK(s->consumerPosition("shop.flow:order.created#1") == 12);
    // advance creates a missing row.
    s->advanceConsumer("b.flow:x#1", 3, 104);
    auto all = s->consumerPositions();
    REQUIRE(all.size() == 2);
    CHECK(all[0] == std::pair<std::string, int64_t>("b.flow:x#1", 3));
    CHECK(all[1] == std::pair<std::string, int64_t>("shop.flow:order.created#1", 12));
    StoreErrorKind kind{};
    errorOf([&] { s->advanceConsumer("k", -1, 1); }, &kind);
    CHECK(kind == StoreErrorKind::Misuse);
}

TEST_CASE("Store consumer positions: durable, rolled back with their transaction, cleared") {
    TempDir t;
    {
        auto s = openStore(t.file());
        {
            auto txn = s->begin();
            s->advanceConsumer("k", 4, 1);
        } // rolled back
        CHECK_FALSE(s->consumerPosition("k"));
        auto txn = s->begin();
        s->advanceConsumer("k", 4, 1);
        txn.commit();
    }
    auto s = openStore(t.file());
    CHECK(s->consumerPosition("k") == 4);
    s->clearRuns(); // positions are event ids: they go with the events
    CHECK_FALSE(s->consumerPosition("k"));
}

TEST_CASE("Store: a version 1 database is migrated to add consumer positions") {
    TempDir t;
    openStore(t.file()).reset();
    {
        // Turn it back into a version 1 file (as an older flowrun left it).
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(t.file().c_str(), &db) == SQLITE_OK);
        CHECK(sqlite3_exec(
                  db,
                  "DROP TABLE consumer_positions; DROP INDEX runs_unparked; "
                  "ALTER TABLE runs DROP COLUMN parked; ALTER TABLE runs DROP COLUMN base_dir; "
                  "ALTER TABLE deployments DROP COLUMN base_dir; PRAGMA user_version = 1",
                  nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    auto s = openStore(t.file());
    s->advanceConsumer("k", 2, 1);
    CHECK(s->consumerPosition("k") == 2);
    CHECK(s->claimableRuns(0, 10).empty()); // and version 3's runs.parked
    CHECK(Store::kSchemaVersion == 6);
}
