// Vm.test.cpp — the VM on small hand-assembled modules: every test builds
// bytecode with the Asm helper, runs it, and checks console output.
// Each scenario also runs in GC-stress mode (a collection at every allocation).
#include <doctest/doctest.h>

#include <string>

#include "flow/bytecode/Module.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Vm.h"

using namespace flow::bytecode;
using namespace flow::vm;

namespace {

// Registers 240.. are scratch for log().
constexpr uint8_t kScratch = 240;

struct Asm {
    Module& m;
    Function fn;
    Asm(Module& mod, const char* name, uint8_t params = 0) : m(mod) {
        fn.name = m.intern(name);
        fn.numParams = params;
        fn.frameSize = 250;
        fn.lines.push_back({0, 1, 1});
    }
    uint32_t pc() const { return uint32_t(fn.code.size()); }
    void abc(Op op, uint8_t a = 0, uint8_t b = 0, uint8_t c = 0) {
        fn.code.push_back(encodeABC(op, a, b, c));
    }
    void ad(Op op, uint8_t a, uint16_t d) { fn.code.push_back(encodeAD(op, a, d)); }
    void e(Op op, int32_t e) { fn.code.push_back(encodeE(op, e)); }
    void aux(uint32_t w) { fn.code.push_back(w); }
    uint16_t kstr(const std::string& s) {
        Constant c;
        c.type = Constant::Type::String;
        c.string = m.intern(s);
        fn.constants.push_back(c);
        return uint16_t(fn.constants.size() - 1);
    }
    uint16_t knum(double d) {
        Constant c;
        c.number = d;
        fn.constants.push_back(c);
        return uint16_t(fn.constants.size() - 1);
    }
    // console.log(r[reg])
    void log(uint8_t reg) {
        ad(Op::GetBuiltin, kScratch + 1, uint16_t(Builtin::console));
        abc(Op::GetField, kScratch, kScratch + 1);
        aux(kstr("log"));
        abc(Op::Move, kScratch + 2, reg);
        abc(Op::CallMethod, kScratch, 1);
    }
    void logStr(const std::string& s) {
        ad(Op::LoadK, kScratch + 3, kstr(s));
        log(kScratch + 3);
    }
    // Patches the jump at `at` (AD form, no AUX) to land on the current pc.
    void patchD(uint32_t at, uint32_t words = 1) {
        int32_t off = int32_t(pc()) - int32_t(at + words);
        fn.code[at] = (fn.code[at] & 0xFFFF) | (uint32_t(uint16_t(off)) << 16);
    }
    uint32_t finish() {
        m.functions.push_back(fn);
        return uint32_t(m.functions.size() - 1);
    }
};

Module newModule() {
    Module m;
    m.intern("");
    SourceFile sf;
    sf.path = m.intern("test.flow");
    sf.text = m.intern("");
    m.sources.push_back(sf);
    return m;
}

// Runs the module's inits; returns stdout, with "!uncaught <str>" appended
// when an error escapes.
std::string run(Module m, bool stress = false) {
    std::string out;
    VmOptions o;
    o.gcStress = stress;
    o.out = [&](std::string_view s) { out += s; };
    o.err = [&](std::string_view s) { out += s; };
    Vm vm(o);
    vm.load(std::move(m));
    Completion c = vm.runInits();
    if (!c.ok) out += "!uncaught " + toStdString(vm, c.value);
    return out;
}

void checkBoth(const Module& m, const std::string& expected) {
    CHECK(run(m) == expected);
    CHECK(run(m, true) == expected);
}

} // namespace

TEST_CASE("Vm: arithmetic, strings and number printing") {
    Module m = newModule();
    Asm a(m, "init");
    a.ad(Op::LoadK, 0, a.knum(0.1));
    a.ad(Op::LoadK, 1, a.knum(0.2));
    a.abc(Op::Add, 2, 0, 1);
    a.log(2); // 0.30000000000000004
    a.ad(Op::LoadK, 3, a.kstr("n="));
    a.abc(Op::Add, 4, 3, 2);
    a.log(4);
    a.ad(Op::LoadInt, 5, 7);
    a.ad(Op::LoadInt, 6, 2);
    a.abc(Op::Mod, 7, 5, 6);
    a.log(7); // 1
    a.abc(Op::Pow, 7, 6, 5);
    a.log(7); // 128
    a.ad(Op::LoadK, 8, a.knum(1e21));
    a.log(8);
    a.ad(Op::LoadK, 8, a.knum(-0.0));
    a.abc(Op::Concat, 9, 8, 1); // `${-0}` = "0"
    a.log(9);
    a.abc(Op::TypeOf, 9, 3);
    a.log(9);
    a.abc(Op::LoadUndef, 10);
    a.abc(Op::Add, 11, 10, 5); // undefined + 7 = NaN
    a.log(11);
    a.abc(Op::ReturnUndef);
    m.inits.push_back(a.finish());
    checkBoth(m, "0.30000000000000004\nn=0.30000000000000004\n1\n128\n1e+21\n0\nstring\nNaN\n");
}

TEST_CASE("Vm: recursion through a module variable (fib)") {
    Module m = newModule();
    ModVar mv;
    mv.name = m.intern("fib");
    m.modVars.push_back(mv);
    // function fib(n) { if (n < 2) return n; return fib(n-1) + fib(n-2) }
    Asm f(m, "fib", 1);
    f.ad(Op::JumpIfNotLtK, 0, 0);
    f.aux(f.knum(2));
    uint32_t j = f.pc() - 2;
    f.abc(Op::Return, 0);
    f.patchD(j, 2);
    f.ad(Op::GetModVar, 1, 0);
    f.abc(Op::SubK, 2, 0, uint8_t(f.knum(1)));
    f.abc(Op::Call, 1, 1);
    f.ad(Op::GetModVar, 3, 0);
    f.abc(Op::SubK, 4, 0, uint8_t(f.knum(2)));
    f.abc(Op::Call, 3, 1);
    f.abc(Op::Add, 5, 1, 3);
    f.abc(Op::Return, 5);
    uint32_t fibIdx = f.finish();

    Asm a(m, "init");
    a.ad(Op::Closure, 0, uint16_t(fibIdx));
    a.ad(Op::SetModVar, 0, 0);
    a.ad(Op::LoadInt, 1, 20);
    a.abc(Op::Call, 0, 1);
    a.log(0);
    a.abc(Op::ReturnUndef);
    m.inits.push_back(a.finish());
    CHECK(run(m) == "6765\n");
}

TEST_CASE("Vm: call depth limit is a catchable RangeError, and one below it works") {
    Module m = newModule();
    ModVar mv;
    mv.name = m.intern("down");
    m.modVars.push_back(mv);
    // function down(n) { if (n <= 0) return 0; return down(n - 1) }  (not a tail call)
    Asm f(m, "down", 1);
    f.ad(Op::JumpIfGtK, 0, 0);
    f.aux(f.knum(0));
    uint32_t j = f.pc() - 2;
    f.ad(Op::LoadInt, 1, 0);
    f.abc(Op::Return, 1);
    f.patchD(j, 2);
    f.ad(Op::GetModVar, 1, 0);
    f.abc(Op::SubK, 2, 0, uint8_t(f.knum(1)));
    f.abc(Op::Call, 1, 1);
    f.abc(Op::Return, 1);
    uint32_t idx = f.finish();

    Asm a(m, "init");
    a.ad(Op::Closure, 0, uint16_t(idx));
    a.ad(Op::SetModVar, 0, 0);
    // depth: init (1) + down(n) uses n+1 frames -> n = kMaxCallDepth - 2 fits exactly.
    uint32_t tryStart = a.pc();
    a.ad(Op::GetModVar, 1, 0);
    a.ad(Op::LoadK, 2, a.knum(kMaxCallDepth - 2));
    a.abc(Op::Call, 1, 1);
    a.log(1);
    a.ad(Op::GetModVar, 1, 0);
    a.ad(Op::LoadK, 2, a.knum(kMaxCallDepth - 1));
    a.abc(Op::Call, 1, 1);
    a.logStr("not reached");
    uint32_t tryEnd = a.pc();
    a.e(Op::Jump, 0);
    uint32_t jEnd = a.pc() - 1;
    uint32_t handler = a.pc();
    a.abc(Op::GetField, 4, 3);
    a.aux(a.kstr("message"));
    a.log(4);
    a.abc(Op::GetField, 4, 3);
    a.aux(a.kstr("name"));
    a.log(4);
    uint32_t end = a.pc();
    a.fn.code[jEnd] = encodeE(Op::Jump, int32_t(end - (jEnd + 1)));
    a.abc(Op::ReturnUndef);
    a.fn.handlers.push_back({tryStart, tryEnd, handler, 3});
    m.inits.push_back(a.finish());
    CHECK(run(m) == "0\nMaximum call stack size exceeded\nRangeError\n");
}

TEST_CASE("Vm: closures share a cell; TDZ read throws ReferenceError") {
    Module m = newModule();
    // function() { return ++cell } capturing register 0 of init
    Asm inc(m, "inc");
    UpvalueDesc uv;
    uv.fromParentRegister = true;
    uv.index = 0;
    uv.name = m.intern("count");
    inc.fn.upvalues.push_back(uv);
    inc.abc(Op::GetUpval, 0, 0);
    inc.abc(Op::Inc, 0, 0);
    inc.abc(Op::SetUpval, 0, 0);
    inc.abc(Op::Return, 0);
    uint32_t incIdx = inc.finish();

    Asm a(m, "init");
    a.abc(Op::NewBox, 0);
    a.ad(Op::Closure, 1, uint16_t(incIdx));
    uint32_t tryStart = a.pc();
    a.abc(Op::Move, 2, 1);
    a.abc(Op::Call, 2, 0); // TDZ: count is uninitialized
    uint32_t tryEnd = a.pc();
    a.e(Op::Jump, 0);
    uint32_t jEnd = a.pc() - 1;
    uint32_t handler = a.pc();
    a.abc(Op::GetField, 4, 3);
    a.aux(a.kstr("message"));
    a.log(4);
    a.fn.code[jEnd] = encodeE(Op::Jump, int32_t(a.pc() - (jEnd + 1)));
    a.ad(Op::LoadInt, 5, 10);
    a.abc(Op::SetBox, 0, 5);
    a.abc(Op::Move, 2, 1);
    a.abc(Op::Call, 2, 0);
    a.abc(Op::Move, 2, 1);
    a.abc(Op::Call, 2, 0);
    a.log(2);
    a.abc(Op::GetBox, 6, 0);
    a.log(6);
    a.abc(Op::ReturnUndef);
    a.fn.handlers.push_back({tryStart, tryEnd, handler, 3});
    m.inits.push_back(a.finish());
    checkBoth(m, "Cannot access 'count' before initialization\n12\n12\n");
}

TEST_CASE("Vm: objects keep JS key order; arrays, spread and for-of") {
    Module m = newModule();
    Asm a(m, "init");
    a.abc(Op::NewObject, 0);
    a.ad(Op::LoadInt, 1, 1);
    a.abc(Op::SetField, 0, 1);
    a.aux(a.kstr("b"));
    a.abc(Op::SetField, 0, 1);
    a.aux(a.kstr("2"));
    a.abc(Op::SetField, 0, 1);
    a.aux(a.kstr("a"));
    a.abc(Op::SetField, 0, 1);
    a.aux(a.kstr("1"));
    // for (k in o) log(k)
    a.abc(Op::IterInit, 2, 0, 1);
    uint32_t loop = a.pc();
    a.ad(Op::IterNext, 3, 0);
    a.aux(2);
    uint32_t jn = a.pc() - 2;
    a.log(3);
    a.e(Op::JumpBack, int32_t(loop) - int32_t(a.pc() + 1));
    a.patchD(jn, 2);
    // [1, ..."ab", 1] joined via String()
    a.abc(Op::NewArray, 4);
    a.abc(Op::Append, 4, 1);
    a.ad(Op::LoadK, 5, a.kstr("a😀"));
    a.abc(Op::AppendSpread, 4, 5);
    a.abc(Op::Append, 4, 1);
    a.abc(Op::GetField, 6, 4);
    a.aux(a.kstr("length"));
    a.log(6); // 4: "a", "😀" by code point
    a.abc(Op::GetField, 6, 5);
    a.aux(a.kstr("length"));
    a.log(6); // 3 UTF-16 units
    a.abc(Op::ReturnUndef);
    m.inits.push_back(a.finish());
    checkBoth(m, "1\n2\nb\na\n4\n3\n");
}

TEST_CASE("Vm: an uncaught throw reports the value; finally-like rethrow") {
    Module m = newModule();
    Asm a(m, "init");
    a.ad(Op::GetBuiltin, 0, uint16_t(Builtin::TypeError));
    a.ad(Op::LoadK, 1, a.kstr("boom"));
    a.abc(Op::New, 0, 1);
    a.abc(Op::Throw, 0);
    m.inits.push_back(a.finish());
    checkBoth(m, "!uncaught TypeError: boom");
}

TEST_CASE("Vm: async functions, await ordering and Promise.all") {
    Module m = newModule();
    // async function worker(x) { log("start " + x); await null; log("end " + x); return x * 2 }
    Asm w(m, "worker", 1);
    w.fn.isAsync = true;
    w.ad(Op::LoadK, 1, w.kstr("start "));
    w.abc(Op::Add, 1, 1, 0);
    w.log(1);
    w.abc(Op::LoadNull, 2);
    w.abc(Op::Await, 2, 2);
    w.ad(Op::LoadK, 1, w.kstr("end "));
    w.abc(Op::Add, 1, 1, 0);
    w.log(1);
    w.abc(Op::MulK, 3, 0, uint8_t(w.knum(2)));
    w.abc(Op::Return, 3);
    uint32_t wIdx = w.finish();

    // async function main() { const p = [worker(1), worker(2)]; log("sync");
    //   const r = await Promise.all(p); log(String(r)) }
    Asm mainFn(m, "main");
    mainFn.fn.isAsync = true;
    mainFn.abc(Op::NewArray, 0);
    mainFn.ad(Op::Closure, 1, uint16_t(wIdx));
    mainFn.ad(Op::LoadInt, 2, 1);
    mainFn.abc(Op::Call, 1, 1);
    mainFn.abc(Op::Append, 0, 1);
    mainFn.ad(Op::Closure, 1, uint16_t(wIdx));
    mainFn.ad(Op::LoadInt, 2, 2);
    mainFn.abc(Op::Call, 1, 1);
    mainFn.abc(Op::Append, 0, 1);
    mainFn.logStr("sync");
    mainFn.ad(Op::GetBuiltin, 3, uint16_t(Builtin::Promise));
    mainFn.abc(Op::GetField, 2, 3);
    mainFn.aux(mainFn.kstr("all"));
    mainFn.abc(Op::Move, 4, 0);
    mainFn.abc(Op::CallMethod, 2, 1);
    mainFn.abc(Op::Await, 5, 2);
    mainFn.ad(Op::GetBuiltin, 6, uint16_t(Builtin::String));
    mainFn.abc(Op::Move, 7, 5);
    mainFn.abc(Op::Call, 6, 1);
    mainFn.log(6);
    mainFn.abc(Op::ReturnUndef);
    uint32_t mIdx = mainFn.finish();

    Asm a(m, "init");
    a.ad(Op::Closure, 0, uint16_t(mIdx));
    a.abc(Op::Call, 0, 0);
    a.logStr("after main()");
    a.abc(Op::ReturnUndef);
    m.inits.push_back(a.finish());
    checkBoth(m, "start 1\nstart 2\nsync\nafter main()\nend 1\nend 2\n2,4\n");
}

TEST_CASE("Vm: an async rejection is caught by await's handler") {
    Module m = newModule();
    Asm thrower(m, "thrower");
    thrower.fn.isAsync = true;
    thrower.ad(Op::LoadK, 0, thrower.kstr("bad"));
    thrower.abc(Op::Throw, 0);
    uint32_t tIdx = thrower.finish();

    Asm mainFn(m, "main");
    mainFn.fn.isAsync = true;
    uint32_t tryStart = mainFn.pc();
    mainFn.ad(Op::Closure, 0, uint16_t(tIdx));
    mainFn.abc(Op::Call, 0, 0);
    mainFn.abc(Op::Await, 1, 0);
    uint32_t tryEnd = mainFn.pc();
    mainFn.abc(Op::ReturnUndef);
    uint32_t handler = mainFn.pc();
    mainFn.ad(Op::LoadK, 3, mainFn.kstr("caught "));
    mainFn.abc(Op::Add, 3, 3, 2);
    mainFn.log(3);
    mainFn.abc(Op::ReturnUndef);
    mainFn.fn.handlers.push_back({tryStart, tryEnd, handler, 2});
    uint32_t mIdx = mainFn.finish();

    Asm a(m, "init");
    a.ad(Op::Closure, 0, uint16_t(mIdx));
    a.abc(Op::Call, 0, 0);
    a.abc(Op::ReturnUndef);
    m.inits.push_back(a.finish());
    checkBoth(m, "caught bad\n");
}

TEST_CASE("Vm: conversions follow JS") {
    CHECK(numberToString(0.1 + 0.2) == "0.30000000000000004");
    CHECK(numberToString(1e21) == "1e+21");
    CHECK(numberToString(1e-7) == "1e-7");
    CHECK(numberToString(123456789012345680000.0) == "123456789012345680000");
    CHECK(numberToString(0.000001) == "0.000001");
    CHECK(numberToString(-1.5) == "-1.5");
    CHECK(stringToNumber("  12  ") == 12);
    CHECK(stringToNumber("") == 0);
    CHECK(stringToNumber("0x1F") == 31);
    CHECK(std::isnan(stringToNumber("1_000")));
    CHECK(std::isnan(stringToNumber("abc")));
    CHECK(stringToNumber("-Infinity") == -INFINITY);
    CHECK(toInt32(4294967296.0 + 5) == 5);
    CHECK(toInt32(2147483648.0) == -2147483648);
    CHECK(toUint32(-1) == 4294967295u);
}

TEST_CASE("Vm: a number is an int32 Value or a double, and both compare as numbers") {
    Value i = Value::integer(-7), d = Value::number(-7.0);
    CHECK(i.isNumber());
    CHECK(i.isInt());
    CHECK_FALSE(i.isDouble());
    CHECK(d.isDouble());
    CHECK_FALSE(d.isInt());
    CHECK(i.asNumber() == -7.0);
    CHECK_FALSE(i.same(d));    // two representations of one number...
    CHECK(strictEquals(i, d)); // ...that every comparison treats alike
    CHECK(sameValue(i, d));
    CHECK(sameValueZero(i, d));
    CHECK(truthy(Value::integer(1)));
    CHECK_FALSE(truthy(Value::integer(0)));
    // compact: int32 only where the number is one, never for -0.
    CHECK(Value::compact(3.0).isInt());
    CHECK(Value::compact(-2147483648.0).isInt());
    CHECK(Value::compact(2147483648.0).isDouble());
    CHECK(Value::compact(-0.0).isDouble());
    CHECK(std::signbit(Value::compact(-0.0).asNumber()));
    CHECK(Value::compact(0.5).isDouble());
    CHECK(Value::compact(NAN).isDouble());
    CHECK_FALSE(sameValue(Value::integer(0), Value::number(-0.0)));
    CHECK(sameValue(Value::number(NAN), Value::number(NAN)));
    // The int tag is not mistaken for anything else.
    CHECK_FALSE(Value::integer(0).isUndefined());
    CHECK_FALSE(Value::integer(-1).isObject());
    CHECK(Value::number(std::bit_cast<double>(0xFFF8'0001'0000'0005ull)).isDouble()); // a NaN
}
