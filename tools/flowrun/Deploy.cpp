// Deploy.cpp — `flowrun deploy FILE...` (make modules the current version of
// their workflows and triggers) and `flowrun work` (process everything the
// database has to do: events to triggers, due timers, signals, tasks).
// docs/events.md describes both.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "Args.h"
#include "Commands.h"
#include "Load.h"
#include "flow/bytecode/Writer.h"
#include "flow/engine/Engine.h"

namespace flowrun {

namespace {

const char* const kDeployUsage = "flowrun deploy FILE.flow|FILE.flowc... [--db PATH]";
const char* const kWorkUsage = "flowrun work [--until-idle] [--db PATH] [--max-tasks N]";

std::atomic<bool> gWorkStop{false};

void onWorkStop(int) {
    gWorkStop.store(true);
    // A second Ctrl-C ends the process at once.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
}

} // namespace

int cmdDeploy(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db"}, {});
    if (!a.error.empty()) return usageError("deploy", a.error, kDeployUsage);
    if (a.positional.empty()) return usageError("deploy", "no module file", kDeployUsage);
    // Compile every file first: a compile error in one deploys none of them.
    std::vector<std::vector<uint8_t>> images;
    for (const auto& file : a.positional) {
        LoadOutcome lo = loadProgram(file);
        if (!lo.module) return lo.exitCode;
        images.push_back(flow::bytecode::writeModule(*lo.module));
    }
    return guarded([&] {
        flow::engine::EngineOptions o;
        o.dbPath = dbPath(a);
        flow::engine::Engine engine(o);
        for (size_t i = 0; i < images.size(); ++i) {
            std::string hash = engine.deploy(images[i], a.positional[i]);
            std::printf("deployed %s as module %s\n", a.positional[i].c_str(),
                        hash.substr(0, 12).c_str());
            for (const auto& w : engine.workflowsOf(hash))
                std::printf("  workflow %s\n", w.c_str());
            for (const auto& t : engine.triggersOf(hash))
                std::printf("  trigger  %s  on \"%s\" (%s)\n", t.key.c_str(), t.eventType.c_str(),
                            t.where.c_str());
        }
        return kOk;
    });
}

int cmdWork(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db", "--max-tasks"}, {"--until-idle"});
    if (!a.error.empty()) return usageError("work", a.error, kWorkUsage);
    if (!a.positional.empty())
        return usageError("work", "unexpected argument '" + a.positional[0] + "'", kWorkUsage);
    int64_t maxTasks = 8;
    if (std::string bad; !intOption(a, "--max-tasks", 1, kMaxTasksLimit, &maxTasks, &bad))
        return usageError("work", bad, kWorkUsage);
    struct sigaction sa {};
    sa.sa_handler = onWorkStop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return guarded([&] {
        flow::engine::EngineOptions o;
        o.dbPath = dbPath(a);
        // As `run` and `resume`: collect at every allocation (tests).
        const char* gc = std::getenv("FLOW_GC_STRESS");
        o.gcStress = gc && *gc && std::string_view(gc) != "0";
        if (a.has("--max-tasks")) o.maxConcurrentTasks = size_t(maxTasks);
        o.out = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); };
        o.err = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stderr); };
        flow::engine::Engine engine(o);
        flow::engine::WorkOptions wo;
        wo.untilIdle = a.has("--until-idle");
        flow::engine::WorkStats st = engine.work(&gWorkStop, wo);
        std::fflush(stdout);
        std::fprintf(stderr, "flowrun work: %llu activations in %llu commits, %llu timers fired\n",
                     (unsigned long long)st.activations, (unsigned long long)st.commits,
                     (unsigned long long)st.timersFired);
        return kOk;
    });
}

} // namespace flowrun
