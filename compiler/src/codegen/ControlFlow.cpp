// ControlFlow.cpp — conditions compiled to jumps, break/continue/return
// through the control stack, switch, labels, and try/catch/finally.
//
// finally is inlined on every exit path (fallthrough, break, continue,
// return) and once more in a catch-all handler that rethrows. A handler's
// protected range is a list of segments: while the code that leaves a try is
// emitted (inlined finally blocks, the exit jump), the segments of the tries
// being left are suspended, so an exception thrown by a finally block is not
// caught by its own try again.
#include <algorithm>

#include "CodegenImpl.h"

namespace flow::compiler::codegen {

using namespace bytecode;
using ast::NodeKind;

namespace {
// A constant operand for the K forms of the fused jumps.
std::optional<std::pair<bool, double>> eqConstant(const Expr* e, std::string& str) {
    if (auto* s = e->as<ast::StringLit>()) {
        str = s->value;
        return std::pair{true, 0.0};
    }
    if (auto* n = e->as<ast::NumberLit>()) return std::pair{false, n->value};
    if (auto* d = e->as<ast::DurationLit>()) return std::pair{false, d->millis};
    if (auto* u = e->as<ast::Unary>(); u && u->op == ast::UnaryOp::Neg)
        if (auto* n = u->operand->as<ast::NumberLit>()) return std::pair{false, -n->value};
    return std::nullopt;
}
} // namespace

void Codegen::condJump(const Expr* e, bool jumpIf, Label& target) {
    uint32_t base = b().top();
    if (auto* bl = e->as<ast::BoolLit>()) {
        if (bl->value == jumpIf) b().jump(Op::Jump, 0, target);
        return;
    }
    if (auto* u = e->as<ast::Unary>(); u && u->op == ast::UnaryOp::Not) {
        condJump(u->operand.get(), !jumpIf, target);
        return;
    }
    if (auto* lg = e->as<ast::Logical>(); lg && lg->op != ast::LogicalOp::Nullish) {
        bool isAnd = lg->op == ast::LogicalOp::And;
        if (isAnd != jumpIf) { // and/false, or/true: either side decides alone
            condJump(lg->lhs.get(), jumpIf, target);
            condJump(lg->rhs.get(), jumpIf, target);
        } else {
            Label skip;
            condJump(lg->lhs.get(), !jumpIf, skip);
            condJump(lg->rhs.get(), jumpIf, target);
            b().bind(skip);
        }
        return;
    }
    if (auto* bin = e->as<ast::Binary>()) {
        using BO = ast::BinaryOp;
        BO op = bin->op;
        bool relational = op == BO::Lt || op == BO::Le || op == BO::Gt || op == BO::Ge;
        bool equality = op == BO::StrictEq || op == BO::StrictNe;
        if (relational) {
            auto kr = numberValue(bin->rhs.get());
            auto kl = numberValue(bin->lhs.get());
            if (kr || kl) {
                // x OP k, or k OP x mirrored to x OP' k.
                const Expr* x = kr ? bin->lhs.get() : bin->rhs.get();
                double k = kr ? *kr : *kl;
                BO o = op;
                if (!kr)
                    o = op == BO::Lt   ? BO::Gt
                        : op == BO::Le ? BO::Ge
                        : op == BO::Gt ? BO::Lt
                                       : BO::Le;
                Op jop;
                switch (o) {
                case BO::Lt:
                    jop = jumpIf ? Op::JumpIfLtK : Op::JumpIfNotLtK;
                    break;
                case BO::Le:
                    jop = jumpIf ? Op::JumpIfLeK : Op::JumpIfNotLeK;
                    break;
                case BO::Gt:
                    jop = jumpIf ? Op::JumpIfGtK : Op::JumpIfNotGtK;
                    break;
                default:
                    jop = jumpIf ? Op::JumpIfGeK : Op::JumpIfNotGeK;
                    break;
                }
                uint8_t r = expr(x);
                at(*e);
                b().jumpAux(jop, r, b().numberConst(k), target);
                b().freeTo(base);
                return;
            }
            uint8_t l =
                mayWriteLocals(bin->rhs.get()) ? exprTemp(bin->lhs.get()) : expr(bin->lhs.get());
            uint8_t r = expr(bin->rhs.get());
            // a > b is b < a (same NaN behaviour); Not* keeps NaN correct.
            bool swap = op == BO::Gt || op == BO::Ge;
            bool strict = op == BO::Lt || op == BO::Gt;
            Op jop = strict ? (jumpIf ? Op::JumpIfLt : Op::JumpIfNotLt)
                            : (jumpIf ? Op::JumpIfLe : Op::JumpIfNotLe);
            at(*e);
            b().jumpAux(jop, swap ? r : l, swap ? l : r, target);
            b().freeTo(base);
            return;
        }
        if (equality) {
            bool wantEq = (op == BO::StrictEq) == jumpIf;
            std::string s;
            const Expr* x = bin->lhs.get();
            auto k = eqConstant(bin->rhs.get(), s);
            if (!k) {
                k = eqConstant(bin->lhs.get(), s);
                x = bin->rhs.get();
            }
            if (k) {
                uint32_t kidx = k->first ? b().stringConst(s) : b().numberConst(k->second);
                uint8_t r = expr(x);
                b().jumpAux(wantEq ? Op::JumpIfEqK : Op::JumpIfNotEqK, r, kidx, target);
                b().freeTo(base);
                return;
            }
            uint8_t l =
                mayWriteLocals(bin->rhs.get()) ? exprTemp(bin->lhs.get()) : expr(bin->lhs.get());
            uint8_t r = expr(bin->rhs.get());
            b().jumpAux(wantEq ? Op::JumpIfEq : Op::JumpIfNotEq, l, r, target);
            b().freeTo(base);
            return;
        }
    }
    uint8_t r = expr(e);
    b().jump(jumpIf ? Op::JumpIfTrue : Op::JumpIfFalse, r, target);
    b().freeTo(base);
}

// The bottom test of a loop whose test was also compiled at its top (forStmt,
// whileStmt, doWhile): a relational compare and the back-edge become one
// LoopIf* instruction. False for any other shape of test (nothing emitted):
// the caller closes the loop with JumpBack to the top test instead.
bool Codegen::loopTest(const Expr* e, const Label& bodyStart) {
    using BO = ast::BinaryOp;
    auto* bin = e->as<ast::Binary>();
    if (!bin || (bin->op != BO::Lt && bin->op != BO::Le && bin->op != BO::Gt && bin->op != BO::Ge))
        return false;
    uint32_t base = b().top();
    BO op = bin->op;
    Op lop;
    uint8_t a;
    uint32_t aux;
    auto kr = numberValue(bin->rhs.get());
    auto kl = numberValue(bin->lhs.get());
    if (kr || kl) {
        // x OP k, or k OP x mirrored to x OP' k (as condJump).
        const Expr* x = kr ? bin->lhs.get() : bin->rhs.get();
        if (!kr)
            op = op == BO::Lt ? BO::Gt : op == BO::Le ? BO::Ge : op == BO::Gt ? BO::Lt : BO::Le;
        lop = op == BO::Lt   ? Op::LoopIfLtK
              : op == BO::Le ? Op::LoopIfLeK
              : op == BO::Gt ? Op::LoopIfGtK
                             : Op::LoopIfGeK;
        a = expr(x);
        aux = b().numberConst(kr ? *kr : *kl);
    } else {
        uint8_t l =
            mayWriteLocals(bin->rhs.get()) ? exprTemp(bin->lhs.get()) : expr(bin->lhs.get());
        uint8_t r = expr(bin->rhs.get());
        // a > b is b < a (same NaN behaviour: false either way, leaving the loop).
        bool swap = op == BO::Gt || op == BO::Ge;
        lop = op == BO::Lt || op == BO::Gt ? Op::LoopIfLt : Op::LoopIfLe;
        a = swap ? r : l;
        aux = swap ? l : r;
    }
    at(*e);
    b().loopBack(lop, a, aux, bodyStart);
    b().freeTo(base);
    return true;
}

void Codegen::jumpTo(Label& target) {
    if (target.bound())
        b().jumpBack(target);
    else
        b().jump(Op::Jump, 0, target);
}

ControlEntry Codegen::loopEntry(Label& brk, Label& cont) {
    ControlEntry e;
    e.kind = ControlEntry::Loop;
    e.labels = std::move(f_->pendingLabels);
    f_->pendingLabels.clear();
    e.unlabeledBreak = true;
    e.breakLabel = &brk;
    e.continueLabel = &cont;
    return e;
}

void Codegen::openSegment(ControlEntry& h) {
    h.openStart = b().pc();
}

void Codegen::closeSegment(ControlEntry& h) {
    if (h.openStart < 0) return;
    if (b().pc() > h.openStart) h.segments.push_back({uint32_t(h.openStart), b().pc()});
    h.openStart = -1;
}

void Codegen::emitHandlers(ControlEntry& h, uint32_t handlerPc, uint8_t reg) {
    closeSegment(h);
    for (auto& [s, e] : h.segments)
        b().fn.handlers.push_back({s, e, handlerPc, reg});
    h.segments.clear();
    // The handler's code is reached by a throw even when the code before it
    // ends in a terminator (a try block ending in throw/return/jump): without
    // this an empty catch body skipped its inlined finally and its exit jump
    // and fell into the rethrowing finally path, and an empty finally on the
    // exceptional path lost its rethrow.
    b().markReachable();
}

void Codegen::leaveTo(size_t keep, const std::function<void()>& exit) {
    auto& ctl = f_->control;
    std::vector<ControlEntry*> suspended;
    for (size_t i = ctl.size(); i-- > keep;) {
        ControlEntry* c = ctl[i];
        if (c->kind == ControlEntry::Handler) {
            closeSegment(*c);
            suspended.push_back(c);
        } else if (c->kind == ControlEntry::Finally) {
            // The finally code runs outside its try: an exit inside it sees
            // only the entries below.
            std::vector<ControlEntry*> saved(ctl.begin() + long(i), ctl.end());
            ctl.resize(i);
            uint32_t t = b().top();
            blockScoped(c->finalizer->body);
            b().freeTo(t);
            ctl.insert(ctl.end(), saved.begin(), saved.end());
        }
    }
    // A finally that returns or throws itself overrides the exit.
    if (!b().lastIsTerminator()) exit();
    for (ControlEntry* c : suspended)
        openSegment(*c);
}

void Codegen::breakStmt(const ast::Break& s) {
    auto& ctl = f_->control;
    for (size_t i = ctl.size(); i-- > 0;) {
        ControlEntry* c = ctl[i];
        if (c->kind != ControlEntry::Loop && c->kind != ControlEntry::Breakable) continue;
        bool match = s.label.empty() ? c->unlabeledBreak
                                     : std::find(c->labels.begin(), c->labels.end(), s.label) !=
                                           c->labels.end();
        if (!match) continue;
        Label* target = c->breakLabel;
        leaveTo(i + 1, [&] { b().jump(Op::Jump, 0, *target); });
        return;
    }
    internalError(s.range, "break without a target");
}

void Codegen::continueStmt(const ast::Continue& s) {
    auto& ctl = f_->control;
    for (size_t i = ctl.size(); i-- > 0;) {
        ControlEntry* c = ctl[i];
        if (c->kind != ControlEntry::Loop) continue;
        if (!s.label.empty() &&
            std::find(c->labels.begin(), c->labels.end(), s.label) == c->labels.end())
            continue;
        Label* target = c->continueLabel;
        leaveTo(i + 1, [&] { jumpTo(*target); });
        return;
    }
    internalError(s.range, "continue without a target");
}

void Codegen::labeled(const ast::Labeled& s) {
    f_->pendingLabels.push_back(s.label);
    const Stmt* inner = s.body.get();
    bool loopOrLabel = inner->kind == NodeKind::For || inner->kind == NodeKind::ForOf ||
                       inner->kind == NodeKind::ForIn || inner->kind == NodeKind::While ||
                       inner->kind == NodeKind::DoWhile || inner->kind == NodeKind::Labeled;
    if (loopOrLabel) {
        stmt(inner); // the loop takes the pending labels
        return;
    }
    Label exit;
    ControlEntry e;
    e.kind = ControlEntry::Breakable;
    e.labels = std::move(f_->pendingLabels);
    f_->pendingLabels.clear();
    e.breakLabel = &exit;
    pushControl(e);
    stmt(inner);
    popControl();
    b().bind(exit);
}

void Codegen::switchStmt(const ast::Switch& s) {
    Label exit;
    ControlEntry sw;
    sw.kind = ControlEntry::Breakable;
    sw.labels = std::move(f_->pendingLabels);
    f_->pendingLabels.clear();
    sw.unlabeledBreak = true;
    sw.breakLabel = &exit;

    uint8_t d = exprTemp(s.discriminant.get());
    // One scope for the whole switch body, as in JS.
    Scope sc;
    openScope(sc);
    for (auto& c : s.cases)
        declareStatements(sc, c.body);
    for (auto& c : s.cases)
        hoistFunctions(c.body);
    std::vector<Label> cases(s.cases.size());
    int defaultIndex = -1;
    for (size_t i = 0; i < s.cases.size(); ++i) {
        const Expr* test = s.cases[i].test.get();
        if (!test) {
            defaultIndex = int(i);
            continue;
        }
        at(s.cases[i].range);
        uint32_t t = b().top();
        std::string str;
        if (auto k = eqConstant(test, str)) {
            uint32_t kidx = k->first ? b().stringConst(str) : b().numberConst(k->second);
            b().jumpAux(Op::JumpIfEqK, d, kidx, cases[i]);
        } else {
            uint8_t r = expr(test);
            b().jumpAux(Op::JumpIfEq, d, r, cases[i]);
        }
        b().freeTo(t);
    }
    b().jump(Op::Jump, 0, defaultIndex >= 0 ? cases[size_t(defaultIndex)] : exit);
    pushControl(sw);
    for (size_t i = 0; i < s.cases.size(); ++i) {
        b().bind(cases[i]);
        stmts(s.cases[i].body);
    }
    popControl();
    b().bind(exit);
    closeScope(sc);
}

void Codegen::tryStmt(const ast::Try& s) {
    const bool hasFinally = s.finalizer != nullptr;
    const bool hasCatch = s.hasCatch && s.handler;
    Label done;
    ControlEntry fin, finH, catchH;
    fin.kind = ControlEntry::Finally;
    fin.finalizer = s.finalizer.get();
    finH.kind = ControlEntry::Handler;
    catchH.kind = ControlEntry::Handler;
    auto enterFinallyRegion = [&] {
        if (!hasFinally) return;
        pushControl(fin);
        pushControl(finH);
        openSegment(finH);
    };
    auto leaveFinallyRegion = [&] {
        if (!hasFinally) return;
        closeSegment(finH);
        popControl();
        popControl();
    };
    auto inlineFinally = [&] {
        if (!hasFinally || b().lastIsTerminator()) return;
        uint32_t t = b().top();
        blockScoped(s.finalizer->body);
        b().freeTo(t);
    };

    // ---- try block
    enterFinallyRegion();
    if (hasCatch) {
        pushControl(catchH);
        openSegment(catchH);
    }
    blockScoped(s.block->body);
    if (hasCatch) {
        closeSegment(catchH);
        popControl();
    }
    leaveFinallyRegion();
    inlineFinally();
    if (!b().lastIsTerminator()) b().jump(Op::Jump, 0, done);

    // ---- catch clause
    if (hasCatch) {
        at(s.catchParam ? s.catchParam->range : s.handler->range);
        uint32_t catchPc = b().pc();
        Scope cs;
        openScope(cs);
        const Pattern* param = s.catchParam.get();
        auto* ip = param ? param->as<ast::IdentifierPattern>() : nullptr;
        uint8_t exc;
        enterFinallyRegion();
        VarRef direct;
        if (ip && ip->symbol) {
            declareLocal(cs, ip->symbol);
            direct = resolve(ip->symbol, ip->range);
        }
        if (direct.kind == VarRef::Reg) {
            exc = uint8_t(direct.index); // the VM stores the exception in e itself
        } else {
            exc = b().alloc();
            if (param) {
                if (!ip) declarePattern(cs, param); // a name was declared above
                bindPattern(param, exc);
            }
        }
        emitHandlers(catchH, catchPc, exc);
        blockScoped(s.handler->body);
        leaveFinallyRegion();
        closeScope(cs);
        inlineFinally();
        if (!b().lastIsTerminator()) b().jump(Op::Jump, 0, done);
    }

    // ---- finally on the exceptional path: run it, then rethrow
    if (hasFinally) {
        at(*s.finalizer);
        uint32_t t = b().top();
        uint8_t exc = b().alloc();
        emitHandlers(finH, b().pc(), exc);
        blockScoped(s.finalizer->body);
        if (!b().lastIsTerminator()) b().abc(Op::Throw, exc);
        b().freeTo(t);
    }
    b().bind(done);
}

} // namespace flow::compiler::codegen
