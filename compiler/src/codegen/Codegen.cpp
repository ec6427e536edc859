// Codegen.cpp — the entry point of code generation: the module tables
// (sources, module variables, tasks, workflows, triggers, tests, inits) and
// the compilation of one function (prologue, parameters, upvalues, body).
#include "CodegenImpl.h"

namespace flow::compiler {

std::optional<bytecode::Module> generate(const std::vector<std::unique_ptr<ast::File>>& files,
                                         const SemaResult& sema, const SourceManager& sm,
                                         DiagnosticEngine& diags) {
    codegen::Codegen cg(files, sema, sm, diags);
    return cg.run();
}

} // namespace flow::compiler

namespace flow::compiler::codegen {

using namespace bytecode;

Codegen::Codegen(const std::vector<std::unique_ptr<ast::File>>& files, const SemaResult& sema,
                 const SourceManager& sm, DiagnosticEngine& diags)
    : files_(files), sema_(sema), sm_(sm), diags_(diags) {}

std::optional<Module> Codegen::run() {
    unsigned errorsBefore = diags_.errorCount();
    // Sources first: Function::source is the file id, so the table is indexed
    // by id whatever the dependency order of `files_`.
    for (uint32_t id = 0; id < sm_.fileCount(); ++id) {
        SourceFile sf;
        sf.path = mod_.intern(sm_.path(id));
        sf.text = mod_.intern(std::string(sm_.text(id)));
        mod_.sources.push_back(sf);
    }
    if (sema_.modVars.size() > kMaxModVars)
        diags_.reportGlobal(DiagId::TooManyModVars, {std::to_string(kMaxModVars)});
    for (const Symbol* s : sema_.modVars) {
        ModVar mv;
        mv.name = mod_.intern(s ? s->name : std::string());
        mv.source = s ? s->file : 0;
        mv.isConst = s && s->isConstLike();
        mod_.modVars.push_back(mv);
    }
    for (auto& file : files_)
        mod_.inits.push_back(compileInit(*file));
    if (diags_.errorCount() != errorsBefore) return std::nullopt;
    return std::move(mod_);
}

void Codegen::at(ast::SourceRange r) {
    if (!f_ || r.file >= sm_.fileCount()) return;
    auto [line, col] = sm_.lineCol(r.file, r.begin);
    b().setLoc(line, col);
}

void Codegen::internalError(ast::SourceRange r, const std::string& what) {
    diags_.report(DiagId::CodegenInternal, r, {what});
}

namespace {
bool isTopLevelKind(FunctionKind k) {
    return k == FunctionKind::Workflow || k == FunctionKind::Trigger || k == FunctionKind::Test ||
           k == FunctionKind::Init;
}
} // namespace

uint32_t Codegen::compileFunction(const ast::FunctionNode& fn, FunctionKind kind, std::string name,
                                  const Expr* triggerCondition) {
    uint32_t idx = uint32_t(mod_.functions.size());
    if (idx >= kMaxFunctions && !fnLimitReported_) {
        fnLimitReported_ = true;
        diags_.report(DiagId::TooManyFunctions, fn.range, {std::to_string(kMaxFunctions)});
    }
    mod_.functions.emplace_back(); // reserve the index; nested functions follow it

    FnState st(mod_, diags_, name, fn.range);
    st.node = &fn;
    st.info = fn.info;
    st.parent = isTopLevelKind(kind) ? nullptr : f_;
    st.file = fn.range.file;
    FnState* parent = f_;
    f_ = &st;

    Function& F = st.b.fn;
    F.kind = kind;
    F.isAsync = fn.isAsync || kind == FunctionKind::Workflow || kind == FunctionKind::Test;
    F.source = fn.range.file;
    if (fn.range.file < sm_.fileCount()) {
        auto [line, col] = sm_.lineCol(fn.range.file, fn.range.begin);
        F.line = line;
        F.column = col;
    }
    at(fn.range);

    // Upvalues: where each capture comes from in the creating frame.
    if (fn.info && !fn.info->captures.empty()) {
        if (!st.parent) {
            internalError(fn.range, "a top-level function '" + name + "' captures variables");
        } else if (fn.info->captures.size() > kMaxUpvalues) {
            diags_.report(
                DiagId::TooManyUpvalues, fn.range,
                {name.empty() ? std::string("<anonymous>") : name, std::to_string(kMaxUpvalues)});
        } else {
            for (const Symbol* s : fn.info->captures) {
                UpvalueDesc d;
                d.name = mod_.intern(s->name);
                auto it = parent->slots.find(s);
                if (it != parent->slots.end()) {
                    if (!it->second.boxed)
                        internalError(fn.range, "captured variable '" + s->name +
                                                    "' is not marked as captured");
                    d.fromParentRegister = true;
                    d.index = it->second.reg;
                } else {
                    bool found = false;
                    if (parent->info) {
                        auto& pc = parent->info->captures;
                        for (size_t i = 0; i < pc.size(); ++i)
                            if (pc[i] == s) {
                                d.index = uint8_t(i);
                                found = true;
                                break;
                            }
                    }
                    if (!found)
                        internalError(fn.range, "cannot find captured variable '" + s->name +
                                                    "' in the enclosing function");
                }
                F.upvalues.push_back(d);
            }
        }
    }

    // Parameters: r0..n-1, then the rest array.
    size_t np = fn.params.size();
    bool hasRest = fn.rest != nullptr;
    if (np + (hasRest ? 1 : 0) >= kMaxRegisters) {
        diags_.report(
            DiagId::TooManyParams, fn.range,
            {name.empty() ? std::string("<anonymous>") : name, std::to_string(kMaxRegisters - 2)});
        np = 0;
        hasRest = false;
    }
    F.numParams = uint8_t(np);
    F.hasRest = hasRest;
    st.b.allocBlock(uint32_t(np + (hasRest ? 1 : 0)));
    Scope scope;
    openScope(scope);
    auto bindParam = [&](const Pattern* target, const Expr* init, uint8_t reg) {
        if (init) applyDefault(init, reg);
        if (auto* id = target->as<ast::IdentifierPattern>()) {
            if (!id->symbol) return;
            if (id->symbol->captured) {
                declareLocal(scope, id->symbol); // NewBox
                b().abc(Op::SetBox, st.slots.at(id->symbol).reg, reg);
            } else {
                st.slots[id->symbol] = Slot{reg, false};
                scope.symbols.push_back(id->symbol);
            }
            return;
        }
        declarePattern(scope, target);
        bindPattern(target, reg);
    };
    for (size_t i = 0; i < np; ++i)
        bindParam(fn.params[i].target.get(), fn.params[i].init.get(), uint8_t(i));
    if (hasRest) bindParam(fn.rest.get(), nullptr, uint8_t(np));

    Label skip;
    if (triggerCondition) {
        at(*triggerCondition);
        uint32_t t = b().top();
        condJump(triggerCondition, false, skip);
        b().freeTo(t);
    }
    if (fn.body) {
        Scope bodyScope;
        openScope(bodyScope);
        declareStatements(bodyScope, fn.body->body);
        hoistFunctions(fn.body->body);
        stmts(fn.body->body);
        closeScope(bodyScope);
    } else if (fn.exprBody) {
        at(*fn.exprBody);
        uint8_t r = expr(fn.exprBody.get());
        b().abc(Op::Return, r);
    }
    if (!b().lastIsTerminator()) b().abc(Op::ReturnUndef);
    if (triggerCondition) {
        b().bind(skip);
        b().abc(Op::ReturnUndef);
    }
    closeScope(scope);

    Function done = st.b.finish();
    f_ = parent;
    mod_.functions[idx] = std::move(done);
    return idx;
}

void Codegen::emitClosure(const ast::FunctionNode& fn, FunctionKind kind, uint8_t dst) {
    uint32_t idx = compileFunction(fn, kind, fn.name.empty() ? fn.inferredName : fn.name);
    b().ad(Op::Closure, dst, idx);
}

uint32_t Codegen::compileInit(const ast::File& file) {
    uint32_t idx = uint32_t(mod_.functions.size());
    mod_.functions.emplace_back();
    ast::SourceRange range{file.id, 0, 0};
    FnState st(mod_, diags_, "<init>", range);
    st.file = file.id;
    if (file.id < sema_.fileInits.size() && sema_.fileInits[file.id]) {
        st.node = sema_.fileInits[file.id].get();
        st.info = st.node->info;
    }
    FnState* saved = f_;
    f_ = &st;
    Function& F = st.b.fn;
    F.kind = FunctionKind::Init;
    F.source = file.id;
    F.line = 1;
    F.column = 1;
    at(range);
    // Top-level names are module variables (declareLocal skips them); block
    // scopes of the top level still get registers of the init frame.
    Scope scope;
    openScope(scope);
    declareStatements(scope, file.body);
    hoistFunctions(file.body);
    stmts(file.body);
    if (!b().lastIsTerminator()) b().abc(Op::ReturnUndef);
    closeScope(scope);
    Function done = st.b.finish();
    f_ = saved;
    mod_.functions[idx] = std::move(done);
    return idx;
}

} // namespace flow::compiler::codegen

namespace flow::compiler::codegen {

// Workflow, task, trigger and test declarations: module tables. They run no
// code in the init (the runtime stores task and workflow values in their
// module variables before the inits run).
void Codegen::topLevel(const Stmt& s) {
    uint32_t line = 0;
    if (s.range.file < sm_.fileCount()) line = sm_.lineCol(s.range.file, s.range.begin).first;
    switch (s.kind) {
    case ast::NodeKind::Workflow: {
        auto& w = static_cast<const ast::Workflow&>(s);
        WorkflowDecl d;
        d.name = mod_.intern(w.fn->name);
        d.function = compileFunction(*w.fn, FunctionKind::Workflow, w.fn->name);
        d.modVar = w.symbol ? modVarOf(w.symbol) : 0;
        if (!w.symbol) internalError(s.range, "workflow without a symbol");
        d.optionsJson = mod_.intern(w.optionsJson);
        d.exported = w.exported;
        mod_.workflows.push_back(d);
        break;
    }
    case ast::NodeKind::Task: {
        auto& t = static_cast<const ast::Task&>(s);
        TaskDecl d;
        d.name = mod_.intern(t.name);
        d.kind = t.kind == "http"      ? TaskKind::Http
                 : t.kind == "builtin" ? TaskKind::Builtin
                                       : TaskKind::Exec;
        for (auto& p : t.params)
            d.params.push_back(mod_.intern(p->name));
        d.method = mod_.intern(t.method);
        d.target = mod_.intern(t.target);
        d.optionsJson = mod_.intern(t.optionsJson);
        d.modVar = t.symbol ? modVarOf(t.symbol) : 0;
        if (!t.symbol) internalError(s.range, "task without a symbol");
        d.source = s.range.file;
        d.line = line;
        mod_.tasks.push_back(d);
        break;
    }
    case ast::NodeKind::Trigger: {
        auto& t = static_cast<const ast::Trigger&>(s);
        TriggerDecl d;
        d.eventType = mod_.intern(t.eventType);
        d.function = compileFunction(*t.fn, FunctionKind::Trigger, "on \"" + t.eventType + "\"",
                                     t.condition.get());
        d.source = s.range.file;
        d.line = line;
        mod_.triggers.push_back(d);
        break;
    }
    case ast::NodeKind::Test: {
        auto& t = static_cast<const ast::Test&>(s);
        TestDecl d;
        d.name = mod_.intern(t.name);
        d.function = compileFunction(*t.fn, FunctionKind::Test, t.name);
        d.source = s.range.file;
        d.line = line;
        mod_.tests.push_back(d);
        break;
    }
    default:
        break;
    }
}

} // namespace flow::compiler::codegen
