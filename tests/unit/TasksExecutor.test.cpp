// The bounded task pool: concurrency limit, queueing, cancel, shutdown.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "flow/tasks/Executor.h"
#include "flow/tasks/TaskOutput.h"

using flow::tasks::Executor;
using flow::tasks::TaskRequest;
using flow::tasks::TaskResult;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

TaskRequest sh(uint64_t id, const std::string& script) {
    TaskRequest r;
    r.id = id;
    r.path = "/bin/sh";
    r.args = {"-c", script};
    r.timeoutMs = 5000;
    return r;
}

} // namespace

TEST_CASE("TasksExecutor: 20 tasks on 4 workers all finish, never more than 4 at once") {
    std::string tmpl = (fs::temp_directory_path() / "flow-pool-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    fs::path log = fs::path(tmpl) / "events.log";

    Executor ex(4);
    for (uint64_t i = 0; i < 20; ++i) {
        TaskRequest r;
        r.id = 100 + i;
        r.path = "concurrency.sh";
        r.baseDir = FLOW_SOURCE_DIR "/tests/tasks";
        r.args = {log.string(), "0.1"};
        r.timeoutMs = 5000;
        ex.submit(std::move(r));
    }
    CHECK(ex.inFlight() == 20);
    std::set<uint64_t> ids;
    for (int i = 0; i < 20; ++i) {
        auto res = ex.wait(5000);
        REQUIRE(res.has_value());
        CHECK_MESSAGE(res->ok, (res->errorName + ": " + res->errorMessage + res->stderrTail));
        ids.insert(res->id);
    }
    CHECK(ids.size() == 20);
    CHECK(*ids.begin() == 100);
    CHECK(*ids.rbegin() == 119);
    CHECK(ex.inFlight() == 0);
    CHECK_FALSE(ex.wait(0).has_value());

    // Replay the scripts' own start/end timestamps; at equal times an end sorts
    // first. Each measured window lies inside its process's lifetime, so the
    // measured overlap can only under-count the real one.
    std::vector<std::pair<long long, int>> events;
    std::ifstream in(log);
    long long t;
    int delta;
    while (in >> t >> delta)
        events.emplace_back(t, delta);
    CHECK(events.size() == 40);
    std::sort(events.begin(), events.end());
    int cur = 0, maxRunning = 0;
    for (auto& [when, d] : events) {
        cur += d;
        maxRunning = std::max(maxRunning, cur);
    }
    CHECK(cur == 0);
    CHECK(maxRunning <= 4);
    CHECK(maxRunning >= 2); // they did overlap: the pool is concurrent
    fs::remove_all(tmpl);
}

TEST_CASE("TasksExecutor: cancel a running and a queued task") {
    Executor ex(1);
    ex.submit(sh(1, "sleep 30"));
    ex.submit(sh(2, "echo 2"));
    // Let task 1 start (task 2 stays queued behind it on the single worker).
    for (int i = 0; i < 100 && ex.inFlight() != 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(ex.cancel(2)); // queued
    CHECK(ex.cancel(1)); // running
    CHECK_FALSE(ex.cancel(99));
    std::set<uint64_t> cancelled;
    for (int i = 0; i < 2; ++i) {
        auto res = ex.wait(3000);
        REQUIRE(res.has_value());
        CHECK(res->errorName == "Cancelled");
        cancelled.insert(res->id);
    }
    CHECK(cancelled == std::set<uint64_t>{1, 2});
    CHECK_FALSE(ex.cancel(1)); // finished
    CHECK(ex.inFlight() == 0);

    // The pool still works afterwards, and onResult fires.
    std::atomic<int> notified{0};
    ex.setOnResult([&] { ++notified; });
    ex.submit(sh(3, "echo 3"));
    auto res = ex.wait(3000);
    REQUIRE(res.has_value());
    CHECK(res->ok);
    CHECK(res->resultJson == "3");
    // onResult runs just after the result is queued, possibly after wait() returned.
    for (int i = 0; i < 200 && notified == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(notified == 1);
}

TEST_CASE("TasksExecutor: a duplicate in-flight id is refused") {
    Executor ex(2);
    ex.submit(sh(5, "sleep 0.3; echo 1"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ex.submit(sh(5, "echo 2"));
    auto first = ex.wait(3000);
    REQUIRE(first.has_value());
    CHECK(first->errorName == "InvalidRequest");
    auto second = ex.wait(3000);
    REQUIRE(second.has_value());
    CHECK(second->ok);
    CHECK(second->resultJson == "1");
}

TEST_CASE("TasksExecutor: destruction kills what still runs, quickly") {
    auto t0 = std::chrono::steady_clock::now();
    {
        Executor ex(2);
        ex.submit(sh(1, "sleep 30"));
        ex.submit(sh(2, "sleep 30"));
        ex.submit(sh(3, "sleep 30"));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK(ms < 2000);
}

TEST_CASE("TasksOutput: classification helpers") {
    using namespace flow::tasks::detail;
    CHECK(lastNonEmptyLine("a\nb  \n \n\n") == "b");
    CHECK(lastNonEmptyLine("only") == "only");
    CHECK(lastNonEmptyLine("\n \n") == "");
    CHECK(lastNonEmptyLine("") == "");
    CHECK(sanitizeUtf8("ok \xC3\xA9") == "ok \xC3\xA9");
    CHECK(sanitizeUtf8("bad \xFF \xC0\x80 \xED\xA0\x80") ==
          "bad \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(excerpt("\xC3\xA9\xC3\xA9", 3) == "\xC3\xA9...");
    std::string canonical, err, name, msg;
    CHECK(parseJsonValue(" [1, {\"b\":2,\"a\":1}] ", canonical, err));
    CHECK(canonical == R"([1,{"b":2,"a":1}])"); // key order kept: JS objects keep it
    CHECK_FALSE(parseJsonValue("nul", canonical, err));
    // Deeper than the store keeps: refused before the parser (4 million levels
    // overflowed the serializer's recursion: flowrun died of SIGSEGV).
    for (size_t n : {size_t(513), size_t(4000000)}) {
        err.clear();
        CHECK_FALSE(parseJsonValue(std::string(n, '[') + std::string(n, ']'), canonical, err));
        CHECK(err.find("nested deeper than 512 levels") != std::string::npos);
    }
    CHECK(parseJsonValue(std::string(512, '[') + std::string(512, ']'), canonical, err));
    CHECK(errorObject(R"({"error":"E","message":{"x":1}})", name, msg));
    CHECK(name == "E");
    CHECK(msg == R"({"x":1})");
    CHECK_FALSE(errorObject("[1]", name, msg));
    CHECK(signalName(SIGKILL) == "SIGKILL");
    CHECK(jsonString("a\"b") == R"("a\"b")");
}

TEST_CASE("TasksExecutor: a finished result counts as in flight until wait() takes it") {
    // `work --until-idle` routes what wait(0) gives, then asks inFlight(): a
    // task finishing in between must not read as "nothing left".
    Executor ex(1);
    std::atomic<bool> delivered{false};
    ex.setOnResult([&] { delivered = true; });
    ex.submit(sh(7, "echo 7"));
    for (int i = 0; i < 1000 && !delivered; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(delivered);
    CHECK(ex.inFlight() == 1);
    auto r = ex.wait(0);
    REQUIRE(r.has_value());
    CHECK(r->id == 7);
    CHECK(ex.inFlight() == 0);
}
