// Global.cpp — the global functions parseInt, parseFloat, isNaN, isFinite,
// encodeURIComponent and decodeURIComponent (ECMA-262 §19.2). parseInt and
// parseFloat are the same function objects as Number.parseInt/parseFloat.
#include <cstdlib>
#include <cstring>

#include "StdlibUtil.h"
#include "flow/vm/Unicode.h"

namespace flow::vm {

using bytecode::Builtin;
using namespace stdlib;

namespace {

bool isSpace16(uint32_t c) {
    return c == 9 || c == 10 || c == 11 || c == 12 || c == 13 || c == 32 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

// The argument as UTF-16 with leading JS whitespace removed.
std::u16string trimmedStart(Vm& vm, Value v) {
    String* s = toString(vm, v);
    std::u16string u = s->units();
    size_t i = 0;
    while (i < u.size() && isSpace16(u[i]))
        ++i;
    return u.substr(i);
}

int digitValue(char16_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

[[noreturn]] void throwUriError(Vm& vm) {
    Object* e = vm.newErrorWithProto(vm.errorProtos[0], "URIError", "URI malformed");
    vm.throwValue(Value::object(e));
}

} // namespace

Value globalParseInt(Vm& vm, const Args& args, NativeFunction*) {
    std::u16string s = trimmedStart(vm, args[0]);
    int32_t radix = toInt32(toNumber(vm, args[1]));
    size_t i = 0;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    bool stripPrefix = true;
    if (radix != 0) {
        if (radix < 2 || radix > 36) return Value::number(NAN);
        if (radix != 16) stripPrefix = false;
    } else {
        radix = 10;
    }
    if (stripPrefix && i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        i += 2;
        radix = 16;
    }
    size_t start = i;
    while (i < s.size() && digitValue(s[i]) < radix)
        ++i;
    if (i == start) return Value::number(NAN);
    double v;
    if (radix == 10) {
        // Decimal: the exactly rounded value of the digits (strtod).
        std::string digits(s.begin() + ptrdiff_t(start), s.begin() + ptrdiff_t(i));
        v = std::strtod(digits.c_str(), nullptr);
    } else {
        v = 0;
        for (size_t k = start; k < i; ++k)
            v = v * radix + digitValue(s[k]);
    }
    return Value::number(neg ? -v : v);
}

Value globalParseFloat(Vm& vm, const Args& args, NativeFunction*) {
    std::u16string s = trimmedStart(vm, args[0]);
    size_t i = 0;
    std::string lit;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) lit += char(s[i++]);
    static const std::u16string_view kInf = u"Infinity";
    if (std::u16string_view(s).substr(i, kInf.size()) == kInf)
        return Value::number(lit == "-" ? -INFINITY : INFINITY);
    size_t digits = 0;
    auto takeDigits = [&] {
        size_t n = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            lit += char(s[i++]), ++n;
        return n;
    };
    digits += takeDigits();
    if (i < s.size() && s[i] == '.') {
        lit += '.';
        ++i;
        digits += takeDigits();
    }
    if (digits == 0) return Value::number(NAN);
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        // The exponent counts only when it has digits ("1e" parses as 1).
        size_t save = i, saveLen = lit.size();
        lit += 'e';
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) lit += char(s[i++]);
        if (takeDigits() == 0) {
            i = save;
            lit.resize(saveLen);
        }
    }
    return Value::number(std::strtod(lit.c_str(), nullptr));
}

namespace {

Value globalIsNaN(Vm& vm, const Args& args, NativeFunction*) {
    double d = toNumber(vm, args[0]);
    return Value::boolean(d != d);
}

Value globalIsFinite(Vm& vm, const Args& args, NativeFunction*) {
    return Value::boolean(std::isfinite(toNumber(vm, args[0])));
}

Value globalEncodeURIComponent(Vm& vm, const Args& args, NativeFunction*) {
    String* s = toString(vm, args[0]);
    const std::u16string& u = s->units();
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(u.size());
    for (size_t i = 0; i < u.size(); ++i) {
        uint32_t c = u[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c < 0x80 && std::strchr("-_.!~*'()", int(c)) && c != 0)) {
            out += char(c);
            continue;
        }
        if (c >= 0xDC00 && c < 0xE000) throwUriError(vm);
        if (c >= 0xD800 && c < 0xDC00) {
            if (i + 1 >= u.size() || u[i + 1] < 0xDC00 || u[i + 1] >= 0xE000) throwUriError(vm);
            c = 0x10000 + ((c - 0xD800) << 10) + (uint32_t(u[i + 1]) - 0xDC00);
            ++i;
        }
        std::string bytes;
        appendCodePoint(bytes, c);
        for (unsigned char b : bytes) {
            out += '%';
            out += kHex[b >> 4];
            out += kHex[b & 15];
        }
    }
    checkStringSize(vm, out.size());
    return str(vm, std::move(out));
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Value globalDecodeURIComponent(Vm& vm, const Args& args, NativeFunction*) {
    String* s = toString(vm, args[0]);
    std::string_view in = s->view();
    std::string out;
    out.reserve(in.size());
    auto byteAt = [&](size_t i) -> int {
        if (i + 2 >= in.size()) return -1;
        if (in[i] != '%') return -1;
        int h = hexValue(in[i + 1]), l = hexValue(in[i + 2]);
        return h < 0 || l < 0 ? -1 : h * 16 + l;
    };
    for (size_t i = 0; i < in.size();) {
        if (in[i] != '%') {
            out += in[i++];
            continue;
        }
        int b0 = byteAt(i);
        if (b0 < 0) throwUriError(vm);
        i += 3;
        if (b0 < 0x80) {
            out += char(b0);
            continue;
        }
        int n = (b0 & 0xE0) == 0xC0 ? 1 : (b0 & 0xF0) == 0xE0 ? 2 : (b0 & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0) throwUriError(vm);
        uint32_t cp = uint32_t(b0) & (0x3Fu >> n);
        for (int k = 0; k < n; ++k) {
            int b = byteAt(i);
            if (b < 0 || (b & 0xC0) != 0x80) throwUriError(vm);
            cp = (cp << 6) | uint32_t(b & 0x3F);
            i += 3;
        }
        // Overlong forms, surrogates and out-of-range code points are malformed.
        static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) throwUriError(vm);
        appendCodePoint(out, cp);
    }
    return str(vm, std::move(out));
}

} // namespace

void installGlobal(Vm& vm) {
    NativeFunction* pi = vm.newNative("parseInt", globalParseInt, 2);
    NativeFunction* pf = vm.newNative("parseFloat", globalParseFloat, 1);
    vm.setBuiltin(Builtin::parseInt, Value::object(pi));
    vm.setBuiltin(Builtin::parseFloat, Value::object(pf));
    Object* number = asObj(vm.builtin(Builtin::Number));
    defineValue(vm, number, "parseInt", Value::object(pi));
    defineValue(vm, number, "parseFloat", Value::object(pf));
    vm.setBuiltin(Builtin::isNaN, Value::object(vm.newNative("isNaN", globalIsNaN, 1)));
    vm.setBuiltin(Builtin::isFinite, Value::object(vm.newNative("isFinite", globalIsFinite, 1)));
    vm.setBuiltin(Builtin::encodeURIComponent,
                  Value::object(vm.newNative("encodeURIComponent", globalEncodeURIComponent, 1)));
    vm.setBuiltin(Builtin::decodeURIComponent,
                  Value::object(vm.newNative("decodeURIComponent", globalDecodeURIComponent, 1)));
}

} // namespace flow::vm
