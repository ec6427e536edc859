// BytecodeVerifier.test.cpp — one crafted bad module per verifier check: the
// hand-assembled sample (tests/corrupt/SampleModule.h) with one field broken.
// Each test also pins the check's stable name, which load errors report.
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "../corrupt/SampleModule.h"
#include "flow/bytecode/Format.h"
#include "flow/bytecode/Verifier.h"

using namespace flow::bytecode;

namespace {

VerifyError lastError;

// Verifies the sample after `mutate`; "ok" or the failed check's name.
std::string check(const std::function<void(Module&)>& mutate) {
    Module m = sample::makeSampleModule();
    mutate(m);
    auto e = verifyModule(m);
    lastError = e ? *e : VerifyError{};
    return e ? e->check : "ok";
}

// Sample function #1 ('main', 8 registers): pc 9 JumpIfNotLtK (+AUX at 10),
// pc 12 JumpBack, pc 14 SetField (+AUX), pc 19 Return, pc 20 Throw.
constexpr size_t kMain = 1;
Function& mainFn(Module& m) {
    return m.functions[kMain];
}

} // namespace

TEST_CASE("verifier: the sample module is valid") {
    CHECK(check([](Module&) {}) == "ok");
}

TEST_CASE("verifier: module limits and indexes") {
    CHECK(check([](Module& m) { m.functions.resize(kMaxFunctions + 1, m.functions[0]); }) ==
          "limits.functions");
    CHECK(check([](Module& m) { m.modVars.resize(kMaxModVars + 1, m.modVars[0]); }) ==
          "limits.modvars");
    CHECK(check([](Module& m) { m.sources[1].text = 999; }) == "index.string");
    CHECK(check([](Module& m) { m.modVars[2].name = 999; }) == "index.string");
    CHECK(check([](Module& m) { m.modVars[2].source = 2; }) == "index.source");
    CHECK(check([](Module& m) { mainFn(m).name = 999; }) == "index.string");
    CHECK(check([](Module& m) { mainFn(m).source = 5; }) == "index.source");
    CHECK(lastError.message.find("function 'main' (#1)") != std::string::npos);
}

TEST_CASE("verifier: function header checks") {
    CHECK(check([](Module& m) { mainFn(m).kind = FunctionKind(9); }) == "function.kind");
    CHECK(check([](Module& m) { mainFn(m).numParams = 8; }) == "ok");
    CHECK(check([](Module& m) { mainFn(m).numParams = 9; }) == "function.params");
    CHECK(check([](Module& m) {
              mainFn(m).numParams = 7;
              mainFn(m).hasRest = true;
          }) == "ok");
    CHECK(check([](Module& m) {
              mainFn(m).numParams = 8;
              mainFn(m).hasRest = true;
          }) == "function.params");
    CHECK(check([](Module& m) { mainFn(m).isAsync = false; }) == "function.async");
    CHECK(check([](Module& m) { m.functions[3].isAsync = false; }) == "function.async");
    // frameSize at its limit is fine (it cannot be past it: it is a u8).
    CHECK(check([](Module& m) { mainFn(m).frameSize = kMaxRegisters; }) == "ok");
}

TEST_CASE("verifier: upvalues") {
    CHECK(check([](Module& m) {
              m.functions[5].upvalues.resize(kMaxUpvalues, m.functions[5].upvalues[0]);
          }) == "ok");
    CHECK(check([](Module& m) {
              m.functions[5].upvalues.resize(kMaxUpvalues + 1, m.functions[5].upvalues[0]);
          }) == "function.upvalue-count");
    for (size_t top : {size_t(0), size_t(1), size_t(2), size_t(3)})
        CHECK(check([&](Module& m) {
                  m.functions[top].upvalues.push_back({false, 0, 0});
              }) == "function.toplevel-upvalues");
    CHECK(check([](Module& m) {
              m.functions[4].code[2] = encodeABC(Op::LoadNull, 2, 0, 0); // #5 is never closed
              m.functions[5].upvalues[0].index = 255;
          }) == "upvalue.index");
    CHECK(check([](Module& m) { m.functions[5].upvalues[0].name = 999; }) == "index.string");
    // Captured from a register the creating frame (helper, 3 registers) lacks.
    CHECK(check([](Module& m) { m.functions[5].upvalues[0].index = 3; }) == "code.closure-upvalue");
    // Captured from an upvalue of helper, which has none.
    CHECK(check([](Module& m) { m.functions[5].upvalues[0].fromParentRegister = false; }) ==
          "code.closure-upvalue");
}

TEST_CASE("verifier: constants") {
    CHECK(check([](Module& m) { mainFn(m).constants.resize(kMaxConstants, sample::num(0)); }) ==
          "ok");
    CHECK(check([](Module& m) { mainFn(m).constants.resize(kMaxConstants + 1, sample::num(0)); }) ==
          "function.constant-count");
    CHECK(check([](Module& m) { mainFn(m).constants[0].type = Constant::Type(2); }) ==
          "constant.type");
    CHECK(check([](Module& m) { mainFn(m).constants[2].string = 999; }) == "index.string");
}

TEST_CASE("verifier: code shape") {
    CHECK(check([](Module& m) { mainFn(m).code.assign(kMaxCodeWords + 1, 0); }) ==
          "function.code-size");
    CHECK(check([](Module& m) { mainFn(m).code[3] = 0xff; }) == "code.opcode");
    CHECK(check([](Module& m) { mainFn(m).code[3] = kOpCount; }) == "code.opcode");
    // An instruction needing an AUX word at the very end.
    CHECK(check([](Module& m) { mainFn(m).code.push_back(encodeABC(Op::GetField, 0, 0, 0)); }) ==
          "code.aux-missing");
    CHECK(check([](Module& m) { mainFn(m).code.clear(); }) == "code.fallthrough");
    CHECK(check([](Module& m) { mainFn(m).code.push_back(encodeABC(Op::Move, 0, 1, 0)); }) ==
          "code.fallthrough");
    CHECK(lastError.message.find("pc 21") != std::string::npos);
}

TEST_CASE("verifier: operands by kind") {
    // N must be 0: Move has no C; ReturnUndef has no E.
    CHECK(check([](Module& m) { mainFn(m).code[1] = encodeABC(Op::Move, 2, 0, 1); }) ==
          "code.unused-operand");
    CHECK(check([](Module& m) { m.functions[0].code[2] = encodeE(Op::ReturnUndef, 1); }) ==
          "code.unused-operand");
    // R
    CHECK(check([](Module& m) { mainFn(m).code[1] = encodeABC(Op::Move, 8, 0, 0); }) ==
          "code.register");
    CHECK(lastError.message.find("function 'main' (#1) pc 1: Move operand A") != std::string::npos);
    CHECK(check([](Module& m) { mainFn(m).code[1] = encodeABC(Op::Move, 7, 0, 0); }) == "ok");
    CHECK(check([](Module& m) { mainFn(m).code[10] = 8; }) == "code.constant"); // AUX K
    // K / KS / KN
    CHECK(check([](Module& m) { mainFn(m).code[5] = encodeAD(Op::LoadK, 4, 6); }) ==
          "code.constant");
    CHECK(check([](Module& m) { mainFn(m).code[15] = 0; }) == "code.constant-type"); // KS
    CHECK(check([](Module& m) { mainFn(m).code[10] = 2; }) == "code.constant-type"); // KN
    CHECK(check([](Module& m) { mainFn(m).code[11] = encodeABC(Op::AddK, 5, 5, 2); }) ==
          "code.constant-type");
    // P
    CHECK(check([](Module& m) { m.functions[4].code[2] = encodeAD(Op::Closure, 2, 7); }) ==
          "code.proto");
    CHECK(check([](Module& m) { m.functions[4].code[2] = encodeAD(Op::Closure, 2, 1); }) ==
          "code.proto"); // a workflow is not a closure
    // V
    CHECK(check([](Module& m) { m.functions[5].code[0] = encodeABC(Op::GetUpval, 0, 1, 0); }) ==
          "code.upvalue");
    // G
    CHECK(check([](Module& m) { mainFn(m).code[0] = encodeAD(Op::GetModVar, 1, 5); }) ==
          "code.modvar");
    CHECK(check([](Module& m) { mainFn(m).code[0] = encodeAD(Op::GetModVar, 1, 4); }) == "ok");
    // B
    CHECK(check([](Module& m) {
              mainFn(m).code[4] = encodeAD(Op::GetBuiltin, 3, uint16_t(kBuiltinCount));
          }) == "code.builtin");
    CHECK(check([](Module& m) {
              mainFn(m).code[4] = encodeAD(Op::GetBuiltin, 3, uint16_t(kBuiltinCount - 1));
          }) == "ok");
}

TEST_CASE("verifier: register windows") {
    // W_CALL A..A+B
    CHECK(check([](Module& m) { mainFn(m).code[2] = encodeABC(Op::Call, 1, 6, 0); }) == "ok");
    CHECK(check([](Module& m) { mainFn(m).code[2] = encodeABC(Op::Call, 1, 7, 0); }) ==
          "code.window");
    // W_METH A..A+B+1 (test 'adds', 4 registers: CallMethod r0, 1 at pc 11)
    CHECK(check([](Module& m) { m.functions[3].code[11] = encodeABC(Op::CallMethod, 0, 2, 0); }) ==
          "ok");
    CHECK(check([](Module& m) { m.functions[3].code[11] = encodeABC(Op::CallMethod, 0, 3, 0); }) ==
          "code.window");
    // W_A1 and W_A2
    CHECK(check([](Module& m) { mainFn(m).code[1] = encodeABC(Op::NewSpread, 7, 0, 0); }) ==
          "code.window");
    CHECK(check([](Module& m) { mainFn(m).code[1] = encodeABC(Op::CallSpread, 5, 0, 0); }) == "ok");
    CHECK(check([](Module& m) { mainFn(m).code[1] = encodeABC(Op::CallSpread, 6, 0, 0); }) ==
          "code.window");
    // W_BC B..B+C-1 (C = 0 touches nothing)
    CHECK(check([](Module& m) { m.functions[5].code[3] = encodeABC(Op::Concat, 1, 0, 2); }) ==
          "ok");
    CHECK(check([](Module& m) { m.functions[5].code[3] = encodeABC(Op::Concat, 1, 1, 2); }) ==
          "code.window");
    CHECK(check([](Module& m) { m.functions[5].code[3] = encodeABC(Op::Concat, 1, 1, 0); }) ==
          "ok");
    // W_C1 C..C+1 (trigger, 4 registers: StartRun r0, r1, r2 at pc 4)
    CHECK(check([](Module& m) { m.functions[2].code[4] = encodeABC(Op::StartRun, 0, 1, 3); }) ==
          "code.window");
}

TEST_CASE("verifier: jumps") {
    // Outside the code, forward and backward.
    CHECK(check([](Module& m) { mainFn(m).code[12] = encodeE(Op::JumpBack, -14); }) ==
          "code.jump-target");
    CHECK(check([](Module& m) { mainFn(m).code[9] = encodeAD(Op::JumpIfNotLtK, 5, 100); }) ==
          "code.jump-target");
    CHECK(lastError.message.find("outside the code") != std::string::npos);
    // Into an AUX word (pc 15 is SetField's AUX).
    CHECK(check([](Module& m) { mainFn(m).code[9] = encodeAD(Op::JumpIfNotLtK, 5, 4); }) ==
          "code.jump-target");
    CHECK(lastError.message.find("AUX") != std::string::npos);
    // Only JumpBack goes backwards, and it must.
    CHECK(check([](Module& m) { mainFn(m).code[12] = encodeE(Op::Jump, -4); }) ==
          "code.jump-direction");
    CHECK(check([](Module& m) { mainFn(m).code[9] = encodeAD(Op::JumpIfNotLtK, 5, 0xfffe); }) ==
          "code.jump-direction");
    CHECK(check([](Module& m) { mainFn(m).code[12] = encodeE(Op::JumpBack, 0); }) ==
          "code.jump-direction");
    // A forward Jump to the next instruction is fine; JumpBack to itself too.
    CHECK(check([](Module& m) { mainFn(m).code[12] = encodeE(Op::Jump, 0); }) == "ok");
    CHECK(check([](Module& m) { mainFn(m).code[12] = encodeE(Op::JumpBack, -1); }) == "ok");
    // The LoopIf* compare-jumps are back-edges: backwards only (pc 9 + AUX,
    // D relative to pc 11: -2 is pc 9 itself, +2 is pc 13).
    CHECK(check([](Module& m) { mainFn(m).code[9] = encodeAD(Op::LoopIfLtK, 5, 0xfffe); }) == "ok");
    CHECK(check([](Module& m) { mainFn(m).code[9] = encodeAD(Op::LoopIfLtK, 5, 2); }) ==
          "code.jump-direction");
    CHECK(check([](Module& m) { mainFn(m).code[9] = encodeAD(Op::LoopIfGeK, 5, 0xfff0); }) ==
          "code.jump-target");
    // ... and a file that says it is format v2 cannot contain them (v3).
    CHECK(check([](Module& m) {
              m.formatVersion = 2;
              mainFn(m).code[9] = encodeAD(Op::LoopIfLtK, 5, 0xfffe);
          }) == "code.opcode");
    CHECK(lastError.message.find("LoopIfLtK is format v3; the file says v2") != std::string::npos);
}

TEST_CASE("verifier: handlers, lines and locals") {
    CHECK(check([](Module& m) { mainFn(m).handlers[0].endPc = 0; }) == "handler.range");
    CHECK(check([](Module& m) { mainFn(m).handlers[0].endPc = 22; }) == "handler.range");
    CHECK(check([](Module& m) { mainFn(m).handlers[0].endPc = 21; }) == "ok");
    CHECK(check([](Module& m) { mainFn(m).handlers[0].handlerPc = 15; }) == "handler.target");
    CHECK(check([](Module& m) { mainFn(m).handlers[0].handlerPc = 21; }) == "handler.target");
    CHECK(check([](Module& m) { mainFn(m).handlers[0].reg = 8; }) == "handler.register");
    CHECK(check([](Module& m) { mainFn(m).lines[0].pc = 1; }) == "lines.first");
    CHECK(check([](Module& m) { mainFn(m).lines[2].pc = 3; }) == "lines.order");
    CHECK(check([](Module& m) { mainFn(m).lines.push_back({22, 9, 1}); }) == "lines.pc");
    CHECK(check([](Module& m) { mainFn(m).lines.clear(); }) == "ok");
    CHECK(check([](Module& m) { mainFn(m).locals[0].reg = 8; }) == "local.register");
    CHECK(check([](Module& m) { mainFn(m).locals[0].endPc = 22; }) == "local.range");
    CHECK(check([](Module& m) { mainFn(m).locals[1].startPc = 14; }) == "local.range");
    CHECK(check([](Module& m) { mainFn(m).locals[0].name = 999; }) == "index.string");
}

TEST_CASE("verifier: declaration tables") {
    CHECK(check([](Module& m) { m.tasks[0].kind = TaskKind(3); }) == "task.kind");
    CHECK(check([](Module& m) { m.tasks[0].modVar = 5; }) == "task.modvar");
    CHECK(check([](Module& m) { m.tasks[0].params.push_back(999); }) == "index.string");
    CHECK(check([](Module& m) { m.tasks[1].optionsJson = 999; }) == "index.string");
    CHECK(check([](Module& m) { m.tasks[1].source = 2; }) == "index.source");
    CHECK(check([](Module& m) { m.workflows[0].function = 7; }) == "workflow.function");
    CHECK(check([](Module& m) { m.workflows[0].function = 3; }) == "workflow.function");
    CHECK(lastError.message.find("is a test function, expected a workflow function") !=
          std::string::npos);
    CHECK(check([](Module& m) { m.workflows[0].modVar = 5; }) == "workflow.modvar");
    CHECK(check([](Module& m) { m.workflows[0].name = 999; }) == "index.string");
    CHECK(check([](Module& m) { m.triggers[0].function = 1; }) == "trigger.function");
    CHECK(check([](Module& m) { m.triggers[0].eventType = 999; }) == "index.string");
    CHECK(check([](Module& m) { m.triggers[0].source = 9; }) == "index.source");
    CHECK(check([](Module& m) { m.tests[0].function = 2; }) == "test.function");
    CHECK(check([](Module& m) { m.tests[0].function = 70000; }) == "test.function");
    CHECK(check([](Module& m) { m.inits.push_back(4); }) == "init.function");
    CHECK(check([](Module& m) { m.inits.push_back(99); }) == "init.function");
}
