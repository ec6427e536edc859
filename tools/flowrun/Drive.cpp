// Drive.cpp — `flowrun run`, `start` and `resume`: the commands that start
// and drive durable runs through the engine (runtime/engine), plus the
// script mode of `run` for a file without workflows (top-level code only, no
// database).
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include "Args.h"
#include "Commands.h"
#include "Load.h"
#include "flow/bytecode/Writer.h"
#include "flow/engine/Engine.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Json.h"
#include "flow/vm/Natives.h"
#include "flow/vm/Vm.h"

namespace flowrun {

namespace {

using Json = nlohmann::json;

const char* const kRunUsage =
    "flowrun run FILE.flow|FILE.flowc [--workflow W] [--input JSON|@file] [--db PATH]\n"
    "           [--sync normal] [--hard-snapshot] [--gc-stress] [--max-tasks N]";
const char* const kStartUsage =
    "flowrun start FILE.flow|FILE.flowc [--workflow W] [--input JSON|@file] [--db PATH]";
const char* const kResumeUsage =
    "flowrun resume RUN_ID [--db PATH] [--hard-snapshot] [--gc-stress] [--max-tasks N]";

std::atomic<bool> gStop{false};

extern "C" void onInterrupt(int) {
    gStop.store(true);
    // A second Ctrl-C ends the process at once (the default action).
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
}

void installStopHandler() {
    struct sigaction sa {};
    sa.sa_handler = onInterrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool envFlag(const char* name) {
    const char* s = std::getenv(name);
    return s && *s && std::strcmp(s, "0") != 0;
}

flow::engine::EngineOptions engineOptions(const Args& a) {
    flow::engine::EngineOptions o;
    o.dbPath = dbPath(a);
    o.hardSnapshot = a.has("--hard-snapshot") || envFlag("FLOW_HARD_SNAPSHOT");
    o.gcStress = a.has("--gc-stress") || envFlag("FLOW_GC_STRESS");
    // (--sync and --max-tasks were checked by checkDriveOptions.)
    std::string ignored;
    syncOption(a, &o.synchronousNormal, &ignored);
    int64_t n = 0;
    if (a.has("--max-tasks") && intOption(a, "--max-tasks", 1, kMaxTasksLimit, &n, &ignored))
        o.maxConcurrentTasks = size_t(n);
    o.out = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); };
    o.err = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stderr); };
    return o;
}

// --sync and --max-tasks of run, start and resume: a usage error, or "".
std::string checkDriveOptions(const Args& a) {
    std::string bad;
    bool normal = false;
    int64_t n = 0;
    if (!syncOption(a, &normal, &bad) || !intOption(a, "--max-tasks", 1, kMaxTasksLimit, &n, &bad))
        return bad;
    return "";
}

// JSON.stringify(JSON.parse(text), null, 2), by the VM itself, so numbers,
// escapes and key order print exactly as JavaScript prints them.
std::string indentJson(const std::string& text) {
    using namespace flow::vm;
    Vm vm;
    HandleScope hs(vm);
    std::string err;
    auto v = parseJson(vm, text, &err);
    if (!v) return text;
    hs.add(*v);
    try {
        auto out = stringifyJson(vm, *v, "  ");
        return out ? *out : text;
    } catch (ThrowSignal&) {
        return text;
    }
}

// "Uncaught Name: message\n    at ..." from the error JSON the engine stored.
void printUncaught(const std::string& errorJson) {
    std::fflush(stdout);
    Json e = Json::parse(errorJson, nullptr, false);
    std::string text = errorJson;
    if (e.is_object() && e.contains("text") && e["text"].is_string()) {
        text = e["text"].get<std::string>();
    } else if (e.is_object() && e.contains("name") && e["name"].is_string()) {
        // An error the engine made (Timeout of the workflow, Cancelled,
        // Deadlock): {"name", "message"} without a VM-made "text".
        text = e["name"].get<std::string>();
        if (e.contains("message") && e["message"].is_string() &&
            !e["message"].get<std::string>().empty())
            text += ": " + e["message"].get<std::string>();
    }
    std::fprintf(stderr, "Uncaught %s\n", text.c_str());
}

int report(const flow::engine::RunOutcome& out) {
    using flow::store::RunStatus;
    if (out.stopped) {
        std::fflush(stdout);
        std::fprintf(stderr,
                     "flowrun: stopped; run %s keeps its state and waits (resume it with: flowrun "
                     "resume %s)\n",
                     out.runId.c_str(), out.runId.c_str());
        return 130;
    }
    if (out.status == RunStatus::Completed) {
        // An undefined result (no JSON) prints nothing, as JSON.stringify
        // gives undefined for it.
        std::fflush(stdout);
        if (!out.resultJson.empty()) std::printf("%s\n", indentJson(out.resultJson).c_str());
        return kOk;
    }
    if (out.status == RunStatus::Cancelled) {
        std::fflush(stdout);
        std::fprintf(stderr, "flowrun: run %s was cancelled\n", out.runId.c_str());
        return kProgramFailed;
    }
    printUncaught(out.errorJson);
    return kProgramFailed;
}

// A file without workflows: its top-level code runs in a VM of its own.
int runScript(flow::bytecode::Module mod, bool gcStress) {
    using namespace flow::vm;
    VmOptions vo;
    vo.gcStress = gcStress;
    Vm vm(vo);
    vm.load(std::move(mod));
    Completion c = vm.runInits();
    if (c.ok) return kOk;
    std::fflush(stdout);
    std::string text;
    try {
        Value e = c.value;
        bool isError = false;
        if (isObjectLike(e))
            for (Object* p = asObj(e)->proto; p; p = p->proto)
                if (p == vm.errorProtos[0]) isError = true;
        if (isError) {
            std::string m = toStdString(vm, vm.getNamed(e, vm.names.message));
            text = toStdString(vm, vm.getNamed(e, vm.names.name)) + (m.empty() ? "" : ": " + m);
            Value st = vm.getNamed(e, vm.names.stack);
            if (isString(st)) {
                auto nl = asString(st)->data.find("\n    at ");
                if (nl != std::string::npos) text += asString(st)->data.substr(nl);
            }
        } else if (isString(e)) {
            quoteJsonString(text, asString(e)->view());
        } else {
            text = inspectValue(vm, e);
        }
    } catch (ThrowSignal&) {
        vm.takeException();
        text = "(an error whose description threw)";
    }
    std::fprintf(stderr, "Uncaught %s\n", text.c_str());
    return kProgramFailed;
}

struct Started {
    int rc = kOk;
    std::string runId;
    std::unique_ptr<flow::engine::Engine> engine;
    bool script = false;
};

// Shared by run and start: load the program, store it, start the run.
Started startFromFile(const Args& a, const char* cmd, const char* usage) {
    Started s;
    if (a.positional.size() != 1) {
        s.rc = usageError(
            cmd, a.positional.empty() ? "no program file" : "more than one program file", usage);
        return s;
    }
    const std::string& file = a.positional[0];
    std::string input = "null", err;
    if (auto in = a.get("--input")) {
        if (!readJsonArg(*in, &input, &err)) {
            std::fprintf(stderr, "flowrun: error: %s\n", err.c_str());
            s.rc = kBadInput;
            return s;
        }
        if (std::string deep = flow::store::jsonDepthError(input, "--input"); !deep.empty()) {
            std::fprintf(stderr, "flowrun: error: %s\n", deep.c_str());
            s.rc = kBadInput;
            return s;
        }
        flow::vm::Vm checker;
        if (!flow::vm::parseJson(checker, input, &err)) {
            std::fprintf(stderr, "flowrun: error: --input is not valid JSON: %s\n", err.c_str());
            s.rc = kBadInput;
            return s;
        }
    }
    LoadOutcome lo = loadProgram(file);
    if (!lo.module) {
        s.rc = lo.exitCode;
        return s;
    }
    if (lo.module->workflows.empty()) {
        if (a.has("--workflow")) {
            std::fprintf(stderr,
                         "flowrun: error: unknown workflow '%s'; this file declares no workflow\n",
                         a.get("--workflow")->c_str());
            s.rc = kBadInput;
            return s;
        }
        s.script = true;
        s.rc = runScript(std::move(*lo.module), a.has("--gc-stress") || envFlag("FLOW_GC_STRESS"));
        return s;
    }
    std::vector<uint8_t> bytes = flow::bytecode::writeModule(*lo.module);
    try {
        flow::engine::EngineOptions eo = engineOptions(a);
        eo.dispatchTasks = std::string(cmd) == "run"; // start: the tasks start on resume
        s.engine = std::make_unique<flow::engine::Engine>(eo);
        std::string hash = s.engine->storeModule(bytes, file);
        flow::engine::StartRequest req;
        req.moduleHash = hash;
        req.workflow = a.get("--workflow").value_or("");
        req.inputJson = input;
        s.runId = s.engine->startRun(req);
    } catch (const flow::engine::EngineError& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "flowrun: error: %s\n", e.what());
        s.rc = e.exitCode;
    } catch (const std::exception& e) { // the store's errors (StoreError)
        std::fflush(stdout);
        std::fprintf(stderr, "flowrun: error: %s\n", e.what());
        s.rc = kBadInput;
    }
    return s;
}

const std::set<std::string> kRunValued = {"--workflow", "--input", "--db", "--sync", "--max-tasks"};
const std::set<std::string> kRunFlags = {"--hard-snapshot", "--gc-stress"};

int driveAndReport(flow::engine::Engine& engine, const std::string& runId) {
    installStopHandler();
    return guarded([&] { return report(engine.drive(runId, &gStop)); });
}

} // namespace

int cmdRun(int argc, char** argv) {
    Args a = parseArgs(argc, argv, kRunValued, kRunFlags);
    if (a.error.empty()) a.error = checkDriveOptions(a);
    if (!a.error.empty()) return usageError("run", a.error, kRunUsage);
    Started s = startFromFile(a, "run", kRunUsage);
    if (s.rc != kOk || s.script) return s.rc;
    return driveAndReport(*s.engine, s.runId);
}

int cmdStart(int argc, char** argv) {
    Args a = parseArgs(argc, argv, kRunValued, kRunFlags);
    if (a.error.empty()) a.error = checkDriveOptions(a);
    if (!a.error.empty()) return usageError("start", a.error, kStartUsage);
    Started s = startFromFile(a, "start", kStartUsage);
    if (s.rc != kOk) return s.rc;
    if (s.script) return kOk;
    std::printf("%s\n", s.runId.c_str());
    return kOk;
}

int cmdResume(int argc, char** argv) {
    Args a = parseArgs(argc, argv, {"--db", "--sync", "--max-tasks"}, kRunFlags);
    if (a.error.empty()) a.error = checkDriveOptions(a);
    if (!a.error.empty()) return usageError("resume", a.error, kResumeUsage);
    if (a.positional.size() != 1) return usageError("resume", "expected one run id", kResumeUsage);
    return guarded([&] {
        flow::engine::Engine engine(engineOptions(a));
        return driveAndReport(engine, a.positional[0]);
    });
}

} // namespace flowrun
