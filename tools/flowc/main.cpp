// flowc — the Flow compiler's command line. Thin on purpose: parse the
// arguments, hand them to flowc::run (Flowc.cpp). `flowc --help` documents it.
#include <cstdio>
#include <string>

#include "Flowc.h"
#include "Options.h"

int main(int argc, char** argv) {
    std::string error;
    std::optional<flowc::Options> opts = flowc::parseArgs(argc, argv, error);
    if (!opts) {
        std::fprintf(stderr, "flowc: error: %s\nflowc: note: run 'flowc --help' for usage\n",
                     error.c_str());
        return flowc::kUsageOrIo;
    }
    return flowc::run(*opts);
}
