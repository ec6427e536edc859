#pragma once
// Lexing.h — internal to compiler/src/parse: what turns a file's text into the
// token stream the parser reads.
//
//   Utf8InputStream  the code points (the runtime's converter was ~3 % of a compile)
//   FlowToken        tokens allocated from one arena per file
//   FastLexer        FlowLexer with a hand-written scanner for the common tokens
//   FlowTokenStream  CommonTokenStream with precomputed channel skips
//
// Speed (bench/compile_speed.py): ANTLR's lexer spent ~550 instructions per
// character (DFA edge lookups, std::function lexer actions, dynamic_casts);
// the fast scanner answers for the tokens whose rules are plain (names,
// keywords, numbers without exponent sign, simple strings, punctuation,
// whitespace, newlines, comments, template text) and hands everything else to
// ANTLR, which stays the definition (grammar/FlowLexer.g4). With
// FLOW_LEX_SELFCHECK (or FLOW_PARSE_SELFCHECK) set, the driver lexes every
// file both ways and aborts on any difference (selfCheckLexer).
#include <memory>
#include <string_view>
#include <vector>

#include "FlowLexer.h"
#include "FlowParser.h"
#include "antlr4-runtime.h"

namespace flow::compiler::parse {

// ANTLRInputStream filled by a plain UTF-8 decoder. The input has been
// validated by checkUtf8, and the runtime's own conversion (a converter that
// appends one code point at a time) was ~3 % of a compile. The result is the
// same, including ANTLR's removal of a leading UTF-8 byte order mark.
class Utf8InputStream : public antlr4::ANTLRInputStream {
public:
    explicit Utf8InputStream(std::string_view s);
    const char32_t* codePoints() const { return _data.data(); }
    size_t length() const { return _data.size(); }
    // Moves to code point i (0 <= i <= length()) without consume()'s checks.
    void jump(size_t i) { p = i; }
};

// Tokens come from one arena per file (they live as long as the token
// stream): ~200,000 malloc/free pairs fewer for a 20,000-line file. The
// arena is the one set by TokenArenaScope on this thread.
class TokenArenaScope {
public:
    explicit TokenArenaScope(grammar::ParseArena& arena);
    ~TokenArenaScope();
    TokenArenaScope(const TokenArenaScope&) = delete;
    TokenArenaScope& operator=(const TokenArenaScope&) = delete;

private:
    grammar::ParseArena* previous_;
};

// Makes the same tokens as ANTLR's CommonTokenFactory (copyText off), from the arena.
class FlowTokenFactory : public antlr4::TokenFactory<antlr4::CommonToken> {
public:
    std::unique_ptr<antlr4::CommonToken>
    create(std::pair<antlr4::TokenSource*, antlr4::CharStream*> source, size_t type,
           const std::string& text, size_t channel, size_t start, size_t stop, size_t line,
           size_t charPositionInLine) override;
    std::unique_ptr<antlr4::CommonToken> create(size_t type, const std::string& text) override;
};

// FlowLexer whose nextToken() first tries the hand scanner (when `fast`), and
// whose ATN simulator keeps a lock-free copy of the DFA edges.
class FastLexer : public grammar::FlowLexer {
public:
    FastLexer(Utf8InputStream* input, FlowTokenFactory* factory, bool fast);
    std::unique_ptr<antlr4::Token> nextToken() override;

private:
    // The type of the token starting at code point i (its end in `end`), or
    // 0 when the scanner is not sure and ANTLR must decide.
    size_t scanDefault(size_t i, size_t& end);
    size_t scanTemplate(size_t i, size_t& end) const;
    size_t scanNumber(size_t i, size_t& end) const;
    size_t scanPunctuation(size_t i, size_t& end) const;

    Utf8InputStream* in_;
    const char32_t* s_;
    size_t n_;
    bool fast_;
};

// CommonTokenStream over a complete token list (the lexer has run to EOF):
// the next/previous default-channel token of every index is precomputed, so
// LT/LA/consume do not walk the hidden tokens (newlines, comments) again and
// again, and no token is fetched (BufferedTokenStream::fetch pays a
// dynamic_cast per token). Behaves as CommonTokenStream on the default channel.
class FlowTokenStream : public antlr4::CommonTokenStream {
public:
    // `tokens` ends with the EOF token; `source` is the lexer that made them.
    FlowTokenStream(antlr4::TokenSource* source,
                    std::vector<std::unique_ptr<antlr4::Token>> tokens);

    antlr4::Token* LT(ssize_t k) override;
    size_t LA(ssize_t i) override {
        return i == 1 ? _tokens[_p]->getType() : LT(i)->getType(); // LT(1) is tokens[p]
    }
    void consume() override;
    // By token index: is there a newline (or a block comment spanning lines)
    // between this default-channel token and the one before it? (For
    // FlowParser::lineTerminatorAhead.)
    const std::vector<char>& newlineFlags() const { return newlineBefore_; }

protected:
    antlr4::Token* LB(size_t k) override;
    ssize_t adjustSeekIndex(size_t i) override;

private:
    std::vector<uint32_t> next_; // first default-channel (or EOF) index >= i
    std::vector<int32_t> prev_;  // last default-channel index <= i, or -1
    std::vector<char> newlineBefore_;
};

// FLOW_LEX_SELFCHECK: lexes `text` with and without the fast scanner and
// aborts (naming the first difference) unless both give the same tokens.
void selfCheckLexer(std::string_view text);

} // namespace flow::compiler::parse
