// Scopes.cpp — symbols, scopes, hoisting, references (captures and uses
// before declaration) and "did you mean" suggestions.
#include <algorithm>
#include <cctype>

#include "SemaInternal.h"
#include "flow/bytecode/Builtins.h"

namespace flow::compiler::sema {

Symbol* Analyzer::newSymbol(const std::string& name, SymbolKind kind, ast::SourceRange range,
                            ast::Node* decl) {
    auto sym = std::make_unique<Symbol>();
    sym->name = name;
    sym->kind = kind;
    sym->declRange = range;
    sym->file = file_;
    sym->decl = decl;
    sym->owner = frameFn(); // declare() clears it for the module scope
    // Per-iteration bindings only matter for let/const: a function or catch
    // parameter is created afresh on every entry anyway.
    sym->inLoop = (kind == SymbolKind::Let || kind == SymbolKind::Const) && ctl_.loopDepth > 0;
    r_.symbols.push_back(std::move(sym));
    return r_.symbols.back().get();
}

bool Analyzer::declare(Scope& scope, Symbol* sym, DiagId clash) {
    if (Symbol* prev = scope.find(sym->name)) {
        diags_.report(clash, sym->declRange, {sym->name});
        diags_.note(prev->declRange, "previous declaration of '" + sym->name + "' is here");
        return false;
    }
    scope.names.emplace(sym->name, sym);
    scope.order.push_back(sym);
    // Only a file's own top-level scope is module-level (JS): nested blocks
    // of top-level code belong to the init's frame.
    if (scope.moduleScope) {
        sym->owner = nullptr;
        sym->inLoop = false;
    }
    // Storage: imports alias another file's variable and own none.
    if (sym->kind == SymbolKind::Import || sym->kind == SymbolKind::ImportNamespace) return true;
    if (sym->owner) {
        frame()->locals.push_back(sym);
    } else {
        sym->modVar = uint32_t(r_.modVars.size());
        r_.modVars.push_back(sym);
    }
    return true;
}

Symbol* Analyzer::lookup(const std::string& name) const {
    for (Scope* s = scope_; s; s = s->parent)
        if (Symbol* sym = s->find(name)) return sym;
    return nullptr;
}

void Analyzer::pushScope(Scope& s) {
    s.parent = scope_;
    scope_ = &s;
}

void Analyzer::popScope() {
    scope_ = scope_->parent;
}

void Analyzer::noteReference(Symbol* sym, ast::SourceRange useRange) {
    // A use inside a nested function may run after the declaration (the
    // function is called later), so only same-function uses are certain.
    // A module-level symbol used at the top level is a same-frame use too.
    const bool sameFrame = sym->owner ? sym->owner == frameFn() : fn_ == nullptr;
    if (sameFrame && sym->file == file_ && pending_.count(sym)) {
        diags_.report(DiagId::UseBeforeDeclaration, useRange, {sym->name});
        diags_.note(sym->declRange, "'" + sym->name + "' is declared here");
    }
    if (!sym->owner || sym->owner == frameFn()) return;
    sym->captured = true;
    // Every function between the use and the owner needs the symbol as an
    // upvalue, so that the innermost one can capture it from its parent.
    for (FunctionScopeInfo* info = fn_; info && info->fn != sym->owner; info = info->parent) {
        if (captureSets_[info].insert(sym).second) info->captures.push_back(sym);
    }
}

bool Analyzer::inTest() const {
    for (FunctionScopeInfo* info = fn_; info; info = info->parent)
        if (info->fn->kind == ast::FunctionKind::Test) return true;
    return false;
}

// ---------------------------------------------------------------- hoisting

void Analyzer::hoistPattern(ast::Pattern* p, SymbolKind kind, ast::Node* decl, Scope& scope,
                            bool exported) {
    if (!p) return;
    switch (p->kind) {
    case ast::NodeKind::IdentifierPattern: {
        auto* ip = static_cast<ast::IdentifierPattern*>(p);
        Symbol* sym = newSymbol(ip->name, kind, ip->range, decl);
        sym->exported = exported;
        ip->symbol = sym;
        DiagId clash = kind == SymbolKind::Param ? DiagId::DuplicateParam : DiagId::Redeclaration;
        if (declare(scope, sym, clash) && (kind == SymbolKind::Let || kind == SymbolKind::Const))
            pending_.insert(sym);
        break;
    }
    case ast::NodeKind::ArrayPattern: {
        auto* ap = static_cast<ast::ArrayPattern*>(p);
        for (auto& el : ap->elements)
            hoistPattern(el.target.get(), kind, decl, scope, exported);
        hoistPattern(ap->rest.get(), kind, decl, scope, exported);
        break;
    }
    case ast::NodeKind::ObjectPattern: {
        auto* op = static_cast<ast::ObjectPattern*>(p);
        for (auto& prop : op->props)
            hoistPattern(prop.value.target.get(), kind, decl, scope, exported);
        hoistPattern(op->rest.get(), kind, decl, scope, exported);
        break;
    }
    default:
        break; // ExprPattern: not a binding (the parser rejects it here)
    }
}

void Analyzer::hoistStmt(ast::Stmt* s, Scope& scope) {
    const bool topLevel = scope.moduleScope;
    switch (s->kind) {
    case ast::NodeKind::VarDecl: {
        auto* vd = static_cast<ast::VarDecl*>(s);
        SymbolKind k = vd->declKind == ast::DeclKind::Const ? SymbolKind::Const : SymbolKind::Let;
        for (auto& d : vd->decls)
            hoistPattern(d.target.get(), k, vd, scope, vd->exported);
        break;
    }
    case ast::NodeKind::FunctionDecl: {
        auto* fd = static_cast<ast::FunctionDecl*>(s);
        if (!fd->fn || fd->fn->name.empty()) break;
        Symbol* sym = newSymbol(fd->fn->name, SymbolKind::Function, fd->fn->nameRange, fd);
        sym->exported = fd->exported;
        fd->symbol = sym;
        declare(scope, sym);
        break;
    }
    case ast::NodeKind::Workflow: {
        auto* w = static_cast<ast::Workflow*>(s);
        if (!topLevel || !w->fn) break; // nested: FLOW3009 during the walk
        Symbol* sym = newSymbol(w->fn->name, SymbolKind::Workflow, w->fn->nameRange, w);
        sym->exported = w->exported;
        w->symbol = sym;
        declare(scope, sym);
        break;
    }
    case ast::NodeKind::Task: {
        auto* t = static_cast<ast::Task*>(s);
        if (!topLevel) break;
        Symbol* sym = newSymbol(t->name, SymbolKind::Task, t->nameRange, t);
        sym->exported = t->exported;
        t->symbol = sym;
        declare(scope, sym);
        break;
    }
    default:
        break;
    }
}

void Analyzer::hoist(std::vector<ast::StmtPtr>& stmts, Scope& scope) {
    for (auto& s : stmts)
        if (s) hoistStmt(s.get(), scope);
}

// ---------------------------------------------------------------- suggestions

unsigned editDistance(std::string_view a, std::string_view b, unsigned cap) {
    if (a.size() > b.size() + cap || b.size() > a.size() + cap) return cap + 1;
    std::vector<unsigned> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        prev[j] = unsigned(j);
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = unsigned(i);
        unsigned rowMin = cur[0];
        for (size_t j = 1; j <= b.size(); ++j) {
            // Case differences are cheap typos (Json vs JSON): no cost.
            bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0u : 1u)});
            rowMin = std::min(rowMin, cur[j]);
        }
        if (rowMin > cap) return cap + 1;
        std::swap(prev, cur);
    }
    return std::min(prev[b.size()], cap + 1);
}

std::string closestName(const std::string& name, const std::vector<std::string>& candidates) {
    // Short names tolerate one typo, longer ones up to three; a suggestion
    // must keep at least one character of the original.
    unsigned cap = name.size() <= 3 ? 1 : name.size() <= 6 ? 2 : 3;
    std::string best;
    unsigned bestDist = cap + 1;
    for (auto& c : candidates) {
        if (c == name) continue;
        unsigned d = editDistance(name, c, cap);
        if (d < bestDist && d < name.size()) {
            bestDist = d;
            best = c;
        }
    }
    return best;
}

void Analyzer::suggest(const std::string& name, ast::SourceRange useRange) {
    // Inner scopes first, each in declaration order, then the builtins in
    // table order: ties go to the nearest declaration, deterministically.
    std::vector<std::string> names;
    std::vector<Symbol*> syms;
    for (Scope* s = scope_; s; s = s->parent)
        for (Symbol* sym : s->order) {
            names.push_back(sym->name);
            syms.push_back(sym);
        }
    const bool test = inTest();
    for (unsigned i = 0; i < bytecode::kBuiltinCount; ++i) {
        auto& info = bytecode::builtinInfo(bytecode::Builtin(i));
        if (info.category == bytecode::BuiltinCategory::BC_TEST && !test) continue;
        names.emplace_back(info.name);
        syms.push_back(nullptr);
    }
    std::string best = closestName(name, names);
    if (best.empty()) return;
    for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] != best) continue;
        if (syms[i])
            diags_.note(syms[i]->declRange, "did you mean '" + best + "'?");
        else
            diags_.note(useRange, "did you mean the builtin '" + best + "'?");
        return;
    }
}

// ---------------------------------------------------------------- helpers

const char* symbolKindNoun(SymbolKind k) {
    switch (k) {
    case SymbolKind::Let:
        return "a variable";
    case SymbolKind::Const:
        return "a constant";
    case SymbolKind::Function:
        return "a function";
    case SymbolKind::Param:
        return "a parameter";
    case SymbolKind::CatchParam:
        return "a catch parameter";
    case SymbolKind::Import:
        return "an imported binding";
    case SymbolKind::ImportNamespace:
        return "a module namespace";
    case SymbolKind::Task:
        return "a task";
    case SymbolKind::Workflow:
        return "a workflow";
    }
    return "a name";
}

Symbol* resolveAlias(Symbol* s) {
    // Exports are flattened (Modules.cpp), so one hop suffices; the bound
    // guards against a malformed chain.
    for (int i = 0; s && s->kind == SymbolKind::Import && i < 8; ++i)
        s = s->importTarget;
    return s;
}

} // namespace flow::compiler::sema
