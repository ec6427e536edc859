// Replay.cpp — `flowrun replay RUN_ID [--module FILE]`: is a new version of
// a workflow compatible with a recorded run? (Engine::replay does the work;
// docs/testing.md describes the verdicts.) Exit 0: compatible; 1: a
// divergence, or a --module .flow that does not compile; 2: bad usage, an
// unknown run, an unreadable module or database.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "Args.h"
#include "Commands.h"
#include "Load.h"
#include "flow/bytecode/Writer.h"
#include "flow/engine/Engine.h"
#include "flow/engine/Replay.h"

namespace flowrun {

namespace {
const char* const kReplayUsage =
    "flowrun replay RUN_ID [--module FILE.flow|FILE.flowc] [--db PATH] [--json]";

bool endsWith(const std::string& s, const std::string& x) {
    return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}
} // namespace

int cmdReplay(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db", "--module"}, {"--json"});
    if (!a.error.empty()) return usageError("replay", a.error, kReplayUsage);
    if (a.positional.size() != 1)
        return usageError("replay", a.positional.empty() ? "no run id" : "expected one run id",
                          kReplayUsage);
    std::string db = dbPath(a);
    struct stat st {};
    if (::stat(db.c_str(), &st) != 0) {
        std::fprintf(stderr, "flowrun: error: no database at '%s' (use --db PATH or FLOW_DB)\n",
                     db.c_str());
        return kBadInput;
    }
    // The candidate module, as .flowc bytes (empty: the run's own module).
    std::vector<uint8_t> bytes;
    if (auto file = a.get("--module")) {
        LoadOutcome lo = loadProgram(*file); // reports compile errors / corruption on stderr
        if (!lo.module) return lo.exitCode;
        if (endsWith(*file, ".flowc")) {
            // The file's own bytes: its hash is the one `deploy` stores.
            std::ifstream in(*file, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        } else {
            bytes = flow::bytecode::writeModule(*lo.module);
        }
    }
    return guarded([&] {
        flow::engine::EngineOptions eo;
        eo.dbPath = db;
        eo.dispatchTasks = false;
        // The replayed run's console.log output is not the user's.
        eo.out = eo.err = [](std::string_view) {};
        flow::engine::Engine engine(eo);
        flow::engine::ReplayReport r = engine.replay(a.positional[0], bytes);
        std::fputs((a.has("--json") ? r.json : r.text).c_str(), stdout);
        return r.compatible ? kOk : kProgramFailed;
    });
}

} // namespace flowrun
