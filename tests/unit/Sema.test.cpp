// Sema.test.cpp — name resolution results (symbols, captures, module
// variables, loop bindings, jump targets) and the diagnostics of sema.
// "sema.ast" cases build small ASTs by hand (no parser involved); "sema.src"
// cases compile source text through the driver, stopping after sema.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "flow/bytecode/Builtins.h"
#include "flow/compiler/Compiler.h"

using namespace flow;
using namespace flow::compiler;

namespace {

template <class T>
std::unique_ptr<T> mk() {
    return std::make_unique<T>();
}

ast::ExprPtr ident(const std::string& n) {
    auto e = mk<ast::Identifier>();
    e->name = n;
    return e;
}

ast::ExprPtr num(double v) {
    auto e = mk<ast::NumberLit>();
    e->value = v;
    return e;
}

ast::PatternPtr pat(const std::string& n) {
    auto p = mk<ast::IdentifierPattern>();
    p->name = n;
    return p;
}

ast::StmtPtr decl(const std::string& n, ast::ExprPtr init, bool isConst = false) {
    auto v = mk<ast::VarDecl>();
    v->declKind = isConst ? ast::DeclKind::Const : ast::DeclKind::Let;
    ast::Declarator d;
    d.target = pat(n);
    d.init = std::move(init);
    v->decls.push_back(std::move(d));
    return v;
}

ast::StmtPtr stmt(ast::ExprPtr e) {
    auto s = mk<ast::ExprStmt>();
    s->expr = std::move(e);
    return s;
}

template <class... S>
std::unique_ptr<ast::Block> block(S&&... s) {
    auto b = mk<ast::Block>();
    (b->body.push_back(std::forward<S>(s)), ...);
    return b;
}

std::unique_ptr<ast::FunctionNode> fnNode(const std::string& name, std::vector<std::string> params,
                                          std::unique_ptr<ast::Block> body,
                                          ast::FunctionKind kind = ast::FunctionKind::Declaration) {
    auto fn = mk<ast::FunctionNode>();
    fn->kind = kind;
    fn->name = name;
    for (auto& p : params) {
        ast::Param prm;
        prm.target = pat(p);
        fn->params.push_back(std::move(prm));
    }
    fn->body = std::move(body);
    return fn;
}

ast::StmtPtr funcDecl(const std::string& name, std::vector<std::string> params,
                      std::unique_ptr<ast::Block> body) {
    auto d = mk<ast::FunctionDecl>();
    d->fn = fnNode(name, std::move(params), std::move(body));
    return d;
}

ast::ExprPtr arrow(std::vector<std::string> params, ast::ExprPtr body) {
    auto e = mk<ast::FunctionExpr>();
    e->fn = fnNode("", std::move(params), nullptr, ast::FunctionKind::Arrow);
    e->fn->exprBody = std::move(body);
    return e;
}

ast::ExprPtr assign(const std::string& n, ast::ExprPtr v) {
    auto a = mk<ast::Assign>();
    a->target = pat(n);
    a->value = std::move(v);
    return a;
}

ast::ExprPtr add(ast::ExprPtr a, ast::ExprPtr b) {
    auto e = mk<ast::Binary>();
    e->lhs = std::move(a);
    e->rhs = std::move(b);
    return e;
}

template <class... A>
ast::ExprPtr call(ast::ExprPtr callee, A&&... args) {
    auto c = mk<ast::Call>();
    c->callee = std::move(callee);
    (c->args.push_back(std::forward<A>(args)), ...);
    return c;
}

struct Fixture {
    SourceManager sm;
    std::string out;
    DiagnosticEngine diags{sm, [this](std::string_view s) { out += s; }};
    std::vector<std::unique_ptr<ast::File>> files;
    std::unique_ptr<SemaResult> r;

    ast::File& addFile() {
        uint32_t id = sm.addFile("f" + std::to_string(files.size()) + ".flow", "x\n");
        auto f = mk<ast::File>();
        f->id = id;
        f->path = sm.path(id);
        files.push_back(std::move(f));
        return *files.back();
    }
    ast::File& file() { return files.empty() ? addFile() : *files.back(); }
    template <class... S>
    void body(S&&... s) {
        (file().body.push_back(std::forward<S>(s)), ...);
    }
    void run() { r = analyze(files, diags); }
    bool has(const char* code) const { return out.find(code) != std::string::npos; }
};

template <class T>
T* at(const std::vector<ast::StmtPtr>& v, size_t i) {
    return v.at(i)->as<T>();
}

} // namespace

TEST_CASE("sema.ast: module-level symbols get module variables in file order") {
    Fixture fx;
    fx.addFile().body.push_back(decl("a", num(1)));
    fx.files[0]->body.push_back(decl("b", num(2)));
    auto& f1 = fx.addFile();
    f1.body.push_back(decl("a", num(3))); // its own module scope: no clash
    fx.run();
    CHECK(fx.out == "");
    REQUIRE(fx.r->modVars.size() == 3);
    auto* a0 =
        at<ast::VarDecl>(fx.files[0]->body, 0)->decls[0].target->as<ast::IdentifierPattern>();
    auto* a1 = at<ast::VarDecl>(f1.body, 0)->decls[0].target->as<ast::IdentifierPattern>();
    REQUIRE(a0->symbol);
    REQUIRE(a1->symbol);
    CHECK(a0->symbol->modVar == 0);
    CHECK(a1->symbol->modVar == 2);
    CHECK(a1->symbol->file == 1);
    CHECK(fx.r->modVars[2] == a1->symbol);
    CHECK(a0->symbol->isModuleLevel());
    CHECK_FALSE(a0->symbol->captured);
}

TEST_CASE("sema.ast: captures, in first-reference order, through intermediate functions") {
    // function outer(p) { let x = 1; let y = 2;
    //   function mid() { y; (() => x + p)(); } }
    Fixture fx;
    auto inner = arrow({}, add(ident("x"), ident("p")));
    auto mid = funcDecl("mid", {}, block(stmt(ident("y")), stmt(call(std::move(inner)))));
    fx.body(funcDecl("outer", {"p"}, block(decl("x", num(1)), decl("y", num(2)), std::move(mid))));
    fx.run();
    CHECK(fx.out == "");
    auto* outer = at<ast::FunctionDecl>(fx.files[0]->body, 0);
    auto* midDecl = at<ast::FunctionDecl>(outer->fn->body->body, 2);
    REQUIRE(outer->fn->info);
    REQUIRE(midDecl->fn->info);
    auto& locals = outer->fn->info->locals;
    REQUIRE(locals.size() == 4); // p, x, y, mid
    CHECK(locals[0]->name == "p");
    CHECK(locals[0]->kind == SymbolKind::Param);
    CHECK(locals[1]->name == "x");
    CHECK(locals[3]->name == "mid");
    CHECK(outer->fn->info->captures.empty());
    auto& caps = midDecl->fn->info->captures;
    REQUIRE(caps.size() == 3);
    CHECK(caps[0]->name == "y");
    CHECK(caps[1]->name == "x");
    CHECK(caps[2]->name == "p");
    CHECK(locals[0]->captured);
    CHECK(locals[1]->captured);
    CHECK_FALSE(locals[3]->captured); // mid is only declared, never used
    CHECK(midDecl->fn->info->parent == outer->fn->info);
    CHECK(outer->symbol->isModuleLevel());
    CHECK(outer->symbol->modVar == 0);
}

TEST_CASE("sema.ast: inLoop for loop-head and loop-body bindings; break/continue targets") {
    // for (let i = 0; ; ) { let j = i; break; }  while (true) { continue; }
    Fixture fx;
    auto f = mk<ast::For>();
    f->init = decl("i", num(0));
    auto body = block(decl("j", ident("i")), mk<ast::Break>());
    f->body = std::move(body);
    ast::For* forPtr = f.get();
    auto w = mk<ast::While>();
    w->test = mk<ast::BoolLit>();
    w->body = block(mk<ast::Continue>());
    ast::While* whilePtr = w.get();
    auto fn = funcDecl("g", {}, block(std::move(f), std::move(w)));
    fx.body(std::move(fn));
    fx.run();
    CHECK(fx.out == "");
    auto* i = forPtr->init->as<ast::VarDecl>()->decls[0].target->as<ast::IdentifierPattern>();
    auto* b = forPtr->body->as<ast::Block>();
    auto* j = b->body[0]->as<ast::VarDecl>()->decls[0].target->as<ast::IdentifierPattern>();
    CHECK(i->symbol->inLoop);
    CHECK(j->symbol->inLoop);
    CHECK(b->body[1]->as<ast::Break>()->target == forPtr);
    CHECK(whilePtr->body->as<ast::Block>()->body[0]->as<ast::Continue>()->target == whilePtr);
}

TEST_CASE("sema.ast: builtins, undefined and the determinism names") {
    Fixture fx;
    fx.body(stmt(ident("sleep")), stmt(ident("undefined")), stmt(ident("Date")),
            stmt(ident("require")));
    fx.run();
    auto& b = fx.files[0]->body;
    auto* sleep = at<ast::ExprStmt>(b, 0)->expr->as<ast::Identifier>();
    auto* undef = at<ast::ExprStmt>(b, 1)->expr->as<ast::Identifier>();
    CHECK(sleep->builtin == bytecode::findBuiltin("sleep"));
    CHECK(sleep->symbol == nullptr);
    CHECK(undef->builtin == -1);
    CHECK(undef->symbol == nullptr);
    CHECK(fx.has("error[FLOW4001]: 'Date' is not deterministic"));
    CHECK(fx.has("error[FLOW4002]: 'require' is not available in Flow"));
    CHECK_FALSE(fx.has("FLOW2001"));
}

TEST_CASE("sema.ast: a declared name shadows a determinism name and `undefined`") {
    Fixture fx;
    fx.body(decl("Date", num(1)), decl("undefined", num(2)), stmt(ident("Date")),
            stmt(ident("undefined")));
    fx.run();
    CHECK(fx.out == "");
    auto* u = at<ast::ExprStmt>(fx.files[0]->body, 3)->expr->as<ast::Identifier>();
    CHECK(u->symbol != nullptr);
}

TEST_CASE("sema.ast: diagnostics for undeclared names, const assignment, TDZ") {
    Fixture fx;
    // let total = 1; totl; const k = 1; k = 2; y; let y = 3;
    fx.body(decl("total", num(1)), stmt(ident("totl")), decl("k", num(1), true),
            stmt(assign("k", num(2))), stmt(ident("y")), decl("y", num(3)));
    fx.run();
    INFO(fx.out);
    CHECK(fx.has("error[FLOW2001]: use of undeclared name 'totl'"));
    CHECK(fx.has("note: did you mean 'total'?"));
    CHECK(fx.has("error[FLOW2003]: cannot assign to 'k' because it is a constant"));
    CHECK(fx.has("error[FLOW2011]: 'y' is used before its declaration"));
    CHECK(fx.diags.errorCount() == 3);
}

TEST_CASE("sema.ast: a use inside a nested function is not a use before declaration") {
    Fixture fx;
    fx.body(funcDecl("f", {}, block(stmt(ident("later")))), decl("later", num(1)));
    fx.run();
    CHECK(fx.out == "");
}

TEST_CASE("sema.ast: redeclaration, duplicate params, return outside function") {
    Fixture fx;
    fx.body(decl("a", num(1)), decl("a", num(2)), funcDecl("f", {"p", "p"}, block()),
            mk<ast::Return>());
    fx.run();
    CHECK(fx.has("error[FLOW2002]: 'a' is already declared in this scope"));
    CHECK(fx.has("note: previous declaration of 'a' is here"));
    CHECK(fx.has("error[FLOW2012]: duplicate parameter name 'p'"));
    CHECK(fx.has("error[FLOW2008]: 'return' outside of a function"));
}

TEST_CASE("sema.ast: task and workflow checks through hand-built declarations") {
    Fixture fx;
    auto t = mk<ast::Task>();
    t->name = "charge";
    t->kind = "exec";
    t->params.push_back(mk<ast::IdentifierPattern>());
    t->params.back()->name = "order";
    auto path = mk<ast::StringLit>();
    path->value = "./bin/charge";
    t->args.push_back(std::move(path));
    auto opts = mk<ast::ObjectLit>();
    ast::Property p;
    p.key = "timeout";
    auto d = mk<ast::DurationLit>();
    d->millis = 30000;
    p.value = std::move(d);
    opts->props.push_back(std::move(p));
    ast::Property r;
    r.key = "retry";
    r.value = mk<ast::ObjectLit>();
    opts->props.push_back(std::move(r));
    t->args.push_back(std::move(opts));
    ast::Task* task = t.get();
    fx.body(std::move(t), stmt(call(ident("charge"))));
    fx.run();
    CHECK(task->target == "./bin/charge");
    CHECK(task->method == "");
    CHECK(
        task->optionsJson ==
        R"({"timeout":30000,"retry":[{"maxAttempts":3,"interval":1000,"backoffRate":2,"jitter":"none"}]})");
    CHECK(fx.has("error[FLOW3004]: task 'charge' takes 1 argument(s) but 0 were given"));
}

// ============================================================ source-based

namespace {

struct Src {
    std::string out;
    std::unique_ptr<Compilation> c;
    explicit Src(std::string text,
                 std::string path = FLOW_SOURCE_DIR "/tests/compiler/diag/t.flow") {
        CompileOptions o;
        o.stopAfter = Stage::Sema;
        c = compileSource(path, std::move(text), o, [this](std::string_view s) { out += s; });
    }
    bool has(const std::string& s) const { return out.find(s) != std::string::npos; }
    const SemaResult& sema() const {
        REQUIRE(c->sema);
        return *c->sema;
    }
    // The last symbol with this name (the entry file is analyzed last).
    Symbol* sym(const std::string& name) const {
        Symbol* found = nullptr;
        for (auto& s : sema().symbols)
            if (s->name == name) found = s.get();
        REQUIRE_MESSAGE(found, "no symbol " << name);
        return found;
    }
    FunctionScopeInfo* fn(const std::string& name) const {
        for (auto& f : sema().functions)
            if (f->fn->name == name) return f.get();
        FAIL("no function " << name);
        return nullptr;
    }
    std::vector<std::string> captureNames(const std::string& fnName) const {
        std::vector<std::string> v;
        for (auto* s : fn(fnName)->captures)
            v.push_back(s->name);
        return v;
    }
};

using Names = std::vector<std::string>;

} // namespace

TEST_CASE("sema.src: captures follow the first reference in source order") {
    Src s(R"(
function outer(p, q) {
  let a = 1, b = 2, unused = 3
  function mid() {
    const inner = () => b + p
    return a + inner()
  }
  return mid
}
)");
    CHECK(s.out == "");
    CHECK(s.captureNames("mid") == Names{"b", "p", "a"});
    CHECK(s.captureNames("outer").empty());
    CHECK(s.sym("a")->captured);
    CHECK(s.sym("p")->captured);
    CHECK_FALSE(s.sym("q")->captured);
    CHECK_FALSE(s.sym("unused")->captured);
    CHECK_FALSE(s.sym("inner")->captured); // used by its own owner only
    CHECK(s.sym("a")->owner == s.fn("outer")->fn);
    Names locals;
    for (auto* l : s.fn("outer")->locals)
        locals.push_back(l->name);
    CHECK(locals == Names{"p", "q", "a", "b", "unused", "mid"});
}

TEST_CASE("sema.src: module variables are numbered across files in file order") {
    Src s(R"(
import { limit, charge } from "./Inputs/lib.flow"
import * as lib from "./Inputs/lib.flow"
let first = limit
{ let nested = 2 }
function f() { let local = 1; return local }
task t(x) = exec("./t")
workflow w() { await charge(1) }
export { f }
)");
    CHECK(s.out == "");
    auto& mv = s.sema().modVars;
    Names names;
    for (auto* m : mv)
        names.push_back(m->name);
    // lib.flow first (limit, charge, child), then this file: hoisted top-level
    // declarations in source order. The nested block's binding is a local of
    // the file's init, not a module variable.
    CHECK(names == Names{"limit", "charge", "child", "first", "f", "t", "w"});
    CHECK(s.sym("nested")->modVar == UINT32_MAX);
    CHECK_FALSE(s.sym("nested")->isModuleLevel());
    for (uint32_t i = 0; i < mv.size(); ++i)
        CHECK(mv[i]->modVar == i);
    Symbol* imp = s.sym("charge"); // the import in this file
    CHECK(imp->kind == SymbolKind::Import);
    CHECK(imp->modVar == UINT32_MAX);
    REQUIRE(imp->importTarget);
    CHECK(imp->importTarget->kind == SymbolKind::Task);
    CHECK(imp->importTarget->modVar == 1);
    Symbol* ns = s.sym("lib");
    CHECK(ns->kind == SymbolKind::ImportNamespace);
    CHECK(ns->importFile == s.c->files[0]->id);
    CHECK(s.sym("local")->modVar == UINT32_MAX);
    CHECK_FALSE(s.sym("local")->isModuleLevel());
    auto& ex = s.sema().exports.at(s.c->files.back()->id);
    REQUIRE(ex.names.size() == 1);
    CHECK(ex.names[0].first == "f");
    CHECK(ex.names[0].second->exported);
    auto& libEx = s.sema().exports.at(s.c->files[0]->id);
    CHECK(libEx.find("child") != nullptr);
    CHECK(libEx.find("nope") == nullptr);
}

TEST_CASE("sema.src: loop bindings, jump targets, this and await") {
    Src s(R"(
async function g(xs, o) {
  let before = 0
  for (const x of xs) { let inBody = x }
  for (let i = 0; i < 3; i++) {}
  outer: while (true) {
    switch (before) { case 0: break; default: continue outer }
    break outer
  }
  lbl: { break lbl }
  const m = { k() { return () => this } }
  await sleep(1)
}
)");
    CHECK(s.out == "");
    CHECK_FALSE(s.sym("before")->inLoop);
    CHECK(s.sym("x")->inLoop);
    CHECK(s.sym("inBody")->inLoop);
    CHECK(s.sym("i")->inLoop);
    auto& body = s.c->files[0]->body[0]->as<ast::FunctionDecl>()->fn->body->body;
    auto* outer = body[3]->as<ast::Labeled>();
    REQUIRE(outer);
    auto* loop = outer->body->as<ast::While>();
    auto& loopBody = loop->body->as<ast::Block>()->body;
    auto* sw = loopBody[0]->as<ast::Switch>();
    CHECK(sw->cases[0].body[0]->as<ast::Break>()->target == sw);
    CHECK(sw->cases[1].body[0]->as<ast::Continue>()->target == loop);
    CHECK(loopBody[1]->as<ast::Break>()->target == loop);
    auto* lbl = body[4]->as<ast::Labeled>();
    CHECK(lbl->body->as<ast::Block>()->body[0]->as<ast::Break>()->target == lbl);
    CHECK(s.fn("g")->containsAwait);
    CHECK_FALSE(s.fn("g")->usesThis); // `this` belongs to the method k
    CHECK(s.fn("k")->usesThis);
    FunctionScopeInfo* arrowInfo = nullptr;
    for (auto& f : s.sema().functions)
        if (f->fn->kind == ast::FunctionKind::Arrow) arrowInfo = f.get();
    REQUIRE(arrowInfo);
    CHECK(arrowInfo->usesThis);
    CHECK(arrowInfo->parent == s.fn("k"));
    CHECK_FALSE(s.fn("k")->containsAwait);
}

TEST_CASE("sema.src: task and workflow options become canonical JSON") {
    Src s(R"(
task notify(who) = http("POST", "https://example.com/n", {
  headers: { B: "2", A: "1" },
  retry: [{ jitter: "full", on: ["Timeout"], maxAttempts: 5, interval: 1.5s }, { maxDelay: 1m }],
  timeout: 10s,
})
task run(x) = exec("./bin/run", { env: { K: "v" }, args: ["-v"], heartbeat: 500 })
task bare() = exec("./bin/bare")
workflow w() with { timeout: 7d } {}
workflow v() {}
)");
    CHECK(s.out == "");
    auto& b = s.c->files[0]->body;
    auto* notify = b[0]->as<ast::Task>();
    CHECK(notify->method == "POST");
    CHECK(notify->target == "https://example.com/n");
    CHECK(notify->optionsJson ==
          R"({"timeout":10000,"retry":[{"on":["Timeout"],"maxAttempts":5,"interval":1500,)"
          R"("backoffRate":2,"jitter":"full"},{"maxAttempts":3,"interval":1000,"backoffRate":2,)"
          R"("maxDelay":60000,"jitter":"none"}],"headers":{"B":"2","A":"1"}})");
    auto* run = b[1]->as<ast::Task>();
    CHECK(run->method == "");
    CHECK(run->target == "./bin/run");
    CHECK(run->optionsJson == R"({"heartbeat":500,"args":["-v"],"env":{"K":"v"}})");
    CHECK(b[2]->as<ast::Task>()->optionsJson == "{}");
    CHECK(b[3]->as<ast::Workflow>()->optionsJson == R"({"timeout":604800000})");
    CHECK(b[4]->as<ast::Workflow>()->optionsJson == "{}");
}

TEST_CASE("sema.src: names a program declares itself are not determinism errors") {
    Src s(R"(
function f(Date, fetch) { return Date.now() + fetch() }
const Math2 = { random() { return 4 } }
let undefinedCount = undefined
)");
    CHECK(s.out == "");
}

TEST_CASE("sema.src: every sema diagnostic") {
    struct Case {
        const char* code;
        const char* src;
        const char* message;
    };
    const Case cases[] = {
        {"FLOW2001", "let total = 1\ntotl", "use of undeclared name 'totl'"},
        {"FLOW2002", "let a = 1\nfunction a() {}", "'a' is already declared in this scope"},
        {"FLOW2002", "function f(x) { let x = 1 }", "'x' is already declared in this scope"},
        {"FLOW2002", "try {} catch (e) { let e = 1 }", "'e' is already declared in this scope"},
        {"FLOW2003", "const c = 1\nc++", "cannot assign to 'c' because it is a constant"},
        {"FLOW2003", "const c = 1\n;[c] = [2]", "cannot assign to 'c' because it is a constant"},
        {"FLOW2004", "function f() { await 1 }", "'await' is only allowed in async functions"},
        {"FLOW2004", "async function f() { const g = () => { await 1 } }", "'await' is only"},
        {"FLOW2005", "function f() { break }", "'break' is not inside a loop or switch"},
        {"FLOW2006", "while (true) { const f = () => { continue } }",
         "'continue' is not inside a loop"},
        {"FLOW2007", "while (true) { continue nowhere }", "undefined label 'nowhere'"},
        {"FLOW2008", "return 1", "'return' outside of a function"},
        {"FLOW2009", "function f() { return 1\n  let x = 2 }",
         "code after 'return' is unreachable"},
        {"FLOW2009", "while (true) { continue\n  f() }", "code after 'continue' is unreachable"},
        {"FLOW2010", "l: { while (true) { continue l } }",
         "'continue l' names a label that is not"},
        {"FLOW2011", "x = 1\nlet x = 0", "'x' is used before its declaration"},
        {"FLOW2011", "for (const v of v) {}", "'v' is used before its declaration"},
        {"FLOW2012", "const f = (a, {b, a}) => 1", "duplicate parameter name 'a'"},
        {"FLOW2013", "for (const i; ; ) {}", "'const' declaration of 'i' needs an initializer"},
        {"FLOW2014", "a: b: a: while (true) {}", "label 'a' is already in use"},
        {"FLOW2015", "import { limit } from \"./Inputs/lib.flow\"\nlimit++",
         "cannot assign to imported binding 'limit'"},
        {"FLOW2015", "import * as lib from \"./Inputs/lib.flow\"\nlib.limit = 1",
         "cannot assign to imported binding 'lib.limit'"},
        {"FLOW2016", "workflow w() {}\nw = 1", "cannot assign to 'w': it is a workflow"},
        {"FLOW2016", "undefined = 1", "cannot assign to 'undefined': it is a builtin"},
        {"FLOW3001", "task t() = exec(\"./t\", { retry: { tries: 1 } })",
         "unknown task option 'retry.tries'"},
        {"FLOW3002", "task t() = exec(\"./t\", { timeout: 1s, timeout: 2s })",
         "task option 'timeout' must be given only once"},
        {"FLOW3002", "task t() = exec(\"./t\", { retry: [1] })",
         "task option 'retry' must be a retry policy object"},
        {"FLOW3003", "task t() = grpc(\"x\")", "unknown task kind 'grpc'"},
        {"FLOW3004", "import { charge } from \"./Inputs/lib.flow\"\ncharge(1, 2)",
         "task 'charge' takes 1 argument(s) but 2 were given"},
        {"FLOW3005", "import * as lib from \"./Inputs/lib.flow\"\nstart lib.child()",
         "workflow 'child' takes 1 argument(s) but 0 were given"},
        {"FLOW3005", "workflow w(...xs) {}\nworkflow v(a) {}\nstart w()\nstart v(1, 2)",
         "workflow 'v' takes 1 argument(s) but 2 were given"},
        {"FLOW3006", "task t() = http(\"GET\", url)", "the URL of an http task must be a string"},
        {"FLOW3007", "import * as lib from \"./Inputs/lib.flow\"\nstart lib.charge(1)",
         "'start' needs a workflow, but 'charge' is a task"},
        {"FLOW3008", "import { child } from \"./Inputs/lib.flow\"\nchild(1)",
         "workflow 'child' cannot be called like a function"},
        {"FLOW3009", "if (true) { on \"x\" (e) => 1 }",
         "trigger ('on') declarations are only allowed"},
        {"FLOW3010", "const m = mock", "'mock' can only be used inside a test block"},
        {"FLOW3011", "workflow w() with { timeout: 1d, retry: {} } {}",
         "unknown workflow option 'retry'"},
        {"FLOW3012", "task t() = exec(\"./t\", { args: [...xs] })",
         "options of task 't' must be constants"},
        {"FLOW3013", "test \"a\" {}\ntest \"b\" {}\ntest \"a\" {}", "duplicate test name \"a\""},
        {"FLOW3014", "workflow w() with { timeout: true } {}", "workflow option 'timeout' must be"},
        {"FLOW4001", "const r = Math[\"random\"]()", "'Math.random()' is not deterministic"},
        {"FLOW4001", "setInterval(() => 1, 5)", "'setInterval' is not deterministic"},
        {"FLOW4001", "const t = performance.now()", "'performance.now()' is not deterministic"},
        {"FLOW4002", "const c = crypto", "'crypto' is not available in Flow"},
        {"FLOW4002", "const F = Function", "'Function' is not available in Flow"},
        {"FLOW5003", "import { nope } from \"./Inputs/lib.flow\"",
         "module './Inputs/lib.flow' has no export named 'nope'"},
        {"FLOW5004", "function f() {}\nexport { f, f }", "'f' is exported more than once"},
        {"FLOW5005", "export { ghost }", "cannot export 'ghost': nothing by that name"},
        {"FLOW5006", "{ import { a } from \"./Inputs/lib.flow\" }",
         "import declarations are only allowed at the top level"},
    };
    for (auto& c : cases) {
        std::string src = c.src;
        CAPTURE(src);
        Src s(c.src);
        CHECK_MESSAGE(s.has(std::string(c.code) + "]: " + c.message), s.out);
    }
}

TEST_CASE("sema.src: a clean program has no diagnostics and a did-you-mean has its limits") {
    Src clean(R"(
import { limit, charge as pay } from "./Inputs/lib.flow"
workflow main(order) {
  let n = 0
  const xs = [1, 2]
  for (const [i, v] of xs.entries()) n += i * v
  n ??= limit
  const handle = start main(order) with { timeout: 1h }
  await pay(order)
  return { n, handle }
}
on "order.created" (e) when (e.total > 0) => start main(e)
test "it works" {
  mock(pay, () => 1)
  clock.advance(1s)
  expect(1).toBe(1)
}
)");
    CHECK(clean.out == "");
    Src far("let alpha = 1\nzzzzzz");
    CHECK(far.has("use of undeclared name 'zzzzzz'"));
    CHECK_FALSE(far.has("did you mean"));
    Src caseTypo("const x = Json.parse(\"1\")");
    CHECK(caseTypo.has("did you mean the builtin 'JSON'?"));
}

TEST_CASE("sema.src: re-exports name the original declaration") {
    Src s(R"(
import { limit } from "./Inputs/lib.flow"
import * as lib from "./Inputs/lib.flow"
export { limit as L }
export { lib }
)");
    CHECK(s.has("FLOW5005]: cannot export 'lib'"));
    auto& libEx = s.sema().exports.at(s.c->files[0]->id);
    auto& ex = s.sema().exports.at(s.c->files.back()->id);
    REQUIRE(ex.names.size() == 1);
    CHECK(ex.names[0].first == "L");
    CHECK(ex.names[0].second == libEx.find("limit"));
    CHECK(ex.names[0].second->kind == SymbolKind::Const);
}

TEST_CASE("sema.src: broken programs give diagnostics, never a crash") {
    const char* programs[] = {
        "workflow w() { workflow v() { undefinedThing } }",
        "task t(a, a) = exec()",
        "task t() = http()",
        "task t() = exec(\"./t\", { retry: [{ on: [1] }, 3] })",
        "start 1",
        "start (() => 1)()",
        "l: l: l: for (;;) { break l }",
        "const { a, a } = {}",
        "for (const [x, x] of []) {}",
        "test \"t\" { test \"u\" {} }",
        "export { a, a }\nlet a = 1",
        "let x = x",
    };
    for (const char* p : programs) {
        std::string src = p;
        CAPTURE(src);
        Src s(p);
        CHECK(s.c->diags->hasErrors());
    }
}

TEST_CASE("sema.src: nested blocks of top-level code are locals of the file's init") {
    Src s("const fns = []\n"
          "for (let i = 0; i < 3; i++) fns.push(() => i)\n"
          "{ let x = 1; fns.push(() => x) }\n"
          "try { throw 1 } catch (e) { fns.push(() => e) }\n");
    CHECK(s.out == "");
    auto& inits = s.sema().fileInits;
    REQUIRE(inits.size() == 1);
    REQUIRE(inits[0]);
    FunctionScopeInfo* init = inits[0]->info;
    REQUIRE(init);
    CHECK(init->fn == inits[0].get());
    // Only the file's own scope is module-level.
    Symbol* fns = s.sym("fns");
    CHECK(fns->isModuleLevel());
    CHECK(fns->modVar != UINT32_MAX);
    for (const char* n : {"i", "x", "e"}) {
        Symbol* sym = s.sym(n);
        CAPTURE(n);
        CHECK(sym->owner == inits[0].get());
        CHECK(sym->modVar == UINT32_MAX);
        CHECK(sym->captured);
        CHECK(std::find(init->locals.begin(), init->locals.end(), sym) != init->locals.end());
    }
    CHECK(s.sym("i")->inLoop);
    CHECK_FALSE(s.sym("x")->inLoop);
    // The arrows capture from the init frame; fns stays a module variable.
    unsigned arrows = 0;
    for (auto& f : s.sema().functions) {
        if (f->parent != init) continue;
        ++arrows;
        REQUIRE(f->captures.size() == 1);
        CHECK(f->captures[0]->name != "fns");
    }
    CHECK(arrows == 3);
}

TEST_CASE("sema.src: named function expressions, holes and inferred names") {
    Src s("const g = function f(n) { return n ? f(n - 1) : 0 }\n"
          "const [a, , b] = [1, 2, 3]\n"
          "const h = () => a + b\n"
          "const o = { k: function () {} }\n");
    CHECK(s.out == "");
    Symbol* f = s.sym("f");
    CHECK(f->captured);
    CHECK(f->owner != nullptr); // the init's frame, not a module variable
    CHECK(s.fn("f")->captures.size() == 1);
    bool sawH = false, sawK = false;
    for (auto& fi : s.sema().functions) {
        if (fi->fn->inferredName == "h") sawH = true;
        if (fi->fn->inferredName == "k") sawK = true;
    }
    CHECK(sawH);
    CHECK(sawK);
}
