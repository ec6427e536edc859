// Parser.test.cpp — the grammar + AST builder through the public API:
// compileSource(stopAfter = Parse), then the AST dump and the diagnostics.
#include <doctest/doctest.h>

#include <string>

#include "flow/compiler/Compiler.h"

using namespace flow::compiler;

namespace {

struct Parsed {
    std::string ast;   // dumpAst of the file ("" when it did not parse)
    std::string diags; // everything the engine printed
    unsigned errors = 0;
    const flow::ast::File* file = nullptr;
    std::unique_ptr<Compilation> c;
};

Parsed parse(const std::string& src) {
    Parsed p;
    CompileOptions opts;
    opts.stopAfter = Stage::Parse;
    opts.errorLimit = 100;
    p.c = compileSource("test.flow", src, opts, [&](std::string_view s) { p.diags += s; });
    p.errors = p.c->diags->errorCount();
    if (!p.c->files.empty()) {
        p.file = p.c->files.back().get();
        p.ast = dumpAst(*p.file, p.c->sources);
    }
    return p;
}

bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Lines of `expected` must appear in `ast`, in order (not necessarily adjacent).
bool inOrder(const std::string& ast, std::initializer_list<const char*> expected) {
    size_t pos = 0;
    for (const char* e : expected) {
        size_t at = ast.find(e, pos);
        if (at == std::string::npos) return false;
        pos = at + 1;
    }
    return true;
}

} // namespace

TEST_CASE("parser: precedence and associativity come from the flat operator lists") {
    auto p = parse("x = 1 + 2 * 3 ** 2 ** 2 - 4\n");
    REQUIRE(p.errors == 0);
    CHECK(inOrder(p.ast, {"Binary 1:5 -", "Binary 1:5 +", "NumberLit 1:5 1", "Binary 1:9 *",
                          "NumberLit 1:9 2", "Binary 1:13 **", "NumberLit 1:13 3", "Binary 1:18 **",
                          "NumberLit 1:27 4"}));
    auto q = parse("y = a ?? b\nz = a || b && c\n");
    CHECK(q.errors == 0);
    CHECK(inOrder(q.ast, {"Logical 1:5 ??", "Logical 2:5 ||", "Logical 2:10 &&"}));
}

TEST_CASE("parser: mixing ?? with || and -a ** b are rejected like JavaScript") {
    auto p = parse("x = a ?? b || c\n");
    CHECK(has(p.diags, "error[FLOW1001]: '?\?' cannot be mixed with '&&' or '||'"));
    auto q = parse("x = -a ** 2\n");
    CHECK(has(q.diags, "a unary operator before '**' needs parentheses"));
}

TEST_CASE("parser: automatic semicolon insertion and restricted productions") {
    auto p = parse("function f() {\n  return\n  1\n}\nlet a = 1\nlet b = a\n  + 2\na\n++b\n");
    REQUIRE(p.errors == 0);
    CHECK(inOrder(p.ast, {"Return 2:3", "ExprStmt 3:3", "NumberLit 3:3 1"}));
    CHECK(has(p.ast, "Binary 6:9 +"));         // the expression continues on line 7
    CHECK(has(p.ast, "Update 9:1 ++ prefix")); // `a\n++b` is two statements
    auto q = parse("let a = 1 let b = 2\n");
    CHECK(has(q.diags, "error[FLOW1001]: expected ';' or a newline before 'let'"));
}

TEST_CASE("parser: contextual keywords are names where unambiguous") {
    auto p = parse("let workflow = 1, task = 2, on = 3, test = 4, start = 5, from = 6, of = 7\n"
                   "workflow = task + on\nstart(1)\nfor (const of of [of]) {}\n");
    CHECK(p.errors == 0);
    CHECK(has(p.ast, "IdentifierPattern 1:5 workflow"));
    CHECK(has(p.ast, "callee: Identifier 3:1 start"));
    CHECK(has(p.ast, "IdentifierPattern 4:12 of"));
}

TEST_CASE("parser: workflow additions") {
    auto p = parse(
        "task charge(order, amount) = exec(\"./c\", { timeout: 30s })\n"
        "workflow main(x) with { timeout: 7d } { const h = start main(x) with { timeout: 1h } }\n"
        "on \"order.created\" (e) when (e.ok) => start main(e)\n"
        "test \"works\" { await sleep(5m) }\n");
    REQUIRE(p.errors == 0);
    CHECK(has(p.ast, "Task 1:1 charge kind=exec param=order param=amount"));
    CHECK(has(p.ast, "DurationLit 1:53 30s = 30000ms"));
    CHECK(has(p.ast, "Workflow 2:1 main"));
    CHECK(has(p.ast, "DurationLit 2:34 7d = 604800000ms"));
    CHECK(has(p.ast, "init: Start 2:51"));
    CHECK(has(p.ast, "Trigger 3:1 \"order.created\""));
    CHECK(has(p.ast, "when: Member 3:30 .ok"));
    CHECK(has(p.ast, "Test 4:1 \"works\""));
    REQUIRE(p.file->body.size() == 4);
    auto* wf = p.file->body[1]->as<flow::ast::Workflow>();
    REQUIRE(wf);
    CHECK(wf->fn->isAsync);
    CHECK(wf->fn->kind == flow::ast::FunctionKind::Workflow);
    CHECK(wf->options != nullptr);
}

TEST_CASE("parser: literals are decoded") {
    auto p = parse("let a = [1_000, 0x1F, 0o17, 0b101, .5, 1e3, 1.5h, 250ms]\n"
                   "let s = \"\\u{1F600}\\uD83D\\uDE00\\uD800\\x41\"\n"
                   "let o = { 1.0: 1, 1e21: 2 }\n");
    REQUIRE(p.errors == 0);
    CHECK(inOrder(p.ast, {"NumberLit 1:10 1000", "NumberLit 1:17 31", "NumberLit 1:23 15",
                          "NumberLit 1:29 5", "NumberLit 1:36 0.5", "NumberLit 1:40 1000",
                          "DurationLit 1:45 1.5h = 5400000ms", "DurationLit 1:51 250ms = 250ms"}));
    auto* decl = p.file->body[1]->as<flow::ast::VarDecl>();
    REQUIRE(decl);
    auto* str = decl->decls[0].init->as<flow::ast::StringLit>();
    REQUIRE(str);
    // Two emoji (4-byte UTF-8 each), a lone surrogate kept as WTF-8, then 'A'.
    CHECK(str->value == "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xED\xA0\x80"
                        "A");
    CHECK(inOrder(p.ast, {"key=\"1\"", "key=\"1e+21\""}));
}

TEST_CASE("parser: destructuring targets from array and object literals") {
    auto p = parse("[a, b = 1, ...c] = xs\n;({ k: o.p, m = 2, ...r } = src)\n");
    REQUIRE(p.errors == 0);
    CHECK(inOrder(p.ast, {"ArrayPattern 1:1", "IdentifierPattern 1:2 a", "default: NumberLit",
                          "rest: IdentifierPattern 1:15 c", "ObjectPattern 2:3", "ExprPattern",
                          "Member 2:8 .p", "key=\"m\" shorthand", "rest: IdentifierPattern"}));
    auto q = parse("let o = { a = 1 }\n");
    CHECK(has(q.diags, "'=' in an object literal is only allowed in destructuring patterns"));
}

TEST_CASE("parser: several syntax errors in one run, with positions") {
    auto p = parse("let a = 1 +;\nlet ok = 2\nlet b = (1, 2\nfunction f() {}\n}\n");
    CHECK(p.errors == 3);
    CHECK(has(p.diags, "test.flow:1:12: error[FLOW1001]: unexpected ';'"));
    CHECK(
        has(p.diags, "test.flow:4:1: error[FLOW1001]: unexpected 'function': expected ')' or ','"));
    CHECK(has(p.diags, "test.flow:5:1: error[FLOW1001]: unexpected '}'"));
}

TEST_CASE("parser: unsupported JavaScript gets FLOW1007 with a hint") {
    auto p = parse("var x = 1\nlet r = /a+/\nlet h = [1,,2]\n");
    CHECK(has(p.diags, "error[FLOW1007]: 'var' is not supported in Flow; use let or const"));
    CHECK(has(p.diags, "error[FLOW1007]: a regular expression literal is not supported"));
    CHECK(has(p.diags, "error[FLOW1007]: an array hole"));
    CHECK(p.errors == 3);
}

TEST_CASE("parser: top-level-only forms are parsed anywhere and reported when nested") {
    auto p = parse("function f() {\n  workflow w() {}\n  task t() = exec(\"x\")\n"
                   "  import { a } from \"./a.flow\"\n  test \"t\" {}\n}\n");
    CHECK(has(p.diags, "test.flow:2:3: error[FLOW3009]: workflow declarations are only allowed"));
    CHECK(has(p.diags, "test.flow:3:3: error[FLOW3009]: task declarations"));
    CHECK(has(p.diags, "test.flow:4:3: error[FLOW5006]: import declarations are only allowed"));
    CHECK(has(p.diags, "test.flow:5:3: error[FLOW3009]: test declarations"));
}

TEST_CASE("parser: invalid assignment targets") {
    auto p = parse("1 = 2\nf() += 1\n++g()\nx?.y = 1\n");
    CHECK(p.errors == 4);
    CHECK(has(p.diags, "test.flow:1:1: error[FLOW1008]: invalid assignment target"));
    CHECK(has(p.diags, "test.flow:4:1: error[FLOW1008]"));
}

TEST_CASE("parser: pre-checks (UTF-8, empty file) and literal errors") {
    CHECK(has(parse("let s = \"\xC3\x28\"\n").diags,
              "error[FLOW1005]: source is not valid UTF-8: invalid byte 0xC3"));
    CHECK(has(parse("  // only a comment\n\n").diags, "error[FLOW1006]"));
    CHECK(has(parse("let d = 5min\n").diags, "error[FLOW1009]: invalid duration literal '5min'"));
    CHECK(has(parse("let n = 1__0\n").diags, "error[FLOW1002]: invalid number literal '1__0'"));
    CHECK(has(parse("let s = \"\\u{110000}\"\n").diags, "error[FLOW1003]"));
    CHECK(has(parse("let s = \"abc\n").diags, "error[FLOW1004]"));
    CHECK(has(parse("let a = 1 /* open\n").diags, "error[FLOW1011]"));
}

TEST_CASE("parser: deep and long inputs are rejected cleanly, never a crash") {
    std::string deep = "let x = " + std::string(10000, '(') + "1" + std::string(10000, ')') + "\n";
    CHECK(has(parse(deep).diags, "error[FLOW1010]: nesting is too deep (more than 256 levels)"));
    std::string chain = "let x = 1";
    for (int i = 0; i < 5000; ++i)
        chain += "+1";
    CHECK(has(parse(chain).diags, "error[FLOW1012]"));
    std::string arrows = "let f = ";
    for (int i = 0; i < 3000; ++i)
        arrows += "x =>\n";
    arrows += "1\n";
    CHECK(has(parse(arrows).diags, "error[FLOW1010]"));
    // Long but flat is fine: 20,000 statements on one line.
    std::string flat;
    for (int i = 0; i < 20000; ++i)
        flat += "a = a + 1; ";
    auto p = parse("let a = 0\n" + flat + "\n");
    CHECK(p.errors == 0);
    CHECK(p.file->body.size() == 20001);
}

TEST_CASE("parser: node kind names") {
    CHECK(std::string(flow::ast::nodeKindName(flow::ast::NodeKind::OptionalChain)) ==
          "OptionalChain");
    CHECK(std::string(flow::ast::nodeKindName(flow::ast::NodeKind::ExportList)) == "ExportList");
}
