// Errors.cpp — Error, TypeError, RangeError, ReferenceError, SyntaxError.
// `Error(msg)` and `new Error(msg)` both create an error whose prototype is
// the constructor's `prototype` (so instanceof works along the chain), with
// non-enumerable message and stack (as in JS: Object.keys(err) is []).
#include "flow/vm/Natives.h"

namespace flow::vm {

using bytecode::Builtin;

namespace {

Value errorCtor(Vm& vm, const Args& args, NativeFunction* self) {
    Value protoV = self->findOwn(vm.names.prototype) ? *self->findOwn(vm.names.prototype)
                                                     : Value::object(vm.errorProtos[0]);
    Object* proto = asObj(protoV);
    Value nameV = vm.getNamed(protoV, vm.names.name);
    std::string name = isString(nameV) ? asString(nameV)->data : "Error";
    std::string msg = args[0].isUndefined() ? "" : toStdString(vm, args[0]);
    Object* e = vm.newErrorWithProto(proto, name, msg);
    if (args[0].isUndefined()) e->removeOwn("message");
    // new Error(msg, { cause })
    if (isObjectLike(args[1])) {
        if (Value* c = asObj(args[1])->findOwn("cause")) e->setHidden(vm.intern("cause"), *c);
    }
    return Value::object(e);
}

Value errorToString(Vm& vm, const Args& args, NativeFunction*) {
    Value t = args.thisValue;
    if (!isObjectLike(t))
        vm.throwError(ErrorKind::TypeError, "Error.prototype.toString called on a non-object");
    Value n = vm.getNamed(t, vm.names.name);
    Value m = vm.getNamed(t, vm.names.message);
    std::string name = n.isUndefined() ? "Error" : toStdString(vm, n);
    std::string msg = m.isUndefined() ? "" : toStdString(vm, m);
    if (name.empty()) return Value::object(vm.newString(msg));
    if (msg.empty()) return Value::object(vm.newString(name));
    return Value::object(vm.newString(name + ": " + msg));
}

} // namespace

void installErrors(Vm& vm) {
    static const Builtin kCtors[5] = {Builtin::Error, Builtin::TypeError, Builtin::RangeError,
                                      Builtin::ReferenceError, Builtin::SyntaxError};
    defineMethod(vm, vm.errorProtos[0], "toString", errorToString, 0);
    for (int i = 0; i < 5; ++i) {
        NativeFunction* f =
            defineConstructor(vm, vm.names.errorNames[i]->view(), errorCtor, 1, vm.errorProtos[i]);
        vm.setBuiltin(kCtors[i], Value::object(f));
    }
}

} // namespace flow::vm
