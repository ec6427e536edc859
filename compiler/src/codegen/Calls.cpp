// Calls.cpp — calls (plain, method, spread), `new`, `start`, property
// access and optional chains.
//
// Call windows: Call A B takes the callee in r[A] and B arguments after it;
// CallMethod puts the receiver in r[A+1]; CallSpread takes (callee, receiver
// or undefined, argument array) in A..A+2. Any spread argument, or more than
// kMaxCallArgs arguments, goes through the array form.
#include "CodegenImpl.h"

namespace flow::compiler::codegen {

using namespace bytecode;

namespace {
// With too many arguments for the B operand, or for the registers left in
// the frame, the arguments go through an array instead.
bool needsArray(const std::vector<ast::ExprPtr>& args, uint32_t top) {
    if (args.size() > kMaxCallArgs || top + args.size() + 4 > kMaxRegisters) return true;
    for (auto& a : args)
        if (a->isa<ast::Spread>()) return true;
    return false;
}
} // namespace

void Codegen::optionalCheck(bool optional, uint8_t reg) {
    if (!optional) return;
    if (f_->chainExits.empty()) {
        internalError({}, "optional link outside an optional chain");
        return;
    }
    b().jump(Op::JumpIfNullish, reg, *f_->chainExits.back());
}

const Symbol* Codegen::namespaceExport(const ast::Member& e) {
    auto* id = e.object->as<ast::Identifier>();
    if (!id || !id->symbol || id->symbol->kind != SymbolKind::ImportNamespace) return nullptr;
    uint32_t file = id->symbol->importFile;
    if (file >= sema_.exports.size()) return nullptr;
    return sema_.exports[file].find(e.name);
}

uint8_t Codegen::call(const ast::Call& e, int want) {
    uint32_t base = b().top();
    bool spread = needsArray(e.args, b().top());
    const Expr* callee = e.callee.get();
    auto* m = callee->as<ast::Member>();
    auto* ix = callee->as<ast::Index>();
    if (m && namespaceExport(*m)) m = nullptr; // ns.f(x): a plain call of f
    uint8_t a;
    bool method = m || ix;
    if (method) {
        a = b().allocBlock(2);
        if (m) {
            expr(m->object.get(), a + 1);
            optionalCheck(m->optional, a + 1);
            b().abc(Op::GetField, a, a + 1);
            b().aux(b().stringConst(m->name));
        } else {
            expr(ix->object.get(), a + 1);
            optionalCheck(ix->optional, a + 1);
            uint8_t k = expr(ix->index.get());
            b().abc(Op::GetIndex, a, a + 1, k);
        }
        b().freeTo(a + 2u);
    } else {
        a = b().alloc();
        expr(callee, a);
        b().freeTo(a + 1u);
    }
    optionalCheck(e.optional, a);
    if (spread) {
        if (!method) {
            b().alloc();
            b().abc(Op::LoadUndef, a + 1);
        }
        uint8_t arr = b().alloc();
        b().abc(Op::NewArray, arr, std::min<size_t>(e.args.size(), 255));
        appendElements(arr, e.args);
        at(e);
        b().abc(Op::CallSpread, a);
    } else {
        for (auto& arg : e.args) {
            uint8_t r = b().alloc();
            expr(arg.get(), r);
            b().freeTo(r + 1u);
        }
        at(e);
        b().abc(method ? Op::CallMethod : Op::Call, a, uint32_t(e.args.size()));
    }
    if (want >= 0) {
        if (uint32_t(want) != a) b().abc(Op::Move, want, a);
        b().freeTo(base);
        return uint8_t(want);
    }
    b().freeTo(a + 1u);
    return a;
}

uint8_t Codegen::newExpr(const ast::New& e, int want) {
    uint32_t base = b().top();
    uint8_t a = b().alloc();
    expr(e.callee.get(), a);
    b().freeTo(a + 1u);
    if (needsArray(e.args, b().top())) {
        uint8_t arr = b().alloc();
        b().abc(Op::NewArray, arr, std::min<size_t>(e.args.size(), 255));
        appendElements(arr, e.args);
        at(e);
        b().abc(Op::NewSpread, a);
    } else {
        for (auto& arg : e.args) {
            uint8_t r = b().alloc();
            expr(arg.get(), r);
            b().freeTo(r + 1u);
        }
        at(e);
        b().abc(Op::New, a, uint32_t(e.args.size()));
    }
    if (want >= 0) {
        if (uint32_t(want) != a) b().abc(Op::Move, want, a);
        b().freeTo(base);
        return uint8_t(want);
    }
    b().freeTo(a + 1u);
    return a;
}

uint8_t Codegen::start(const ast::Start& e, int want) {
    uint32_t base = b().top();
    bool later = mayWriteLocals(e.options.get());
    for (auto& a : e.args)
        later = later || mayWriteLocals(a.get());
    uint8_t wf = later ? exprTemp(e.callee.get()) : expr(e.callee.get());
    uint8_t c = b().allocBlock(2);
    b().abc(Op::NewArray, c, std::min<size_t>(e.args.size(), 255));
    appendElements(c, e.args);
    if (e.options)
        expr(e.options.get(), c + 1);
    else
        b().abc(Op::LoadUndef, c + 1);
    b().freeTo(c + 2u);
    uint8_t d = want >= 0 ? uint8_t(want) : c;
    at(e);
    b().abc(Op::StartRun, d, wf, c);
    b().freeTo(want >= 0 ? base : d + 1u);
    return d;
}

uint8_t Codegen::member(const ast::Member& e, int want) {
    if (const Symbol* s = namespaceExport(e)) {
        uint32_t mv = modVarOf(s);
        if (mv != UINT32_MAX) return loadRef({VarRef::ModVar, mv}, want);
    }
    uint32_t base = b().top();
    uint8_t o = expr(e.object.get());
    optionalCheck(e.optional, o);
    uint8_t d = want >= 0 ? uint8_t(want) : (o >= base ? o : b().alloc());
    b().abc(Op::GetField, d, o);
    b().aux(b().stringConst(e.name));
    b().freeTo(want >= 0 ? base : std::max<uint32_t>(base, d + 1u));
    return d;
}

uint8_t Codegen::index(const ast::Index& e, int want) {
    uint32_t base = b().top();
    uint8_t o = mayWriteLocals(e.index.get()) ? exprTemp(e.object.get()) : expr(e.object.get());
    optionalCheck(e.optional, o);
    uint8_t k = expr(e.index.get());
    uint8_t d = want >= 0 ? uint8_t(want) : o >= base ? o : k >= base ? k : b().alloc();
    b().abc(Op::GetIndex, d, o, k);
    b().freeTo(want >= 0 ? base : std::max<uint32_t>(base, d + 1u));
    return d;
}

uint8_t Codegen::optionalChain(const ast::OptionalChain& e, int want) {
    uint8_t d = dest(want);
    uint32_t t = b().top();
    Label exit, end;
    f_->chainExits.push_back(&exit);
    expr(e.expr.get(), d);
    f_->chainExits.pop_back();
    b().freeTo(t);
    if (exit.uses.empty()) return d; // no optional link after all
    b().jump(Op::Jump, 0, end);
    b().bind(exit);
    b().abc(Op::LoadUndef, d);
    b().bind(end);
    return d;
}

} // namespace flow::compiler::codegen
