// ParseDriver.cpp — parseFile(): the parsing pipeline for one file.
//
//   1. checks before ANTLR: valid UTF-8 (FLOW1005), a code-point -> byte map;
//   2. lexing (Lexing.h) with a token pre-pass that rejects input whose shape
//      would make the parser or later passes blow up: brackets nested deeper
//      than kMaxNesting (FLOW1010), operator chains longer than kMaxChain
//      (FLOW1012), huge statements/files (FLOW1013/1014); it also reports
//      lexical errors (FLOW1004, FLOW1011, unexpected characters);
//   3. parsing one top-level statement at a time (the parse tree of a statement
//      is freed once its AST is built, so memory follows the largest statement),
//      first with SLL prediction and BailErrorStrategy (fast), and only when that
//      fails again with full LL and error recovery, reporting every syntax error;
//   4. everything runs on a thread with a large stack, and the parser checks
//      its stack use on every rule entry (FLOW1010 instead of a crash).
// Speed (bench/compile_speed.py): a hand scanner lexes the common tokens
// (FastLexer), the token stream precomputes its channel skips (FlowTokenStream),
// the parser predicts the frequent LL(1)/LL(2) decisions by hand
// (ParsePredictor.cpp), both simulators keep a lock-free copy of ANTLR's DFA
// edges (EdgeCache.h), tokens and parse-tree nodes come from arenas
// (grammar::ParseArena), and FlowParser/FlowLexer replace the runtime's
// dynamic_casts on their hot paths (see their @members). FLOW_PARSE_SELFCHECK
// checks the hand predictor and lexer against ANTLR
// (FLOW_LEX_SELFCHECK the lexer only, on any input).
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
#include "Lexing.h"
#include "ParsePredictor.h"
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

// FLOW_LEX_SELFCHECK, or FLOW_PARSE_SELFCHECK (which checks the predictor
// too, on valid programs only): lex every file with and without the hand scanner.
bool lexSelfCheck() {
    static const bool on = std::getenv("FLOW_LEX_SELFCHECK") != nullptr ||
                           std::getenv("FLOW_PARSE_SELFCHECK") != nullptr;
    return on;
}

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
    if (lexSelfCheck()) selfCheckLexer(lexSrc);
    // Declared before everything that holds tokens, so that it outlives them.
    grammar::ParseArena tokenMemory(false);
    TokenArenaScope tokenScope(tokenMemory);
    FlowTokenFactory tokenFactory;
    Utf8InputStream input(lexSrc);
    FastLexer lexer(&input, &tokenFactory, true);
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
        // Only for diagnostics (computing it for every token was ~2 % of a compile).
        auto r = [&] { return builder.range(t.get(), t.get()); };
        switch (type) {
        case FlowLexer::UnexpectedCharacter: {
            std::string c(builder.text(t.get()));
            std::string hint = c == "#"   ? " (private names are not supported in Flow)"
                               : c == "@" ? " (decorators are not supported in Flow)"
                                          : "";
            job.diags.report(DiagId::SyntaxError, r(), {"unexpected character '" + c + "'" + hint});
            continue; // dropped: the parser goes on as if it were not there
        }
        case FlowLexer::UnterminatedString:
            job.diags.report(DiagId::UnterminatedString, r());
            break;
        case FlowLexer::UnterminatedComment: {
            ast::SourceRange c = r();
            job.diags.report(DiagId::UnterminatedComment, {c.file, c.begin, c.begin + 2});
            break;
        }
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
                job.diags.report(DiagId::StatementTooLong, r(),
                                 {std::to_string(kMaxStatementTokens)});
                fatal = true;
                break;
            }
            if (significant > kMaxFileTokens) {
                job.diags.report(DiagId::TooManyTokens, r(), {std::to_string(kMaxFileTokens)});
                fatal = true;
                break;
            }
            if (opensBracket(type)) {
                ++chain.back();
                if (++depth > kMaxNesting) {
                    job.diags.report(DiagId::NestingTooDeep, r(), {std::to_string(kMaxNesting)});
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
                job.diags.report(DiagId::ExpressionTooLong, r(), {std::to_string(kMaxChain)});
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
    FlowTokenStream stream(&lexer, std::move(tokens));
    FlowParser parser(&stream);
    parser.newlineFlags = &stream.newlineFlags();
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
        parser.setInterpreter(newPredictor(&parser));
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
