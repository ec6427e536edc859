// snapshot_bench.cpp — snapshot size and take/restore time (issue 3 item 8):
//   - a run holding 10,000 small objects (target: take + restore < 5 ms,
//     blob <= 2x the live data, measured here as the data's JSON size);
//   - a run holding a parsed 5 MB JSON document;
// plus JSON.parse / JSON.stringify of that document, compared with
// `node --jitless` on the same text in the same run (when node is installed).
// Prints a table, then one JSON object as the last line (bench/README.md).
//
// Usage: flow_snapshot_bench [--repeat N] [--node PATH|--no-node]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "flow/bytecode/Writer.h"
#include "flow/compiler/Compiler.h"
#include "flow/vm/Json.h"
#include "flow/vm/Snapshot.h"
#include "flow/vm/Vm.h"

using namespace flow::vm;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

flow::bytecode::Module compile(const std::string& src) {
    std::string diags;
    flow::compiler::CompileOptions opts;
    auto c = flow::compiler::compileSource("bench.flow", src, opts,
                                           [&](std::string_view s) { diags += s; });
    if (!c->ok() || !c->module) {
        std::fprintf(stderr, "compile error:\n%s", diags.c_str());
        std::exit(1);
    }
    flow::bytecode::Module m = std::move(*c->module);
    flow::bytecode::writeModule(m);
    return m;
}

std::unique_ptr<Vm> freshVm(const flow::bytecode::Module& m) {
    VmOptions o;
    o.out = [](std::string_view) {};
    auto vm = std::make_unique<Vm>(o);
    vm->load(m);
    return vm;
}

struct SnapResult {
    size_t bytes = 0;
    double takeMs = 1e9, restoreMs = 1e9, freshVmMs = 1e9;
};

// Starts workflow 0 with `args`, runs it to its first wait, then measures
// takeSnapshot and restoreSnapshot (into a fresh Vm created beforehand: its
// cost is reported apart) best-of-`repeat`; checks the restored run finishes
// with the same result as the original.
SnapResult measure(const flow::bytecode::Module& m, const std::string& inputJson, int repeat) {
    SnapResult r;
    auto vm = freshVm(m);
    std::vector<Value> args;
    HandleScope hs(*vm);
    if (!inputJson.empty()) {
        std::string err;
        auto v = parseJson(*vm, inputJson, &err);
        hs.add(*v);
        args.push_back(*v);
    }
    vm->startWorkflow(0, args);
    vm->runJobs();
    std::vector<uint8_t> blob;
    for (int i = 0; i < repeat; ++i) {
        auto t0 = Clock::now();
        blob = takeSnapshot(*vm);
        auto t1 = Clock::now();
        auto f = freshVm(m);
        auto t2 = Clock::now();
        restoreSnapshot(*f, blob);
        auto t3 = Clock::now();
        r.takeMs = std::min(r.takeMs, ms(t0, t1));
        r.freshVmMs = std::min(r.freshVmMs, ms(t1, t2));
        r.restoreMs = std::min(r.restoreMs, ms(t2, t3));
        if (i == repeat - 1) {
            for (uint64_t id : f->takeNewOps())
                f->completeOp(id, true, "0");
            f->runJobs();
            for (uint64_t id : vm->takeNewOps())
                vm->completeOp(id, true, "0");
            vm->runJobs();
            auto a = stringifyJson(*vm, vm->mainPromise()->result, "");
            auto b = stringifyJson(*f, f->mainPromise()->result, "");
            if (!a || !b || *a != *b) {
                std::fprintf(stderr, "restored run differs: %s vs %s\n", a ? a->c_str() : "?",
                             b ? b->c_str() : "?");
                std::exit(1);
            }
        }
    }
    r.bytes = blob.size();
    return r;
}

// A deterministic ~5 MB JSON document: records with strings, numbers,
// booleans, nested arrays and objects.
std::string makeDocument(size_t target) {
    std::string s = "{\"records\":[";
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; s.size() < target; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (i) s += ',';
        s += "{\"id\":" + std::to_string(i) + ",\"name\":\"user" + std::to_string(x % 100000) +
             "\",\"score\":" + std::to_string(double(x % 100000) / 7.0) +
             ",\"active\":" + ((x & 1) ? "true" : "false") + ",\"tags\":[\"t" +
             std::to_string(x % 13) + "\",\"k" + std::to_string(x % 7) +
             "\"],\"addr\":{\"city\":\"City " + std::to_string(x % 977) + "\",\"zip\":\"" +
             std::to_string(10000 + x % 89999) + "\"}}";
    }
    return s + "]}";
}

struct JsonTimes {
    double parseMs = 1e9, stringifyMs = 1e9;
    size_t outBytes = 0;
};

JsonTimes flowJson(const std::string& doc, int repeat) {
    JsonTimes t;
    Vm vm;
    for (int i = 0; i < repeat; ++i) {
        HandleScope hs(vm);
        std::string err;
        auto t0 = Clock::now();
        auto v = parseJson(vm, doc, &err);
        auto t1 = Clock::now();
        hs.add(*v);
        auto s = stringifyJson(vm, *v, "");
        auto t2 = Clock::now();
        t.parseMs = std::min(t.parseMs, ms(t0, t1));
        t.stringifyMs = std::min(t.stringifyMs, ms(t1, t2));
        t.outBytes = s ? s->size() : 0;
    }
    return t;
}

bool nodeJson(const std::string& node, const std::string& path, int repeat, JsonTimes* out) {
    std::string script = "/tmp/flow_snapshot_bench_json.js";
    {
        std::ofstream js(script);
        js << "const fs=require('fs');const t=fs.readFileSync(process.argv[2],'utf8');"
              "let p=1e9,s=1e9,n=0;for(let i=0;i<"
           << repeat
           << ";i++){let a=process.hrtime.bigint();const v=JSON.parse(t);"
              "let b=process.hrtime.bigint();const o=JSON.stringify(v);"
              "let c=process.hrtime.bigint();p=Math.min(p,Number(b-a)/1e6);"
              "s=Math.min(s,Number(c-b)/1e6);n=o.length}"
              "console.log(p+' '+s+' '+n)";
    }
    std::string cmd = node + " --jitless " + script + " " + path + " 2>/dev/null";
    FILE* f = popen(cmd.c_str(), "r");
    if (!f) return false;
    char buf[256] = {};
    bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
    int rc = pclose(f);
    if (!ok || rc != 0) return false;
    return std::sscanf(buf, "%lf %lf %zu", &out->parseMs, &out->stringifyMs, &out->outBytes) == 3;
}

} // namespace

int main(int argc, char** argv) {
    int repeat = 5;
    std::string node = "node";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--repeat" && i + 1 < argc)
            repeat = std::max(1, std::atoi(argv[++i]));
        else if (a == "--node" && i + 1 < argc)
            node = argv[++i];
        else if (a == "--no-node")
            node.clear();
    }

    // 10,000 small objects held by a suspended run.
    flow::bytecode::Module small = compile(R"(
workflow main() {
  const items = []
  for (let i = 0; i < 10000; i++) items.push({ id: i, ok: i % 2 == 0 })
  await sleep(1)
  return items.length
}
)");
    SnapResult s10k = measure(small, "", repeat);
    std::string liveJson;
    {
        Vm vm;
        HandleScope hs(vm);
        Array* a = vm.newArray();
        hs.add(Value::object(a));
        for (int i = 0; i < 10000; ++i) {
            Object* o = vm.newObject();
            a->elems.push_back(Value::object(o));
            o->setOwn(vm.intern("id"), Value::number(i));
            o->setOwn(vm.intern("ok"), Value::boolean(i % 2 == 0));
        }
        liveJson = *stringifyJson(vm, Value::object(a), "");
    }

    // A run holding a parsed 5 MB document.
    std::string doc = makeDocument(5u << 20);
    flow::bytecode::Module big = compile(R"(
workflow main(doc) {
  const n = doc.records.length
  await sleep(1)
  return [n, doc.records[n - 1].id]
}
)");
    SnapResult s5mb = measure(big, doc, std::max(1, repeat / 2));

    JsonTimes fj = flowJson(doc, std::max(1, repeat / 2));
    JsonTimes nj;
    bool haveNode = false;
    if (!node.empty()) {
        std::string path = "/tmp/flow_snapshot_bench_doc.json";
        std::ofstream(path, std::ios::binary) << doc;
        haveNode = nodeJson(node, path, std::max(1, repeat / 2), &nj);
        std::remove(path.c_str());
    }

    std::printf("%-28s %12s %10s %12s %12s\n", "snapshot", "bytes", "take ms", "restore ms",
                "fresh Vm ms");
    std::printf("%-28s %12zu %10.3f %12.3f %12.3f\n", "10k objects", s10k.bytes, s10k.takeMs,
                s10k.restoreMs, s10k.freshVmMs);
    std::printf("%-28s %12zu %10.3f %12.3f %12.3f\n", "5 MB JSON document", s5mb.bytes, s5mb.takeMs,
                s5mb.restoreMs, s5mb.freshVmMs);
    std::printf(
        "10k objects: take+restore %.3f ms (target < 5), blob/live-JSON %.2f (target <= 2)\n",
        s10k.takeMs + s10k.restoreMs, double(s10k.bytes) / double(liveJson.size()));
    std::printf("\n%-28s %10s %14s\n", "JSON (5 MB)", "flow ms", "node --jitless");
    std::printf("%-28s %10.1f %14s\n", "parse", fj.parseMs,
                haveNode ? std::to_string(nj.parseMs).c_str() : "n/a");
    std::printf("%-28s %10.1f %14s\n", "stringify", fj.stringifyMs,
                haveNode ? std::to_string(nj.stringifyMs).c_str() : "n/a");

    auto num = [](double d) { return std::to_string(d); };
    std::string j =
        "{\"snapshot\":{\"objects10k\":{\"bytes\":" + std::to_string(s10k.bytes) +
        ",\"takeMs\":" + num(s10k.takeMs) + ",\"restoreMs\":" + num(s10k.restoreMs) +
        ",\"freshVmMs\":" + num(s10k.freshVmMs) +
        ",\"liveJsonBytes\":" + std::to_string(liveJson.size()) +
        "},\"json5mb\":{\"bytes\":" + std::to_string(s5mb.bytes) +
        ",\"takeMs\":" + num(s5mb.takeMs) + ",\"restoreMs\":" + num(s5mb.restoreMs) +
        ",\"documentBytes\":" + std::to_string(doc.size()) + "}},\"json\":{\"flow\":{" +
        "\"parseMs\":" + num(fj.parseMs) + ",\"stringifyMs\":" + num(fj.stringifyMs) +
        "},\"node_jitless\":" +
        (haveNode
             ? "{\"parseMs\":" + num(nj.parseMs) + ",\"stringifyMs\":" + num(nj.stringifyMs) + "}"
             : std::string("null")) +
        (haveNode ? ",\"flow_over_node_parse\":" + num(fj.parseMs / nj.parseMs) +
                        ",\"flow_over_node_stringify\":" + num(fj.stringifyMs / nj.stringifyMs)
                  : std::string()) +
        "}}";
    std::printf("%s\n", j.c_str());
    return 0;
}
