// Expressions.cpp — value-producing expressions: literals, names, operators,
// templates, array and object literals, function expressions.
//
// Convention: expr(e, want) leaves the value in register `want` when it is
// given (>= 0), else in a register it picks: a local's own register for a
// plain name (no copy), otherwise a fresh temporary. Temporaries above the
// result are released before returning.
#include <cmath>

#include "CodegenImpl.h"

namespace flow::compiler::codegen {

using namespace bytecode;
using ast::NodeKind;

std::optional<double> Codegen::numberValue(const Expr* e) {
    if (auto* n = e->as<ast::NumberLit>()) return n->value;
    if (auto* d = e->as<ast::DurationLit>()) return d->millis;
    if (auto* u = e->as<ast::Unary>(); u && u->op == ast::UnaryOp::Neg) {
        if (auto* n = u->operand->as<ast::NumberLit>()) return -n->value;
        if (auto* d = u->operand->as<ast::DurationLit>()) return -d->millis;
    }
    return std::nullopt;
}

void Codegen::loadNumber(double v, uint8_t dst) {
    if (std::trunc(v) == v && v >= -32768 && v <= 32767 && !(v == 0 && std::signbit(v)))
        b().adSigned(Op::LoadInt, dst, int32_t(v));
    else
        b().ad(Op::LoadK, dst, b().numberConst(v));
}

void Codegen::loadString(const std::string& s, uint8_t dst) {
    b().ad(Op::LoadK, dst, b().stringConst(s));
}

uint8_t Codegen::exprTemp(const Expr* e) {
    uint8_t r = b().alloc();
    expr(e, r);
    return r;
}

void Codegen::effect(const Expr* e) {
    switch (e->kind) {
    case NodeKind::NumberLit:
    case NodeKind::StringLit:
    case NodeKind::DurationLit:
    case NodeKind::BoolLit:
    case NodeKind::NullLit:
    case NodeKind::Function:
        return; // no effect to keep (`void 0`, `0;`)
    default:
        break;
    }
    uint32_t t = b().top();
    if (auto* u = e->as<ast::Update>())
        update(*u, -1, false);
    else
        expr(e);
    b().freeTo(t);
}

bool Codegen::mayWriteLocals(const Expr* e) {
    if (!e) return false;
    switch (e->kind) {
    case NodeKind::Assign:
    case NodeKind::Update:
        return true;
    case NodeKind::NumberLit:
    case NodeKind::StringLit:
    case NodeKind::DurationLit:
    case NodeKind::BoolLit:
    case NodeKind::NullLit:
    case NodeKind::Identifier:
    case NodeKind::This:
    case NodeKind::Function:
        return false; // a closure can only write cells
    case NodeKind::TemplateLit:
        for (auto& x : static_cast<const ast::TemplateLit*>(e)->exprs)
            if (mayWriteLocals(x.get())) return true;
        return false;
    case NodeKind::ArrayLit:
        for (auto& x : static_cast<const ast::ArrayLit*>(e)->elements)
            if (mayWriteLocals(x.get())) return true;
        return false;
    case NodeKind::ObjectLit:
        for (auto& p : static_cast<const ast::ObjectLit*>(e)->props)
            if (mayWriteLocals(p.computedKey.get()) || mayWriteLocals(p.value.get())) return true;
        return false;
    case NodeKind::Unary:
        return mayWriteLocals(static_cast<const ast::Unary*>(e)->operand.get());
    case NodeKind::Binary: {
        auto* x = static_cast<const ast::Binary*>(e);
        return mayWriteLocals(x->lhs.get()) || mayWriteLocals(x->rhs.get());
    }
    case NodeKind::Logical: {
        auto* x = static_cast<const ast::Logical*>(e);
        return mayWriteLocals(x->lhs.get()) || mayWriteLocals(x->rhs.get());
    }
    case NodeKind::Conditional: {
        auto* x = static_cast<const ast::Conditional*>(e);
        return mayWriteLocals(x->test.get()) || mayWriteLocals(x->consequent.get()) ||
               mayWriteLocals(x->alternate.get());
    }
    case NodeKind::Sequence:
        for (auto& x : static_cast<const ast::Sequence*>(e)->exprs)
            if (mayWriteLocals(x.get())) return true;
        return false;
    case NodeKind::Call: {
        auto* x = static_cast<const ast::Call*>(e);
        if (mayWriteLocals(x->callee.get())) return true;
        for (auto& a : x->args)
            if (mayWriteLocals(a.get())) return true;
        return false;
    }
    case NodeKind::New: {
        auto* x = static_cast<const ast::New*>(e);
        if (mayWriteLocals(x->callee.get())) return true;
        for (auto& a : x->args)
            if (mayWriteLocals(a.get())) return true;
        return false;
    }
    case NodeKind::Start: {
        auto* x = static_cast<const ast::Start*>(e);
        if (mayWriteLocals(x->callee.get()) || mayWriteLocals(x->options.get())) return true;
        for (auto& a : x->args)
            if (mayWriteLocals(a.get())) return true;
        return false;
    }
    case NodeKind::Member:
        return mayWriteLocals(static_cast<const ast::Member*>(e)->object.get());
    case NodeKind::Index: {
        auto* x = static_cast<const ast::Index*>(e);
        return mayWriteLocals(x->object.get()) || mayWriteLocals(x->index.get());
    }
    case NodeKind::OptionalChain:
        return mayWriteLocals(static_cast<const ast::OptionalChain*>(e)->expr.get());
    case NodeKind::Await:
        return mayWriteLocals(static_cast<const ast::Await*>(e)->expr.get());
    case NodeKind::Spread:
        return mayWriteLocals(static_cast<const ast::Spread*>(e)->expr.get());
    default:
        return true;
    }
}

bool Codegen::writesTargetLate(const Expr* e) {
    // These kinds evaluate every operand before they write their destination,
    // so `x = <e>` may target x's register directly; the others (array and
    // object literals, && || ??, ?:, nested assignments, x++) write it early.
    switch (e->kind) {
    case NodeKind::NumberLit:
    case NodeKind::StringLit:
    case NodeKind::DurationLit:
    case NodeKind::BoolLit:
    case NodeKind::NullLit:
    case NodeKind::Identifier:
    case NodeKind::This:
    case NodeKind::Function:
    case NodeKind::TemplateLit:
    case NodeKind::Unary:
    case NodeKind::Binary:
    case NodeKind::Call:
    case NodeKind::New:
    case NodeKind::Member:
    case NodeKind::Index:
    case NodeKind::Await:
    case NodeKind::Start:
        return true;
    default:
        return false;
    }
}

uint8_t Codegen::expr(const Expr* e, int want) {
    switch (e->kind) {
    case NodeKind::NumberLit:
    case NodeKind::DurationLit: {
        uint8_t d = dest(want);
        loadNumber(*numberValue(e), d);
        return d;
    }
    case NodeKind::StringLit: {
        uint8_t d = dest(want);
        loadString(static_cast<const ast::StringLit*>(e)->value, d);
        return d;
    }
    case NodeKind::BoolLit: {
        uint8_t d = dest(want);
        b().abc(static_cast<const ast::BoolLit*>(e)->value ? Op::LoadTrue : Op::LoadFalse, d);
        return d;
    }
    case NodeKind::NullLit: {
        uint8_t d = dest(want);
        b().abc(Op::LoadNull, d);
        return d;
    }
    case NodeKind::This: {
        uint8_t d = dest(want);
        b().abc(Op::LoadThis, d);
        return d;
    }
    case NodeKind::Identifier: {
        auto* id = static_cast<const ast::Identifier*>(e);
        if (id->symbol && id->symbol->kind == SymbolKind::ImportNamespace) {
            // `ns` used as a value: an object of the imported file's exports.
            uint8_t d = dest(want);
            uint32_t t = b().top();
            b().abc(Op::NewObject, d);
            if (id->symbol->importFile < sema_.exports.size()) {
                for (auto& [name, sym] : sema_.exports[id->symbol->importFile].names) {
                    uint32_t mv = modVarOf(sym);
                    if (mv == UINT32_MAX) continue;
                    uint8_t v = b().alloc();
                    b().ad(Op::GetModVar, v, mv);
                    b().abc(Op::SetField, d, v);
                    b().aux(b().stringConst(name));
                    b().freeTo(t);
                }
            }
            return d;
        }
        return loadRef(resolveIdentifier(*id), want);
    }
    case NodeKind::TemplateLit:
        return templ(*static_cast<const ast::TemplateLit*>(e), want);
    case NodeKind::ArrayLit:
        return arrayLit(*static_cast<const ast::ArrayLit*>(e), want);
    case NodeKind::ObjectLit:
        return objectLit(*static_cast<const ast::ObjectLit*>(e), want);
    case NodeKind::Function: {
        auto* fe = static_cast<const ast::FunctionExpr*>(e);
        uint8_t d = dest(want);
        FunctionKind k = fe->fn->kind == ast::FunctionKind::Arrow    ? FunctionKind::Arrow
                         : fe->fn->kind == ast::FunctionKind::Method ? FunctionKind::Method
                                                                     : FunctionKind::Function;
        if (fe->selfSymbol && fe->selfSymbol->captured) {
            // Named function expression: its body captures a cell holding
            // the closure itself (NewBox; Closure; SetBox).
            Scope self;
            openScope(self);
            declareLocal(self, fe->selfSymbol);
            emitClosure(*fe->fn, k, d);
            b().abc(Op::SetBox, f_->slots.at(fe->selfSymbol).reg, d);
            closeScope(self);
            return d;
        }
        emitClosure(*fe->fn, k, d);
        return d;
    }
    case NodeKind::Unary:
        return unary(*static_cast<const ast::Unary*>(e), want);
    case NodeKind::Update:
        return update(*static_cast<const ast::Update*>(e), want, true);
    case NodeKind::Binary:
        return binary(*static_cast<const ast::Binary*>(e), want);
    case NodeKind::Logical:
        return logical(*static_cast<const ast::Logical*>(e), want);
    case NodeKind::Conditional: {
        auto* c = static_cast<const ast::Conditional*>(e);
        uint8_t d = dest(want);
        uint32_t t = b().top();
        Label els, end;
        condJump(c->test.get(), false, els);
        b().freeTo(t);
        expr(c->consequent.get(), d);
        b().freeTo(t);
        b().jump(Op::Jump, 0, end);
        b().bind(els);
        expr(c->alternate.get(), d);
        b().freeTo(t);
        b().bind(end);
        return d;
    }
    case NodeKind::Assign:
        return assign(*static_cast<const ast::Assign*>(e), want);
    case NodeKind::Sequence: {
        auto* s = static_cast<const ast::Sequence*>(e);
        for (size_t i = 0; i + 1 < s->exprs.size(); ++i)
            effect(s->exprs[i].get());
        if (s->exprs.empty()) {
            uint8_t d = dest(want);
            b().abc(Op::LoadUndef, d);
            return d;
        }
        return expr(s->exprs.back().get(), want);
    }
    case NodeKind::Call:
        return call(*static_cast<const ast::Call*>(e), want);
    case NodeKind::New:
        return newExpr(*static_cast<const ast::New*>(e), want);
    case NodeKind::Member:
        return member(*static_cast<const ast::Member*>(e), want);
    case NodeKind::Index:
        return index(*static_cast<const ast::Index*>(e), want);
    case NodeKind::OptionalChain:
        return optionalChain(*static_cast<const ast::OptionalChain*>(e), want);
    case NodeKind::Start:
        return start(*static_cast<const ast::Start*>(e), want);
    case NodeKind::Await: {
        auto* a = static_cast<const ast::Await*>(e);
        uint32_t base = b().top();
        uint8_t src = expr(a->expr.get());
        uint8_t d = want >= 0 ? uint8_t(want) : (src >= base ? src : b().alloc());
        at(*a);
        b().abc(Op::Await, d, src);
        b().freeTo(want >= 0 ? base : std::max<uint32_t>(base, d + 1u));
        return d;
    }
    default: {
        internalError(e->range, std::string("unexpected ") + ast::nodeKindName(e->kind) +
                                    " in an expression");
        uint8_t d = dest(want);
        b().abc(Op::LoadUndef, d);
        return d;
    }
    }
}

uint8_t Codegen::unary(const ast::Unary& e, int want) {
    if (e.op == ast::UnaryOp::Neg) {
        if (auto v = numberValue(&e)) {
            uint8_t d = dest(want);
            loadNumber(*v, d);
            return d;
        }
    }
    uint32_t base = b().top();
    if (e.op == ast::UnaryOp::Void) {
        effect(e.operand.get());
        uint8_t d = dest(want);
        b().abc(Op::LoadUndef, d);
        return d;
    }
    if (e.op == ast::UnaryOp::Delete) {
        const Expr* target = e.operand.get();
        if (auto* oc = target->as<ast::OptionalChain>()) target = oc->expr.get();
        if (auto* m = target->as<ast::Member>()) {
            uint8_t o = expr(m->object.get());
            uint8_t d = dest(want);
            b().abc(Op::DelField, d, o);
            b().aux(b().stringConst(m->name));
            b().freeTo(want >= 0 ? base : std::max<uint32_t>(base, d + 1u));
            return d;
        }
        if (auto* ix = target->as<ast::Index>()) {
            uint8_t o = mayWriteLocals(ix->index.get()) ? exprTemp(ix->object.get())
                                                        : expr(ix->object.get());
            uint8_t k = expr(ix->index.get());
            uint8_t d = dest(want);
            b().abc(Op::DelIndex, d, o, k);
            b().freeTo(want >= 0 ? base : std::max<uint32_t>(base, d + 1u));
            return d;
        }
        effect(e.operand.get());
        uint8_t d = dest(want);
        b().abc(Op::LoadTrue, d);
        return d;
    }
    Op op = Op::Neg;
    switch (e.op) {
    case ast::UnaryOp::Neg:
        op = Op::Neg;
        break;
    case ast::UnaryOp::Plus:
        op = Op::Plus;
        break;
    case ast::UnaryOp::Not:
        op = Op::Not;
        break;
    case ast::UnaryOp::BitNot:
        op = Op::BitNot;
        break;
    case ast::UnaryOp::TypeOf:
        op = Op::TypeOf;
        break;
    default:
        break;
    }
    uint8_t src = expr(e.operand.get());
    uint8_t d = want >= 0 ? uint8_t(want) : (src >= base ? src : b().alloc());
    b().abc(op, d, src);
    b().freeTo(want >= 0 ? base : std::max<uint32_t>(base, d + 1u));
    return d;
}

namespace {
Op binaryOp(ast::BinaryOp op) {
    switch (op) {
    case ast::BinaryOp::Add:
        return Op::Add;
    case ast::BinaryOp::Sub:
        return Op::Sub;
    case ast::BinaryOp::Mul:
        return Op::Mul;
    case ast::BinaryOp::Div:
        return Op::Div;
    case ast::BinaryOp::Mod:
        return Op::Mod;
    case ast::BinaryOp::Pow:
        return Op::Pow;
    case ast::BinaryOp::Shl:
        return Op::Shl;
    case ast::BinaryOp::Shr:
        return Op::Shr;
    case ast::BinaryOp::UShr:
        return Op::UShr;
    case ast::BinaryOp::BitAnd:
        return Op::BitAnd;
    case ast::BinaryOp::BitOr:
        return Op::BitOr;
    case ast::BinaryOp::BitXor:
        return Op::BitXor;
    case ast::BinaryOp::Eq:
        return Op::Eq;
    case ast::BinaryOp::Ne:
        return Op::Ne;
    case ast::BinaryOp::StrictEq:
        return Op::StrictEq;
    case ast::BinaryOp::StrictNe:
        return Op::StrictNe;
    case ast::BinaryOp::Lt:
        return Op::Lt;
    case ast::BinaryOp::Le:
        return Op::Le;
    case ast::BinaryOp::Gt:
        return Op::Gt;
    case ast::BinaryOp::Ge:
        return Op::Ge;
    case ast::BinaryOp::In:
        return Op::In;
    case ast::BinaryOp::InstanceOf:
        return Op::InstanceOf;
    }
    return Op::Add;
}

// The K form of an arithmetic op, or Nop.
Op binaryKOp(ast::BinaryOp op) {
    switch (op) {
    case ast::BinaryOp::Add:
        return Op::AddK;
    case ast::BinaryOp::Sub:
        return Op::SubK;
    case ast::BinaryOp::Mul:
        return Op::MulK;
    case ast::BinaryOp::Div:
        return Op::DivK;
    case ast::BinaryOp::Mod:
        return Op::ModK;
    default:
        return Op::Nop;
    }
}
} // namespace

uint8_t Codegen::binary(const ast::Binary& e, int want) {
    uint32_t base = b().top();
    Op kop = binaryKOp(e.op);
    if (kop != Op::Nop) {
        if (auto v = numberValue(e.rhs.get())) {
            uint32_t k = b().numberConst(*v);
            if (k <= 255) { // ABC's C operand is 8-bit
                uint8_t l = expr(e.lhs.get());
                uint8_t d = want >= 0 ? uint8_t(want) : (l >= base ? l : b().alloc());
                b().abc(kop, d, l, k);
                b().freeTo(want >= 0 ? base : std::max<uint32_t>(base, d + 1u));
                return d;
            }
        }
    }
    uint8_t l = mayWriteLocals(e.rhs.get()) ? exprTemp(e.lhs.get()) : expr(e.lhs.get());
    uint8_t r = expr(e.rhs.get());
    uint8_t d = want >= 0 ? uint8_t(want) : l >= base ? l : r >= base ? r : b().alloc();
    b().abc(binaryOp(e.op), d, l, r);
    b().freeTo(want >= 0 ? base : std::max<uint32_t>(base, d + 1u));
    return d;
}

uint8_t Codegen::logical(const ast::Logical& e, int want) {
    uint8_t d = dest(want);
    uint32_t t = b().top();
    expr(e.lhs.get(), d);
    Label end;
    Op skip = e.op == ast::LogicalOp::And  ? Op::JumpIfFalse
              : e.op == ast::LogicalOp::Or ? Op::JumpIfTrue
                                           : Op::JumpIfNotNullish;
    b().jump(skip, d, end);
    b().freeTo(t);
    expr(e.rhs.get(), d);
    b().freeTo(t);
    b().bind(end);
    return d;
}

uint8_t Codegen::templ(const ast::TemplateLit& e, int want) {
    if (e.exprs.empty()) {
        std::string s;
        for (auto& q : e.quasis)
            s += q;
        uint8_t d = dest(want);
        loadString(s, d);
        return d;
    }
    // Parts go to consecutive registers; a long template is folded into its
    // first register every kTemplateChunk parts, so it never needs more than
    // a small window of registers.
    constexpr uint32_t kTemplateChunk = 32;
    uint32_t base = b().top();
    uint8_t first = uint8_t(base);
    uint32_t used = 0;
    auto next = [&]() -> uint8_t {
        if (used == kTemplateChunk) {
            b().abc(Op::Concat, first, first, used);
            used = 1;
        }
        b().freeTo(first + used);
        uint8_t r = b().alloc();
        ++used;
        return r;
    };
    for (size_t i = 0; i < e.quasis.size(); ++i) {
        if (!e.quasis[i].empty()) loadString(e.quasis[i], next());
        if (i < e.exprs.size()) expr(e.exprs[i].get(), next());
    }
    b().freeTo(first + used);
    uint8_t d = want >= 0 ? uint8_t(want) : first;
    b().abc(Op::Concat, d, first, used);
    b().freeTo(want >= 0 ? base : first + 1u);
    return d;
}

void Codegen::appendElements(uint8_t arr, const std::vector<ast::ExprPtr>& elems) {
    for (auto& el : elems) {
        uint32_t t = b().top();
        if (!el) { // defensive: holes are rejected by the parser today
            uint8_t v = b().alloc();
            b().abc(Op::LoadUndef, v);
            b().abc(Op::Append, arr, v);
        } else if (auto* sp = el->as<ast::Spread>()) {
            uint8_t v = expr(sp->expr.get());
            b().abc(Op::AppendSpread, arr, v);
        } else {
            uint8_t v = expr(el.get());
            b().abc(Op::Append, arr, v);
        }
        b().freeTo(t);
    }
}

uint8_t Codegen::arrayLit(const ast::ArrayLit& e, int want) {
    uint8_t d = dest(want);
    b().abc(Op::NewArray, d, std::min<size_t>(e.elements.size(), 255));
    appendElements(d, e.elements);
    return d;
}

uint8_t Codegen::objectLit(const ast::ObjectLit& e, int want) {
    uint8_t d = dest(want);
    b().abc(Op::NewObject, d, std::min<size_t>(e.props.size(), 255));
    for (auto& p : e.props) {
        uint32_t t = b().top();
        if (p.kind == ast::Property::Kind::Spread) {
            uint8_t v = expr(p.value.get());
            b().abc(Op::CopyProps, d, v);
        } else if (p.computedKey) {
            uint8_t k = mayWriteLocals(p.value.get()) ? exprTemp(p.computedKey.get())
                                                      : expr(p.computedKey.get());
            uint8_t v = expr(p.value.get());
            b().abc(Op::SetIndex, d, k, v);
        } else {
            uint8_t v = expr(p.value.get());
            b().abc(Op::SetField, d, v);
            b().aux(b().stringConst(p.key));
        }
        b().freeTo(t);
    }
    return d;
}

} // namespace flow::compiler::codegen
