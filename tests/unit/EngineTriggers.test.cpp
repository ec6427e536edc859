// EngineTriggers.test.cpp — Engine::deploy, startDeployed and dispatchTriggers
// on a real database file (docs/events.md). The CLI end-to-end cases are in
// tests/e2e/triggers/run_triggers.py.
#include <doctest/doctest.h>

#include <atomic>

#include "StoreHelper.h"
#include "flow/bytecode/Writer.h"
#include "flow/compiler/Compiler.h"
#include "flow/engine/Engine.h"

using namespace store_test;
using flow::engine::Engine;
using flow::engine::EngineError;

namespace {

std::vector<uint8_t> compileFlow(const std::string& path, const std::string& src) {
    flow::compiler::CompileOptions opts;
    std::string diags;
    auto c =
        flow::compiler::compileSource(path, src, opts, [&](std::string_view s) { diags += s; });
    INFO(diags);
    REQUIRE(c->module);
    return flow::bytecode::writeModule(*c->module);
}

flow::engine::EngineOptions opts(const std::string& db) {
    flow::engine::EngineOptions o;
    o.dbPath = db;
    o.out = [](std::string_view) {};
    o.err = [](std::string_view) {};
    return o;
}

const char* const kShop = R"(
workflow fulfil(order) { return { id: order.id } }
on "order.created" (e) when (e.id > 0) => start fulfil(e)
on "order.bad" (e) => { throw new TypeError("bad " + e.id) }
)";

} // namespace

TEST_CASE("Engine: deploy, then startDeployed starts the deployed version") {
    TempDir t;
    Engine e(opts(t.file()));
    std::string hash = e.deploy(compileFlow("shop.flow", kShop), "shop.flow");
    CHECK(e.store().deployedModule("fulfil") == hash);
    CHECK(e.deploy(compileFlow("shop.flow", kShop), "shop.flow") == hash); // idempotent
    std::string id = e.startDeployed("fulfil", R"({"id":5})");
    std::atomic<bool> stop{false};
    flow::engine::WorkOptions w;
    w.untilIdle = true;
    e.work(&stop, w);
    auto run = e.store().getRun(id);
    REQUIRE(run);
    CHECK(run->status == RunStatus::Completed);
    CHECK(run->moduleHash == hash);
    try {
        e.startDeployed("nope", "null");
        FAIL("expected an EngineError");
    } catch (const EngineError& err) {
        CHECK(std::string(err.what()) ==
              "no deployed workflow 'nope' (deploy a module first: flowrun deploy FILE)");
        CHECK(err.exitCode == 2);
    }
    CHECK_THROWS_AS(e.deploy(compileFlow("empty.flow", "const x = 1\n"), "empty.flow"),
                    EngineError);
}

TEST_CASE("Engine: dispatchTriggers starts one run per event, records failures, once") {
    TempDir t;
    Engine e(opts(t.file()));
    int64_t before = e.store().appendEvent("order.created", R"({"id":1})", 1);
    e.deploy(compileFlow("shop.flow", kShop), "shop.flow");
    int64_t ok = e.store().appendEvent("order.created", R"({"id":2})", 2);
    int64_t filtered = e.store().appendEvent("order.created", R"({"id":0})", 3);
    int64_t bad = e.store().appendEvent("order.bad", R"({"id":3})", 4);
    CHECK(e.dispatchTriggers() == 1);
    CHECK(e.dispatchTriggers() == 0);
    // A second engine (another worker) finds nothing left to do.
    {
        Engine other(opts(t.file()));
        CHECK(other.dispatchTriggers() == 0);
    }
    CHECK(e.store().consumers(before).empty()); // before the deployment
    CHECK(e.store().consumers(filtered).empty());
    auto c = e.store().consumers(ok);
    REQUIRE(c.size() == 1);
    CHECK(c[0].consumer == "shop.flow:order.created#1");
    REQUIRE(c[0].runId);
    auto run = e.store().getRun(*c[0].runId);
    REQUIRE(run);
    CHECK(run->triggerEvent == ok);
    CHECK(run->workflow == "fulfil");
    auto b = e.store().consumers(bad);
    REQUIRE(b.size() == 1);
    CHECK_FALSE(b[0].runId);
    REQUIRE(b[0].error);
    CHECK(b[0].error->find("TypeError: bad 3") == 0);
    auto active = e.activeTriggers();
    REQUIRE(active.size() == 2);
    CHECK(active[0].key == "shop.flow:order.created#1");
    CHECK(active[0].where == "shop.flow:3");
}
