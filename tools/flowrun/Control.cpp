// Control.cpp — `flowrun signal`, `emit`, `cancel` and `events`: messages to
// runs and to the event log, from outside any run.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "Args.h"
#include "Commands.h"
#include "flow/engine/Engine.h"

namespace flowrun {

namespace {
const char* const kSignalUsage = "flowrun signal RUN_ID NAME [JSON|@file] [--db PATH]";
const char* const kEmitUsage = "flowrun emit TYPE [JSON|@file] [--db PATH]";
const char* const kCancelUsage = "flowrun cancel RUN_ID [--db PATH]";
const char* const kEventsUsage = "flowrun events [--type T] [--since ID] [--limit N] [--unmatched] "
                                 "[--follow] [--db PATH] [--json]";

// --follow ends on Ctrl-C or SIGTERM, after the current poll.
std::atomic<bool> gFollowStop{false};
void onFollowStop(int) {
    gFollowStop.store(true);
}
// How often --follow looks for new events.
constexpr int kFollowPollMs = 100;

// Who consumed an event, for `flowrun events`: a trigger and the run it
// started (or its error), or a run whose waitForEvent took it.
nlohmann::ordered_json consumerJson(const flow::store::ConsumerRow& c) {
    nlohmann::ordered_json j = {
        {"consumer", c.consumer}, {"kind", std::string(flow::store::name(c.kind))}, {"at", c.at}};
    if (c.runId) j["run"] = *c.runId;
    if (c.error) j["error"] = *c.error;
    return j;
}

std::string consumerText(const flow::store::ConsumerRow& c) {
    if (c.kind == flow::store::ConsumerKind::Wait)
        return "waited for by run " + c.runId.value_or("?") + " (" + c.consumer + ")";
    if (c.error) return "trigger " + c.consumer + " failed: " + *c.error;
    return "trigger " + c.consumer + " started run " + c.runId.value_or("?");
}

flow::engine::EngineOptions options(const Args& a) {
    flow::engine::EngineOptions o;
    o.dbPath = dbPath(a);
    return o;
}

bool payloadArg(const Args& a, size_t index, std::string* out) {
    *out = "null";
    if (a.positional.size() <= index) return true;
    std::string err;
    if (!readJsonArg(a.positional[index], out, &err)) {
        std::fprintf(stderr, "flowrun: error: %s\n", err.c_str());
        return false;
    }
    if (std::string deep = flow::store::jsonDepthError(*out, "the payload"); !deep.empty()) {
        std::fprintf(stderr, "flowrun: error: %s\n", deep.c_str());
        return false;
    }
    if (nlohmann::json::parse(*out, nullptr, false).is_discarded()) {
        std::fprintf(stderr, "flowrun: error: the payload is not valid JSON: %s\n", out->c_str());
        return false;
    }
    return true;
}
} // namespace

int cmdSignal(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db"}, {});
    if (!a.error.empty()) return usageError("signal", a.error, kSignalUsage);
    if (a.positional.size() < 2 || a.positional.size() > 3)
        return usageError("signal", "expected RUN_ID NAME [JSON]", kSignalUsage);
    // signal("") is a TypeError in a workflow: nothing could ever take it.
    if (a.positional[1].empty())
        return usageError("signal", "the signal name is empty", kSignalUsage);
    std::string payload;
    if (!payloadArg(a, 2, &payload)) return kBadInput;
    return guarded([&] {
        flow::engine::Engine engine(options(a));
        engine.signal(a.positional[0], a.positional[1], payload);
        return kOk;
    });
}

int cmdEmit(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db"}, {});
    if (!a.error.empty()) return usageError("emit", a.error, kEmitUsage);
    if (a.positional.empty() || a.positional.size() > 2)
        return usageError("emit", "expected TYPE [JSON]", kEmitUsage);
    if (a.positional[0].empty()) return usageError("emit", "the event type is empty", kEmitUsage);
    std::string payload;
    if (!payloadArg(a, 1, &payload)) return kBadInput;
    return guarded([&] {
        flow::engine::Engine engine(options(a));
        int64_t id = engine.store().appendEvent(a.positional[0], payload, engine.clock().nowMs());
        std::printf("%lld\n", (long long)id);
        return kOk;
    });
}

int cmdCancel(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db"}, {});
    if (!a.error.empty()) return usageError("cancel", a.error, kCancelUsage);
    if (a.positional.size() != 1) return usageError("cancel", "expected one run id", kCancelUsage);
    return guarded([&] {
        flow::engine::Engine engine(options(a));
        engine.cancel(a.positional[0]);
        // Nobody may be driving the run: drive it here until the
        // cancellation has run its finally blocks. If another process holds
        // it, that process applies the request.
        try {
            auto out = engine.drive(a.positional[0]);
            std::printf("run %s: %s\n", a.positional[0].c_str(),
                        std::string(flow::store::name(out.status)).c_str());
        } catch (const flow::engine::EngineError& e) {
            // Exit code 1 (a corrupt snapshot or module, a failed commit):
            // no process can load the run to apply the request; exit 0 would
            // say it will happen. Otherwise (2: another process holds the
            // run) that process applies it.
            if (e.exitCode == kProgramFailed) {
                std::fflush(stdout);
                std::fprintf(stderr,
                             "flowrun: error: run %s: the cancel request is recorded, but the run "
                             "cannot be loaded to apply it: %s\n",
                             a.positional[0].c_str(), e.what());
                return kProgramFailed;
            }
            std::printf("run %s: cancellation requested (%s)\n", a.positional[0].c_str(), e.what());
        }
        return kOk;
    });
}

int cmdEvents(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db", "--type", "--since", "--limit"},
                       {"--unmatched", "--json", "--follow"});
    if (!a.error.empty()) return usageError("events", a.error, kEventsUsage);
    if (a.has("--follow") && (a.has("--json") || a.has("--unmatched")))
        return usageError("events",
                          "--follow prints each new event as it is appended; it takes no "
                          "--json or --unmatched",
                          kEventsUsage);
    int64_t limit = 100, since = 0;
    std::string bad;
    if (!intOption(a, "--limit", 0, INT64_MAX, &limit, &bad) ||
        !intOption(a, "--since", 0, INT64_MAX, &since, &bad))
        return usageError("events", bad, kEventsUsage);
    return guarded([&] {
        flow::engine::Engine engine(options(a));
        auto fetch = [&](int64_t after, int64_t max) {
            if (a.has("--unmatched")) {
                auto rows = engine.store().unmatchedEvents(a.has("--type") ? 0 : max, after);
                if (auto t = a.get("--type"))
                    std::erase_if(rows, [&](const auto& e) { return e.type != *t; });
                if (max > 0 && int64_t(rows.size()) > max) rows.resize(size_t(max));
                return rows;
            }
            flow::store::EventFilter f;
            if (auto t = a.get("--type")) f.type = *t;
            f.sinceId = after;
            f.limit = max;
            return engine.store().events(f);
        };
        auto printLine = [&](const flow::store::EventRow& e) {
            std::printf("%lld  %s  %s%s\n", (long long)e.id, e.type.c_str(), e.payload.c_str(),
                        e.sourceRun ? ("  (from " + *e.sourceRun + ")").c_str() : "");
            for (const auto& c : engine.store().consumers(e.id))
                std::printf("    -> %s\n", consumerText(c).c_str());
        };
        std::vector<flow::store::EventRow> rows = fetch(since, limit);
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (const auto& e : rows) {
            if (a.has("--json")) {
                nlohmann::ordered_json j = {
                    {"id", e.id},
                    {"type", e.type},
                    {"at", e.at},
                    {"payload", nlohmann::ordered_json::parse(e.payload, nullptr, false)}};
                if (e.sourceRun) j["run"] = *e.sourceRun;
                nlohmann::ordered_json cs = nlohmann::ordered_json::array();
                for (const auto& c : engine.store().consumers(e.id))
                    cs.push_back(consumerJson(c));
                j["consumers"] = cs;
                arr.push_back(j);
            } else {
                printLine(e);
            }
        }
        if (a.has("--json")) std::printf("%s\n", arr.dump(2).c_str());
        if (!a.has("--follow")) return kOk;
        // Follow: the events appended from now on (after the last one shown,
        // or after the newest one when the listing was cut by --limit).
        struct sigaction sa {};
        sa.sa_handler = onFollowStop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        int64_t cursor = rows.empty() ? std::max(since, engine.store().lastEventId())
                                      : std::max(rows.back().id, engine.store().lastEventId());
        std::fflush(stdout);
        while (!gFollowStop.load()) {
            auto fresh = fetch(cursor, 1000);
            for (const auto& e : fresh) {
                printLine(e);
                cursor = std::max(cursor, e.id);
            }
            if (!fresh.empty()) {
                std::fflush(stdout);
                continue;
            }
            engine.clock().sleepMs(kFollowPollMs);
        }
        return kOk;
    });
}

} // namespace flowrun
