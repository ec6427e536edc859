// Math.cpp — the Math namespace object (ECMA-262 §21.3) minus Math.random:
// Flow's deterministic random() builtin replaces it.
//
// The transcendental functions come from the C library (glibc): V8 uses its
// own port of fdlibm, so a result may differ from node in the last bit (pow: about
// one whole power in ten, 3 ** 52; docs/language.md section 13 says so).
// Everything JS defines exactly (round, sign, min/max with -0 and NaN, pow's
// special cases, hypot, clz32, imul, fround) follows the spec to the bit.
#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "StdlibUtil.h"

namespace flow::vm {

using bytecode::Builtin;
using namespace stdlib;

namespace {

double arg(Vm& vm, const Args& args, uint32_t i) {
    Value v = args[i];
    return v.isNumber() ? v.asNumber() : toNumber(vm, v);
}

template <double (*F)(double)>
Value unary(Vm& vm, const Args& args, NativeFunction*) {
    return Value::number(F(arg(vm, args, 0)));
}

double jsRound(double x) {
    if (!std::isfinite(x) || x == 0) return x;
    if (x > 0 && x < 0.5) return 0.0;
    if (x < 0 && x >= -0.5) return -0.0;
    double r = std::floor(x);
    if (x - r >= 0.5) r += 1;
    return r;
}

double jsSign(double x) {
    if (x != x || x == 0) return x;
    return x > 0 ? 1 : -1;
}

double jsFround(double x) {
    return double(float(x));
}

double jsPow(double x, double y) {
    // JS differs from C's pow: 1 ** NaN and (+-1) ** (+-Infinity) are NaN.
    if (y != y) return NAN;
    if (std::isinf(y) && std::fabs(x) == 1) return NAN;
    return std::pow(x, y);
}

double jsTrunc(double x) {
    return std::trunc(x);
}
double jsCeil(double x) {
    return std::ceil(x);
}
double jsFloor(double x) {
    return std::floor(x);
}
double jsAbs(double x) {
    return std::fabs(x);
}
double jsSqrt(double x) {
    return std::sqrt(x);
}
// glibc's cbrt may be 1 ulp off (cbrt(27) = 3.0000000000000004); JS engines
// give exact cubes exactly: pick the neighbour whose cube is closest.
double jsCbrt(double x) {
    double r = std::cbrt(x);
    if (!std::isfinite(r) || r == 0) return r;
    double best = r;
    long double bestErr = std::fabs((long double)r * r * r - x);
    for (double c : {std::nextafter(r, -INFINITY), std::nextafter(r, INFINITY)}) {
        long double err = std::fabs((long double)c * c * c - x);
        if (err < bestErr) best = c, bestErr = err;
    }
    return best;
}
double jsExp(double x) {
    return std::exp(x);
}
double jsExpm1(double x) {
    return std::expm1(x);
}
double jsLog(double x) {
    return std::log(x);
}
double jsLog1p(double x) {
    return std::log1p(x);
}
double jsLog10(double x) {
    return std::log10(x);
}
double jsLog2(double x) {
    return std::log2(x);
}
double jsSin(double x) {
    return std::sin(x);
}
double jsCos(double x) {
    return std::cos(x);
}
double jsTan(double x) {
    return std::tan(x);
}
double jsAsin(double x) {
    return std::asin(x);
}
double jsAcos(double x) {
    return std::acos(x);
}
double jsAtan(double x) {
    return std::atan(x);
}
double jsSinh(double x) {
    return std::sinh(x);
}
double jsCosh(double x) {
    return std::cosh(x);
}
double jsTanh(double x) {
    return std::tanh(x);
}
double jsAsinh(double x) {
    return std::asinh(x);
}
double jsAcosh(double x) {
    return std::acosh(x);
}
double jsAtanh(double x) {
    return std::atanh(x);
}

Value mathPow(Vm& vm, const Args& args, NativeFunction*) {
    double x = arg(vm, args, 0);
    return Value::number(jsPow(x, arg(vm, args, 1)));
}

Value mathAtan2(Vm& vm, const Args& args, NativeFunction*) {
    double y = arg(vm, args, 0);
    return Value::number(std::atan2(y, arg(vm, args, 1)));
}

// Math.max/min: every argument is converted (in order) even after a NaN;
// +0 is greater than -0.
Value minMax(Vm& vm, const Args& args, bool isMax) {
    double r = isMax ? -INFINITY : INFINITY;
    bool nan = false;
    for (uint32_t i = 0; i < args.size(); ++i) {
        double d = arg(vm, args, i);
        if (d != d) nan = true;
        if (nan) continue;
        if (isMax ? (d > r || (d == 0 && r == 0 && !std::signbit(d)))
                  : (d < r || (d == 0 && r == 0 && std::signbit(d))))
            r = d;
    }
    return Value::number(nan ? NAN : r);
}

Value mathMax(Vm& vm, const Args& args, NativeFunction*) {
    return minMax(vm, args, true);
}
Value mathMin(Vm& vm, const Args& args, NativeFunction*) {
    return minMax(vm, args, false);
}

Value mathHypot(Vm& vm, const Args& args, NativeFunction*) {
    bool inf = false, nan = false;
    std::vector<double> xs;
    for (uint32_t i = 0; i < args.size(); ++i) {
        double d = arg(vm, args, i);
        if (std::isinf(d)) inf = true;
        if (d != d) nan = true;
        xs.push_back(std::fabs(d));
    }
    if (inf) return Value::number(INFINITY);
    if (nan) return Value::number(NAN);
    // Scale by the largest magnitude to avoid overflow/underflow.
    double m = 0;
    for (double x : xs)
        m = std::max(m, x);
    if (m == 0) return Value::number(0);
    double sum = 0, comp = 0;
    for (double x : xs) {
        double t = x / m;
        double y = t * t - comp; // Kahan summation, as V8 does
        double s = sum + y;
        comp = (s - sum) - y;
        sum = s;
    }
    return Value::number(std::sqrt(sum) * m);
}

Value mathClz32(Vm& vm, const Args& args, NativeFunction*) {
    uint32_t n = toUint32(arg(vm, args, 0));
    return Value::number(std::countl_zero(n));
}

Value mathImul(Vm& vm, const Args& args, NativeFunction*) {
    uint32_t a = toUint32(arg(vm, args, 0));
    uint32_t b = toUint32(arg(vm, args, 1));
    return Value::number(double(int32_t(a * b)));
}

} // namespace

void installMath(Vm& vm) {
    Object* m = vm.newObject();
    vm.setBuiltin(Builtin::Math, Value::object(m));
    struct C {
        const char* name;
        double v;
    };
    static const C kConsts[] = {
        {"E", 2.718281828459045},        {"LN10", 2.302585092994046},   {"LN2", 0.6931471805599453},
        {"LOG10E", 0.4342944819032518},  {"LOG2E", 1.4426950408889634}, {"PI", 3.141592653589793},
        {"SQRT1_2", 0.7071067811865476}, {"SQRT2", 1.4142135623730951},
    };
    for (const C& c : kConsts)
        defineValue(vm, m, c.name, Value::number(c.v));
    struct F {
        const char* name;
        NativeFn fn;
        uint8_t arity;
    };
    static const F kFns[] = {
        {"abs", unary<jsAbs>, 1},
        {"acos", unary<jsAcos>, 1},
        {"acosh", unary<jsAcosh>, 1},
        {"asin", unary<jsAsin>, 1},
        {"asinh", unary<jsAsinh>, 1},
        {"atan", unary<jsAtan>, 1},
        {"atanh", unary<jsAtanh>, 1},
        {"atan2", mathAtan2, 2},
        {"cbrt", unary<jsCbrt>, 1},
        {"ceil", unary<jsCeil>, 1},
        {"clz32", mathClz32, 1},
        {"cos", unary<jsCos>, 1},
        {"cosh", unary<jsCosh>, 1},
        {"exp", unary<jsExp>, 1},
        {"expm1", unary<jsExpm1>, 1},
        {"floor", unary<jsFloor>, 1},
        {"fround", unary<jsFround>, 1},
        {"hypot", mathHypot, 2},
        {"imul", mathImul, 2},
        {"log", unary<jsLog>, 1},
        {"log1p", unary<jsLog1p>, 1},
        {"log10", unary<jsLog10>, 1},
        {"log2", unary<jsLog2>, 1},
        {"max", mathMax, 2},
        {"min", mathMin, 2},
        {"pow", mathPow, 2},
        {"round", unary<jsRound>, 1},
        {"sign", unary<jsSign>, 1},
        {"sin", unary<jsSin>, 1},
        {"sinh", unary<jsSinh>, 1},
        {"sqrt", unary<jsSqrt>, 1},
        {"tan", unary<jsTan>, 1},
        {"tanh", unary<jsTanh>, 1},
        {"trunc", unary<jsTrunc>, 1},
    };
    for (const F& f : kFns)
        defineMethod(vm, m, f.name, f.fn, f.arity);
}

} // namespace flow::vm
