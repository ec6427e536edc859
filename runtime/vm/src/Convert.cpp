// Convert.cpp — JS abstract operations (ECMA-262 §7.1, §7.2).
#include "flow/vm/Convert.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "flow/vm/Heap.h"
#include "flow/vm/Vm.h"

namespace flow::vm {

bool truthy(Value v) {
    if (v.isBool()) return v.asBool();
    if (v.isNumber()) {
        double d = v.asNumber();
        return d == d && d != 0;
    }
    if (v.isNullish() || v.isUninit() || v.isEmpty()) return false;
    if (isString(v)) return asString(v)->data.size() != 0;
    return true;
}

std::string numberToString(double d) {
    if (d != d) return "NaN";
    if (d == 0) return "0";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d < 0) return "-" + numberToString(-d);
    // Shortest round-trip digits in scientific form: "d.ddde+XX".
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view sci(buf, size_t(res.ptr - buf));
    size_t ePos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, ePos))
        if (c != '.') digits += c;
    int exp10 = std::atoi(std::string(sci.substr(ePos + 1)).c_str());
    int k = int(digits.size());
    int n = exp10 + 1; // the decimal point sits after n digits
    std::string out;
    if (k <= n && n <= 21) {
        out = digits + std::string(size_t(n - k), '0');
    } else if (0 < n && n <= 21) {
        out = digits.substr(0, size_t(n)) + "." + digits.substr(size_t(n));
    } else if (-6 < n && n <= 0) {
        out = "0." + std::string(size_t(-n), '0') + digits;
    } else {
        int e = n - 1;
        out = digits.substr(0, 1);
        if (k > 1) out += "." + digits.substr(1);
        out += e < 0 ? "e-" : "e+";
        out += std::to_string(e < 0 ? -e : e);
    }
    return out;
}

namespace {
bool isJsSpaceAt(std::string_view s, size_t i, size_t* len) {
    auto c = uint8_t(s[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') {
        *len = 1;
        return true;
    }
    // U+00A0, U+FEFF, U+2028, U+2029, U+1680, U+2000..U+200A, U+202F, U+205F, U+3000
    auto at = [&](const char* seq) {
        size_t n = std::strlen(seq);
        if (s.substr(i, n) == seq) {
            *len = n;
            return true;
        }
        return false;
    };
    if (at("\xC2\xA0") || at("\xEF\xBB\xBF") || at("\xE2\x80\xA8") || at("\xE2\x80\xA9") ||
        at("\xE1\x9A\x80") || at("\xE2\x80\xAF") || at("\xE2\x81\x9F") || at("\xE3\x80\x80"))
        return true;
    if (c == 0xE2 && i + 2 < s.size() && uint8_t(s[i + 1]) == 0x80 && uint8_t(s[i + 2]) <= 0x8A) {
        *len = 3;
        return true;
    }
    return false;
}

std::string_view trimJs(std::string_view s) {
    size_t len;
    while (!s.empty() && isJsSpaceAt(s, 0, &len))
        s.remove_prefix(len);
    // Trailing: scan from the front to find the last non-space end.
    size_t end = 0, i = 0;
    while (i < s.size()) {
        if (isJsSpaceAt(s, i, &len)) {
            i += len;
        } else {
            ++i;
            end = i;
        }
    }
    return s.substr(0, end);
}

double parseRadix(std::string_view digits, int radix) {
    if (digits.empty()) return NAN;
    double v = 0;
    for (char c : digits) {
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'z' ? c - 'a' + 10
                : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                                       : 99;
        if (d >= radix) return NAN;
        v = v * radix + d;
    }
    return v;
}
} // namespace

double stringToNumber(std::string_view raw) {
    std::string_view s = trimJs(raw);
    if (s.empty()) return 0;
    if (s.size() > 2 && s[0] == '0') {
        char p = char(s[1] | 0x20);
        if (p == 'x') return parseRadix(s.substr(2), 16);
        if (p == 'o') return parseRadix(s.substr(2), 8);
        if (p == 'b') return parseRadix(s.substr(2), 2);
    }
    std::string_view body = s;
    bool neg = false;
    if (body[0] == '+' || body[0] == '-') {
        neg = body[0] == '-';
        body.remove_prefix(1);
    }
    if (body == "Infinity") return neg ? -INFINITY : INFINITY;
    // StrUnsignedDecimalLiteral: digits [. digits] | . digits, then [eE][+-]digits
    size_t i = 0, intDigits = 0, fracDigits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9')
        ++i, ++intDigits;
    if (i < body.size() && body[i] == '.') {
        ++i;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9')
            ++i, ++fracDigits;
    }
    if (intDigits + fracDigits == 0) return NAN;
    if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
        ++i;
        if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
        size_t expDigits = 0;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9')
            ++i, ++expDigits;
        if (expDigits == 0) return NAN;
    }
    if (i != body.size()) return NAN;
    std::string tmp(s);
    return std::strtod(tmp.c_str(), nullptr);
}

int32_t toInt32(double d) {
    return int32_t(toUint32(d));
}

uint32_t toUint32(double d) {
    if (!std::isfinite(d) || d == 0) return 0;
    double t = std::trunc(d);
    double m = std::fmod(t, 4294967296.0);
    if (m < 0) m += 4294967296.0;
    return uint32_t(m);
}

bool isArrayIndex(std::string_view key, uint32_t* out) {
    if (key.empty() || key.size() > 10) return false;
    if (key[0] == '0' && key.size() > 1) return false;
    uint64_t n = 0;
    for (char c : key) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + uint64_t(c - '0');
    }
    if (n >= 4294967295ull) return false;
    if (out) *out = uint32_t(n);
    return true;
}

Value toPrimitive(Vm& vm, Value v, bool preferString) {
    if (!isObjectLike(v)) return v;
    String* order[2] = {vm.names.valueOf, vm.names.toString};
    if (preferString) std::swap(order[0], order[1]);
    for (String* name : order) {
        Value f = vm.getNamed(v, name);
        if (isCallable(f)) {
            Value r = vm.call(f, v, std::span<const Value>());
            if (!isObjectLike(r)) return r;
        }
    }
    vm.throwError(ErrorKind::TypeError, "Cannot convert object to primitive value");
}

double toNumber(Vm& vm, Value v) {
    if (v.isNumber()) return v.asNumber();
    if (v.isUndefined()) return NAN;
    if (v.isNull()) return 0;
    if (v.isBool()) return v.asBool() ? 1 : 0;
    if (isString(v)) return stringToNumber(asString(v)->view());
    if (isObjectLike(v)) return toNumber(vm, toPrimitive(vm, v, false));
    return NAN;
}

String* toString(Vm& vm, Value v) {
    if (isString(v)) return asString(v);
    if (v.isNumber()) return vm.newString(numberToString(v.asNumber()));
    if (v.isUndefined()) return vm.names.undefined;
    if (v.isNull()) return vm.names.null;
    if (v.isBool()) return v.asBool() ? vm.names.true_ : vm.names.false_;
    if (isObjectLike(v)) return toString(vm, toPrimitive(vm, v, true));
    return vm.names.undefined;
}

std::string toStdString(Vm& vm, Value v) {
    if (isString(v)) return asString(v)->data;
    if (v.isNumber()) return numberToString(v.asNumber());
    return toString(vm, v)->data;
}

bool strictEquals(Value a, Value b) {
    if (a.isNumber() && b.isNumber()) return a.asNumber() == b.asNumber();
    if (a.same(b)) return true;
    if (isString(a) && isString(b)) return asString(a)->equals(asString(b));
    return false;
}

bool sameValueZero(Value a, Value b) {
    if (a.isNumber() && b.isNumber()) {
        double x = a.asNumber(), y = b.asNumber();
        return x == y || (x != x && y != y);
    }
    return strictEquals(a, b);
}

bool sameValue(Value a, Value b) {
    if (a.isNumber() && b.isNumber()) {
        double x = a.asNumber(), y = b.asNumber();
        return x == y ? std::signbit(x) == std::signbit(y) : x != x && y != y;
    }
    return strictEquals(a, b);
}

bool looseEquals(Vm& vm, Value a, Value b) {
    for (;;) {
        if (a.isNumber() && b.isNumber()) return a.asNumber() == b.asNumber();
        if (isString(a) && isString(b)) return asString(a)->equals(asString(b));
        if (a.isNullish() && b.isNullish()) return true;
        if (a.isNullish() || b.isNullish()) return false;
        if (a.isBool() && b.isBool()) return a.same(b);
        bool ao = isObjectLike(a), bo = isObjectLike(b);
        if (ao && bo) return a.same(b);
        if (a.isBool()) {
            a = Value::number(a.asBool() ? 1 : 0);
            continue;
        }
        if (b.isBool()) {
            b = Value::number(b.asBool() ? 1 : 0);
            continue;
        }
        if (a.isNumber() && isString(b)) return a.asNumber() == stringToNumber(asString(b)->view());
        if (isString(a) && b.isNumber()) return stringToNumber(asString(a)->view()) == b.asNumber();
        if (ao) {
            a = toPrimitive(vm, a, false);
            continue;
        }
        if (bo) {
            b = toPrimitive(vm, b, false);
            continue;
        }
        return false;
    }
}

String* typeOf(Vm& vm, Value v) {
    if (v.isNumber()) return vm.names.number;
    if (v.isUndefined()) return vm.names.undefined;
    if (v.isNull()) return vm.names.object;
    if (v.isBool()) return vm.names.boolean;
    if (isString(v)) return vm.names.string;
    if (isCallable(v)) return vm.names.function;
    return vm.names.object;
}

} // namespace flow::vm
