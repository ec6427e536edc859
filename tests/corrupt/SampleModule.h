#pragma once
// SampleModule.h — a hand-assembled Module that exercises every section, both
// constant types, every function kind, handlers, line and local tables,
// upvalues captured from a register and from an upvalue, AUX operands, forward
// jumps and a back-edge. Used by flow_load_check --make-sample (until the
// compiler produces real samples) and by tests/unit/Bytecode.test.cpp, which
// mutates it one field at a time to trigger each verifier check.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "flow/bytecode/Builtins.h"
#include "flow/bytecode/Module.h"

namespace flow::bytecode::sample {

// A tiny assembler: labels are code indices; jumps are patched once the
// target is known. Offsets are relative to the end of the instruction (and of
// its AUX word), as Opcodes.def says.
struct Asm {
    std::vector<Insn> code;
    size_t here() const { return code.size(); }
    size_t abc(Op op, uint8_t a, uint8_t b = 0, uint8_t c = 0) {
        code.push_back(encodeABC(op, a, b, c));
        return code.size() - 1;
    }
    size_t ad(Op op, uint8_t a, uint16_t d) {
        code.push_back(encodeAD(op, a, d));
        return code.size() - 1;
    }
    size_t e(Op op, int32_t v) {
        code.push_back(encodeE(op, v));
        return code.size() - 1;
    }
    void aux(uint32_t word) { code.push_back(word); }
    // Points the AD jump at `pc` (with `words` = 1 or 2) to `target`.
    void patchD(size_t pc, unsigned words, size_t target) {
        int32_t off = int32_t(target) - int32_t(pc + words);
        code[pc] = (code[pc] & 0xffffu) | (uint32_t(uint16_t(int16_t(off))) << 16);
    }
    void patchE(size_t pc, size_t target) {
        int32_t off = int32_t(target) - int32_t(pc + 1);
        code[pc] = (code[pc] & 0xffu) | (uint32_t(off) << 8);
    }
};

inline Constant num(double d) {
    Constant c;
    c.type = Constant::Type::Number;
    c.number = d;
    return c;
}
inline Constant str(Module& m, const std::string& s) {
    Constant c;
    c.type = Constant::Type::String;
    c.string = m.intern(s);
    return c;
}

inline uint16_t builtin(const char* name) {
    return uint16_t(findBuiltin(name));
}

inline Module makeSampleModule() {
    Module m;
    m.intern("");
    const char* mainText = "task charge(order) = exec(\"/bin/charge\", { timeout: 30s })\n"
                           "workflow main(order) { ... }\n";
    m.sources.push_back({m.intern("sample.flow"), m.intern(mainText)});
    m.sources.push_back({m.intern("lib.flow"), m.intern("export function helper(x) { ... }\n")});

    // Module variables: 0 charge, 1 main, 2 helper, 3 counter, 4 notify.
    m.modVars.push_back({m.intern("charge"), 0, true});
    m.modVars.push_back({m.intern("main"), 0, true});
    m.modVars.push_back({m.intern("helper"), 1, true});
    m.modVars.push_back({m.intern("counter"), 0, false});
    m.modVars.push_back({m.intern("notify"), 0, true});

    // #0 init of sample.flow
    {
        Function f;
        f.name = m.intern("sample.flow");
        f.kind = FunctionKind::Init;
        f.frameSize = 2;
        f.line = f.column = 1;
        Asm a;
        a.ad(Op::LoadInt, 1, 0);
        a.ad(Op::SetModVar, 1, 3);
        a.e(Op::ReturnUndef, 0);
        f.code = a.code;
        f.lines = {{0, 1, 1}};
        m.functions.push_back(std::move(f));
    }
    // #1 workflow main(order)
    {
        Function f;
        f.name = m.intern("main");
        f.kind = FunctionKind::Workflow;
        f.isAsync = true;
        f.numParams = 1;
        f.frameSize = 8;
        f.line = 2;
        f.column = 1;
        f.constants = {
            num(1000),         num(10),
            str(m, "result"),  num(2.5),
            num(std::nan("")), str(m, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\xa0\x80")};
        Asm a;
        a.ad(Op::GetModVar, 1, 0);                  // 0
        a.abc(Op::Move, 2, 0);                      // 1
        a.abc(Op::Call, 1, 1);                      // 2
        a.abc(Op::Await, 1, 1);                     // 3
        a.ad(Op::GetBuiltin, 3, builtin("sleep"));  // 4
        a.ad(Op::LoadK, 4, 0);                      // 5
        a.abc(Op::Call, 3, 1);                      // 6
        a.abc(Op::Await, 3, 3);                     // 7
        a.ad(Op::LoadInt, 5, 0);                    // 8
        size_t loop = a.ad(Op::JumpIfNotLtK, 5, 0); // 9
        a.aux(1);                                   // 10: k1
        a.abc(Op::AddK, 5, 5, 3);                   // 11
        size_t back = a.e(Op::JumpBack, 0);         // 12
        a.patchE(back, loop);
        size_t exit = a.abc(Op::NewObject, 6, 1); // 13
        a.patchD(loop, 2, exit);
        a.abc(Op::SetField, 6, 1);            // 14
        a.aux(2);                             // 15: k2 "result"
        a.abc(Op::GetField, 7, 6);            // 16
        a.aux(2);                             // 17
        a.ad(Op::LoadK, 7, 5);                // 18
        a.abc(Op::Return, 6);                 // 19
        size_t handler = a.abc(Op::Throw, 7); // 20
        f.code = a.code;
        f.handlers = {{0, 8, uint32_t(handler), 7}};
        f.lines = {{0, 2, 3}, {4, 3, 5}, {8, 4, 3}, {13, 6, 3}, {20, 7, 1}};
        f.locals = {{m.intern("order"), 0, 0, 21}, {m.intern("i"), 5, 8, 13}};
        m.functions.push_back(std::move(f));
    }
    // #2 trigger on "order.created" (e) => start main(e)
    {
        Function f;
        f.name = m.intern("on order.created");
        f.kind = FunctionKind::Trigger;
        f.numParams = 1;
        f.frameSize = 4;
        f.line = 10;
        f.column = 1;
        Asm a;
        a.ad(Op::GetModVar, 1, 1);
        a.abc(Op::NewArray, 2, 1);
        a.abc(Op::Append, 2, 0);
        a.abc(Op::LoadUndef, 3);
        a.abc(Op::StartRun, 0, 1, 2);
        a.abc(Op::Return, 0);
        f.code = a.code;
        f.lines = {{0, 10, 1}};
        m.functions.push_back(std::move(f));
    }
    // #3 test "adds"
    {
        Function f;
        f.name = m.intern("adds");
        f.kind = FunctionKind::Test;
        f.isAsync = true;
        f.frameSize = 4;
        f.line = 12;
        f.column = 1;
        f.constants = {str(m, "toBe")};
        Asm a;
        a.ad(Op::GetBuiltin, 0, builtin("expect"));
        a.ad(Op::GetModVar, 1, 2);
        a.ad(Op::LoadInt, 2, uint16_t(int16_t(-2)));
        a.abc(Op::Call, 1, 1);
        a.abc(Op::Call, 0, 1);
        a.abc(Op::GetField, 1, 0);
        a.aux(0);
        a.abc(Op::Move, 2, 1);
        a.abc(Op::Move, 1, 0);
        a.abc(Op::Move, 0, 2);
        a.ad(Op::LoadInt, 2, 4);
        a.abc(Op::CallMethod, 0, 1);
        a.e(Op::ReturnUndef, 0);
        f.code = a.code;
        f.lines = {{0, 12, 1}};
        m.functions.push_back(std::move(f));
    }
    // #4 function helper(x): returns () => x += 1
    {
        Function f;
        f.name = m.intern("helper");
        f.source = 1;
        f.kind = FunctionKind::Function;
        f.numParams = 1;
        f.frameSize = 3;
        f.line = f.column = 1;
        Asm a;
        a.abc(Op::NewBox, 1);
        a.abc(Op::SetBox, 1, 0);
        a.ad(Op::Closure, 2, 5);
        a.abc(Op::Return, 2);
        f.code = a.code;
        f.lines = {{0, 1, 1}};
        f.locals = {{m.intern("x"), 1, 0, 4}};
        m.functions.push_back(std::move(f));
    }
    // #5 the anonymous arrow inside helper: captures x (register 1 of helper)
    {
        Function f;
        f.name = 0;
        f.source = 1;
        f.kind = FunctionKind::Arrow;
        f.frameSize = 2;
        f.hasRest = true;
        f.line = 1;
        f.column = 30;
        f.upvalues = {{true, 1, m.intern("x")}};
        f.constants = {num(1)};
        Asm a;
        a.abc(Op::GetUpval, 0, 0);
        a.abc(Op::AddK, 0, 0, 0);
        a.abc(Op::SetUpval, 0, 0);
        a.abc(Op::Concat, 1, 0, 1);
        a.abc(Op::Return, 1);
        f.code = a.code;
        f.lines = {{0, 1, 30}};
        m.functions.push_back(std::move(f));
    }
    // #6 init of lib.flow: creates helper
    {
        Function f;
        f.name = m.intern("lib.flow");
        f.source = 1;
        f.kind = FunctionKind::Init;
        f.frameSize = 1;
        f.line = f.column = 1;
        Asm a;
        a.ad(Op::Closure, 0, 4);
        a.ad(Op::SetModVar, 0, 2);
        a.e(Op::ReturnUndef, 0);
        f.code = a.code;
        f.lines = {{0, 1, 1}};
        m.functions.push_back(std::move(f));
    }

    TaskDecl charge;
    charge.name = m.intern("charge");
    charge.kind = TaskKind::Exec;
    charge.params = {m.intern("order")};
    charge.method = m.intern("");
    charge.target = m.intern("/bin/charge");
    charge.optionsJson = m.intern(
        R"({"timeout":30000,"retry":[{"on":["Throttled"],"maxAttempts":3,"interval":1000}]})");
    charge.modVar = 0;
    charge.line = 1;
    m.tasks.push_back(charge);
    TaskDecl notify;
    notify.name = m.intern("notify");
    notify.kind = TaskKind::Http;
    notify.params = {m.intern("msg"), m.intern("level")};
    notify.method = m.intern("POST");
    notify.target = m.intern("https://example.com/hook");
    notify.optionsJson = m.intern("{}");
    notify.modVar = 4;
    notify.line = 3;
    m.tasks.push_back(notify);

    m.workflows.push_back({m.intern("main"), 1, 1, m.intern(R"({"timeout":604800000})"), true});
    m.triggers.push_back({m.intern("order.created"), 2, 0, 10});
    m.tests.push_back({m.intern("adds"), 3, 0, 12});
    m.inits = {6, 0};
    return m;
}

} // namespace flow::bytecode::sample
