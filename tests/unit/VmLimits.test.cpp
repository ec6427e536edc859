// VmLimits.test.cpp — every VM limit (Vm.h) with a test at it and one past it,
// on programs compiled from source. The string and array limits are lowered
// through VmOptions so the tests stay small; the call-depth limit is the real one.
#include <doctest/doctest.h>

#include <string>

#include "flow/compiler/Compiler.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Vm.h"

using namespace flow::vm;

namespace {

std::string runWith(const std::string& src, VmOptions o) {
    std::string out;
    o.out = [&](std::string_view s) { out += s; };
    o.err = [&](std::string_view s) { out += s; };
    flow::compiler::CompileOptions copts;
    auto c = flow::compiler::compileSource("limits.flow", src, copts,
                                           [&](std::string_view d) { out += d; });
    if (!c->ok() || !c->module) return "compile error: " + out;
    Vm vm(o);
    vm.load(std::move(*c->module));
    Completion r = vm.runInits();
    if (!r.ok) out += "!uncaught " + toStdString(vm, r.value);
    return out;
}

} // namespace

TEST_CASE("VmLimits: string length at and past maxStringBytes") {
    VmOptions o;
    o.maxStringBytes = 64;
    const char* src = R"(
function build(n) { let s = ""; for (let i = 0; i < n; i++) s = s + "x"; return s }
console.log(build(64).length)
try { build(65) } catch (e) { console.log(e.name, e.message) }
try { const t = `${build(40)}${build(40)}` } catch (e) { console.log("template", e.name) }
)";
    std::string want = "64\nRangeError Invalid string length\ntemplate RangeError\n";
    CHECK(runWith(src, o) == want);
    o.gcStress = true;
    CHECK(runWith(src, o) == want);
}

TEST_CASE("VmLimits: array length at and past maxArrayLength") {
    VmOptions o;
    o.maxArrayLength = 100;
    const char* src = R"(
function fill(n) { const a = []; for (let i = 0; i < n; i++) a[i] = i; return a }
console.log(fill(100).length)
try { fill(101) } catch (e) { console.log(e.name, e.message) }
const b = []
b[99] = 1
console.log(b.length)
try { b[100] = 1 } catch (e) { console.log(e.message) }
try { b.length = 101 } catch (e) { console.log(e.message) }
try { const c = [...b, 1] } catch (e) { console.log("spread", e.message) }
)";
    CHECK(runWith(src, o) == "100\nRangeError Invalid array length\n100\nInvalid array length\n"
                             "Invalid array length\nspread Invalid array length\n");
}

TEST_CASE("VmLimits: call depth at and past kMaxCallDepth") {
    // The top-level code is one frame, so depth(n) uses n + 1 frames.
    std::string src = "function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1) }\n"
                      "console.log(depth(" +
                      std::to_string(kMaxCallDepth - 2) +
                      "))\n"
                      "try { depth(" +
                      std::to_string(kMaxCallDepth - 1) +
                      ") } catch (e) {\n"
                      "  console.log(e.name, e.message) }\n"
                      "console.log(depth(10))\n";
    CHECK(runWith(src, {}) == std::to_string(kMaxCallDepth - 2) +
                                  "\nRangeError Maximum call stack size exceeded\n10\n");
}

TEST_CASE("VmLimits: native re-entry depth is bounded (callback recursion)") {
    // Recursion through a native (Array.prototype.map) nests the interpreter
    // in C++; past kMaxNativeReentry it is the same catchable RangeError.
    const char* src = R"(
function viaMap(n) { return n === 0 ? 0 : [n].map((x) => viaMap(x - 1))[0] + 1 }
console.log(viaMap(100))
try { viaMap(100000) } catch (e) { console.log(e.name, e.message) }
console.log("alive")
)";
    CHECK(runWith(src, {}) == "100\nRangeError Maximum call stack size exceeded\nalive\n");
}
