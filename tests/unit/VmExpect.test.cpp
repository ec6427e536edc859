// VmExpect.test.cpp — the `expect` builtin (runtime/vm/src/natives/Test.cpp):
// every matcher passing and failing, the failure message, .not, the promise
// forms (driven by the VM's job queue), cycles, wrong-use TypeErrors and the
// stack trace pointing at the test's line. Each snippet is a module of `test`
// blocks; every test is started with Vm::startTest and run to idle.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "flow/compiler/Compiler.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Natives.h"
#include "flow/vm/Vm.h"

namespace {

using namespace flow::vm;

struct TestResult {
    std::string state;   // "ok", "failed" or "pending"
    std::string name;    // of the rejection reason
    std::string message; // of the rejection reason
    std::string stack, matcher, expected, actual;
    std::string unhandled; // an unhandled rejection left after the test
};

std::string field(Vm& vm, Value v, const char* key) {
    if (!isObjectLike(v)) return "";
    Value f = vm.getNamed(v, key);
    return isString(f) ? asString(f)->data : "";
}

std::vector<TestResult> runTests(const std::string& src, bool stress = false) {
    std::string diags;
    flow::compiler::CompileOptions opts;
    auto c =
        flow::compiler::compileSource("t.flow", src, opts, [&](std::string_view s) { diags += s; });
    REQUIRE_MESSAGE(c->ok(), diags);
    REQUIRE(c->module);
    VmOptions o;
    o.gcStress = stress;
    o.out = [](std::string_view) {};
    o.err = [](std::string_view) {};
    Vm vm(o);
    vm.load(std::move(*c->module));
    Completion init = vm.runInits();
    REQUIRE(init.ok);
    std::vector<TestResult> out;
    for (uint32_t i = 0; i < vm.module().tests.size(); ++i) {
        HandleScope hs(vm);
        Promise* p = vm.startTest(i);
        hs.add(Value::object(p));
        vm.runJobs();
        TestResult r;
        if (p->state == PromiseState::Fulfilled) {
            r.state = "ok";
        } else if (p->state == PromiseState::Pending) {
            r.state = "pending";
        } else {
            r.state = "failed";
            Value e = p->result;
            r.name = field(vm, e, "name");
            r.message = isString(e) ? asString(e)->data : field(vm, e, "message");
            r.stack = field(vm, e, "stack");
            r.matcher = field(vm, e, "matcher");
            r.expected = field(vm, e, "expected");
            r.actual = field(vm, e, "actual");
        }
        if (auto u = vm.takeUnhandledRejection()) r.unhandled = toStdString(vm, *u);
        out.push_back(r);
    }
    return out;
}

// Runs `body` as the only test (normally and under GC stress) and gives its
// result; both runs must agree.
TestResult runOne(const std::string& body) {
    auto a = runTests("test \"t\" {\n" + body + "\n}\n");
    auto b = runTests("test \"t\" {\n" + body + "\n}\n", true);
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    CHECK(a[0].state == b[0].state);
    CHECK(a[0].message == b[0].message);
    return a[0];
}

void passes(const std::string& body) {
    TestResult r = runOne(body);
    CHECK_MESSAGE(r.state == "ok", body << "\n  -> " << r.name << ": " << r.message);
    CHECK(r.unhandled.empty());
}

// The test fails with an AssertionError whose message is `message`.
void failsWith(const std::string& body, const std::string& message) {
    TestResult r = runOne(body);
    CHECK_MESSAGE(r.state == "failed", body);
    CHECK(r.name == "AssertionError");
    CHECK(r.message == message);
    CHECK(r.unhandled.empty());
}

// The test fails with a TypeError whose message contains `part`.
void typeError(const std::string& body, const std::string& part) {
    TestResult r = runOne(body);
    CHECK_MESSAGE(r.state == "failed", body);
    CHECK(r.name == "TypeError");
    CHECK_MESSAGE(r.message.find(part) != std::string::npos, r.message);
}

} // namespace

TEST_CASE("expect: every matcher passes on a matching value") {
    passes(R"(
        expect(3).toBe(3)
        expect("ab").toBe("a" + "b")
        expect(NaN).toBe(NaN)
        const o = {a: 1}
        expect(o).toBe(o)
        expect({a: 1, b: [1, 2, {c: "x"}]}).toEqual({b: [1, 2, {c: "x"}], a: 1})
        expect({a: 1, u: undefined}).toEqual({a: 1})
        expect([NaN, 0]).toEqual([NaN, -0])
        expect(new TypeError("boom")).toEqual(new TypeError("boom"))
        expect({a: [1]}).toStrictEqual({a: [1]})
        expect(0.1 + 0.2).toBeCloseTo(0.3)
        expect(1.234).toBeCloseTo(1.2, 1)
        expect(Infinity).toBeCloseTo(Infinity)
        expect(1).toBeTruthy()
        expect("").toBeFalsy()
        expect(null).toBeNull()
        expect(undefined).toBeUndefined()
        expect(0).toBeDefined()
        expect(0 / 0).toBeNaN()
        expect(2).toBeGreaterThan(1)
        expect(2).toBeGreaterThanOrEqual(2)
        expect(1).toBeLessThan(2)
        expect(2).toBeLessThanOrEqual(2)
        expect([1, NaN, "x"]).toContain(NaN)
        expect([1, 2, "x"]).toContain("x")
        expect("hello world").toContain("lo w")
        expect([1, 2, 3]).toHaveLength(3)
        expect("abc").toHaveLength(3)
        expect({length: 7}).toHaveLength(7)
        expect({a: 1, b: {c: 2, d: 3}, e: [1, {f: 1, g: 2}]}).toMatchObject({b: {c: 2}, e: [1, {f: 1}]})
        expect({a: {b: [10, 20]}}).toHaveProperty("a.b[1]", 20)
        expect({a: {b: [10, 20]}}).toHaveProperty(["a", "b", "length"])
        expect({a: undefined}).toHaveProperty("a", undefined)
        expect("abc").toHaveProperty("length", 3)
        const mock = {calls: [{args: {x: 1}}, {args: {x: 2, y: [3]}}]}
        expect(mock).toHaveBeenCalledTimes(2)
        expect(mock).toHaveBeenCalledWith({y: [3], x: 2})
        expect(() => { throw new Error("bad thing") }).toThrow()
        expect(() => { throw new RangeError("x") }).toThrow("RangeError")
        expect(() => { throw new Error("the Timeout hit") }).toThrow("Timeout")
        expect(() => { throw new TypeError("x") }).toThrow(TypeError)
        expect(() => { throw new TypeError("x") }).toThrow(Error)
        expect(() => { throw "plain string" }).toThrow("plain")
    )");
}

TEST_CASE("expect: failure messages name the matcher, expected and received") {
    failsWith("expect({a: 2}).toEqual({a: 1})",
              "expect(received).toEqual(expected)\n\nExpected: { a: 1 }\nReceived: { a: 2 }\n\n"
              "First difference at received.a:\n  Expected: 1\n  Received: 2");
    // The first difference in property order, depth first; keys that are not
    // identifiers are quoted; a key mismatch stops at the object.
    failsWith("expect([{a: 1, 'b-c': [5, 6]}, 0]).toEqual([{a: 1, 'b-c': [5, 7]}, 1])",
              "expect(received).toEqual(expected)\n\nExpected: [ { a: 1, 'b-c': [ 5, 7 ] }, 1 ]\n"
              "Received: [ { a: 1, 'b-c': [ 5, 6 ] }, 0 ]\n\n"
              "First difference at received[0][\"b-c\"][1]:\n  Expected: 7\n  Received: 6");
    failsWith("expect({x: {a: 1}}).toEqual({x: {b: 1}})",
              "expect(received).toEqual(expected)\n\nExpected: { x: { b: 1 } }\n"
              "Received: { x: { a: 1 } }\n\n"
              "First difference at received.x:\n  Expected: { b: 1 }\n  Received: { a: 1 }");
    failsWith("expect(4).toBe(3)", "expect(received).toBe(expected)\n\nExpected: 3\nReceived: 4");
    failsWith("expect('x').toBe('y')",
              "expect(received).toBe(expected)\n\nExpected: 'y'\nReceived: 'x'");
    failsWith("expect([1]).toBe([1])",
              "expect(received).toBe(expected)\n\nExpected: [ 1 ]\nReceived: [ 1 ]\n\n"
              "If it should pass with deep equality, replace \"toBe\" with \"toEqual\"");
    failsWith("expect({a: 1, u: undefined}).toStrictEqual({a: 1})",
              "expect(received).toStrictEqual(expected)\n\nExpected: { a: 1 }\n"
              "Received: { a: 1, u: undefined }");
    failsWith("expect(0.3).toBeCloseTo(0.31)",
              "expect(received).toBeCloseTo(expected)\n\nExpected: 0.31 (difference < 0.005)\n"
              "Received: 0.3 (difference 0.010000000000000009)");
    failsWith("expect(1.25).toBeCloseTo(1.3, 1)",
              "expect(received).toBeCloseTo(expected, digits)\n\nExpected: 1.3 (difference < "
              "0.05)\nReceived: 1.25 (difference 0.050000000000000044)");
    failsWith("expect(0).toBeTruthy()",
              "expect(received).toBeTruthy()\n\nExpected: truthy\nReceived: 0");
    failsWith("expect('a').toBeFalsy()",
              "expect(received).toBeFalsy()\n\nExpected: falsy\nReceived: 'a'");
    failsWith("expect(undefined).toBeNull()",
              "expect(received).toBeNull()\n\nExpected: null\nReceived: undefined");
    failsWith("expect(null).toBeUndefined()",
              "expect(received).toBeUndefined()\n\nExpected: undefined\nReceived: null");
    failsWith("expect(undefined).toBeDefined()",
              "expect(received).toBeDefined()\n\nExpected: defined\nReceived: undefined");
    failsWith("expect('NaN').toBeNaN()",
              "expect(received).toBeNaN()\n\nExpected: NaN\nReceived: 'NaN'");
    failsWith("expect(1).toBeGreaterThan(1)",
              "expect(received).toBeGreaterThan(expected)\n\nExpected: > 1\nReceived: 1");
    failsWith("expect(0).toBeGreaterThanOrEqual(1)",
              "expect(received).toBeGreaterThanOrEqual(expected)\n\nExpected: >= 1\nReceived: 0");
    failsWith("expect(2).toBeLessThan(2)",
              "expect(received).toBeLessThan(expected)\n\nExpected: < 2\nReceived: 2");
    failsWith("expect(NaN).toBeLessThanOrEqual(2)",
              "expect(received).toBeLessThanOrEqual(expected)\n\nExpected: <= 2\nReceived: NaN");
    failsWith("expect([1, 2]).toContain(3)",
              "expect(received).toContain(expected)\n\nExpected: containing 3\nReceived: [ 1, 2 ]");
    failsWith("expect(['1']).toContain(1)",
              "expect(received).toContain(expected)\n\nExpected: containing 1\n"
              "Received: [ '1' ]");
    failsWith("expect('abc').toContain('abd')",
              "expect(received).toContain(expected)\n\nExpected: containing 'abd'\n"
              "Received: 'abc'");
    failsWith("expect([1, 2]).toHaveLength(3)",
              "expect(received).toHaveLength(expected)\n\nExpected: length 3\n"
              "Received: length 2: [ 1, 2 ]");
    failsWith("expect({a: 1, b: {c: 2}}).toMatchObject({b: {c: 3}})",
              "expect(received).toMatchObject(expected)\n\nExpected: { b: { c: 3 } }\n"
              "Received: { a: 1, b: { c: 2 } }");
    failsWith("expect({a: [1, 2, 3]}).toMatchObject({a: [1, 2]})",
              "expect(received).toMatchObject(expected)\n\nExpected: { a: [ 1, 2 ] }\n"
              "Received: { a: [ 1, 2, 3 ] }");
    failsWith("expect({a: {}}).toHaveProperty('a.b')",
              "expect(received).toHaveProperty(path)\n\nExpected: property 'a.b'\n"
              "Received: no property \"a.b\" in { a: {} }");
    failsWith("expect({a: 1}).toHaveProperty('a', 2)",
              "expect(received).toHaveProperty(path, value)\n\nExpected: property 'a' = 2\n"
              "Received: property 'a' = 1");
    failsWith("expect({calls: [{args: {}}]}).toHaveBeenCalledTimes(2)",
              "expect(received).toHaveBeenCalledTimes(expected)\n\nExpected: 2 calls\n"
              "Received: 1 call");
    failsWith("expect({calls: [{args: {x: 1}}, {args: {x: 2}}]}).toHaveBeenCalledWith({x: 3})",
              "expect(received).toHaveBeenCalledWith(expected)\n\nExpected: a call with { x: 3 }\n"
              "Received: 2 calls with [ { x: 1 }, { x: 2 } ]");
    failsWith("expect({calls: []}).toHaveBeenCalledWith({})",
              "expect(received).toHaveBeenCalledWith(expected)\n\nExpected: a call with {}\n"
              "Received: no calls");
    failsWith("expect(() => 5).toThrow()",
              "expect(received).toThrow()\n\nExpected: a thrown error\n"
              "Received: the function did not throw (it returned 5)");
    failsWith("expect(() => { throw new TypeError('nope') }).toThrow('Range')",
              "expect(received).toThrow(expected)\n\nExpected: an error named 'Range' or with a "
              "message containing it\nReceived: [TypeError: nope]");
    failsWith("expect(() => { throw new TypeError('nope') }).toThrow(RangeError)",
              "expect(received).toThrow(expected)\n\nExpected: an instance of RangeError\n"
              "Received: [TypeError: nope]");
    failsWith("expect(() => { throw 42 }).toThrow('4')",
              "expect(received).toThrow(expected)\n\nExpected: an error named '4' or with a "
              "message containing it\nReceived: thrown 42");
}

TEST_CASE("expect: the error carries matcher, expected, actual and the test's line") {
    auto r = runTests("test \"a\" {\n  const x = 1\n  expect({a: x}).not.toEqual({a: 1})\n}\n"
                      "test \"b\" {\n  function helper() { expect(1).toBe(2) }\n"
                      "  helper()\n}\n");
    REQUIRE(r.size() == 2);
    CHECK(r[0].name == "AssertionError");
    CHECK(r[0].matcher == "toEqual");
    CHECK(r[0].expected == "not { a: 1 }");
    CHECK(r[0].actual == "{ a: 1 }");
    CHECK(r[0].stack.rfind("AssertionError: expect(received).not.toEqual(expected)", 0) == 0);
    CHECK_MESSAGE(r[0].stack.find("\n    at async a (t.flow:3)") != std::string::npos, r[0].stack);
    // Inside a helper: the helper's line first, then the caller's.
    auto at6 = r[1].stack.find("(t.flow:6)");
    auto at7 = r[1].stack.find("(t.flow:7)");
    CHECK_MESSAGE(at6 != std::string::npos, r[1].stack);
    CHECK(at7 != std::string::npos);
    CHECK(at6 < at7);
}

TEST_CASE("expect: .not inverts every matcher") {
    passes(R"(
        expect(3).not.toBe(4)
        expect(0).not.toBe(-0)
        expect({a: 1}).not.toEqual({a: 2})
        expect([1, 2]).not.toEqual([1, 2, 3])
        expect({a: 1, u: undefined}).not.toStrictEqual({a: 1})
        expect(0.3).not.toBeCloseTo(0.31)
        expect(0).not.toBeTruthy()
        expect(1).not.toBeFalsy()
        expect(0).not.toBeNull()
        expect(null).not.toBeUndefined()
        expect(undefined).not.toBeDefined()
        expect(1).not.toBeNaN()
        expect(1).not.toBeGreaterThan(1)
        expect(1).not.toBeGreaterThanOrEqual(2)
        expect(1).not.toBeLessThan(1)
        expect(2).not.toBeLessThanOrEqual(1)
        expect([1]).not.toContain(2)
        expect([1]).not.toHaveLength(2)
        expect({a: 1}).not.toMatchObject({a: 2})
        expect({a: 1}).not.toHaveProperty("b")
        expect({calls: []}).not.toHaveBeenCalledTimes(1)
        expect({calls: [{args: 1}]}).not.toHaveBeenCalledWith(2)
        expect(() => 1).not.toThrow()
        expect(() => { throw new Error("a") }).not.toThrow("b")
    )");
    failsWith("expect(3).not.toBe(3)",
              "expect(received).not.toBe(expected)\n\nExpected: not 3\nReceived: 3");
    failsWith("expect([1]).not.toContain(1)",
              "expect(received).not.toContain(expected)\n\nExpected: not containing 1\n"
              "Received: [ 1 ]");
    failsWith("expect(() => { throw new Error('x') }).not.toThrow()",
              "expect(received).not.toThrow()\n\nExpected: not a thrown error\n"
              "Received: [Error: x]");
}

TEST_CASE("expect: toBe is SameValue, toEqual is SameValueZero") {
    passes("expect(NaN).toBe(NaN); expect(NaN).toEqual(NaN); expect(0).toEqual(-0)");
    failsWith("expect(0).toBe(-0)", "expect(received).toBe(expected)\n\nExpected: -0\nReceived: 0");
    failsWith("expect(-0).toBe(0)", "expect(received).toBe(expected)\n\nExpected: 0\nReceived: -0");
    failsWith("expect(NaN).not.toEqual(NaN)",
              "expect(received).not.toEqual(expected)\n\nExpected: not NaN\nReceived: NaN");
}

TEST_CASE("expect: toEqual details: undefined properties, errors, functions, types") {
    passes(R"(
        expect({a: undefined, b: 1}).toEqual({b: 1, c: undefined})
        expect([undefined]).not.toEqual([])
        expect([1]).not.toEqual({0: 1})
        expect(new Error("m")).not.toEqual(new TypeError("m"))
        expect(new Error("m")).not.toEqual(new Error("n"))
        expect(new Error("m")).not.toEqual({message: "m"})
        const f = () => 1
        expect({f}).toEqual({f})
        expect({f}).not.toEqual({f: () => 1})
        expect(1).not.toEqual("1")
        expect(null).not.toEqual(undefined)
        expect({a: {b: {c: [1, {d: "e"}]}}}).toEqual({a: {b: {c: [1, {d: "e"}]}}})
        expect({a: {b: {c: [1, {d: "e"}]}}}).not.toEqual({a: {b: {c: [1, {d: "f"}]}}})
    )");
}

TEST_CASE("expect: cyclic values compare without hanging") {
    passes(R"(
        const a = {name: "x"}; a.self = a
        const b = {name: "x"}; b.self = b
        expect(a).toEqual(b)
        const c = {name: "y"}; c.self = c
        expect(a).not.toEqual(c)
        const l1 = [1]; l1.push(l1)
        const l2 = [1]; l2.push(l2)
        expect(l1).toEqual(l2)
        const m1 = {p: {}}; m1.p.back = m1
        const m2 = {p: {}}; m2.p.back = m2
        expect(m1).toEqual(m2)
        expect(m1).toMatchObject({p: {back: m2}})
        const d = {name: "x"}; d.self = {name: "x", self: d}
        expect(a).toEqual(d)
    )");
    // The message prints the cycle the way console.log does.
    failsWith("const a = {}; a.me = a; expect(a).toEqual({})",
              "expect(received).toEqual(expected)\n\nExpected: {}\n"
              "Received: <ref *1> { me: [Circular *1] }");
}

TEST_CASE("expect: deep data is compared without C recursion") {
    // Not under GC stress: a collection per allocation makes 200,000
    // allocations quadratic.
    auto r = runTests(R"(test "deep" {
        let a = {}, b = {}
        for (let i = 0; i < 100000; i++) { a = {n: a}; b = {n: b} }
        expect(a).toEqual(b)
        expect(a).toMatchObject(b)
        expect([a]).toContain(a)
    })");
    REQUIRE(r.size() == 1);
    CHECK_MESSAGE(r[0].state == "ok", r[0].message);
    // A failure prints them as console.log does: nesting cut at depth 2.
    r = runTests(R"(test "deep" {
        let a = {}, b = {}
        for (let i = 0; i < 100000; i++) { a = {n: a}; b = {n: b} }
        b.n.n.n.n = 1
        expect(a).toEqual(b)
    })");
    REQUIRE(r.size() == 1);
    CHECK(r[0].message == "expect(received).toEqual(expected)\n\nExpected: { n: { n: { n: "
                          "[Object] } } }\nReceived: { n: { n: { n: [Object] } } }\n\n"
                          "First difference at received.n.n.n.n:\n  Expected: 1\n"
                          "  Received: { n: { n: { n: [Object] } } }");
}

TEST_CASE("expect: toThrow on promises and async functions") {
    passes(R"(
        const failing = async () => { throw new Error("Timeout after 5s") }
        await expect(failing()).toThrow("Timeout")
        await expect(failing).toThrow("Error")
        await expect(async () => 1).not.toThrow()
        await expect(Promise.resolve(1)).not.toThrow()
        await expect(Promise.reject(new TypeError("t"))).not.toThrow("RangeError")
        await expect(Promise.reject("just a string")).toThrow("string")
    )");
    failsWith("await expect(Promise.resolve(7)).toThrow('X')",
              "expect(received).toThrow(expected)\n\nExpected: an error named 'X' or with a "
              "message containing it\nReceived: the promise resolved with 7");
    failsWith("await expect(async () => { throw new Error('e') }).not.toThrow()",
              "expect(received).not.toThrow()\n\nExpected: not a thrown error\n"
              "Received: [Error: e]");
}

TEST_CASE("expect: resolves and rejects") {
    passes(R"(
        await expect(Promise.resolve({a: 1})).resolves.toEqual({a: 1})
        await expect(Promise.resolve(2)).resolves.not.toBe(3)
        await expect(Promise.reject(new RangeError("too big"))).rejects.toThrow("RangeError")
        await expect(Promise.reject(new RangeError("too big"))).rejects.toThrow("big")
        await expect(Promise.reject(new RangeError("x"))).rejects.not.toThrow("TypeError")
        await expect(Promise.reject(5)).rejects.toBe(5)
        await expect(async () => 4).resolves.toBeGreaterThan(3)
        const p = new Promise((res) => res([1, 2]))
        await expect(p).resolves.toContain(2)
    )");
    failsWith("await expect(Promise.resolve(1)).resolves.toBe(2)",
              "expect(received).resolves.toBe(expected)\n\nExpected: 2\nReceived: 1");
    failsWith("await expect(Promise.resolve(1)).resolves.not.toBe(1)",
              "expect(received).resolves.not.toBe(expected)\n\nExpected: not 1\nReceived: 1");
    failsWith("await expect(Promise.reject(new Error('no'))).resolves.toBe(1)",
              "expect(received).resolves.toBe(expected)\n\nExpected: a promise that resolves\n"
              "Received: rejected with [Error: no]");
    failsWith("await expect(Promise.resolve(3)).rejects.toThrow()",
              "expect(received).rejects.toThrow()\n\nExpected: a promise that rejects\n"
              "Received: resolved with 3");
    failsWith("await expect(Promise.resolve(3)).rejects.not.toThrow()",
              "expect(received).rejects.not.toThrow()\n\nExpected: a promise that rejects\n"
              "Received: resolved with 3");
    failsWith("await expect(Promise.reject(new TypeError('t'))).rejects.toThrow('Range')",
              "expect(received).rejects.toThrow(expected)\n\nExpected: an error named 'Range' or "
              "with a message containing it\nReceived: [TypeError: t]");
}

TEST_CASE("expect: promise failures keep the location of the matcher call") {
    auto r = runTests("test \"a\" {\n  const p = Promise.resolve(1)\n  await null\n"
                      "  await expect(p).resolves.toBe(2)\n}\n"
                      "test \"b\" {\n  await expect(Promise.resolve(1)).resolves.toBeCloseTo('x')\n"
                      "}\n");
    REQUIRE(r.size() == 2);
    CHECK(r[0].name == "AssertionError");
    CHECK(r[0].matcher == "toBe");
    CHECK_MESSAGE(r[0].stack.find("(t.flow:4)") != std::string::npos, r[0].stack);
    // A wrong use found when the promise settles is a TypeError, located too.
    CHECK(r[1].name == "TypeError");
    CHECK(r[1].message.find("expected must be a number") != std::string::npos);
    CHECK_MESSAGE(r[1].stack.find("(t.flow:7)") != std::string::npos, r[1].stack);
}

TEST_CASE("expect: an unawaited failing promise form is an unhandled rejection") {
    auto r = runTests("test \"t\" {\n  expect(Promise.resolve(1)).resolves.toBe(2)\n}\n");
    REQUIRE(r.size() == 1);
    CHECK(r[0].state == "ok");
    CHECK(r[0].unhandled.find("AssertionError") != std::string::npos);
}

TEST_CASE("expect: assertion errors can be caught and inspected") {
    passes(R"(
        let caught = null
        try { expect([1]).toHaveLength(2) } catch (e) { caught = e }
        expect(caught.name).toBe("AssertionError")
        expect(caught instanceof Error).toBe(true)
        expect(caught.matcher).toBe("toHaveLength")
        expect(caught.expected).toBe("length 2")
        expect(caught.actual).toBe("length 1: [ 1 ]")
        expect(() => expect(1).toBe(2)).toThrow("AssertionError")
    )");
}

TEST_CASE("expect: wrong use is a clear TypeError") {
    typeError("expect(5).toThrow()", "toThrow(): received must be a function or a promise (got 5)");
    typeError("expect(5).toThrow(3)", "received must be a function or a promise");
    typeError("expect(() => { throw 1 }).toThrow(3)", "expected must be a string");
    typeError("expect('a').toBeCloseTo(1)", "toBeCloseTo(): received must be a number (got 'a')");
    typeError("expect(1).toBeCloseTo(null)", "expected must be a number (got null)");
    typeError("expect(1).toBeCloseTo(1, 'x')", "digits must be a number");
    typeError("expect('2').toBeGreaterThan(1)", "toBeGreaterThan(): received must be a number");
    typeError("expect(2).toBeLessThan([])", "expected must be a number");
    typeError("expect({}).toHaveBeenCalledTimes(1)",
              "toHaveBeenCalledTimes(): received must be a mock (an object with a `calls` "
              "array), got {}");
    typeError("expect(3).toHaveBeenCalledWith({})", "received must be a mock");
    typeError("expect({calls: []}).toHaveBeenCalledTimes(-1)",
              "expected must be a non-negative integer");
    typeError("expect({calls: []}).toHaveBeenCalledTimes(1.5)",
              "expected must be a non-negative integer");
    typeError("expect(5).toContain(5)", "received must be an array or a string (got 5)");
    typeError("expect('abc').toContain(1)", "expected must be a string when received is a string");
    typeError("expect(5).toHaveLength(1)", "received must have a numeric length property");
    typeError("expect([]).toHaveLength('1')", "expected must be a number");
    typeError("expect(5).toMatchObject({})", "toMatchObject(): received must be an object");
    typeError("expect({}).toMatchObject(5)", "expected must be an object");
    typeError("expect(null).toHaveProperty('a')", "received must not be null or undefined");
    typeError("expect({}).toHaveProperty(5)", "path must be a string or an array of keys");
    typeError("expect({}).toHaveProperty('')", "path must not be empty");
    typeError("expect(5).resolves.toBe(5)",
              "expect(received).resolves.toBe(expected): received must be a promise or a "
              "function returning a promise (got 5)");
    typeError("expect(() => 5).rejects.toBe(5)", "received must be a promise");
    typeError("expect(1, 2)", "expect takes one argument");
    typeError("const m = expect(1).toBe; m(1)", "toBe must be called on the result of expect");
    typeError("expect(1).toBe.call({}, 1)", "toBe must be called on the result of expect");
}

TEST_CASE("expect: matcher objects") {
    passes(R"(
        const m = expect({a: 1})
        m.toEqual({a: 1})
        m.not.toEqual({a: 2})
        expect(Object.keys(m)).toEqual([])
        expect(typeof m.toBe).toBe("function")
    )");
}

TEST_CASE("expect: passing and failing tests side by side") {
    auto r = runTests("test \"ok\" { expect(1).toBe(1) }\n"
                      "test \"bad\" { expect(1).toBe(2); expect(3).toBe(3) }\n"
                      "test \"async ok\" { await expect(Promise.resolve(1)).resolves.toBe(1) }\n");
    REQUIRE(r.size() == 3);
    CHECK(r[0].state == "ok");
    CHECK(r[1].state == "failed");
    CHECK(r[2].state == "ok");
}
