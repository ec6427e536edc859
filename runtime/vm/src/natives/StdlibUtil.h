#pragma once
// StdlibUtil.h — small helpers shared by the standard-library natives
// (Array.cpp, String.cpp, Number.cpp, Json.cpp, Console.cpp, ...). Not part of
// the VM's API: only natives/*.cpp include it.
#include <cmath>
#include <string>
#include <string_view>

#include "flow/vm/Natives.h"

namespace flow::vm::stdlib {

inline Value str(Vm& vm, std::string s) {
    return Value::object(vm.newString(std::move(s)));
}

// ToIntegerOrInfinity (ECMA-262 §7.1.5): NaN -> 0, truncation towards zero.
inline double toInteger(Vm& vm, Value v) {
    double d = v.isNumber() ? v.asNumber() : toNumber(vm, v);
    if (d != d) return 0;
    return std::trunc(d) + 0.0; // + 0.0 turns -0 into +0
}

// A relative index (slice, splice, at, fill...) clamped to [0, len]:
// negative counts from the end.
inline size_t clampIndex(double rel, size_t len) {
    if (rel < 0) {
        double r = double(len) + rel;
        return r < 0 ? 0 : size_t(r);
    }
    return rel > double(len) ? len : size_t(rel);
}

// The argument, or `dflt` when it is undefined, as an integer clamped to [0,len].
inline size_t relArg(Vm& vm, Value v, size_t len, size_t dflt) {
    if (v.isUndefined()) return dflt;
    return clampIndex(toInteger(vm, v), len);
}

// Throws TypeError "<what> is not a function" unless v is callable.
void requireCallable(Vm& vm, Value v);

// Appends WTF-8 `s` to `out`, joining a lone high surrogate at the end of
// `out` with a lone low surrogate at the start of `s` into one 4-byte
// sequence, so concatenation of the two halves of a pair gives the same bytes
// (and the same equality) as the pair itself, as in JS.
void appendWtf8(std::string& out, std::string_view s);

// The UTF-16 range [from, to) of s as a new string (from <= to <= length16).
String* substring16(Vm& vm, String* s, size_t from, size_t to);

// Compares two strings by UTF-16 code units (JS's < on strings and the
// default sort order): <0, 0 or >0.
int compareUnits(const String* a, const String* b);

// Index of `needle` in `hay` at or after UTF-16 position `from`, in UTF-16
// units; -1 when absent.
long indexOf16(const String* hay, const String* needle, size_t from);
// Last index of `needle` at or before `from`; -1 when absent.
long lastIndexOf16(const String* hay, const String* needle, size_t from);

// Grows-check for string results: RangeError "Invalid string length".
inline void checkStringSize(Vm& vm, size_t bytes) {
    if (bytes > kMaxStringBytes) vm.throwError(ErrorKind::RangeError, "Invalid string length");
}
inline void checkArraySize(Vm& vm, size_t n) {
    if (n > kMaxArrayLength) vm.throwError(ErrorKind::RangeError, "Invalid array length");
}

// True when o's prototype chain reaches Error.prototype.
bool isError(Vm& vm, Value v);

} // namespace flow::vm::stdlib
