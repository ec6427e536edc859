// Assign.cpp — assignment (plain, compound, logical), ++/--, and
// destructuring patterns (declarations, parameters, for-of heads, catch
// params and assignment targets share bindPattern).
//
// Array patterns use the iteration protocol (IterInit C=0 / IterNext /
// IterRest) as JS does; object patterns read properties (GetField/GetIndex)
// and build the excluded-key list for ObjectRest.
#include "CodegenImpl.h"

namespace flow::compiler::codegen {

using namespace bytecode;

namespace {
Op compoundOp(ast::AssignOp op, bool& hasK, Op& kop) {
    hasK = false;
    kop = Op::Nop;
    switch (op) {
    case ast::AssignOp::Add:
        hasK = true, kop = Op::AddK;
        return Op::Add;
    case ast::AssignOp::Sub:
        hasK = true, kop = Op::SubK;
        return Op::Sub;
    case ast::AssignOp::Mul:
        hasK = true, kop = Op::MulK;
        return Op::Mul;
    case ast::AssignOp::Div:
        hasK = true, kop = Op::DivK;
        return Op::Div;
    case ast::AssignOp::Mod:
        hasK = true, kop = Op::ModK;
        return Op::Mod;
    case ast::AssignOp::Pow:
        return Op::Pow;
    case ast::AssignOp::Shl:
        return Op::Shl;
    case ast::AssignOp::Shr:
        return Op::Shr;
    case ast::AssignOp::UShr:
        return Op::UShr;
    case ast::AssignOp::BitAnd:
        return Op::BitAnd;
    case ast::AssignOp::BitOr:
        return Op::BitOr;
    case ast::AssignOp::BitXor:
        return Op::BitXor;
    default:
        return Op::Nop;
    }
}

bool isLogicalAssign(ast::AssignOp op) {
    return op == ast::AssignOp::And || op == ast::AssignOp::Or || op == ast::AssignOp::Nullish;
}

Op logicalSkip(ast::AssignOp op) {
    return op == ast::AssignOp::And  ? Op::JumpIfFalse
           : op == ast::AssignOp::Or ? Op::JumpIfTrue
                                     : Op::JumpIfNotNullish;
}
} // namespace

// An assignment target reached through a property: the object (and key)
// registers, evaluated once.
struct PropTarget {
    const ast::Member* m = nullptr;
    uint8_t obj = 0, key = 0;
};

uint8_t Codegen::assign(const ast::Assign& e, int want) {
    const Pattern* target = e.target.get();
    const Expr* value = e.value.get();
    uint32_t base = b().top();
    bool protect = mayWriteLocals(value);

    // ---- the target: a name, or an object (+ key) evaluated once
    VarRef ref;
    PropTarget pt;
    bool isName = false;
    if (auto* ip = target->as<ast::IdentifierPattern>()) {
        isName = true;
        ref = ip->symbol ? resolve(ip->symbol, ip->range) : VarRef{};
    } else if (auto* ep = target->as<ast::ExprPattern>()) {
        const Expr* x = ep->expr.get();
        if (auto* m = x->as<ast::Member>()) {
            pt.m = m;
            pt.obj = protect ? exprTemp(m->object.get()) : expr(m->object.get());
        } else if (auto* ix = x->as<ast::Index>()) {
            pt.obj = protect || mayWriteLocals(ix->index.get()) ? exprTemp(ix->object.get())
                                                                : expr(ix->object.get());
            pt.key = protect ? exprTemp(ix->index.get()) : expr(ix->index.get());
        } else {
            internalError(x->range, "unexpected assignment target");
            return dest(want);
        }
    } else {
        // Destructuring assignment: the value stays in its own temporary while
        // the pattern writes its targets (which may include names it reads).
        uint8_t v = exprTemp(value);
        bindPattern(target, v);
        if (want >= 0) {
            b().abc(Op::Move, want, v);
            b().freeTo(base);
            return uint8_t(want);
        }
        b().freeTo(v + 1u);
        return v;
    }
    auto store = [&](uint8_t src) {
        if (isName) {
            storeRef(ref, src);
        } else if (pt.m) {
            b().abc(Op::SetField, pt.obj, src);
            b().aux(b().stringConst(pt.m->name));
        } else {
            b().abc(Op::SetIndex, pt.obj, pt.key, src);
        }
    };
    auto loadCurrent = [&](int into) -> uint8_t {
        if (isName) return loadRef(ref, into);
        uint8_t d = dest(into);
        if (pt.m) {
            b().abc(Op::GetField, d, pt.obj);
            b().aux(b().stringConst(pt.m->name));
        } else {
            b().abc(Op::GetIndex, d, pt.obj, pt.key);
        }
        return d;
    };
    auto finish = [&](uint8_t result) -> uint8_t {
        if (want >= 0) {
            if (uint32_t(want) != result) b().abc(Op::Move, want, result);
            b().freeTo(base);
            return uint8_t(want);
        }
        if (result >= base)
            b().freeTo(result + 1u);
        else
            b().freeTo(base);
        return result;
    };
    bool local = isName && ref.kind == VarRef::Reg;

    // ---- plain `=`
    if (e.op == ast::AssignOp::None) {
        if (local) {
            if (writesTargetLate(value)) {
                expr(value, uint8_t(ref.index));
            } else {
                uint8_t t = exprTemp(value);
                b().abc(Op::Move, ref.index, t);
            }
            return finish(uint8_t(ref.index));
        }
        uint8_t v = expr(value);
        store(v);
        return finish(v);
    }

    // ---- logical assignment: only evaluates and stores when needed
    if (isLogicalAssign(e.op)) {
        uint8_t cur = local ? uint8_t(ref.index) : b().alloc();
        if (!local) loadCurrent(cur);
        Label end;
        b().jump(logicalSkip(e.op), cur, end);
        uint32_t t = b().top();
        if (local && !writesTargetLate(value)) {
            uint8_t v = exprTemp(value);
            b().abc(Op::Move, cur, v);
        } else {
            expr(value, cur);
        }
        b().freeTo(t);
        if (!local) store(cur);
        b().bind(end);
        return finish(cur);
    }

    // ---- compound arithmetic
    bool hasK;
    Op kop;
    Op op = compoundOp(e.op, hasK, kop);
    uint8_t cur = loadCurrent(-1);
    if (local && protect) { // x += (x = 2): JS reads x before the right side
        uint8_t t = b().alloc();
        b().abc(Op::Move, t, cur);
        cur = t;
    }
    uint8_t d = local ? uint8_t(ref.index) : (cur >= base ? cur : b().alloc());
    std::optional<double> k = hasK ? numberValue(value) : std::nullopt;
    uint32_t kidx = k ? b().numberConst(*k) : 256;
    if (k && kidx <= 255) {
        b().abc(kop, d, cur, kidx);
    } else {
        uint8_t r = expr(value);
        b().abc(op, d, cur, r);
    }
    if (!local) store(d);
    return finish(d);
}

uint8_t Codegen::update(const ast::Update& e, int want, bool valueUsed) {
    uint32_t base = b().top();
    Op op = e.increment ? Op::Inc : Op::Dec;
    const Expr* target = e.target.get();
    auto result = [&](uint8_t r) -> uint8_t {
        if (want >= 0) {
            if (uint32_t(want) != r) b().abc(Op::Move, want, r);
            b().freeTo(base);
            return uint8_t(want);
        }
        b().freeTo(r >= base ? r + 1u : base);
        return r;
    };
    if (auto* id = target->as<ast::Identifier>()) {
        VarRef ref = resolveIdentifier(*id);
        if (ref.kind == VarRef::Reg) {
            uint8_t r = uint8_t(ref.index);
            if (!valueUsed || e.prefix) {
                b().abc(op, r, r);
                return result(r);
            }
            uint8_t old = dest(want);
            b().abc(Op::Plus, old, r); // x++ yields ToNumber(old x)
            b().abc(op, r, r);
            return old;
        }
        uint8_t cur = loadRef(ref, -1);
        if (valueUsed && !e.prefix) {
            uint8_t old = b().alloc();
            b().abc(Op::Plus, old, cur);
            b().abc(op, cur, cur);
            storeRef(ref, cur);
            return result(old);
        }
        b().abc(op, cur, cur);
        storeRef(ref, cur);
        return result(cur);
    }
    uint8_t obj = 0, key = 0;
    const ast::Member* m = target->as<ast::Member>();
    if (m) {
        obj = expr(m->object.get());
    } else if (auto* ix = target->as<ast::Index>()) {
        obj = mayWriteLocals(ix->index.get()) ? exprTemp(ix->object.get()) : expr(ix->object.get());
        key = expr(ix->index.get());
    } else {
        internalError(target->range, "unexpected ++/-- target");
        return dest(want);
    }
    uint8_t cur = b().alloc();
    if (m) {
        b().abc(Op::GetField, cur, obj);
        b().aux(b().stringConst(m->name));
    } else {
        b().abc(Op::GetIndex, cur, obj, key);
    }
    uint8_t res = cur;
    if (valueUsed && !e.prefix) {
        res = b().alloc();
        b().abc(Op::Plus, res, cur);
    }
    b().abc(op, cur, cur);
    if (m) {
        b().abc(Op::SetField, obj, cur);
        b().aux(b().stringConst(m->name));
    } else {
        b().abc(Op::SetIndex, obj, key, cur);
    }
    return result(res);
}

void Codegen::applyDefault(const Expr* init, uint8_t reg) {
    if (!init) return;
    Label skip;
    b().jump(Op::JumpIfNotUndef, reg, skip);
    uint32_t t = b().top();
    expr(init, reg);
    b().freeTo(t);
    b().bind(skip);
}

void Codegen::bindPattern(const Pattern* p, uint8_t value) {
    if (!p) return; // an array hole binds nothing
    uint32_t base = b().top();
    switch (p->kind) {
    case ast::NodeKind::IdentifierPattern: {
        auto* ip = static_cast<const ast::IdentifierPattern*>(p);
        storeSymbol(ip->symbol, value, ip->range);
        break;
    }
    case ast::NodeKind::ExprPattern: {
        const Expr* x = static_cast<const ast::ExprPattern*>(p)->expr.get();
        if (auto* m = x->as<ast::Member>()) {
            uint8_t o = expr(m->object.get());
            b().abc(Op::SetField, o, value);
            b().aux(b().stringConst(m->name));
        } else if (auto* ix = x->as<ast::Index>()) {
            uint8_t o = mayWriteLocals(ix->index.get()) ? exprTemp(ix->object.get())
                                                        : expr(ix->object.get());
            uint8_t k = expr(ix->index.get());
            b().abc(Op::SetIndex, o, k, value);
        } else {
            internalError(x->range, "unexpected assignment target");
        }
        break;
    }
    case ast::NodeKind::ArrayPattern:
        bindArrayPattern(*static_cast<const ast::ArrayPattern*>(p), value);
        break;
    case ast::NodeKind::ObjectPattern:
        bindObjectPattern(*static_cast<const ast::ObjectPattern*>(p), value);
        break;
    default:
        internalError(p->range, "unexpected pattern");
        break;
    }
    b().freeTo(base);
}

void Codegen::bindArrayPattern(const ast::ArrayPattern& p, uint8_t value) {
    uint8_t it = b().alloc();
    b().abc(Op::IterInit, it, value, 0);
    for (auto& el : p.elements) {
        uint8_t t = b().alloc();
        Label next;
        if (!el.target) { // a hole ([a, , c]): consume one value
            b().jumpAux(Op::IterNext, t, it, next);
            b().bind(next);
            b().freeTo(t);
            continue;
        }
        // IterNext leaves r[A] alone when the iterator is done: preload
        // undefined so both paths meet at the next instruction.
        b().abc(Op::LoadUndef, t);
        b().jumpAux(Op::IterNext, t, it, next);
        b().bind(next);
        applyDefault(el.init.get(), t);
        bindPattern(el.target.get(), t);
        b().freeTo(t);
    }
    if (p.rest) {
        uint8_t t = b().alloc();
        b().abc(Op::IterRest, t, it);
        bindPattern(p.rest.get(), t);
    }
}

void Codegen::bindObjectPattern(const ast::ObjectPattern& p, uint8_t value) {
    int keys = -1;
    if (p.rest) {
        keys = b().alloc();
        b().abc(Op::NewArray, keys, std::min<size_t>(p.props.size(), 255));
    }
    for (auto& prop : p.props) {
        uint8_t t = b().alloc();
        if (prop.computedKey) {
            uint8_t k = exprTemp(prop.computedKey.get());
            b().abc(Op::GetIndex, t, value, k);
            if (keys >= 0) b().abc(Op::Append, keys, k);
        } else {
            b().abc(Op::GetField, t, value);
            b().aux(b().stringConst(prop.key));
            if (keys >= 0) {
                uint8_t k = b().alloc();
                loadString(prop.key, k);
                b().abc(Op::Append, keys, k);
            }
        }
        applyDefault(prop.value.init.get(), t);
        bindPattern(prop.value.target.get(), t);
        b().freeTo(t);
    }
    if (p.rest) {
        uint8_t t = b().alloc();
        b().abc(Op::ObjectRest, t, value, keys);
        bindPattern(p.rest.get(), t);
    }
}

} // namespace flow::compiler::codegen
