#pragma once
// AstBuilder.h — internal to compiler/src/parse: turns ANTLR parse trees of
// FlowParser into the AST of Ast.h. Only files of this directory see ANTLR types.
//
// The builder is iterative where input can be long (operator chains, member
// chains, statement lists) and recursive only where the source nests; that
// recursion is bounded by kMaxAstDepth (FLOW1010), so that no later pass that
// walks the AST recursively can run out of stack.
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "FlowParser.h"
#include "flow/compiler/Ast.h"
#include "flow/compiler/Diagnostics.h"

namespace flow::compiler::parse {

// Brackets ((, [, {, ${) nested deeper than this are rejected before parsing
// (FLOW1010). Real code rarely goes past 20; 256 keeps ANTLR's recursive
// descent (about ten C++ frames per level) far from the stack limit.
constexpr unsigned kMaxNesting = 256;
// The deepest AST the builder produces (FLOW1010). Sema, codegen and the dumps
// walk the AST recursively; 1024 levels of a few hundred bytes each fit any
// thread's stack. Long operator or member chains count one level per link.
constexpr unsigned kMaxAstDepth = 1024;
// Operators (and other links that deepen the tree: calls, '.', '=>', '?') in
// one line of one bracket level; longer chains are rejected by the token
// pre-pass (FLOW1012) before ANTLR builds a parse tree for them.
constexpr unsigned kMaxChain = 1024;

// ---- parse-tree access without RTTI casts
// The generated accessors (ctx->expressionSequence(), ctx->Comma(), ...) test
// every child with a dynamic_cast, and each failed test compares type names
// with strcmp: that was ~10 % of a compile. These helpers tell a token from a
// rule context by its type_info (an address comparison when it matches) and a
// rule from another by its rule index. The builder only sees error-free trees.
inline bool isToken(antlr4::tree::ParseTree* t) {
    // A token node never has children; most rule contexts do, and this test
    // spares them the type_info comparisons (each a strcmp when unequal).
    if (!t->children.empty()) return false;
    const std::type_info& ti = typeid(*t);
    return ti == typeid(grammar::FlowTerminalNode) ||
           ti == typeid(antlr4::tree::TerminalNodeImpl) ||
           ti == typeid(antlr4::tree::ErrorNodeImpl);
}
// The rule index of a child, or SIZE_MAX for a token.
inline size_t ruleOf(antlr4::tree::ParseTree* t) {
    return isToken(t) ? SIZE_MAX : static_cast<antlr4::RuleContext*>(t)->getRuleIndex();
}
// The token type of a child, or SIZE_MAX for a rule context.
inline size_t tokenOf(antlr4::tree::ParseTree* t) {
    return isToken(t) ? static_cast<antlr4::tree::TerminalNode*>(t)->getSymbol()->getType()
                      : SIZE_MAX;
}
// The nth child of rule `rule` (nullptr if there is none).
template <class T>
T* childRule(antlr4::ParserRuleContext* ctx, size_t rule, size_t nth = 0) {
    for (auto* c : ctx->children)
        if (ruleOf(c) == rule && nth-- == 0) return static_cast<T*>(c);
    return nullptr;
}
template <class T>
std::vector<T*> childRules(antlr4::ParserRuleContext* ctx, size_t rule) {
    std::vector<T*> out;
    for (auto* c : ctx->children)
        if (ruleOf(c) == rule) out.push_back(static_cast<T*>(c));
    return out;
}
inline antlr4::tree::TerminalNode* childToken(antlr4::ParserRuleContext* ctx, size_t type,
                                              size_t nth = 0) {
    for (auto* c : ctx->children)
        if (tokenOf(c) == type && nth-- == 0) return static_cast<antlr4::tree::TerminalNode*>(c);
    return nullptr;
}
inline std::vector<antlr4::tree::TerminalNode*> childTokens(antlr4::ParserRuleContext* ctx,
                                                            size_t type) {
    std::vector<antlr4::tree::TerminalNode*> out;
    for (auto* c : ctx->children)
        if (tokenOf(c) == type) out.push_back(static_cast<antlr4::tree::TerminalNode*>(c));
    return out;
}
// SUB(ctx, UnaryExpression) is ctx->unaryExpression() (the first one, or the
// nth with a third argument); SUBS gives them all; TOK/TOKS the same for tokens.
#define SUB(ctx, Name, ...)                                                                        \
    ::flow::compiler::parse::childRule<::flow::grammar::FlowParser::Name##Context>(                \
        ctx, ::flow::grammar::FlowParser::Rule##Name __VA_OPT__(, ) __VA_ARGS__)
#define SUBS(ctx, Name)                                                                            \
    ::flow::compiler::parse::childRules<::flow::grammar::FlowParser::Name##Context>(               \
        ctx, ::flow::grammar::FlowParser::Rule##Name)
#define TOK(ctx, Name, ...)                                                                        \
    ::flow::compiler::parse::childToken(ctx, ::flow::grammar::FlowParser::Name __VA_OPT__(, )      \
                                                 __VA_ARGS__)
#define TOKS(ctx, Name) ::flow::compiler::parse::childTokens(ctx, ::flow::grammar::FlowParser::Name)

// Maps ANTLR's character (code point) indexes to byte offsets in the UTF-8 source.
class OffsetMap {
public:
    // Called for each code point that takes more than one byte, in order.
    void addMultiByte(uint32_t cpIndex, uint32_t extraBytes);
    uint32_t byteOffset(size_t cpIndex) const {
        // ASCII-only files (the usual case) need no search.
        return marks_.empty() ? uint32_t(cpIndex) : searchOffset(cpIndex);
    }

private:
    uint32_t searchOffset(size_t cpIndex) const;
    // (index of the code point after a multi-byte one, total extra bytes so far)
    std::vector<std::pair<uint32_t, uint32_t>> marks_;
};

class AstBuilder {
public:
    using P = grammar::FlowParser;

    AstBuilder(uint32_t fileId, std::string_view source, const OffsetMap& map,
               DiagnosticEngine& diags)
        : file_(fileId), src_(source), map_(map), diags_(diags) {}

    // One top-level statement (FLOW3009/FLOW5006 are not reported for it).
    ast::StmtPtr topLevel(P::StatementContext* ctx);

    // ---- positions and text (public for the driver's error listener)
    ast::SourceRange range(antlr4::Token* first, antlr4::Token* last) const;
    ast::SourceRange range(antlr4::ParserRuleContext* ctx) const;
    ast::SourceRange range(antlr4::tree::TerminalNode* t) const {
        return range(t->getSymbol(), t->getSymbol());
    }
    std::string_view text(antlr4::Token* t) const;
    std::string_view text(antlr4::tree::TerminalNode* t) const { return text(t->getSymbol()); }

private:
    friend struct DepthGuard;
    // ---------------------------------------------------------- statements (AstBuilder.cpp)
    ast::StmtPtr statement(P::StatementContext* ctx, bool top);
    ast::StmtPtr statementBody(P::StatementContext* ctx, bool top);
    // A block of the `statement` children of ctx (block, functionBody).
    std::unique_ptr<ast::Block> block(antlr4::ParserRuleContext* ctx);
    ast::StmtPtr variableStatement(P::VariableDeclarationListContext* ctx, bool exported);
    std::unique_ptr<ast::VarDecl> varDecls(P::VariableDeclarationListContext* ctx);
    ast::StmtPtr functionDeclaration(P::FunctionDeclarationContext* ctx, bool exported);
    ast::StmtPtr workflow(P::WorkflowDeclarationContext* ctx, bool exported, bool top);
    ast::StmtPtr task(P::TaskDeclarationContext* ctx, bool exported, bool top);
    ast::StmtPtr trigger(P::TriggerDeclarationContext* ctx, bool top);
    ast::StmtPtr test(P::TestDeclarationContext* ctx, bool top);
    ast::StmtPtr importStatement(P::ImportStatementContext* ctx, bool top);
    ast::StmtPtr exportStatement(P::ExportStatementContext* ctx, bool top);
    ast::StmtPtr ifStatement(P::IfStatementContext* ctx);
    ast::StmtPtr forStatement(P::ForStatementContext* ctx);
    ast::StmtPtr switchStatement(P::SwitchStatementContext* ctx);
    ast::StmtPtr tryStatement(P::TryStatementContext* ctx);
    ast::StmtPtr labelled(P::LabelledStatementContext* ctx);

    // ---------------------------------------------------------- functions and patterns
    void params(P::FormalParameterListContext* ctx, ast::FunctionNode& fn);
    std::unique_ptr<ast::FunctionNode> functionNode(ast::FunctionKind kind,
                                                    antlr4::ParserRuleContext* whole,
                                                    P::IdentifierContext* name,
                                                    P::FormalParameterListContext* params,
                                                    P::FunctionBodyContext* body);
    ast::PatternPtr bindingPattern(P::BindingPatternContext* ctx);
    // Converts an expression (cover grammar) to an assignment/parameter target.
    // `binding`: parameters, where only names and destructuring are allowed.
    ast::PatternPtr toPattern(ast::ExprPtr e, bool binding);
    void toElement(ast::ExprPtr e, ast::PatternElement& out, bool binding);

    // ---------------------------------------------------------- expressions (ExprBuilder.cpp)
public:
    ast::ExprPtr expression(P::ExpressionSequenceContext* ctx);
    ast::ExprPtr assignment(P::AssignmentExpressionContext* ctx);

private:
    ast::ExprPtr conditional(P::ConditionalExpressionContext* ctx);
    // children[0, end) of a conditionalExpression: unaryExpression (binaryOperator
    // unaryExpression)*
    ast::ExprPtr binary(const std::vector<antlr4::tree::ParseTree*>& children, size_t end);
    ast::ExprPtr unary(P::UnaryExpressionContext* ctx);
    // The operand of a unaryExpression, from its child `first` on: the
    // operand, its member suffixes and a postfix ++/--.
    ast::ExprPtr postfix(P::UnaryExpressionContext* ctx, size_t first);
    ast::ExprPtr leftHandSide(P::LeftHandSideExpressionContext* ctx);
    // children[begin, end): (newExpression | primaryExpression) memberSuffix*
    ast::ExprPtr leftHandSide(const std::vector<antlr4::tree::ParseTree*>& children, size_t begin,
                              size_t end);
    ast::ExprPtr newExpression(P::NewExpressionContext* ctx);
    ast::ExprPtr primary(P::PrimaryExpressionContext* ctx);
    ast::ExprPtr arrow(P::PrimaryExpressionContext* ctx);
    ast::ExprPtr literal(P::LiteralContext* ctx);
    ast::ExprPtr number(antlr4::tree::TerminalNode* t);
    ast::ExprPtr templateLiteral(P::TemplateLiteralContext* ctx);
    ast::ExprPtr arrayLiteral(P::ArrayLiteralContext* ctx);
    ast::ExprPtr objectLiteral(P::ObjectLiteralContext* ctx);
    void arguments(P::ArgumentsContext* ctx, std::vector<ast::ExprPtr>& out);
    ast::ExprPtr identifierExpr(P::IdentifierContext* ctx);
    bool checkTarget(const ast::Expr* e) const; // Identifier, Member or Index
    std::string propertyKey(P::PropertyNameContext* ctx, ast::ExprPtr& computed);

public:
    std::string stringValue(antlr4::tree::TerminalNode* t);

private:
    ast::ExprPtr errorExpr(ast::SourceRange r);

    // ---------------------------------------------------------- diagnostics
    void error(DiagId id, ast::SourceRange r, std::initializer_list<std::string> args = {}) {
        diags_.report(id, r, args);
    }
    void unsupported(ast::SourceRange r, const std::string& what, const std::string& hint) {
        diags_.report(DiagId::Unsupported, r, {what, hint.empty() ? "" : "; " + hint});
    }
    // True (and FLOW1010 reported once) when the tree would get deeper than kMaxAstDepth.
    bool tooDeep(ast::SourceRange r, unsigned extra = 0);

    template <class T>
    std::unique_ptr<T> node(ast::SourceRange r) {
        auto n = std::make_unique<T>();
        n->range = r;
        return n;
    }

    uint32_t file_;
    std::string_view src_;
    const OffsetMap& map_;
    DiagnosticEngine& diags_;
    unsigned depth_ = 0;
    bool depthReported_ = false;
    // Object literals holding `{a = 1}` (valid only once converted to a
    // pattern); whatever is left after a statement is reported.
    std::vector<std::pair<const ast::Expr*, ast::SourceRange>> coverInits_;
    // Holes of array literals ([1,,2]): placeholders that are errors unless
    // the literal is reinterpreted as an array pattern ([, b] = xs).
    std::vector<std::pair<const ast::Expr*, ast::SourceRange>> holes_;
};

// Counts one level of AST nesting for the builder's recursive calls.
struct DepthGuard {
    AstBuilder& b;
    explicit DepthGuard(AstBuilder& builder) : b(builder) { ++b.depth_; }
    ~DepthGuard() { --b.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
};

} // namespace flow::compiler::parse
