// Inspect.cpp — `flowrun status`, `list` and `history`: reading runs from the
// store. They open the database without driving anything.
#include <cstdio>
#include <ctime>
#include <map>

#include <nlohmann/json.hpp>

#include "Args.h"
#include "Commands.h"
#include "Views.h"
#include "flow/engine/Clock.h"
#include "flow/store/Store.h"

namespace flowrun {

namespace {

using Json = nlohmann::ordered_json;
using flow::store::Store;

std::unique_ptr<Store> openStore(const Args& a) {
    flow::store::StoreOptions o;
    o.path = dbPath(a);
    return Store::open(o);
}

std::string utc(int64_t ms) {
    std::time_t s = std::time_t(ms / 1000);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return std::string(buf) + "Z";
}

// 1.5s, 4m 10s, 2h 3m, 3d 4h: a duration as a person reads it.
std::string human(int64_t ms) {
    bool neg = ms < 0;
    if (neg) ms = -ms;
    char buf[48];
    if (ms < 1000)
        std::snprintf(buf, sizeof buf, "%lldms", (long long)ms);
    else if (ms < 60000)
        std::snprintf(buf, sizeof buf, "%.1fs", double(ms) / 1000);
    else if (ms < 3600000)
        std::snprintf(buf, sizeof buf, "%lldm %llds", (long long)(ms / 60000),
                      (long long)(ms / 1000 % 60));
    else if (ms < 86400000)
        std::snprintf(buf, sizeof buf, "%lldh %lldm", (long long)(ms / 3600000),
                      (long long)(ms / 60000 % 60));
    else
        std::snprintf(buf, sizeof buf, "%lldd %lldh", (long long)(ms / 86400000),
                      (long long)(ms / 3600000 % 24));
    return (neg ? "-" : "") + std::string(buf);
}

std::string dueText(int64_t due, int64_t now) {
    return utc(due) +
           (due >= now ? " (in " + human(due - now) + ")" : " (due " + human(now - due) + " ago)");
}

std::string oneLine(const Json& j, size_t cap = 100) {
    std::string s = j.dump();
    if (s.size() > cap) s = s.substr(0, cap) + "...";
    return s;
}

const char* const kStatusUsage = "flowrun status RUN_ID [--db PATH] [--json]";
const char* const kListUsage =
    "flowrun list [--status S] [--workflow W] [--limit N] [--db PATH] [--json]";
const char* const kHistoryUsage = "flowrun history RUN_ID [--db PATH] [--json]";

// The run, or nullopt after "no run 'ID' in DB" on stderr.
std::optional<flow::store::RunRow> findRun(Store& store, const std::string& id) {
    auto run = store.getRun(id);
    if (!run)
        std::fprintf(stderr, "flowrun: error: no run '%s' in %s\n", id.c_str(),
                     store.path().c_str());
    return run;
}

int storeFailure(const std::exception& e) {
    std::fprintf(stderr, "flowrun: error: %s\n", e.what());
    return kBadInput;
}

// A row whose JSON column holds valid JSON of another shape than the engine
// writes (a hand-edited or damaged database): say which run, as for a
// corrupt snapshot (exit 1), rather than the JSON library's bare type error.
int damagedRow(const std::string& id, const Store* store, const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "flowrun: error: run '%s' in %s has a damaged row (a JSON column of an "
                 "unexpected shape: %s)\n",
                 id.c_str(), store ? store->path().c_str() : "the database", e.what());
    return kProgramFailed;
}

// What one pending step waits for, in words.
std::string describeWait(const Json& w, int64_t now) {
    std::string kind = w.value("kind", "");
    std::string name = w.value("name", "");
    std::string out;
    if (kind == "task") {
        if (w.value("state", "") == "retry-backoff")
            out = "task " + name + ": attempt " + std::to_string(w.value("attempt", 0)) +
                  " failed; retry at " + dueText(w.value("due", int64_t(0)), now);
        else
            out = "task " + name + ": attempt " + std::to_string(w.value("attempt", 0)) +
                  " in flight since " + utc(w.value("startedAt", int64_t(0)));
    } else if (kind == "timer") {
        out = "timer: fires at " + dueText(w.value("due", int64_t(0)), now);
    } else if (kind == "signal") {
        out = "signal \"" + name + "\"";
    } else if (kind == "event") {
        out = "event \"" + name + "\"";
        if (w.contains("match") && !w["match"].is_null()) out += " matching " + oneLine(w["match"]);
    } else if (kind == "compute") {
        out = "computing: its code runs without an await, in time slices; it goes on here";
    } else if (kind == "child") {
        out = "child run " + w.value("run", "") + " (" + name + ")";
    } else {
        out = kind + " " + name;
    }
    if (w.contains("timeoutAt")) out += ", timeout at " + dueText(w["timeoutAt"], now);
    return out + "  [" + w.value("where", "") + "]";
}

} // namespace

int cmdStatus(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db"}, {"--json"});
    if (!a.error.empty()) return usageError("status", a.error, kStatusUsage);
    if (a.positional.size() != 1) return usageError("status", "expected one run id", kStatusUsage);
    std::unique_ptr<Store> store;
    try {
        store = openStore(a);
        auto run = findRun(*store, a.positional[0]);
        if (!run) return kBadInput;
        int64_t now = flow::engine::SystemClock().nowMs();
        Json waiting = Json::parse(run->waiting.value_or("[]"), nullptr, false);
        if (a.has("--json")) {
            std::printf("%s\n", runStatusView(*run).dump(2).c_str());
            return kOk;
        }
        std::printf("run       %s\n", run->id.c_str());
        std::printf("workflow  %s   module %s\n", run->workflow.c_str(),
                    run->moduleHash.substr(0, 12).c_str());
        std::printf("status    %s%s\n", std::string(flow::store::name(run->status)).c_str(),
                    run->cancelRequested ? " (cancel requested)" : "");
        std::printf("started   %s   updated %s\n", utc(run->createdAt).c_str(),
                    utc(run->updatedAt).c_str());
        if (run->parentRun) std::printf("parent    %s\n", run->parentRun->c_str());
        if (run->triggerEvent) {
            auto ev = store->getEvent(*run->triggerEvent);
            std::printf("trigger   event %lld%s\n", (long long)*run->triggerEvent,
                        ev ? (" (" + ev->type + ")").c_str() : "");
        }
        if (run->result)
            std::printf("result    %s\n",
                        oneLine(Json::parse(*run->result, nullptr, false), 400).c_str());
        if (run->error) {
            Json e = Json::parse(*run->error, nullptr, false);
            std::printf("error     %s\n", e.is_object()
                                              ? e.value("text", run->error->c_str()).c_str()
                                              : run->error->c_str());
        }
        if (waiting.is_array() && !waiting.empty()) {
            std::printf("waiting for:\n");
            for (const auto& w : waiting)
                std::printf("  step %llu  %s\n", (unsigned long long)w.value("step", 0ull),
                            describeWait(w, now).c_str());
        }
        return kOk;
    } catch (const nlohmann::json::exception& e) {
        return damagedRow(a.positional[0], store.get(), e);
    } catch (const std::exception& e) {
        return storeFailure(e);
    }
}

int cmdList(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db", "--status", "--workflow", "--limit"}, {"--json"});
    if (!a.error.empty()) return usageError("list", a.error, kListUsage);
    if (!a.positional.empty())
        return usageError("list", "unexpected argument '" + a.positional[0] + "'", kListUsage);
    flow::store::RunFilter f;
    if (auto s = a.get("--status")) {
        f.status = flow::store::parseRunStatus(*s);
        if (!f.status)
            return usageError("list",
                              "unknown status '" + *s +
                                  "' (running, waiting, completed, failed, cancelled)",
                              kListUsage);
    }
    if (auto w = a.get("--workflow")) f.workflow = *w;
    std::string bad;
    if (!intOption(a, "--limit", 0, INT64_MAX, &f.limit, &bad))
        return usageError("list", bad, kListUsage);
    try {
        auto store = openStore(a);
        auto runs = store->listRuns(f);
        if (a.has("--json")) {
            Json arr = Json::array();
            for (const auto& r : runs)
                arr.push_back(runListItemView(r));
            std::printf("%s\n", arr.dump(2).c_str());
            return kOk;
        }
        std::printf("%-20s %-20s %-10s %-12s %s\n", "RUN", "WORKFLOW", "STATUS", "MODULE",
                    "STARTED");
        for (const auto& r : runs)
            std::printf("%-20s %-20s %-10s %-12s %s\n", r.id.c_str(), r.workflow.c_str(),
                        std::string(flow::store::name(r.status)).c_str(),
                        r.moduleHash.substr(0, 12).c_str(), utc(r.createdAt).c_str());
        return kOk;
    } catch (const std::exception& e) {
        return storeFailure(e);
    }
}

int cmdHistory(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db"}, {"--json"});
    if (!a.error.empty()) return usageError("history", a.error, kHistoryUsage);
    if (a.positional.size() != 1)
        return usageError("history", "expected one run id", kHistoryUsage);
    std::unique_ptr<Store> store;
    try {
        store = openStore(a);
        auto run = findRun(*store, a.positional[0]);
        if (!run) return kBadInput;
        auto rows = store->history(run->id);
        if (a.has("--json")) {
            std::printf("%s\n", historyView(rows).dump(2).c_str());
            return kOk;
        }
        std::printf("run %s  workflow %s  status %s  module %s\n", run->id.c_str(),
                    run->workflow.c_str(), std::string(flow::store::name(run->status)).c_str(),
                    run->moduleHash.substr(0, 12).c_str());
        int64_t t0 = rows.empty() ? run->createdAt : rows.front().at;
        std::map<int64_t, int64_t> startedAt; // step -> when its attempt/wait began
        for (const auto& h : rows) {
            Json d = h.detail ? Json::parse(*h.detail, nullptr, false) : Json::object();
            if (!d.is_object()) d = Json::object();
            std::string label = (h.step ? std::to_string(h.step) + " " : std::string()) + h.name;
            if (d.contains("attempt")) label += " #" + std::to_string(d["attempt"].get<int64_t>());
            std::string extra;
            if (h.kind == "task.started" || h.kind.ends_with(".waiting") ||
                h.kind == "timer.started" || h.kind == "child.started")
                startedAt[h.step] = h.at;
            if (d.contains("durationMs"))
                extra += human(d["durationMs"].get<int64_t>()) + "  ";
            else if (startedAt.count(h.step) && h.step && !h.kind.ends_with("started") &&
                     !h.kind.ends_with("waiting"))
                extra += "after " + human(h.at - startedAt[h.step]) + "  ";
            if (d.contains("error") && d["error"].is_string())
                extra += d["error"].get<std::string>() + ": " + d.value("message", "") + "  ";
            if (d.contains("delayMs")) extra += "retry in " + human(d["delayMs"]) + "  ";
            if (d.contains("due") && h.kind == "timer.started")
                extra += "until " + utc(d["due"]) + "  ";
            if (d.contains("result")) extra += "result " + oneLine(d["result"], 80);
            if (d.contains("args")) extra += "args " + oneLine(d["args"], 80);
            if (d.contains("payload")) extra += "payload " + oneLine(d["payload"], 80);
            if (d.contains("triggerEvent"))
                extra += "trigger event " + d["triggerEvent"].dump() + "  ";
            if (d.contains("input")) extra += "input " + oneLine(d["input"], 80);
            if (h.kind == "run.failed" && d.contains("error") && d["error"].is_object())
                extra += d["error"].value("name", "") + ": " + d["error"].value("message", "");
            std::string where = d.value("where", "");
            while (!extra.empty() && extra.back() == ' ')
                extra.pop_back();
            if (!where.empty()) extra += (extra.empty() ? "[" : "  [") + where + "]";
            std::printf("%10s  %-22s %-18s %s\n", ("+" + human(h.at - t0)).c_str(), h.kind.c_str(),
                        label.c_str(), extra.c_str());
        }
        return kOk;
    } catch (const nlohmann::json::exception& e) {
        return damagedRow(a.positional[0], store.get(), e);
    } catch (const std::exception& e) {
        return storeFailure(e);
    }
}

} // namespace flowrun
