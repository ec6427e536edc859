// String.cpp — String.fromCharCode/fromCodePoint and String.prototype
// (ECMA-262 §22.1) with UTF-16 semantics: every index and length counts
// UTF-16 code units, as in JS (Heap.h explains the WTF-8 storage). ASCII
// strings index their bytes directly; others use the cached UTF-16 form.
//
// Limits of this implementation (documented, deliberate):
//   - no RegExp: split/replace/replaceAll/includes... take string patterns;
//   - toUpperCase/toLowerCase map ASCII, Latin-1, Latin Extended-A, Greek and
//     Cyrillic (plus ß -> SS and final sigma); other scripts are unchanged;
//   - localeCompare approximates ICU's root collation (node's default): ASCII
//     punctuation in ICU's order < digits < letters, letters compared case-
//     and accent-insensitively first (Latin-1 accents fold to the base
//     letter), then unaccented before accented, then lower before upper case;
//     other scripts compare by code unit after that. Not a full collation.
#include <algorithm>

#include "StdlibUtil.h"
#include "flow/vm/Unicode.h"

namespace flow::vm {

using bytecode::Builtin;
using namespace stdlib;

namespace {

Value num(double d) {
    return Value::number(d);
}
Value sv(String* s) {
    return Value::object(s);
}

// The string argument i, converted (undefined -> "undefined", as JS).
String* argString(Vm& vm, const Args& args, uint32_t i) {
    return toString(vm, args[i]);
}

bool isHigh(uint32_t u) {
    return u >= 0xD800 && u < 0xDC00;
}
bool isLow(uint32_t u) {
    return u >= 0xDC00 && u < 0xE000;
}

Value strCharAt(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "charAt");
    double i = toInteger(vm, args[0]);
    if (i < 0 || i >= s->length16) return sv(vm.names.empty);
    return sv(substring16(vm, s, size_t(i), size_t(i) + 1));
}

Value strCharCodeAt(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "charCodeAt");
    double i = toInteger(vm, args[0]);
    if (i < 0 || i >= s->length16) return num(NAN);
    return num(s->unitAt(uint32_t(i)));
}

Value strCodePointAt(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "codePointAt");
    double d = toInteger(vm, args[0]);
    if (d < 0 || d >= s->length16) return Value::undefined();
    auto i = uint32_t(d);
    uint32_t u = s->unitAt(i);
    if (isHigh(u) && i + 1 < s->length16) {
        uint32_t l = s->unitAt(i + 1);
        if (isLow(l)) return num(0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00));
    }
    return num(u);
}

Value strAt(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "at");
    double i = toInteger(vm, args[0]);
    if (i < 0) i += s->length16;
    if (i < 0 || i >= s->length16) return Value::undefined();
    return sv(substring16(vm, s, size_t(i), size_t(i) + 1));
}

Value strIndexOf(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "indexOf");
    String* n = argString(vm, args, 0);
    double from = toInteger(vm, args[1]);
    return num(double(indexOf16(s, n, clampIndex(std::max(from, 0.0), s->length16))));
}

Value strLastIndexOf(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "lastIndexOf");
    String* n = argString(vm, args, 0);
    double from = INFINITY;
    if (!args[1].isUndefined()) {
        double d = toNumber(vm, args[1]);
        if (d == d) from = std::trunc(d);
    }
    size_t f = from < 0 ? 0 : from > s->length16 ? s->length16 : size_t(from);
    return num(double(lastIndexOf16(s, n, f)));
}

Value strIncludes(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "includes");
    String* n = argString(vm, args, 0);
    double from = toInteger(vm, args[1]);
    return Value::boolean(indexOf16(s, n, clampIndex(std::max(from, 0.0), s->length16)) >= 0);
}

bool unitsEqualAt(const String* s, size_t pos, const String* n) {
    if (pos + n->length16 > s->length16) return false;
    if (s->ascii && n->ascii) return s->view().substr(pos, n->data.size()) == n->view();
    return std::u16string_view(s->units()).substr(pos, n->length16) == n->units();
}

Value strStartsWith(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "startsWith");
    String* n = argString(vm, args, 0);
    size_t pos = clampIndex(std::max(toInteger(vm, args[1]), 0.0), s->length16);
    return Value::boolean(unitsEqualAt(s, pos, n));
}

Value strEndsWith(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "endsWith");
    String* n = argString(vm, args, 0);
    size_t end = args[1].isUndefined()
                     ? s->length16
                     : clampIndex(std::max(toInteger(vm, args[1]), 0.0), s->length16);
    if (n->length16 > end) return Value::boolean(false);
    return Value::boolean(unitsEqualAt(s, end - n->length16, n));
}

Value strSlice(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "slice");
    size_t len = s->length16;
    size_t from = relArg(vm, args[0], len, 0), to = relArg(vm, args[1], len, len);
    return sv(substring16(vm, s, from, std::max(from, to)));
}

Value strSubstring(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "substring");
    double len = s->length16;
    double a = std::clamp(toInteger(vm, args[0]), 0.0, len);
    double b = args[1].isUndefined() ? len : std::clamp(toInteger(vm, args[1]), 0.0, len);
    if (a > b) std::swap(a, b);
    return sv(substring16(vm, s, size_t(a), size_t(b)));
}

Value strSubstr(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "substr");
    size_t len = s->length16;
    size_t from = relArg(vm, args[0], len, 0);
    double n = args[1].isUndefined() ? double(len) : toInteger(vm, args[1]);
    double end = std::clamp(double(from) + n, double(from), double(len));
    return sv(substring16(vm, s, from, size_t(end)));
}

// ---- case mapping (see the header comment for the covered ranges)

uint32_t upperOf(uint32_t c) {
    if (c < 0x80) return c >= 'a' && c <= 'z' ? c - 32 : c;
    if (c == 0xB5) return 0x39C;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
    if (c == 0xFF) return 0x178;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x131) return 'I';
        if (c == 0x17F) return 'S';
        bool oddUpper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (oddUpper) return (c & 1) ? c : c - 1;
        if (c == 0x138 || c == 0x149) return c;
        return (c & 1) ? c - 1 : c;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
    if (c == 0x3C2) return 0x3A3;
    if (c >= 0x3AC && c <= 0x3AF) {
        static const uint32_t m[] = {0x386, 0x388, 0x389, 0x38A};
        return m[c - 0x3AC];
    }
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 63;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    return c;
}

uint32_t lowerOf(uint32_t c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c == 0x178) return 0xFF;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130) return 'i';
        bool oddUpper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (oddUpper) return (c & 1) ? c + 1 : c;
        if (c == 0x138 || c == 0x149 || c == 0x131 || c == 0x17F) return c;
        return (c & 1) ? c : c + 1;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}

bool isCasedLetter(uint32_t c) {
    return upperOf(c) != c || lowerOf(c) != c;
}

Value changeCase(Vm& vm, const Args& args, bool upper, const char* name) {
    String* s = thisString(vm, args, name);
    if (s->ascii) {
        std::string out = s->data;
        for (char& c : out) {
            if (upper && c >= 'a' && c <= 'z')
                c = char(c - 32);
            else if (!upper && c >= 'A' && c <= 'Z')
                c = char(c + 32);
        }
        return str(vm, std::move(out));
    }
    std::u16string_view u = s->units();
    std::u16string out;
    out.reserve(u.size());
    for (size_t i = 0; i < u.size(); ++i) {
        uint32_t c = u[i];
        if (upper && c == 0xDF) {
            out += u"SS";
        } else if (!upper && c == 0x3A3) {
            // Final sigma: Σ at the end of a word (after a cased letter, not
            // followed by one) lowers to ς.
            bool before = i > 0 && isCasedLetter(u[i - 1]);
            bool after = i + 1 < u.size() && isCasedLetter(u[i + 1]);
            out += char16_t(before && !after ? 0x3C2 : 0x3C3);
        } else if (!upper && c == 0x130) {
            out += u"i\u0307";
        } else {
            out += char16_t(upper ? upperOf(c) : lowerOf(c));
        }
    }
    return sv(vm.newStringFromUnits(out));
}

Value strToUpper(Vm& vm, const Args& args, NativeFunction*) {
    return changeCase(vm, args, true, "toUpperCase");
}
Value strToLower(Vm& vm, const Args& args, NativeFunction*) {
    return changeCase(vm, args, false, "toLowerCase");
}

// ---- trimming: JS WhiteSpace and LineTerminator code points

bool isJsSpace(uint32_t c) {
    return c == 9 || c == 10 || c == 11 || c == 12 || c == 13 || c == 32 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

Value trimImpl(Vm& vm, const Args& args, bool start, bool end, const char* name) {
    String* s = thisString(vm, args, name);
    size_t a = 0, b = s->length16;
    if (start)
        while (a < b && isJsSpace(s->unitAt(uint32_t(a))))
            ++a;
    if (end)
        while (b > a && isJsSpace(s->unitAt(uint32_t(b - 1))))
            --b;
    return sv(substring16(vm, s, a, b));
}

Value strTrim(Vm& vm, const Args& args, NativeFunction*) {
    return trimImpl(vm, args, true, true, "trim");
}
Value strTrimStart(Vm& vm, const Args& args, NativeFunction*) {
    return trimImpl(vm, args, true, false, "trimStart");
}
Value strTrimEnd(Vm& vm, const Args& args, NativeFunction*) {
    return trimImpl(vm, args, false, true, "trimEnd");
}

// ---- padding, repeat, concat

Value padImpl(Vm& vm, const Args& args, bool atStart, const char* name) {
    String* s = thisString(vm, args, name);
    double target = toInteger(vm, args[0]);
    std::u16string fill = args[1].isUndefined() ? u" " : toString(vm, args[1])->units();
    if (target <= s->length16 || fill.empty()) return sv(s);
    checkStringSize(vm, size_t(std::min(target, double(kMaxStringBytes) + 1)));
    size_t need = size_t(target) - s->length16;
    std::u16string pad;
    pad.reserve(need);
    while (pad.size() < need)
        pad += fill;
    pad.resize(need);
    std::string p = fromUnits(pad), out;
    out.reserve(p.size() + s->data.size());
    if (atStart) {
        out = p;
        appendWtf8(out, s->view());
    } else {
        out = s->data;
        appendWtf8(out, p);
    }
    return str(vm, std::move(out));
}

Value strPadStart(Vm& vm, const Args& args, NativeFunction*) {
    return padImpl(vm, args, true, "padStart");
}
Value strPadEnd(Vm& vm, const Args& args, NativeFunction*) {
    return padImpl(vm, args, false, "padEnd");
}

Value strRepeat(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "repeat");
    double n = toInteger(vm, args[0]);
    if (n < 0 || std::isinf(n))
        vm.throwError(ErrorKind::RangeError, "Invalid count value: " + numberToString(n));
    if (n == 0 || s->data.empty()) return sv(vm.names.empty);
    checkStringSize(vm, size_t(std::min(n * double(s->data.size()), double(kMaxStringBytes) + 1)));
    std::string out;
    out.reserve(size_t(n) * s->data.size());
    for (size_t i = 0; i < size_t(n); ++i)
        appendWtf8(out, s->view());
    return str(vm, std::move(out));
}

Value strConcat(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "concat");
    std::string out = s->data;
    for (uint32_t i = 0; i < args.size(); ++i) {
        appendWtf8(out, toString(vm, args[i])->view());
        checkStringSize(vm, out.size());
    }
    return str(vm, std::move(out));
}

// ---- split / replace

Value strSplit(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "split");
    uint32_t limit = args[1].isUndefined() ? 0xFFFFFFFFu : toUint32(toNumber(vm, args[1]));
    Array* out = vm.newArray();
    if (limit == 0) return Value::object(out);
    if (args[0].isUndefined()) {
        out->elems.push_back(sv(s));
        return Value::object(out);
    }
    String* sep = toString(vm, args[0]);
    size_t len = s->length16;
    if (sep->length16 == 0) {
        for (size_t i = 0; i < len && out->elems.size() < limit; ++i)
            out->elems.push_back(sv(substring16(vm, s, i, i + 1)));
        return Value::object(out);
    }
    size_t start = 0;
    for (;;) {
        long p = indexOf16(s, sep, start);
        if (p < 0) break;
        out->elems.push_back(sv(substring16(vm, s, start, size_t(p))));
        if (out->elems.size() >= limit) return Value::object(out);
        start = size_t(p) + sep->length16;
    }
    out->elems.push_back(sv(substring16(vm, s, start, len)));
    return Value::object(out);
}

// GetSubstitution for a string pattern: $$, $&, $`, $' (no capture groups,
// so $1 and $<name> stay literal, as JS does for string patterns).
void substitute(std::u16string& out, std::u16string_view repl, std::u16string_view whole,
                size_t pos, size_t matchLen) {
    for (size_t i = 0; i < repl.size(); ++i) {
        char16_t c = repl[i];
        if (c == u'$' && i + 1 < repl.size()) {
            char16_t n = repl[i + 1];
            if (n == u'$') {
                out += u'$';
                ++i;
                continue;
            }
            if (n == u'&') {
                out += whole.substr(pos, matchLen);
                ++i;
                continue;
            }
            if (n == u'`') {
                out += whole.substr(0, pos);
                ++i;
                continue;
            }
            if (n == u'\'') {
                out += whole.substr(std::min(pos + matchLen, whole.size()));
                ++i;
                continue;
            }
        }
        out += c;
    }
}

Value replaceImpl(Vm& vm, const Args& args, bool all, const char* name) {
    String* s = thisString(vm, args, name);
    String* pat = toString(vm, args[0]);
    Value replaceValue = args[1];
    bool fn = isCallable(replaceValue);
    String* repl = fn ? nullptr : toString(vm, replaceValue);
    // Positions first (the pattern is fixed), then the replacements.
    std::vector<size_t> hits;
    size_t plen = pat->length16;
    for (size_t from = 0;;) {
        long p = indexOf16(s, pat, from);
        if (p < 0) break;
        hits.push_back(size_t(p));
        if (!all) break;
        from = size_t(p) + (plen ? plen : 1);
        if (from > s->length16) break;
    }
    if (hits.empty()) return sv(s);
    std::u16string whole = s->units();
    std::u16string out;
    size_t last = 0;
    for (size_t p : hits) {
        out += std::u16string_view(whole).substr(last, p - last);
        if (fn) {
            String* m = substring16(vm, s, p, p + plen);
            Value r = vm.call(replaceValue, Value::undefined(), {sv(m), num(double(p)), sv(s)});
            out += toString(vm, r)->units();
        } else {
            substitute(out, repl->units(), whole, p, plen);
        }
        checkStringSize(vm, out.size());
        last = p + plen;
    }
    out += std::u16string_view(whole).substr(last);
    return sv(vm.newStringFromUnits(out));
}

Value strReplace(Vm& vm, const Args& args, NativeFunction*) {
    return replaceImpl(vm, args, false, "replace");
}
Value strReplaceAll(Vm& vm, const Args& args, NativeFunction*) {
    return replaceImpl(vm, args, true, "replaceAll");
}

// ---- localeCompare (see the header comment)

// Primary weight: punctuation/symbols < digits < letters; letters compare
// case-insensitively with accents folded to the base letter for Latin-1.
uint32_t primaryWeight(uint32_t c) {
    uint32_t l = lowerOf(c);
    static const char* fold = "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
    if (l >= 0xE0 && l <= 0xFF && l != 0xF7) l = uint32_t(uint8_t(fold[l - 0xE0]));
    if (l >= 'a' && l <= 'z') return 0x30000 + l * 4;
    if (l >= '0' && l <= '9') return 0x20000 + l;
    if (l < 0x80) {
        // ASCII punctuation and symbols in ICU root order (node's sort of
        // the printable ASCII characters with localeCompare).
        static const std::string_view kPunct = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
        size_t r = kPunct.find(char(l));
        return r == std::string_view::npos ? l : 0x10000 + uint32_t(r);
    }
    return 0x40000 + l;
}

int localeCompareUnits(std::u16string_view a, std::u16string_view b) {
    size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        uint32_t x = primaryWeight(a[i]), y = primaryWeight(b[i]);
        if (x != y) return x < y ? -1 : 1;
    }
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    // Secondary (accents): unaccented first; tertiary: lower case first.
    for (size_t i = 0; i < n; ++i) {
        bool ax = a[i] >= 0x80, bx = b[i] >= 0x80;
        if (ax != bx) return ax ? 1 : -1;
    }
    for (size_t i = 0; i < n; ++i) {
        bool au = lowerOf(a[i]) != a[i], bu = lowerOf(b[i]) != b[i];
        if (au != bu) return au ? 1 : -1;
    }
    int c = a.compare(b);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

Value strLocaleCompare(Vm& vm, const Args& args, NativeFunction*) {
    String* s = thisString(vm, args, "localeCompare");
    String* o = argString(vm, args, 0);
    return num(localeCompareUnits(s->units(), o->units()));
}

Value strToString(Vm& vm, const Args& args, NativeFunction*) {
    if (!isString(args.thisValue))
        vm.throwError(ErrorKind::TypeError,
                      "String.prototype.toString requires that 'this' be a String");
    return args.thisValue;
}

// ---- statics

Value strFromCharCode(Vm& vm, const Args& args, NativeFunction*) {
    std::u16string u;
    for (uint32_t i = 0; i < args.size(); ++i)
        u += char16_t(toUint32(toNumber(vm, args[i])) & 0xFFFF);
    return sv(vm.newStringFromUnits(u));
}

Value strFromCodePoint(Vm& vm, const Args& args, NativeFunction*) {
    std::string out;
    for (uint32_t i = 0; i < args.size(); ++i) {
        double d = toNumber(vm, args[i]);
        if (!(d >= 0 && d <= 0x10FFFF) || d != std::trunc(d))
            vm.throwError(ErrorKind::RangeError, "Invalid code point " + numberToString(d));
        std::string one;
        appendCodePoint(one, uint32_t(d));
        appendWtf8(out, one);
    }
    return str(vm, std::move(out));
}

} // namespace

void installString(Vm& vm) {
    Object* ctor = asObj(vm.builtin(Builtin::String));
    defineMethod(vm, ctor, "fromCharCode", strFromCharCode, 1);
    defineMethod(vm, ctor, "fromCodePoint", strFromCodePoint, 1);

    static const MethodSpec kMethods[] = {
        {"charAt", strCharAt, 1},
        {"charCodeAt", strCharCodeAt, 1},
        {"codePointAt", strCodePointAt, 1},
        {"at", strAt, 1},
        {"indexOf", strIndexOf, 1},
        {"lastIndexOf", strLastIndexOf, 1},
        {"includes", strIncludes, 1},
        {"startsWith", strStartsWith, 1},
        {"endsWith", strEndsWith, 1},
        {"slice", strSlice, 2},
        {"substring", strSubstring, 2},
        {"substr", strSubstr, 2},
        {"toUpperCase", strToUpper, 0},
        {"toLowerCase", strToLower, 0},
        {"toLocaleUpperCase", strToUpper, 0},
        {"toLocaleLowerCase", strToLower, 0},
        {"trim", strTrim, 0},
        {"trimStart", strTrimStart, 0},
        {"trimEnd", strTrimEnd, 0},
        {"padStart", strPadStart, 2},
        {"padEnd", strPadEnd, 2},
        {"repeat", strRepeat, 1},
        {"concat", strConcat, 1},
        {"split", strSplit, 2},
        {"replace", strReplace, 2},
        {"replaceAll", strReplaceAll, 2},
        {"localeCompare", strLocaleCompare, 1},
        {"toString", strToString, 0},
        {"valueOf", strToString, 0},
    };
    defineMethods(vm, vm.stringProto, kMethods);
}

} // namespace flow::vm
