// flowrun — runs Flow programs. Thin main: picks the subcommand; each
// subcommand lives in its own file (Run.cpp: `flowrun run`).
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

int main(int argc, char** argv) {
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
