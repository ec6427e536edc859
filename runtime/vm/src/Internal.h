#pragma once
// Internal.h — helpers shared by the interpreter, the call machinery and the
// scheduler. Not part of the API natives use.
#include <span>

#include "flow/vm/Vm.h"

namespace flow::vm {

// The operators' slow paths (Operators.cpp): JS coercions, may call user code
// (toString/valueOf) and throw.
Value opAdd(Vm& vm, Value a, Value b);
// Abstract relational comparison a < b: 0 false, 1 true, 2 undefined (NaN).
int opLess(Vm& vm, Value a, Value b, bool leftFirst);
bool opIn(Vm& vm, Value key, Value obj);
bool opInstanceOf(Vm& vm, Value v, Value ctor);
// A short description of a value for error messages ("undefined", "3", "[object]").
std::string describe(Vm& vm, Value v);
Iterator* makeIterator(Vm& vm, Value v, bool keys);
// Advances `it`; false when done.
bool iterNext(Vm& vm, Iterator* it, Value* out);
void copyProps(Vm& vm, Object* dst, Value src);
Object* objectRest(Vm& vm, Value src, Value excluded);
void appendSpread(Vm& vm, Array* dst, Value src);
Value callTask(Vm& vm, TaskRef* t, std::span<const Value> args);

// Frame setup (Calls.cpp). Throws RangeError past kMaxCallDepth.
void pushFrameFromStack(Vm& vm, uint32_t& callDepth, Fiber* f, Closure* c, Value thisValue,
                        uint32_t argStart, uint32_t argc, uint32_t retSlot);
void pushFrameFromSpan(Vm& vm, uint32_t& callDepth, Fiber* f, Closure* c, Value thisValue,
                       std::span<const Value> args, uint32_t retSlot, bool returnToHost);

} // namespace flow::vm
