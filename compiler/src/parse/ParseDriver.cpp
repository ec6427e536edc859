// ParseDriver.cpp — parseFile(): the parsing pipeline for one file.
//
//   1. checks before ANTLR: valid UTF-8 (FLOW1005), a code-point -> byte map;
//   2. lexing with a token pre-pass that rejects input whose shape would make
//      the parser or later passes blow up: brackets nested deeper than
//      kMaxNesting (FLOW1010), operator chains longer than kMaxChain
//      (FLOW1012), huge statements/files (FLOW1013/1014); it also reports
//      lexical errors (FLOW1004, FLOW1011, unexpected characters);
//   3. parsing one top-level statement at a time (the parse tree of a statement
//      is freed once its AST is built, so memory follows the largest statement),
//      first with SLL prediction and BailErrorStrategy (fast), and only when that
//      fails again with full LL and error recovery, reporting every syntax error;
//   4. everything runs on a thread with a large stack, and the parser checks
//      its stack use on every rule entry (FLOW1010 instead of a crash).
// Speed (bench/compile_speed.py): the SLL pass predicts the frequent LL(1)/LL(2)
// decisions by hand (StatementPredictor), both simulators keep a lock-free copy
// of ANTLR's DFA edges (EdgeCache), tokens and parse-tree nodes come from
// arenas (FlowToken, grammar::ParseArena), and FlowParser/FlowLexer replace
// the runtime's dynamic_casts on their hot paths (see their @members).
#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>

#include "AstBuilder.h"
#include "FlowLexer.h"
#include "FlowParser.h"
#include "antlr4-runtime.h"
#include "flow/compiler/Compiler.h"

namespace flow::compiler {

namespace {

using namespace parse;
using grammar::FlowLexer;
using grammar::FlowParser;

// Tokens of one top-level statement (a whole workflow is one statement) and of
// one file. ANTLR keeps about 150 bytes per token plus a parse tree several
// times that; these caps keep a pathological file from taking gigabytes.
constexpr size_t kMaxStatementTokens = 250000;
constexpr size_t kMaxFileTokens = 4000000;
// The parsing thread's stack, and how much of it the parser may use before it
// gives up with FLOW1010 (the rest is for the AST builder, which is bounded by
// kMaxAstDepth, and for ANTLR's error reporting).
constexpr size_t kStackBytes = 256u << 20;
constexpr size_t kParserStackBudget = 200u << 20;

// ------------------------------------------------------------------ UTF-8

// Validates UTF-8 (no overlongs, no surrogates, <= U+10FFFF) and fills the
// code point -> byte map. Returns the offset of the first bad byte or npos.
size_t checkUtf8(std::string_view s, OffsetMap& map) {
    uint32_t cp = 0;
    size_t i = 0;
    while (i < s.size()) {
        auto c = uint8_t(s[i]);
        if (c < 0x80) {
            ++i, ++cp;
            continue;
        }
        size_t len = 0;
        uint32_t min = 0, v = 0;
        if ((c & 0xE0) == 0xC0)
            len = 2, min = 0x80, v = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            len = 3, min = 0x800, v = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            len = 4, min = 0x10000, v = c & 0x07;
        else
            return i;
        if (i + len > s.size()) return i;
        for (size_t k = 1; k < len; ++k) {
            auto cc = uint8_t(s[i + k]);
            if ((cc & 0xC0) != 0x80) return i; // a truncated sequence: blame its lead byte
            v = (v << 6) | (cc & 0x3F);
        }
        if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return i;
        map.addMultiByte(cp, uint32_t(len - 1));
        i += len, ++cp;
    }
    return std::string_view::npos;
}

// ANTLRInputStream filled by a plain UTF-8 decoder. The input has been
// validated by checkUtf8, and the runtime's own conversion (a converter that
// appends one code point at a time) was ~3 % of a compile. The result is the
// same, including ANTLR's removal of a leading UTF-8 byte order mark.
class Utf8InputStream : public antlr4::ANTLRInputStream {
public:
    explicit Utf8InputStream(std::string_view s) {
        if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
        _data.resize(s.size()); // code points <= bytes
        size_t n = 0;
        for (size_t i = 0; i < s.size();) {
            auto c = uint8_t(s[i]);
            uint32_t v;
            size_t len;
            if (c < 0x80)
                v = c, len = 1;
            else if ((c & 0xE0) == 0xC0)
                v = c & 0x1F, len = 2;
            else if ((c & 0xF0) == 0xE0)
                v = c & 0x0F, len = 3;
            else
                v = c & 0x07, len = 4;
            for (size_t k = 1; k < len && i + k < s.size(); ++k)
                v = (v << 6) | (uint8_t(s[i + k]) & 0x3F);
            _data[n++] = static_cast<decltype(_data)::value_type>(v);
            i += len;
        }
        _data.resize(n);
        p = 0;
    }
};

// Tokens come from one arena per file (they live as long as the token
// stream): ~200,000 malloc/free pairs fewer for a 20,000-line file. The
// factory makes the same tokens as ANTLR's CommonTokenFactory (copyText off).
thread_local grammar::ParseArena* tokenArena = nullptr;

class FlowToken : public antlr4::CommonToken {
public:
    using antlr4::CommonToken::CommonToken;
    static void* operator new(size_t size) {
        return grammar::ParseArena::allocate(size, tokenArena);
    }
    static void operator delete(void* p) noexcept { grammar::ParseArena::release(p); }
};

class FlowTokenFactory : public antlr4::TokenFactory<antlr4::CommonToken> {
public:
    std::unique_ptr<antlr4::CommonToken>
    create(std::pair<antlr4::TokenSource*, antlr4::CharStream*> source, size_t type,
           const std::string& text, size_t channel, size_t start, size_t stop, size_t line,
           size_t charPositionInLine) override {
        std::unique_ptr<antlr4::CommonToken> t(new FlowToken(source, type, channel, start, stop));
        t->setLine(line);
        t->setCharPositionInLine(charPositionInLine);
        if (!text.empty()) t->setText(text);
        return t;
    }
    std::unique_ptr<antlr4::CommonToken> create(size_t type, const std::string& text) override {
        return std::unique_ptr<antlr4::CommonToken>(new FlowToken(type, text));
    }
};

// ------------------------------------------------------------------ messages

std::string describe(antlr4::Token* t, const AstBuilder& b) {
    if (!t || t->getType() == antlr4::Token::EOF) return "end of file";
    std::string s(b.text(t));
    if (s.size() > 24) s = s.substr(0, 21) + "...";
    return "'" + s + "'";
}

std::string tokenName(size_t type, const antlr4::dfa::Vocabulary& vocab) {
    switch (type) {
    case antlr4::Token::EOF:
        return "end of file";
    case FlowParser::Identifier:
        return "a name";
    case FlowParser::NumberLiteral:
        return "a number";
    case FlowParser::StringLiteral:
        return "a string";
    case FlowParser::TemplateEnd:
        return "'`'";
    default:
        break;
    }
    std::string lit = vocab.getLiteralName(type);
    if (!lit.empty()) return lit;
    return vocab.getSymbolicName(type);
}

// Rewrites ANTLR's messages ("mismatched input ';' expecting {...}") into
// friendlier ones; reports through the DiagnosticEngine with a byte range.
class SyntaxErrorListener : public antlr4::BaseErrorListener {
public:
    SyntaxErrorListener(DiagnosticEngine& d, const AstBuilder& b) : diags_(d), b_(b) {}
    unsigned count = 0;

    void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* bad, size_t, size_t,
                     const std::string& msg, std::exception_ptr) override {
        ++count;
        auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
        ast::SourceRange r = b_.range(bad, bad);
        if (r.begin == lastOffset_ && count > 1) return; // one message per position
        lastOffset_ = r.begin;
        std::string found = describe(bad, b_);
        std::string expected;
        size_t nExpected = 0;
        bool wantsEos = false;
        if (parser) {
            antlr4::misc::IntervalSet set = parser->getExpectedTokens();
            auto* ctx = parser->getContext();
            wantsEos = ctx && ctx->getRuleIndex() == FlowParser::RuleEos;
            std::vector<std::string> names;
            bool onlyEof = set.size() == 1;
            for (ssize_t t : set.toList()) {
                if (t == FlowParser::LineTerminator) continue;
                if (t == ssize_t(antlr4::Token::EOF) && !onlyEof) continue;
                names.push_back(tokenName(size_t(t), parser->getVocabulary()));
            }
            nExpected = names.size();
            if (nExpected > 0 && nExpected <= 4) {
                for (size_t i = 0; i < names.size(); ++i) {
                    if (i) expected += i + 1 == names.size() ? " or " : ", ";
                    expected += names[i];
                }
            }
            if (set.contains(size_t(FlowParser::SemiColon))) wantsEos = true;
        }
        std::string text;
        if (wantsEos) {
            text = "expected ';' or a newline before " + found;
        } else if (msg.rfind("missing ", 0) == 0 && !expected.empty()) {
            text = "expected " + expected + " before " + found;
        } else if (!bad || bad->getType() == antlr4::Token::EOF) {
            text = "unexpected end of file";
            if (!expected.empty()) text += ": expected " + expected;
        } else {
            text = "unexpected " + found;
            if (!expected.empty()) text += ": expected " + expected;
        }
        diags_.report(DiagId::SyntaxError, r, {text});
    }

private:
    DiagnosticEngine& diags_;
    const AstBuilder& b_;
    uint32_t lastOffset_ = UINT32_MAX;
};

// ------------------------------------------------------------------ pre-pass

bool opensBracket(size_t t) {
    return t == FlowLexer::OpenParen || t == FlowLexer::OpenBracket || t == FlowLexer::OpenBrace ||
           t == FlowLexer::TemplateSubstStart;
}
bool closesBracket(size_t t) {
    return t == FlowLexer::CloseParen || t == FlowLexer::CloseBracket || t == FlowLexer::CloseBrace;
}
// Tokens that add a level to the tree they are part of when chained on one
// line: operators, '.', '=>', '?', ':' and the keywords that nest statements.
bool chains(size_t t) {
    if (t >= FlowLexer::Assign && t <= FlowLexer::Arrow && t != FlowLexer::Comma &&
        t != FlowLexer::SemiColon && !closesBracket(t) && t != FlowLexer::Ellipsis)
        return true;
    switch (t) {
    case FlowLexer::New:
    case FlowLexer::Else:
    case FlowLexer::If:
    case FlowLexer::While:
    case FlowLexer::For:
    case FlowLexer::Do:
    case FlowLexer::Await:
    case FlowLexer::Typeof:
    case FlowLexer::Void:
    case FlowLexer::Delete:
    case FlowLexer::In:
    case FlowLexer::Instanceof:
        return true;
    default:
        return false;
    }
}

// ------------------------------------------------------------------ DFA edge cache

// ANTLR 4.9 keeps the edges of a DFA state in an unordered_map guarded by one
// process-wide reader/writer lock: every character lexed and every token
// looked at by a prediction paid four mutex operations and a hash lookup
// (~15 % of a compile). This keeps a per-simulator copy of the edges already
// found in flat arrays indexed by (table, state number, symbol). An edge never
// changes once ANTLR has added it (the DFAs are never cleared), so the copy
// stays valid; misses go to ANTLR, which adds the edge under its lock.
class EdgeCache {
public:
    explicit EdgeCache(size_t width) : width_(width) {}

    antlr4::dfa::DFAState* get(size_t table, const antlr4::dfa::DFAState* from,
                               size_t symbol) const {
        if (table >= tables_.size() || from->stateNumber < 0 || symbol >= width_) return nullptr;
        const auto& t = tables_[table];
        size_t i = size_t(from->stateNumber) * width_ + symbol;
        return i < t.size() ? t[i] : nullptr;
    }
    void put(size_t table, const antlr4::dfa::DFAState* from, size_t symbol,
             antlr4::dfa::DFAState* to) {
        if (from->stateNumber < 0 || symbol >= width_) return;
        if (table >= tables_.size()) tables_.resize(table + 1);
        auto& t = tables_[table];
        size_t i = size_t(from->stateNumber) * width_ + symbol;
        if (i >= t.size()) t.resize(std::max(i + 1, t.size() * 2), nullptr);
        t[i] = to;
    }

private:
    size_t width_;
    std::vector<std::vector<antlr4::dfa::DFAState*>> tables_;
};

// The lexer's simulator with the edge cache (one table per lexer mode; ANTLR
// itself caches only characters 0..127 in the DFA).
class CachingLexerSimulator : public antlr4::atn::LexerATNSimulator {
public:
    explicit CachingLexerSimulator(FlowLexer* lexer)
        : LexerATNSimulator(lexer, lexer->getATN(), FlowLexer::decisionDFA(),
                            FlowLexer::contextCache()) {}

protected:
    antlr4::dfa::DFAState* getExistingTargetState(antlr4::dfa::DFAState* s, size_t t) override {
        if (auto* d = cache_.get(_mode, s, t)) return d;
        antlr4::dfa::DFAState* d = LexerATNSimulator::getExistingTargetState(s, t);
        if (d) cache_.put(_mode, s, t, d);
        return d;
    }

private:
    EdgeCache cache_{MAX_DFA_EDGE + 1};
};

// ------------------------------------------------------------------ prediction

bool isIdentifierToken(size_t t) {
    switch (t) {
    case FlowParser::Identifier:
    case FlowParser::Async:
    case FlowParser::Workflow:
    case FlowParser::Task:
    case FlowParser::On:
    case FlowParser::Test:
    case FlowParser::Start:
    case FlowParser::When:
    case FlowParser::From:
    case FlowParser::As:
    case FlowParser::Of:
        return true;
    default:
        return false;
    }
}

// ANTLR evaluates semantic predicates only when lookahead alone cannot choose,
// so with ASI's predicate-only `eos` alternatives some decisions scanned whole
// function bodies before choosing (`function f() {...}`: a declaration, or an
// expression statement followed by an inserted semicolon?). These decisions
// are LL(1)/LL(2) with JavaScript's rules, so they are predicted here; every
// other decision goes to ANTLR. Alternative numbers follow the grammar's order
// (see the comment on `statement` in FlowParser.g4); the constructor checks
// the alternative counts and turns itself off if the grammar has changed.
class StatementPredictor : public antlr4::atn::ParserATNSimulator {
public:
    explicit StatementPredictor(FlowParser* p)
        : ParserATNSimulator(p, p->getATN(), FlowParser::decisionDFA(), FlowParser::contextCache()),
          parser_(p), edges_(p->getATN().maxTokenType + 2) {
        const antlr4::atn::ATN& atn = p->getATN();
        for (size_t d = 0; d < atn.decisionToState.size(); ++d) {
            auto* st = atn.decisionToState[d];
            size_t alts = st->transitions.size();
            switch (st->ruleIndex) {
            case FlowParser::RuleStatement:
                if (alts == 24) statement_ = d;
                break;
            case FlowParser::RuleReturnStatement:
            case FlowParser::RuleThrowStatement:
                if (alts == 2) operand_.push_back(d);
                break;
            case FlowParser::RuleBreakStatement:
            case FlowParser::RuleContinueStatement:
                if (alts == 2) label_.push_back(d);
                break;
            case FlowParser::RuleArrowBody:
                if (alts == 2) arrowBody_ = d;
                break;
            default:
                break;
            }
            // `(op operand)*` loops of the flat expression rules: an operator
            // always continues the expression (JavaScript inserts no semicolon
            // before a binary operator, '(' or '['), so one token decides. This
            // also puts the error of `a +;` at ';' instead of at '+'.
            if (st->getStateType() == antlr4::atn::ATNState::STAR_LOOP_ENTRY && alts == 2) {
                switch (st->ruleIndex) {
                case FlowParser::RuleBinaryExpression:
                    binaryLoop_ = d;
                    break;
                case FlowParser::RuleAssignmentExpression:
                    assignLoop_ = d;
                    break;
                case FlowParser::RuleLeftHandSideExpression:
                    suffixLoop_ = d;
                    break;
                case FlowParser::RuleExpressionSequence:
                    commaLoop_ = d;
                    break;
                default:
                    break;
                }
            }
        }
        classifyFast(atn);
    }

    size_t adaptivePredict(antlr4::TokenStream* input, size_t decision,
                           antlr4::ParserRuleContext* outer) override {
        if (decision == statement_) return predictStatement(input);
        // The SLL pass only: its errors are never reported (a failing
        // statement is parsed again in LL mode, where these decisions go to
        // ANTLR as before, so diagnostics do not change). A prediction here
        // only has to agree with ANTLR on valid input; where it cannot tell,
        // it returns 0 and ANTLR decides.
        if (getPredictionMode() == antlr4::atn::PredictionMode::SLL && decision < fast_.size() &&
            fast_[decision] != Fast::None) {
            if (size_t alt = predictFast(input, fast_[decision], decision)) {
                if (selfCheck()) checkAgainstAntlr(input, decision, outer, alt);
                return alt;
            }
        }
        if (decision == arrowBody_) return input->LA(1) == FlowParser::OpenBrace ? 1 : 2;
        if (decision == binaryLoop_) return isBinaryOperator(input->LA(1)) ? 1 : 2;
        if (decision == assignLoop_) return isAssignOperator(input->LA(1)) ? 1 : 2;
        if (decision == commaLoop_) return input->LA(1) == FlowParser::Comma ? 1 : 2;
        if (decision == suffixLoop_) {
            switch (input->LA(1)) {
            case FlowParser::Dot:
            case FlowParser::QuestionDot:
            case FlowParser::OpenBracket:
            case FlowParser::OpenParen:
            case FlowParser::BackTick:
                return 1;
            default:
                return 2;
            }
        }
        if (std::find(operand_.begin(), operand_.end(), decision) != operand_.end()) {
            size_t t = input->LA(1);
            bool enter = t != FlowParser::SemiColon && t != FlowParser::CloseBrace &&
                         t != antlr4::Token::EOF && !parser_->lineTerminatorAhead();
            return enter ? 1 : 2;
        }
        if (std::find(label_.begin(), label_.end(), decision) != label_.end())
            return isIdentifierToken(input->LA(1)) && !parser_->lineTerminatorAhead() ? 1 : 2;
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
    // FLOW_PARSE_SELFCHECK set (tests only, tests/compiler/check_predictor.py):
    // every hand prediction of the SLL pass is also asked of ANTLR, and a
    // disagreement aborts. The predictions know the grammar's alternative
    // numbers; a grammar edit that moves them must fail a test, not parse
    // valid programs differently.
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

    // Decisions predicted from one or two tokens in the SLL pass (see
    // classifyFast). Each was ~300 ns in ANTLR's adaptivePredict even when its
    // DFA had the answer cached; they run once or more per operand.
    enum class Fast : uint8_t {
        None,
        CommaLoop,     // (',' x)* ','?  : enter on ',' not followed by a closer
        StatementLoop, // statement*     : enter on a token that starts a statement
        Optional,      // (T ...)?       : enter on T (optionalToken_)
        Postfix,       // ({no newline}? ('++' | '--'))?
        Primary,       // the 15 alternatives of primaryExpression
        MemberSuffix,  // the 5 alternatives of memberSuffix
        Property,      // the 6 alternatives of propertyAssignment
        BindingProperty,
        Eos,
    };

    static bool isOnly(const antlr4::misc::IntervalSet& set, size_t t) {
        return set.size() == 1 && set.contains(t);
    }

    void classifyFast(const antlr4::atn::ATN& atn) {
        auto table = [&](size_t rule) {
            std::vector<char> tab(atn.maxTokenType + 2, 0);
            for (ssize_t t : atn.nextTokens(atn.ruleToStartState[rule]).toList())
                if (t >= 0 && size_t(t) < tab.size()) tab[size_t(t)] = 1;
            return tab;
        };
        statementStart_ = table(FlowParser::RuleStatement);
        propertyNameStart_ = table(FlowParser::RulePropertyName);
        identifierNameStart_ = table(FlowParser::RuleIdentifierName);
        fast_.assign(atn.decisionToState.size(), Fast::None);
        optionalToken_.assign(atn.decisionToState.size(), 0);
        for (size_t d = 0; d < atn.decisionToState.size(); ++d) {
            auto* st = atn.decisionToState[d];
            size_t alts = st->transitions.size();
            const antlr4::misc::IntervalSet& first = atn.nextTokens(st->transitions[0]->target);
            if (st->getStateType() == antlr4::atn::ATNState::STAR_LOOP_ENTRY && alts == 2) {
                if (isOnly(first, FlowParser::Comma)) {
                    fast_[d] = Fast::CommaLoop;
                } else if (first.toList() ==
                           atn.nextTokens(atn.ruleToStartState[FlowParser::RuleStatement])
                               .toList()) {
                    fast_[d] = Fast::StatementLoop;
                }
                continue;
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
            case FlowParser::RulePrimaryExpression:
                if (alts == 15)
                    fast_[d] = Fast::Primary;
                else
                    optional(FlowParser::Arrow);
                break;
            case FlowParser::RulePostfixExpression:
                if (alts == 2) fast_[d] = Fast::Postfix;
                break;
            case FlowParser::RuleMemberSuffix:
                if (alts == 5) fast_[d] = Fast::MemberSuffix;
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
    }

    bool in(const std::vector<char>& tab, size_t t) const { return t < tab.size() && tab[t]; }

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
            return in(statementStart_, t1) ? 1 : 2;
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
        case Fast::MemberSuffix:
            switch (t1) {
            case FlowParser::OpenBracket:
                return 1;
            case FlowParser::Dot:
                return 2;
            case FlowParser::OpenParen:
                return 4;
            case FlowParser::BackTick:
                return 5;
            case FlowParser::QuestionDot: {
                size_t t2 = input->LA(2);
                if (t2 == FlowParser::OpenBracket) return 1;
                if (t2 == FlowParser::OpenParen) return 4;
                return in(identifierNameStart_, t2) ? 3 : 0;
            }
            default:
                return 0;
            }
        case Fast::Primary:
            return predictPrimary(input, t1);
        case Fast::Property: {
            if (t1 == FlowParser::Ellipsis) return 5;
            if (t1 == FlowParser::Multiply) return 2;
            if (!in(propertyNameStart_, t1) || t1 == FlowParser::OpenBracket) return 0;
            size_t t2 = input->LA(2);
            if (t2 == FlowParser::Colon) return 1;
            if (t2 == FlowParser::OpenParen) return 2;
            if (isIdentifierToken(t1)) {
                if (t2 == FlowParser::Assign) return 4;
                if (t2 == FlowParser::Comma || t2 == FlowParser::CloseBrace) return 6;
            }
            return 0;
        }
        case Fast::BindingProperty: {
            if (t1 == FlowParser::Ellipsis) return 1;
            if (t1 == FlowParser::OpenBracket) return 2;
            if (!in(propertyNameStart_, t1)) return 0;
            if (input->LA(2) == FlowParser::Colon) return 2;
            return isIdentifierToken(t1) ? 3 : 0;
        }
        }
        return 0;
    }

    // primaryExpression's alternatives, in the grammar's order.
    size_t predictPrimary(antlr4::TokenStream* input, size_t t1) {
        switch (t1) {
        case FlowParser::Function:
            return 2;
        case FlowParser::Async:
            // `async function`, `async x =>`, `async (...) =>` or a call of a
            // function named async: rare enough to leave to ANTLR.
            return input->LA(2) == FlowParser::Function ? 2 : 0;
        case FlowParser::Start:
            if (isIdentifierToken(input->LA(2))) return 1;
            break;
        case FlowParser::OpenParen:
            return 6;
        case FlowParser::This:
            return 7;
        case FlowParser::NullLiteral:
        case FlowParser::True:
        case FlowParser::False:
        case FlowParser::StringLiteral:
        case FlowParser::UnterminatedString:
        case FlowParser::NumberLiteral:
            return 9;
        case FlowParser::OpenBracket:
            return 10;
        case FlowParser::OpenBrace:
            return 11;
        case FlowParser::BackTick:
            return 12;
        case FlowParser::RegularExpressionLiteral:
            return 13;
        case FlowParser::Class:
            return 14;
        case FlowParser::Super:
            return 15;
        default:
            break;
        }
        if (isIdentifierToken(t1)) return input->LA(2) == FlowParser::Arrow ? 5 : 8;
        return 0;
    }

    size_t predictStatement(antlr4::TokenStream* input) {
        enum Alt : size_t {
            Block = 1,
            Variable,
            Import,
            Export,
            Empty,
            Function,
            Workflow,
            Task,
            Trigger,
            Test,
            Class,
            If,
            Do,
            While,
            For,
            Continue,
            Break,
            Return,
            Throw,
            With,
            Switch,
            Try,
            Labelled,
            Expression
        };
        size_t t1 = input->LA(1), t2 = input->LA(2);
        // A contextual keyword starts its declaration only when the next token
        // fits and is on the same line (`test\n"x"` is two expression statements).
        auto sameLine = [&] { return input->LT(1)->getLine() == input->LT(2)->getLine(); };
        switch (t1) {
        case FlowParser::OpenBrace:
            return Block;
        case FlowParser::Let:
        case FlowParser::Const:
        case FlowParser::Var:
            return Variable;
        case FlowParser::Import:
            return Import;
        case FlowParser::Export:
            return Export;
        case FlowParser::SemiColon:
            return Empty;
        case FlowParser::Function:
            return Function;
        case FlowParser::Async:
            if (t2 == FlowParser::Function) return Function;
            break;
        case FlowParser::Workflow:
            if (isIdentifierToken(t2) && sameLine()) return Workflow;
            break;
        case FlowParser::Task:
            if (isIdentifierToken(t2) && sameLine()) return Task;
            break;
        case FlowParser::On:
            if (t2 == FlowParser::StringLiteral && sameLine()) return Trigger;
            break;
        case FlowParser::Test:
            if (t2 == FlowParser::StringLiteral && sameLine()) return Test;
            break;
        case FlowParser::Class:
            return Class;
        case FlowParser::If:
            return If;
        case FlowParser::Do:
            return Do;
        case FlowParser::While:
            return While;
        case FlowParser::For:
            return For;
        case FlowParser::Continue:
            return Continue;
        case FlowParser::Break:
            return Break;
        case FlowParser::Return:
            return Return;
        case FlowParser::Throw:
            return Throw;
        case FlowParser::With:
            return With;
        case FlowParser::Switch:
            return Switch;
        case FlowParser::Try:
            return Try;
        default:
            break;
        }
        if (isIdentifierToken(t1) && t2 == FlowParser::Colon) return Labelled;
        return Expression;
    }

    static bool isBinaryOperator(size_t t) {
        switch (t) {
        case FlowParser::Or:
        case FlowParser::And:
        case FlowParser::Nullish:
        case FlowParser::BitOr:
        case FlowParser::BitXOr:
        case FlowParser::BitAnd:
        case FlowParser::Equals:
        case FlowParser::NotEquals:
        case FlowParser::IdentityEquals:
        case FlowParser::IdentityNotEquals:
        case FlowParser::LessThan:
        case FlowParser::MoreThan:
        case FlowParser::LessThanEquals:
        case FlowParser::GreaterThanEquals:
        case FlowParser::Instanceof:
        case FlowParser::In:
        case FlowParser::LeftShiftArithmetic:
        case FlowParser::RightShiftArithmetic:
        case FlowParser::RightShiftLogical:
        case FlowParser::Plus:
        case FlowParser::Minus:
        case FlowParser::Multiply:
        case FlowParser::Divide:
        case FlowParser::Modulus:
        case FlowParser::Power:
            return true;
        default:
            return false;
        }
    }
    static bool isAssignOperator(size_t t) {
        return t == FlowParser::Assign ||
               (t >= FlowParser::MultiplyAssign && t <= FlowParser::NullishAssign);
    }

    FlowParser* parser_;
    EdgeCache edges_;
    std::vector<Fast> fast_;
    std::vector<size_t> optionalToken_;
    std::vector<char> statementStart_, propertyNameStart_, identifierNameStart_;
    size_t statement_ = SIZE_MAX, arrowBody_ = SIZE_MAX;
    size_t binaryLoop_ = SIZE_MAX, assignLoop_ = SIZE_MAX, suffixLoop_ = SIZE_MAX,
           commaLoop_ = SIZE_MAX;
    std::vector<size_t> operand_, label_;
};

// ------------------------------------------------------------------ recovery

// ANTLR's recovery skips to a token that may follow one of the rules being
// parsed; at the top level that is the end of the file, so one error could
// hide all the others. Stop also at a keyword that starts a statement on a new
// line: the driver then parses the next statement afresh.
class FlowErrorStrategy : public antlr4::DefaultErrorStrategy {
public:
    explicit FlowErrorStrategy(FlowParser& p) : parser_(p) {}

protected:
    void consumeUntil(antlr4::Parser* recognizer, const antlr4::misc::IntervalSet& set) override {
        for (;;) {
            size_t t = recognizer->getInputStream()->LA(1);
            if (t == antlr4::Token::EOF || set.contains(t)) return;
            if (startsStatement(t) && parser_.lineTerminatorAhead()) return;
            recognizer->consume();
        }
    }

private:
    static bool startsStatement(size_t t) {
        switch (t) {
        case FlowParser::Let:
        case FlowParser::Const:
        case FlowParser::Var:
        case FlowParser::Function:
        case FlowParser::Workflow:
        case FlowParser::Task:
        case FlowParser::Test:
        case FlowParser::On:
        case FlowParser::Import:
        case FlowParser::Export:
        case FlowParser::If:
        case FlowParser::For:
        case FlowParser::While:
        case FlowParser::Do:
        case FlowParser::Return:
        case FlowParser::Switch:
        case FlowParser::Try:
        case FlowParser::Throw:
        case FlowParser::Class:
            return true;
        default:
            return false;
        }
    }
    FlowParser& parser_;
};

// ------------------------------------------------------------------ the parse

struct ParseJob {
    uint32_t fileId;
    SourceManager& sm;
    DiagnosticEngine& diags;
    ast::File& out;
};

void parseOnThisThread(ParseJob& job) {
    std::string_view src = job.sm.text(job.fileId);
    OffsetMap map;
    if (size_t bad = checkUtf8(src, map); bad != std::string_view::npos) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "%02X", unsigned(uint8_t(src[bad])));
        job.diags.report(DiagId::InvalidUtf8, {job.fileId, uint32_t(bad), uint32_t(bad + 1)},
                         {hex});
        return;
    }
    AstBuilder builder(job.fileId, src, map, job.diags);

    // ---- lexing + pre-pass
    // A hashbang line (`#!/usr/bin/env flowrun`, only at offset 0, as in JS)
    // is lexed as a line comment: "#!" -> "//" keeps every offset unchanged.
    std::string hashbang;
    std::string_view lexSrc = src;
    if (src.size() >= 2 && src[0] == '#' && src[1] == '!') {
        hashbang.assign(src);
        hashbang[0] = hashbang[1] = '/';
        lexSrc = hashbang;
    }
    // Declared before everything that holds tokens, so that it outlives them.
    grammar::ParseArena tokenMemory(false);
    tokenArena = &tokenMemory;
    struct ClearTokenArena {
        ~ClearTokenArena() { tokenArena = nullptr; }
    } clearTokenArena;
    FlowTokenFactory tokenFactory;
    Utf8InputStream input(lexSrc);
    FlowLexer lexer(&input);
    lexer.setTokenFactory(&tokenFactory);
    lexer.setSimulator(new CachingLexerSimulator(&lexer)); // ~FlowLexer deletes it
    lexer.removeErrorListeners();
    std::vector<std::unique_ptr<antlr4::Token>> tokens;
    std::vector<uint32_t> chain{0};
    unsigned depth = 0;
    size_t significant = 0, sinceTopLevelEnd = 0;
    antlr4::Token* lastBackTick = nullptr;
    bool fatal = false;
    for (;;) {
        std::unique_ptr<antlr4::Token> t = lexer.nextToken();
        size_t type = t->getType();
        if (type == antlr4::Token::EOF) {
            if (!lexer.modeStack.empty() && lastBackTick) {
                job.diags.report(DiagId::UnterminatedString,
                                 builder.range(lastBackTick, lastBackTick));
                fatal = true;
            }
            tokens.push_back(std::move(t));
            break;
        }
        ast::SourceRange r = builder.range(t.get(), t.get());
        switch (type) {
        case FlowLexer::UnexpectedCharacter: {
            std::string c(builder.text(t.get()));
            std::string hint = c == "#"   ? " (private names are not supported in Flow)"
                               : c == "@" ? " (decorators are not supported in Flow)"
                                          : "";
            job.diags.report(DiagId::SyntaxError, r, {"unexpected character '" + c + "'" + hint});
            continue; // dropped: the parser goes on as if it were not there
        }
        case FlowLexer::UnterminatedString:
            job.diags.report(DiagId::UnterminatedString, r);
            break;
        case FlowLexer::UnterminatedComment:
            job.diags.report(DiagId::UnterminatedComment, {r.file, r.begin, r.begin + 2});
            break;
        case FlowLexer::LineTerminator:
            chain.back() = 0;
            if (depth == 0) sinceTopLevelEnd = 0;
            break;
        case FlowLexer::BackTick:
            lastBackTick = t.get();
            break;
        default:
            break;
        }
        if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) {
            ++significant;
            if (++sinceTopLevelEnd > kMaxStatementTokens) {
                job.diags.report(DiagId::StatementTooLong, r,
                                 {std::to_string(kMaxStatementTokens)});
                fatal = true;
                break;
            }
            if (significant > kMaxFileTokens) {
                job.diags.report(DiagId::TooManyTokens, r, {std::to_string(kMaxFileTokens)});
                fatal = true;
                break;
            }
            if (opensBracket(type)) {
                ++chain.back();
                if (++depth > kMaxNesting) {
                    job.diags.report(DiagId::NestingTooDeep, r, {std::to_string(kMaxNesting)});
                    fatal = true;
                    break;
                }
                chain.push_back(0);
            } else if (closesBracket(type)) {
                if (chain.size() > 1) chain.pop_back();
                if (depth > 0) --depth;
                if (depth == 0 && type == FlowLexer::CloseBrace) sinceTopLevelEnd = 0;
            } else if (type == FlowLexer::SemiColon || type == FlowLexer::Comma) {
                chain.back() = 0;
                if (depth == 0) sinceTopLevelEnd = 0;
            } else if (chains(type) && ++chain.back() > kMaxChain) {
                job.diags.report(DiagId::ExpressionTooLong, r, {std::to_string(kMaxChain)});
                fatal = true;
                break;
            }
        }
        tokens.push_back(std::move(t));
    }
    if (fatal) return;
    if (significant == 0) {
        if (!job.diags.hasErrors())
            job.diags.report(DiagId::EmptyFile,
                             {job.fileId, 0, uint32_t(std::min<size_t>(src.size(), 1))});
        return;
    }

    // ---- parsing, one top-level statement at a time
    grammar::ParseArena arena; // parse-tree nodes; reset after each statement
    antlr4::ListTokenSource source(std::move(tokens));
    antlr4::CommonTokenStream stream(&source);
    stream.fill();
    FlowParser parser(&stream);
    parser.removeErrorListeners();
    // Pointer arithmetic outside an object is undefined: compute the floor as
    // an integer (the stack grows down on every platform Flow supports).
    char stackProbe;
    auto here = reinterpret_cast<uintptr_t>(&stackProbe);
    parser.stackFloor =
        reinterpret_cast<const char*>(here > kParserStackBudget ? here - kParserStackBudget : 0);
    SyntaxErrorListener listener(job.diags, builder);
    auto bail = std::make_shared<antlr4::BailErrorStrategy>();
    auto recovering = std::make_shared<FlowErrorStrategy>(parser);
    // FLOW_PARSE_PROFILE=1: print the decisions that cost the most ATN
    // (non-DFA) steps, to find grammar changes that defeat ANTLR's DFA cache.
    const bool profile = std::getenv("FLOW_PARSE_PROFILE") != nullptr;
    if (profile) {
        parser.setProfile(true);
    } else {
        // setInterpreter deletes the generated simulator; ~FlowParser deletes ours.
        parser.setInterpreter(new StatementPredictor(&parser));
    }
    auto* sim = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
    const antlr4::atn::ATN& atn = parser.getATN();
    antlr4::misc::IntervalSet statementStart =
        atn.nextTokens(atn.ruleToStartState[FlowParser::RuleStatement]);
    bool skipping = false;

    while (stream.LA(1) != antlr4::Token::EOF) {
        if (job.diags.limitReached()) break;
        size_t startIndex = stream.index();
        antlr4::Token* first = stream.LT(1);
        // A token no statement can start with ('}' or ')' left over): report
        // it once per run of such tokens and skip it.
        if (!statementStart.contains(first->getType())) {
            if (!skipping) {
                job.diags.report(DiagId::SyntaxError, builder.range(first, first),
                                 {"unexpected " + describe(first, builder)});
            }
            skipping = true;
            stream.consume();
            continue;
        }
        skipping = false;
        FlowParser::StatementContext* st = nullptr;
        try {
            parser.setErrorHandler(bail);
            sim->setPredictionMode(antlr4::atn::PredictionMode::SLL);
            st = parser.statement();
        } catch (antlr4::ParseCancellationException&) {
            parser.getTreeTracker().reset();
            stream.seek(startIndex);
            parser.setErrorHandler(recovering);
            recovering->reset(&parser);
            sim->setPredictionMode(antlr4::atn::PredictionMode::LL);
            parser.addErrorListener(&listener);
            unsigned before = listener.count;
            st = parser.statement();
            parser.removeErrorListeners();
            if (listener.count != before) st = nullptr; // no AST from a broken tree
        }
        if (stream.index() == startIndex) stream.consume(); // always make progress
        if (st) {
            ast::StmtPtr s = builder.topLevel(st);
            if (s) job.out.body.push_back(std::move(s));
        }
        parser.getTreeTracker().reset();
        arena.reset();
    }
    if (profile) {
        auto infos = parser.getParseInfo().getDecisionInfo();
        std::vector<const antlr4::atn::DecisionInfo*> order;
        for (auto& d : infos)
            order.push_back(&d);
        std::sort(order.begin(), order.end(), [](auto* a, auto* b) {
            return a->SLL_ATNTransitions + a->LL_ATNTransitions >
                   b->SLL_ATNTransitions + b->LL_ATNTransitions;
        });
        for (size_t i = 0; i < order.size() && i < 12; ++i) {
            const auto& d = *order[i];
            auto* state = parser.getATN().getDecisionState(d.decision);
            std::fprintf(stderr,
                         "decision %zu (rule %s): invocations %lld, SLL ATN %lld, DFA %lld, "
                         "LL fallback %lld, LL ATN %lld, max look %lld\n",
                         d.decision, parser.getRuleNames()[state->ruleIndex].c_str(), d.invocations,
                         d.SLL_ATNTransitions, d.SLL_DFATransitions, d.LL_Fallback,
                         d.LL_ATNTransitions, d.SLL_MaxLook);
        }
    }
}

// Runs `fn` on a thread with a kStackBytes stack (exceptions are carried over).
void runWithLargeStack(const std::function<void()>& fn) {
    struct Ctx {
        const std::function<void()>* fn;
        std::exception_ptr error;
    } ctx{&fn, nullptr};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kStackBytes);
    pthread_t thread;
    auto body = [](void* p) -> void* {
        auto* c = static_cast<Ctx*>(p);
        try {
            (*c->fn)();
        } catch (...) {
            c->error = std::current_exception();
        }
        return nullptr;
    };
    int rc = pthread_create(&thread, &attr, body, &ctx);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fn(); // no thread available: parse here (the stack check still applies)
        return;
    }
    pthread_join(thread, nullptr);
    if (ctx.error) std::rethrow_exception(ctx.error);
}

} // namespace

std::unique_ptr<ast::File> parseFile(uint32_t fileId, SourceManager& sm, DiagnosticEngine& diags) {
    auto file = std::make_unique<ast::File>();
    file->id = fileId;
    file->path = sm.path(fileId);
    ParseJob job{fileId, sm, diags, *file};
    runWithLargeStack([&] {
        try {
            parseOnThisThread(job);
        } catch (FlowParser::StackExhausted&) {
            diags.report(DiagId::NestingTooDeep, {fileId, 0, 0}, {std::to_string(kMaxNesting)});
        }
    });
    return file;
}

} // namespace flow::compiler
