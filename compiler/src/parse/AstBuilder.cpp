// AstBuilder.cpp — statements, declarations, functions and patterns: parse
// tree -> AST (see AstBuilder.h; expressions are in ExprBuilder.cpp, the
// parsing pipeline in ParseDriver.cpp).
#include "AstBuilder.h"

#include <algorithm>

#include "Literals.h"

namespace flow::compiler::parse {

using namespace ast;
using antlr4::tree::TerminalNode;
using P = grammar::FlowParser;

// ---------------------------------------------------------------- positions

void OffsetMap::addMultiByte(uint32_t cpIndex, uint32_t extraBytes) {
    uint32_t total = (marks_.empty() ? 0 : marks_.back().second) + extraBytes;
    marks_.emplace_back(cpIndex + 1, total);
}

uint32_t OffsetMap::searchOffset(size_t cp) const {
    // Extra bytes of all multi-byte code points before `cp`.
    auto it = std::upper_bound(marks_.begin(), marks_.end(), uint32_t(cp),
                               [](uint32_t v, const auto& m) { return v < m.first; });
    uint32_t extra = it == marks_.begin() ? 0 : std::prev(it)->second;
    return uint32_t(cp) + extra;
}

SourceRange AstBuilder::range(antlr4::Token* first, antlr4::Token* last) const {
    SourceRange r{file_, 0, 0};
    if (!first) return r;
    size_t start = first->getStartIndex();
    r.begin = map_.byteOffset(start);
    size_t lastStop = last ? last->getStopIndex() : 0;
    if (!last || lastStop + 1 < start || last->getType() == antlr4::Token::EOF) {
        r.end = r.begin;
        if (first->getType() != antlr4::Token::EOF)
            r.end = map_.byteOffset(first->getStopIndex() + 1);
        return r;
    }
    r.end = map_.byteOffset(lastStop + 1);
    return r;
}

SourceRange AstBuilder::range(antlr4::ParserRuleContext* ctx) const {
    return range(ctx->getStart(), ctx->getStop());
}

std::string_view AstBuilder::text(antlr4::Token* t) const {
    if (t->getType() == antlr4::Token::EOF) return {};
    uint32_t b = map_.byteOffset(t->getStartIndex());
    uint32_t e = map_.byteOffset(t->getStopIndex() + 1);
    if (b > src_.size() || e > src_.size() || e < b) return {};
    return src_.substr(b, e - b);
}

// ---------------------------------------------------------------- statements

StmtPtr AstBuilder::topLevel(P::StatementContext* ctx) {
    StmtPtr s = statement(ctx, true);
    // Object literals with `{a = 1}` that never became a pattern.
    for (auto& [expr, r] : coverInits_) {
        (void)expr;
        error(DiagId::SyntaxError, r,
              {"'=' in an object literal is only allowed in destructuring patterns (use ':' for a "
               "property value)"});
    }
    coverInits_.clear();
    for (auto& [expr, r] : holes_) {
        (void)expr;
        unsupported(r, "an array hole (an empty element)",
                    "write undefined explicitly: [1, undefined, 2]");
    }
    holes_.clear();
    return s;
}

StmtPtr AstBuilder::statement(P::StatementContext* ctx, bool top) {
    DepthGuard g(*this);
    SourceRange r = range(ctx);
    if (tooDeep(r)) return node<Empty>(r);
    StmtPtr s = statementBody(ctx, top);
    if (!s) s = node<Empty>(r);
    return s;
}

std::unique_ptr<Block> AstBuilder::block(antlr4::ParserRuleContext* ctx) {
    auto b = node<Block>(range(ctx));
    b->body.reserve(ctx->children.size());
    for (auto* c : ctx->children)
        if (ruleOf(c) == P::RuleStatement)
            b->body.push_back(statement(static_cast<P::StatementContext*>(c), false));
    return b;
}

StmtPtr AstBuilder::statementBody(P::StatementContext* ctx, bool top) {
    SourceRange r = range(ctx);
    auto* first = ctx->children.empty() ? nullptr : ctx->children[0];
    if (!first) return nullptr;
    // One rule-index comparison per alternative instead of a dynamic_cast.
    const size_t rule = ruleOf(first);
#define AS(Name) (rule == P::Rule##Name ? static_cast<P::Name##Context*>(first) : nullptr)
    if (auto* c = AS(Block)) return block(c);
    if (auto* c = AS(ExpressionStatement)) {
        auto e = node<ExprStmt>(r);
        e->expr = expression(SUB(c, ExpressionSequence));
        return e;
    }
    if (auto* c = AS(VariableStatement))
        return variableStatement(SUB(c, VariableDeclarationList), false);
    if (auto* c = AS(IfStatement)) return ifStatement(c);
    if (auto* c = AS(ReturnStatement)) {
        auto ret = node<Return>(r);
        if (SUB(c, ExpressionSequence)) ret->value = expression(SUB(c, ExpressionSequence));
        return ret;
    }
    if (auto* c = AS(FunctionDeclaration)) return functionDeclaration(c, false);
    if (auto* c = AS(ForStatement)) return forStatement(c);
    if (auto* c = AS(WhileStatement)) {
        auto w = node<While>(r);
        w->test = expression(SUB(c, ExpressionSequence));
        w->body = statement(SUB(c, Statement), false);
        return w;
    }
    if (auto* c = AS(DoStatement)) {
        auto d = node<DoWhile>(r);
        d->body = statement(SUB(c, Statement), false);
        d->test = expression(SUB(c, ExpressionSequence));
        return d;
    }
    if (auto* c = AS(BreakStatement)) {
        auto b = node<Break>(r);
        if (SUB(c, Identifier)) b->label = std::string(text(SUB(c, Identifier)->getStart()));
        return b;
    }
    if (auto* c = AS(ContinueStatement)) {
        auto b = node<Continue>(r);
        if (SUB(c, Identifier)) b->label = std::string(text(SUB(c, Identifier)->getStart()));
        return b;
    }
    if (auto* c = AS(ThrowStatement)) {
        auto t = node<Throw>(r);
        if (SUB(c, ExpressionSequence)) {
            t->value = expression(SUB(c, ExpressionSequence));
        } else {
            error(DiagId::SyntaxError, range(TOK(c, Throw)),
                  {"'throw' needs an expression on the same line"});
            t->value = errorExpr(r);
        }
        return t;
    }
    if (auto* c = AS(TryStatement)) return tryStatement(c);
    if (auto* c = AS(SwitchStatement)) return switchStatement(c);
    if (auto* c = AS(LabelledStatement)) return labelled(c);
    if (auto* c = AS(WorkflowDeclaration)) return workflow(c, false, top);
    if (auto* c = AS(TaskDeclaration)) return task(c, false, top);
    if (auto* c = AS(TriggerDeclaration)) return trigger(c, top);
    if (auto* c = AS(TestDeclaration)) return test(c, top);
    if (auto* c = AS(ImportStatement)) return importStatement(c, top);
    if (auto* c = AS(ExportStatement)) return exportStatement(c, top);
    if (AS(ClassDeclaration)) {
        unsupported(r, "'class'", "use functions that return object literals");
        return node<Empty>(r);
    }
    if (auto* c = AS(WithStatement)) {
        unsupported(range(TOK(c, With)), "the 'with' statement", "name the object explicitly");
        return node<Empty>(r);
    }
#undef AS
    return node<Empty>(r); // ';'
}

StmtPtr AstBuilder::variableStatement(P::VariableDeclarationListContext* ctx, bool exported) {
    auto v = varDecls(ctx);
    v->exported = exported;
    return v;
}

std::unique_ptr<VarDecl> AstBuilder::varDecls(P::VariableDeclarationListContext* ctx) {
    auto v = node<VarDecl>(range(ctx));
    auto* mod = SUB(ctx, VarModifier);
    if (TOK(mod, Var)) unsupported(range(mod), "'var'", "use let or const");
    v->declKind = TOK(mod, Const) ? DeclKind::Const : DeclKind::Let;
    for (auto* d : SUBS(ctx, VariableDeclaration)) {
        Declarator decl;
        decl.range = range(d);
        decl.target = bindingPattern(SUB(d, BindingPattern));
        if (SUB(d, AssignmentExpression)) decl.init = assignment(SUB(d, AssignmentExpression));
        v->decls.push_back(std::move(decl));
    }
    return v;
}

StmtPtr AstBuilder::ifStatement(P::IfStatementContext* ctx) {
    auto s = node<If>(range(ctx));
    s->test = expression(SUB(ctx, ExpressionSequence));
    auto stmts = SUBS(ctx, Statement);
    s->consequent = statement(stmts[0], false);
    if (stmts.size() > 1) s->alternate = statement(stmts[1], false);
    return s;
}

StmtPtr AstBuilder::forStatement(P::ForStatementContext* ctx) {
    SourceRange r = range(ctx);
    auto* head = SUB(ctx, ForHead);
    if (TOK(head, Of) || TOK(head, In)) {
        std::unique_ptr<ForEachBase> loop;
        if (TOK(head, Of))
            loop = node<ForOf>(r);
        else
            loop = node<ForIn>(r);
        if (auto* mod = SUB(head, VarModifier)) {
            if (TOK(mod, Var)) unsupported(range(mod), "'var'", "use let or const");
            loop->hasDecl = true;
            loop->declKind = TOK(mod, Const) ? DeclKind::Const : DeclKind::Let;
            loop->target = bindingPattern(SUB(head, BindingPattern));
        } else {
            loop->hasDecl = false;
            loop->target = toPattern(leftHandSide(SUB(head, LeftHandSideExpression)), false);
        }
        auto* seq = SUB(head, ExpressionSequence, 0);
        if (TOK(head, Of) && SUBS(seq, AssignmentExpression).size() > 1)
            unsupported(range(seq), "a comma expression in a for-of head",
                        "wrap it in parentheses if you mean it");
        loop->iterable = expression(seq);
        loop->body = statement(SUB(ctx, Statement), false);
        return loop;
    }
    auto loop = node<For>(r);
    if (auto* init = SUB(head, ForInit)) {
        if (SUB(init, VariableDeclarationList)) {
            loop->init = varDecls(SUB(init, VariableDeclarationList));
        } else {
            auto e = node<ExprStmt>(range(init));
            e->expr = expression(SUB(init, ExpressionSequence));
            loop->init = std::move(e);
        }
    }
    // The two optional expressions are told apart by their position relative
    // to the two ';' tokens.
    auto semis = TOKS(head, SemiColon);
    for (auto* seq : SUBS(head, ExpressionSequence)) {
        bool afterSecond = semis.size() > 1 && seq->getStart()->getTokenIndex() >
                                                   semis[1]->getSymbol()->getTokenIndex();
        if (afterSecond)
            loop->update = expression(seq);
        else
            loop->test = expression(seq);
    }
    loop->body = statement(SUB(ctx, Statement), false);
    return loop;
}

StmtPtr AstBuilder::switchStatement(P::SwitchStatementContext* ctx) {
    auto s = node<Switch>(range(ctx));
    s->discriminant = expression(SUB(ctx, ExpressionSequence));
    for (auto* c : SUBS(ctx, SwitchClause)) {
        SwitchCase sc;
        sc.range = range(c);
        if (TOK(c, Case)) sc.test = expression(SUB(c, ExpressionSequence));
        for (auto* st : SUBS(c, Statement))
            sc.body.push_back(statement(st, false));
        s->cases.push_back(std::move(sc));
    }
    return s;
}

StmtPtr AstBuilder::tryStatement(P::TryStatementContext* ctx) {
    auto t = node<Try>(range(ctx));
    t->block = block(SUB(ctx, Block));
    if (auto* c = SUB(ctx, CatchClause)) {
        t->hasCatch = true;
        if (SUB(c, BindingPattern)) t->catchParam = bindingPattern(SUB(c, BindingPattern));
        t->handler = block(SUB(c, Block));
    }
    if (auto* f = SUB(ctx, FinallyClause)) t->finalizer = block(SUB(f, Block));
    return t;
}

StmtPtr AstBuilder::labelled(P::LabelledStatementContext* ctx) {
    auto l = node<Labeled>(range(ctx));
    l->label = std::string(text(SUB(ctx, Identifier)->getStart()));
    l->body = statement(SUB(ctx, Statement), false);
    switch (l->body->kind) {
    case NodeKind::VarDecl:
    case NodeKind::FunctionDecl:
    case NodeKind::Workflow:
    case NodeKind::Task:
    case NodeKind::Trigger:
    case NodeKind::Test:
    case NodeKind::Import:
    case NodeKind::ExportList:
        unsupported(range(SUB(ctx, Identifier)), "a label on a declaration",
                    "labels go on loops, blocks and switch statements");
        break;
    default:
        break;
    }
    return l;
}

// ---------------------------------------------------------------- functions

void AstBuilder::params(P::FormalParameterListContext* ctx, FunctionNode& fn) {
    if (!ctx) return;
    auto list = SUBS(ctx, FormalParameter);
    for (size_t i = 0; i < list.size(); ++i) {
        auto* p = list[i];
        if (TOK(p, Ellipsis)) {
            if (i + 1 != list.size() || TOKS(ctx, Comma).size() >= list.size())
                error(DiagId::SyntaxError, range(p), {"a rest parameter must be last"});
            fn.rest = bindingPattern(SUB(p, BindingPattern));
            continue;
        }
        Param param;
        param.target = bindingPattern(SUB(p, BindingPattern));
        if (SUB(p, AssignmentExpression)) param.init = assignment(SUB(p, AssignmentExpression));
        fn.params.push_back(std::move(param));
    }
}

std::unique_ptr<FunctionNode> AstBuilder::functionNode(FunctionKind kind,
                                                       antlr4::ParserRuleContext* whole,
                                                       P::IdentifierContext* name,
                                                       P::FormalParameterListContext* plist,
                                                       P::FunctionBodyContext* body) {
    DepthGuard g(*this);
    auto fn = std::make_unique<FunctionNode>();
    fn->kind = kind;
    fn->range = range(whole);
    if (name) {
        fn->name = std::string(text(name->getStart()));
        fn->nameRange = range(name);
    }
    params(plist, *fn);
    fn->body = block(body);
    return fn;
}

StmtPtr AstBuilder::functionDeclaration(P::FunctionDeclarationContext* ctx, bool exported) {
    auto f = node<FunctionDecl>(range(ctx));
    f->fn = functionNode(FunctionKind::Declaration, ctx, SUB(ctx, Identifier),
                         SUB(ctx, FormalParameterList), SUB(ctx, FunctionBody));
    f->fn->isAsync = TOK(ctx, Async) != nullptr;
    f->exported = exported;
    if (TOK(ctx, Multiply))
        unsupported(range(TOK(ctx, Multiply)), "a generator function ('function*')", "");
    return f;
}

StmtPtr AstBuilder::workflow(P::WorkflowDeclarationContext* ctx, bool exported, bool top) {
    SourceRange r = range(ctx);
    if (!top) error(DiagId::TopLevelOnly, range(TOK(ctx, Workflow)), {"workflow"});
    auto w = node<Workflow>(r);
    w->fn = functionNode(FunctionKind::Workflow, ctx, SUB(ctx, Identifier),
                         SUB(ctx, FormalParameterList), SUB(ctx, FunctionBody));
    w->fn->isAsync = true;
    if (SUB(ctx, ObjectLiteral)) w->options = objectLiteral(SUB(ctx, ObjectLiteral));
    w->exported = exported;
    return w;
}

StmtPtr AstBuilder::task(P::TaskDeclarationContext* ctx, bool exported, bool top) {
    if (!top) error(DiagId::TopLevelOnly, range(TOK(ctx, Task)), {"task"});
    auto t = node<Task>(range(ctx));
    auto ids = SUBS(ctx, Identifier);
    t->name = std::string(text(ids[0]->getStart()));
    t->nameRange = range(ids[0]);
    if (auto* plist = SUB(ctx, FormalParameterList)) {
        for (auto* p : SUBS(plist, FormalParameter)) {
            auto* bp = SUB(p, BindingPattern);
            if (TOK(p, Ellipsis) || SUB(p, AssignmentExpression) || !SUB(bp, Identifier)) {
                error(DiagId::SyntaxError, range(p),
                      {"task parameters must be plain names: they become the keys of the JSON "
                       "object the task receives"});
                continue;
            }
            auto ip = node<IdentifierPattern>(range(bp));
            ip->name = std::string(text(bp->getStart()));
            t->params.push_back(std::move(ip));
        }
    }
    t->kind = std::string(text(ids[1]->getStart()));
    t->kindRange = range(ids[1]);
    arguments(SUB(ctx, Arguments), t->args);
    t->exported = exported;
    return t;
}

StmtPtr AstBuilder::trigger(P::TriggerDeclarationContext* ctx, bool top) {
    if (!top) error(DiagId::TopLevelOnly, range(TOK(ctx, On)), {"trigger ('on')"});
    auto t = node<Trigger>(range(ctx));
    t->eventType = stringValue(TOK(ctx, StringLiteral));
    t->eventTypeRange = range(TOK(ctx, StringLiteral));
    if (TOK(ctx, When)) t->condition = expression(SUB(ctx, ExpressionSequence));
    DepthGuard g(*this);
    auto fn = std::make_unique<FunctionNode>();
    fn->kind = FunctionKind::Trigger;
    fn->range = t->range;
    fn->isAsync = true;
    params(SUB(ctx, FormalParameterList), *fn);
    if (SUB(ctx, FunctionBody))
        fn->body = block(SUB(ctx, FunctionBody));
    else
        fn->exprBody = assignment(SUB(ctx, AssignmentExpression));
    t->fn = std::move(fn);
    return t;
}

StmtPtr AstBuilder::test(P::TestDeclarationContext* ctx, bool top) {
    if (!top) error(DiagId::TopLevelOnly, range(TOK(ctx, Test)), {"test"});
    auto t = node<Test>(range(ctx));
    t->name = stringValue(TOK(ctx, StringLiteral));
    t->fn = functionNode(FunctionKind::Test, ctx, nullptr, nullptr, SUB(ctx, FunctionBody));
    t->fn->name = t->name;
    t->fn->isAsync = true;
    return t;
}

StmtPtr AstBuilder::importStatement(P::ImportStatementContext* ctx, bool top) {
    if (!top) error(DiagId::ImportNotTopLevel, range(TOK(ctx, Import)));
    auto im = node<Import>(range(ctx));
    auto* clause = SUB(ctx, ImportClause);
    if (TOK(clause, Multiply)) {
        im->namespaceName = std::string(text(SUB(clause, Identifier)->getStart()));
        im->namespaceRange = range(SUB(clause, Identifier));
    } else if (SUB(clause, Identifier)) {
        unsupported(range(clause), "a default import",
                    "Flow modules have named exports only: import { name } from \"...\"");
    } else {
        for (auto* s : SUBS(clause, ImportSpecifier)) {
            ImportSpec spec;
            spec.range = range(s);
            spec.imported = std::string(text(SUB(s, IdentifierName)->getStart()));
            if (SUB(s, Identifier))
                spec.local = std::string(text(SUB(s, Identifier)->getStart()));
            else
                spec.local = spec.imported;
            im->specs.push_back(std::move(spec));
        }
    }
    im->source = stringValue(TOK(ctx, StringLiteral));
    im->sourceRange = range(TOK(ctx, StringLiteral));
    return im;
}

StmtPtr AstBuilder::exportStatement(P::ExportStatementContext* ctx, bool top) {
    SourceRange r = range(ctx);
    if (!top) error(DiagId::TopLevelOnly, range(TOK(ctx, Export)), {"export"});
    if (TOK(ctx, Default)) {
        unsupported(range(TOK(ctx, Default)), "'export default'",
                    "export names instead: export function f() {...} or export { f }");
        return node<Empty>(r);
    }
    if (auto* list = SUB(ctx, ExportList)) {
        if (TOK(ctx, From))
            unsupported(range(TOK(ctx, From)), "re-exporting ('export ... from')",
                        "import the names first, then export them");
        auto e = node<ExportList>(r);
        for (auto* s : SUBS(list, ExportSpecifier)) {
            ExportSpec spec;
            spec.range = range(s);
            spec.local = std::string(text(SUB(s, Identifier)->getStart()));
            spec.exported = SUB(s, IdentifierName)
                                ? std::string(text(SUB(s, IdentifierName)->getStart()))
                                : spec.local;
            e->specs.push_back(std::move(spec));
        }
        return e;
    }
    StmtPtr s;
    if (auto* v = SUB(ctx, VariableStatement))
        s = variableStatement(SUB(v, VariableDeclarationList), true);
    else if (auto* f = SUB(ctx, FunctionDeclaration))
        s = functionDeclaration(f, true);
    else if (auto* w = SUB(ctx, WorkflowDeclaration))
        s = workflow(w, true, top);
    else if (auto* t = SUB(ctx, TaskDeclaration))
        s = task(t, true, top);
    if (s) s->range = r; // the export keyword is part of the declaration
    return s;
}

// ---------------------------------------------------------------- patterns

PatternPtr AstBuilder::bindingPattern(P::BindingPatternContext* ctx) {
    DepthGuard g(*this);
    SourceRange r = range(ctx);
    if (tooDeep(r)) return node<IdentifierPattern>(r);
    if (auto* id = SUB(ctx, Identifier)) {
        auto p = node<IdentifierPattern>(r);
        p->name = std::string(text(id->getStart()));
        if (p->name == "arguments") unsupported(r, "'arguments' as a name", "choose another name");
        return p;
    }
    if (auto* arr = SUB(ctx, ArrayBindingPattern)) {
        auto p = node<ArrayPattern>(r);
        bool expectElement = true;
        for (auto* child : arr->children) {
            if (auto* el = ruleOf(child) == P::RuleBindingElement
                               ? static_cast<P::BindingElementContext*>(child)
                               : nullptr) {
                if (!expectElement)
                    error(DiagId::SyntaxError, range(el), {"expected ',' between elements"});
                expectElement = false;
                if (p->rest) error(DiagId::SyntaxError, range(el), {"a rest element must be last"});
                if (TOK(el, Ellipsis)) {
                    p->rest = bindingPattern(SUB(el, BindingPattern));
                    continue;
                }
                PatternElement pe;
                pe.target = bindingPattern(SUB(el, BindingPattern));
                if (SUB(el, AssignmentExpression))
                    pe.init = assignment(SUB(el, AssignmentExpression));
                p->elements.push_back(std::move(pe));
            } else if (tokenOf(child) == P::Comma) {
                auto* tn = static_cast<TerminalNode*>(child);
                if (expectElement) p->elements.emplace_back(); // a hole: null target
                if (p->rest) error(DiagId::SyntaxError, range(tn), {"a rest element must be last"});
                expectElement = true;
            }
        }
        return p;
    }
    auto* obj = SUB(ctx, ObjectBindingPattern);
    auto p = node<ObjectPattern>(r);
    for (auto* bp : SUBS(obj, BindingProperty)) {
        if (p->rest) error(DiagId::SyntaxError, range(bp), {"a rest element must be last"});
        if (TOK(bp, Ellipsis)) {
            p->rest = bindingPattern(SUB(bp, BindingPattern));
            continue;
        }
        PropertyPattern pp;
        pp.range = range(bp);
        if (SUB(bp, PropertyName)) {
            pp.key = propertyKey(SUB(bp, PropertyName), pp.computedKey);
            pp.value.target = bindingPattern(SUB(bp, BindingPattern));
        } else {
            pp.shorthand = true;
            pp.key = std::string(text(SUB(bp, Identifier)->getStart()));
            auto ip = node<IdentifierPattern>(range(SUB(bp, Identifier)));
            ip->name = pp.key;
            pp.value.target = std::move(ip);
        }
        if (SUB(bp, AssignmentExpression))
            pp.value.init = assignment(SUB(bp, AssignmentExpression));
        p->props.push_back(std::move(pp));
    }
    return p;
}

void AstBuilder::toElement(ExprPtr e, PatternElement& out, bool binding) {
    if (auto* a = e->as<Assign>(); a && a->op == AssignOp::None) {
        out.target = std::move(a->target);
        out.init = std::move(a->value);
        return;
    }
    out.target = toPattern(std::move(e), binding);
}

PatternPtr AstBuilder::toPattern(ExprPtr e, bool binding) {
    SourceRange r = e->range;
    switch (e->kind) {
    case NodeKind::Identifier: {
        auto p = node<IdentifierPattern>(r);
        p->name = std::move(e->as<Identifier>()->name);
        return p;
    }
    case NodeKind::Member:
    case NodeKind::Index:
        if (binding) break;
        {
            auto p = node<ExprPattern>(r);
            p->expr = std::move(e);
            return p;
        }
    case NodeKind::ArrayLit: {
        auto p = node<ArrayPattern>(r);
        auto& elems = e->as<ArrayLit>()->elements;
        for (size_t i = 0; i < elems.size(); ++i) {
            if (auto* s = elems[i]->as<Spread>()) {
                if (i + 1 != elems.size())
                    error(DiagId::SyntaxError, s->range, {"a rest element must be last"});
                p->rest = toPattern(std::move(s->expr), binding);
                continue;
            }
            PatternElement pe;
            auto hole = std::find_if(holes_.begin(), holes_.end(),
                                     [&](const auto& h) { return h.first == elems[i].get(); });
            if (hole != holes_.end()) {
                holes_.erase(hole); // a hole: null target
            } else {
                toElement(std::move(elems[i]), pe, binding);
            }
            p->elements.push_back(std::move(pe));
        }
        return p;
    }
    case NodeKind::ObjectLit: {
        auto* o = e->as<ObjectLit>();
        coverInits_.erase(std::remove_if(coverInits_.begin(), coverInits_.end(),
                                         [&](const auto& c) { return c.first == o; }),
                          coverInits_.end());
        auto p = node<ObjectPattern>(r);
        for (size_t i = 0; i < o->props.size(); ++i) {
            Property& prop = o->props[i];
            if (prop.kind == Property::Kind::Spread) {
                if (i + 1 != o->props.size())
                    error(DiagId::SyntaxError, prop.range, {"a rest element must be last"});
                p->rest = toPattern(std::move(prop.value), binding);
                continue;
            }
            if (prop.kind == Property::Kind::Method) {
                error(DiagId::InvalidAssignTarget, prop.range);
                continue;
            }
            PropertyPattern pp;
            pp.range = prop.range;
            pp.key = prop.key;
            pp.computedKey = std::move(prop.computedKey);
            pp.shorthand = prop.kind == Property::Kind::Shorthand;
            toElement(std::move(prop.value), pp.value, binding);
            p->props.push_back(std::move(pp));
        }
        return p;
    }
    default:
        break;
    }
    error(DiagId::InvalidAssignTarget, r);
    auto p = node<IdentifierPattern>(r);
    p->name = "<error>";
    return p;
}

} // namespace flow::compiler::parse
