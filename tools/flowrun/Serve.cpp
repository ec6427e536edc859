// Serve.cpp — `flowrun serve`: deploys the modules given, then works as a
// long-running worker over the whole database and serves the JSON HTTP API
// (HttpApi.h). Documented in docs/events.md.
//
// Threads, each with its OWN Engine (an Engine and its SQLite connection are
// single-threaded; leases make the threads cooperate exactly as separate
// processes do, so N threads and N processes behave alike):
//   - N workers, each looping Engine::work(): due timers, signals, triggers,
//     tasks, retries, group commit;
//   - the HTTP server (its handlers share the API's own Engine, HttpApi.h);
//   (runs nobody drives — started by the API, orphaned by a killed process,
//   cancelled while idle — are claimed by the workers' work() itself:
//   Store::claimableRuns)
//   - this thread: waits for SIGTERM/SIGINT, then stops the others: the HTTP
//     server stops accepting, every worker finishes its current boundary,
//     the Engines release their leases, exit 0.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "Args.h"
#include "Commands.h"
#include "HttpApi.h"
#include "Load.h"
#include "flow/bytecode/Writer.h"
#include "flow/engine/Engine.h"
#include "flow/store/Store.h"

namespace flowrun {

namespace {

const char* const kServeUsage =
    "flowrun serve [FILE.flow|FILE.flowc ...] [--db PATH] [--http HOST:PORT] [--workers N]\n"
    "              [--token TOKEN] [--max-tasks N]";

using Json = nlohmann::json;
using flow::engine::Engine;
using flow::engine::EngineError;
using flow::engine::EngineOptions;
using flow::store::RunRow;
using flow::store::RunStatus;

std::atomic<bool> gStop{false};
int gWakeFd = -1; // the write end of the self-pipe the main thread polls

// The workers' clock: real time, but an idle worker's sleep (work() waits up
// to its poll interval when nothing is due) ends as soon as the API stores an
// event or a signal, so a trigger or a waiting run reacts in milliseconds
// instead of after the rest of the poll interval.
class WakeClock final : public flow::engine::Clock {
public:
    int64_t nowMs() override { return system_.nowMs(); }
    void sleepMs(int64_t ms) override {
        // Each worker thread remembers the last wake-up it saw: one that came
        // while it was busy ends its next sleep at once (none is lost).
        thread_local uint64_t seen = 0;
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(0, ms)),
                     [&] { return generation_ != seen || gStop.load(); });
        seen = generation_;
    }
    void wake() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            ++generation_;
        }
        cv_.notify_all();
    }

private:
    flow::engine::SystemClock system_;
    std::mutex mu_;
    std::condition_variable cv_;
    uint64_t generation_ = 0;
};

extern "C" void onStopSignal(int) {
    gStop.store(true);
    if (gWakeFd >= 0) {
        char c = 'x';
        ssize_t n = ::write(gWakeFd, &c, 1); // async-signal-safe
        (void)n;
    }
    // A second signal ends the process at once (the default action).
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
}

std::string hostName() {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return host;
}

// Lease owners are "PID:ROLE@HOST": unique per Engine (two Engines of one
// process must not share leases), and the engine's takeover of a dead
// process's leases still reads the PID before the first non-digit.
std::string ownerName(const std::string& role) {
    return std::to_string(::getpid()) + ":" + role + "@" + hostName();
}

void sleepUnlessStopped(int64_t ms) {
    for (int64_t t = 0; t < ms && !gStop.load(); t += 20)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// One worker thread: Engine::work() until gStop. A failure (the database
// locked past the busy timeout, a full disk) drops the Engine — releasing its
// leases — and starts a fresh one after a pause, rather than ending serve.
void workerLoop(int k, std::string db, size_t maxTasks, std::shared_ptr<WakeClock> clock) {
    int64_t pause = 100;
    while (!gStop.load()) {
        try {
            EngineOptions eo;
            eo.dbPath = db;
            eo.clock = clock;
            eo.owner = ownerName("w" + std::to_string(k));
            eo.maxConcurrentTasks = maxTasks;
            Engine engine(eo);
            engine.work(&gStop);
            return;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "flowrun serve: worker %d: %s (restarting in %lld ms)\n", k,
                         e.what(), (long long)pause);
            sleepUnlessStopped(pause);
            pause = std::min<int64_t>(pause * 2, 5000);
        }
    }
}

bool isLoopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// "HOST:PORT" (an IPv6 host in brackets: "[::1]:8080").
bool parseListen(const std::string& spec, std::string* host, int* port) {
    auto colon = spec.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= spec.size()) return false;
    *host = spec.substr(0, colon);
    if (host->size() >= 2 && host->front() == '[' && host->back() == ']')
        *host = host->substr(1, host->size() - 2);
    std::string p = spec.substr(colon + 1);
    if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
    *port = std::atoi(p.c_str());
    return *port <= 65535 && !host->empty();
}

} // namespace

int cmdServe(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db", "--http", "--workers", "--token", "--max-tasks"}, {});
    if (!a.error.empty()) return usageError("serve", a.error, kServeUsage);
    std::string host = "127.0.0.1";
    int port = 8080;
    if (auto h = a.get("--http"); h && !parseListen(*h, &host, &port))
        return usageError("serve",
                          "--http expects HOST:PORT (e.g. 127.0.0.1:8080), got '" + *h + "'",
                          kServeUsage);
    int workers = 1;
    if (auto w = a.get("--workers")) {
        workers = std::atoi(w->c_str());
        if (workers < 1 || workers > 64 || w->find_first_not_of("0123456789") != std::string::npos)
            return usageError("serve", "--workers expects a number from 1 to 64, got '" + *w + "'",
                              kServeUsage);
    }
    int64_t maxTasksOpt = 8;
    if (std::string bad; !intOption(a, "--max-tasks", 1, kMaxTasksLimit, &maxTasksOpt, &bad))
        return usageError("serve", bad, kServeUsage);
    size_t maxTasks = size_t(maxTasksOpt);
    std::string token = a.get("--token").value_or("");
    if (a.has("--token") && token.empty())
        return usageError("serve", "--token is empty", kServeUsage);
    std::string db = dbPath(a);

    return guarded([&]() -> int {
        // Deploy the modules given (their workflows and triggers become the
        // current version), all before serving anything.
        {
            EngineOptions eo;
            eo.dbPath = db;
            eo.owner = ownerName("deploy");
            Engine deployer(eo);
            for (const std::string& file : a.positional) {
                LoadOutcome lo = loadProgram(file);
                if (!lo.module) return lo.exitCode;
                std::string hash = deployer.deploy(flow::bytecode::writeModule(*lo.module), file);
                std::fprintf(stderr, "flowrun serve: deployed %s (module %s)\n", file.c_str(),
                             hash.substr(0, 12).c_str());
            }
        }
        ApiOptions ao;
        ao.dbPath = db;
        ao.token = token;
        ao.owner = ownerName("api");
        // A run started or cancelled through the API, an event, a signal:
        // idle workers look at once (work() claims runs nobody drives).
        auto clock = std::make_shared<WakeClock>();
        ao.onChange = [clock] { clock->wake(); };
        ao.onStarted = ao.onCancel = [clock](const std::string&) { clock->wake(); };
        HttpApi api(ao);
        std::string err;
        int bound = api.bind(host, port, &err);
        if (bound < 0) {
            std::fprintf(stderr, "flowrun serve: error: %s\n", err.c_str());
            return kBadInput;
        }
        if (!isLoopback(host))
            std::fprintf(stderr,
                         "flowrun serve: warning: listening on %s, which is not a loopback "
                         "address%s\n",
                         host.c_str(), token.empty() ? ", without --token" : "");

        int pipeFds[2];
        if (::pipe(pipeFds) != 0) throw std::runtime_error("cannot create a pipe");
        gWakeFd = pipeFds[1];
        struct sigaction sa {};
        sa.sa_handler = onStopSignal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);

        std::atomic<bool> httpDone{false};
        std::thread http([&api, &httpDone] {
            api.listen();
            httpDone.store(true);
        });
        std::vector<std::thread> pool;
        for (int k = 1; k <= workers; ++k)
            pool.emplace_back(workerLoop, k, db, maxTasks, clock);

        std::printf("listening on http://%s:%d\n",
                    host.find(':') != std::string::npos ? ("[" + host + "]").c_str() : host.c_str(),
                    bound);
        std::fflush(stdout);

        struct pollfd pfd {
            pipeFds[0], POLLIN, 0
        };
        while (!gStop.load())
            ::poll(&pfd, 1, 200);
        std::fprintf(stderr, "flowrun serve: stopping (finishing the current boundaries)\n");
        // stop() before listen() has begun would be lost: repeat it.
        while (!httpDone.load()) {
            api.stop();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        http.join();
        for (auto& t : pool)
            t.join();
        gWakeFd = -1;
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        std::fprintf(stderr, "flowrun serve: stopped\n");
        return kOk;
    });
}

} // namespace flowrun
