// Object.cpp — Object statics (ECMA-262 §20.1.2): keys, values, entries,
// assign, fromEntries, hasOwn, is, freeze/isFrozen, create, getPrototypeOf,
// getOwnPropertyNames.
//
// Object.freeze is a documented no-op that returns its argument (Flow
// objects have no frozen state); Object.isFrozen answers false for objects.
#include <cmath>

#include "StdlibUtil.h"

namespace flow::vm {

using bytecode::Builtin;
using namespace stdlib;

namespace {

Value num(double d) {
    return Value::number(d);
}

Value substring16Value(Vm& vm, String* s, uint32_t i) {
    return Value::object(substring16(vm, s, i, i + 1));
}

// The own enumerable string keys of v, in JS order, paired with values:
// array and string indices first, then the object's own keys.
template <class F>
void forEachOwn(Vm& vm, Value v, F&& f) {
    if (isString(v)) {
        String* s = asString(v);
        for (uint32_t i = 0; i < s->length16; ++i)
            f(vm.toPropertyKey(num(i)), substring16Value(vm, s, i));
        return;
    }
    if (!isObjectLike(v)) return;
    if (isArray(v)) {
        Array* a = asArray(v);
        for (size_t i = 0; i < a->elems.size(); ++i)
            f(vm.toPropertyKey(num(double(i))), a->elems[i]);
    }
    Object* o = asObj(v);
    for (String* k : o->ownKeys()) {
        Value* pv = o->findOwn(k);
        if (pv) f(k, *pv);
    }
}

Value objKeys(Vm& vm, const Args& args, NativeFunction*) {
    Value v = args[0];
    if (v.isNullish())
        vm.throwError(ErrorKind::TypeError, "Cannot convert undefined or null to object");
    Array* out = vm.newArray();
    forEachOwn(vm, v, [&](String* k, Value) { out->elems.push_back(Value::object(k)); });
    return Value::object(out);
}

Value objValues(Vm& vm, const Args& args, NativeFunction*) {
    Value v = args[0];
    if (v.isNullish())
        vm.throwError(ErrorKind::TypeError, "Cannot convert undefined or null to object");
    Array* out = vm.newArray();
    forEachOwn(vm, v, [&](String*, Value x) { out->elems.push_back(x); });
    return Value::object(out);
}

Value objEntries(Vm& vm, const Args& args, NativeFunction*) {
    Value v = args[0];
    if (v.isNullish())
        vm.throwError(ErrorKind::TypeError, "Cannot convert undefined or null to object");
    Array* out = vm.newArray();
    forEachOwn(vm, v, [&](String* k, Value x) {
        Array* pair = vm.newArray(2);
        pair->elems = {Value::object(k), x};
        out->elems.push_back(Value::object(pair));
    });
    return Value::object(out);
}

Value objAssign(Vm& vm, const Args& args, NativeFunction*) {
    Value target = args[0];
    if (target.isNullish())
        vm.throwError(ErrorKind::TypeError, "Cannot convert undefined or null to object");
    if (!isObjectLike(target)) return target; // primitives would be boxed: unsupported, kept
    for (uint32_t i = 1; i < args.size(); ++i) {
        Value src = args[i];
        if (src.same(target)) continue;
        // Collect first: writing into target must not disturb the iteration.
        std::vector<std::pair<String*, Value>> props;
        forEachOwn(vm, src, [&](String* k, Value x) { props.push_back({k, x}); });
        HandleScope hs(vm);
        for (auto& [k, x] : props) {
            hs.add(x);
            hs.add(Value::object(k));
        }
        for (auto& [k, x] : props)
            vm.set(target, Value::object(k), x);
    }
    return target;
}

Value objFromEntries(Vm& vm, const Args& args, NativeFunction*) {
    Value src = args[0];
    if (!isArray(src))
        vm.throwError(ErrorKind::TypeError,
                      (src.isNullish() ? toStdString(vm, src) : std::string("object")) +
                          " is not iterable");
    Object* out = vm.newObject();
    Array* a = asArray(src);
    for (size_t i = 0; i < a->elems.size(); ++i) {
        Value e = a->elems[i];
        if (!isObjectLike(e))
            vm.throwError(ErrorKind::TypeError,
                          "Iterator value " + toStdString(vm, e) + " is not an entry object");
        Value k = vm.get(e, num(0));
        Value v = vm.get(e, num(1));
        vm.set(Value::object(out), k, v);
    }
    return Value::object(out);
}

Value objHasOwn(Vm& vm, const Args& args, NativeFunction*) {
    Value o = args[0];
    if (o.isNullish())
        vm.throwError(ErrorKind::TypeError, "Cannot convert undefined or null to object");
    String* k = vm.toPropertyKey(args[1]);
    uint32_t idx;
    if (isArray(o)) {
        if (isArrayIndex(k->view(), &idx)) return Value::boolean(idx < asArray(o)->elems.size());
        if (k->view() == "length") return Value::boolean(true);
    }
    if (isString(o)) {
        if (isArrayIndex(k->view(), &idx)) return Value::boolean(idx < asString(o)->length16);
        return Value::boolean(k->view() == "length");
    }
    if (!isObjectLike(o)) return Value::boolean(false);
    return Value::boolean(asObj(o)->findOwn(k) != nullptr);
}

// SameValue: like === except NaN is NaN and +0 is not -0.
Value objIs(Vm&, const Args& args, NativeFunction*) {
    return Value::boolean(sameValue(args[0], args[1]));
}

Value objFreeze(Vm&, const Args& args, NativeFunction*) {
    return args[0];
}

Value objIsFrozen(Vm&, const Args& args, NativeFunction*) {
    return Value::boolean(!isObjectLike(args[0]));
}

Value objCreate(Vm& vm, const Args& args, NativeFunction*) {
    Value p = args[0];
    if (!p.isNull() && !isObjectLike(p))
        vm.throwError(ErrorKind::TypeError,
                      "Object prototype may only be an Object or null: " + toStdString(vm, p));
    Object* o = vm.newObject();
    o->proto = p.isNull() ? nullptr : asObj(p);
    if (isObjectLike(args[1])) {
        Args a{Value::undefined(), nullptr, 0};
        Value both[2] = {Value::object(o), args[1]};
        a.argv = both;
        a.argc = 2;
        objAssign(vm, a, nullptr);
    }
    return Value::object(o);
}

Value objGetPrototypeOf(Vm& vm, const Args& args, NativeFunction*) {
    Value v = args[0];
    if (v.isNullish())
        vm.throwError(ErrorKind::TypeError, "Cannot convert undefined or null to object");
    if (isString(v)) return Value::object(vm.stringProto);
    if (v.isNumber()) return Value::object(vm.numberProto);
    if (v.isBool()) return Value::object(vm.booleanProto);
    Object* p = asObj(v)->proto;
    return p ? Value::object(p) : Value::null();
}

Value objGetOwnPropertyNames(Vm& vm, const Args& args, NativeFunction*) {
    Value v = args[0];
    if (v.isNullish())
        vm.throwError(ErrorKind::TypeError, "Cannot convert undefined or null to object");
    Array* out = vm.newArray();
    forEachOwn(vm, v, [&](String* k, Value) { out->elems.push_back(Value::object(k)); });
    if (isArray(v) || isString(v)) out->elems.push_back(Value::object(vm.names.length));
    if (isObjectLike(v)) {
        // Then the non-enumerable own properties (message, stack, methods).
        for (auto& p : asObj(v)->props)
            if (!p.enumerable) out->elems.push_back(Value::object(p.key));
    }
    return Value::object(out);
}

} // namespace

void installObject(Vm& vm) {
    Object* ctor = asObj(vm.builtin(Builtin::Object));
    defineMethod(vm, ctor, "keys", objKeys, 1);
    defineMethod(vm, ctor, "values", objValues, 1);
    defineMethod(vm, ctor, "entries", objEntries, 1);
    defineMethod(vm, ctor, "assign", objAssign, 2);
    defineMethod(vm, ctor, "fromEntries", objFromEntries, 1);
    defineMethod(vm, ctor, "hasOwn", objHasOwn, 2);
    defineMethod(vm, ctor, "is", objIs, 2);
    defineMethod(vm, ctor, "freeze", objFreeze, 1);
    defineMethod(vm, ctor, "isFrozen", objIsFrozen, 1);
    defineMethod(vm, ctor, "create", objCreate, 2);
    defineMethod(vm, ctor, "getPrototypeOf", objGetPrototypeOf, 1);
    defineMethod(vm, ctor, "getOwnPropertyNames", objGetOwnPropertyNames, 1);
}

} // namespace flow::vm
