// Run.cpp — `flowrun run FILE [--workflow W] [--input JSON|@file]`.
//
// Runs the module's init functions (top-level code), then the workflow:
// --workflow W, else the only workflow, else the one named "main". A file
// without workflows runs as a script. The workflow receives the --input value
// as its first argument (no --input: no argument). Console output appears as
// it happens; the result is printed as JSON.stringify(result, null, 2) (an
// undefined result prints nothing). An uncaught error prints
// "Uncaught <Name>: <message>" and its Flow stack trace on stderr, exit 1.
//
// --hard-snapshot (docs/snapshots.md): the same run, but the VM stops at every
// loop back-edge, and between any two jobs (every await resumption is one)
// the run is snapshotted and restored into a fresh Vm that continues it. The
// output must be identical: this is how the conformance suite tests snapshots.
// FLOW_SNAPSHOT_STATS=1 reports the number of snapshots on stderr.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "Commands.h"
#include "Load.h"
#include "flow/bytecode/Writer.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Json.h"
#include "flow/vm/Natives.h"
#include "flow/vm/Snapshot.h"
#include "flow/vm/Vm.h"

namespace flowrun {

namespace {

struct RunOptions {
    std::string file, workflow, input;
    bool hasWorkflow = false, hasInput = false, gcStress = false, hardSnapshot = false;
};

int badUsage(const std::string& msg) {
    std::fprintf(stderr, "flowrun run: error: %s\n", msg.c_str());
    std::fputs("usage: flowrun run FILE.flow|FILE.flowc [--workflow W] [--input JSON|@file] "
               "[--hard-snapshot]\n",
               stderr);
    return kBadInput;
}

void printUncaught(flow::vm::Vm& vm, flow::vm::Value e) {
    using namespace flow::vm;
    std::fflush(stdout);
    std::string text;
    bool isError = false;
    if (isObjectLike(e)) {
        for (Object* p = asObj(e)->proto; p; p = p->proto)
            if (p == vm.errorProtos[0]) isError = true;
    }
    try {
        if (isError) {
            Value st = vm.getNamed(e, vm.names.stack);
            Value nm = vm.getNamed(e, vm.names.name);
            Value msg = vm.getNamed(e, vm.names.message);
            std::string head = toStdString(vm, nm);
            std::string m = msg.isUndefined() ? "" : toStdString(vm, msg);
            if (!m.empty()) head += ": " + m;
            std::string trace;
            if (isString(st)) {
                const std::string& s = asString(st)->data;
                auto nl = s.find("\n    at ");
                if (nl != std::string::npos) trace = s.substr(nl);
            }
            text = head + trace;
        } else if (isString(e)) {
            std::string q;
            quoteJsonString(q, asString(e)->view());
            text = q;
        } else {
            text = inspectValue(vm, e);
        }
    } catch (ThrowSignal&) {
        vm.takeException();
        text = "(an error whose description threw)";
    }
    std::fprintf(stderr, "Uncaught %s\n", text.c_str());
}

bool readInput(const std::string& spec, std::string* out, std::string* error) {
    if (spec.empty() || spec[0] != '@') {
        *out = spec;
        return true;
    }
    std::ifstream in(spec.substr(1), std::ios::binary);
    if (!in) {
        *error = "cannot read input file '" + spec.substr(1) + "'";
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    *out = ss.str();
    return true;
}

// Prints the workflow's JSON result (as plain mode does).
int printResult(flow::vm::Vm& vm, flow::vm::Value v) {
    try {
        auto json = flow::vm::stringifyJson(vm, v, "  ");
        std::fflush(stdout);
        if (json) std::printf("%s\n", json->c_str());
    } catch (flow::vm::ThrowSignal&) {
        printUncaught(vm, vm.takeException());
        return kProgramFailed;
    }
    return kOk;
}

// --hard-snapshot: Vm::runInits and Vm::runWorkflow step by step, with a
// snapshot + restore into a fresh Vm before every job.
int runHardSnapshot(const RunOptions& o, flow::bytecode::Module mod, int wf,
                    const std::string& inputText) {
    using namespace flow::vm;
    flow::bytecode::writeModule(mod); // sets the content hash a snapshot is pinned to
    VmOptions vo;
    vo.gcStress = o.gcStress;
    vo.yieldAtBackEdges = true;
    auto vm = std::make_unique<Vm>(vo);
    vm->load(mod);
    size_t snapshots = 0, maxBytes = 0;
    auto cycle = [&] {
        std::vector<uint8_t> blob = takeSnapshot(*vm);
        auto fresh = std::make_unique<Vm>(vo);
        fresh->load(mod);
        restoreSnapshot(*fresh, blob);
        vm = std::move(fresh);
        ++snapshots;
        if (blob.size() > maxBytes) maxBytes = blob.size();
    };
    auto drain = [&] {
        do
            cycle();
        while (vm->runOneJob());
    };
    int rc = kOk;
    try {
        for (size_t k = 0; k < initCount(*vm) && rc == kOk; ++k) {
            Completion c = callInit(*vm, k);
            if (c.ok) {
                drain();
                if (auto r = vm->takeUnhandledRejection()) c = {false, *r};
            }
            if (!c.ok) {
                printUncaught(*vm, c.value);
                rc = kProgramFailed;
            }
        }
        if (rc == kOk && wf >= 0) {
            std::vector<Value> args;
            HandleScope hs(*vm);
            if (o.hasInput) {
                std::string err;
                auto v = parseJson(*vm, inputText, &err);
                if (v) hs.add(*v), args.push_back(*v);
            }
            vm->startWorkflow(uint32_t(wf), args);
        }
        if (rc == kOk && wf >= 0) {
            drain();
            Promise* p = vm->mainPromise();
            if (auto r = vm->takeUnhandledRejection()) {
                printUncaught(*vm, *r);
                rc = kProgramFailed;
            } else if (p->state == PromiseState::Fulfilled) {
                rc = printResult(*vm, p->result);
            } else if (p->state == PromiseState::Rejected) {
                printUncaught(*vm, p->result);
                rc = kProgramFailed;
            } else {
                Object* e = vm->newErrorWithProto(
                    vm->errorProtos[0], "Deadlock",
                    "the workflow is waiting on a promise that nothing can settle");
                printUncaught(*vm, Value::object(e));
                rc = kProgramFailed;
            }
        }
    } catch (SnapshotError& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "flowrun: error: %s\n", e.what());
        return kProgramFailed;
    }
    if (const char* s = std::getenv("FLOW_SNAPSHOT_STATS"); s && *s && std::strcmp(s, "0") != 0)
        std::fprintf(stderr, "hard-snapshot: %zu snapshots, largest %zu bytes\n", snapshots,
                     maxBytes);
    return rc;
}

} // namespace

int cmdRun(int argc, char** argv) {
    RunOptions o;
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](const char* name, std::string* dst) {
            std::string prefix = std::string(name) + "=";
            if (a.rfind(prefix, 0) == 0) {
                *dst = a.substr(prefix.size());
                return true;
            }
            if (a == name) {
                if (i + 1 >= argc) return false;
                *dst = argv[++i];
                return true;
            }
            return false;
        };
        if (a == "--workflow" || a.rfind("--workflow=", 0) == 0) {
            if (!value("--workflow", &o.workflow)) return badUsage("--workflow needs a name");
            o.hasWorkflow = true;
        } else if (a == "--input" || a.rfind("--input=", 0) == 0) {
            if (!value("--input", &o.input)) return badUsage("--input needs JSON or @file");
            o.hasInput = true;
        } else if (a == "--gc-stress") {
            o.gcStress = true;
        } else if (a == "--hard-snapshot") {
            o.hardSnapshot = true;
        } else if (!a.empty() && a[0] == '-' && a != "-") {
            return badUsage("unknown option '" + a + "'");
        } else if (o.file.empty()) {
            o.file = a;
        } else {
            return badUsage("more than one program file ('" + o.file + "', '" + a + "')");
        }
    }
    if (o.file.empty()) return badUsage("no program file");
    if (const char* s = std::getenv("FLOW_GC_STRESS"); s && *s && std::strcmp(s, "0") != 0)
        o.gcStress = true;

    LoadOutcome lo = loadProgram(o.file);
    if (!lo.module) return lo.exitCode;
    const flow::bytecode::Module& mod = *lo.module;

    // Pick the workflow before running anything: a bad name runs nothing.
    int wf = -1;
    std::string names;
    for (size_t i = 0; i < mod.workflows.size(); ++i)
        names += (i ? ", " : "") + mod.str(mod.workflows[i].name);
    if (o.hasWorkflow) {
        for (size_t i = 0; i < mod.workflows.size(); ++i)
            if (mod.str(mod.workflows[i].name) == o.workflow) wf = int(i);
        if (wf < 0) {
            std::fprintf(stderr, "flowrun: error: unknown workflow '%s'; %s\n", o.workflow.c_str(),
                         names.empty() ? "this file declares no workflow"
                                       : ("available: " + names).c_str());
            return kBadInput;
        }
    } else if (mod.workflows.size() == 1) {
        wf = 0;
    } else if (mod.workflows.size() > 1) {
        for (size_t i = 0; i < mod.workflows.size(); ++i)
            if (mod.str(mod.workflows[i].name) == "main") wf = int(i);
        if (wf < 0) {
            std::fprintf(stderr,
                         "flowrun: error: this file declares several workflows and none is named "
                         "'main'; choose one with --workflow (available: %s)\n",
                         names.c_str());
            return kBadInput;
        }
    }
    std::string inputText, err;
    if (o.hasInput && !readInput(o.input, &inputText, &err)) {
        std::fprintf(stderr, "flowrun: error: %s\n", err.c_str());
        return kBadInput;
    }

    if (o.hardSnapshot) {
        if (o.hasInput) {
            // Validate the input before running anything, as plain mode does.
            flow::vm::Vm probe;
            if (!flow::vm::parseJson(probe, inputText, &err)) {
                std::fprintf(stderr, "flowrun: error: --input is not valid JSON: %s\n",
                             err.c_str());
                return kBadInput;
            }
        }
        return runHardSnapshot(o, std::move(*lo.module), wf, inputText);
    }
    flow::vm::VmOptions vo;
    vo.gcStress = o.gcStress;
    flow::vm::Vm vm(vo);
    std::vector<flow::vm::Value> args;
    flow::vm::HandleScope hs(vm);
    if (o.hasInput) {
        auto v = flow::vm::parseJson(vm, inputText, &err);
        if (!v) {
            std::fprintf(stderr, "flowrun: error: --input is not valid JSON: %s\n", err.c_str());
            return kBadInput;
        }
        hs.add(*v);
        args.push_back(*v);
    }
    vm.load(std::move(*lo.module));
    flow::vm::Completion c = vm.runInits();
    if (!c.ok) {
        printUncaught(vm, c.value);
        return kProgramFailed;
    }
    if (wf < 0) return kOk;
    c = vm.runWorkflow(uint32_t(wf), args);
    if (!c.ok) {
        printUncaught(vm, c.value);
        return kProgramFailed;
    }
    try {
        auto json = flow::vm::stringifyJson(vm, c.value, "  ");
        std::fflush(stdout);
        if (json) std::printf("%s\n", json->c_str());
    } catch (flow::vm::ThrowSignal&) {
        printUncaught(vm, vm.takeException());
        return kProgramFailed;
    }
    return kOk;
}

} // namespace flowrun
