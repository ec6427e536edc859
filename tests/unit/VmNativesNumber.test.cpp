// VmNativesNumber.test.cpp — Number, Math and the global functions (parseInt, parseFloat, isNaN,
// isFinite, URI coding). Each snippet is plain JavaScript; the expected output is what node v20
// printed for it (generated with `node -e`), checked with and without GC stress.
#include "VmNativesHelper.h"

using natives_test::expectOut;

TEST_CASE("VmNativesNumber: number printing") {
    expectOut(
        R"JS(console.log(0.1 + 0.2, 1e21, 1e-7, 123e-20, -0, [-0], 1 / 3, 2 ** 53, 5e-324, 1.7976931348623157e308)
console.log(String(-0), `${-0}`, (-0).toString(), 100, 1e20, 123456789012345680000, 0.000001, -1e-7)
)JS",
        R"OUT(0.30000000000000004 1e+21 1e-7 1.23e-18 -0 [ -0 ] 0.3333333333333333 9007199254740992 5e-324 1.7976931348623157e+308
0 0 0 100 100000000000000000000 123456789012345680000 0.000001 -1e-7
)OUT");
}

TEST_CASE("VmNativesNumber: toFixed toPrecision toExponential") {
    expectOut(
        R"JS(console.log((0.5).toFixed(0), (2.5).toFixed(0), (1.25).toFixed(1), (1.005).toFixed(2), (-0.0001).toFixed(2), (-0).toFixed(2), (1e21).toFixed(2), (123.456).toFixed(10))
console.log((123.456).toPrecision(4), (0.00001234).toPrecision(2), (1234567).toPrecision(3), (99.99).toPrecision(3), (0).toPrecision(3), (1e-7).toPrecision(1), (5).toPrecision())
console.log((123.456).toExponential(2), (0).toExponential(), (12345).toExponential(), (1.5).toExponential(0), (-2.5e-10).toExponential(3))
for (const f of [() => (1).toFixed(101), () => (1).toPrecision(0), () => (1).toString(1), () => (1).toExponential(-1)]) {
  try { f() } catch (e) { console.log(e.name, e.message) }
}
)JS",
        R"OUT(1 3 1.3 1.00 -0.00 0.00 1e+21 123.4560000000
123.5 0.000012 1.23e+6 100 0.00 1e-7 5
1.23e+2 0e+0 1.2345e+4 2e+0 -2.500e-10
RangeError toFixed() digits argument must be between 0 and 100
RangeError toPrecision() argument must be between 1 and 100
RangeError toString() radix argument must be between 2 and 36
RangeError toExponential() argument must be between 0 and 100
)OUT");
}

TEST_CASE("VmNativesNumber: toString radix") {
    expectOut(
        R"JS(console.log((255).toString(16), (0.5).toString(2), (-255.5).toString(16), (0.1).toString(3), (1e21).toString(36), (35).toString(36), (2 ** 60).toString(2).length, (NaN).toString(2), (-Infinity).toString(16))
)JS",
        R"OUT(ff 0.1 -ff.8 0.0022002200220022002200220022002201 5v1j4f4ds7c000 z 61 NaN -Infinity
)OUT");
}

TEST_CASE("VmNativesNumber: Number statics and constants") {
    expectOut(
        R"JS(console.log(Number.isInteger(5), Number.isInteger(5.5), Number.isInteger("5"), Number.isSafeInteger(2 ** 53), Number.isSafeInteger(2 ** 53 - 1))
console.log(Number.isFinite(Infinity), Number.isFinite("1"), Number.isNaN(NaN), Number.isNaN("x"), isNaN("x"), isFinite("12"))
console.log(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.EPSILON, Number.MAX_VALUE, Number.MIN_VALUE, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY)
console.log(Number.parseInt === parseInt, Number.parseFloat === parseFloat, Number("  12  "), Number("0x10"), Number(""), Number("1e3"), Number("12px"), Number(null), Number([7]))
)JS",
        R"OUT(true false false false true
false false true false true true
9007199254740991 -9007199254740991 2.220446049250313e-16 1.7976931348623157e+308 5e-324 Infinity -Infinity
true true 12 16 0 1000 NaN 0 7
)OUT");
}

TEST_CASE("VmNativesNumber: parseInt parseFloat") {
    expectOut(
        R"JS(console.log(parseInt("  0x1F"), parseInt("12abc"), parseInt("-0"), parseInt(""), parseInt("123", 37), parseInt("z", 36), parseInt("1e21"), parseInt(1e21), parseInt(0.0000005), parseInt("101", 2), parseInt("-ff", 16), parseInt("0x", 16))
console.log(parseFloat("3.14abc"), parseFloat(".5e"), parseFloat("-Infinityx"), parseFloat("e5"), parseFloat("  1e-3x"), parseFloat("1.2.3"), parseFloat("-.5"), parseFloat(""))
)JS",
        R"OUT(31 12 -0 NaN NaN 35 1 1 5 5 -255 NaN
3.14 0.5 -Infinity NaN 0.001 1.2 -0.5 NaN
)OUT");
}

TEST_CASE("VmNativesNumber: URI coding") {
    expectOut(
        R"JS(console.log(encodeURIComponent("a b&c/d?é😀~*()!'"), decodeURIComponent("%E2%82%AC%20x"), decodeURIComponent(encodeURIComponent("ü/ß😀")))
for (const s of ["%", "%E2%82", "%C0%80", "%ZZ"]) { try { decodeURIComponent(s) } catch (e) { console.log(e.name, e.message, e instanceof Error) } }
try { encodeURIComponent("\ud800") } catch (e) { console.log(e.name, e.message) }
)JS",
        R"OUT(a%20b%26c%2Fd%3F%C3%A9%F0%9F%98%80~*()!' € x ü/ß😀
URIError URI malformed true
URIError URI malformed true
URIError URI malformed true
URIError URI malformed true
URIError URI malformed
)OUT");
}

TEST_CASE("VmNativesNumber: Math") {
    expectOut(
        R"JS(console.log(Math.PI, Math.E, Math.SQRT2, Math.LN2, Math.max(), Math.min(), Math.max(1, 3, 2), Math.min(1, NaN), Math.max(-0, 0), Math.min(0, -0))
console.log(Math.round(2.5), Math.round(-2.5), Math.round(-0.4), Math.round(0.49999999999999994), Math.round(1.5), Math.trunc(-4.7), Math.sign(-3), Math.sign(-0), Math.floor(-1.5), Math.ceil(-1.5))
console.log(Math.pow(1, Infinity), Math.pow(2, 10), Math.pow(NaN, 0), Math.hypot(3, 4), Math.hypot(), Math.hypot(NaN, Infinity), Math.clz32(1), Math.clz32(0), Math.imul(0xffffffff, 5), Math.fround(5.5), Math.fround(5.05))
console.log(Math.abs(-7.5), Math.sqrt(2), Math.cbrt(27), Math.log2(8), Math.log10(1000), Math.atan2(1, 1), Math.exp(1), Math.sin(0), Math.cos(Math.PI))
)JS",
        R"OUT(3.141592653589793 2.718281828459045 1.4142135623730951 0.6931471805599453 -Infinity Infinity 3 NaN 0 -0
3 -2 -0 0 2 -4 -1 -0 -2 -1
NaN 1024 1 5 0 Infinity 31 32 -5 5.5 5.050000190734863
7.5 1.4142135623730951 3 3 3 0.7853981633974483 2.718281828459045 0 -1
)OUT");
}

TEST_CASE("VmNativesNumber: toLocaleString (en-US)") {
    expectOut(
        R"JS(console.log((1234567.891).toLocaleString(), (0.5).toLocaleString(), (-1234.5).toLocaleString(), (1e21).toLocaleString(), (0.0001).toLocaleString(), (999.9999).toLocaleString(), (-0).toLocaleString(), (1.2345e25).toLocaleString(), NaN.toLocaleString())
)JS",
        R"OUT(1,234,567.891 0.5 -1,234.5 1,000,000,000,000,000,000,000 0 1,000 -0 12,345,000,000,000,000,000,000,000 NaN
)OUT");
}
