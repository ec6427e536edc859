#pragma once
// Literals.h — decoding of Flow literal tokens (numbers, durations, string and
// template escapes) and JavaScript's Number-to-string conversion. Pure
// functions over text, independent of ANTLR, so that they are unit-testable
// and reusable (AstDump prints numbers with jsNumberToString).
#include <cstdint>
#include <string>
#include <string_view>

namespace flow::compiler::parse {

struct NumberResult {
    enum class Kind : uint8_t {
        Number,      // value
        Duration,    // value = milliseconds
        BadNumber,   // FLOW1002
        BadDuration, // FLOW1009: a valid number followed by an unknown unit (5min, 3w)
        BigInt,      // 10n: unsupported (FLOW1007)
    };
    Kind kind = Kind::Number;
    double value = 0;
};

// Decodes the text of a NumberLiteral token: 12, 1_000, 1.5e-3, .5, 0x1F,
// 0o17, 0b101, and durations 250ms, 30s, 5m, 1h, 2d, 1.5h.
NumberResult decodeNumber(std::string_view text);

// Result of decoding the escapes of a string or template chunk.
struct EscapeError {
    bool failed = false;
    size_t offset = 0; // byte offset of the bad escape within the input
    size_t length = 0;
    std::string text; // the escape as written, for the message
};

// Decodes the body of a string literal (without its quotes) into WTF-8:
// \n \t \r \b \f \v \0 \xHH \uXXXX \u{X..} (surrogate pairs combined, lone
// surrogates kept), line continuations, identity escapes. On an invalid
// escape, sets `err` (first one only) and keeps decoding.
std::string decodeStringBody(std::string_view body, EscapeError& err);

// Same for one chunk of template text ("cooked" value): as strings, plus
// newline normalization (CRLF and CR become LF, as JavaScript does).
std::string cookTemplateChunk(std::string_view raw, EscapeError& err);

// JavaScript's Number.prototype.toString() (radix 10): 1 -> "1", 1.5 -> "1.5",
// 1e21 -> "1e+21", 1e-7 -> "1e-7", NaN, Infinity, -0 -> "0".
std::string jsNumberToString(double v);

// Appends the UTF-8 (WTF-8 for surrogates) encoding of `cp` to `out`.
void appendWtf8(std::string& out, uint32_t cp);

} // namespace flow::compiler::parse
