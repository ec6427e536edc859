// Variables.cpp — where names live and how to reach them: registers of the
// current frame, heap cells of captured locals (NewBox/GetBox/SetBox),
// upvalues of the running closure, module variables, builtins. Also scope
// entry (declaring a block's locals up front, so hoisted closures can capture
// cells of `let`s declared later in the block) and function hoisting.
#include "CodegenImpl.h"

namespace flow::compiler::codegen {

using namespace bytecode;

uint32_t Codegen::modVarOf(const Symbol* s) {
    // An import aliases the exported symbol of another file, which may itself
    // be an import (a re-export): follow the chain (bounded, in case of a cycle).
    for (int guard = 0; s && s->kind == SymbolKind::Import && s->importTarget && guard < 64;
         ++guard)
        s = s->importTarget;
    return s ? s->modVar : UINT32_MAX;
}

VarRef Codegen::resolve(const Symbol* s, ast::SourceRange use) {
    auto it = f_->slots.find(s);
    if (it != f_->slots.end())
        return {it->second.boxed ? VarRef::Box : VarRef::Reg, it->second.reg};
    if (s->isModuleLevel()) {
        uint32_t mv = modVarOf(s);
        if (mv != UINT32_MAX) return {VarRef::ModVar, mv};
    }
    if (f_->info) {
        auto& caps = f_->info->captures;
        for (size_t i = 0; i < caps.size(); ++i)
            if (caps[i] == s) return {VarRef::Upval, uint32_t(i)};
    }
    internalError(use, "no storage for '" + s->name + "'");
    return {VarRef::Undef, 0};
}

VarRef Codegen::resolveIdentifier(const ast::Identifier& id) {
    if (id.symbol) return resolve(id.symbol, id.range);
    if (id.builtin >= 0) return {VarRef::Builtin, uint32_t(id.builtin)};
    // `undefined` (and, defensively, anything sema left unresolved).
    return {VarRef::Undef, 0};
}

uint8_t Codegen::loadRef(const VarRef& ref, int want) {
    if (ref.kind == VarRef::Reg) {
        if (want < 0) return uint8_t(ref.index);
        if (uint32_t(want) != ref.index) b().abc(Op::Move, want, ref.index);
        return uint8_t(want);
    }
    uint8_t d = dest(want);
    switch (ref.kind) {
    case VarRef::Box:
        b().abc(Op::GetBox, d, ref.index);
        break;
    case VarRef::Upval:
        b().abc(Op::GetUpval, d, ref.index);
        break;
    case VarRef::ModVar:
        b().ad(Op::GetModVar, d, ref.index);
        break;
    case VarRef::Builtin:
        b().ad(Op::GetBuiltin, d, ref.index);
        break;
    default:
        b().abc(Op::LoadUndef, d);
        break;
    }
    return d;
}

void Codegen::storeRef(const VarRef& ref, uint8_t src) {
    switch (ref.kind) {
    case VarRef::Reg:
        if (ref.index != src) b().abc(Op::Move, ref.index, src);
        break;
    case VarRef::Box:
        b().abc(Op::SetBox, ref.index, src);
        break;
    case VarRef::Upval:
        b().abc(Op::SetUpval, src, ref.index);
        break;
    case VarRef::ModVar:
        b().ad(Op::SetModVar, src, ref.index);
        break;
    default:
        break; // builtins/undefined are not assignable: sema reported it
    }
}

void Codegen::storeSymbol(const Symbol* s, uint8_t src, ast::SourceRange use) {
    if (!s) return;
    storeRef(resolve(s, use), src);
}

void Codegen::declareLocal(Scope& scope, const Symbol* s, bool newBox) {
    if (!s) return;
    if (s->isModuleLevel() && modVarOf(s) != UINT32_MAX) return; // a module variable
    uint8_t r = b().alloc();
    // A finally block is compiled once per exit path: each copy gets fresh
    // registers, so the slot is simply replaced.
    f_->slots[s] = Slot{r, s->captured};
    if (s->captured && newBox) b().abc(Op::NewBox, r); // TDZ: the cell starts uninitialized
    scope.symbols.push_back(s);
}

void Codegen::declarePattern(Scope& scope, const Pattern* p, bool newBox) {
    if (!p) return;
    switch (p->kind) {
    case ast::NodeKind::IdentifierPattern:
        declareLocal(scope, static_cast<const ast::IdentifierPattern*>(p)->symbol, newBox);
        break;
    case ast::NodeKind::ArrayPattern: {
        auto* ap = static_cast<const ast::ArrayPattern*>(p);
        for (auto& el : ap->elements)
            declarePattern(scope, el.target.get(), newBox);
        declarePattern(scope, ap->rest.get(), newBox);
        break;
    }
    case ast::NodeKind::ObjectPattern: {
        auto* op = static_cast<const ast::ObjectPattern*>(p);
        for (auto& prop : op->props)
            declarePattern(scope, prop.value.target.get(), newBox);
        declarePattern(scope, op->rest.get(), newBox);
        break;
    }
    default:
        break; // ExprPattern declares nothing
    }
}

void Codegen::declareStatements(Scope& scope, const std::vector<ast::StmtPtr>& list) {
    for (auto& s : list) {
        if (auto* vd = s->as<ast::VarDecl>()) {
            for (auto& d : vd->decls)
                declarePattern(scope, d.target.get());
        } else if (auto* fd = s->as<ast::FunctionDecl>()) {
            declareLocal(scope, fd->symbol);
        }
    }
}

void Codegen::hoistFunctions(const std::vector<ast::StmtPtr>& list) {
    for (auto& s : list) {
        auto* fd = s->as<ast::FunctionDecl>();
        if (!fd || !fd->fn) continue;
        at(*fd);
        uint32_t t = b().top();
        VarRef ref = fd->symbol ? resolve(fd->symbol, fd->range) : VarRef{};
        if (ref.kind == VarRef::Reg) {
            emitClosure(*fd->fn, FunctionKind::Function, uint8_t(ref.index));
        } else {
            uint8_t r = b().alloc();
            emitClosure(*fd->fn, FunctionKind::Function, r);
            if (ref.kind == VarRef::Box)
                b().abc(Op::SetBox, ref.index, r); // initializes the cell
            else
                storeRef(ref, r);
        }
        b().freeTo(t);
    }
}

void Codegen::openScope(Scope& s) {
    s.top = b().top();
    s.startPc = b().pc();
}

void Codegen::closeScope(Scope& s) {
    for (const Symbol* sym : s.symbols) {
        auto it = f_->slots.find(sym);
        if (it != f_->slots.end()) b().addLocal(sym->name, it->second.reg, s.startPc, b().pc());
    }
    b().freeTo(s.top);
}

} // namespace flow::compiler::codegen
