// VmSnapshot.test.cpp — takeSnapshot / restoreSnapshot (docs/snapshots.md):
// runs snapshotted mid-way and continued in a fresh Vm give exactly the
// output and result of the uninterrupted run; corrupt blobs fail with the
// SnapshotError naming the check; the size limit at and past.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "flow/bytecode/Sha256.h"
#include "flow/bytecode/Writer.h"
#include "flow/compiler/Compiler.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Json.h"
#include "flow/vm/Snapshot.h"
#include "flow/vm/Vm.h"

using namespace flow::vm;

namespace {

flow::bytecode::Module compile(const std::string& src) {
    std::string diags;
    flow::compiler::CompileOptions opts;
    auto c = flow::compiler::compileSource("snap.flow", src, opts,
                                           [&](std::string_view s) { diags += s; });
    REQUIRE_MESSAGE((c->ok() && c->module), diags);
    flow::bytecode::Module m = std::move(*c->module);
    flow::bytecode::writeModule(m); // the content hash snapshots are pinned to
    return m;
}

// A run driven like a host: inits, the workflow, then rounds of "run the
// jobs, settle every new op with a deterministic result". With `snap`, every
// round ends with a snapshot restored into a fresh Vm; with `hard`, the VM
// also stops at back-edges and there is a snapshot before every job.
struct Host {
    const flow::bytecode::Module& mod;
    std::string out;
    std::unique_ptr<Vm> vm;
    bool snap = false, hard = false, stress = false;
    // With `slice`, every slice (Vm::armSlice) ends at once: the VM stops at
    // its first eligible back-edge after a slice's first check, and the run
    // continues from a snapshot of that point in a fresh Vm.
    bool slice = false;
    size_t slices = 0;
    // With `keep`, cycle() snapshots the same Vm twice around a collection
    // (the writer's cache is rebuilt by it): both blobs must be the same, and
    // restoring one into a fresh Vm gives a Vm whose snapshot is the same
    // again. The run goes on in the Vm it started in, so every snapshot but
    // the first of a round runs on the cache the previous one left.
    bool keep = false;
    size_t snapshots = 0, maxBlob = 0;

    explicit Host(const flow::bytecode::Module& m) : mod(m) {}
    std::unique_ptr<Vm> fresh() {
        VmOptions o;
        o.gcStress = stress;
        o.yieldAtBackEdges = hard;
        o.out = [this](std::string_view s) { out += s; };
        o.err = [this](std::string_view s) { out += s; };
        auto v = std::make_unique<Vm>(o);
        v->load(mod);
        return v;
    }
    void cycle() {
        if (keep) {
            std::vector<uint8_t> cached = takeSnapshot(*vm);
            vm->collectGarbage();
            std::vector<uint8_t> rebuilt = takeSnapshot(*vm);
            CHECK(cached == rebuilt);
            auto v = fresh();
            restoreSnapshot(*v, cached);
            CHECK(takeSnapshot(*v) == cached);
            ++snapshots;
            return;
        }
        std::vector<uint8_t> blob = takeSnapshot(*vm);
        maxBlob = std::max(maxBlob, blob.size());
        auto v = fresh();
        restoreSnapshot(*v, blob);
        vm = std::move(v);
        ++snapshots;
    }
    void jobs() {
        if (slice) {
            for (;;) {
                vm->armSlice({}); // a deadline long past
                vm->runJobs();
                bool ended = vm->sliceEnded();
                vm->disarmSlice();
                if (!ended) return;
                REQUIRE(vm->hasJobs());
                ++slices;
                cycle();
            }
        }
        if (!hard) {
            vm->runJobs();
            return;
        }
        do
            cycle();
        while (vm->runOneJob());
    }
    // Returns console output + "=> result" (or "=> !error").
    std::string run() {
        vm = fresh();
        for (size_t k = 0; k < initCount(*vm); ++k) {
            Completion c = callInit(*vm, k);
            REQUIRE(c.ok);
            jobs();
        }
        if (mod.workflows.empty()) return out;
        if (slice) vm->armSlice({});
        vm->startWorkflow(0, {});
        if (slice && vm->sliceEnded()) ++slices;
        vm->disarmSlice();
        for (int round = 0; round < 1000; ++round) {
            jobs();
            if (snap) cycle();
            std::vector<uint64_t> ops = vm->takeNewOps();
            if (ops.empty()) break;
            for (uint64_t id : ops) {
                const HostOp* op = vm->findOp(id);
                REQUIRE(op);
                bool fail = op->kind == OpKind::Signal;
                std::string json =
                    fail ? R"({"name":"Timeout","message":"no signal"})" : std::to_string(id * 10);
                REQUIRE(vm->completeOp(id, !fail, json));
            }
        }
        Promise* p = vm->mainPromise();
        std::string res;
        if (p->state == PromiseState::Fulfilled) {
            auto j = stringifyJson(*vm, p->result, "");
            res = j ? *j : "undefined";
        } else {
            res =
                p->state == PromiseState::Pending ? "!pending" : "!" + toStdString(*vm, p->result);
        }
        return out + "=> " + res;
    }
};

// The same program plain, snapshotted between rounds, in hard-snapshot mode,
// hard + GC stress, and snapshotted in place (keep): all five must agree.
std::string checkAllModes(const std::string& src) {
    flow::bytecode::Module m = compile(src);
    Host plain(m);
    std::string want = plain.run();
    Host snap(m);
    snap.snap = true;
    CHECK(snap.run() == want);
    CHECK(snap.snapshots > 0);
    Host hard(m);
    hard.hard = true;
    CHECK(hard.run() == want);
    CHECK(hard.snapshots > snap.snapshots);
    Host stress(m);
    stress.hard = true;
    stress.stress = true;
    CHECK(stress.run() == want);
    Host keep(m);
    keep.snap = true;
    keep.keep = true;
    CHECK(keep.run() == want);
    return want;
}

void rehash(std::vector<uint8_t>& blob) {
    constexpr size_t kHeader = 8 + 4 + 32 + 8 + 32;
    auto d = flow::bytecode::sha256(blob.data() + kHeader, blob.size() - kHeader);
    std::memcpy(blob.data() + 52, d.data(), 32);
}

std::string checkOf(const std::function<void()>& f) {
    try {
        f();
    } catch (SnapshotError& e) {
        return e.check;
    }
    return "";
}

const char* kMidway = R"(
async function worker(name, n) {
  let acc = []
  for (let i = 0; i < n; i++) {
    await sleep(1)
    acc.push(name + i)
  }
  return acc.join(",")
}
workflow main() {
  let counter = 0
  const inc = () => { counter += 1; return counter }
  const bound = inc.bind(null)
  const obj = { a: 1, s: "héllo 😀", nested: { arr: [1, 2.5, -0, null, undefined, true] } }
  obj.self = obj
  const out = []
  for (const x of [10, 20, 30]) {
    const r = await sleep(5)
    out.push(x + r + bound())
  }
  try {
    await sleep(1)
    out.push("try")
  } finally {
    out.push("finally " + inc())
  }
  const all = await Promise.all([worker("a", 2), worker("b", 3), Promise.resolve(7)])
  const settled = await Promise.allSettled([signal("go"), sleep(2)])
  let caught = ""
  try { await signal("x") } catch (e) { caught = e.name + ":" + e.message }
  for (const k in obj) out.push(k)
  let str = ""
  for (const ch of "ab😀") { str += "[" + ch + "]"; await null }
  console.log(out.join(" "), obj.self === obj, typeof bound, counter)
  return { out, all, settled: settled.map(s => s.status), caught, str, n: obj.nested.arr, m: -0 }
}
)";

} // namespace

TEST_CASE("VmSnapshot: a run snapshotted mid-way continues exactly like the uninterrupted one") {
    std::string want = checkAllModes(kMidway);
    INFO(want);
    CHECK(want.find("=> {\"out\":") != std::string::npos);
    CHECK(want.find("\"all\":[\"a0,a1\",\"b0,b1,b2\",7]") != std::string::npos);
    CHECK(want.find("\"settled\":[\"rejected\",\"fulfilled\"]") != std::string::npos);
    CHECK(want.find("\"caught\":\"Timeout:no signal\"") != std::string::npos);
    CHECK(want.find("\"str\":\"[a][b][😀]\"") != std::string::npos);
    CHECK(want.find("true function 4") != std::string::npos);
}

TEST_CASE("VmSnapshot: time slices stop long loops at back-edges and change nothing") {
    // Loops before the workflow's first await, in async functions resumed by
    // jobs, and in a callback of a native (which cannot stop: its caller's
    // loop does); console output shows any reordering.
    const char* src = R"(
async function spin(name, n) {
  let a = 0
  for (let i = 0; i < n; i++) { a = (a + i) % 97 }
  console.log(name, "first", a)
  await sleep(1)
  for (let i = 0; i < n; i++) { a = (a * 3 + i) % 101 }
  console.log(name, "second", a)
  return a
}
workflow main() {
  let x = 0
  for (let i = 0; i < 5000; i++) { x = (x + i * 7) % 1009 }
  console.log("pre", x)
  const p = spin("p", 3000)
  console.log("after the call")
  const r = await Promise.all([p, spin("q", 4000), (async () => { console.log("c"); return 1 })()])
  const arr = []
  for (let i = 0; i < 3000; i++) arr.push(i)
  const y = arr.map(v => { let s = 0; for (let j = 0; j < 3; j++) s += v * j; return s })
               .reduce((u, v) => (u + v) % 1013, 0)
  // An async callback run by a reaction job (from C++): it must not stop
  // before its first await, or the jobs its loop queues would move.
  Promise.resolve().then(() => console.log("a")).then(() => console.log("b"))
                   .then(() => console.log("c")).then(() => console.log("d"))
  const t = await Promise.resolve(1).then(async () => {
    let k = 0
    for (let i = 0; i < 3000; i++) {
      k = (k + i) % 1000
      if (i === 2999)
        Promise.resolve().then(() => console.log("inner")).then(() => console.log("i2"))
                         .then(() => console.log("i3")).then(() => console.log("i4"))
    }
    Promise.resolve().then(() => console.log("inner2"))
    return k
  }).then(v => { console.log("outer", v); return v })
  return [x, r, y, t]
}
)";
    flow::bytecode::Module m = compile(src);
    Host plain(m);
    std::string want = plain.run();
    // As node prints it (a sleep's value aside).
    CHECK(want == "pre 182\np first 28\nafter the call\nq first 59\nc\np second 43\n"
                  "q second 79\na\nb\ninner\ninner2\nc\ni2\nd\ni3\nouter 500\ni4\n"
                  "=> [182,[43,79,1],314,500]");
    Host sliced(m);
    sliced.slice = true;
    CHECK(sliced.run() == want);
    CHECK(sliced.slices >= 5);
    Host both(m);
    both.slice = true;
    both.snap = true;
    CHECK(both.run() == want);
}

TEST_CASE("VmSnapshot: a fiber stopped at a slice's end is interrupted where it stopped") {
    // What a cancel does to a loop that never awaits (Activation.cpp): the
    // error is thrown at the loop, inside its try, also after a restore.
    flow::bytecode::Module m = compile(R"(
workflow main() {
  let n = 0
  const log = []
  try {
    while (true) { n = (n + 1) % 7 }
  } catch (e) {
    log.push(e.name + ": " + e.message)
  } finally {
    log.push("finally")
  }
  return log
}
)");
    for (bool restore : {false, true}) {
        INFO(restore);
        Host h(m);
        h.vm = h.fresh();
        for (size_t k = 0; k < initCount(*h.vm); ++k)
            REQUIRE(callInit(*h.vm, k).ok);
        h.vm->runJobs();
        CHECK_FALSE(h.vm->interruptStopped("Cancelled", "nothing stopped"));
        h.vm->armSlice({});
        h.vm->startWorkflow(0, {});
        REQUIRE(h.vm->sliceEnded());
        h.vm->disarmSlice();
        if (restore) {
            std::vector<uint8_t> blob = takeSnapshot(*h.vm);
            h.vm = h.fresh();
            restoreSnapshot(*h.vm, blob);
        }
        REQUIRE(h.vm->interruptStopped("Cancelled", "the run was cancelled"));
        h.vm->runJobs();
        Promise* p = h.vm->mainPromise();
        REQUIRE(p->state == PromiseState::Fulfilled);
        CHECK(*stringifyJson(*h.vm, p->result, "") ==
              R"(["Cancelled: the run was cancelled","finally"])");
    }
}

TEST_CASE("VmSnapshot: every kind of object, cycles and builtins changed by user code") {
    std::string want = checkAllModes(R"(
const floor = Math.floor
Array.prototype.twice = function () { return this.length * 2 }
Math.floor = null
Math.answer = 42
Object.prototype.hidden = undefined
workflow main() {
  const a = [1, 2, 3]
  const o = { x: 1 }
  const b = { o, a }
  o.b = b
  a.push(a)
  let cell = 0
  const f = () => ++cell
  const p = new Promise((res) => { res(3) })
  const pending = sleep(1)
  const it = [5, 6, 7]
  let seen = []
  for (const v of it) {
    await pending
    seen.push(v, f())
  }
  const err = new RangeError("r")
  const thenChain = await p.then(v => v * 2).finally(() => seen.push("fin"))
  return [a.twice(), Math.floor, Math.answer, floor(2.7), o.b.o === o, a[3] === a, seen,
          thenChain, err.name, err instanceof RangeError, typeof Promise.all, f()]
}
)");
    CHECK(want == "=> [8,null,42,2,true,true,[5,1,6,2,7,3,\"fin\"],6,\"RangeError\",true,"
                  "\"function\",4]");
}

TEST_CASE("VmSnapshot: snapshots of one Vm, builtins changed and changed back between them") {
    // The writer keeps, from one snapshot of a Vm to the next, which boot
    // objects were unchanged and what they reached: each change below (and
    // each undo, which makes the object unchanged again) must show in the
    // next blob exactly as in a blob written without that memory.
    flow::bytecode::Module m = compile(R"(
const floor = Math.floor
const log = []
workflow main() {
  for (let i = 0; i < 6; i++) {
    await sleep(1)
    if (i == 0) Math.answer = 42
    if (i == 1) { Math.floor = null; Array.prototype.twice = function () { return 2 } }
    if (i == 2) { delete Math.answer; Math.floor = floor }
    if (i == 3) { delete Array.prototype.twice; Object.prototype.extra = [i] }
    if (i == 4) Object.prototype.extra.push(i)
    if (i == 5) delete Object.prototype.extra
    log.push(typeof Math.answer, Math.floor === floor, typeof [].twice, String({}.extra))
  }
  return log
}
)");
    Host plain(m);
    std::string want = plain.run();
    CHECK(want.find("=> [\"number\",true,\"undefined\"") != std::string::npos);
    Host keep(m);
    keep.snap = true;
    keep.keep = true;
    CHECK(keep.run() == want);
    CHECK(keep.snapshots >= 6);
    // The same program, snapshots restored into fresh Vms: still the same result.
    Host snap(m);
    snap.snap = true;
    CHECK(snap.run() == want);
}

TEST_CASE("VmSnapshot: parallelMap, race and any survive snapshots") {
    std::string want = checkAllModes(R"(
workflow main() {
  const r = await parallelMap([1, 2, 3, 4], async (x) => { await sleep(x); return x * x },
                              { concurrency: 2 })
  const first = await Promise.race([sleep(3), Promise.resolve("fast")])
  const any = await Promise.any([Promise.reject(1), sleep(2)])
  return { r, first, any }
}
)");
    CHECK(want.find("\"r\":[1,4,9,16]") != std::string::npos);
    CHECK(want.find("\"first\":\"fast\"") != std::string::npos);
}

TEST_CASE("VmSnapshot: a heap of 10,000 objects") {
    flow::bytecode::Module m = compile(R"(
workflow main() {
  const items = []
  for (let i = 0; i < 10000; i++) items.push({ id: i, name: "item" + i, tags: [i % 7] })
  await sleep(1)
  let sum = 0
  for (const it of items) sum += it.id + it.tags[0]
  return [items.length, sum, items[9999].name]
}
)");
    Host plain(m);
    std::string want = plain.run();
    CHECK(want == "=> [10000,50024994,\"item9999\"]");
    Host snap(m);
    snap.snap = true;
    CHECK(snap.run() == want);
    // 10k objects, 10k arrays and 10k strings: well under 100 bytes each.
    CHECK(snap.maxBlob > 200000);
    CHECK(snap.maxBlob < 1000000);
}

TEST_CASE("VmSnapshot: the size limit, at and past") {
    flow::bytecode::Module m = compile("workflow main() { const x = [1, 2, 3]; await sleep(1); "
                                       "return x }");
    Host h(m);
    h.vm = h.fresh();
    h.vm->startWorkflow(0, {});
    std::vector<uint8_t> blob = takeSnapshot(*h.vm);
    CHECK(takeSnapshot(*h.vm, blob.size()) == blob);
    CHECK(checkOf([&] { takeSnapshot(*h.vm, blob.size() - 1); }) == "snapshot.size");
    CHECK(checkOf([&] { takeSnapshot(*h.vm, 10); }) == "snapshot.size");
    CHECK(inspectSnapshot(blob).bytes == blob.size());
    CHECK(inspectSnapshot(blob).formatVersion == kSnapshotFormatVersion);
    CHECK(inspectSnapshot(blob).moduleHash == m.hash);
}

TEST_CASE("VmSnapshot: refused while busy; restore only into a fresh Vm of the same module") {
    flow::bytecode::Module m = compile("workflow main() { await sleep(1); return 1 }");
    Host h(m);
    h.vm = h.fresh();
    h.vm->startWorkflow(0, {});
    std::vector<uint8_t> blob = takeSnapshot(*h.vm);
    try {
        h.vm->throwError(ErrorKind::Error, "pending");
    } catch (ThrowSignal&) {
    }
    CHECK(checkOf([&] { takeSnapshot(*h.vm); }) == "snapshot.busy");
    h.vm->takeException();
    CHECK(checkOf([&] { takeSnapshot(*h.vm); }) == "");
    // Into a Vm that already ran.
    CHECK(checkOf([&] { restoreSnapshot(*h.vm, blob); }) == "snapshot.target");
    // Into a Vm with another module.
    flow::bytecode::Module other = compile("workflow main() { await sleep(2); return 2 }");
    Host o(other);
    auto v = o.fresh();
    CHECK(checkOf([&] { restoreSnapshot(*v, blob); }) == "snapshot.module");
    // The good case still works afterwards.
    auto g = h.fresh();
    restoreSnapshot(*g, blob);
    CHECK(g->completeOp(1, true, "5"));
    g->runJobs();
    CHECK(g->mainPromise()->state == PromiseState::Fulfilled);
}

TEST_CASE("VmSnapshot: corrupt blobs fail with the check that caught them") {
    flow::bytecode::Module m = compile(kMidway);
    Host h(m);
    h.vm = h.fresh();
    h.vm->startWorkflow(0, {});
    h.vm->runJobs();
    for (uint64_t id : h.vm->takeNewOps())
        h.vm->completeOp(id, true, "1");
    h.vm->runJobs();
    const std::vector<uint8_t> good = takeSnapshot(*h.vm);
    auto restoreCheck = [&](const std::vector<uint8_t>& b) {
        auto v = h.fresh();
        return checkOf([&] { restoreSnapshot(*v, b); });
    };
    CHECK(restoreCheck(good) == "");

    auto b = good;
    b[0] ^= 1;
    CHECK(restoreCheck(b) == "snapshot.magic");
    b = good;
    b[8] = 99;
    CHECK(restoreCheck(b) == "snapshot.version");
    b = good;
    b[good.size() / 2] ^= 0x40;
    CHECK(restoreCheck(b) == "snapshot.checksum");
    b = good;
    b[15] ^= 1; // the module hash
    CHECK(restoreCheck(b) == "snapshot.module");
    CHECK(restoreCheck({}) == "snapshot.magic");

    // Truncated at many offsets: always an error, never a crash.
    for (size_t n = 0; n < good.size(); n += (n < 200 ? 1 : 37)) {
        std::vector<uint8_t> t(good.begin(), good.begin() + ptrdiff_t(n));
        std::string c = restoreCheck(t);
        CHECK_MESSAGE(!c.empty(), "truncated at " << n);
    }
    // Bit flips with the checksum recomputed: the structural checks must
    // catch them (or the blob is still a valid state); never a crash.
    std::set<std::string> checks;
    size_t payload = good.size() - 84;
    for (size_t k = 0; k < 1500; ++k) {
        b = good;
        size_t at = 84 + (k * 7919) % payload;
        b[at] ^= uint8_t(1u << (k % 8));
        rehash(b);
        auto v = h.fresh();
        std::string c = checkOf([&] { restoreSnapshot(*v, b); });
        if (c.empty()) {
            // Restored: running it must be safe too (whatever it computes).
            for (uint64_t id : v->takeNewOps())
                v->completeOp(id, true, "1");
            v->runJobs();
        }
        checks.insert(c);
    }
    std::string hit;
    for (auto& c : checks)
        hit += (c.empty() ? "(restored)" : c) + " ";
    INFO("checks hit: " << hit);
    CHECK(checks.count("snapshot.value") + checks.count("snapshot.props") +
              checks.count("snapshot.frames") + checks.count("snapshot.stack") +
              checks.count("snapshot.fiber") + checks.count("snapshot.truncated") >=
          4);
    // Trailing bytes.
    b = good;
    b.push_back(0);
    uint64_t len = good.size() - 84 + 1;
    for (int i = 0; i < 8; ++i)
        b[44 + size_t(i)] = uint8_t(len >> (8 * i));
    rehash(b);
    CHECK(restoreCheck(b) == "snapshot.trailing");
}
