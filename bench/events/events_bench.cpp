// events_bench — issue 6 benchmark, in-process part: the event log and
// trigger dispatch through the store and engine APIs (no HTTP, no CLI; the
// HTTP and multi-process figures come from bench/events/run.py).
//
//   (1) appends: Store::appendEvent one per transaction (synchronous FULL and
//       NORMAL) and in group-committed transactions of B events (FULL);
//   (2) dispatch: a deployed `on "bench.tick" (e) => start tick(e)` where
//       tick is one builtin("noop") step; N events appended first, then one
//       Engine::work(untilIdle) turns every event into a completed run;
//   (3) latency: a worker thread runs Engine::work() (as `flowrun serve`
//       does); the main thread appends one event at a time and measures the
//       time until the triggered run's first step is in the database, with
//       the worker's idle poll at the serve default (50 ms) and at 1 ms.
// Reference measured in the same run, on the same disk: the fsync rate
// (bench/runtime/CommitRate.h). Figures are printed as a table, then one
// JSON object as the last line.
//
//   flow_events_bench [--dir PARENT] [--seconds S] [--batch B] [--dispatch N]
//                     [--latency M] [--quick] [--keep]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../runtime/CommitRate.h"
#include "flow/bytecode/Writer.h"
#include "flow/compiler/Compiler.h"
#include "flow/engine/Engine.h"
#include "flow/store/Store.h"

namespace {

using Json = nlohmann::ordered_json;
using flow::engine::Engine;
using flow::engine::EngineOptions;
using flow::store::Store;
using SteadyClock = std::chrono::steady_clock;

struct BenchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Options {
    std::string parent;
    double seconds = 1.5; // per append mode, and for the fsync reference
    long batch = 100;     // events per group-committed transaction
    long dispatch = 5000; // events dispatched to the trigger
    long latency = 200;   // latency samples per poll setting
    bool keep = false;
};

const char* const kUsage =
    "usage: flow_events_bench [options]\n"
    "  --dir PARENT     where the temp directory goes (default $TMPDIR or /tmp)\n"
    "  --seconds S      time per append mode and for the fsync reference (1.5)\n"
    "  --batch B        events per group-committed transaction (100)\n"
    "  --dispatch N     events turned into runs by the trigger (5000)\n"
    "  --latency M      latency samples per idle-poll setting (200)\n"
    "  --quick          --seconds 0.5 --dispatch 1000 --latency 50\n"
    "  --keep           keep the databases\n";

[[noreturn]] void usageError(const std::string& msg) {
    std::fprintf(stderr, "flow_events_bench: error: %s (see --help)\n", msg.c_str());
    std::exit(2);
}

long parseCount(const std::string& flag, const std::string& text, long min, long max) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE || v < min || v > max)
        usageError(flag + " needs an integer from " + std::to_string(min) + " to " +
                   std::to_string(max) + ", not '" + text + "'");
    return v;
}

Options parseOptions(int argc, char** argv) {
    Options o;
    const char* tmp = std::getenv("TMPDIR");
    o.parent = tmp && *tmp ? tmp : "/tmp";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usageError(a + " needs a value");
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (a == "--dir") {
            o.parent = value();
        } else if (a == "--keep") {
            o.keep = true;
        } else if (a == "--seconds") {
            std::string v = value();
            char* end = nullptr;
            o.seconds = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || !(o.seconds >= 0.05 && o.seconds <= 60))
                usageError("--seconds needs a number from 0.05 to 60, not '" + v + "'");
        } else if (a == "--batch") {
            o.batch = parseCount(a, value(), 2, 100'000);
        } else if (a == "--dispatch") {
            o.dispatch = parseCount(a, value(), 1, 10'000'000);
        } else if (a == "--latency") {
            o.latency = parseCount(a, value(), 1, 100'000);
        } else if (a == "--quick") {
            o.seconds = 0.5;
            o.dispatch = 1000;
            o.latency = 50;
        } else {
            usageError("unknown option '" + a + "'");
        }
    }
    return o;
}

double since(SteadyClock::time_point t0) {
    return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// Wall-clock milliseconds with a fractional part: the engine stamps history
// rows with whole milliseconds of the same clock.
double wallMs() {
    using namespace std::chrono;
    return double(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()) /
           1000.0;
}

int64_t wallMsInt() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

class Scratch {
public:
    Scratch(const std::string& parent, bool keep) : keep_(keep) {
        std::string tmpl = parent + "/flow-events-bench.XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (!::mkdtemp(buf.data()))
            throw BenchError("cannot create a temp directory in " + parent + ": " +
                             std::strerror(errno));
        path_ = buf.data();
    }
    ~Scratch() {
        std::error_code ec;
        if (!keep_) std::filesystem::remove_all(path_, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
    bool keep_;
};

// A payload of about 100 bytes, like a small business event.
std::string payload(long i) {
    return "{\"order\":" + std::to_string(i) +
           ",\"sku\":\"SKU-000123\",\"qty\":2,\"price\":19.99,\"customer\":\"c-4711\","
           "\"note\":\"benchmark\"}";
}

// ---------------------------------------------------------------- (1) appends

constexpr long kWarmupBatches = 40; // x 1,000 events: ~1,600 WAL pages

// The reference SQLite's WAL commits actually pay: fdatasync (not fsync) of a
// file whose size does not change. Same loop as CommitRate's fsyncRate.
double fdatasyncRate(const std::string& dir, double seconds) {
    std::string path = dir + "/fdatasync-probe.bin";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw BenchError("cannot create " + path + ": " + std::strerror(errno));
    constexpr size_t kBlock = 4096, kBlocks = 256;
    std::vector<char> buf(kBlock, 'f');
    bool ok = true;
    for (size_t i = 0; i < kBlocks && ok; ++i)
        ok = ::pwrite(fd, buf.data(), kBlock, off_t(i * kBlock)) == ssize_t(kBlock);
    ok = ok && ::fsync(fd) == 0;
    long n = 0;
    auto t0 = SteadyClock::now();
    while (ok && since(t0) < seconds) {
        buf[0] = char(n);
        ok = ::pwrite(fd, buf.data(), kBlock, off_t((size_t(n) % kBlocks) * kBlock)) ==
                 ssize_t(kBlock) &&
             ::fdatasync(fd) == 0;
        ++n;
    }
    double rate = double(n) / since(t0);
    ::close(fd);
    ::unlink(path.c_str());
    if (!ok) throw BenchError("cannot write and fdatasync " + path + ": " + std::strerror(errno));
    return rate;
}

struct AppendResult {
    std::string mode;
    long perTxn = 1;
    bool normal = false;
    long events = 0;
    double seconds = 0;
    double perSec() const { return seconds > 0 ? double(events) / seconds : 0; }
};

AppendResult appendBench(const std::string& dir, const std::string& mode, bool normal, long perTxn,
                         double seconds) {
    AppendResult r;
    r.mode = mode;
    r.perTxn = perTxn;
    r.normal = normal;
    auto store =
        Store::open({.path = dir + "/append-" + mode + ".db", .synchronousNormal = normal});
    // Warm-up: enough events for the WAL to pass SQLite's 1,000-page
    // checkpoint and restart, so timed commits overwrite the WAL in place as
    // in a long-running server. While the WAL grows, every commit's
    // fdatasync also has to flush the file's new size (a journal commit of
    // the file system), which costs about an fsync; in place it does not.
    for (long b = 0; b < kWarmupBatches; ++b) {
        Store::Txn txn = store->begin();
        for (long k = 0; k < 1000; ++k)
            store->appendEvent("bench.warmup", payload(k), wallMsInt());
        txn.commit();
    }
    const int64_t base = store->lastEventId();
    auto t0 = SteadyClock::now();
    do {
        if (perTxn == 1) {
            store->appendEvent("bench.tick", payload(r.events), wallMsInt());
            ++r.events;
        } else {
            Store::Txn txn = store->begin();
            for (long k = 0; k < perTxn; ++k)
                store->appendEvent("bench.tick", payload(r.events + k), wallMsInt());
            txn.commit();
            r.events += perTxn;
        }
    } while (since(t0) < seconds);
    r.seconds = since(t0);
    if (store->lastEventId() != base + r.events)
        throw BenchError("append " + mode + ": the log holds " +
                         std::to_string(store->lastEventId() - base) + " new events, expected " +
                         std::to_string(r.events));
    return r;
}

// ---------------------------------------------------------------- (2) dispatch

const char* const kTickSource = R"(task noop(x) = builtin("noop")

workflow tick(e) {
  await noop(e.order)
  return e.order
}

on "bench.tick" (e) => start tick(e)
)";

std::vector<uint8_t> compileTick() {
    std::string diags;
    flow::compiler::CompileOptions co;
    auto c = flow::compiler::compileSource("events.flow", kTickSource, co,
                                           [&](std::string_view s) { diags += s; });
    if (!c->ok() || !c->module)
        throw BenchError("the benchmark's program does not compile:\n" + diags);
    return flow::bytecode::writeModule(*c->module);
}

EngineOptions quiet(const std::string& db, bool normal) {
    EngineOptions o;
    o.dbPath = db;
    o.synchronousNormal = normal;
    o.out = [](std::string_view) {};
    o.err = [](std::string_view) {};
    return o;
}

struct DispatchResult {
    long events = 0;
    double appendSeconds = 0; // setup (NORMAL, batches of 1000): reported, not a target
    double workSeconds = 0;
    long completed = 0;
    uint64_t commits = 0, activations = 0;
    double perSec() const { return workSeconds > 0 ? double(events) / workSeconds : 0; }
};

long countCompleted(Store& s) {
    long n = 0;
    for (const auto& r : s.listRuns({.status = flow::store::RunStatus::Completed, .limit = 0}))
        n += r.workflow == "tick" ? 1 : 0;
    return n;
}

DispatchResult dispatchBench(const std::string& dir, const std::vector<uint8_t>& bytes, long n) {
    DispatchResult r;
    r.events = n;
    std::string db = dir + "/dispatch.db";
    {
        // Deploy first: a trigger sees the events appended after it is active.
        Engine setup(quiet(db, true));
        setup.deploy(bytes, "events.flow");
        Store& s = setup.store();
        auto t0 = SteadyClock::now();
        for (long i = 0; i < n; i += 1000) {
            Store::Txn txn = s.begin();
            for (long k = i; k < std::min(n, i + 1000); ++k)
                s.appendEvent("bench.tick", payload(k), wallMsInt());
            txn.commit();
        }
        r.appendSeconds = since(t0);
    }
    Engine worker(quiet(db, false));
    std::atomic<bool> stop{false};
    flow::engine::WorkOptions wo;
    wo.untilIdle = true;
    auto t0 = SteadyClock::now();
    flow::engine::WorkStats st = worker.work(&stop, wo);
    r.workSeconds = since(t0);
    r.commits = st.commits;
    r.activations = st.activations;
    r.completed = countCompleted(worker.store());
    if (r.completed != n)
        throw BenchError("dispatch: " + std::to_string(r.completed) + " runs completed, expected " +
                         std::to_string(n));
    return r;
}

// ---------------------------------------------------------------- (3) latency

struct LatencyResult {
    int64_t pollMs = 0;
    // at(first task.started) - append start: the engine's whole-ms stamps
    // against this process's clock (same machine, same clock).
    std::vector<double> stepMs, doneMs;
    // append start -> this thread saw the first step's row (µs resolution,
    // includes the observer's 0.2 ms polling).
    std::vector<double> seenMs;
    double appendMs = 0; // mean duration of the append commit itself
};

double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

LatencyResult latencyBench(const std::string& dir, const std::vector<uint8_t>& bytes, long samples,
                           int64_t pollMs) {
    LatencyResult r;
    r.pollMs = pollMs;
    std::string db = dir + "/latency-" + std::to_string(pollMs) + ".db";
    {
        Engine setup(quiet(db, false));
        setup.deploy(bytes, "events.flow");
    }
    std::atomic<bool> stop{false};
    std::string workerError;
    std::thread worker([&] {
        try {
            EngineOptions eo = quiet(db, false);
            eo.pollMs = pollMs;
            Engine e(eo);
            e.work(&stop);
        } catch (const std::exception& e) {
            workerError = e.what();
        }
    });
    auto appender = Store::open({.path = db});
    auto reader = Store::open({.path = db});
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> gap(0, 1000); // µs: decorrelates from the poll phase
    double appendTotal = 0;
    try {
        for (long i = 0; i < samples + 3 && workerError.empty(); ++i) {
            std::this_thread::sleep_for(std::chrono::microseconds(2000 + gap(rng) * int(pollMs)));
            double sent = wallMs();
            int64_t id = appender->appendEvent("bench.tick", payload(i), wallMsInt());
            appendTotal += wallMs() - sent;
            std::string run;
            std::optional<flow::store::HistoryRow> step, done;
            double seen = 0;
            auto t0 = SteadyClock::now();
            while (!done) {
                if (since(t0) > 10) throw BenchError("latency: no run finished within 10 s");
                if (run.empty())
                    for (const auto& c : reader->consumers(id))
                        if (c.runId) run = *c.runId;
                if (!run.empty())
                    for (const auto& h : reader->history(run)) {
                        if (!step && h.kind == "task.started") {
                            step = h;
                            seen = wallMs();
                        }
                        if (h.kind == "task.completed") done = h;
                    }
                if (!done) std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
            if (i < 3) continue; // warm-up: module load, first statements
            r.stepMs.push_back(double(step->at) - sent);
            r.doneMs.push_back(double(done->at) - sent);
            r.seenMs.push_back(seen - sent);
        }
    } catch (...) {
        stop.store(true);
        worker.join();
        throw;
    }
    stop.store(true);
    worker.join();
    if (!workerError.empty()) throw BenchError("latency: the worker failed: " + workerError);
    r.appendMs = appendTotal / double(samples + 3);
    return r;
}

} // namespace

int main(int argc, char** argv) {
    Options o = parseOptions(argc, argv);
    try {
        Scratch scratch(o.parent, o.keep);
        const std::string& dir = scratch.path();
        flow::bench::CommitRate fs = flow::bench::fsyncRate(dir, o.seconds);
        flow::bench::CommitRate sq = flow::bench::sqliteRate(dir, o.seconds);
        double fds = fdatasyncRate(dir, o.seconds);

        std::vector<AppendResult> appends;
        appends.push_back(appendBench(dir, "full-1", false, 1, o.seconds));
        appends.push_back(appendBench(dir, "normal-1", true, 1, o.seconds));
        appends.push_back(
            appendBench(dir, "full-" + std::to_string(o.batch), false, o.batch, o.seconds));
        appends.push_back(
            appendBench(dir, "normal-" + std::to_string(o.batch), true, o.batch, o.seconds));

        std::vector<uint8_t> bytes = compileTick();
        DispatchResult d = dispatchBench(dir, bytes, o.dispatch);
        std::vector<LatencyResult> lats;
        for (int64_t poll : {int64_t(50), int64_t(1)})
            lats.push_back(latencyBench(dir, bytes, o.latency, poll));

        double load[3] = {0, 0, 0};
        if (getloadavg(load, 3) < 1) load[0] = -1;

        std::printf("events bench (dir %s), load average %.2f\n", o.parent.c_str(), load[0]);
        std::printf("reference: fsync %.0f/s, fdatasync %.0f/s, SQLite FULL one-row commits "
                    "(fresh WAL) %.0f/s\n",
                    fs.perSec, fds, sq.perSec);
        std::printf("\n%-34s %10s %12s %10s\n", "appends (Store::appendEvent)", "events",
                    "events/s", "/ fsync");
        for (const auto& a : appends) {
            std::string label = std::string(a.normal ? "NORMAL" : "FULL") + ", " +
                                std::to_string(a.perTxn) + " per transaction";
            std::printf("%-34s %10ld %12.0f %10.2f\n", label.c_str(), a.events, a.perSec(),
                        a.perSec() / fs.perSec);
        }
        std::printf("\ntrigger dispatch: %ld events -> %ld completed one-step runs\n", d.events,
                    d.completed);
        std::printf("  Engine::work(untilIdle), FULL: %.2f s, %.0f events/s (%.2f x fsync), "
                    "%llu activation commits\n",
                    d.workSeconds, d.perSec(), d.perSec() / fs.perSec,
                    (unsigned long long)d.commits);
        std::printf("\nlatency append -> triggered run's first step (ms; history stamps are "
                    "whole ms)\n");
        std::printf("%-22s %8s %8s %8s %8s %10s %10s\n", "worker idle poll", "step p50", "step p99",
                    "done p50", "done p99", "seen p50", "seen p99");
        for (const auto& l : lats)
            std::printf("%-22s %8.1f %8.1f %8.1f %8.1f %10.2f %10.2f\n",
                        (std::to_string(l.pollMs) + " ms").c_str(), pct(l.stepMs, 0.5),
                        pct(l.stepMs, 0.99), pct(l.doneMs, 0.5), pct(l.doneMs, 0.99),
                        pct(l.seenMs, 0.5), pct(l.seenMs, 0.99));

        Json j;
        j["bench"] = "events";
        j["load1"] = load[0];
        j["fsync_per_s"] = fs.perSec;
        j["fdatasync_per_s"] = fds;
        j["sqlite_full_commits_per_s"] = sq.perSec;
        Json ja = Json::array();
        for (const auto& a : appends)
            ja.push_back({{"mode", a.mode},
                          {"synchronous", a.normal ? "NORMAL" : "FULL"},
                          {"per_txn", a.perTxn},
                          {"events", a.events},
                          {"events_per_s", a.perSec()},
                          {"over_fsync", a.perSec() / fs.perSec},
                          {"over_fdatasync", a.perSec() / fds},
                          {"target_5000_met", a.perSec() >= 5000}});
        j["appends"] = ja;
        j["dispatch"] = {{"events", d.events},
                         {"completed", d.completed},
                         {"seconds", d.workSeconds},
                         {"events_per_s", d.perSec()},
                         {"over_fsync", d.perSec() / fs.perSec},
                         {"commits", d.commits}};
        Json jl = Json::array();
        for (const auto& l : lats)
            jl.push_back({{"poll_ms", l.pollMs},
                          {"samples", l.stepMs.size()},
                          {"append_ms_mean", l.appendMs},
                          {"first_step_p50_ms", pct(l.stepMs, 0.5)},
                          {"first_step_p99_ms", pct(l.stepMs, 0.99)},
                          {"first_step_done_p50_ms", pct(l.doneMs, 0.5)},
                          {"first_step_done_p99_ms", pct(l.doneMs, 0.99)},
                          {"seen_p50_ms", pct(l.seenMs, 0.5)},
                          {"seen_p99_ms", pct(l.seenMs, 0.99)},
                          {"target_p50_5ms_met", pct(l.stepMs, 0.5) < 5}});
        j["latency"] = jl;
        std::printf("%s\n", j.dump().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "flow_events_bench: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
