// flowrun — runs Flow programs. Thin main: picks the subcommand; each
// group of subcommands lives in its own file (Commands.h lists them).
#include <pthread.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "Commands.h"

namespace {
void usage(FILE* out) {
    std::fputs(
        "usage: flowrun COMMAND [ARGS]   (every command takes --db PATH; default $FLOW_DB,\n"
        "                                 else ./.flow/flow.db)\n"
        "\n"
        "  run FILE [--workflow W] [--input JSON|@file]\n"
        "              start a run of FILE (.flow compiled on the fly, or .flowc) and drive it\n"
        "              to the end across its timers, tasks and waits; prints console output,\n"
        "              then the result as JSON. Ctrl-C stops; `resume` continues.\n"
        "              Options: --hard-snapshot, --gc-stress, --sync normal, --max-tasks N\n"
        "  start FILE [--workflow W] [--input JSON|@file]\n"
        "              start a run, commit its first step, print its id and return\n"
        "  resume RUN_ID           drive a run from its latest snapshot to the end\n"
        "  signal RUN_ID NAME [JSON]   send a signal to a run\n"
        "  emit TYPE [JSON]        append an event to the event log\n"
        "  status RUN_ID [--json]  what a run is waiting for right now\n"
        "  list [--status S] [--workflow W] [--limit N] [--json]\n"
        "  history RUN_ID [--json] the run's timeline\n"
        "  cancel RUN_ID           cancel a run (its finally blocks run)\n"
        "  events [--type T] [--since ID] [--unmatched] [--follow] [--json]\n"
        "              the event log, with each event's consumers (triggers, waiting runs)\n"
        "  deploy FILE...          make the files' workflows and triggers the current version\n"
        "  work [--until-idle]     dispatch events to triggers, fire timers, drive runs;\n"
        "              --until-idle exits once nothing is due (scripts, CI)\n"
        "  serve [FILE...] [--http 127.0.0.1:PORT] [--workers N] [--token TOKEN]\n"
        "              deploy the files, then work on every run of the database and serve\n"
        "              the JSON HTTP API (default 127.0.0.1:8080); SIGTERM stops it cleanly\n"
        "  test PATH... [--filter PATTERN] [--seed N] [--shuffle-seeds N] [--junit FILE]\n"
        "              [--jobs N] [--hard-snapshot] [--verbose]\n"
        "              run the `test` blocks of .flow / .test.flow files in virtual time\n"
        "  replay RUN_ID [--module FILE] [--json]\n"
        "              re-execute a recorded run against a module and report the first\n"
        "              divergence, or \"compatible\"\n"
        "\n"
        "exit status: 0 ok, 1 the program or run failed, 2 bad usage or input,\n"
        "             130 stopped by Ctrl-C (the run can be resumed)\n",
        out);
}

struct Command {
    const char* name;
    int (*fn)(int, char**);
};
const Command kCommands[] = {
    {"run", flowrun::cmdRun},       {"start", flowrun::cmdStart},
    {"resume", flowrun::cmdResume}, {"signal", flowrun::cmdSignal},
    {"emit", flowrun::cmdEmit},     {"status", flowrun::cmdStatus},
    {"list", flowrun::cmdList},     {"history", flowrun::cmdHistory},
    {"cancel", flowrun::cmdCancel}, {"events", flowrun::cmdEvents},
    {"test", flowrun::cmdTest},     {"replay", flowrun::cmdReplay},
    {"serve", flowrun::cmdServe},   {"deploy", flowrun::cmdDeploy},
    {"work", flowrun::cmdWork},
};
} // namespace

static int dispatch(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return flowrun::kBadInput;
    }
    std::string cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        usage(stdout);
        return 0;
    }
    for (const Command& c : kCommands)
        if (cmd == c.name) return c.fn(argc - 2, argv + 2);
    std::fprintf(stderr, "flowrun: error: unknown command '%s'\n", cmd.c_str());
    usage(stderr);
    return flowrun::kBadInput;
}

namespace {
// Flow-to-Flow calls do not recurse in C++, but natives that call back into
// Flow (sort comparators, map callbacks, toString) do, up to kMaxNativeReentry
// levels, each costing several C++ frames — and sanitizer builds make frames
// several times larger. So the command runs on a thread whose stack is sized
// for those limits instead of the 8 MB main stack. The stack is reserved
// address space: only the pages a program touches are ever committed.
constexpr size_t kStackBytes = size_t(1) << 30;

struct Job {
    int argc;
    char** argv;
    int rc;
};

void* runJob(void* p) {
    auto* job = static_cast<Job*>(p);
    job->rc = dispatch(job->argc, job->argv);
    return nullptr;
}
} // namespace

int main(int argc, char** argv) {
    Job job{argc, argv, 0};
    pthread_attr_t attr;
    pthread_t thread;
    if (pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, kStackBytes) == 0 &&
        pthread_create(&thread, &attr, runJob, &job) == 0) {
        pthread_join(thread, nullptr);
        pthread_attr_destroy(&attr);
        return job.rc;
    }
    // No big thread (address space limits): run on the main stack.
    return dispatch(argc, argv);
}
