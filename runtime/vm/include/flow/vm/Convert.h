#pragma once
// Convert.h — JavaScript's abstract operations on Values: ToBoolean,
// ToNumber, ToString, ToPrimitive, equality, typeof, and number <-> string
// exactly as JS prints and parses them.
#include <cstdint>
#include <string>
#include <string_view>

#include "flow/vm/Value.h"

namespace flow::vm {

class Vm;
struct String;

bool truthy(Value v);
// ToNumber; objects go through ToPrimitive (may call user code, may throw).
double toNumber(Vm& vm, Value v);
// ToString as a heap string (may call user code, may throw).
String* toString(Vm& vm, Value v);
// ToString as std::string (WTF-8).
std::string toStdString(Vm& vm, Value v);
// ToPrimitive with hint "number" (preferString=false) or "string".
Value toPrimitive(Vm& vm, Value v, bool preferString);

// Number::toString(10): shortest round-trip digits, JS's exponent rules
// (1e21, 1e-7, -0 -> "0", NaN, Infinity).
std::string numberToString(double d);
// StringToNumber: trims JS whitespace; "" -> 0; 0x/0o/0b prefixes;
// "Infinity"; anything else NaN.
double stringToNumber(std::string_view s);

int32_t toInt32(double d);
uint32_t toUint32(double d);

bool strictEquals(Value a, Value b);
bool looseEquals(Vm& vm, Value a, Value b);
bool sameValueZero(Value a, Value b);
// Object.is: like sameValueZero, but 0 and -0 differ.
bool sameValue(Value a, Value b);
// The typeof string.
String* typeOf(Vm& vm, Value v);

// True when `key` is a canonical array index ("0", "17"; not "01", "-1").
bool isArrayIndex(std::string_view key, uint32_t* out = nullptr);

} // namespace flow::vm
