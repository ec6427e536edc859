#pragma once
// FunctionBuilder.h — the low level of codegen for one function: the code
// buffer, forward labels and their patching, the deduplicated constant table,
// the stack-like register allocator, and the line/locals debug tables. It
// knows nothing about the AST; Codegen drives it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "flow/bytecode/Format.h"
#include "flow/bytecode/Module.h"
#include "flow/compiler/Diagnostics.h"

namespace flow::compiler::codegen {

using bytecode::Op;

// A jump target. Forward uses are patched when the label is bound; a bound
// label can only be reached with JumpBack (the only backward jump).
struct Label {
    int64_t pos = -1;
    struct Use {
        uint32_t insnPc; // the jump instruction
        uint32_t basePc; // the pc its offset is relative to (after its AUX)
    };
    std::vector<Use> uses;
    bool bound() const { return pos >= 0; }
};

class FunctionBuilder {
public:
    FunctionBuilder(bytecode::Module& m, DiagnosticEngine& diags, std::string name,
                    ast::SourceRange range);

    bytecode::Function fn;

    // ---- code
    uint32_t pc() const { return uint32_t(fn.code.size()); }
    void abc(Op op, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0);
    void ad(Op op, uint32_t a, uint32_t d);
    void adSigned(Op op, uint32_t a, int32_t d);
    void aux(uint32_t word) { fn.code.push_back(word); }
    // A forward conditional jump (AD form, optional AUX word) or, with
    // op == Jump, an unconditional one (E form).
    void jump(Op op, uint32_t a, Label& target);
    void jumpAux(Op op, uint32_t a, uint32_t auxWord, Label& target);
    void jumpBack(const Label& target);
    // A loop's bottom test, `op` one of the LoopIf* back-edges. When the body
    // is too far for its 16-bit offset: the inverse forward compare-jump over
    // a JumpBack (the same test, one dispatch more).
    void loopBack(Op op, uint32_t a, uint32_t auxWord, const Label& target);
    void bind(Label& l);
    // True when the last emitted instruction never falls through.
    bool lastIsTerminator() const { return lastTerm_; }
    // The next instruction is an entry point reached otherwise than by
    // falling through (an exception handler's pc), as after bind().
    void markReachable() { lastTerm_ = false; }

    // ---- constants (deduplicated: numbers by bit pattern, strings by content)
    uint32_t numberConst(double v);
    uint32_t stringConst(const std::string& s);

    // ---- registers: stack-like, temporaries above locals
    uint8_t alloc();
    uint8_t allocBlock(uint32_t n); // n consecutive registers, returns the first
    uint32_t top() const { return top_; }
    void freeTo(uint32_t top) { top_ = top; }

    // ---- debug tables
    void setLoc(uint32_t line, uint32_t column);
    void addLocal(const std::string& name, uint8_t reg, uint32_t startPc, uint32_t endPc);

    // Finishes the function: frame size, limits. Returns the function.
    bytecode::Function finish();

    bytecode::Module& module() { return mod_; }
    const std::string& name() const { return name_; }

private:
    void emitWord(uint32_t w, bool term);
    void limitError(DiagId id, uint32_t limit, bool& reported);
    bytecode::Module& mod_;
    DiagnosticEngine& diags_;
    std::string name_;
    ast::SourceRange range_;
    uint32_t top_ = 0, max_ = 0;
    std::map<uint64_t, uint32_t> numbers_;
    std::map<uint32_t, uint32_t> strings_;
    uint32_t line_ = 0, column_ = 0;
    bool lastTerm_ = false;
    bool regError_ = false, constError_ = false, jumpError_ = false;
};

} // namespace flow::compiler::codegen
