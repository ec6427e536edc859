// Control.cpp — `flowrun signal`, `emit`, `cancel` and `events`: messages to
// runs and to the event log, from outside any run.
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
const char* const kEventsUsage =
    "flowrun events [--type T] [--since ID] [--limit N] [--unmatched] [--db PATH] [--json]";

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
            std::printf("run %s: cancellation requested (%s)\n", a.positional[0].c_str(),
                        e.what());
        }
        return kOk;
    });
}

int cmdEvents(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db", "--type", "--since", "--limit"}, {"--unmatched", "--json"});
    if (!a.error.empty()) return usageError("events", a.error, kEventsUsage);
    return guarded([&] {
        flow::engine::Engine engine(options(a));
        std::vector<flow::store::EventRow> rows;
        int64_t limit = a.get("--limit") ? std::atoll(a.get("--limit")->c_str()) : 100;
        int64_t since = a.get("--since") ? std::atoll(a.get("--since")->c_str()) : 0;
        if (a.has("--unmatched")) {
            rows = engine.store().unmatchedEvents(limit, since);
        } else {
            flow::store::EventFilter f;
            if (auto t = a.get("--type")) f.type = *t;
            f.sinceId = since;
            f.limit = limit;
            rows = engine.store().events(f);
        }
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (const auto& e : rows) {
            if (a.has("--json")) {
                nlohmann::ordered_json j = {{"id", e.id}, {"type", e.type}, {"at", e.at},
                                            {"payload", nlohmann::ordered_json::parse(e.payload, nullptr, false)}};
                if (e.sourceRun) j["run"] = *e.sourceRun;
                arr.push_back(j);
            } else {
                std::printf("%lld  %s  %s%s\n", (long long)e.id, e.type.c_str(), e.payload.c_str(),
                            e.sourceRun ? ("  (from " + *e.sourceRun + ")").c_str() : "");
            }
        }
        if (a.has("--json")) std::printf("%s\n", arr.dump(2).c_str());
        return kOk;
    });
}

} // namespace flowrun
