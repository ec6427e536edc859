// Literals.cpp — see Literals.h.
#include "Literals.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace flow::compiler::parse {

namespace {

int digitValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// Reads digits of `radix` with numeric separators starting at `i`; appends the
// digits (without '_') to `out`. A separator must sit between two digits.
// Returns false on a misplaced separator; stops at the first non-digit.
bool readDigits(std::string_view t, size_t& i, int radix, std::string& out) {
    bool lastWasDigit = false;
    while (i < t.size()) {
        char c = t[i];
        if (c == '_') {
            if (!lastWasDigit) return false;
            if (i + 1 >= t.size() || digitValue(t[i + 1]) >= radix) return false;
            lastWasDigit = false;
            ++i;
            continue;
        }
        if (digitValue(c) >= radix) break;
        out += c;
        lastWasDigit = true;
        ++i;
    }
    return true;
}

double durationFactor(std::string_view unit) {
    if (unit == "ms") return 1;
    if (unit == "s") return 1000;
    if (unit == "m") return 60 * 1000;
    if (unit == "h") return 60 * 60 * 1000;
    if (unit == "d") return 24 * 60 * 60 * 1000;
    return 0;
}

bool allLetters(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    return true;
}

int hexValue(char c) {
    int v = digitValue(c);
    return v < 16 ? v : -1;
}

// Decodes one escape sequence starting at body[i] == '\\'. Returns false when
// it is invalid; `i` is left after the escape either way.
bool decodeEscape(std::string_view body, size_t& i, std::string& out, bool inTemplate) {
    size_t start = i;
    ++i; // the backslash
    if (i >= body.size()) return false;
    char c = body[i++];
    switch (c) {
    case 'n':
        out += '\n';
        return true;
    case 't':
        out += '\t';
        return true;
    case 'r':
        out += '\r';
        return true;
    case 'b':
        out += '\b';
        return true;
    case 'f':
        out += '\f';
        return true;
    case 'v':
        out += '\v';
        return true;
    case '0':
        // \0 is NUL only when no digit follows (\01 is a legacy octal escape).
        if (i < body.size() && isDigit(body[i])) return false;
        out += '\0';
        return true;
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        return false; // legacy octal escapes and \8 \9 are errors in strict JavaScript
    case '\r':
        if (i < body.size() && body[i] == '\n') ++i;
        return true; // line continuation
    case '\n':
        return true;
    case 'x': {
        if (i + 2 > body.size()) return false;
        int h1 = hexValue(body[i]), h2 = hexValue(body[i + 1]);
        if (h1 < 0 || h2 < 0) return false;
        i += 2;
        appendWtf8(out, uint32_t(h1 * 16 + h2));
        return true;
    }
    case 'u': {
        auto readU = [&](uint32_t& cp) -> bool {
            if (i < body.size() && body[i] == '{') {
                size_t j = i + 1;
                uint32_t v = 0;
                size_t n = 0;
                while (j < body.size() && body[j] != '}') {
                    int h = hexValue(body[j]);
                    if (h < 0) return false;
                    v = v * 16 + uint32_t(h);
                    if (v > 0x10FFFF) return false;
                    ++j, ++n;
                }
                if (j >= body.size() || n == 0) return false;
                i = j + 1;
                cp = v;
                return true;
            }
            if (i + 4 > body.size()) return false;
            uint32_t v = 0;
            for (size_t k = 0; k < 4; ++k) {
                int h = hexValue(body[i + k]);
                if (h < 0) return false;
                v = v * 16 + uint32_t(h);
            }
            i += 4;
            cp = v;
            return true;
        };
        uint32_t cp = 0;
        if (!readU(cp)) return false;
        // A high surrogate followed by an escaped low surrogate is one code
        // point (JavaScript strings are UTF-16: "\uD83D\uDE00" is one emoji).
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < body.size() && body[i] == '\\' &&
            body[i + 1] == 'u') {
            size_t save = i;
            i += 2;
            uint32_t lo = 0;
            if (readU(lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
                i = save; // not a pair: keep the lone surrogate (WTF-8)
            }
        }
        appendWtf8(out, cp);
        return true;
    }
    default:
        break;
    }
    // U+2028 / U+2029 line continuations (3-byte UTF-8 E2 80 A8/A9).
    if (uint8_t(c) == 0xE2 && i + 1 < body.size() && uint8_t(body[i]) == 0x80 &&
        (uint8_t(body[i + 1]) == 0xA8 || uint8_t(body[i + 1]) == 0xA9)) {
        i += 2;
        return true;
    }
    (void)inTemplate;
    (void)start;
    // Identity escape: \" \' \\ \` \$ \{ and any other character stand for
    // themselves (copy the whole UTF-8 sequence).
    out += c;
    while (i < body.size() && (uint8_t(body[i]) & 0xC0) == 0x80)
        out += body[i++];
    return true;
}

std::string decodeBody(std::string_view body, EscapeError& err, bool inTemplate) {
    std::string out;
    out.reserve(body.size());
    size_t i = 0;
    while (i < body.size()) {
        char c = body[i];
        if (c == '\\') {
            size_t start = i;
            if (!decodeEscape(body, i, out, inTemplate) && !err.failed) {
                err.failed = true;
                err.offset = start;
                // Show the whole escape as written: \x4G, \u12, \u{110000}.
                size_t want = start + 2;
                char kind = start + 1 < body.size() ? body[start + 1] : 0;
                if (kind == 'x') want = start + 4;
                if (kind == 'u') {
                    want = start + 6;
                    if (start + 2 < body.size() && body[start + 2] == '{') {
                        size_t close = body.find('}', start);
                        want = close == std::string_view::npos ? start + 3 : close + 1;
                    }
                }
                size_t end = std::min(body.size(), std::max(i, want));
                err.length = end - start;
                err.text = std::string(body.substr(start, err.length));
            }
            continue;
        }
        if (inTemplate && c == '\r') {
            out += '\n';
            ++i;
            if (i < body.size() && body[i] == '\n') ++i;
            continue;
        }
        out += c;
        ++i;
    }
    return out;
}

} // namespace

void appendWtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

NumberResult decodeNumber(std::string_view t) {
    using K = NumberResult::Kind;
    NumberResult r;
    r.kind = K::BadNumber;
    if (t.empty()) return r;
    size_t i = 0;
    std::string digits;
    if (t.size() > 1 && t[0] == '0' && std::strchr("xXoObB", t[1])) {
        int radix = (t[1] == 'x' || t[1] == 'X') ? 16 : (t[1] == 'o' || t[1] == 'O') ? 8 : 2;
        i = 2;
        if (i < t.size() && t[i] == '_') return r;
        if (!readDigits(t, i, radix, digits) || digits.empty()) return r;
        std::string_view rest = t.substr(i);
        if (rest == "n") {
            r.kind = K::BigInt;
            return r;
        }
        if (!rest.empty()) return r;
        double v = 0;
        for (char c : digits)
            v = v * radix + digitValue(c);
        r.kind = K::Number;
        r.value = v;
        return r;
    }
    // Decimal: int part, fraction, exponent, then an optional unit suffix.
    if (!readDigits(t, i, 10, digits)) return r;
    bool hasInt = !digits.empty();
    // Legacy octal (017) and leading zeros (08) are errors in strict JavaScript.
    if (digits.size() > 1 && digits[0] == '0') return r;
    bool hasFraction = false, hasExponent = false;
    if (i < t.size() && t[i] == '.') {
        ++i;
        digits += '.';
        if (i < t.size() && t[i] == '_') return r;
        size_t before = digits.size();
        if (!readDigits(t, i, 10, digits)) return r;
        hasFraction = digits.size() > before;
        if (!hasInt && !hasFraction) return r;
    } else if (!hasInt) {
        return r;
    }
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        size_t j = i + 1;
        std::string exp = "e";
        bool sign = j < t.size() && (t[j] == '+' || t[j] == '-');
        if (sign) exp += t[j++];
        if (j < t.size() && isDigit(t[j])) {
            if (!readDigits(t, j, 10, exp)) return r;
            digits += exp;
            hasExponent = true;
            i = j;
        } else if (sign || j >= t.size()) {
            return r; // "1e", "1e+": no exponent digits
        }
        // otherwise 'e' starts a suffix (an unknown unit like "1em")
    }
    double v = 0;
    const char* b = digits.data();
    const char* e = b + digits.size();
    if (digits.back() == '.') --e; // "1." is 1
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec == std::errc::result_out_of_range) {
        // Overflow is Infinity and underflow 0, as in JavaScript.
        v = (hasExponent && digits.find("e-") != std::string::npos) ? 0.0 : HUGE_VAL;
    } else if (ec != std::errc() || p != e) {
        return r;
    }
    std::string_view suffix = t.substr(i);
    if (suffix.empty()) {
        r.kind = K::Number;
        r.value = v;
        return r;
    }
    if (suffix == "n" && !hasFraction && !hasExponent) {
        r.kind = K::BigInt;
        return r;
    }
    if (double f = durationFactor(suffix)) {
        r.kind = K::Duration;
        r.value = v * f;
        return r;
    }
    r.kind = allLetters(suffix) ? K::BadDuration : K::BadNumber;
    return r;
}

std::string decodeStringBody(std::string_view body, EscapeError& err) {
    return decodeBody(body, err, false);
}

std::string cookTemplateChunk(std::string_view raw, EscapeError& err) {
    return decodeBody(raw, err, true);
}

std::string jsNumberToString(double v) {
    if (std::isnan(v)) return "NaN";
    if (v == 0) return "0";
    if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
    std::string sign = v < 0 ? "-" : "";
    v = std::fabs(v);
    // Shortest round-trip digits, then JavaScript's layout (ECMA-262
    // Number::toString): digits d1..dk and exponent n with value 0.d1..dk * 10^n.
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string s(buf, res.ptr);
    size_t epos = s.find('e');
    std::string mant = s.substr(0, epos);
    int exp10 = std::stoi(s.substr(epos + 1));
    std::string digits;
    for (char c : mant)
        if (c != '.') digits += c;
    int k = int(digits.size());
    int n = exp10 + 1;
    std::string out;
    if (k <= n && n <= 21) {
        out = digits + std::string(size_t(n - k), '0');
    } else if (0 < n && n <= 21) {
        out = digits.substr(0, size_t(n)) + "." + digits.substr(size_t(n));
    } else if (-6 < n && n <= 0) {
        out = "0." + std::string(size_t(-n), '0') + digits;
    } else {
        int e = n - 1;
        std::string es = (e >= 0 ? "+" : "-") + std::to_string(std::abs(e));
        if (k == 1)
            out = digits + "e" + es;
        else
            out = digits.substr(0, 1) + "." + digits.substr(1) + "e" + es;
    }
    return sign + out;
}

} // namespace flow::compiler::parse
