// ExprBuilder.cpp — expressions: parse tree -> AST (see AstBuilder.h).
// Operator chains arrive flat from the grammar; precedence and associativity
// are applied here with an explicit operator stack (no recursion).
#include <algorithm>

#include "AstBuilder.h"
#include "Literals.h"

namespace flow::compiler::parse {

using namespace ast;
using antlr4::tree::TerminalNode;
using P = grammar::FlowParser;

namespace {

// Binary operator table: precedence (higher binds tighter) as in JavaScript.
struct OpInfo {
    int prec = 0;
    bool rightAssoc = false;
    bool logical = false;
    BinaryOp bin = BinaryOp::Add;
    LogicalOp log = LogicalOp::And;
};

OpInfo opInfo(size_t tok) {
    auto b = [](int p, BinaryOp op) { return OpInfo{p, false, false, op, LogicalOp::And}; };
    auto l = [](int p, LogicalOp op) { return OpInfo{p, false, true, BinaryOp::Add, op}; };
    switch (tok) {
    case P::Nullish:
        return l(1, LogicalOp::Nullish);
    case P::Or:
        return l(1, LogicalOp::Or);
    case P::And:
        return l(2, LogicalOp::And);
    case P::BitOr:
        return b(3, BinaryOp::BitOr);
    case P::BitXOr:
        return b(4, BinaryOp::BitXor);
    case P::BitAnd:
        return b(5, BinaryOp::BitAnd);
    case P::Equals:
        return b(6, BinaryOp::Eq);
    case P::NotEquals:
        return b(6, BinaryOp::Ne);
    case P::IdentityEquals:
        return b(6, BinaryOp::StrictEq);
    case P::IdentityNotEquals:
        return b(6, BinaryOp::StrictNe);
    case P::LessThan:
        return b(7, BinaryOp::Lt);
    case P::MoreThan:
        return b(7, BinaryOp::Gt);
    case P::LessThanEquals:
        return b(7, BinaryOp::Le);
    case P::GreaterThanEquals:
        return b(7, BinaryOp::Ge);
    case P::Instanceof:
        return b(7, BinaryOp::InstanceOf);
    case P::In:
        return b(7, BinaryOp::In);
    case P::LeftShiftArithmetic:
        return b(8, BinaryOp::Shl);
    case P::RightShiftArithmetic:
        return b(8, BinaryOp::Shr);
    case P::RightShiftLogical:
        return b(8, BinaryOp::UShr);
    case P::Plus:
        return b(9, BinaryOp::Add);
    case P::Minus:
        return b(9, BinaryOp::Sub);
    case P::Multiply:
        return b(10, BinaryOp::Mul);
    case P::Divide:
        return b(10, BinaryOp::Div);
    case P::Modulus:
        return b(10, BinaryOp::Mod);
    case P::Power:
        return OpInfo{11, true, false, BinaryOp::Pow, LogicalOp::And};
    default:
        return {};
    }
}

AssignOp assignOp(size_t tok) {
    switch (tok) {
    case P::MultiplyAssign:
        return AssignOp::Mul;
    case P::DivideAssign:
        return AssignOp::Div;
    case P::ModulusAssign:
        return AssignOp::Mod;
    case P::PlusAssign:
        return AssignOp::Add;
    case P::MinusAssign:
        return AssignOp::Sub;
    case P::LeftShiftArithmeticAssign:
        return AssignOp::Shl;
    case P::RightShiftArithmeticAssign:
        return AssignOp::Shr;
    case P::RightShiftLogicalAssign:
        return AssignOp::UShr;
    case P::BitAndAssign:
        return AssignOp::BitAnd;
    case P::BitXorAssign:
        return AssignOp::BitXor;
    case P::BitOrAssign:
        return AssignOp::BitOr;
    case P::PowerAssign:
        return AssignOp::Pow;
    case P::AndAssign:
        return AssignOp::And;
    case P::OrAssign:
        return AssignOp::Or;
    case P::NullishAssign:
        return AssignOp::Nullish;
    default:
        return AssignOp::None;
    }
}

size_t firstTokenType(antlr4::ParserRuleContext* ctx) {
    return ctx->getStart() ? ctx->getStart()->getType() : 0;
}

SourceRange join(const SourceRange& a, const SourceRange& b) {
    return SourceRange{a.file, a.begin, std::max(a.end, b.end)};
}

} // namespace

ExprPtr AstBuilder::errorExpr(SourceRange r) {
    return node<NullLit>(r);
}

bool AstBuilder::tooDeep(SourceRange r, unsigned extra) {
    if (depth_ + extra <= kMaxAstDepth) return false;
    if (!depthReported_) {
        depthReported_ = true;
        error(DiagId::NestingTooDeep, r, {std::to_string(kMaxAstDepth)});
    }
    return true;
}

bool AstBuilder::checkTarget(const Expr* e) const {
    return e->isa<Identifier>() || e->isa<Member>() || e->isa<Index>();
}

ExprPtr AstBuilder::expression(P::ExpressionSequenceContext* ctx) {
    // Fast path (no vector): a single expression, the common case.
    if (ctx->children.size() == 1)
        return assignment(static_cast<P::AssignmentExpressionContext*>(ctx->children[0]));
    auto items = SUBS(ctx, AssignmentExpression);
    if (items.size() == 1) return assignment(items[0]);
    auto seq = node<Sequence>(range(ctx));
    for (auto* a : items)
        seq->exprs.push_back(assignment(a));
    return seq;
}

// a = b += c: operands and operators alternate; folded right to left.
ExprPtr AstBuilder::assignment(P::AssignmentExpressionContext* ctx) {
    if (ctx->children.size() == 1)
        return conditional(static_cast<P::ConditionalExpressionContext*>(ctx->children[0]));
    auto conds = SUBS(ctx, ConditionalExpression);
    auto ops = SUBS(ctx, AssignmentOperator);
    if (ops.empty()) return conditional(conds[0]);
    SourceRange whole = range(ctx);
    if (tooDeep(whole, unsigned(ops.size()))) return errorExpr(whole);
    ExprPtr value = conditional(conds.back());
    for (size_t i = ops.size(); i-- > 0;) {
        ExprPtr lhs = conditional(conds[i]);
        auto a = node<Assign>(join(lhs->range, value->range));
        a->op = assignOp(ops[i]->getStart()->getType());
        if (a->op != AssignOp::None && !checkTarget(lhs.get())) {
            error(DiagId::InvalidAssignTarget, lhs->range);
            a->target = node<IdentifierPattern>(lhs->range);
        } else {
            a->target = toPattern(std::move(lhs), false);
        }
        a->value = std::move(value);
        value = std::move(a);
    }
    return value;
}

ExprPtr AstBuilder::conditional(P::ConditionalExpressionContext* ctx) {
    // children: unaryExpression (binaryOperator unaryExpression)* ('?' a ':' b)?
    // The operator chain has an odd number of children, all rule contexts.
    auto& kids = ctx->children;
    size_t n = kids.size();
    bool isConditional = n >= 5 && tokenOf(kids[n - 4]) == P::QuestionMark;
    ExprPtr test = binary(kids, isConditional ? n - 4 : n);
    if (!isConditional) return test;

    DepthGuard g(*this);
    SourceRange r = range(ctx);
    if (tooDeep(r)) return errorExpr(r);
    auto c = node<Conditional>(r);
    c->test = std::move(test);
    c->consequent = assignment(static_cast<P::AssignmentExpressionContext*>(kids[n - 3]));
    c->alternate = assignment(static_cast<P::AssignmentExpressionContext*>(kids[n - 1]));
    return c;
}

ExprPtr AstBuilder::binary(const std::vector<antlr4::tree::ParseTree*>& kids, size_t end) {
    if (end == 1) return unary(static_cast<P::UnaryExpressionContext*>(kids[0]));
    std::vector<P::UnaryExpressionContext*> operands;
    std::vector<P::BinaryOperatorContext*> ops;
    operands.reserve(end / 2 + 1);
    ops.reserve(end / 2);
    for (size_t i = 0; i < end; ++i) {
        if (i % 2 == 0)
            operands.push_back(static_cast<P::UnaryExpressionContext*>(kids[i]));
        else
            ops.push_back(static_cast<P::BinaryOperatorContext*>(kids[i]));
    }
    SourceRange whole = range(operands.front()->getStart(), operands.back()->getStop());
    if (tooDeep(whole, unsigned(ops.size()))) return errorExpr(whole);

    // JavaScript rejects `-a ** b` (is it (-a)**b or -(a**b)?) and mixing ??
    // with && or || without parentheses; so do we, with a clear message.
    bool sawNullish = false, sawAndOr = false;
    for (size_t i = 0; i < ops.size(); ++i) {
        size_t t = ops[i]->getStart()->getType();
        if (t == P::Power && ruleOf(operands[i]->children[0]) == P::RuleUnaryOperator) {
            error(DiagId::SyntaxError, range(operands[i]),
                  {"a unary operator before '**' needs parentheses: write (-a) ** b or -(a ** b)"});
        }
        if (t == P::Nullish) sawNullish = true;
        if (t == P::And || t == P::Or) sawAndOr = true;
    }
    if (sawNullish && sawAndOr) {
        error(DiagId::SyntaxError, whole,
              {"'?\?' cannot be mixed with '&&' or '||' without parentheses"});
    }

    std::vector<ExprPtr> values;
    std::vector<OpInfo> opStack;
    values.reserve(operands.size());
    auto reduce = [&] {
        OpInfo op = opStack.back();
        opStack.pop_back();
        ExprPtr rhs = std::move(values.back());
        values.pop_back();
        ExprPtr lhs = std::move(values.back());
        values.pop_back();
        SourceRange r = join(lhs->range, rhs->range);
        if (op.logical) {
            auto n = node<Logical>(r);
            n->op = op.log;
            n->lhs = std::move(lhs);
            n->rhs = std::move(rhs);
            values.push_back(std::move(n));
        } else {
            auto n = node<Binary>(r);
            n->op = op.bin;
            n->lhs = std::move(lhs);
            n->rhs = std::move(rhs);
            values.push_back(std::move(n));
        }
    };
    values.push_back(unary(operands[0]));
    for (size_t i = 0; i < ops.size(); ++i) {
        OpInfo op = opInfo(ops[i]->getStart()->getType());
        while (!opStack.empty() && (opStack.back().prec > op.prec ||
                                    (opStack.back().prec == op.prec && !op.rightAssoc)))
            reduce();
        opStack.push_back(op);
        values.push_back(unary(operands[i + 1]));
    }
    while (!opStack.empty())
        reduce();
    return std::move(values.back());
}

ExprPtr AstBuilder::unary(P::UnaryExpressionContext* ctx) {
    // children: unaryOperator* (newExpression | primaryExpression) memberSuffix* ('++' | '--')?
    auto& kids = ctx->children;
    size_t nOps = 0;
    while (nOps < kids.size() && ruleOf(kids[nOps]) == P::RuleUnaryOperator)
        ++nOps;
    if (nOps == 0) return postfix(ctx, 0);
    SourceRange whole = range(ctx);
    if (tooDeep(whole, unsigned(nOps))) return errorExpr(whole);
    ExprPtr e = postfix(ctx, nOps);
    for (size_t i = nOps; i-- > 0;) {
        auto* op = static_cast<P::UnaryOperatorContext*>(kids[i]);
        size_t t = op->getStart()->getType();
        SourceRange r = join(range(op), e->range);
        switch (t) {
        case P::PlusPlus:
        case P::MinusMinus: {
            if (!checkTarget(e.get())) error(DiagId::InvalidAssignTarget, e->range);
            auto u = node<Update>(r);
            u->increment = t == P::PlusPlus;
            u->prefix = true;
            u->target = std::move(e);
            e = std::move(u);
            continue;
        }
        case P::Await: {
            auto a = node<Await>(r);
            a->expr = std::move(e);
            e = std::move(a);
            continue;
        }
        case P::Yield:
            unsupported(range(op), "'yield'", "generators are not part of Flow");
            continue;
        default:
            break;
        }
        auto u = node<Unary>(r);
        switch (t) {
        case P::Minus:
            u->op = UnaryOp::Neg;
            break;
        case P::Plus:
            u->op = UnaryOp::Plus;
            break;
        case P::Not:
            u->op = UnaryOp::Not;
            break;
        case P::BitNot:
            u->op = UnaryOp::BitNot;
            break;
        case P::Typeof:
            u->op = UnaryOp::TypeOf;
            break;
        case P::Void:
            u->op = UnaryOp::Void;
            break;
        case P::Delete:
            u->op = UnaryOp::Delete;
            if (e->isa<Identifier>())
                unsupported(r, "'delete' of a variable",
                            "delete removes object properties: delete obj.key");
            break;
        default:
            break;
        }
        u->operand = std::move(e);
        e = std::move(u);
    }
    return e;
}

ExprPtr AstBuilder::postfix(P::UnaryExpressionContext* ctx, size_t first) {
    auto& kids = ctx->children;
    size_t end = kids.size();
    TerminalNode* op = nullptr; // a postfix ++/-- is the only token child
    if (end > first + 1 && isToken(kids[end - 1])) op = static_cast<TerminalNode*>(kids[--end]);
    ExprPtr e = leftHandSide(kids, first, end);
    if (!op) return e;
    if (!checkTarget(e.get())) error(DiagId::InvalidAssignTarget, e->range);
    auto* operand = static_cast<antlr4::ParserRuleContext*>(kids[first]);
    auto u = node<Update>(range(operand->getStart(), op->getSymbol()));
    u->increment = op->getSymbol()->getType() == P::PlusPlus;
    u->prefix = false;
    u->target = std::move(e);
    return u;
}

ExprPtr AstBuilder::leftHandSide(P::LeftHandSideExpressionContext* ctx) {
    return leftHandSide(ctx->children, 0, ctx->children.size());
}

ExprPtr AstBuilder::leftHandSide(const std::vector<antlr4::tree::ParseTree*>& kids, size_t begin,
                                 size_t end) {
    DepthGuard g(*this);
    // kids[begin, end): (newExpression | primaryExpression) memberSuffix*
    auto* head = static_cast<antlr4::ParserRuleContext*>(kids[begin]);
    SourceRange whole =
        range(head->getStart(), static_cast<antlr4::ParserRuleContext*>(kids[end - 1])->getStop());
    if (tooDeep(whole, unsigned(end - begin - 1))) return errorExpr(whole);
    ExprPtr e = ruleOf(head) == P::RuleNewExpression
                    ? newExpression(static_cast<P::NewExpressionContext*>(head))
                    : primary(static_cast<P::PrimaryExpressionContext*>(head));
    bool optionalChain = false;
    for (size_t k = begin + 1; k < end; ++k) {
        auto* s = static_cast<P::MemberSuffixContext*>(kids[k]);
        SourceRange r{file_, e->range.begin, range(s).end};
        bool opt = TOK(s, QuestionDot) != nullptr;
        optionalChain |= opt;
        if (TOK(s, OpenBracket)) {
            auto n = node<Index>(r);
            n->object = std::move(e);
            n->index = expression(SUB(s, ExpressionSequence));
            n->optional = opt;
            e = std::move(n);
        } else if (SUB(s, Arguments)) {
            auto n = node<Call>(r);
            n->callee = std::move(e);
            arguments(SUB(s, Arguments), n->args);
            n->optional = opt;
            e = std::move(n);
        } else if (SUB(s, IdentifierName)) {
            auto n = node<Member>(r);
            n->object = std::move(e);
            n->name = std::string(text(SUB(s, IdentifierName)->getStart()));
            n->nameRange = range(SUB(s, IdentifierName));
            n->optional = opt;
            e = std::move(n);
        } else if (SUB(s, TemplateLiteral)) {
            unsupported(range(s), "a tagged template",
                        "call the function with the template as an argument: f(`...`)");
        }
    }
    if (optionalChain) {
        auto oc = node<OptionalChain>(e->range);
        oc->expr = std::move(e);
        return oc;
    }
    return e;
}

ExprPtr AstBuilder::newExpression(P::NewExpressionContext* ctx) {
    auto n = node<New>(range(ctx));
    ExprPtr callee = primary(SUB(ctx, PrimaryExpression));
    for (auto* m : SUBS(ctx, NewMember)) {
        SourceRange r{file_, callee->range.begin, range(m).end};
        if (SUB(m, IdentifierName)) {
            auto mem = node<Member>(r);
            mem->object = std::move(callee);
            mem->name = std::string(text(SUB(m, IdentifierName)->getStart()));
            mem->nameRange = range(SUB(m, IdentifierName));
            callee = std::move(mem);
        } else {
            auto idx = node<Index>(r);
            idx->object = std::move(callee);
            idx->index = expression(SUB(m, ExpressionSequence));
            callee = std::move(idx);
        }
    }
    n->callee = std::move(callee);
    if (SUB(ctx, Arguments)) arguments(SUB(ctx, Arguments), n->args);
    return n;
}

void AstBuilder::arguments(P::ArgumentsContext* ctx, std::vector<ExprPtr>& out) {
    for (auto* a : SUBS(ctx, Argument)) {
        ExprPtr v = assignment(SUB(a, AssignmentExpression));
        if (TOK(a, Ellipsis)) {
            auto s = node<Spread>(range(a));
            s->expr = std::move(v);
            v = std::move(s);
        }
        out.push_back(std::move(v));
    }
}

ExprPtr AstBuilder::identifierExpr(P::IdentifierContext* ctx) {
    auto id = node<Identifier>(range(ctx));
    id->name = std::string(text(ctx->getStart()));
    if (id->name == "arguments")
        unsupported(id->range, "'arguments'",
                    "declare a rest parameter instead: function f(...args)");
    return id;
}

ExprPtr AstBuilder::primary(P::PrimaryExpressionContext* ctx) {
    DepthGuard g(*this);
    SourceRange r = range(ctx);
    if (tooDeep(r)) return errorExpr(r);
    if (TOK(ctx, Arrow)) return arrow(ctx);
    switch (firstTokenType(ctx)) {
    case P::Start:
        if (SUB(ctx, Arguments)) {
            auto s = node<Start>(r);
            ExprPtr callee = identifierExpr(SUB(ctx, Identifier));
            for (auto* name : SUBS(ctx, IdentifierName)) {
                auto m = node<Member>(SourceRange{file_, callee->range.begin, range(name).end});
                m->object = std::move(callee);
                m->name = std::string(text(name->getStart()));
                m->nameRange = range(name);
                callee = std::move(m);
            }
            s->callee = std::move(callee);
            arguments(SUB(ctx, Arguments), s->args);
            if (SUB(ctx, ObjectLiteral)) s->options = objectLiteral(SUB(ctx, ObjectLiteral));
            return s;
        }
        break; // `start` used as a name
    case P::Async:
    case P::Function:
        if (TOK(ctx, Function)) {
            auto fe = node<FunctionExpr>(r);
            fe->fn = functionNode(FunctionKind::Expression, ctx, SUB(ctx, Identifier),
                                  SUB(ctx, FormalParameterList), SUB(ctx, FunctionBody));
            fe->fn->isAsync = TOK(ctx, Async) != nullptr;
            if (TOK(ctx, Multiply))
                unsupported(range(TOK(ctx, Multiply)), "a generator function ('function*')", "");
            return fe;
        }
        break;
    case P::OpenParen: {
        auto items = SUBS(ctx, ParenItem);
        if (items.empty()) {
            error(
                DiagId::SyntaxError, r,
                {"expected an expression inside '()' (or '=>' after '()' for an arrow function)"});
            return errorExpr(r);
        }
        std::vector<ExprPtr> exprs;
        for (auto* it : items) {
            if (TOK(it, Ellipsis))
                error(DiagId::SyntaxError, range(it),
                      {"'...' in parentheses is only allowed in arrow function parameters"});
            exprs.push_back(assignment(SUB(it, AssignmentExpression)));
        }
        if (exprs.size() == 1) {
            // Keep the parentheses in the range: (a).b reports at '('.
            exprs[0]->range.begin = std::min(exprs[0]->range.begin, r.begin);
            exprs[0]->range.end = std::max(exprs[0]->range.end, r.end);
            return std::move(exprs[0]);
        }
        auto seq = node<Sequence>(r);
        seq->exprs = std::move(exprs);
        return seq;
    }
    case P::This:
        return node<This>(r);
    case P::RegularExpressionLiteral:
        unsupported(r, "a regular expression literal",
                    "use string methods (includes, startsWith, split, replace with a string)");
        return errorExpr(r);
    case P::Class:
        unsupported(r, "'class'", "use functions that return object literals");
        return errorExpr(r);
    case P::Super:
        unsupported(r, "'super'", "Flow has no classes");
        return errorExpr(r);
    default:
        break;
    }
    if (SUB(ctx, Identifier)) return identifierExpr(SUB(ctx, Identifier));
    if (SUB(ctx, Literal)) return literal(SUB(ctx, Literal));
    if (SUB(ctx, ArrayLiteral)) return arrayLiteral(SUB(ctx, ArrayLiteral));
    if (SUB(ctx, ObjectLiteral)) return objectLiteral(SUB(ctx, ObjectLiteral));
    if (SUB(ctx, TemplateLiteral)) return templateLiteral(SUB(ctx, TemplateLiteral));
    return errorExpr(r);
}

// x => ..., async x => ..., (a, b = 1, ...rest) => ..., async () => ...
ExprPtr AstBuilder::arrow(P::PrimaryExpressionContext* ctx) {
    auto fe = node<FunctionExpr>(range(ctx));
    auto fn = std::make_unique<FunctionNode>();
    fn->kind = FunctionKind::Arrow;
    fn->range = fe->range;
    fn->isAsync = TOK(ctx, Async) != nullptr;
    if (SUB(ctx, Identifier)) {
        auto p = node<IdentifierPattern>(range(SUB(ctx, Identifier)));
        p->name = std::string(text(SUB(ctx, Identifier)->getStart()));
        fn->params.push_back(Param{std::move(p), nullptr});
    } else {
        auto items = SUBS(ctx, ParenItem);
        for (size_t i = 0; i < items.size(); ++i) {
            ExprPtr e = assignment(SUB(items[i], AssignmentExpression));
            if (TOK(items[i], Ellipsis)) {
                if (i + 1 != items.size())
                    error(DiagId::SyntaxError, range(items[i]), {"a rest parameter must be last"});
                fn->rest = toPattern(std::move(e), true);
                continue;
            }
            Param p;
            if (auto* a = e->as<Assign>(); a && a->op == AssignOp::None) {
                p.target = std::move(a->target);
                p.init = std::move(a->value);
            } else {
                p.target = toPattern(std::move(e), true);
            }
            fn->params.push_back(std::move(p));
        }
    }
    auto* body = SUB(ctx, ArrowBody);
    if (auto* fb = SUB(body, FunctionBody)) {
        fn->body = block(fb);
    } else {
        fn->exprBody = assignment(SUB(body, AssignmentExpression));
    }
    fe->fn = std::move(fn);
    return fe;
}

ExprPtr AstBuilder::literal(P::LiteralContext* ctx) {
    SourceRange r = range(ctx);
    switch (firstTokenType(ctx)) {
    case P::NullLiteral:
        return node<NullLit>(r);
    case P::True: {
        auto b = node<BoolLit>(r);
        b->value = true;
        return b;
    }
    case P::False:
        return node<BoolLit>(r);
    case P::NumberLiteral:
        return number(TOK(ctx, NumberLiteral));
    case P::StringLiteral: {
        auto s = node<StringLit>(r);
        s->value = stringValue(TOK(ctx, StringLiteral));
        return s;
    }
    default: // UnterminatedString: already reported by the token pre-pass
        return node<StringLit>(r);
    }
}

ExprPtr AstBuilder::number(TerminalNode* t) {
    SourceRange r = range(t);
    std::string_view s = text(t);
    NumberResult res = decodeNumber(s);
    switch (res.kind) {
    case NumberResult::Kind::Number: {
        auto n = node<NumberLit>(r);
        n->value = res.value;
        return n;
    }
    case NumberResult::Kind::Duration: {
        auto d = node<DurationLit>(r);
        d->millis = res.value;
        d->text = std::string(s);
        return d;
    }
    case NumberResult::Kind::BadDuration:
        error(DiagId::InvalidDuration, r, {std::string(s)});
        break;
    case NumberResult::Kind::BigInt:
        unsupported(r, "a BigInt literal ('" + std::string(s) + "')", "numbers are IEEE doubles");
        break;
    case NumberResult::Kind::BadNumber:
        error(DiagId::InvalidNumber, r, {std::string(s)});
        break;
    }
    return node<NumberLit>(r);
}

std::string AstBuilder::stringValue(TerminalNode* t) {
    std::string_view s = text(t);
    if (s.size() < 2) return {};
    EscapeError err;
    std::string v = decodeStringBody(s.substr(1, s.size() - 2), err);
    if (err.failed) {
        SourceRange r = range(t);
        uint32_t b = r.begin + 1 + uint32_t(err.offset);
        error(DiagId::InvalidEscape, SourceRange{file_, b, b + uint32_t(err.length)}, {err.text});
    }
    return v;
}

ExprPtr AstBuilder::templateLiteral(P::TemplateLiteralContext* ctx) {
    auto t = node<TemplateLit>(range(ctx));
    std::string raw;
    uint32_t rawBegin = 0;
    auto flush = [&] {
        EscapeError err;
        t->quasis.push_back(cookTemplateChunk(raw, err));
        if (err.failed) {
            uint32_t b = rawBegin + uint32_t(err.offset);
            error(DiagId::InvalidEscape, SourceRange{file_, b, b + uint32_t(err.length)},
                  {err.text});
        }
        raw.clear();
    };
    for (auto* part : SUBS(ctx, TemplatePart)) {
        if (TOK(part, TemplateSubstStart)) {
            flush();
            t->exprs.push_back(expression(SUB(part, ExpressionSequence)));
            continue;
        }
        if (raw.empty()) rawBegin = range(part).begin;
        raw += text(part->getStart());
    }
    flush();
    return t;
}

ExprPtr AstBuilder::arrayLiteral(P::ArrayLiteralContext* ctx) {
    auto a = node<ArrayLit>(range(ctx));
    bool expectElement = true;
    for (auto* child : ctx->children) {
        if (auto* el = ruleOf(child) == P::RuleArrayElement
                           ? static_cast<P::ArrayElementContext*>(child)
                           : nullptr) {
            if (!expectElement)
                error(DiagId::SyntaxError, range(el), {"expected ',' between array elements"});
            ExprPtr v = assignment(SUB(el, AssignmentExpression));
            if (TOK(el, Ellipsis)) {
                auto s = node<Spread>(range(el));
                s->expr = std::move(v);
                v = std::move(s);
            }
            a->elements.push_back(std::move(v));
            expectElement = false;
        } else if (tokenOf(child) == P::Comma) {
            auto* tn = static_cast<TerminalNode*>(child);
            if (expectElement) {
                // A hole: fine if the literal becomes an assignment pattern
                // ([, b] = xs); otherwise reported by topLevel(). The
                // placeholder keeps the AST well-formed either way.
                auto u = node<Identifier>(range(tn));
                u->name = "undefined";
                holes_.emplace_back(u.get(), u->range);
                a->elements.push_back(std::move(u));
            }
            expectElement = true;
        }
    }
    return a;
}

std::string AstBuilder::propertyKey(P::PropertyNameContext* ctx, ExprPtr& computed) {
    if (SUB(ctx, IdentifierName)) return std::string(text(ctx->getStart()));
    if (TOK(ctx, StringLiteral)) return stringValue(TOK(ctx, StringLiteral));
    if (TOK(ctx, NumberLiteral)) {
        // Number keys are strings in JavaScript: {1.0: x} has the key "1".
        ExprPtr n = number(TOK(ctx, NumberLiteral));
        if (auto* lit = n->as<NumberLit>()) return jsNumberToString(lit->value);
        if (auto* d = n->as<DurationLit>()) return jsNumberToString(d->millis);
        return std::string(text(ctx->getStart()));
    }
    computed = assignment(SUB(ctx, AssignmentExpression));
    return {};
}

ExprPtr AstBuilder::objectLiteral(P::ObjectLiteralContext* ctx) {
    auto o = node<ObjectLit>(range(ctx));
    bool hasCoverInit = false;
    for (auto* p : SUBS(ctx, PropertyAssignment)) {
        Property prop;
        prop.range = range(p);
        if (TOK(p, Ellipsis)) {
            prop.kind = Property::Kind::Spread;
            prop.value = assignment(SUB(p, AssignmentExpression));
        } else if (SUB(p, FunctionBody)) {
            if (SUB(p, Identifier)) {
                std::string_view word = text(SUB(p, Identifier)->getStart());
                if (word == "get" || word == "set")
                    unsupported(prop.range, "a getter or setter",
                                "use a method (" + std::string(word) +
                                    "X() { ... }) or a plain property");
                else
                    error(DiagId::SyntaxError, range(SUB(p, Identifier)),
                          {"unexpected '" + std::string(word) + "' before a method name"});
            }
            prop.kind = Property::Kind::Method;
            prop.key = propertyKey(SUB(p, PropertyName), prop.computedKey);
            auto fe = node<FunctionExpr>(prop.range);
            fe->fn = functionNode(FunctionKind::Method, p, nullptr, SUB(p, FormalParameterList),
                                  SUB(p, FunctionBody));
            fe->fn->name = prop.key;
            fe->fn->isAsync = TOK(p, Async) != nullptr;
            if (TOK(p, Multiply)) unsupported(range(TOK(p, Multiply)), "a generator method", "");
            prop.value = std::move(fe);
        } else if (SUB(p, PropertyName)) {
            prop.kind = Property::Kind::Init;
            prop.key = propertyKey(SUB(p, PropertyName), prop.computedKey);
            prop.value = assignment(SUB(p, AssignmentExpression));
        } else if (TOK(p, Assign)) {
            // {a = 1}: only meaningful once this literal becomes a pattern.
            prop.kind = Property::Kind::Shorthand;
            prop.key = std::string(text(SUB(p, Identifier)->getStart()));
            auto a = node<Assign>(prop.range);
            auto target = node<IdentifierPattern>(range(SUB(p, Identifier)));
            target->name = prop.key;
            a->target = std::move(target);
            a->value = assignment(SUB(p, AssignmentExpression));
            prop.value = std::move(a);
            hasCoverInit = true;
        } else {
            prop.kind = Property::Kind::Shorthand;
            prop.value = identifierExpr(SUB(p, Identifier));
            prop.key = prop.value->as<Identifier>()->name;
        }
        o->props.push_back(std::move(prop));
    }
    if (hasCoverInit) coverInits_.emplace_back(o.get(), o->range);
    return o;
}

} // namespace flow::compiler::parse
