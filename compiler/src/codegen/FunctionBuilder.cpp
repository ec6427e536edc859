// FunctionBuilder.cpp — code buffer, labels, constants, registers, debug tables.
#include "FunctionBuilder.h"

#include <cstring>

namespace flow::compiler::codegen {

using namespace bytecode;

FunctionBuilder::FunctionBuilder(Module& m, DiagnosticEngine& diags, std::string name,
                                 ast::SourceRange range)
    : mod_(m), diags_(diags), name_(std::move(name)), range_(range) {
    fn.name = m.intern(name_);
}

void FunctionBuilder::emitWord(uint32_t w, bool term) {
    // A line entry starts wherever the source position changes; an entry at
    // the same pc as the previous one replaces it (nothing ran in between).
    if (line_ != 0) {
        auto& lines = fn.lines;
        if (lines.empty() || lines.back().line != line_ || lines.back().column != column_) {
            if (!lines.empty() && lines.back().pc == pc())
                lines.back() = {pc(), line_, column_};
            else
                lines.push_back({pc(), line_, column_});
        }
    }
    fn.code.push_back(w);
    lastTerm_ = term;
}

void FunctionBuilder::abc(Op op, uint32_t a, uint32_t b, uint32_t c) {
    emitWord(encodeABC(op, uint8_t(a), uint8_t(b), uint8_t(c)), (opInfo(op).flags & F_TERM) != 0);
}

void FunctionBuilder::ad(Op op, uint32_t a, uint32_t d) {
    emitWord(encodeAD(op, uint8_t(a), uint16_t(d)), (opInfo(op).flags & F_TERM) != 0);
}

void FunctionBuilder::adSigned(Op op, uint32_t a, int32_t d) {
    emitWord(encodeAD(op, uint8_t(a), uint16_t(int16_t(d))), false);
}

void FunctionBuilder::jump(Op op, uint32_t a, Label& target) {
    uint32_t at = pc();
    if (op == Op::Jump)
        emitWord(encodeE(op, 0), true);
    else
        emitWord(encodeAD(op, uint8_t(a), 0), false);
    target.uses.push_back({at, pc()});
}

void FunctionBuilder::jumpAux(Op op, uint32_t a, uint32_t auxWord, Label& target) {
    uint32_t at = pc();
    emitWord(encodeAD(op, uint8_t(a), 0), false);
    fn.code.push_back(auxWord);
    target.uses.push_back({at, pc()});
}

void FunctionBuilder::jumpBack(const Label& target) {
    int64_t off = target.pos - int64_t(pc() + 1);
    emitWord(encodeE(Op::JumpBack, int32_t(off)), true);
}

void FunctionBuilder::loopBack(Op op, uint32_t a, uint32_t auxWord, const Label& target) {
    int64_t off = target.pos - int64_t(pc() + 2);
    if (off >= kMinJumpD) {
        emitWord(encodeAD(op, uint8_t(a), uint16_t(int16_t(off))), false);
        fn.code.push_back(auxWord);
        return;
    }
    Op inverse = op == Op::LoopIfLt    ? Op::JumpIfNotLt
                 : op == Op::LoopIfLe  ? Op::JumpIfNotLe
                 : op == Op::LoopIfLtK ? Op::JumpIfNotLtK
                 : op == Op::LoopIfLeK ? Op::JumpIfNotLeK
                 : op == Op::LoopIfGtK ? Op::JumpIfNotGtK
                                       : Op::JumpIfNotGeK;
    Label skip;
    jumpAux(inverse, a, auxWord, skip);
    jumpBack(target);
    bind(skip);
}

void FunctionBuilder::bind(Label& l) {
    if (!l.bound()) l.pos = pc();
    for (auto& u : l.uses) {
        int64_t off = l.pos - int64_t(u.basePc);
        Insn& w = fn.code[u.insnPc];
        const OpInfo& info = opInfo(insnOp(w));
        if (info.format == Format::E) {
            w = encodeE(insnOp(w), int32_t(off));
        } else {
            if (off > kMaxJumpD || off < kMinJumpD) {
                limitError(DiagId::JumpTooFar, uint32_t(kMaxJumpD), jumpError_);
                off = 0;
            }
            w = encodeAD(insnOp(w), insnA(w), uint16_t(int16_t(off)));
        }
    }
    l.uses.clear();
    // A label bound here may be the target of a jump: the next instruction
    // is reachable even after a terminator.
    lastTerm_ = false;
}

uint32_t FunctionBuilder::numberConst(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    auto it = numbers_.find(bits);
    if (it != numbers_.end()) return it->second;
    uint32_t idx = uint32_t(fn.constants.size());
    if (idx >= kMaxConstants) {
        limitError(DiagId::TooManyConstants, kMaxConstants, constError_);
        return 0;
    }
    Constant c;
    c.type = Constant::Type::Number;
    c.number = v;
    fn.constants.push_back(c);
    numbers_.emplace(bits, idx);
    return idx;
}

uint32_t FunctionBuilder::stringConst(const std::string& s) {
    uint32_t str = mod_.intern(s);
    auto it = strings_.find(str);
    if (it != strings_.end()) return it->second;
    uint32_t idx = uint32_t(fn.constants.size());
    if (idx >= kMaxConstants) {
        limitError(DiagId::TooManyConstants, kMaxConstants, constError_);
        return 0;
    }
    Constant c;
    c.type = Constant::Type::String;
    c.string = str;
    fn.constants.push_back(c);
    strings_.emplace(str, idx);
    return idx;
}

uint8_t FunctionBuilder::alloc() {
    return allocBlock(1);
}

uint8_t FunctionBuilder::allocBlock(uint32_t n) {
    uint32_t first = top_;
    top_ += n;
    if (top_ > max_) max_ = top_;
    if (top_ > kMaxRegisters) {
        limitError(DiagId::TooManyRegisters, kMaxRegisters, regError_);
        // Keep going with a harmless register: the module is dropped anyway.
        return 0;
    }
    return uint8_t(first);
}

void FunctionBuilder::setLoc(uint32_t line, uint32_t column) {
    line_ = line;
    column_ = column;
}

void FunctionBuilder::addLocal(const std::string& name, uint8_t reg, uint32_t startPc,
                               uint32_t endPc) {
    if (startPc >= endPc) return; // never live: nothing to describe
    fn.locals.push_back({mod_.intern(name), reg, startPc, endPc});
}

void FunctionBuilder::limitError(DiagId id, uint32_t limit, bool& reported) {
    if (reported) return;
    reported = true;
    diags_.report(id, range_,
                  {name_.empty() ? std::string("<anonymous>") : name_, std::to_string(limit)});
}

Function FunctionBuilder::finish() {
    fn.frameSize = uint8_t(max_ > kMaxRegisters ? kMaxRegisters : max_);
    if (fn.lines.empty() || fn.lines.front().pc != 0) {
        // The verifier wants an entry at pc 0; the function's own position.
        fn.lines.insert(fn.lines.begin(), {0, line_ ? line_ : 1, column_ ? column_ : 1});
    }
    return std::move(fn);
}

} // namespace flow::compiler::codegen
