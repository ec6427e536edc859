#pragma once
// StoreHelper.h — shared fixtures for the Store*.test.cpp units: a fresh temp
// directory per test, a store opened on a real file in it, and a module and
// run to hang rows on (most tables reference runs, which reference modules).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "flow/store/Store.h"

namespace store_test {

namespace fs = std::filesystem;
using namespace flow::store;

// A fresh directory under the system temp dir, removed with everything in it.
struct TempDir {
    fs::path dir;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "flow-store-XXXXXX").string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        REQUIRE(mkdtemp(buf.data()) != nullptr);
        dir = buf.data();
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name = "flow.db") const { return (dir / name).string(); }
};

inline std::unique_ptr<Store> openStore(const std::string& path, int busyTimeoutMs = 10000) {
    StoreOptions o;
    o.path = path;
    o.busyTimeoutMs = busyTimeoutMs;
    return Store::open(o);
}

// The message of the StoreError that f throws (fails the test if none).
template <typename F>
std::string errorOf(F&& f, StoreErrorKind* kind = nullptr) {
    try {
        f();
    } catch (const StoreError& e) {
        if (kind) *kind = e.kind();
        return e.what();
    }
    FAIL("expected a StoreError");
    return "";
}

inline const std::string kHash(64, 'a');
inline const std::string kHash2(64, 'b');

inline RunRow makeRun(const std::string& id, int64_t createdAt = 1000,
                      const std::string& workflow = "order") {
    RunRow r;
    r.id = id;
    r.workflow = workflow;
    r.moduleHash = kHash;
    r.status = RunStatus::Running;
    r.input = R"({"n":1})";
    r.createdAt = createdAt;
    r.updatedAt = createdAt;
    return r;
}

// A store with module kHash stored and runs "r1" and "r2" created.
inline std::unique_ptr<Store> seeded(const std::string& path) {
    auto s = openStore(path);
    std::vector<uint8_t> bytes = {1, 2, 3};
    s->putModule(kHash, bytes, std::string("workflow order() {}"), 500);
    s->createRun(makeRun("r1", 1000));
    s->createRun(makeRun("r2", 2000));
    return s;
}

// A raw SQLite connection, to look at (or tamper with) a file behind the store's back.
struct Raw {
    sqlite3* db = nullptr;
    explicit Raw(const std::string& path) { REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK); }
    ~Raw() { sqlite3_close(db); }
    Raw(const Raw&) = delete;
    Raw& operator=(const Raw&) = delete;
    int tryExec(const std::string& sql, std::string* err = nullptr) {
        char* e = nullptr;
        int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &e);
        if (err) *err = e ? e : "";
        sqlite3_free(e);
        return rc;
    }
    void exec(const std::string& sql) {
        std::string err;
        int rc = tryExec(sql, &err);
        INFO(sql << ": " << err);
        REQUIRE(rc == SQLITE_OK);
    }
    std::string value(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
        std::string v;
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return v;
    }
};

} // namespace store_test
