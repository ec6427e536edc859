// Promise.cpp — Promise.resolve/reject/all/race/allSettled/any, `new
// Promise(executor)`, and then/catch/finally. Scheduling order: Scheduler.cpp.
#include "flow/vm/Natives.h"

namespace flow::vm {

using bytecode::Builtin;

namespace {

Promise* slotPromise(NativeFunction* self, int i) {
    return asPromise(self->slots[i]);
}

// The resolve/reject functions handed to an executor or used by combinators:
// slot 0 is the promise.
Value resolveFn(Vm& vm, const Args& args, NativeFunction* self) {
    vm.resolvePromise(slotPromise(self, 0), args[0]);
    return Value::undefined();
}
Value rejectFn(Vm& vm, const Args& args, NativeFunction* self) {
    vm.rejectPromise(slotPromise(self, 0), args[0]);
    return Value::undefined();
}

NativeFunction* bound(Vm& vm, NativeFn fn, Value s0, Value s1 = {}, Value s2 = {}) {
    NativeFunction* f = vm.newNative("", fn, 1);
    f->slots[0] = s0;
    f->slots[1] = s1;
    f->slots[2] = s2;
    return f;
}

Value promiseCtor(Vm& vm, const Args& args, NativeFunction*) {
    if (!vm.isConstructCall())
        vm.throwError(ErrorKind::TypeError, "Promise constructor cannot be invoked without 'new'");
    if (!isCallable(args[0]))
        vm.throwError(ErrorKind::TypeError, "Promise resolver is not a function");
    Promise* p = vm.newPromise();
    NativeFunction* res = bound(vm, resolveFn, Value::object(p));
    NativeFunction* rej = bound(vm, rejectFn, Value::object(p));
    try {
        vm.call(args[0], Value::undefined(), {Value::object(res), Value::object(rej)});
    } catch (ThrowSignal&) {
        vm.rejectPromise(p, vm.takeException());
    }
    return Value::object(p);
}

Value staticResolve(Vm& vm, const Args& args, NativeFunction*) {
    return Value::object(vm.promiseResolve(args[0]));
}

Value staticReject(Vm& vm, const Args& args, NativeFunction*) {
    Promise* p = vm.newPromise();
    vm.rejectPromise(p, args[0]);
    return Value::object(p);
}

// The elements of an iterable argument (arrays and strings).
std::vector<Value> elementsOf(Vm& vm, Value v, const char* fn) {
    if (isArray(v)) return asArray(v)->elems;
    if (isString(v)) {
        std::vector<Value> out;
        String* s = asString(v);
        for (uint32_t i = 0; i < s->length16; ++i)
            out.push_back(vm.get(v, Value::number(i)));
        return out;
    }
    vm.throwError(ErrorKind::TypeError, std::string("Promise.") + fn + " needs an array");
}

// Combinator state: slot 0 the result promise, slot 1 an array
// [values, remaining], slot 2 the element index (undefined once called).
enum class Combine { All, AllSettled, Any };

void combineStore(Vm& vm, NativeFunction* self, Value v, Combine kind, bool rejected) {
    if (self->slots[2].isUndefined()) return; // already called
    auto idx = uint32_t(self->slots[2].asNumber());
    self->slots[2] = Value::undefined();
    Array* state = asArray(self->slots[1]);
    Array* values = asArray(state->elems[0]);
    Value stored = v;
    if (kind == Combine::AllSettled) {
        Object* o = vm.newObject();
        o->setOwn(vm.intern("status"),
                  Value::object(vm.intern(rejected ? "rejected" : "fulfilled")));
        o->setOwn(vm.intern(rejected ? "reason" : "value"), v);
        stored = Value::object(o);
    }
    values->elems[idx] = stored;
    double remaining = state->elems[1].asNumber() - 1;
    state->elems[1] = Value::number(remaining);
    if (remaining == 0) {
        Promise* p = slotPromise(self, 0);
        if (kind == Combine::Any) {
            Object* err = vm.newErrorWithProto(vm.errorProtos[0], "AggregateError",
                                               "All promises were rejected");
            err->setHidden(vm.intern("errors"), Value::object(values));
            vm.rejectPromise(p, Value::object(err));
        } else {
            vm.resolvePromise(p, Value::object(values));
        }
    }
}

Value allElement(Vm& vm, const Args& a, NativeFunction* s) {
    combineStore(vm, s, a[0], Combine::All, false);
    return Value::undefined();
}
Value settledFulfilled(Vm& vm, const Args& a, NativeFunction* s) {
    combineStore(vm, s, a[0], Combine::AllSettled, false);
    return Value::undefined();
}
Value settledRejected(Vm& vm, const Args& a, NativeFunction* s) {
    combineStore(vm, s, a[0], Combine::AllSettled, true);
    return Value::undefined();
}
Value anyRejected(Vm& vm, const Args& a, NativeFunction* s) {
    combineStore(vm, s, a[0], Combine::Any, true);
    return Value::undefined();
}

Value combinator(Vm& vm, const Args& args, Combine kind, const char* name) {
    Promise* p = vm.newPromise();
    std::vector<Value> items = elementsOf(vm, args[0], name);
    Array* values = vm.newArray(items.size());
    values->elems.assign(items.size(), Value::undefined());
    Array* state = vm.newArray(2);
    state->elems = {Value::object(values), Value::number(double(items.size()))};
    if (items.empty()) {
        if (kind == Combine::Any) {
            Object* err = vm.newErrorWithProto(vm.errorProtos[0], "AggregateError",
                                               "All promises were rejected");
            err->setHidden(vm.intern("errors"), Value::object(values));
            vm.rejectPromise(p, Value::object(err));
        } else {
            vm.resolvePromise(p, Value::object(values));
        }
        return Value::object(p);
    }
    NativeFunction* rej = bound(vm, rejectFn, Value::object(p));
    NativeFunction* res = bound(vm, resolveFn, Value::object(p));
    for (size_t i = 0; i < items.size(); ++i) {
        Promise* q = vm.promiseResolve(items[i]);
        Value idx = Value::number(double(i));
        Value st = Value::object(state);
        switch (kind) {
        case Combine::All:
            vm.promiseThen(q, Value::object(bound(vm, allElement, Value::object(p), st, idx)),
                           Value::object(rej));
            break;
        case Combine::AllSettled:
            vm.promiseThen(q, Value::object(bound(vm, settledFulfilled, Value::object(p), st, idx)),
                           Value::object(bound(vm, settledRejected, Value::object(p), st, idx)));
            break;
        case Combine::Any:
            vm.promiseThen(q, Value::object(res),
                           Value::object(bound(vm, anyRejected, Value::object(p), st, idx)));
            break;
        }
    }
    return Value::object(p);
}

Value staticAll(Vm& vm, const Args& a, NativeFunction*) {
    return combinator(vm, a, Combine::All, "all");
}
Value staticAllSettled(Vm& vm, const Args& a, NativeFunction*) {
    return combinator(vm, a, Combine::AllSettled, "allSettled");
}
Value staticAny(Vm& vm, const Args& a, NativeFunction*) {
    return combinator(vm, a, Combine::Any, "any");
}

Value staticRace(Vm& vm, const Args& args, NativeFunction*) {
    Promise* p = vm.newPromise();
    std::vector<Value> items = elementsOf(vm, args[0], "race");
    NativeFunction* res = bound(vm, resolveFn, Value::object(p));
    NativeFunction* rej = bound(vm, rejectFn, Value::object(p));
    for (Value v : items)
        vm.promiseThen(vm.promiseResolve(v), Value::object(res), Value::object(rej));
    return Value::object(p);
}

Promise* thisPromise(Vm& vm, const Args& args, const char* m) {
    if (!isType(args.thisValue, ObjType::Promise))
        vm.throwError(ErrorKind::TypeError,
                      std::string("Promise.prototype.") + m + " called on a non-promise");
    return asPromise(args.thisValue);
}

Value protoThen(Vm& vm, const Args& args, NativeFunction*) {
    return Value::object(vm.promiseThen(thisPromise(vm, args, "then"), args[0], args[1]));
}

Value protoCatch(Vm& vm, const Args& args, NativeFunction*) {
    return Value::object(
        vm.promiseThen(thisPromise(vm, args, "catch"), Value::undefined(), args[0]));
}

// finally: slot 0 = onFinally, slot 1 = the value to pass on / rethrow.
Value returnSlot(Vm&, const Args&, NativeFunction* self) {
    return self->slots[1];
}
Value throwSlot(Vm& vm, const Args&, NativeFunction* self) {
    vm.throwValue(self->slots[1]);
}
Value finallyFulfilled(Vm& vm, const Args& args, NativeFunction* self) {
    Value r = vm.call(self->slots[0], Value::undefined(), std::span<const Value>());
    Promise* q = vm.promiseResolve(r);
    return Value::object(vm.promiseThen(
        q, Value::object(bound(vm, returnSlot, Value::undefined(), args[0])), Value::undefined()));
}
Value finallyRejected(Vm& vm, const Args& args, NativeFunction* self) {
    Value r = vm.call(self->slots[0], Value::undefined(), std::span<const Value>());
    Promise* q = vm.promiseResolve(r);
    return Value::object(vm.promiseThen(
        q, Value::object(bound(vm, throwSlot, Value::undefined(), args[0])), Value::undefined()));
}

Value protoFinally(Vm& vm, const Args& args, NativeFunction*) {
    Promise* p = thisPromise(vm, args, "finally");
    if (!isCallable(args[0])) return Value::object(vm.promiseThen(p, args[0], args[0]));
    return Value::object(vm.promiseThen(p, Value::object(bound(vm, finallyFulfilled, args[0])),
                                        Value::object(bound(vm, finallyRejected, args[0]))));
}

} // namespace

void installPromise(Vm& vm) {
    // Natives created while the program runs, by the names snapshots use.
    registerRuntimeNative(vm, "promise.resolveFn", resolveFn);
    registerRuntimeNative(vm, "promise.rejectFn", rejectFn);
    registerRuntimeNative(vm, "promise.allElement", allElement);
    registerRuntimeNative(vm, "promise.settledFulfilled", settledFulfilled);
    registerRuntimeNative(vm, "promise.settledRejected", settledRejected);
    registerRuntimeNative(vm, "promise.anyRejected", anyRejected);
    registerRuntimeNative(vm, "promise.returnSlot", returnSlot);
    registerRuntimeNative(vm, "promise.throwSlot", throwSlot);
    registerRuntimeNative(vm, "promise.finallyFulfilled", finallyFulfilled);
    registerRuntimeNative(vm, "promise.finallyRejected", finallyRejected);
    NativeFunction* ctor = defineConstructor(vm, "Promise", promiseCtor, 1, vm.promiseProto);
    defineMethod(vm, ctor, "resolve", staticResolve, 1);
    defineMethod(vm, ctor, "reject", staticReject, 1);
    defineMethod(vm, ctor, "all", staticAll, 1);
    defineMethod(vm, ctor, "allSettled", staticAllSettled, 1);
    defineMethod(vm, ctor, "any", staticAny, 1);
    defineMethod(vm, ctor, "race", staticRace, 1);
    defineMethod(vm, vm.promiseProto, "then", protoThen, 2);
    defineMethod(vm, vm.promiseProto, "catch", protoCatch, 1);
    defineMethod(vm, vm.promiseProto, "finally", protoFinally, 1);
    vm.setBuiltin(Builtin::Promise, Value::object(ctor));
}

} // namespace flow::vm
