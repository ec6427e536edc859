// AstDump.cpp — `flowc --emit=ast`: one node per line, indented two spaces per
// level, as `[role: ]Kind line:col key-data`. Golden tests (tests/compiler/ast)
// depend on this layout: change it only together with them
// (`check-flow-update` regenerates them).
#include <algorithm>
#include <cstdio>

#include "flow/compiler/Compiler.h"
#include "parse/Literals.h"

namespace flow::ast {

const char* nodeKindName(NodeKind k) {
    switch (k) {
#define K(X)                                                                                       \
    case NodeKind::X:                                                                              \
        return #X;
        K(NumberLit)
        K(StringLit)
        K(TemplateLit) K(DurationLit) K(BoolLit) K(NullLit) K(Identifier) K(This) K(ArrayLit)
            K(ObjectLit) K(Function) K(Unary) K(Update) K(Binary) K(Logical) K(Conditional)
                K(Assign) K(Sequence) K(Call) K(New) K(Member) K(Index) K(OptionalChain) K(Await)
                    K(Spread) K(Start) K(IdentifierPattern) K(ExprPattern) K(ArrayPattern)
                        K(ObjectPattern) K(VarDecl) K(FunctionDecl) K(Return) K(If) K(For) K(ForOf)
                            K(ForIn) K(While) K(DoWhile) K(Break) K(Continue) K(Throw) K(Try)
                                K(Switch) K(Labeled) K(Block) K(ExprStmt) K(Empty) K(Workflow)
                                    K(Task) K(Trigger) K(Test) K(Import) K(ExportList)
#undef K
    }
    return "?";
}

} // namespace flow::ast

namespace flow::compiler {

namespace {

using namespace ast;

const char* binaryOpText(BinaryOp op) {
    static const char* names[] = {
        "+", "-",  "*",  "/",   "%",   "**", "<<", ">>", ">>>", "&",  "|",
        "^", "==", "!=", "===", "!==", "<",  "<=", ">",  ">=",  "in", "instanceof"};
    return names[size_t(op)];
}
const char* logicalOpText(LogicalOp op) {
    static const char* names[] = {"&&", "||", "?\?"};
    return names[size_t(op)];
}
const char* assignOpText(AssignOp op) {
    static const char* names[] = {"=",   "+=",   "-=", "*=", "/=", "%=",  "**=", "<<=",
                                  ">>=", ">>>=", "&=", "|=", "^=", "&&=", "||=", "?\?="};
    return names[size_t(op)];
}
const char* unaryOpText(UnaryOp op) {
    static const char* names[] = {"-", "+", "!", "~", "typeof", "void", "delete"};
    return names[size_t(op)];
}
const char* functionKindText(FunctionKind k) {
    static const char* names[] = {"declaration", "expression", "arrow", "method",
                                  "workflow",    "trigger",    "test"};
    return names[size_t(k)];
}

// A string as a JSON-like literal: quotes, backslash escapes, \uXXXX for
// control characters; other bytes (UTF-8) as they are.
std::string quote(const std::string& s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        // A lone surrogate (WTF-8: ED A0..BF xx) is not printable UTF-8.
        if (c == 0xED && i + 2 < s.size() && (uint8_t(s[i + 1]) & 0xE0) == 0xA0) {
            unsigned cp = 0xD000 | ((uint8_t(s[i + 1]) & 0x3F) << 6) | (uint8_t(s[i + 2]) & 0x3F);
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04X", cp);
            out += buf;
            i += 2;
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7F) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04X", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out + "\"";
}

class Dumper {
public:
    // Line starts are computed once: asking the SourceManager per node costs
    // O(column) each, quadratic on a long single-line file.
    Dumper(const SourceManager& sm, uint32_t file) {
        std::string_view text = sm.text(file);
        lineStarts_.push_back(0);
        for (size_t i = 0; i < text.size(); ++i)
            if (text[i] == '\n') lineStarts_.push_back(uint32_t(i + 1));
    }
    std::string out;

    void line(int depth, const char* role, const char* kind, SourceRange r,
              const std::string& data) {
        out.append(size_t(depth) * 2, ' ');
        // Appends, not `" " + std::to_string(l)`: g++ 12 at -O3 reports a
        // false -Wrestrict inside char_traits for that form (a Release build).
        if (role) {
            out += role;
            out += ": ";
        }
        out += kind;
        auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), r.begin);
        size_t l = size_t(it - lineStarts_.begin());
        size_t c = r.begin - *std::prev(it) + 1;
        out += ' ';
        out += std::to_string(l);
        out += ':';
        out += std::to_string(c);
        if (!data.empty()) {
            out += ' ';
            out += data;
        }
        out += '\n';
    }

    void expr(const Expr* e, int d, const char* role = nullptr);
    void pattern(const Pattern* p, int d, const char* role = nullptr);
    void stmt(const Stmt* s, int d, const char* role = nullptr);
    void function(const FunctionNode& fn, int d, const char* role = nullptr);
    void element(const PatternElement& pe, int d) {
        pattern(pe.target.get(), d);
        if (pe.init) expr(pe.init.get(), d + 1, "default");
    }

private:
    std::vector<uint32_t> lineStarts_;
};

void Dumper::function(const FunctionNode& fn, int d, const char* role) {
    std::string data = functionKindText(fn.kind);
    if (!fn.name.empty()) data += " name=" + fn.name;
    if (fn.isAsync) data += " async";
    line(d, role, "FunctionNode", fn.range, data);
    for (auto& p : fn.params) {
        pattern(p.target.get(), d + 1, "param");
        if (p.init) expr(p.init.get(), d + 2, "default");
    }
    if (fn.rest) pattern(fn.rest.get(), d + 1, "rest");
    if (fn.body) stmt(fn.body.get(), d + 1, "body");
    if (fn.exprBody) expr(fn.exprBody.get(), d + 1, "body");
}

void Dumper::expr(const Expr* e, int d, const char* role) {
    if (!e) return;
    const char* k = nodeKindName(e->kind);
    SourceRange r = e->range;
    switch (e->kind) {
    case NodeKind::NumberLit:
        line(d, role, k, r, parse::jsNumberToString(e->as<NumberLit>()->value));
        return;
    case NodeKind::StringLit:
        line(d, role, k, r, quote(e->as<StringLit>()->value));
        return;
    case NodeKind::DurationLit: {
        auto* n = e->as<DurationLit>();
        line(d, role, k, r, n->text + " = " + parse::jsNumberToString(n->millis) + "ms");
        return;
    }
    case NodeKind::BoolLit:
        line(d, role, k, r, e->as<BoolLit>()->value ? "true" : "false");
        return;
    case NodeKind::NullLit:
    case NodeKind::This:
        line(d, role, k, r, "");
        return;
    case NodeKind::Identifier:
        line(d, role, k, r, e->as<Identifier>()->name);
        return;
    case NodeKind::TemplateLit: {
        auto* n = e->as<TemplateLit>();
        std::string q;
        for (size_t i = 0; i < n->quasis.size(); ++i)
            q += (i ? ", " : "") + quote(n->quasis[i]);
        line(d, role, k, r, "[" + q + "]");
        for (auto& x : n->exprs)
            expr(x.get(), d + 1);
        return;
    }
    case NodeKind::ArrayLit:
        line(d, role, k, r, "");
        for (auto& x : e->as<ArrayLit>()->elements)
            expr(x.get(), d + 1);
        return;
    case NodeKind::ObjectLit:
        line(d, role, k, r, "");
        for (auto& p : e->as<ObjectLit>()->props) {
            static const char* kinds[] = {"init", "shorthand", "method", "spread"};
            std::string data = kinds[size_t(p.kind)];
            if (p.kind != Property::Kind::Spread && !p.computedKey) data += " key=" + quote(p.key);
            line(d + 1, nullptr, "Property", p.range, data);
            if (p.computedKey) expr(p.computedKey.get(), d + 2, "key");
            expr(p.value.get(), d + 2);
        }
        return;
    case NodeKind::Function:
        function(*e->as<FunctionExpr>()->fn, d, role);
        return;
    case NodeKind::Unary: {
        auto* n = e->as<Unary>();
        line(d, role, k, r, unaryOpText(n->op));
        expr(n->operand.get(), d + 1);
        return;
    }
    case NodeKind::Update: {
        auto* n = e->as<Update>();
        line(d, role, k, r,
             std::string(n->increment ? "++" : "--") + (n->prefix ? " prefix" : " postfix"));
        expr(n->target.get(), d + 1);
        return;
    }
    case NodeKind::Binary: {
        auto* n = e->as<Binary>();
        line(d, role, k, r, binaryOpText(n->op));
        expr(n->lhs.get(), d + 1);
        expr(n->rhs.get(), d + 1);
        return;
    }
    case NodeKind::Logical: {
        auto* n = e->as<Logical>();
        line(d, role, k, r, logicalOpText(n->op));
        expr(n->lhs.get(), d + 1);
        expr(n->rhs.get(), d + 1);
        return;
    }
    case NodeKind::Conditional: {
        auto* n = e->as<Conditional>();
        line(d, role, k, r, "");
        expr(n->test.get(), d + 1, "test");
        expr(n->consequent.get(), d + 1, "then");
        expr(n->alternate.get(), d + 1, "else");
        return;
    }
    case NodeKind::Assign: {
        auto* n = e->as<Assign>();
        line(d, role, k, r, assignOpText(n->op));
        pattern(n->target.get(), d + 1);
        expr(n->value.get(), d + 1);
        return;
    }
    case NodeKind::Sequence:
        line(d, role, k, r, "");
        for (auto& x : e->as<Sequence>()->exprs)
            expr(x.get(), d + 1);
        return;
    case NodeKind::Call: {
        auto* n = e->as<Call>();
        line(d, role, k, r, n->optional ? "optional" : "");
        expr(n->callee.get(), d + 1, "callee");
        for (auto& x : n->args)
            expr(x.get(), d + 1);
        return;
    }
    case NodeKind::New: {
        auto* n = e->as<New>();
        line(d, role, k, r, "");
        expr(n->callee.get(), d + 1, "callee");
        for (auto& x : n->args)
            expr(x.get(), d + 1);
        return;
    }
    case NodeKind::Member: {
        auto* n = e->as<Member>();
        line(d, role, k, r, "." + n->name + (n->optional ? " optional" : ""));
        expr(n->object.get(), d + 1);
        return;
    }
    case NodeKind::Index: {
        auto* n = e->as<Index>();
        line(d, role, k, r, n->optional ? "optional" : "");
        expr(n->object.get(), d + 1);
        expr(n->index.get(), d + 1, "index");
        return;
    }
    case NodeKind::OptionalChain:
        line(d, role, k, r, "");
        expr(e->as<OptionalChain>()->expr.get(), d + 1);
        return;
    case NodeKind::Await:
        line(d, role, k, r, "");
        expr(e->as<Await>()->expr.get(), d + 1);
        return;
    case NodeKind::Spread:
        line(d, role, k, r, "");
        expr(e->as<Spread>()->expr.get(), d + 1);
        return;
    case NodeKind::Start: {
        auto* n = e->as<Start>();
        line(d, role, k, r, "");
        expr(n->callee.get(), d + 1, "callee");
        for (auto& x : n->args)
            expr(x.get(), d + 1);
        if (n->options) expr(n->options.get(), d + 1, "options");
        return;
    }
    default:
        line(d, role, k, r, "?");
        return;
    }
}

void Dumper::pattern(const Pattern* p, int d, const char* role) {
    if (!p) return;
    const char* k = nodeKindName(p->kind);
    switch (p->kind) {
    case NodeKind::IdentifierPattern:
        line(d, role, k, p->range, p->as<IdentifierPattern>()->name);
        return;
    case NodeKind::ExprPattern:
        line(d, role, k, p->range, "");
        expr(p->as<ExprPattern>()->expr.get(), d + 1);
        return;
    case NodeKind::ArrayPattern: {
        auto* n = p->as<ArrayPattern>();
        line(d, role, k, p->range, "");
        for (auto& el : n->elements)
            element(el, d + 1);
        if (n->rest) pattern(n->rest.get(), d + 1, "rest");
        return;
    }
    case NodeKind::ObjectPattern: {
        auto* n = p->as<ObjectPattern>();
        line(d, role, k, p->range, "");
        for (auto& pp : n->props) {
            std::string data = pp.computedKey ? "computed" : "key=" + quote(pp.key);
            if (pp.shorthand) data += " shorthand";
            line(d + 1, nullptr, "PropertyPattern", pp.range, data);
            if (pp.computedKey) expr(pp.computedKey.get(), d + 2, "key");
            element(pp.value, d + 2);
        }
        if (n->rest) pattern(n->rest.get(), d + 1, "rest");
        return;
    }
    default:
        line(d, role, k, p->range, "?");
        return;
    }
}

void Dumper::stmt(const Stmt* s, int d, const char* role) {
    if (!s) return;
    const char* k = nodeKindName(s->kind);
    SourceRange r = s->range;
    switch (s->kind) {
    case NodeKind::VarDecl: {
        auto* n = s->as<VarDecl>();
        line(d, role, k, r,
             std::string(n->declKind == DeclKind::Const ? "const" : "let") +
                 (n->exported ? " exported" : ""));
        for (auto& dc : n->decls) {
            pattern(dc.target.get(), d + 1);
            if (dc.init) expr(dc.init.get(), d + 1, "init");
        }
        return;
    }
    case NodeKind::FunctionDecl: {
        auto* n = s->as<FunctionDecl>();
        line(d, role, k, r, n->exported ? "exported" : "");
        function(*n->fn, d + 1);
        return;
    }
    case NodeKind::Return:
        line(d, role, k, r, "");
        expr(s->as<Return>()->value.get(), d + 1);
        return;
    case NodeKind::If: {
        auto* n = s->as<If>();
        line(d, role, k, r, "");
        expr(n->test.get(), d + 1, "test");
        stmt(n->consequent.get(), d + 1, "then");
        stmt(n->alternate.get(), d + 1, "else");
        return;
    }
    case NodeKind::For: {
        auto* n = s->as<For>();
        line(d, role, k, r, "");
        stmt(n->init.get(), d + 1, "init");
        expr(n->test.get(), d + 1, "test");
        expr(n->update.get(), d + 1, "update");
        stmt(n->body.get(), d + 1, "body");
        return;
    }
    case NodeKind::ForOf:
    case NodeKind::ForIn: {
        auto* n = static_cast<const ForEachBase*>(s);
        std::string data =
            n->hasDecl ? (n->declKind == DeclKind::Const ? "const" : "let") : "assign";
        line(d, role, k, r, data);
        pattern(n->target.get(), d + 1);
        expr(n->iterable.get(), d + 1);
        stmt(n->body.get(), d + 1, "body");
        return;
    }
    case NodeKind::While: {
        auto* n = s->as<While>();
        line(d, role, k, r, "");
        expr(n->test.get(), d + 1, "test");
        stmt(n->body.get(), d + 1, "body");
        return;
    }
    case NodeKind::DoWhile: {
        auto* n = s->as<DoWhile>();
        line(d, role, k, r, "");
        stmt(n->body.get(), d + 1, "body");
        expr(n->test.get(), d + 1, "test");
        return;
    }
    case NodeKind::Break:
        line(d, role, k, r, s->as<Break>()->label);
        return;
    case NodeKind::Continue:
        line(d, role, k, r, s->as<Continue>()->label);
        return;
    case NodeKind::Throw:
        line(d, role, k, r, "");
        expr(s->as<Throw>()->value.get(), d + 1);
        return;
    case NodeKind::Try: {
        auto* n = s->as<Try>();
        line(d, role, k, r, "");
        stmt(n->block.get(), d + 1, "block");
        if (n->hasCatch) {
            if (n->catchParam) pattern(n->catchParam.get(), d + 1, "param");
            stmt(n->handler.get(), d + 1, "catch");
        }
        stmt(n->finalizer.get(), d + 1, "finally");
        return;
    }
    case NodeKind::Switch: {
        auto* n = s->as<Switch>();
        line(d, role, k, r, "");
        expr(n->discriminant.get(), d + 1);
        for (auto& c : n->cases) {
            line(d + 1, nullptr, c.test ? "Case" : "Default", c.range, "");
            if (c.test) expr(c.test.get(), d + 2, "test");
            for (auto& b : c.body)
                stmt(b.get(), d + 2);
        }
        return;
    }
    case NodeKind::Labeled:
        line(d, role, k, r, s->as<Labeled>()->label);
        stmt(s->as<Labeled>()->body.get(), d + 1);
        return;
    case NodeKind::Block:
        line(d, role, k, r, "");
        for (auto& b : s->as<Block>()->body)
            stmt(b.get(), d + 1);
        return;
    case NodeKind::ExprStmt:
        line(d, role, k, r, "");
        expr(s->as<ExprStmt>()->expr.get(), d + 1);
        return;
    case NodeKind::Empty:
        line(d, role, k, r, "");
        return;
    case NodeKind::Workflow: {
        auto* n = s->as<Workflow>();
        line(d, role, k, r, n->fn->name + (n->exported ? " exported" : ""));
        if (n->options) expr(n->options.get(), d + 1, "options");
        function(*n->fn, d + 1);
        return;
    }
    case NodeKind::Task: {
        auto* n = s->as<Task>();
        std::string data = n->name + " kind=" + n->kind;
        for (auto& p : n->params)
            data += " param=" + p->name;
        if (n->exported) data += " exported";
        line(d, role, k, r, data);
        for (auto& a : n->args)
            expr(a.get(), d + 1);
        return;
    }
    case NodeKind::Trigger: {
        auto* n = s->as<Trigger>();
        line(d, role, k, r, quote(n->eventType));
        if (n->condition) expr(n->condition.get(), d + 1, "when");
        function(*n->fn, d + 1);
        return;
    }
    case NodeKind::Test: {
        auto* n = s->as<Test>();
        line(d, role, k, r, quote(n->name));
        function(*n->fn, d + 1);
        return;
    }
    case NodeKind::Import: {
        auto* n = s->as<Import>();
        std::string data = "from " + quote(n->source);
        if (!n->namespaceName.empty()) data += " * as " + n->namespaceName;
        line(d, role, k, r, data);
        for (auto& sp : n->specs)
            line(d + 1, nullptr, "ImportSpec", sp.range,
                 sp.imported == sp.local ? sp.imported : sp.imported + " as " + sp.local);
        return;
    }
    case NodeKind::ExportList: {
        auto* n = s->as<ExportList>();
        line(d, role, k, r, "");
        for (auto& sp : n->specs)
            line(d + 1, nullptr, "ExportSpec", sp.range,
                 sp.local == sp.exported ? sp.local : sp.local + " as " + sp.exported);
        return;
    }
    default:
        line(d, role, k, r, "?");
        return;
    }
}

} // namespace

std::string dumpAst(const File& file, const SourceManager& sm) {
    Dumper dumper(sm, file.id);
    std::string name = file.path;
    if (auto slash = name.find_last_of('/'); slash != std::string::npos)
        name = name.substr(slash + 1);
    dumper.out = "File " + name + "\n";
    for (auto& s : file.body)
        dumper.stmt(s.get(), 1);
    return std::move(dumper.out);
}

} // namespace flow::compiler
