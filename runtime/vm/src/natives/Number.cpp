// Number.cpp — Number statics and constants, Number.prototype (toString with
// a radix, toFixed, toPrecision, toExponential) and Boolean.prototype.
//
// toFixed/toPrecision/toExponential round the double's EXACT decimal value
// half away from zero ("pick the larger n" in ECMA-262), so they need the
// exact expansion: glibc's printf prints it exactly given enough digits, and
// we round by hand (printf itself would round half to even: 2.5 -> "2",
// where JS says "3").
#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "StdlibUtil.h"

namespace flow::vm {

using bytecode::Builtin;
using namespace stdlib;

// Global.cpp: parseInt/parseFloat are shared with Number.parseInt/parseFloat.
Value globalParseInt(Vm& vm, const Args& args, NativeFunction*);
Value globalParseFloat(Vm& vm, const Args& args, NativeFunction*);

namespace {

double thisNumber(Vm& vm, const Args& args, const char* method) {
    if (args.thisValue.isNumber()) return args.thisValue.asNumber();
    vm.throwError(ErrorKind::TypeError,
                  std::string("Number.prototype.") + method + " requires that 'this' be a Number");
}

// The exact decimal digits of |x| (> 0) and its decimal exponent: x =
// 0.d1d2d3... * 10^exp10 (digits without leading zeros, trailing zeros cut).
void exactDigits(double x, std::string& digits, int& exp10) {
    char buf[1200];
    std::snprintf(buf, sizeof buf, "%.1100e", x);
    char* e = std::strchr(buf, 'e');
    exp10 = std::atoi(e + 1) + 1;
    digits.clear();
    for (char* p = buf; p < e; ++p)
        if (*p >= '0' && *p <= '9') digits += *p;
    while (digits.size() > 1 && digits.back() == '0')
        digits.pop_back();
}

// Rounds the digit string to n digits, half up. Returns true when the
// rounding carried into a new leading digit (999 -> 1000): d then holds n + 1
// digits ("1" and n zeros).
bool roundDigits(std::string& d, size_t n) {
    if (d.size() <= n) {
        d.resize(n, '0');
        return false;
    }
    bool up = d[n] >= '5';
    d.resize(n);
    if (!up) return false;
    for (size_t i = n; i-- > 0;) {
        if (d[i] != '9') {
            ++d[i];
            return false;
        }
        d[i] = '0';
    }
    d.insert(d.begin(), '1');
    return true;
}

Value numToFixed(Vm& vm, const Args& args, NativeFunction*) {
    double x = thisNumber(vm, args, "toFixed");
    double f = toInteger(vm, args[0]);
    if (f < 0 || f > 100)
        vm.throwError(ErrorKind::RangeError, "toFixed() digits argument must be between 0 and 100");
    if (x != x) return str(vm, "NaN");
    if (std::fabs(x) >= 1e21 || std::isinf(x)) return str(vm, numberToString(x));
    std::string sign = x < 0 ? "-" : "";
    x = std::fabs(x);
    auto fd = size_t(f);
    std::string intPart, frac;
    if (x == 0) {
        intPart = "0";
        frac.assign(fd, '0');
    } else {
        std::string d;
        int e;
        exactDigits(x, d, e);
        // Digits of the fixed form: shift so that there are e integer digits.
        std::string all;
        if (e <= 0)
            all = std::string(size_t(-e), '0') + d, e = 0;
        else
            all = d;
        size_t keep = size_t(e) + fd;
        if (roundDigits(all, keep)) ++e;
        all.resize(size_t(e) + fd, '0');
        intPart = e > 0 ? all.substr(0, size_t(e)) : "0";
        frac = all.substr(size_t(e));
        size_t nz = intPart.find_first_not_of('0');
        intPart = nz == std::string::npos ? "0" : intPart.substr(nz);
    }
    return str(vm, sign + intPart + (fd ? "." + frac : ""));
}

// "d.ddde+X" from digits and the exponent of the first digit.
std::string expForm(const std::string& d, int e) {
    std::string out = d.substr(0, 1);
    if (d.size() > 1) out += "." + d.substr(1);
    out += e < 0 ? "e-" : "e+";
    out += std::to_string(e < 0 ? -e : e);
    return out;
}

Value numToPrecision(Vm& vm, const Args& args, NativeFunction*) {
    double x = thisNumber(vm, args, "toPrecision");
    if (args[0].isUndefined()) return str(vm, numberToString(x));
    double p = toInteger(vm, args[0]);
    if (!std::isfinite(x)) return str(vm, numberToString(x));
    if (p < 1 || p > 100)
        vm.throwError(ErrorKind::RangeError, "toPrecision() argument must be between 1 and 100");
    auto n = size_t(p);
    std::string sign = x < 0 ? "-" : "";
    x = std::fabs(x);
    std::string d;
    int e; // exponent of the first digit
    if (x == 0) {
        d.assign(n, '0');
        e = 0;
    } else {
        int e10;
        exactDigits(x, d, e10);
        e = e10 - 1;
        if (roundDigits(d, n)) {
            ++e;
            d.pop_back();
        }
    }
    if (e < -6 || e >= int(n)) return str(vm, sign + expForm(d, e));
    if (e >= 0) {
        std::string out = d.substr(0, size_t(e) + 1);
        if (size_t(e) + 1 < n) out += "." + d.substr(size_t(e) + 1);
        return str(vm, sign + out);
    }
    return str(vm, sign + "0." + std::string(size_t(-e - 1), '0') + d);
}

Value numToExponential(Vm& vm, const Args& args, NativeFunction*) {
    double x = thisNumber(vm, args, "toExponential");
    double f = toInteger(vm, args[0]);
    if (!std::isfinite(x)) return str(vm, numberToString(x));
    if (f < 0 || f > 100)
        vm.throwError(ErrorKind::RangeError, "toExponential() argument must be between 0 and 100");
    std::string sign = x < 0 ? "-" : "";
    x = std::fabs(x);
    std::string d;
    int e = 0;
    if (args[0].isUndefined()) {
        // As many digits as needed: the shortest round-trip digits.
        char buf[64];
        auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
        std::string_view sci(buf, size_t(res.ptr - buf));
        size_t ePos = sci.find('e');
        for (char c : sci.substr(0, ePos))
            if (c != '.') d += c;
        e = std::atoi(std::string(sci.substr(ePos + 1)).c_str());
    } else if (x == 0) {
        d.assign(size_t(f) + 1, '0');
    } else {
        int e10;
        exactDigits(x, d, e10);
        e = e10 - 1;
        if (roundDigits(d, size_t(f) + 1)) {
            ++e;
            d.pop_back();
        }
    }
    return str(vm, sign + expForm(d, e));
}

// V8's DoubleToRadixCString: digits up to the double's precision, rounding
// the last one half to even, so that (0.1).toString(3) matches node.
std::string toRadixString(double value, int radix) {
    static const char kChars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    constexpr int kSize = 2200;
    char buffer[kSize];
    int intCursor = kSize / 2, fracCursor = intCursor;
    bool negative = value < 0;
    if (negative) value = -value;
    double integer = std::floor(value);
    double fraction = value - integer;
    double delta = 0.5 * (std::nextafter(value, INFINITY) - value);
    delta = std::max(std::nextafter(0.0, 1.0), delta);
    if (fraction >= delta) {
        buffer[fracCursor++] = '.';
        do {
            fraction *= radix;
            delta *= radix;
            int digit = int(fraction);
            buffer[fracCursor++] = kChars[digit];
            fraction -= digit;
            if (fraction > 0.5 || (fraction == 0.5 && (digit & 1))) {
                if (fraction + delta > 1) {
                    for (;;) {
                        --fracCursor;
                        if (fracCursor == kSize / 2) {
                            integer += 1;
                            break;
                        }
                        char c = buffer[fracCursor];
                        int dg = c > '9' ? (c - 'a' + 10) : (c - '0');
                        if (dg + 1 < radix) {
                            buffer[fracCursor++] = kChars[dg + 1];
                            break;
                        }
                    }
                    break;
                }
            }
        } while (fraction >= delta && fracCursor < kSize - 1);
    }
    // The binary exponent of integer/radix: past 2^53 the low digits are
    // not represented and print as zeros.
    auto exponentOf = [](double d) {
        int biased = int((std::bit_cast<uint64_t>(d) >> 52) & 0x7FF);
        return biased == 0 ? -1074 : biased - 1075;
    };
    while (exponentOf(integer / radix) > 0) {
        integer /= radix;
        buffer[--intCursor] = '0';
    }
    do {
        double rem = std::fmod(integer, radix);
        buffer[--intCursor] = kChars[int(rem)];
        integer = (integer - rem) / radix;
    } while (integer > 0);
    if (negative) buffer[--intCursor] = '-';
    return std::string(buffer + intCursor, buffer + fracCursor);
}

Value numToString(Vm& vm, const Args& args, NativeFunction*) {
    double x = thisNumber(vm, args, "toString");
    double r = args[0].isUndefined() ? 10 : toInteger(vm, args[0]);
    if (r < 2 || r > 36)
        vm.throwError(ErrorKind::RangeError, "toString() radix argument must be between 2 and 36");
    if (r == 10 || !std::isfinite(x)) return str(vm, numberToString(x));
    return str(vm, toRadixString(x, int(r)));
}

Value numValueOf(Vm& vm, const Args& args, NativeFunction*) {
    return Value::number(thisNumber(vm, args, "valueOf"));
}

// en-US grouping with up to 3 fraction digits (node's default locale).
Value numToLocaleString(Vm& vm, const Args& args, NativeFunction*) {
    double x = thisNumber(vm, args, "toLocaleString");
    if (!std::isfinite(x)) return str(vm, x != x ? "NaN" : x > 0 ? "∞" : "-∞");
    std::string s;
    if (std::fabs(x) >= 1e21) {
        // The shortest digits, padded with zeros to the integer's length.
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::scientific);
        std::string_view sci(buf, size_t(r.ptr - buf));
        size_t ePos = sci.find('e');
        for (char c : sci.substr(0, ePos))
            if (c != '.') s += c;
        int e = std::atoi(std::string(sci.substr(ePos + 1)).c_str());
        s.resize(size_t(e) + 1, '0');
        if (x < 0) s.insert(s.begin(), '-');
    } else {
        Value three = Value::number(3);
        Args a{Value::number(x), &three, 1};
        s = asString(numToFixed(vm, a, nullptr))->data;
        if (std::signbit(x) && s[0] != '-') s.insert(s.begin(), '-'); // -0 and tiny negatives
    }
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0')
            s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    size_t start = s[0] == '-' ? 1 : 0;
    size_t dot = s.find('.');
    size_t intEnd = dot == std::string::npos ? s.size() : dot;
    for (size_t i = intEnd; i > start + 3; i -= 3)
        s.insert(i - 3, ",");
    return str(vm, s);
}

Value boolToString(Vm& vm, const Args& args, NativeFunction*) {
    if (!args.thisValue.isBool())
        vm.throwError(ErrorKind::TypeError,
                      "Boolean.prototype.toString requires that 'this' be a Boolean");
    return Value::object(args.thisValue.asBool() ? vm.names.true_ : vm.names.false_);
}

Value boolValueOf(Vm& vm, const Args& args, NativeFunction*) {
    if (!args.thisValue.isBool())
        vm.throwError(ErrorKind::TypeError,
                      "Boolean.prototype.valueOf requires that 'this' be a Boolean");
    return args.thisValue;
}

Value numIsInteger(Vm&, const Args& args, NativeFunction*) {
    Value v = args[0];
    return Value::boolean(v.isNumber() && std::isfinite(v.asNumber()) &&
                          std::trunc(v.asNumber()) == v.asNumber());
}

Value numIsSafeInteger(Vm&, const Args& args, NativeFunction*) {
    Value v = args[0];
    if (!v.isNumber()) return Value::boolean(false);
    double d = v.asNumber();
    return Value::boolean(std::isfinite(d) && std::trunc(d) == d &&
                          std::fabs(d) <= 9007199254740991.0);
}

Value numIsFinite(Vm&, const Args& args, NativeFunction*) {
    return Value::boolean(args[0].isNumber() && std::isfinite(args[0].asNumber()));
}

Value numIsNaN(Vm&, const Args& args, NativeFunction*) {
    return Value::boolean(args[0].isNumber() && args[0].asNumber() != args[0].asNumber());
}

} // namespace

void installNumber(Vm& vm) {
    Object* ctor = asObj(vm.builtin(Builtin::Number));
    defineMethod(vm, ctor, "isInteger", numIsInteger, 1);
    defineMethod(vm, ctor, "isSafeInteger", numIsSafeInteger, 1);
    defineMethod(vm, ctor, "isFinite", numIsFinite, 1);
    defineMethod(vm, ctor, "isNaN", numIsNaN, 1);
    defineValue(vm, ctor, "MAX_SAFE_INTEGER", Value::number(9007199254740991.0));
    defineValue(vm, ctor, "MIN_SAFE_INTEGER", Value::number(-9007199254740991.0));
    defineValue(vm, ctor, "EPSILON", Value::number(2.220446049250313e-16));
    defineValue(vm, ctor, "MAX_VALUE", Value::number(1.7976931348623157e308));
    defineValue(vm, ctor, "MIN_VALUE", Value::number(5e-324));
    defineValue(vm, ctor, "POSITIVE_INFINITY", Value::number(INFINITY));
    defineValue(vm, ctor, "NEGATIVE_INFINITY", Value::number(-INFINITY));
    defineValue(vm, ctor, "NaN", Value::number(NAN));

    defineMethod(vm, vm.numberProto, "toString", numToString, 1);
    defineMethod(vm, vm.numberProto, "toFixed", numToFixed, 1);
    defineMethod(vm, vm.numberProto, "toPrecision", numToPrecision, 1);
    defineMethod(vm, vm.numberProto, "toExponential", numToExponential, 1);
    defineMethod(vm, vm.numberProto, "valueOf", numValueOf, 0);
    defineMethod(vm, vm.numberProto, "toLocaleString", numToLocaleString, 0);
    defineMethod(vm, vm.booleanProto, "toString", boolToString, 0);
    defineMethod(vm, vm.booleanProto, "valueOf", boolValueOf, 0);
}

} // namespace flow::vm
