// timers_bench — issue 4 benchmark (e): many runs sleeping on durable timers.
//
// Starts N runs (default 100,000) of `await sleepUntil(due)` through the
// engine with `resident = false` (a run leaves memory once it only waits),
// then lets Engine::work() fire them all. Reports the database size, the
// peak RSS while N runs sleep and while they fire, and the timer firing lag
// (fire time - due time) p50/p99/max. The due times are spread over a
// window that starts after the setup is expected to end (estimated from the
// first 1% of starts); a timer that fell due during the setup is counted
// apart, not in the lag. The setup uses synchronous=NORMAL to keep its time
// bounded (it measures nothing); the firing phase uses synchronous=FULL.
// Reference measured in the same run: the disk's fsync rate.
//
//   flow_timers_bench [--runs N] [--window-ms W] [--dir PARENT]
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "flow/bytecode/Writer.h"
#include "flow/compiler/Compiler.h"
#include "flow/engine/Engine.h"

namespace {

double nowSec() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

long rssKb() { // current RSS from /proc (getrusage gives only the peak)
    FILE* f = std::fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

double fsyncRate(const std::string& dir) {
    std::string path = dir + "/fsync.probe";
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) return 0;
    char buf[4096] = {};
    int n = 0;
    double t0 = nowSec();
    while (nowSec() - t0 < 1.0) {
        if (::pwrite(fd, buf, sizeof buf, 0) != ssize_t(sizeof buf)) break;
        ::fsync(fd);
        ++n;
    }
    double rate = n / (nowSec() - t0);
    ::close(fd);
    ::unlink(path.c_str());
    return rate;
}

std::vector<uint8_t> compile(const std::string& src) {
    flow::compiler::CompileOptions opts;
    std::string diags;
    auto c = flow::compiler::compileSource("timers.flow", src, opts,
                                           [&](std::string_view d) { diags += d; });
    if (!c->ok() || !c->module) {
        std::fprintf(stderr, "compile error:\n%s", diags.c_str());
        std::exit(2);
    }
    return flow::bytecode::writeModule(*c->module);
}

int64_t pct(std::vector<int64_t> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

} // namespace

int main(int argc, char** argv) {
    long runs = 100000;
    int64_t windowMs = 20000;
    std::string dir;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) runs = std::atol(argv[++i]);
        else if (a == "--window-ms" && i + 1 < argc) windowMs = std::atoll(argv[++i]);
        else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
        else {
            std::fprintf(stderr, "usage: flow_timers_bench [--runs N] [--window-ms W] [--dir D]\n");
            return 2;
        }
    }
    // --dir is the PARENT: the bench works in (and finally removes) a fresh
    // directory of its own inside it, never the directory it was given.
    {
        std::string tmpl = (dir.empty() ? std::string("/tmp") : dir) + "/flow-timers-XXXXXX";
        if (!mkdtemp(tmpl.data())) {
            std::fprintf(stderr, "flow_timers_bench: cannot create a directory in %s\n",
                         dir.empty() ? "/tmp" : dir.c_str());
            return 2;
        }
        dir = tmpl;
    }
    std::string db = dir + "/timers.db";
    double fsyncs = fsyncRate(dir);
    auto bytes = compile("workflow main(input) { await sleepUntil(input.due); return input.i }\n");

    flow::engine::EngineOptions eo;
    eo.dbPath = db;
    eo.synchronousNormal = true;
    long setupRss = 0;
    double setupSec = 0;
    int64_t firstDue = 0;
    // Calibration on a scratch database: how long one start takes here, so
    // that the due window begins after the real setup ends.
    double perRun = 0;
    {
        flow::engine::EngineOptions co = eo;
        co.dbPath = dir + "/calibrate.db";
        flow::engine::Engine cal(co);
        std::string hash = cal.storeModule(bytes, "timers.flow");
        long n = std::min(2000L, std::max(1L, runs / 20));
        double t0 = nowSec();
        for (long i = 0; i < n; ++i) {
            flow::engine::StartRequest r;
            r.moduleHash = hash;
            r.inputJson = "{\"i\":0,\"due\":0}";
            r.resident = false;
            cal.startRun(r);
        }
        perRun = (nowSec() - t0) / double(n);
    }
    std::filesystem::remove(dir + "/calibrate.db");
    std::filesystem::remove(dir + "/calibrate.db-wal");
    std::filesystem::remove(dir + "/calibrate.db-shm");
    {
        flow::engine::Engine setup(eo);
        std::string hash = setup.storeModule(bytes, "timers.flow");
        firstDue = setup.clock().nowMs() + int64_t(perRun * double(runs) * 1500) + 1000;
        double t0 = nowSec();
        for (long i = 0; i < runs; ++i) {
            flow::engine::StartRequest r;
            r.moduleHash = hash;
            int64_t due = firstDue + int64_t(double(i) / double(runs) * double(windowMs));
            r.inputJson = "{\"i\":" + std::to_string(i) + ",\"due\":" + std::to_string(due) + "}";
            r.resident = false;
            setup.startRun(r);
        }
        setupSec = nowSec() - t0;
        setupRss = rssKb();
    }
    auto dbBytes = std::filesystem::file_size(db);
    std::error_code ec;
    auto walBytes = std::filesystem::exists(db + "-wal") ? std::filesystem::file_size(db + "-wal", ec) : 0;

    eo.synchronousNormal = false;
    flow::engine::Engine worker(eo);
    flow::engine::WorkOptions wo;
    wo.untilIdle = true;
    wo.batch = 512;
    long rssBefore = rssKb();
    int64_t workerStartMs = worker.clock().nowMs();
    double w0 = nowSec();
    flow::engine::WorkStats st = worker.work(nullptr, wo);
    double workSec = nowSec() - w0;
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    size_t fired = st.timerLagMs.size();
    // A timer already due when the worker started (the setup overran its
    // estimate) measures the setup, not the firing: reported apart.
    std::vector<int64_t> onTime;
    long dueBeforeWorker = 0;
    for (size_t k = 0; k < st.timerLagMs.size(); ++k) onTime.push_back(st.timerLagMs[k]);
    if (firstDue < workerStartMs) {
        onTime.clear();
        for (int64_t l : st.timerLagMs) {
            if (l > 1000) ++dueBeforeWorker;
            else onTime.push_back(l);
        }
    }

    std::printf("runs sleeping on timers: %ld (setup %.1f s, %.0f starts/s, synchronous=NORMAL)\n", runs,
                setupSec, double(runs) / setupSec);
    std::printf("%-40s %12s\n", "measure", "value");
    std::printf("%-40s %12.0f\n", "disk fsync rate (/s)", fsyncs);
    std::printf("%-40s %12.1f\n", "database size (MB, incl. WAL)", double(dbBytes + walBytes) / 1e6);
    std::printf("%-40s %12.1f\n", "RSS after starting all runs (MB)", double(setupRss) / 1024);
    std::printf("%-40s %12.1f\n", "RSS of the worker before firing (MB)", double(rssBefore) / 1024);
    std::printf("%-40s %12.1f\n", "peak RSS of the process (MB)", double(ru.ru_maxrss) / 1024);
    std::printf("%-40s %12zu\n", "timers fired", fired);
    std::printf("%-40s %12ld\n", "  of which due before the worker started", dueBeforeWorker);
    std::printf("%-40s %12lld\n", "firing lag p50 (ms)", (long long)pct(onTime, 0.5));
    std::printf("%-40s %12lld\n", "firing lag p99 (ms)", (long long)pct(onTime, 0.99));
    std::printf("%-40s %12lld\n", "firing lag max (ms)", (long long)pct(onTime, 1.0));
    std::printf("%-40s %12.0f\n", "timers fired per second", double(fired) / workSec);
    std::printf("%-40s %12zu\n", "max runs resident at once", st.maxResident);
    std::printf("{\"bench\":\"timers\",\"runs\":%ld,\"fsync_per_s\":%.0f,\"db_mb\":%.1f,"
                "\"rss_sleeping_mb\":%.1f,\"peak_rss_mb\":%.1f,\"fired\":%zu,\"lag_p50_ms\":%lld,"
                "\"lag_p99_ms\":%lld,\"lag_max_ms\":%lld,\"fired_per_s\":%.0f,\"max_resident\":%zu}\n",
                runs, fsyncs, double(dbBytes + walBytes) / 1e6, double(rssBefore) / 1024,
                double(ru.ru_maxrss) / 1024, fired, (long long)pct(onTime, 0.5),
                (long long)pct(onTime, 0.99), (long long)pct(onTime, 1.0), double(fired) / workSec,
                st.maxResident);
    std::filesystem::remove_all(dir, ec);
    return 0;
}
