#pragma once
// Natives.h — helpers for writing and registering native functions.
//
// Each builtin object lives in its own runtime/vm/src/natives/<Name>.cpp that
// defines an installer `void installX(Vm&)`; natives/Registry.cpp lists the
// installers in the order they run (core ones first: prototypes, Error,
// Promise, console). A native has the signature of NativeFn (Heap.h):
//     Value myFn(Vm& vm, const Args& args, NativeFunction* self);
// args[i] is undefined past args.size(); args.thisValue is the receiver.
#include <span>
#include <string_view>

#include "flow/vm/Convert.h"
#include "flow/vm/Heap.h"
#include "flow/vm/Vm.h"

namespace flow::vm {

// target[name] = a new native function.
NativeFunction* defineMethod(Vm& vm, Object* target, std::string_view name, NativeFn fn,
                             uint8_t arity);
// One row of a builtin's method table: name, implementation, JS `length`.
struct MethodSpec {
    const char* name;
    NativeFn fn;
    uint8_t arity;
};
// defineMethod for every row of a table.
void defineMethods(Vm& vm, Object* target, std::span<const MethodSpec> methods);
// target[name] = v.
void defineValue(Vm& vm, Object* target, std::string_view name, Value v);
// A constructor-capable native with its `prototype` object (proto.constructor
// points back). Returns the function.
NativeFunction* defineConstructor(Vm& vm, std::string_view name, NativeFn fn, uint8_t arity,
                                  Object* prototype);

// A native created while the program runs (a promise's resolve function, a
// bound function, a combinator's per-element callback) rather than at install
// time: its installer registers it once under a stable name, which is how a
// snapshot refers to it (function pointers differ between builds).
void registerRuntimeNative(Vm& vm, std::string_view name, NativeFn fn);

// Installers, run in order by Vm's constructor (natives/Registry.cpp).
using NativeInstaller = void (*)(Vm&);
struct NativeInstallerEntry {
    const char* name;
    NativeInstaller install;
};
const NativeInstallerEntry* nativeInstallers(size_t& count);

// console.log's formatting of one value (node's util.inspect for plain data).
std::string inspectValue(Vm& vm, Value v);

// Receiver checks for prototype methods: throws TypeError naming `method`.
String* thisString(Vm& vm, const Args& args, std::string_view method);
Array* thisArray(Vm& vm, const Args& args, std::string_view method);

} // namespace flow::vm
