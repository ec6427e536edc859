// Codegen.test.cpp — structural checks of generated modules: the shape of
// the code for the constructs the VM and the benchmarks depend on, the
// module tables, the limits, and that every generated module passes the
// verifier and is deterministic.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "flow/bytecode/Verifier.h"
#include "flow/bytecode/Writer.h"
#include "flow/compiler/Compiler.h"

using namespace flow;
using namespace flow::compiler;
using bytecode::Op;

namespace {

struct Compiled {
    std::unique_ptr<Compilation> c;
    std::string diags;
    const bytecode::Module& m() const { return *c->module; }
};

Compiled compile(const std::string& src, const std::string& path = "test.flow") {
    Compiled r;
    CompileOptions opts;
    r.c = compileSource(path, src, opts, [&](std::string_view s) { r.diags += s; });
    return r;
}

// Compiles, requires success and a verified module.
Compiled compileOk(const std::string& src) {
    Compiled r = compile(src);
    INFO(r.diags);
    REQUIRE(r.c->ok());
    REQUIRE(r.c->module.has_value());
    auto err = bytecode::verifyModule(*r.c->module);
    INFO((err ? err->check + ": " + err->message : std::string()));
    CHECK(!err);
    return r;
}

const bytecode::Function* findFn(const bytecode::Module& m, const std::string& name) {
    for (auto& f : m.functions)
        if (m.str(f.name) == name) return &f;
    return nullptr;
}

// The opcodes of a function, in order (AUX words skipped).
std::vector<Op> ops(const bytecode::Function& f) {
    std::vector<Op> out;
    for (size_t pc = 0; pc < f.code.size();) {
        Op op = bytecode::insnOp(f.code[pc]);
        out.push_back(op);
        pc += bytecode::opInfo(op).words();
    }
    return out;
}

size_t count(const bytecode::Function& f, Op op) {
    size_t n = 0;
    for (Op o : ops(f))
        n += o == op;
    return n;
}

bool hasSequence(const bytecode::Function& f, std::vector<Op> seq) {
    auto v = ops(f);
    for (size_t i = 0; i + seq.size() <= v.size(); ++i) {
        bool ok = true;
        for (size_t j = 0; j < seq.size() && ok; ++j)
            ok = v[i + j] == seq[j];
        if (ok) return true;
    }
    return false;
}

} // namespace

TEST_CASE("codegen: fib uses fused constant compares; loops test at the top and at the bottom") {
    auto r = compileOk(R"(
function fib(n) {
  if (n < 2) return n
  return fib(n - 1) + fib(n - 2)
}
function loop(n) {
  let s = 0
  for (let i = 0; i < n; i++) { s += i }
  while (s > 10) { s = s - 1 }
  return s
}
)");
    auto* fib = findFn(r.m(), "fib");
    REQUIRE(fib);
    CHECK(count(*fib, Op::JumpIfNotLtK) == 1);
    CHECK(count(*fib, Op::SubK) == 2);
    CHECK(count(*fib, Op::Call) == 2);
    CHECK(count(*fib, Op::JumpBack) == 0);
    CHECK(fib->numParams == 1);
    auto* loop = findFn(r.m(), "loop");
    REQUIRE(loop);
    // A relational test runs once before the loop (forward exit jump) and
    // then at the bottom, fused with the back-edge.
    CHECK(count(*loop, Op::JumpBack) == 0);
    CHECK(count(*loop, Op::JumpIfNotLt) == 1);  // i < n, first time
    CHECK(count(*loop, Op::LoopIfLt) == 1);     // i < n, each next time
    CHECK(count(*loop, Op::JumpIfNotGtK) == 1); // s > 10, first time
    CHECK(count(*loop, Op::LoopIfGtK) == 1);    // s > 10, each next time
    CHECK(count(*loop, Op::Inc) == 1);
    CHECK(count(*loop, Op::Add) == 1);
}

TEST_CASE("codegen: other loop tests close with JumpBack; do-while tests at the bottom only") {
    auto r = compileOk(R"(
function f(xs, n) {
  let s = 0
  while (s !== n) { s++ }
  for (;;) { if (s > 3) break; s++ }
  do { s-- } while (n <= s)
  for (const x of xs) s += x
  return s
}
)");
    auto* f = findFn(r.m(), "f");
    REQUIRE(f);
    CHECK(count(*f, Op::JumpBack) == 3);    // while (!==), for (;;), for-of
    CHECK(count(*f, Op::LoopIfLe) == 1);    // do-while: n <= s at the bottom
    CHECK(count(*f, Op::JumpIfNotLe) == 0); // and nowhere else
    CHECK(count(*f, Op::JumpIfEq) == 1);    // the while test, at the top only
}

TEST_CASE("codegen: the init hoists top-level functions into module variables") {
    auto r = compileOk("const x = f(1)\nfunction f(a) { return a + 1 }\n");
    REQUIRE(r.m().inits.size() == 1);
    auto& init = r.m().functions[r.m().inits[0]];
    CHECK(init.kind == bytecode::FunctionKind::Init);
    auto v = ops(init);
    REQUIRE(v.size() >= 2);
    CHECK(v[0] == Op::Closure);
    CHECK(v[1] == Op::SetModVar);
    CHECK(r.m().modVars.size() == 2);
}

TEST_CASE("codegen: closures capture cells; upvalue descriptors chain through parents") {
    auto r = compileOk(R"(
function outer() {
  let n = 0
  function mid() {
    return () => { n = n + 1; return n }
  }
  return mid
}
)");
    auto* outer = findFn(r.m(), "outer");
    auto* mid = findFn(r.m(), "mid");
    REQUIRE(outer);
    REQUIRE(mid);
    CHECK(count(*outer, Op::NewBox) == 1);
    CHECK(count(*outer, Op::SetBox) >= 1);
    REQUIRE(mid->upvalues.size() == 1);
    CHECK(mid->upvalues[0].fromParentRegister);
    // The arrow gets n from mid's upvalue 0.
    const bytecode::Function* arrow = nullptr;
    for (auto& f : r.m().functions)
        if (f.kind == bytecode::FunctionKind::Arrow) arrow = &f;
    REQUIRE(arrow);
    REQUIRE(arrow->upvalues.size() == 1);
    CHECK(!arrow->upvalues[0].fromParentRegister);
    CHECK(arrow->upvalues[0].index == 0);
    CHECK(count(*arrow, Op::GetUpval) >= 1);
    CHECK(count(*arrow, Op::SetUpval) == 1);
}

TEST_CASE("codegen: a captured for-let gets a fresh cell per iteration") {
    auto r = compileOk(R"(
function make() {
  const fns = []
  for (let i = 0; i < 3; i++) { fns.push(() => i) }
  return fns
}
)");
    auto* make = findFn(r.m(), "make");
    REQUIRE(make);
    CHECK(hasSequence(*make, {Op::GetBox, Op::NewBox, Op::SetBox}));
}

TEST_CASE("codegen: for-of with a captured const creates a cell per iteration") {
    auto r = compileOk(R"(
function make(xs) {
  const fns = []
  for (const x of xs) fns.push(() => x)
  return fns
}
)");
    auto* make = findFn(r.m(), "make");
    REQUIRE(make);
    CHECK(hasSequence(*make, {Op::IterNext, Op::NewBox, Op::SetBox}));
    CHECK(count(*make, Op::IterInit) == 1);
    CHECK(count(*make, Op::JumpBack) == 1);
}

TEST_CASE("codegen: try/finally inlines finally on each exit and adds a catch-all") {
    auto r = compileOk(R"(
function f(xs) {
  for (const x of xs) {
    try {
      if (x === 1) break
      if (x === 2) continue
      if (x === 3) return 7
      console.log(x)
    } catch (e) {
      console.log(e)
    } finally {
      console.error("fin")
    }
  }
  return 0
}
)");
    auto* f = findFn(r.m(), "f");
    REQUIRE(f);
    // break, continue, return, normal try exit, catch exit, exceptional path.
    size_t fin = 0;
    for (auto& k : f->constants)
        if (k.type == bytecode::Constant::Type::String && r.m().str(k.string) == "error") ++fin;
    CHECK(fin == 1); // deduplicated constant
    size_t errorCalls = 0;
    for (size_t pc = 0; pc < f->code.size();) {
        Op op = bytecode::insnOp(f->code[pc]);
        if (op == Op::GetField) {
            uint32_t k = f->code[pc + 1];
            if (r.m().str(f->constants[k].string) == "error") ++errorCalls;
        }
        pc += bytecode::opInfo(op).words();
    }
    CHECK(errorCalls == 6);
    CHECK(f->handlers.size() >= 2);
    // Inner (catch) handlers come before the finally catch-all.
    CHECK(f->handlers.back().handlerPc > f->handlers.front().handlerPc);
    CHECK(count(*f, Op::Throw) == 1);
}

TEST_CASE("codegen: return inside finally overrides; no handler covers inlined finally code") {
    auto r = compileOk(R"(
function f() {
  try { return 1 } finally { return 2 }
}
)");
    auto* f = findFn(r.m(), "f");
    REQUIRE(f);
    for (auto& h : f->handlers) {
        // Every protected pc is inside the try block: before the first Return.
        for (uint32_t pc = h.startPc; pc < h.endPc;) {
            Op op = bytecode::insnOp(f->code[pc]);
            CHECK(op != Op::Return);
            pc += bytecode::opInfo(op).words();
        }
    }
}

TEST_CASE("codegen: switch uses constant compare-jumps") {
    auto r = compileOk(R"(
function f(x) {
  switch (x) {
    case 1: return "one"
    case "two": return 2
    case x + 1: break
    default: return null
  }
  return undefined
}
)");
    auto* f = findFn(r.m(), "f");
    REQUIRE(f);
    CHECK(count(*f, Op::JumpIfEqK) == 2);
    CHECK(count(*f, Op::JumpIfEq) == 1);
}

TEST_CASE("codegen: calls — method, spread, new, optional chain, template") {
    auto r = compileOk(R"(
function f(o, xs) {
  o.m(1, 2)
  Math.max(...xs)
  const e = new Error("x")
  const v = o?.a?.b
  const s = `a${v}b${e}`
  return s
}
)");
    auto* f = findFn(r.m(), "f");
    REQUIRE(f);
    CHECK(count(*f, Op::CallMethod) == 1);
    CHECK(count(*f, Op::CallSpread) == 1);
    CHECK(count(*f, Op::AppendSpread) == 1);
    CHECK(count(*f, Op::New) == 1);
    CHECK(count(*f, Op::JumpIfNullish) == 2);
    CHECK(count(*f, Op::Concat) == 1);
}

TEST_CASE("codegen: destructuring with defaults and rest") {
    auto r = compileOk(R"(
function f(input) {
  const [a, b = 2, ...rest] = input.list
  const { x, y: { z } = {}, ...others } = input
  return [a, b, rest, x, z, others]
}
)");
    auto* f = findFn(r.m(), "f");
    REQUIRE(f);
    CHECK(count(*f, Op::IterInit) == 1);
    CHECK(count(*f, Op::IterNext) == 2);
    CHECK(count(*f, Op::IterRest) == 1);
    CHECK(count(*f, Op::JumpIfNotUndef) == 2);
    CHECK(count(*f, Op::ObjectRest) == 1);
}

TEST_CASE("codegen: workflows, tasks, triggers and tests fill the module tables") {
    auto r = compileOk(R"(
task charge(order, amount) = exec("./charge.sh", { timeout: 30s })
workflow checkout(order) {
  const r = await charge(order, 10)
  await sleep(5m)
  return r
}
on "order.created" (e) when (e.amount > 0) => start checkout(e)
test "checkout works" {
  const h = start checkout({ id: 1 }) with { timeout: 1h }
  expect(h).toBe(h)
}
)");
    auto& m = r.m();
    REQUIRE(m.tasks.size() == 1);
    CHECK(m.str(m.tasks[0].name) == "charge");
    CHECK(m.tasks[0].params.size() == 2);
    CHECK(m.str(m.tasks[0].target) == "./charge.sh");
    REQUIRE(m.workflows.size() == 1);
    auto& wf = m.functions[m.workflows[0].function];
    CHECK(wf.kind == bytecode::FunctionKind::Workflow);
    CHECK(wf.isAsync);
    CHECK(count(wf, Op::Await) == 2);
    REQUIRE(m.triggers.size() == 1);
    auto& tr = m.functions[m.triggers[0].function];
    CHECK(tr.kind == bytecode::FunctionKind::Trigger);
    CHECK(count(tr, Op::JumpIfNotGtK) == 1);
    CHECK(count(tr, Op::StartRun) == 1);
    REQUIRE(m.tests.size() == 1);
    auto& te = m.functions[m.tests[0].function];
    CHECK(te.kind == bytecode::FunctionKind::Test);
    CHECK(count(te, Op::StartRun) == 1);
    CHECK(m.modVars.size() == 2);
    // Await instructions have their own line entries.
    CHECK(wf.lines.size() >= 3);
}

TEST_CASE("codegen: output is deterministic") {
    const std::string src = R"(
function f(o) {
  const { a, b, ...c } = o
  let n = 0
  for (const k in o) n += k.length
  return [a, b, c, n, `${a}-${b}`, o?.x ?? 1]
}
const g = (x) => f({ a: x, b: 2, z: 3 })
)";
    auto r1 = compileOk(src);
    auto r2 = compileOk(src);
    auto b1 = bytecode::writeModule(*r1.c->module);
    auto b2 = bytecode::writeModule(*r2.c->module);
    CHECK(!b1.empty());
    CHECK(b1 == b2);
}

TEST_CASE("codegen: too many registers is FLOW6001") {
    std::string src = "function big() {\n";
    for (int i = 0; i < 300; ++i)
        src += "  let v" + std::to_string(i) + " = " + std::to_string(i) + "\n";
    src += "  return v0\n}\n";
    auto r = compile(src);
    CHECK(!r.c->ok());
    CHECK(r.diags.find("FLOW6001") != std::string::npos);
    CHECK(!r.c->module.has_value());
}

TEST_CASE("codegen: a forward jump past 32767 words is FLOW6004") {
    std::string src = "function big(x) {\n  let y = 0\n  if (x) {\n";
    for (int i = 0; i < 17000; ++i)
        src += "    y += x * 2\n";
    src += "  }\n  return y\n}\n";
    auto r = compile(src);
    CHECK(!r.c->ok());
    CHECK(r.diags.find("FLOW6004") != std::string::npos);
}

TEST_CASE("codegen: line table starts at pc 0 and follows statements") {
    auto r = compileOk(
        "function f(a) {\n  const b = a + 1\n  return g(b)\n}\nfunction g(x) { return x }\n");
    auto* f = findFn(r.m(), "f");
    REQUIRE(f);
    REQUIRE(!f->lines.empty());
    CHECK(f->lines[0].pc == 0);
    bool line2 = false, line3 = false;
    for (auto& l : f->lines) {
        line2 |= l.line == 2;
        line3 |= l.line == 3;
    }
    CHECK(line2);
    CHECK(line3);
    // Named locals are described.
    bool hasB = false;
    for (auto& l : f->locals)
        hasB |= r.m().str(l.name) == "b";
    CHECK(hasB);
}

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

// Every .flow of the repository that compiles without errors (goldens,
// conformance programs, the standard library, samples) must give a module the
// verifier accepts, and the same bytes twice.
TEST_CASE("codegen: every compiling .flow in the tree verifies and is deterministic") {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    for (const char* dir : {"tests/compiler", "tests/conformance", "stdlib", "samples", "bench"}) {
        fs::path root = fs::path(FLOW_SOURCE_DIR) / dir;
        if (!fs::exists(root)) continue;
        for (auto& e : fs::recursive_directory_iterator(root))
            if (e.is_regular_file() && e.path().extension() == ".flow") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    size_t compiled = 0;
    for (auto& path : files) {
        CompileOptions opts;
        std::string sink;
        auto c1 = compileFile(path.string(), opts, [&](std::string_view s) { sink += s; });
        if (!c1->ok() || !c1->module) continue;
        ++compiled;
        INFO(path.string());
        auto err = bytecode::verifyModule(*c1->module);
        INFO((err ? err->check + ": " + err->message : std::string()));
        CHECK(!err);
        auto c2 = compileFile(path.string(), opts, [&](std::string_view s) { sink += s; });
        REQUIRE(c2->module);
        CHECK(bytecode::writeModule(*c1->module) == bytecode::writeModule(*c2->module));
    }
    MESSAGE("verified " << compiled << " of " << files.size() << " files");
    CHECK(compiled > 0);
}

// Array pattern holes ([a, , c]) are PatternElement.target == null. The
// parser does not produce them yet, so the hole is made by hand on a parsed
// AST before sema and codegen run.
TEST_CASE("codegen: an array pattern hole consumes one value") {
    SourceManager sm;
    std::string diagText;
    DiagnosticEngine diags(sm, [&](std::string_view s) { diagText += s; });
    uint32_t id =
        sm.addFile("holes.flow", "function f(xs) {\n  const [a, b, c] = xs\n  return a + c\n}\n");
    std::vector<std::unique_ptr<ast::File>> files;
    files.push_back(parseFile(id, sm, diags));
    REQUIRE(files[0]);
    auto* fd = files[0]->body[0]->as<ast::FunctionDecl>();
    REQUIRE(fd);
    auto* vd = fd->fn->body->body[0]->as<ast::VarDecl>();
    REQUIRE(vd);
    auto* ap = vd->decls[0].target->as<ast::ArrayPattern>();
    REQUIRE(ap);
    REQUIRE(ap->elements.size() == 3);
    ap->elements[1].target.reset();
    auto sema = analyze(files, diags);
    INFO(diagText);
    REQUIRE(!diags.hasErrors());
    auto m = generate(files, *sema, sm, diags);
    REQUIRE(m);
    CHECK(!bytecode::verifyModule(*m));
    auto* f = findFn(*m, "f");
    REQUIRE(f);
    CHECK(count(*f, Op::IterNext) == 3);
    CHECK(count(*f, Op::LoadUndef) == 2); // only the bound elements preload undefined
}
