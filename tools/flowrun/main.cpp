// flowrun — runs Flow programs. Thin main: picks the subcommand; each
// subcommand lives in its own file (Run.cpp: `flowrun run`).
#include <pthread.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "Commands.h"

namespace {
void usage(FILE* out) {
    std::fputs("usage: flowrun run FILE.flow|FILE.flowc [--workflow W] [--input JSON|@file]\n"
               "                   [--gc-stress]\n"
               "\n"
               "  run   compile (a .flow) or load (a .flowc), run the module's top-level code,\n"
               "        then the workflow (W, else the only one, else \"main\"), printing its\n"
               "        console output and then its result as JSON.\n"
               "exit status: 0 ok, 1 the program failed (compile error or uncaught error),\n"
               "             2 bad usage or input (unknown workflow, bad JSON, bad .flowc)\n",
               out);
}
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
    if (cmd == "run") return flowrun::cmdRun(argc - 2, argv + 2);
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
