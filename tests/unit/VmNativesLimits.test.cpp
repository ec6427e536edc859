// VmNativesLimits.test.cpp — the standard library's limits, each at and past
// the limit: JSON nesting (kMaxJsonDepth = 5000 in Json.cpp), array nesting
// for join/flat/toString (kMaxNesting = 5000 in Array.cpp), string and array
// sizes (kMaxStringBytes / kMaxArrayLength in Vm.h). Past a limit the error
// is a catchable RangeError, never a crash. (node parses deeper JSON: its
// parser is iterative; Flow documents the 5000 limit.)
#include "VmNativesHelper.h"

using natives_test::expectOut;

namespace {
// Wraps `body` in a function that reports the outcome of f().
std::string probe(const std::string& body) {
    return "function t(f) {\n"
           "  try { const r = f(); console.log('ok', r) } catch (e) { console.log(e.name, "
           "e.message) }\n"
           "}\n" +
           body;
}
} // namespace

TEST_CASE("VmNativesLimits: JSON nesting at and past the limit") {
    expectOut(probe(R"JS(
t(() => JSON.parse("[".repeat(5000) + "]".repeat(5000)).length)
t(() => JSON.parse("[".repeat(5001) + "]".repeat(5001)).length)
t(() => JSON.parse('{"a":'.repeat(5001) + "1" + "}".repeat(5001)).a === undefined)
t(() => { let a = []; for (let i = 1; i < 5000; i++) a = [a]; return JSON.stringify(a).length })
t(() => { let a = []; for (let i = 0; i < 5000; i++) a = [a]; return JSON.stringify(a).length })
)JS"),
              "ok 1\n"
              "RangeError Maximum call stack size exceeded\n"
              "RangeError Maximum call stack size exceeded\n"
              "ok 10000\n"
              "RangeError Maximum call stack size exceeded\n");
}

TEST_CASE("VmNativesLimits: array nesting in join, toString and flat") {
    expectOut(probe(R"JS(
let deep = []
for (let i = 1; i < 5000; i++) deep = [deep]
t(() => deep.join().length)
t(() => String(deep).length)
t(() => deep.flat(Infinity).length)
const deeper = [deep]
t(() => deeper.join().length)
t(() => deeper.flat(Infinity).length)
const cyc = [1]
cyc.push(cyc)
t(() => cyc.join())
t(() => cyc.flat(Infinity).length)
)JS"),
              "ok 0\nok 0\nok 0\n"
              "RangeError Maximum call stack size exceeded\n"
              "RangeError Maximum call stack size exceeded\n"
              "ok 1,\n"
              "RangeError Maximum call stack size exceeded\n");
}

TEST_CASE("VmNativesLimits: string and array sizes") {
    // Each size is checked before anything is allocated: past the limit the
    // natives throw without building the result.
    expectOut(probe(R"JS(
t(() => "ab".repeat(2 ** 28 + 1).length)
t(() => "ab".repeat(2 ** 10).length)
t(() => "x".padStart(2 ** 29 + 1).length)
t(() => "x".padEnd(Infinity))
t(() => "a".repeat(-1))
t(() => "a".repeat(Infinity))
t(() => Array.from({ length: 2 ** 27 + 1 }).length)
t(() => Array.from({ length: 3 }).length)
)JS"),
              "RangeError Invalid string length\n"
              "ok 2048\n"
              "RangeError Invalid string length\n"
              "RangeError Invalid string length\n"
              "RangeError Invalid count value: -1\n"
              "RangeError Invalid count value: Infinity\n"
              "RangeError Invalid array length\n"
              "ok 3\n");
}
