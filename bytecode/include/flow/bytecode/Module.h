#pragma once
// Module.h — the in-memory form of a compiled Flow program. The compiler
// builds one; Writer serializes it to a .flowc; Reader + Verifier load it back
// for the runtime. A module is self-contained: every imported file is compiled
// into it, so its content hash pins everything a run can execute.
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "flow/bytecode/Format.h"
#include "flow/bytecode/Opcode.h"

namespace flow::bytecode {

// A constant of a function's constant table.
struct Constant {
    enum class Type : uint8_t { Number = 0, String = 1 };
    Type type = Type::Number;
    double number = 0;   // Type::Number
    uint32_t string = 0; // Type::String: index into Module::strings
};

// An exception handler: an exception thrown by an instruction in
// [startPc, endPc) is caught by jumping to handlerPc with the thrown value in
// register `reg`. Inner handlers come first; the first match wins.
struct Handler {
    uint32_t startPc = 0, endPc = 0, handlerPc = 0;
    uint8_t reg = 0;
};

// Where a closure's upvalue comes from when the Closure instruction runs:
// fromParentRegister ? the cell in register `index` of the creating frame
//                    : upvalue `index` of the creating closure.
struct UpvalueDesc {
    bool fromParentRegister = false;
    uint8_t index = 0;
    uint32_t name = 0; // string index, for traces and ReferenceError messages
};

// pc -> source position, run-length: an entry applies from its pc until the
// next entry's pc. Sorted by pc, the first entry has pc 0.
struct LineEntry {
    uint32_t pc = 0;
    uint32_t line = 0;   // 1-based
    uint32_t column = 0; // 1-based
};

// A local variable name for debugging and snapshots: register `reg` holds
// `name` for pcs in [startPc, endPc).
struct LocalDebug {
    uint32_t name = 0;
    uint8_t reg = 0;
    uint32_t startPc = 0, endPc = 0;
};

enum class FunctionKind : uint8_t {
    Init = 0,     // a source file's top-level code
    Function = 1, // function declaration or expression
    Arrow = 2,    // arrow function (no own `this`)
    Method = 3,   // object literal method
    Workflow = 4, // a workflow body (always async)
    Trigger = 5,  // an `on "type"` handler
    Test = 6,     // a `test` block (always async)
};

// "init", "function", "arrow", "method", "workflow", "trigger", "test".
const char* functionKindName(FunctionKind k);

struct Function {
    uint32_t name = 0;   // string index ("" for anonymous)
    uint32_t source = 0; // index into Module::sources
    uint32_t line = 0, column = 0;
    FunctionKind kind = FunctionKind::Function;
    bool isAsync = false;
    // Parameters arrive in registers 0..numParams-1; with hasRest, the extra
    // arguments arrive as an array in register numParams.
    uint8_t numParams = 0;
    bool hasRest = false;
    uint8_t frameSize = 0; // registers used, <= kMaxRegisters
    std::vector<UpvalueDesc> upvalues;
    std::vector<Constant> constants;
    std::vector<Insn> code; // AUX words inline, after their instruction
    std::vector<Handler> handlers;
    std::vector<LineEntry> lines;
    std::vector<LocalDebug> locals;
};

struct SourceFile {
    uint32_t path = 0; // string index: the path as given to the compiler
    uint32_t text = 0; // string index: the full source text
};

// Builtin: a task the runtime performs in-process (target = its name: "echo",
// "fail", "noop"; docs/tasks.md). Durable like any task: one step, retries.
enum class TaskKind : uint8_t { Exec = 0, Http = 1, Builtin = 2 };

struct TaskDecl {
    uint32_t name = 0;
    TaskKind kind = TaskKind::Exec;
    std::vector<uint32_t> params; // parameter names (string indices)
    // Exec: target = the executable path; Http: method + target = URL;
    // Builtin: target = the builtin task's name.
    uint32_t method = 0; // string index ("" for exec)
    uint32_t target = 0; // string index
    // The options object as canonical JSON text (durations already in ms):
    // {"timeout":30000,"retry":[{"on":["Throttled"],"maxAttempts":3,...}]}
    uint32_t optionsJson = 0;
    uint32_t modVar = 0; // the module variable holding the task value
    uint32_t source = 0, line = 0;
};

struct WorkflowDecl {
    uint32_t name = 0;
    uint32_t function = 0; // the workflow body (FunctionKind::Workflow)
    uint32_t modVar = 0;   // the module variable holding the workflow value
    uint32_t optionsJson = 0; // {"timeout": ms} or "{}"
    bool exported = false;
};

struct TriggerDecl {
    uint32_t eventType = 0; // string index
    uint32_t function = 0;  // handler (FunctionKind::Trigger), one parameter
    uint32_t source = 0, line = 0;
};

struct TestDecl {
    uint32_t name = 0;
    uint32_t function = 0; // FunctionKind::Test
    uint32_t source = 0, line = 0;
};

struct ModVar {
    uint32_t name = 0;   // string index
    uint32_t source = 0; // the file that declares it
    bool isConst = false;
};

struct Module {
    std::array<uint8_t, 32> hash{}; // SHA-256 of the payload; set by Writer/Reader
    // The format version the file declared (Reader); what a module built in
    // memory is. The verifier rejects opcodes newer than it; the Writer
    // always writes kFormatVersion.
    uint32_t formatVersion = kFormatVersion;
    std::vector<std::string> strings;
    std::vector<SourceFile> sources;
    std::vector<Function> functions;
    std::vector<ModVar> modVars;
    std::vector<TaskDecl> tasks;
    std::vector<WorkflowDecl> workflows;
    std::vector<TriggerDecl> triggers;
    std::vector<TestDecl> tests;
    std::vector<uint32_t> inits; // init functions, run in this order

    // Interns a string, returning its index (the compiler's helper).
    uint32_t intern(const std::string& s);
    const std::string& str(uint32_t i) const { return strings[i]; }
    // "sha256:<64 hex digits>"
    std::string hashHex() const;

private:
    std::unordered_map<std::string, uint32_t> internIndex_; // rebuilt lazily
};

} // namespace flow::bytecode
