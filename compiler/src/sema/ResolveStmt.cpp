// ResolveStmt.cpp — the statement walk: scopes of blocks, loops, switch and
// catch; functions; jumps and labels; unreachable code; top-level forms.
#include <map>

#include "SemaInternal.h"

namespace flow::compiler::sema {

namespace {
bool isLoop(const ast::Stmt* s) {
    switch (s->kind) {
    case ast::NodeKind::For:
    case ast::NodeKind::ForOf:
    case ast::NodeKind::ForIn:
    case ast::NodeKind::While:
    case ast::NodeKind::DoWhile:
        return true;
    default:
        return false;
    }
}

// The keyword of a statement after which nothing in the same list runs.
const char* jumpKeyword(const ast::Stmt* s) {
    switch (s->kind) {
    case ast::NodeKind::Return:
        return "return";
    case ast::NodeKind::Throw:
        return "throw";
    case ast::NodeKind::Break:
        return "break";
    case ast::NodeKind::Continue:
        return "continue";
    default:
        return nullptr;
    }
}

const char* topLevelFormName(const ast::Stmt* s) {
    switch (s->kind) {
    case ast::NodeKind::Workflow:
        return "workflow";
    case ast::NodeKind::Task:
        return "task";
    case ast::NodeKind::Trigger:
        return "trigger ('on')";
    case ast::NodeKind::Test:
        return "test";
    case ast::NodeKind::ExportList:
        return "export";
    default:
        return nullptr;
    }
}
} // namespace

void Analyzer::walkFile(ast::File& f) {
    file_ = f.id;
    fn_ = nullptr;
    ctl_ = {};
    if (r_.fileInits.size() <= f.id) r_.fileInits.resize(f.id + 1);
    auto initNode = std::make_unique<ast::FunctionNode>();
    initNode->range = {f.id, 0, 0};
    auto initInfo = std::make_unique<FunctionScopeInfo>();
    initInfo->fn = initNode.get();
    initNode->info = initInfo.get();
    init_ = initInfo.get();
    r_.fileInits[f.id] = std::move(initNode);
    r_.functions.push_back(std::move(initInfo));
    Scope mod;
    mod.moduleScope = true;
    pushScope(mod);
    declareImports(f, mod);
    hoist(f.body, mod);
    collectExports(f, mod);
    checkTestNames(f);
    walkStmtList(f.body);
    popScope();
    scope_ = nullptr;
    init_ = nullptr;
}

void Analyzer::checkTestNames(ast::File& f) {
    std::map<std::string, ast::Test*> seen;
    for (auto& s : f.body) {
        auto* t = s ? s->as<ast::Test>() : nullptr;
        if (!t) continue;
        auto [it, fresh] = seen.emplace(t->name, t);
        if (fresh) continue;
        diags_.report(DiagId::DuplicateTest, t->range, {t->name});
        diags_.note(it->second->range, "the first test named \"" + t->name + "\" is here");
    }
}

void Analyzer::walkStmtList(std::vector<ast::StmtPtr>& stmts) {
    const char* after = nullptr; // the jump that ended the reachable part
    bool warned = false;
    for (auto& s : stmts) {
        if (!s) continue;
        // Function declarations are hoisted, so they are not dead code.
        if (after && !warned && !s->isa<ast::FunctionDecl>() && !s->isa<ast::Empty>()) {
            diags_.report(DiagId::UnreachableCode, s->range, {after});
            warned = true;
        }
        walkStmt(s.get());
        if (!after) after = jumpKeyword(s.get());
    }
}

void Analyzer::walkBlock(ast::Block& b) {
    Scope s;
    pushScope(s);
    hoist(b.body, s);
    walkStmtList(b.body);
    popScope();
}

// The body of if/loops/labels: a declaration there (the parser may accept
// `if (x) function f() {}`) still gets a scope of its own.
void Analyzer::walkSubStmt(ast::Stmt* s) {
    if (!s) return;
    if (auto* b = s->as<ast::Block>()) return walkBlock(*b);
    if (s->isa<ast::VarDecl>() || s->isa<ast::FunctionDecl>()) {
        Scope sc;
        pushScope(sc);
        hoistStmt(s, sc);
        walkStmt(s);
        popScope();
        return;
    }
    walkStmt(s);
}

void Analyzer::walkLoopBody(ast::Stmt* loop, ast::Stmt* body) {
    ctl_.breakables.push_back(loop);
    ctl_.loops.push_back(loop);
    walkSubStmt(body);
    ctl_.loops.pop_back();
    ctl_.breakables.pop_back();
}

void Analyzer::walkStmt(ast::Stmt* s) {
    if (!s) return;
    using K = ast::NodeKind;
    switch (s->kind) {
    case K::VarDecl: {
        auto* vd = static_cast<ast::VarDecl*>(s);
        if (vd->exported && (fn_ || !scope_->moduleScope))
            diags_.report(DiagId::TopLevelOnly, vd->range, {"export"});
        for (auto& d : vd->decls) {
            if (vd->declKind == ast::DeclKind::Const && !d.init) {
                auto* ip = d.target ? d.target->as<ast::IdentifierPattern>() : nullptr;
                diags_.report(DiagId::ConstWithoutInit, d.range, {ip ? ip->name : "<pattern>"});
            }
            inferFunctionName(d.init.get(), d.target.get());
            walkExpr(d.init.get());
            walkBinding(d.target.get());
        }
        break;
    }
    case K::FunctionDecl: {
        auto* fd = static_cast<ast::FunctionDecl*>(s);
        if (fd->exported && (fn_ || !scope_->moduleScope))
            diags_.report(DiagId::TopLevelOnly, fd->range, {"export"});
        if (fd->fn) walkFunction(*fd->fn);
        break;
    }
    case K::Return: {
        auto* r = static_cast<ast::Return*>(s);
        if (!fn_) diags_.report(DiagId::ReturnOutsideFunction, r->range);
        walkExpr(r->value.get());
        break;
    }
    case K::If: {
        auto* i = static_cast<ast::If*>(s);
        walkExpr(i->test.get());
        walkSubStmt(i->consequent.get());
        walkSubStmt(i->alternate.get());
        break;
    }
    case K::For: {
        auto* f = static_cast<ast::For*>(s);
        Scope head;
        pushScope(head);
        ++ctl_.loopDepth;
        if (f->init) {
            hoistStmt(f->init.get(), head);
            walkStmt(f->init.get());
        }
        walkExpr(f->test.get());
        walkExpr(f->update.get());
        walkLoopBody(f, f->body.get());
        --ctl_.loopDepth;
        popScope();
        break;
    }
    case K::ForOf:
    case K::ForIn:
        walkForEach(*static_cast<ast::ForEachBase*>(s));
        break;
    case K::While: {
        auto* w = static_cast<ast::While*>(s);
        walkExpr(w->test.get());
        ++ctl_.loopDepth;
        walkLoopBody(w, w->body.get());
        --ctl_.loopDepth;
        break;
    }
    case K::DoWhile: {
        auto* d = static_cast<ast::DoWhile*>(s);
        ++ctl_.loopDepth;
        walkLoopBody(d, d->body.get());
        --ctl_.loopDepth;
        walkExpr(d->test.get());
        break;
    }
    case K::Break:
    case K::Continue:
        walkJump(s);
        break;
    case K::Throw:
        walkExpr(static_cast<ast::Throw*>(s)->value.get());
        break;
    case K::Try: {
        auto* t = static_cast<ast::Try*>(s);
        if (t->block) walkBlock(*t->block);
        if (t->hasCatch || t->handler) walkTryCatch(*t);
        if (t->finalizer) walkBlock(*t->finalizer);
        break;
    }
    case K::Switch:
        walkSwitch(*static_cast<ast::Switch*>(s));
        break;
    case K::Labeled:
        walkLabeled(*static_cast<ast::Labeled*>(s));
        break;
    case K::Block:
        walkBlock(*static_cast<ast::Block*>(s));
        break;
    case K::ExprStmt:
        walkExpr(static_cast<ast::ExprStmt*>(s)->expr.get());
        break;
    case K::Empty:
        break;
    case K::Workflow:
    case K::Task:
    case K::Trigger:
    case K::Test:
    case K::Import:
    case K::ExportList:
        if (fn_ || !scope_->moduleScope) return walkTopLevelOnly(s);
        if (auto* w = s->as<ast::Workflow>())
            walkWorkflow(*w);
        else if (auto* t = s->as<ast::Task>())
            walkTask(*t);
        else if (auto* tr = s->as<ast::Trigger>()) {
            if (tr->fn) walkFunction(*tr->fn, tr);
        } else if (auto* te = s->as<ast::Test>()) {
            if (te->fn) walkFunction(*te->fn);
        }
        // Import and ExportList were handled before the walk (Modules.cpp).
        break;
    default:
        break; // expression kinds never appear as statements
    }
}

void Analyzer::walkTopLevelOnly(ast::Stmt* s) {
    if (s->isa<ast::Import>()) {
        diags_.report(DiagId::ImportNotTopLevel, s->range);
        return;
    }
    diags_.report(DiagId::TopLevelOnly, s->range, {topLevelFormName(s)});
    // Still check the body, so that one run shows the other errors too; the
    // name is not declared (it would be a module variable of a nested scope).
    if (auto* w = s->as<ast::Workflow>(); w && w->fn)
        walkFunction(*w->fn);
    else if (auto* t = s->as<ast::Test>(); t && t->fn)
        walkFunction(*t->fn);
    else if (auto* tr = s->as<ast::Trigger>(); tr && tr->fn)
        walkFunction(*tr->fn, tr);
}

void Analyzer::walkForEach(ast::ForEachBase& f) {
    Scope head;
    pushScope(head);
    ++ctl_.loopDepth;
    if (f.hasDecl) {
        SymbolKind k = f.declKind == ast::DeclKind::Const ? SymbolKind::Const : SymbolKind::Let;
        hoistPattern(f.target.get(), k, &f, head);
    }
    // The iterable sees the head's names as not yet declared, as in JS.
    walkExpr(f.iterable.get());
    if (f.hasDecl)
        walkBinding(f.target.get());
    else
        walkAssignTarget(f.target.get());
    walkLoopBody(&f, f.body.get());
    --ctl_.loopDepth;
    popScope();
}

void Analyzer::walkSwitch(ast::Switch& s) {
    walkExpr(s.discriminant.get());
    // All cases share one block scope, as in JS.
    Scope body;
    pushScope(body);
    for (auto& c : s.cases)
        hoist(c.body, body);
    ctl_.breakables.push_back(&s);
    for (auto& c : s.cases) {
        walkExpr(c.test.get());
        walkStmtList(c.body);
    }
    ctl_.breakables.pop_back();
    popScope();
}

void Analyzer::walkTryCatch(ast::Try& t) {
    // The catch parameter and the handler's declarations share a scope:
    // `catch (e) { let e }` is a redeclaration, as in JS.
    Scope sc;
    pushScope(sc);
    if (t.catchParam) {
        hoistPattern(t.catchParam.get(), SymbolKind::CatchParam, &t, sc);
        walkBinding(t.catchParam.get());
    }
    if (t.handler) {
        hoist(t.handler->body, sc);
        walkStmtList(t.handler->body);
    }
    popScope();
}

void Analyzer::walkLabeled(ast::Labeled& l) {
    for (auto& li : ctl_.labels) {
        if (li.name != l.label) continue;
        diags_.report(DiagId::DuplicateLabel, l.range, {l.label});
        diags_.note(li.stmt->range, "the enclosing statement labeled '" + l.label + "' is here");
        break;
    }
    ast::Stmt* inner = l.body.get();
    while (inner && inner->isa<ast::Labeled>())
        inner = static_cast<ast::Labeled*>(inner)->body.get();
    LabelInfo info;
    info.name = l.label;
    info.stmt = &l;
    info.loop = inner && isLoop(inner) ? inner : nullptr;
    info.breakTarget = inner && (isLoop(inner) || inner->isa<ast::Switch>()) ? inner : &l;
    ctl_.labels.push_back(info);
    walkSubStmt(l.body.get());
    ctl_.labels.pop_back();
}

void Analyzer::walkJump(ast::Stmt* s) {
    const bool isBreak = s->isa<ast::Break>();
    const std::string& label =
        isBreak ? static_cast<ast::Break*>(s)->label : static_cast<ast::Continue*>(s)->label;
    ast::Stmt* target = nullptr;
    if (!label.empty()) {
        const LabelInfo* found = nullptr;
        for (auto it = ctl_.labels.rbegin(); it != ctl_.labels.rend(); ++it)
            if (it->name == label) {
                found = &*it;
                break;
            }
        if (!found) {
            diags_.report(DiagId::UndefinedLabel, s->range, {label});
            return;
        }
        if (isBreak) {
            target = found->breakTarget;
        } else if (!found->loop) {
            diags_.report(DiagId::ContinueNotLoop, s->range, {label});
            diags_.note(found->stmt->range, "label '" + label + "' is defined here");
            return;
        } else {
            target = found->loop;
        }
    } else if (isBreak) {
        if (ctl_.breakables.empty()) return diags_.report(DiagId::BreakOutsideLoop, s->range);
        target = ctl_.breakables.back();
    } else {
        if (ctl_.loops.empty()) return diags_.report(DiagId::ContinueOutsideLoop, s->range);
        target = ctl_.loops.back();
    }
    if (isBreak)
        static_cast<ast::Break*>(s)->target = target;
    else
        static_cast<ast::Continue*>(s)->target = target;
}

void Analyzer::walkFunction(ast::FunctionNode& fn, ast::Trigger* trigger) {
    auto owned = std::make_unique<FunctionScopeInfo>();
    FunctionScopeInfo* info = owned.get();
    info->fn = &fn;
    // Top-level closures capture from the file's init frame.
    info->parent = frame();
    fn.info = info;
    r_.functions.push_back(std::move(owned));

    FunctionScopeInfo* savedFn = fn_;
    ControlState savedCtl = std::move(ctl_);
    ctl_ = {};
    fn_ = info;
    // Parameters and the body's top-level declarations share one scope
    // (`function f(x) { let x }` is a redeclaration in JS), but defaults are
    // walked before the body's names exist, so they cannot see them.
    Scope scope;
    pushScope(scope);
    for (auto& p : fn.params)
        hoistPattern(p.target.get(), SymbolKind::Param, nullptr, scope);
    hoistPattern(fn.rest.get(), SymbolKind::Param, nullptr, scope);
    for (auto& p : fn.params) {
        inferFunctionName(p.init.get(), p.target.get());
        walkExpr(p.init.get());
        walkBinding(p.target.get());
    }
    walkBinding(fn.rest.get());
    // `on "t" (e) when (cond)`: the condition runs with the event bound.
    if (trigger) walkExpr(trigger->condition.get());
    if (fn.body) {
        hoist(fn.body->body, scope);
        walkStmtList(fn.body->body);
    } else {
        walkExpr(fn.exprBody.get());
    }
    popScope();
    fn_ = savedFn;
    ctl_ = std::move(savedCtl);
}

void Analyzer::walkWorkflow(ast::Workflow& w) {
    checkWorkflowOptions(w, diags_);
    if (w.fn) walkFunction(*w.fn);
}

void Analyzer::walkTask(ast::Task& t) {
    // Task parameters are names of the JSON object sent to the task, not
    // variables: they get no symbols, but must still be distinct.
    std::map<std::string, ast::IdentifierPattern*> seen;
    for (auto& p : t.params) {
        if (!p) continue;
        auto [it, fresh] = seen.emplace(p->name, p.get());
        if (fresh) continue;
        diags_.report(DiagId::DuplicateParam, p->range, {p->name});
        diags_.note(it->second->range, "previous declaration of '" + p->name + "' is here");
    }
    checkTaskDecl(t, diags_);
}

} // namespace flow::compiler::sema
