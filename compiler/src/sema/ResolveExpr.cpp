// ResolveExpr.cpp — the expression walk: identifiers (symbols, builtins,
// undefined, forbidden host globals), assignment targets, calls and starts of
// tasks and workflows, `this` and `await`.
#include "SemaInternal.h"
#include "flow/bytecode/Builtins.h"

namespace flow::compiler::sema {

namespace {
bool hasSpread(const std::vector<ast::ExprPtr>& args) {
    for (auto& a : args)
        if (a && a->isa<ast::Spread>()) return true;
    return false;
}

// "2", "1 to 3", "at least 1" for a parameter list.
struct Arity {
    size_t min = 0, max = 0;
    bool variadic = false;
    bool accepts(size_t n) const { return n >= min && (variadic || n <= max); }
    std::string text() const {
        if (variadic) return "at least " + std::to_string(min);
        if (min == max) return std::to_string(min);
        return std::to_string(min) + " to " + std::to_string(max);
    }
};

Arity functionArity(const ast::FunctionNode& fn) {
    Arity a;
    a.max = fn.params.size();
    a.variadic = fn.rest != nullptr;
    // Parameters up to the last one without a default are required.
    for (size_t i = 0; i < fn.params.size(); ++i)
        if (!fn.params[i].init) a.min = i + 1;
    return a;
}

bool isAsyncContext(const ast::FunctionNode* fn) {
    return fn && (fn->isAsync || fn->kind == ast::FunctionKind::Workflow ||
                  fn->kind == ast::FunctionKind::Test);
}
} // namespace

void Analyzer::walkExpr(ast::Expr* e) {
    if (!e) return;
    using K = ast::NodeKind;
    switch (e->kind) {
    case K::NumberLit:
    case K::StringLit:
    case K::DurationLit:
    case K::BoolLit:
    case K::NullLit:
        break;
    case K::TemplateLit:
        for (auto& x : static_cast<ast::TemplateLit*>(e)->exprs)
            walkExpr(x.get());
        break;
    case K::Identifier:
        walkIdentifier(*static_cast<ast::Identifier*>(e));
        break;
    case K::This:
        // An arrow sees the `this` of its enclosing function: mark every
        // arrow on the way and the function that provides `this`.
        for (FunctionScopeInfo* info = fn_; info; info = info->parent) {
            info->usesThis = true;
            if (info->fn->kind != ast::FunctionKind::Arrow) break;
        }
        break;
    case K::ArrayLit:
        for (auto& x : static_cast<ast::ArrayLit*>(e)->elements)
            walkExpr(x.get());
        break;
    case K::ObjectLit:
        for (auto& p : static_cast<ast::ObjectLit*>(e)->props) {
            if (!p.computedKey &&
                (p.kind == ast::Property::Kind::Init || p.kind == ast::Property::Kind::Method))
                inferFunctionName(p.value.get(), p.key);
            walkExpr(p.computedKey.get());
            walkExpr(p.value.get());
        }
        break;
    case K::Function: {
        auto* f = static_cast<ast::FunctionExpr*>(e);
        if (!f->fn) break;
        if (f->fn->kind == ast::FunctionKind::Expression && !f->fn->name.empty()) {
            // A named function expression sees its own name (JS): a scope
            // between the enclosing one and the parameters holds it.
            Scope self;
            pushScope(self);
            Symbol* sym = newSymbol(f->fn->name, SymbolKind::Const, f->fn->nameRange, f);
            sym->inLoop = false; // codegen makes a fresh cell per evaluation
            declare(self, sym);
            f->selfSymbol = sym;
            walkFunction(*f->fn);
            popScope();
            break;
        }
        walkFunction(*f->fn);
        break;
    }
    case K::Unary:
        walkExpr(static_cast<ast::Unary*>(e)->operand.get());
        break;
    case K::Update: {
        auto* u = static_cast<ast::Update*>(e);
        walkExpr(u->target.get());
        if (auto* id = u->target ? u->target->as<ast::Identifier>() : nullptr)
            checkAssignable(id->symbol, id->name, id->builtin, id->range);
        else
            checkNamespaceWrite(u->target.get());
        break;
    }
    case K::Binary: {
        auto* b = static_cast<ast::Binary*>(e);
        walkExpr(b->lhs.get());
        walkExpr(b->rhs.get());
        break;
    }
    case K::Logical: {
        auto* l = static_cast<ast::Logical*>(e);
        walkExpr(l->lhs.get());
        walkExpr(l->rhs.get());
        break;
    }
    case K::Conditional: {
        auto* c = static_cast<ast::Conditional*>(e);
        walkExpr(c->test.get());
        walkExpr(c->consequent.get());
        walkExpr(c->alternate.get());
        break;
    }
    case K::Assign: {
        auto* a = static_cast<ast::Assign*>(e);
        if (a->op == ast::AssignOp::None) inferFunctionName(a->value.get(), a->target.get());
        walkAssignTarget(a->target.get());
        walkExpr(a->value.get());
        break;
    }
    case K::Sequence:
        for (auto& x : static_cast<ast::Sequence*>(e)->exprs)
            walkExpr(x.get());
        break;
    case K::Call:
        walkCall(*static_cast<ast::Call*>(e));
        break;
    case K::New:
        walkNew(*static_cast<ast::New*>(e));
        break;
    case K::Member:
        walkMember(*static_cast<ast::Member*>(e));
        break;
    case K::Index: {
        auto* ix = static_cast<ast::Index*>(e);
        // Math["random"] is Math.random by another spelling.
        auto* obj = ix->object ? ix->object->as<ast::Identifier>() : nullptr;
        auto* key = ix->index ? ix->index->as<ast::StringLit>() : nullptr;
        if (obj && key && !lookup(obj->name) &&
            reportForbiddenMember(obj->name, bytecode::findBuiltin(obj->name) >= 0, key->value,
                                  ix->range, diags_)) {
            obj->builtin = bytecode::findBuiltin(obj->name);
            break;
        }
        walkExpr(ix->object.get());
        walkExpr(ix->index.get());
        break;
    }
    case K::OptionalChain:
        walkExpr(static_cast<ast::OptionalChain*>(e)->expr.get());
        break;
    case K::Await: {
        auto* a = static_cast<ast::Await*>(e);
        if (isAsyncContext(currentFn()))
            fn_->containsAwait = true;
        else
            diags_.report(DiagId::AwaitOutsideAsync, a->range);
        walkExpr(a->expr.get());
        break;
    }
    case K::Spread:
        walkExpr(static_cast<ast::Spread*>(e)->expr.get());
        break;
    case K::Start:
        walkStart(*static_cast<ast::Start*>(e));
        break;
    default:
        break; // patterns and statements are not expressions
    }
}

void Analyzer::walkIdentifier(ast::Identifier& id) {
    if (Symbol* s = lookup(id.name)) {
        id.symbol = s;
        noteReference(s, id.range);
        return;
    }
    int b = bytecode::findBuiltin(id.name);
    if (b >= 0) {
        id.builtin = b;
        auto& info = bytecode::builtinInfo(bytecode::Builtin(b));
        if (info.category == bytecode::BuiltinCategory::BC_TEST && !inTest())
            diags_.report(DiagId::TestOnly, id.range, {id.name});
        return;
    }
    if (id.name == "undefined") return; // codegen emits LoadUndef
    if (reportForbiddenGlobal(id.name, id.range, diags_)) return;
    diags_.report(DiagId::UndefinedName, id.range, {id.name});
    suggest(id.name, id.range);
}

void Analyzer::walkMember(ast::Member& m) {
    auto* obj = m.object ? m.object->as<ast::Identifier>() : nullptr;
    if (obj && !lookup(obj->name)) {
        int b = bytecode::findBuiltin(obj->name);
        // Date.now(), Math.random(), crypto.randomUUID(): one diagnostic
        // for the whole member, with the specific replacement.
        if (reportForbiddenMember(obj->name, b >= 0, m.name, m.range, diags_)) {
            obj->builtin = b;
            return;
        }
    }
    walkExpr(m.object.get());
    if (obj && obj->symbol && obj->symbol->kind == SymbolKind::ImportNamespace)
        checkNamespaceMember(obj->symbol, m.name, m.nameRange);
}

void Analyzer::walkNew(ast::New& n) {
    auto* id = n.callee ? n.callee->as<ast::Identifier>() : nullptr;
    if (id && id->name == "Date" && n.args.empty() && !lookup("Date")) {
        diags_.report(DiagId::Nondeterministic, n.range, {"new Date()", "now()"});
    } else {
        walkExpr(n.callee.get());
    }
    for (auto& a : n.args)
        walkExpr(a.get());
}

Symbol* Analyzer::calleeDecl(ast::Expr* callee) {
    if (!callee) return nullptr;
    if (auto* id = callee->as<ast::Identifier>()) return resolveAlias(id->symbol);
    auto* m = callee->as<ast::Member>();
    auto* obj = m ? m->object->as<ast::Identifier>() : nullptr;
    if (!obj || !obj->symbol || obj->symbol->kind != SymbolKind::ImportNamespace) return nullptr;
    uint32_t f = obj->symbol->importFile;
    if (f >= r_.exports.size()) return nullptr;
    return resolveAlias(r_.exports[f].find(m->name));
}

void Analyzer::walkCall(ast::Call& c) {
    walkExpr(c.callee.get());
    for (auto& a : c.args)
        walkExpr(a.get());
    Symbol* d = calleeDecl(c.callee.get());
    if (!d || !d->decl) return;
    if (d->kind == SymbolKind::Workflow) {
        diags_.report(DiagId::WorkflowCalledDirectly, c.callee->range, {d->name});
        diags_.note(d->declRange, "workflow '" + d->name + "' is declared here");
        return;
    }
    if (d->kind != SymbolKind::Task || hasSpread(c.args)) return;
    auto* t = d->decl->as<ast::Task>();
    if (t && c.args.size() != t->params.size()) {
        diags_.report(DiagId::TaskArity, c.range,
                      {d->name, std::to_string(t->params.size()), std::to_string(c.args.size())});
        diags_.note(d->declRange, "task '" + d->name + "' is declared here");
    }
}

void Analyzer::walkStart(ast::Start& s) {
    walkExpr(s.callee.get());
    for (auto& a : s.args)
        walkExpr(a.get());
    walkExpr(s.options.get());
    checkStartOptions(s.options.get(), diags_);
    ast::Expr* callee = s.callee.get();
    if (!callee) return;
    Symbol* d = calleeDecl(callee);
    auto* id = callee->as<ast::Identifier>();
    if (d && d->kind == SymbolKind::Workflow) {
        auto* w = d->decl ? d->decl->as<ast::Workflow>() : nullptr;
        if (!w || !w->fn || hasSpread(s.args)) return;
        Arity a = functionArity(*w->fn);
        if (!a.accepts(s.args.size())) {
            diags_.report(DiagId::WorkflowArity, s.range,
                          {d->name, a.text(), std::to_string(s.args.size())});
            diags_.note(d->declRange, "workflow '" + d->name + "' is declared here");
        }
        return;
    }
    // Variables and parameters may hold a workflow at run time; only names
    // that certainly denote something else are errors.
    std::string name = id ? id->name : "";
    if (d && (d->kind == SymbolKind::Task || d->kind == SymbolKind::Function ||
              d->kind == SymbolKind::ImportNamespace)) {
        if (name.empty())
            if (auto* m = callee->as<ast::Member>()) name = m->name;
        diags_.report(DiagId::NotAWorkflow, callee->range, {name, symbolKindNoun(d->kind)});
        diags_.note(d->declRange, "'" + d->name + "' is declared here");
    } else if (id && id->builtin >= 0) {
        diags_.report(DiagId::NotAWorkflow, callee->range, {name, "a builtin"});
    } else if (callee->isa<ast::FunctionExpr>()) {
        diags_.report(DiagId::NotAWorkflow, callee->range, {"<function>", "a function"});
    }
}

// ---------------------------------------------------------------- patterns

void inferFunctionName(ast::Expr* value, const std::string& name) {
    auto* f = value ? value->as<ast::FunctionExpr>() : nullptr;
    if (f && f->fn && f->fn->name.empty() && f->fn->inferredName.empty())
        f->fn->inferredName = name;
}

void inferFunctionName(ast::Expr* value, const ast::Pattern* target) {
    if (auto* ip = target ? target->as<ast::IdentifierPattern>() : nullptr)
        inferFunctionName(value, ip->name);
}

void Analyzer::walkBinding(ast::Pattern* p) {
    if (!p) return;
    switch (p->kind) {
    case ast::NodeKind::IdentifierPattern: {
        auto* ip = static_cast<ast::IdentifierPattern*>(p);
        if (ip->symbol) markInitialized(ip->symbol);
        break;
    }
    case ast::NodeKind::ArrayPattern: {
        auto* ap = static_cast<ast::ArrayPattern*>(p);
        for (auto& el : ap->elements) {
            inferFunctionName(el.init.get(), el.target.get());
            walkExpr(el.init.get());
            walkBinding(el.target.get());
        }
        walkBinding(ap->rest.get());
        break;
    }
    case ast::NodeKind::ObjectPattern: {
        auto* op = static_cast<ast::ObjectPattern*>(p);
        for (auto& prop : op->props) {
            walkExpr(prop.computedKey.get());
            inferFunctionName(prop.value.init.get(), prop.value.target.get());
            walkExpr(prop.value.init.get());
            walkBinding(prop.value.target.get());
        }
        walkBinding(op->rest.get());
        break;
    }
    case ast::NodeKind::ExprPattern:
        walkExpr(static_cast<ast::ExprPattern*>(p)->expr.get());
        break;
    default:
        break;
    }
}

void Analyzer::walkAssignTarget(ast::Pattern* p) {
    if (!p) return;
    switch (p->kind) {
    case ast::NodeKind::IdentifierPattern: {
        auto* ip = static_cast<ast::IdentifierPattern*>(p);
        if (Symbol* s = lookup(ip->name)) {
            ip->symbol = s;
            noteReference(s, ip->range);
            checkAssignable(s, ip->name, -1, ip->range);
            break;
        }
        int b = bytecode::findBuiltin(ip->name);
        if (b >= 0 || ip->name == "undefined")
            checkAssignable(nullptr, ip->name, b, ip->range);
        else if (!reportForbiddenGlobal(ip->name, ip->range, diags_)) {
            diags_.report(DiagId::UndefinedName, ip->range, {ip->name});
            suggest(ip->name, ip->range);
        }
        break;
    }
    case ast::NodeKind::ExprPattern: {
        auto* ep = static_cast<ast::ExprPattern*>(p);
        walkExpr(ep->expr.get());
        checkNamespaceWrite(ep->expr.get());
        break;
    }
    case ast::NodeKind::ArrayPattern: {
        auto* ap = static_cast<ast::ArrayPattern*>(p);
        for (auto& el : ap->elements) {
            inferFunctionName(el.init.get(), el.target.get());
            walkAssignTarget(el.target.get());
            walkExpr(el.init.get());
        }
        walkAssignTarget(ap->rest.get());
        break;
    }
    case ast::NodeKind::ObjectPattern: {
        auto* op = static_cast<ast::ObjectPattern*>(p);
        for (auto& prop : op->props) {
            walkExpr(prop.computedKey.get());
            walkAssignTarget(prop.value.target.get());
            walkExpr(prop.value.init.get());
        }
        walkAssignTarget(op->rest.get());
        break;
    }
    default:
        break;
    }
}

// `ns.x = v` would change another module's variable: as read-only as `x`
// imported by name.
void Analyzer::checkNamespaceWrite(ast::Expr* target) {
    auto* m = target ? target->as<ast::Member>() : nullptr;
    auto* obj = m ? m->object->as<ast::Identifier>() : nullptr;
    if (!obj || !obj->symbol || obj->symbol->kind != SymbolKind::ImportNamespace) return;
    diags_.report(DiagId::AssignToImport, m->range, {obj->name + "." + m->name});
    diags_.note(obj->symbol->declRange, "'" + obj->name + "' is imported here");
}

void Analyzer::checkAssignable(Symbol* sym, const std::string& name, int builtin,
                               ast::SourceRange r) {
    if (!sym) {
        if (builtin >= 0 || name == "undefined")
            diags_.report(DiagId::AssignToDeclaration, r, {name, "builtin"});
        return;
    }
    switch (sym->kind) {
    case SymbolKind::Const:
        diags_.report(DiagId::AssignToConst, r, {name});
        diags_.note(sym->declRange, "'" + name + "' is declared as a constant here");
        break;
    case SymbolKind::Import:
    case SymbolKind::ImportNamespace:
        diags_.report(DiagId::AssignToImport, r, {name});
        diags_.note(sym->declRange, "'" + name + "' is imported here");
        break;
    case SymbolKind::Function:
    case SymbolKind::Task:
    case SymbolKind::Workflow: {
        std::string noun = symbolKindNoun(sym->kind);
        noun = noun.substr(noun.find(' ') + 1); // "a task" -> "task"
        diags_.report(DiagId::AssignToDeclaration, r, {name, noun});
        diags_.note(sym->declRange, "'" + name + "' is declared here");
        break;
    }
    default:
        break;
    }
}

} // namespace flow::compiler::sema
