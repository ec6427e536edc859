// Core.cpp — the native-definition helpers and the core builtins the VM needs
// itself: the Object/Array/String/Number/Boolean constructors (their statics
// and most prototype methods are the standard library's), Object.prototype
// toString/valueOf/hasOwnProperty, Array.prototype.toString, NaN, Infinity.
#include <cmath>

#include "StdlibUtil.h"
#include "flow/vm/Natives.h"

namespace flow::vm {

using bytecode::Builtin;

NativeFunction* defineMethod(Vm& vm, Object* target, std::string_view name, NativeFn fn,
                             uint8_t arity) {
    NativeFunction* f = vm.newNative(name, fn, arity);
    target->setHidden(vm.intern(name), Value::object(f));
    return f;
}

void defineMethods(Vm& vm, Object* target, std::span<const MethodSpec> methods) {
    for (const MethodSpec& m : methods)
        defineMethod(vm, target, m.name, m.fn, m.arity);
}

void defineValue(Vm& vm, Object* target, std::string_view name, Value v) {
    target->setHidden(vm.intern(name), v);
}

NativeFunction* defineConstructor(Vm& vm, std::string_view name, NativeFn fn, uint8_t arity,
                                  Object* prototype) {
    NativeFunction* f = vm.newNative(name, fn, arity);
    f->constructor = true;
    f->setHidden(vm.names.prototype, Value::object(prototype));
    prototype->setHidden(vm.names.constructor, Value::object(f));
    return f;
}

String* thisString(Vm& vm, const Args& args, std::string_view method) {
    if (isString(args.thisValue)) return asString(args.thisValue);
    if (args.thisValue.isNullish())
        vm.throwError(ErrorKind::TypeError,
                      "String.prototype." + std::string(method) + " called on null or undefined");
    return toString(vm, args.thisValue);
}

Array* thisArray(Vm& vm, const Args& args, std::string_view method) {
    if (isArray(args.thisValue)) return asArray(args.thisValue);
    vm.throwError(ErrorKind::TypeError,
                  "Array.prototype." + std::string(method) + " called on a non-array");
}

namespace {

// Array.prototype.join's algorithm (also Array.prototype.toString). Cycles
// print as "" (as JS engines do).
std::string joinArray(Vm& vm, Array* a, std::string_view sep, std::vector<Array*>& seen) {
    for (Array* s : seen)
        if (s == a) return "";
    seen.push_back(a);
    std::string out;
    for (size_t i = 0; i < a->elems.size(); ++i) {
        if (i) out += sep;
        Value v = a->elems[i];
        if (v.isNullish()) continue;
        if (isArray(v))
            out += joinArray(vm, asArray(v), ",", seen);
        else
            out += toStdString(vm, v);
    }
    seen.pop_back();
    return out;
}

bool isBuiltin(const Vm& vm, Value v, Builtin b) {
    Value g = vm.builtin(b);
    return v.isObject() && g.isObject() && v.asObject() == g.asObject();
}

Value objectToString(Vm& vm, const Args& args, NativeFunction*) {
    Value t = args.thisValue;
    const char* tag = t.isUndefined() ? "Undefined"
                      : t.isNull()    ? "Null"
                      : isArray(t)    ? "Array"
                      : isCallable(t) ? "Function"
                      : isString(t)   ? "String"
                      : t.isNumber()  ? "Number"
                      : t.isBool()    ? "Boolean"
                      // What node prints for these ([[ErrorData]], @@toStringTag):
                      // `${promise}`, String(Math) and the like reach here.
                      : isType(t, ObjType::Promise)     ? "Promise"
                      : stdlib::isError(vm, t)          ? "Error"
                      : isBuiltin(vm, t, Builtin::Math) ? "Math"
                      : isBuiltin(vm, t, Builtin::JSON) ? "JSON"
                                                        : "Object";
    return Value::object(vm.newString(std::string("[object ") + tag + "]"));
}

Value objectValueOf(Vm&, const Args& args, NativeFunction*) {
    return args.thisValue;
}

Value objectHasOwn(Vm& vm, const Args& args, NativeFunction*) {
    Value t = args.thisValue;
    String* k = vm.toPropertyKey(args[0]);
    if (isArray(t)) {
        uint32_t i;
        if (isArrayIndex(k->view(), &i)) return Value::boolean(i < asArray(t)->elems.size());
        if (k->view() == "length") return Value::boolean(true);
    }
    if (isString(t)) {
        uint32_t i;
        if (isArrayIndex(k->view(), &i)) return Value::boolean(i < asString(t)->length16);
        return Value::boolean(k->view() == "length");
    }
    if (!isObjectLike(t)) return Value::boolean(false);
    return Value::boolean(asObj(t)->findOwn(k) != nullptr);
}

Value arrayToString(Vm& vm, const Args& args, NativeFunction*) {
    if (!isArray(args.thisValue)) return objectToString(vm, args, nullptr);
    std::vector<Array*> seen;
    return Value::object(vm.newString(joinArray(vm, asArray(args.thisValue), ",", seen)));
}

Value objectCtor(Vm& vm, const Args& args, NativeFunction*) {
    Value v = args[0];
    if (isObjectLike(v)) return v;
    return Value::object(vm.newObject());
}

Value arrayCtor(Vm& vm, const Args& args, NativeFunction*) {
    Array* a = vm.newArray();
    if (args.size() == 1 && args[0].isNumber()) {
        double n = args[0].asNumber();
        if (!(n >= 0 && n <= double(vm.maxArrayLength())) || n != std::floor(n))
            vm.throwError(ErrorKind::RangeError, "Invalid array length");
        a->elems.assign(size_t(n), Value::undefined()); // no holes: undefined
        return Value::object(a);
    }
    for (uint32_t i = 0; i < args.size(); ++i)
        a->elems.push_back(args[i]);
    return Value::object(a);
}

Value stringCtor(Vm& vm, const Args& args, NativeFunction*) {
    if (args.size() == 0) return Value::object(vm.names.empty);
    return Value::object(toString(vm, args[0]));
}

Value numberCtor(Vm& vm, const Args& args, NativeFunction*) {
    if (args.size() == 0) return Value::number(0);
    return Value::number(toNumber(vm, args[0]));
}

Value booleanCtor(Vm&, const Args& args, NativeFunction*) {
    return Value::boolean(truthy(args[0]));
}

} // namespace

void installCore(Vm& vm) {
    defineMethod(vm, vm.objectProto, "toString", objectToString, 0);
    defineMethod(vm, vm.objectProto, "valueOf", objectValueOf, 0);
    defineMethod(vm, vm.objectProto, "hasOwnProperty", objectHasOwn, 1);
    defineMethod(vm, vm.arrayProto, "toString", arrayToString, 0);

    vm.setBuiltin(Builtin::Object,
                  Value::object(defineConstructor(vm, "Object", objectCtor, 1, vm.objectProto)));
    vm.setBuiltin(Builtin::Array,
                  Value::object(defineConstructor(vm, "Array", arrayCtor, 1, vm.arrayProto)));
    // String/Number/Boolean convert when called; `new` of them (wrapper
    // objects) is not supported.
    NativeFunction* s = defineConstructor(vm, "String", stringCtor, 1, vm.stringProto);
    NativeFunction* n = defineConstructor(vm, "Number", numberCtor, 1, vm.numberProto);
    NativeFunction* b = defineConstructor(vm, "Boolean", booleanCtor, 1, vm.booleanProto);
    s->constructor = n->constructor = b->constructor = false;
    vm.setBuiltin(Builtin::String, Value::object(s));
    vm.setBuiltin(Builtin::Number, Value::object(n));
    vm.setBuiltin(Builtin::Boolean, Value::object(b));
    vm.setBuiltin(Builtin::NaN, Value::number(NAN));
    vm.setBuiltin(Builtin::Infinity, Value::number(INFINITY));
}

} // namespace flow::vm
