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

uint32_t OffsetMap::byteOffset(size_t cp) const {
    // Extra bytes of all multi-byte code points before `cp`.
    auto it = std::upper_bound(marks_.begin(), marks_.end(), uint32_t(cp),
                               [](uint32_t v, const auto& m) { return v < m.first; });
    uint32_t extra = it == marks_.begin() ? 0 : std::prev(it)->second;
    return uint32_t(cp) + extra;
}

SourceRange AstBuilder::range(antlr4::Token* first, antlr4::Token* last) const {
    SourceRange r{file_, 0, 0};
    if (!first) return r;
    r.begin = map_.byteOffset(first->getStartIndex());
    if (!last || last->getType() == antlr4::Token::EOF ||
        last->getStopIndex() + 1 < first->getStartIndex()) {
        r.end = r.begin;
        if (first->getType() != antlr4::Token::EOF)
            r.end = map_.byteOffset(first->getStopIndex() + 1);
        return r;
    }
    r.end = map_.byteOffset(last->getStopIndex() + 1);
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

std::unique_ptr<Block> AstBuilder::block(antlr4::ParserRuleContext* ctx,
                                         const std::vector<P::StatementContext*>& stmts) {
    auto b = node<Block>(range(ctx));
    b->body.reserve(stmts.size());
    for (auto* s : stmts)
        b->body.push_back(statement(s, false));
    return b;
}

StmtPtr AstBuilder::statementBody(P::StatementContext* ctx, bool top) {
    SourceRange r = range(ctx);
    auto* first = ctx->children.empty() ? nullptr : ctx->children[0];
    if (!first) return nullptr;
    if (auto* c = dynamic_cast<P::BlockContext*>(first)) return block(c, c->statement());
    if (auto* c = dynamic_cast<P::ExpressionStatementContext*>(first)) {
        auto e = node<ExprStmt>(r);
        e->expr = expression(c->expressionSequence());
        return e;
    }
    if (auto* c = dynamic_cast<P::VariableStatementContext*>(first))
        return variableStatement(c->variableDeclarationList(), false);
    if (auto* c = dynamic_cast<P::IfStatementContext*>(first)) return ifStatement(c);
    if (auto* c = dynamic_cast<P::ReturnStatementContext*>(first)) {
        auto ret = node<Return>(r);
        if (c->expressionSequence()) ret->value = expression(c->expressionSequence());
        return ret;
    }
    if (auto* c = dynamic_cast<P::FunctionDeclarationContext*>(first))
        return functionDeclaration(c, false);
    if (auto* c = dynamic_cast<P::ForStatementContext*>(first)) return forStatement(c);
    if (auto* c = dynamic_cast<P::WhileStatementContext*>(first)) {
        auto w = node<While>(r);
        w->test = expression(c->expressionSequence());
        w->body = statement(c->statement(), false);
        return w;
    }
    if (auto* c = dynamic_cast<P::DoStatementContext*>(first)) {
        auto d = node<DoWhile>(r);
        d->body = statement(c->statement(), false);
        d->test = expression(c->expressionSequence());
        return d;
    }
    if (auto* c = dynamic_cast<P::BreakStatementContext*>(first)) {
        auto b = node<Break>(r);
        if (c->identifier()) b->label = std::string(text(c->identifier()->getStart()));
        return b;
    }
    if (auto* c = dynamic_cast<P::ContinueStatementContext*>(first)) {
        auto b = node<Continue>(r);
        if (c->identifier()) b->label = std::string(text(c->identifier()->getStart()));
        return b;
    }
    if (auto* c = dynamic_cast<P::ThrowStatementContext*>(first)) {
        auto t = node<Throw>(r);
        if (c->expressionSequence()) {
            t->value = expression(c->expressionSequence());
        } else {
            error(DiagId::SyntaxError, range(c->Throw()),
                  {"'throw' needs an expression on the same line"});
            t->value = errorExpr(r);
        }
        return t;
    }
    if (auto* c = dynamic_cast<P::TryStatementContext*>(first)) return tryStatement(c);
    if (auto* c = dynamic_cast<P::SwitchStatementContext*>(first)) return switchStatement(c);
    if (auto* c = dynamic_cast<P::LabelledStatementContext*>(first)) return labelled(c);
    if (auto* c = dynamic_cast<P::WorkflowDeclarationContext*>(first))
        return workflow(c, false, top);
    if (auto* c = dynamic_cast<P::TaskDeclarationContext*>(first)) return task(c, false, top);
    if (auto* c = dynamic_cast<P::TriggerDeclarationContext*>(first)) return trigger(c, top);
    if (auto* c = dynamic_cast<P::TestDeclarationContext*>(first)) return test(c, top);
    if (auto* c = dynamic_cast<P::ImportStatementContext*>(first)) return importStatement(c, top);
    if (auto* c = dynamic_cast<P::ExportStatementContext*>(first)) return exportStatement(c, top);
    if (dynamic_cast<P::ClassDeclarationContext*>(first)) {
        unsupported(r, "'class'", "use functions that return object literals");
        return node<Empty>(r);
    }
    if (auto* c = dynamic_cast<P::WithStatementContext*>(first)) {
        unsupported(range(c->With()), "the 'with' statement", "name the object explicitly");
        return node<Empty>(r);
    }
    return node<Empty>(r); // ';'
}

StmtPtr AstBuilder::variableStatement(P::VariableDeclarationListContext* ctx, bool exported) {
    auto v = varDecls(ctx);
    v->exported = exported;
    return v;
}

std::unique_ptr<VarDecl> AstBuilder::varDecls(P::VariableDeclarationListContext* ctx) {
    auto v = node<VarDecl>(range(ctx));
    auto* mod = ctx->varModifier();
    if (mod->Var()) unsupported(range(mod), "'var'", "use let or const");
    v->declKind = mod->Const() ? DeclKind::Const : DeclKind::Let;
    for (auto* d : ctx->variableDeclaration()) {
        Declarator decl;
        decl.range = range(d);
        decl.target = bindingPattern(d->bindingPattern());
        if (d->assignmentExpression()) decl.init = assignment(d->assignmentExpression());
        v->decls.push_back(std::move(decl));
    }
    return v;
}

StmtPtr AstBuilder::ifStatement(P::IfStatementContext* ctx) {
    auto s = node<If>(range(ctx));
    s->test = expression(ctx->expressionSequence());
    auto stmts = ctx->statement();
    s->consequent = statement(stmts[0], false);
    if (stmts.size() > 1) s->alternate = statement(stmts[1], false);
    return s;
}

StmtPtr AstBuilder::forStatement(P::ForStatementContext* ctx) {
    SourceRange r = range(ctx);
    auto* head = ctx->forHead();
    if (head->Of() || head->In()) {
        std::unique_ptr<ForEachBase> loop;
        if (head->Of())
            loop = node<ForOf>(r);
        else
            loop = node<ForIn>(r);
        if (auto* mod = head->varModifier()) {
            if (mod->Var()) unsupported(range(mod), "'var'", "use let or const");
            loop->hasDecl = true;
            loop->declKind = mod->Const() ? DeclKind::Const : DeclKind::Let;
            loop->target = bindingPattern(head->bindingPattern());
        } else {
            loop->hasDecl = false;
            loop->target = toPattern(leftHandSide(head->leftHandSideExpression()), false);
        }
        auto* seq = head->expressionSequence(0);
        if (head->Of() && seq->assignmentExpression().size() > 1)
            unsupported(range(seq), "a comma expression in a for-of head",
                        "wrap it in parentheses if you mean it");
        loop->iterable = expression(seq);
        loop->body = statement(ctx->statement(), false);
        return loop;
    }
    auto loop = node<For>(r);
    if (auto* init = head->forInit()) {
        if (init->variableDeclarationList()) {
            loop->init = varDecls(init->variableDeclarationList());
        } else {
            auto e = node<ExprStmt>(range(init));
            e->expr = expression(init->expressionSequence());
            loop->init = std::move(e);
        }
    }
    // The two optional expressions are told apart by their position relative
    // to the two ';' tokens.
    auto semis = head->SemiColon();
    for (auto* seq : head->expressionSequence()) {
        bool afterSecond = semis.size() > 1 && seq->getStart()->getTokenIndex() >
                                                   semis[1]->getSymbol()->getTokenIndex();
        if (afterSecond)
            loop->update = expression(seq);
        else
            loop->test = expression(seq);
    }
    loop->body = statement(ctx->statement(), false);
    return loop;
}

StmtPtr AstBuilder::switchStatement(P::SwitchStatementContext* ctx) {
    auto s = node<Switch>(range(ctx));
    s->discriminant = expression(ctx->expressionSequence());
    for (auto* c : ctx->switchClause()) {
        SwitchCase sc;
        sc.range = range(c);
        if (c->Case()) sc.test = expression(c->expressionSequence());
        for (auto* st : c->statement())
            sc.body.push_back(statement(st, false));
        s->cases.push_back(std::move(sc));
    }
    return s;
}

StmtPtr AstBuilder::tryStatement(P::TryStatementContext* ctx) {
    auto t = node<Try>(range(ctx));
    t->block = block(ctx->block(), ctx->block()->statement());
    if (auto* c = ctx->catchClause()) {
        t->hasCatch = true;
        if (c->bindingPattern()) t->catchParam = bindingPattern(c->bindingPattern());
        t->handler = block(c->block(), c->block()->statement());
    }
    if (auto* f = ctx->finallyClause()) t->finalizer = block(f->block(), f->block()->statement());
    return t;
}

StmtPtr AstBuilder::labelled(P::LabelledStatementContext* ctx) {
    auto l = node<Labeled>(range(ctx));
    l->label = std::string(text(ctx->identifier()->getStart()));
    l->body = statement(ctx->statement(), false);
    switch (l->body->kind) {
    case NodeKind::VarDecl:
    case NodeKind::FunctionDecl:
    case NodeKind::Workflow:
    case NodeKind::Task:
    case NodeKind::Trigger:
    case NodeKind::Test:
    case NodeKind::Import:
    case NodeKind::ExportList:
        unsupported(range(ctx->identifier()), "a label on a declaration",
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
    auto list = ctx->formalParameter();
    for (size_t i = 0; i < list.size(); ++i) {
        auto* p = list[i];
        if (p->Ellipsis()) {
            if (i + 1 != list.size() || ctx->Comma().size() >= list.size())
                error(DiagId::SyntaxError, range(p), {"a rest parameter must be last"});
            fn.rest = bindingPattern(p->bindingPattern());
            continue;
        }
        Param param;
        param.target = bindingPattern(p->bindingPattern());
        if (p->assignmentExpression()) param.init = assignment(p->assignmentExpression());
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
    fn->body = block(body, body->statement());
    return fn;
}

StmtPtr AstBuilder::functionDeclaration(P::FunctionDeclarationContext* ctx, bool exported) {
    auto f = node<FunctionDecl>(range(ctx));
    f->fn = functionNode(FunctionKind::Declaration, ctx, ctx->identifier(),
                         ctx->formalParameterList(), ctx->functionBody());
    f->fn->isAsync = ctx->Async() != nullptr;
    f->exported = exported;
    if (ctx->Multiply())
        unsupported(range(ctx->Multiply()), "a generator function ('function*')", "");
    return f;
}

StmtPtr AstBuilder::workflow(P::WorkflowDeclarationContext* ctx, bool exported, bool top) {
    SourceRange r = range(ctx);
    if (!top) error(DiagId::TopLevelOnly, range(ctx->Workflow()), {"workflow"});
    auto w = node<Workflow>(r);
    w->fn = functionNode(FunctionKind::Workflow, ctx, ctx->identifier(), ctx->formalParameterList(),
                         ctx->functionBody());
    w->fn->isAsync = true;
    if (ctx->objectLiteral()) w->options = objectLiteral(ctx->objectLiteral());
    w->exported = exported;
    return w;
}

StmtPtr AstBuilder::task(P::TaskDeclarationContext* ctx, bool exported, bool top) {
    if (!top) error(DiagId::TopLevelOnly, range(ctx->Task()), {"task"});
    auto t = node<Task>(range(ctx));
    auto ids = ctx->identifier();
    t->name = std::string(text(ids[0]->getStart()));
    t->nameRange = range(ids[0]);
    if (auto* plist = ctx->formalParameterList()) {
        for (auto* p : plist->formalParameter()) {
            auto* bp = p->bindingPattern();
            if (p->Ellipsis() || p->assignmentExpression() || !bp->identifier()) {
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
    arguments(ctx->arguments(), t->args);
    t->exported = exported;
    return t;
}

StmtPtr AstBuilder::trigger(P::TriggerDeclarationContext* ctx, bool top) {
    if (!top) error(DiagId::TopLevelOnly, range(ctx->On()), {"trigger ('on')"});
    auto t = node<Trigger>(range(ctx));
    t->eventType = stringValue(ctx->StringLiteral());
    t->eventTypeRange = range(ctx->StringLiteral());
    if (ctx->When()) t->condition = expression(ctx->expressionSequence());
    DepthGuard g(*this);
    auto fn = std::make_unique<FunctionNode>();
    fn->kind = FunctionKind::Trigger;
    fn->range = t->range;
    fn->isAsync = true;
    params(ctx->formalParameterList(), *fn);
    if (ctx->functionBody())
        fn->body = block(ctx->functionBody(), ctx->functionBody()->statement());
    else
        fn->exprBody = assignment(ctx->assignmentExpression());
    t->fn = std::move(fn);
    return t;
}

StmtPtr AstBuilder::test(P::TestDeclarationContext* ctx, bool top) {
    if (!top) error(DiagId::TopLevelOnly, range(ctx->Test()), {"test"});
    auto t = node<Test>(range(ctx));
    t->name = stringValue(ctx->StringLiteral());
    t->fn = functionNode(FunctionKind::Test, ctx, nullptr, nullptr, ctx->functionBody());
    t->fn->name = t->name;
    t->fn->isAsync = true;
    return t;
}

StmtPtr AstBuilder::importStatement(P::ImportStatementContext* ctx, bool top) {
    if (!top) error(DiagId::ImportNotTopLevel, range(ctx->Import()));
    auto im = node<Import>(range(ctx));
    auto* clause = ctx->importClause();
    if (clause->Multiply()) {
        im->namespaceName = std::string(text(clause->identifier()->getStart()));
        im->namespaceRange = range(clause->identifier());
    } else if (clause->identifier()) {
        unsupported(range(clause), "a default import",
                    "Flow modules have named exports only: import { name } from \"...\"");
    } else {
        for (auto* s : clause->importSpecifier()) {
            ImportSpec spec;
            spec.range = range(s);
            spec.imported = std::string(text(s->identifierName()->getStart()));
            if (s->identifier())
                spec.local = std::string(text(s->identifier()->getStart()));
            else
                spec.local = spec.imported;
            im->specs.push_back(std::move(spec));
        }
    }
    im->source = stringValue(ctx->StringLiteral());
    im->sourceRange = range(ctx->StringLiteral());
    return im;
}

StmtPtr AstBuilder::exportStatement(P::ExportStatementContext* ctx, bool top) {
    SourceRange r = range(ctx);
    if (!top) error(DiagId::TopLevelOnly, range(ctx->Export()), {"export"});
    if (ctx->Default()) {
        unsupported(range(ctx->Default()), "'export default'",
                    "export names instead: export function f() {...} or export { f }");
        return node<Empty>(r);
    }
    if (auto* list = ctx->exportList()) {
        if (ctx->From())
            unsupported(range(ctx->From()), "re-exporting ('export ... from')",
                        "import the names first, then export them");
        auto e = node<ExportList>(r);
        for (auto* s : list->exportSpecifier()) {
            ExportSpec spec;
            spec.range = range(s);
            spec.local = std::string(text(s->identifier()->getStart()));
            spec.exported = s->identifierName() ? std::string(text(s->identifierName()->getStart()))
                                                : spec.local;
            e->specs.push_back(std::move(spec));
        }
        return e;
    }
    StmtPtr s;
    if (auto* v = ctx->variableStatement())
        s = variableStatement(v->variableDeclarationList(), true);
    else if (auto* f = ctx->functionDeclaration())
        s = functionDeclaration(f, true);
    else if (auto* w = ctx->workflowDeclaration())
        s = workflow(w, true, top);
    else if (auto* t = ctx->taskDeclaration())
        s = task(t, true, top);
    if (s) s->range = r; // the export keyword is part of the declaration
    return s;
}

// ---------------------------------------------------------------- patterns

PatternPtr AstBuilder::bindingPattern(P::BindingPatternContext* ctx) {
    DepthGuard g(*this);
    SourceRange r = range(ctx);
    if (tooDeep(r)) return node<IdentifierPattern>(r);
    if (auto* id = ctx->identifier()) {
        auto p = node<IdentifierPattern>(r);
        p->name = std::string(text(id->getStart()));
        if (p->name == "arguments") unsupported(r, "'arguments' as a name", "choose another name");
        return p;
    }
    if (auto* arr = ctx->arrayBindingPattern()) {
        auto p = node<ArrayPattern>(r);
        bool expectElement = true;
        for (auto* child : arr->children) {
            if (auto* el = dynamic_cast<P::BindingElementContext*>(child)) {
                if (!expectElement)
                    error(DiagId::SyntaxError, range(el), {"expected ',' between elements"});
                expectElement = false;
                if (p->rest) error(DiagId::SyntaxError, range(el), {"a rest element must be last"});
                if (el->Ellipsis()) {
                    p->rest = bindingPattern(el->bindingPattern());
                    continue;
                }
                PatternElement pe;
                pe.target = bindingPattern(el->bindingPattern());
                if (el->assignmentExpression()) pe.init = assignment(el->assignmentExpression());
                p->elements.push_back(std::move(pe));
            } else if (auto* tn = dynamic_cast<TerminalNode*>(child);
                       tn && tn->getSymbol()->getType() == P::Comma) {
                if (expectElement) p->elements.emplace_back(); // a hole: null target
                if (p->rest) error(DiagId::SyntaxError, range(tn), {"a rest element must be last"});
                expectElement = true;
            }
        }
        return p;
    }
    auto* obj = ctx->objectBindingPattern();
    auto p = node<ObjectPattern>(r);
    for (auto* bp : obj->bindingProperty()) {
        if (p->rest) error(DiagId::SyntaxError, range(bp), {"a rest element must be last"});
        if (bp->Ellipsis()) {
            p->rest = bindingPattern(bp->bindingPattern());
            continue;
        }
        PropertyPattern pp;
        pp.range = range(bp);
        if (bp->propertyName()) {
            pp.key = propertyKey(bp->propertyName(), pp.computedKey);
            pp.value.target = bindingPattern(bp->bindingPattern());
        } else {
            pp.shorthand = true;
            pp.key = std::string(text(bp->identifier()->getStart()));
            auto ip = node<IdentifierPattern>(range(bp->identifier()));
            ip->name = pp.key;
            pp.value.target = std::move(ip);
        }
        if (bp->assignmentExpression()) pp.value.init = assignment(bp->assignmentExpression());
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
