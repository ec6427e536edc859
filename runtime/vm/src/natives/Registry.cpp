// Registry.cpp — THE table of native installers, run in this order when a Vm
// is created. To add a builtin object: write natives/<Name>.cpp with
// `void install<Name>(Vm&)`, declare it below and add a row. Core rows first:
// later installers may extend the objects the core ones create (e.g. add
// statics to the Object constructor, methods to Array.prototype).
#include "flow/vm/Natives.h"

namespace flow::vm {

void installCore(Vm& vm);     // Core.cpp: Object/Array/String/Number/Boolean shells, NaN, Infinity
void installErrors(Vm& vm);   // Errors.cpp: Error and its subclasses
void installPromise(Vm& vm);  // Promise.cpp: Promise statics and prototype
void installConsole(Vm& vm);  // Console.cpp: console.log/error/warn (node's util.inspect)
// The standard library (natives helper): statics and prototype methods.
void installObject(Vm& vm);   // Object.cpp: Object.keys/values/entries/assign/...
void installArray(Vm& vm);    // Array.cpp: Array.isArray/from/of, Array.prototype
void installString(Vm& vm);   // String.cpp: String.fromCharCode/..., String.prototype
void installNumber(Vm& vm);   // Number.cpp: Number statics, Number/Boolean.prototype
void installGlobal(Vm& vm);   // Global.cpp: parseInt, parseFloat, isNaN, isFinite, URI coding
void installMath(Vm& vm);     // Math.cpp: Math
void installJson(Vm& vm);     // Json.cpp: JSON.parse/stringify
void installFunction(Vm& vm); // Function.cpp: Function.prototype.call/apply/bind/toString
void installHost(Vm& vm);     // Host.cpp: sleep, signal, waitForEvent, emit, now, uuid, ...
void installExpect(Vm& vm);   // Test.cpp: expect(actual) and its matchers (test blocks only)

namespace {
const NativeInstallerEntry kInstallers[] = {
    {"core", installCore},
    {"errors", installErrors},
    {"promise", installPromise},
    {"console", installConsole},
    {"object", installObject},
    {"array", installArray},
    {"string", installString},
    {"number", installNumber},
    {"global", installGlobal},
    {"math", installMath},
    {"json", installJson},
    {"function", installFunction},
    {"host", installHost},
    {"expect", installExpect},
};
} // namespace

const NativeInstallerEntry* nativeInstallers(size_t& count) {
    count = sizeof(kInstallers) / sizeof(kInstallers[0]);
    return kInstallers;
}

} // namespace flow::vm
