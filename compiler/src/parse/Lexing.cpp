// Lexing.cpp — the character stream, tokens, fast lexer and token stream of
// the parser (see Lexing.h).
#include "Lexing.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "EdgeCache.h"

namespace flow::compiler::parse {

using grammar::FlowLexer;

// ------------------------------------------------------------------ input

Utf8InputStream::Utf8InputStream(std::string_view s) {
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

// ------------------------------------------------------------------ tokens

namespace {

thread_local grammar::ParseArena* tokenArena = nullptr;

class FlowToken : public antlr4::CommonToken {
public:
    using antlr4::CommonToken::CommonToken;
    static void* operator new(size_t size) {
        return grammar::ParseArena::allocate(size, tokenArena);
    }
    static void operator delete(void* p) noexcept { grammar::ParseArena::release(p); }
};

} // namespace

TokenArenaScope::TokenArenaScope(grammar::ParseArena& arena) : previous_(tokenArena) {
    tokenArena = &arena;
}
TokenArenaScope::~TokenArenaScope() {
    tokenArena = previous_;
}

std::unique_ptr<antlr4::CommonToken>
FlowTokenFactory::create(std::pair<antlr4::TokenSource*, antlr4::CharStream*> source, size_t type,
                         const std::string& text, size_t channel, size_t start, size_t stop,
                         size_t line, size_t charPositionInLine) {
    std::unique_ptr<antlr4::CommonToken> t(new FlowToken(source, type, channel, start, stop));
    t->setLine(line);
    t->setCharPositionInLine(charPositionInLine);
    if (!text.empty()) t->setText(text);
    return t;
}

std::unique_ptr<antlr4::CommonToken> FlowTokenFactory::create(size_t type,
                                                              const std::string& text) {
    return std::unique_ptr<antlr4::CommonToken>(new FlowToken(type, text));
}

// ------------------------------------------------------------------ the lexer

namespace {

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

// The literal tokens of the default mode, from the generated vocabulary (so
// that they follow the grammar): keywords by first letter, punctuation by
// first character, longest first (ANTLR takes the longest match, and among
// equally long ones the rule listed first: keywords before Identifier).
struct Literal {
    std::string text;
    size_t type;
};
struct Literals {
    std::array<std::vector<Literal>, 128> keywords, punctuation;
    explicit Literals(const antlr4::dfa::Vocabulary& v) {
        for (size_t t = 1; t <= v.getMaxTokenType(); ++t) {
            std::string lit = v.getLiteralName(t);
            if (lit.size() < 3 || lit.front() != '\'' || lit.back() != '\'') continue;
            std::string text = lit.substr(1, lit.size() - 2);
            // Template-mode tokens, and escapes (none today) are left to ANTLR.
            if (t == FlowLexer::TemplateSubstStart || t == FlowLexer::TemplateDollar ||
                text.find('\\') != std::string::npos || uint8_t(text[0]) >= 0x80)
                continue;
            auto& table = std::isalpha(uint8_t(text[0])) ? keywords : punctuation;
            table[uint8_t(text[0])].push_back({text, t});
        }
        for (auto* tables : {&keywords, &punctuation})
            for (auto& list : *tables)
                std::stable_sort(list.begin(), list.end(), [](const Literal& a, const Literal& b) {
                    return a.text.size() > b.text.size();
                });
    }
};
// Built from the first lexer's vocabulary (every FlowLexer has the same).
const Literals& literals(const antlr4::dfa::Vocabulary* v = nullptr) {
    static const Literals l(*v);
    return l;
}

bool isIdentStart(char32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '$' || c == '_';
}
bool isIdentPart(char32_t c) {
    return isIdentStart(c) || (c >= '0' && c <= '9');
}
bool isDigit(char32_t c) {
    return c >= '0' && c <= '9';
}
bool isNumberPart(char32_t c) {
    return isIdentPart(c) && c != '$';
}
// [ \t\u000B\u000C]: the ASCII part of WhiteSpaces (and of LineTerminator's tail).
bool isBlank(char32_t c) {
    return c == ' ' || c == '\t' || c == 0x0B || c == 0x0C;
}
bool isNewline(char32_t c) {
    return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

} // namespace

FastLexer::FastLexer(Utf8InputStream* input, FlowTokenFactory* factory, bool fast)
    : FlowLexer(input), in_(input), s_(input->codePoints()), n_(input->length()), fast_(fast) {
    setTokenFactory(factory);
    setSimulator(new CachingLexerSimulator(this)); // ~FlowLexer deletes it
    removeErrorListeners();
    (void)literals(&getVocabulary()); // built once, before the first token
}

std::unique_ptr<antlr4::Token> FastLexer::nextToken() {
    if (!fast_ || hitEOF) return FlowLexer::nextToken();
    auto* sim = simulator();
    for (;;) {
        size_t start = in_->index();
        if (start >= n_) return FlowLexer::nextToken(); // EOF, as ANTLR makes it
        size_t end = start;
        size_t t = mode == TEMPLATE ? scanTemplate(start, end) : scanDefault(start, end);
        if (t == 0) return FlowLexer::nextToken(); // ANTLR decides this token
        // What LexerATNSimulator::consume does per character: only '\n' starts
        // a line, and only these tokens can hold one.
        size_t line = sim->getLine(), col = sim->getCharPositionInLine();
        size_t endLine = line, endCol = col + (end - start);
        if (t == LineTerminator || t == MultiLineComment || t == TemplateChars) {
            endCol = col;
            for (size_t k = start; k < end; ++k) {
                if (s_[k] == '\n') {
                    ++endLine;
                    endCol = 0;
                } else {
                    ++endCol;
                }
            }
        }
        in_->jump(end);
        sim->setLine(endLine);
        sim->setCharPositionInLine(endCol);
        if (end >= n_) hitEOF = true;
        if (t == WhiteSpaces || t == SingleLineComment) continue; // -> skip
        // The lexer actions of these rules (see FlowLexer.g4).
        switch (t) {
        case OpenBrace:
            openBrace();
            break;
        case CloseBrace:
            closeBrace();
            break;
        case BackTick:
            pushMode(TEMPLATE);
            break;
        case TemplateEnd:
            popMode();
            break;
        case TemplateSubstStart:
            openSubstitution();
            break;
        default:
            break;
        }
        // The token emit() would make through the factory (FlowTokenFactory).
        size_t ch = t == LineTerminator || t == MultiLineComment ? size_t(COMMENTS_AND_NEWLINES)
                                                                 : antlr4::Token::DEFAULT_CHANNEL;
        std::unique_ptr<antlr4::CommonToken> tok(
            new FlowToken({this, _input}, t, ch, start, end - 1));
        tok->setLine(line);
        tok->setCharPositionInLine(col);
        if (ch == antlr4::Token::DEFAULT_CHANNEL) lastSignificantType = t;
        return tok;
    }
}

size_t FastLexer::scanDefault(size_t i, size_t& end) {
    const char32_t* s = s_;
    const size_t n = n_;
    char32_t c = s[i];
    if (c >= 0x80) return 0;
    auto at = [&](size_t k) -> char32_t { return k < n ? s[k] : 0; };
    if (isIdentStart(c)) {
        size_t k = i + 1;
        while (k < n && isIdentPart(s[k]))
            ++k;
        if (k < n && s[k] >= 0x80) return 0; // \p{L}... may go on
        end = k;
        size_t len = k - i;
        for (const Literal& kw : literals().keywords[c]) {
            if (kw.text.size() != len) continue;
            size_t j = 1;
            while (j < len && char32_t(uint8_t(kw.text[j])) == s[i + j])
                ++j;
            if (j == len) return kw.type;
        }
        return Identifier;
    }
    if (isDigit(c)) return scanNumber(i, end);
    switch (c) {
    case ' ':
    case '\t':
    case 0x0B:
    case 0x0C: {
        size_t k = i + 1;
        while (k < n && isBlank(s[k]))
            ++k;
        if (k < n && s[k] >= 0x80) return 0; // \u00A0, \uFEFF may go on
        end = k;
        return WhiteSpaces;
    }
    case '\n':
    case '\r': {
        size_t k = i + 1;
        while (k < n && (isBlank(s[k]) || s[k] == '\n' || s[k] == '\r'))
            ++k;
        if (k < n && s[k] >= 0x80) return 0;
        end = k;
        return LineTerminator;
    }
    case '"':
    case '\'':
        for (size_t k = i + 1; k < n; ++k) {
            char32_t d = s[k];
            if (d == c) {
                end = k + 1;
                return StringLiteral;
            }
            if (d == '\\' || d == '\r' || d == '\n') return 0; // escapes, unterminated
        }
        return 0;
    case '`':
        end = i + 1;
        return BackTick;
    case '/':
        if (at(i + 1) == '/') {
            size_t k = i + 2;
            while (k < n && !isNewline(s[k]))
                ++k;
            end = k;
            return SingleLineComment;
        }
        if (at(i + 1) == '*') {
            for (size_t k = i + 2; k + 1 < n; ++k) {
                if (s[k] == '*' && s[k + 1] == '/') {
                    end = k + 2;
                    return MultiLineComment;
                }
            }
            return 0; // UnterminatedComment
        }
        // RegularExpressionLiteral's predicate: where a regex may start, ANTLR decides.
        if (regexAllowed()) return 0;
        break;
    case '.':
        if (isDigit(at(i + 1))) return 0; // .5: a number
        break;
    default:
        break;
    }
    return scanPunctuation(i, end);
}

// NumberLiteral: [0-9] NumberPart* ('.' NumberPart*)? Exponent?, where an
// exponent with a sign (1e+5) is left to ANTLR.
size_t FastLexer::scanNumber(size_t i, size_t& end) const {
    const char32_t* s = s_;
    size_t k = i + 1;
    while (k < n_ && isNumberPart(s[k]))
        ++k;
    if (k < n_ && s[k] == '.') {
        ++k;
        while (k < n_ && isNumberPart(s[k]))
            ++k;
    }
    if (k < n_ && (s[k] == '+' || s[k] == '-') && (s[k - 1] == 'e' || s[k - 1] == 'E')) return 0;
    end = k;
    return NumberLiteral;
}

size_t FastLexer::scanPunctuation(size_t i, size_t& end) const {
    for (const Literal& p : literals().punctuation[s_[i]]) {
        size_t len = p.text.size();
        if (i + len > n_) continue;
        size_t j = 1;
        while (j < len && char32_t(uint8_t(p.text[j])) == s_[i + j])
            ++j;
        if (j != len) continue;
        // QuestionDot's predicate: `a?.5:1` is a conditional.
        if (p.type == QuestionDot && i + len < n_ && isDigit(s_[i + len])) continue;
        end = i + len;
        return p.type;
    }
    return 0; // UnexpectedCharacter and the like
}

// TEMPLATE mode: TemplateEnd, TemplateSubstStart, TemplateChars, TemplateDollar.
size_t FastLexer::scanTemplate(size_t i, size_t& end) const {
    const char32_t* s = s_;
    const size_t n = n_;
    if (s[i] == '`') {
        end = i + 1;
        return TemplateEnd;
    }
    if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
        end = i + 2;
        return TemplateSubstStart;
    }
    // ( ~[`\\$] | '\\' . | '$' ~[{`\\$] )+
    size_t k = i;
    while (k < n) {
        char32_t d = s[k];
        if (d == '`') break;
        if (d == '\\') {
            if (k + 1 >= n) break;
            k += 2;
            continue;
        }
        if (d == '$') {
            if (k + 1 >= n) break;
            char32_t e = s[k + 1];
            if (e == '{' || e == '`' || e == '\\' || e == '$') break;
            k += 2;
            continue;
        }
        ++k;
    }
    if (k > i) {
        end = k;
        return TemplateChars;
    }
    if (s[i] == '$') {
        end = i + 1;
        return TemplateDollar;
    }
    return 0;
}

// ------------------------------------------------------------------ the token stream

FlowTokenStream::FlowTokenStream(antlr4::TokenSource* source,
                                 std::vector<std::unique_ptr<antlr4::Token>> tokens)
    : CommonTokenStream(source) {
    _tokens = std::move(tokens);
    _fetchedEOF = true;
    size_t n = _tokens.size();
    next_.resize(n);
    prev_.resize(n);
    newlineBefore_.assign(n, 0);
    auto onChannel = [&](size_t i) {
        antlr4::Token* t = _tokens[i].get();
        return t->getType() == antlr4::Token::EOF || t->getChannel() == channel;
    };
    int32_t last = -1;
    bool newline = false;
    for (size_t i = 0; i < n; ++i) {
        auto* t = static_cast<antlr4::CommonToken*>(_tokens[i].get());
        t->setTokenIndex(i);
        if (onChannel(i)) {
            last = int32_t(i);
            newlineBefore_[i] = newline;
            newline = false;
        } else if (t->getType() == FlowLexer::LineTerminator ||
                   (t->getType() == FlowLexer::MultiLineComment &&
                    t->getText().find_first_of("\r\n") != std::string::npos)) {
            newline = true;
        }
        prev_[i] = last;
    }
    uint32_t following = uint32_t(n - 1); // the EOF token
    for (size_t i = n; i-- > 0;) {
        if (onChannel(i)) following = uint32_t(i);
        next_[i] = following;
    }
    lazyInit(); // positions the stream on the first default-channel token
}

antlr4::Token* FlowTokenStream::LT(ssize_t k) {
    if (k == 1) return _tokens[_p].get();
    if (k == -1) return LB(1); // exitRule's, once per rule
    if (k <= 0) return CommonTokenStream::LT(k);
    size_t i = _p;
    for (ssize_t m = 1; m < k; ++m)
        if (i + 1 < _tokens.size()) i = next_[i + 1];
    return _tokens[i].get();
}

antlr4::Token* FlowTokenStream::LB(size_t k) {
    if (k != 1 || _p == 0) return CommonTokenStream::LB(k);
    int32_t i = prev_[_p - 1];
    return i < 0 ? nullptr : _tokens[size_t(i)].get();
}

void FlowTokenStream::consume() {
    if (_p + 1 >= _tokens.size()) {
        CommonTokenStream::consume(); // at EOF: throws as before
        return;
    }
    _p = next_[_p + 1];
}

ssize_t FlowTokenStream::adjustSeekIndex(size_t i) {
    return i >= _tokens.size() ? ssize_t(_tokens.size()) - 1 : ssize_t(next_[i]);
}

// ------------------------------------------------------------------ self-check

namespace {

std::vector<std::unique_ptr<antlr4::Token>> lexAll(std::string_view text, bool fast) {
    Utf8InputStream input(text);
    FlowTokenFactory factory;
    FastLexer lexer(&input, &factory, fast);
    std::vector<std::unique_ptr<antlr4::Token>> out;
    for (;;) {
        out.push_back(lexer.nextToken());
        if (out.back()->getType() == antlr4::Token::EOF) return out;
    }
}

} // namespace

void selfCheckLexer(std::string_view text) {
    grammar::ParseArena arena(false);
    TokenArenaScope scope(arena);
    auto fast = lexAll(text, true), slow = lexAll(text, false);
    for (size_t i = 0; i < fast.size() || i < slow.size(); ++i) {
        antlr4::Token* a = i < fast.size() ? fast[i].get() : nullptr;
        antlr4::Token* b = i < slow.size() ? slow[i].get() : nullptr;
        if (a && b && a->getType() == b->getType() && a->getChannel() == b->getChannel() &&
            a->getStartIndex() == b->getStartIndex() && a->getStopIndex() == b->getStopIndex() &&
            a->getLine() == b->getLine() &&
            a->getCharPositionInLine() == b->getCharPositionInLine())
            continue;
        auto show = [](antlr4::Token* t) {
            return t ? "type " + std::to_string(t->getType()) + " at " +
                           std::to_string(t->getLine()) + ":" +
                           std::to_string(t->getCharPositionInLine()) + " [" +
                           std::to_string(t->getStartIndex()) + ", " +
                           std::to_string(t->getStopIndex()) + "] channel " +
                           std::to_string(t->getChannel())
                     : std::string("nothing");
        };
        std::fprintf(stderr, "flowc: internal: fast lexer gave %s, ANTLR %s (token %zu)\n",
                     show(a).c_str(), show(b).c_str(), i);
        std::abort();
    }
}

} // namespace flow::compiler::parse
