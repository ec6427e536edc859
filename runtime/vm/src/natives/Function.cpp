// Function.cpp — Function.prototype.call/apply/bind/toString (ECMA-262
// §20.2.3). A bound function is a native whose slots hold the target, the
// bound `this` and an array of the bound arguments; `new` of a bound function
// is not supported (Flow has no user constructors).
#include <algorithm>
#include <span>

#include "StdlibUtil.h"

namespace flow::vm {

using namespace stdlib;

namespace {

Value thisFunction(Vm& vm, const Args& args, const char* method) {
    if (!isCallable(args.thisValue))
        vm.throwError(ErrorKind::TypeError,
                      std::string("Function.prototype.") + method + " called on a non-function");
    return args.thisValue;
}

Value fnCall(Vm& vm, const Args& args, NativeFunction*) {
    Value f = thisFunction(vm, args, "call");
    std::span<const Value> rest;
    if (args.size() > 1) rest = std::span<const Value>(args.argv + 1, args.size() - 1);
    return vm.call(f, args[0], rest);
}

Value fnApply(Vm& vm, const Args& args, NativeFunction*) {
    Value f = thisFunction(vm, args, "apply");
    Value list = args[1];
    if (list.isNullish()) return vm.call(f, args[0], std::span<const Value>());
    if (!isArray(list))
        vm.throwError(ErrorKind::TypeError, "CreateListFromArrayLike called on non-object");
    // Copy: the callee may mutate the array while its arguments are in use.
    Array* copy = vm.newArray();
    copy->elems = asArray(list)->elems;
    return vm.call(f, args[0], std::span<const Value>(copy->elems));
}

Value boundCall(Vm& vm, const Args& args, NativeFunction* self) {
    Array* all = vm.newArray();
    all->elems = asArray(self->slots[2])->elems;
    for (uint32_t i = 0; i < args.size(); ++i)
        all->elems.push_back(args[i]);
    return vm.call(self->slots[0], self->slots[1], std::span<const Value>(all->elems));
}

Value fnBind(Vm& vm, const Args& args, NativeFunction*) {
    Value f = thisFunction(vm, args, "bind");
    Array* bound = vm.newArray();
    for (uint32_t i = 1; i < args.size(); ++i)
        bound->elems.push_back(args[i]);
    Value n = vm.getNamed(f, vm.names.name);
    std::string name = "bound " + (isString(n) ? asString(n)->data : std::string());
    Value len = vm.getNamed(f, vm.names.length);
    double arity = len.isNumber() ? len.asNumber() - double(bound->elems.size()) : 0;
    NativeFunction* b = vm.newNative(name, boundCall, uint8_t(std::clamp(arity, 0.0, 255.0)));
    b->slots[0] = f;
    b->slots[1] = args[0];
    b->slots[2] = Value::object(bound);
    return Value::object(b);
}

Value fnToString(Vm& vm, const Args& args, NativeFunction*) {
    Value f = thisFunction(vm, args, "toString");
    Value n = vm.getNamed(f, vm.names.name);
    std::string name = isString(n) ? asString(n)->data : "";
    return str(vm, "function " + name + "() { [native code] }");
}

} // namespace

void installFunction(Vm& vm) {
    registerRuntimeNative(vm, "function.boundCall", boundCall); // bind's result (snapshots)
    defineMethod(vm, vm.functionProto, "call", fnCall, 1);
    defineMethod(vm, vm.functionProto, "apply", fnApply, 2);
    defineMethod(vm, vm.functionProto, "bind", fnBind, 1);
    defineMethod(vm, vm.functionProto, "toString", fnToString, 0);
}

} // namespace flow::vm
