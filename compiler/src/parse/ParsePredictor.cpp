// ParsePredictor.cpp — hand predictions for the parser's busiest decisions.
//
// ANTLR evaluates semantic predicates only when lookahead alone cannot choose,
// so with ASI's predicate-only `eos` alternatives some decisions scanned whole
// function bodies before choosing (`function f() {...}`: a declaration, or an
// expression statement followed by an inserted semicolon?). These decisions
// are LL(1)/LL(2) with JavaScript's rules, so they are predicted here; every
// other decision goes to ANTLR. Besides, each decision was ~300 ns in ANTLR's
// adaptivePredict even when its DFA had the answer cached, and the expression
// decisions run once or more per operand.
//
// The token sets come from the grammar's ATN (first sets of rules and of
// alternatives), so they follow FlowParser.g4. The few alternative numbers
// written here are checked against the ATN when the predictor is built; a
// decision whose shape differs is left to ANTLR. FLOW_PARSE_SELFCHECK makes
// every prediction of the SLL pass ask ANTLR too and abort on a disagreement
// (ctest parse-predictor runs it over every valid program).
#include "ParsePredictor.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "EdgeCache.h"

namespace flow::compiler::parse {

namespace {

using antlr4::atn::ATN;
using antlr4::atn::ATNState;
using grammar::FlowParser;

// A set of token types (EOF, -1, is never a member).
class TokenTable {
public:
    TokenTable() = default;
    TokenTable(const ATN& atn, const antlr4::misc::IntervalSet& set)
        : alt_(atn.maxTokenType + 1, 0) {
        for (ssize_t t : set.toList())
            if (t >= 0 && size_t(t) < alt_.size()) alt_[size_t(t)] = 1;
    }
    bool has(size_t t) const { return t < alt_.size() && alt_[t] != 0; }
    // As a map: the only alternative whose first set holds t, else 0.
    size_t alt(size_t t) const { return t < alt_.size() ? alt_[t] : 0; }

    // The first set of rule `rule`.
    static TokenTable first(const ATN& atn, size_t rule) {
        return TokenTable(atn, atn.nextTokens(atn.ruleToStartState[rule]));
    }
    // token -> the only alternative of `decision` it can start (0: several or
    // none). `ll1` tells whether one token always decides: no two alternatives
    // share a first token, and none can be empty (whose lookahead would be
    // what follows the rule, which depends on the caller).
    static TokenTable uniqueAlternatives(const ATN& atn, ATNState* decision, bool* ll1 = nullptr) {
        TokenTable m;
        m.alt_.assign(atn.maxTokenType + 1, 0);
        std::vector<char> seen(m.alt_.size(), 0);
        bool disjoint = decision->transitions.size() < 256;
        for (size_t a = 0; a < decision->transitions.size(); ++a) {
            for (ssize_t t : atn.nextTokens(decision->transitions[a]->target).toList()) {
                if (t < 0 || size_t(t) >= m.alt_.size()) {
                    disjoint = false; // EPSILON or EOF: the follow matters
                    continue;
                }
                if (seen[size_t(t)]) disjoint = false;
                m.alt_[size_t(t)] = seen[size_t(t)] ? 0 : uint8_t(a + 1);
                seen[size_t(t)] = 1;
            }
        }
        if (ll1) *ll1 = disjoint;
        return m;
    }

private:
    std::vector<uint8_t> alt_;
};

bool firstOfAltHas(const ATN& atn, ATNState* decision, size_t alt, size_t token) {
    return alt >= 1 && alt <= decision->transitions.size() &&
           atn.nextTokens(decision->transitions[alt - 1]->target).contains(token);
}

// statement's alternatives that the predictor names (see the comment on
// `statement` in FlowParser.g4); the others come from the first sets.
enum StatementAlt : size_t {
    Block = 1,
    FunctionDecl = 6,
    WorkflowDecl = 7,
    TaskDecl = 8,
    TriggerDecl = 9,
    TestDecl = 10,
    ClassDecl = 11,
    Labelled = 23,
    ExpressionStmt = 24,
};
// primaryExpression's: start wf(), function, x => ..., a name.
enum PrimaryAlt : size_t {
    StartCall = 1,
    FunctionExpr = 2,
    AsyncNameArrow = 3,
    AsyncParenArrow = 4,
    NameArrow = 5,
    Name = 8
};

class Predictor : public antlr4::atn::ParserATNSimulator {
public:
    explicit Predictor(FlowParser* p)
        : ParserATNSimulator(p, p->getATN(), FlowParser::decisionDFA(), FlowParser::contextCache()),
          parser_(p), edges_(p->getATN().maxTokenType + 2) {
        const ATN& atn = p->getATN();
        identifier_ = TokenTable::first(atn, FlowParser::RuleIdentifier);
        identifierName_ = TokenTable::first(atn, FlowParser::RuleIdentifierName);
        propertyName_ = TokenTable::first(atn, FlowParser::RulePropertyName);
        statementStart_ = TokenTable::first(atn, FlowParser::RuleStatement);
        binaryOperator_ = TokenTable::first(atn, FlowParser::RuleBinaryOperator);
        assignOperator_ = TokenTable::first(atn, FlowParser::RuleAssignmentOperator);
        suffixStart_ = TokenTable::first(atn, FlowParser::RuleMemberSuffix);
        always_.assign(atn.decisionToState.size(), Always::None);
        fast_.assign(atn.decisionToState.size(), Fast::None);
        optionalToken_.assign(atn.decisionToState.size(), 0);
        for (size_t d = 0; d < atn.decisionToState.size(); ++d) {
            classifyAlways(atn, d);
            classifyFast(atn, d);
        }
    }

    size_t adaptivePredict(antlr4::TokenStream* input, size_t decision,
                           antlr4::ParserRuleContext* outer) override {
        if (decision >= fast_.size())
            return ParserATNSimulator::adaptivePredict(input, decision, outer);
        // The SLL pass only: its errors are never reported (a failing
        // statement is parsed again in LL mode, where these decisions go to
        // ANTLR as before, so diagnostics do not change). A prediction here
        // only has to agree with ANTLR on valid input; where it cannot tell,
        // it returns 0 and ANTLR decides.
        bool sll = getPredictionMode() == antlr4::atn::PredictionMode::SLL;
        if (sll && fast_[decision] != Fast::None) {
            if (size_t alt = predictFast(input, fast_[decision], decision)) {
                if (selfCheck()) checkAgainstAntlr(input, decision, outer, alt);
                return alt;
            }
        }
        // Both passes: LL(1) decisions whose hand answer is also what the
        // error messages of the LL pass were written against.
        if (size_t alt = predictAlways(input, always_[decision])) {
            if (sll && selfCheck() && always_[decision] == Always::Statement)
                checkAgainstAntlr(input, decision, outer, alt);
            return alt;
        }
        return ParserATNSimulator::adaptivePredict(input, decision, outer);
    }

protected:
    // Token types are shifted by one so that EOF (-1) is column 0.
    antlr4::dfa::DFAState* getExistingTargetState(antlr4::dfa::DFAState* from, size_t t) override {
        size_t table = _dfa->decision;
        if (auto* d = edges_.get(table, from, t + 1)) return d;
        antlr4::dfa::DFAState* d = ParserATNSimulator::getExistingTargetState(from, t);
        if (d) edges_.put(table, from, t + 1, d);
        return d;
    }

private:
    // Decisions predicted in both passes.
    enum class Always : uint8_t {
        None,
        Statement,  // the 24 alternatives of statement
        ArrowBody,  // functionBody | {notOpenBrace()}? assignmentExpression
        BinaryLoop, // (binaryOperator unaryExpression)* of conditionalExpression
        AssignLoop, // (assignmentOperator conditionalExpression)*
        CommaLoop,  // (',' assignmentExpression)* of expressionSequence
        SuffixLoop, // memberSuffix* (unaryExpression, leftHandSideExpression)
        Operand,    // return/throw ({no newline}? expressionSequence)?
        Label,      // break/continue ({no newline}? identifier)?
    };
    // Decisions predicted from one or two tokens in the SLL pass only.
    enum class Fast : uint8_t {
        None,
        CommaLoop,     // (',' x)* ','?  : enter on ',' not followed by a closer
        StatementLoop, // statement*     : enter on a token that starts a statement
        LL1,           // the first token tells the alternatives apart (ll1Alt_)
        Optional,      // (T ...)?       : enter on T (optionalToken_)
        Postfix,       // ({no newline}? ('++' | '--'))?
        Primary,       // the 15 alternatives of primaryExpression
        MemberSuffix,  // the 5 alternatives of memberSuffix
        Property,      // the 6 alternatives of propertyAssignment
        BindingProperty,
        Eos,
        ForHead, // for (let/const x of ...) or for (let/const x = ...; ...)
    };

    // FLOW_PARSE_SELFCHECK set (tests only, tests/compiler/check_predictor.py).
    static bool selfCheck() {
        static const bool on = std::getenv("FLOW_PARSE_SELFCHECK") != nullptr;
        return on;
    }
    void checkAgainstAntlr(antlr4::TokenStream* input, size_t decision,
                           antlr4::ParserRuleContext* outer, size_t alt) {
        size_t want = ParserATNSimulator::adaptivePredict(input, decision, outer);
        if (want == alt) return;
        std::fprintf(stderr,
                     "flowc: internal: hand prediction %zu, ANTLR %zu, decision %zu (rule %s) "
                     "at line %zu\n",
                     alt, want, decision,
                     parser_->getRuleNames()[atn.decisionToState[decision]->ruleIndex].c_str(),
                     input->LT(1)->getLine());
        std::abort();
    }

    static bool isOnly(const antlr4::misc::IntervalSet& set, size_t t) {
        return set.size() == 1 && set.contains(t);
    }

    void classifyAlways(const ATN& atn, size_t d) {
        ATNState* st = atn.decisionToState[d];
        size_t alts = st->transitions.size();
        Always& kind = always_[d];
        switch (st->ruleIndex) {
        case FlowParser::RuleStatement:
            if (alts == 24 && firstOfAltHas(atn, st, Block, FlowParser::OpenBrace) &&
                firstOfAltHas(atn, st, FunctionDecl, FlowParser::Function) &&
                firstOfAltHas(atn, st, WorkflowDecl, FlowParser::Workflow) &&
                firstOfAltHas(atn, st, TaskDecl, FlowParser::Task) &&
                firstOfAltHas(atn, st, TriggerDecl, FlowParser::On) &&
                firstOfAltHas(atn, st, TestDecl, FlowParser::Test) &&
                firstOfAltHas(atn, st, ClassDecl, FlowParser::Class) &&
                firstOfAltHas(atn, st, Labelled, FlowParser::Identifier) &&
                firstOfAltHas(atn, st, ExpressionStmt, FlowParser::Identifier)) {
                kind = Always::Statement;
                statementAlt_ = TokenTable::uniqueAlternatives(atn, st);
            }
            return;
        case FlowParser::RuleReturnStatement:
        case FlowParser::RuleThrowStatement:
            if (alts == 2) kind = Always::Operand;
            return;
        case FlowParser::RuleBreakStatement:
        case FlowParser::RuleContinueStatement:
            if (alts == 2) kind = Always::Label;
            return;
        case FlowParser::RuleArrowBody:
            if (alts == 2) kind = Always::ArrowBody;
            return;
        default:
            break;
        }
        // `(op operand)*` loops of the flat expression rules: an operator
        // always continues the expression (JavaScript inserts no semicolon
        // before a binary operator, '(' or '['), so one token decides. This
        // also puts the error of `a +;` at ';' instead of at '+'.
        if (st->getStateType() != ATNState::STAR_LOOP_ENTRY || alts != 2) return;
        switch (st->ruleIndex) {
        case FlowParser::RuleConditionalExpression:
            kind = Always::BinaryLoop;
            break;
        case FlowParser::RuleAssignmentExpression:
            kind = Always::AssignLoop;
            break;
        case FlowParser::RuleLeftHandSideExpression:
        case FlowParser::RuleUnaryExpression: // memberSuffix*, not unaryOperator*
            if (atn.nextTokens(st->transitions[0]->target).toList() ==
                atn.nextTokens(atn.ruleToStartState[FlowParser::RuleMemberSuffix]).toList())
                kind = Always::SuffixLoop;
            break;
        case FlowParser::RuleExpressionSequence:
            kind = Always::CommaLoop;
            break;
        default:
            break;
        }
    }

    void classifyFast(const ATN& atn, size_t d) {
        classifyNamed(atn, d);
        if (fast_[d] != Fast::None || always_[d] != Always::None) return;
        // Any other LL(1) decision: (newExpression | primaryExpression),
        // unaryOperator*, bindingPattern, propertyName, ...
        bool ll1 = false;
        TokenTable alts = TokenTable::uniqueAlternatives(atn, atn.decisionToState[d], &ll1);
        if (!ll1) return;
        fast_[d] = Fast::LL1;
        ll1Alt_.resize(atn.decisionToState.size());
        ll1Alt_[d] = std::move(alts);
    }

    void classifyNamed(const ATN& atn, size_t d) {
        ATNState* st = atn.decisionToState[d];
        size_t alts = st->transitions.size();
        const antlr4::misc::IntervalSet& first = atn.nextTokens(st->transitions[0]->target);
        if (st->getStateType() == ATNState::STAR_LOOP_ENTRY && alts == 2) {
            if (isOnly(first, FlowParser::Comma)) {
                fast_[d] = Fast::CommaLoop;
            } else if (first.toList() ==
                       atn.nextTokens(atn.ruleToStartState[FlowParser::RuleStatement]).toList()) {
                fast_[d] = Fast::StatementLoop;
            }
            return;
        }
        auto optional = [&](size_t token) {
            if (alts == 2 && isOnly(first, token)) {
                fast_[d] = Fast::Optional;
                optionalToken_[d] = token;
            }
        };
        switch (st->ruleIndex) {
        case FlowParser::RuleConditionalExpression:
            optional(FlowParser::QuestionMark);
            break;
        case FlowParser::RuleVariableDeclaration:
            optional(FlowParser::Assign);
            break;
        case FlowParser::RuleIfStatement:
            optional(FlowParser::Else);
            break;
        case FlowParser::RuleTryStatement: // try {} catch {} (finally {})?
            optional(FlowParser::Finally);
            break;
        case FlowParser::RuleForHead:
            if (alts == 3 && firstOfAltHas(atn, st, 1, FlowParser::Let) &&
                firstOfAltHas(atn, st, 3, FlowParser::Let) &&
                firstOfAltHas(atn, st, 3, FlowParser::SemiColon))
                fast_[d] = Fast::ForHead;
            break;
        case FlowParser::RulePrimaryExpression:
            if (alts == 15 && firstOfAltHas(atn, st, StartCall, FlowParser::Start) &&
                firstOfAltHas(atn, st, FunctionExpr, FlowParser::Function) &&
                firstOfAltHas(atn, st, AsyncNameArrow, FlowParser::Async) &&
                firstOfAltHas(atn, st, AsyncParenArrow, FlowParser::Async) &&
                firstOfAltHas(atn, st, NameArrow, FlowParser::Identifier) &&
                firstOfAltHas(atn, st, Name, FlowParser::Identifier)) {
                fast_[d] = Fast::Primary;
                primaryAlt_ = TokenTable::uniqueAlternatives(atn, st);
            } else {
                optional(FlowParser::Arrow);
            }
            break;
        case FlowParser::RuleUnaryExpression: // the trailing ({no newline}? ('++' | '--'))?
            if (alts == 2 && first.size() == 2 && first.contains(size_t(FlowParser::PlusPlus)) &&
                first.contains(size_t(FlowParser::MinusMinus)))
                fast_[d] = Fast::Postfix;
            break;
        case FlowParser::RuleMemberSuffix:
            if (alts == 5) {
                fast_[d] = Fast::MemberSuffix;
                suffixAlt_ = TokenTable::uniqueAlternatives(atn, st);
            }
            break;
        case FlowParser::RulePropertyAssignment:
            if (alts == 6) fast_[d] = Fast::Property;
            break;
        case FlowParser::RuleBindingProperty:
            if (alts == 3) fast_[d] = Fast::BindingProperty;
            break;
        case FlowParser::RuleEos:
            if (alts == 4) fast_[d] = Fast::Eos;
            break;
        default:
            break;
        }
    }

    size_t predictAlways(antlr4::TokenStream* input, Always kind) {
        switch (kind) {
        case Always::None:
            return 0;
        case Always::Statement:
            return predictStatement(input);
        case Always::ArrowBody:
            return input->LA(1) == FlowParser::OpenBrace ? 1 : 2;
        case Always::BinaryLoop:
            return binaryOperator_.has(input->LA(1)) ? 1 : 2;
        case Always::AssignLoop:
            return assignOperator_.has(input->LA(1)) ? 1 : 2;
        case Always::CommaLoop:
            return input->LA(1) == FlowParser::Comma ? 1 : 2;
        case Always::SuffixLoop:
            return suffixStart_.has(input->LA(1)) ? 1 : 2;
        case Always::Operand: {
            size_t t = input->LA(1);
            bool enter = t != FlowParser::SemiColon && t != FlowParser::CloseBrace &&
                         t != antlr4::Token::EOF && !parser_->lineTerminatorAhead();
            return enter ? 1 : 2;
        }
        case Always::Label:
            return identifier_.has(input->LA(1)) && !parser_->lineTerminatorAhead() ? 1 : 2;
        }
        return 0;
    }

    // An alternative number, or 0 to let ANTLR decide (rare or invalid input).
    size_t predictFast(antlr4::TokenStream* input, Fast kind, size_t decision) {
        size_t t1 = input->LA(1);
        switch (kind) {
        case Fast::None:
            return 0;
        case Fast::CommaLoop: {
            if (t1 != FlowParser::Comma) return 2;
            size_t t2 = input->LA(2);
            bool closer = t2 == FlowParser::CloseParen || t2 == FlowParser::CloseBrace ||
                          t2 == FlowParser::CloseBracket;
            return closer ? 2 : 1;
        }
        case Fast::StatementLoop:
            return statementStart_.has(t1) ? 1 : 2;
        case Fast::LL1:
            return ll1Alt_[decision].alt(t1);
        case Fast::Optional:
            return t1 == optionalToken_[decision] ? 1 : 2;
        case Fast::Postfix:
            return (t1 == FlowParser::PlusPlus || t1 == FlowParser::MinusMinus) &&
                           !parser_->lineTerminatorAhead()
                       ? 1
                       : 2;
        case Fast::Eos:
            if (t1 == FlowParser::SemiColon) return 1;
            if (t1 == antlr4::Token::EOF) return 2;
            if (parser_->lineTerminatorAhead()) return 3;
            return t1 == FlowParser::CloseBrace ? 4 : 0;
        case Fast::MemberSuffix: {
            // [i] . (args) `tagged`: one token; ?. : the next one decides.
            if (size_t alt = suffixAlt_.alt(t1)) return alt;
            if (t1 != FlowParser::QuestionDot) return 0;
            size_t t2 = input->LA(2);
            if (t2 == FlowParser::OpenBracket) return suffixAlt_.alt(t2);
            if (t2 == FlowParser::OpenParen) return suffixAlt_.alt(t2);
            return identifierName_.has(t2) ? 3 : 0;
        }
        case Fast::Primary:
            return predictPrimary(input, t1);
        case Fast::ForHead:
            return predictForHead(input, t1);
        case Fast::Property: {
            if (t1 == FlowParser::Ellipsis) return 5;
            if (t1 == FlowParser::Multiply) return 2;
            if (!propertyName_.has(t1) || t1 == FlowParser::OpenBracket) return 0;
            size_t t2 = input->LA(2);
            if (t2 == FlowParser::Colon) return 1;
            if (t2 == FlowParser::OpenParen) return 2;
            if (identifier_.has(t1)) {
                if (t2 == FlowParser::Assign) return 4;
                if (t2 == FlowParser::Comma || t2 == FlowParser::CloseBrace) return 6;
            }
            return 0;
        }
        case Fast::BindingProperty: {
            if (t1 == FlowParser::Ellipsis) return 1;
            if (t1 == FlowParser::OpenBracket) return 2;
            if (!propertyName_.has(t1)) return 0;
            if (input->LA(2) == FlowParser::Colon) return 2;
            return identifier_.has(t1) ? 3 : 0;
        }
        }
        return 0;
    }

    // forHead: after `let`/`const`/`var` and a binding pattern (a name or a
    // bracketed pattern), `of`/`in` means a for-of/for-in head, anything else
    // a for(;;) head. ANTLR looked as far, through its ATN, for every loop.
    // Heads without a declaration are left to it.
    size_t predictForHead(antlr4::TokenStream* input, size_t t1) {
        if (t1 == FlowParser::SemiColon) return 3;
        if (t1 != FlowParser::Let && t1 != FlowParser::Const && t1 != FlowParser::Var) return 0;
        ssize_t k = 2; // the last token of the pattern
        size_t t = input->LA(k);
        if (t == FlowParser::OpenBracket || t == FlowParser::OpenBrace) {
            k = closingBracket(input, k);
            if (k == 0) return 0;
        } else if (!identifier_.has(t)) {
            return 0;
        }
        size_t next = input->LA(k + 1);
        return next == FlowParser::Of || next == FlowParser::In ? 1 : 3;
    }

    // The lookahead position of the bracket that closes the one at LA(k), or
    // 0 at the end of the input. (The token pre-pass bounds the nesting.)
    static ssize_t closingBracket(antlr4::TokenStream* input, ssize_t k) {
        int depth = 0;
        for (;; ++k) {
            size_t t = input->LA(k);
            if (t == antlr4::Token::EOF) return 0;
            if (t == FlowParser::OpenBracket || t == FlowParser::OpenBrace ||
                t == FlowParser::OpenParen || t == FlowParser::TemplateSubstStart)
                ++depth;
            else if (t == FlowParser::CloseBracket || t == FlowParser::CloseBrace ||
                     t == FlowParser::CloseParen)
                --depth;
            if (depth == 0) return k;
        }
    }

    // primaryExpression: a token that starts one alternative only decides;
    // `async` and names look at the next token.
    size_t predictPrimary(antlr4::TokenStream* input, size_t t1) {
        if (size_t alt = primaryAlt_.alt(t1)) return alt;
        if (t1 == FlowParser::Async) return predictAsync(input);
        if (t1 == FlowParser::Start && identifier_.has(input->LA(2))) return StartCall;
        if (identifier_.has(t1)) return input->LA(2) == FlowParser::Arrow ? NameArrow : Name;
        return 0;
    }

    // `async function`, `async x =>`, `async (...) =>`, or `async` as a name
    // (async => x, async(...) calling a function named async).
    size_t predictAsync(antlr4::TokenStream* input) {
        size_t t2 = input->LA(2);
        if (t2 == FlowParser::Function) return FunctionExpr;
        if (t2 == FlowParser::Arrow) return NameArrow;
        if (identifier_.has(t2))
            return input->LA(3) == FlowParser::Arrow ? size_t(AsyncNameArrow) : 0;
        if (t2 != FlowParser::OpenParen) return Name;
        // Past the parenthesized list: '=>'?
        ssize_t k = closingBracket(input, 2);
        if (k == 0) return 0;
        return input->LA(k + 1) == FlowParser::Arrow ? AsyncParenArrow : Name;
    }

    size_t predictStatement(antlr4::TokenStream* input) {
        size_t t1 = input->LA(1), t2 = input->LA(2);
        // A contextual keyword starts its declaration only when the next token
        // fits and is on the same line (`test\n"x"` is two expression statements).
        auto sameLine = [&] { return input->LT(1)->getLine() == input->LT(2)->getLine(); };
        switch (t1) {
        case FlowParser::OpenBrace: // a block, never an object literal
            return Block;
        case FlowParser::Function: // a declaration, never an expression
            return FunctionDecl;
        case FlowParser::Class:
            return ClassDecl;
        case FlowParser::Async:
            if (t2 == FlowParser::Function) return FunctionDecl;
            break;
        case FlowParser::Workflow:
            if (identifier_.has(t2) && sameLine()) return WorkflowDecl;
            break;
        case FlowParser::Task:
            if (identifier_.has(t2) && sameLine()) return TaskDecl;
            break;
        case FlowParser::On:
            if (t2 == FlowParser::StringLiteral && sameLine()) return TriggerDecl;
            break;
        case FlowParser::Test:
            if (t2 == FlowParser::StringLiteral && sameLine()) return TestDecl;
            break;
        default:
            break;
        }
        // let, if, return, ';' ...: the token starts one alternative only.
        if (size_t alt = statementAlt_.alt(t1)) return alt;
        if (identifier_.has(t1) && t2 == FlowParser::Colon) return Labelled;
        return ExpressionStmt;
    }

    FlowParser* parser_;
    EdgeCache edges_;
    std::vector<Always> always_;
    std::vector<Fast> fast_;
    std::vector<size_t> optionalToken_;
    TokenTable identifier_, identifierName_, propertyName_, statementStart_, binaryOperator_,
        assignOperator_, suffixStart_;
    TokenTable statementAlt_, primaryAlt_, suffixAlt_; // token -> alternative
    std::vector<TokenTable> ll1Alt_;                   // by decision
};

} // namespace

antlr4::atn::ParserATNSimulator* newPredictor(grammar::FlowParser* parser) {
    return new Predictor(parser);
}

} // namespace flow::compiler::parse
