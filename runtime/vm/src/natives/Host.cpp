// Host.cpp — the workflow builtins that ask the host for something (sleep,
// signal, waitForEvent, emit, send: HostOps, see Vm.h) and the deterministic
// ones computed from the run's own state (now, uuid, random), plus
// parallelMap (Step Functions' Map state) built on promises.
#include <cmath>
#include <cstdio>

#include "flow/vm/Json.h"
#include "flow/vm/Natives.h"

namespace flow::vm {

using bytecode::Builtin;

namespace {

std::string jsonOf(Vm& vm, Value v) {
    std::optional<std::string> s = stringifyHostJson(vm, v);
    return s ? *s : "null";
}

// A duration/time argument: a finite, non-negative number of milliseconds.
double msArg(Vm& vm, Value v, const char* fn, const char* what) {
    if (!v.isNumber())
        vm.throwError(ErrorKind::TypeError, std::string(fn) + ": " + what + " must be a number");
    double d = v.asNumber();
    if (!std::isfinite(d) || d < 0)
        vm.throwError(ErrorKind::RangeError,
                      std::string(fn) + ": " + what + " must be a finite number >= 0");
    return d;
}

std::string numJson(double d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", std::floor(d));
    return buf;
}

String* nameArg(Vm& vm, Value v, const char* fn, const char* what) {
    if (!isString(v) || asString(v)->length16 == 0)
        vm.throwError(ErrorKind::TypeError,
                      std::string(fn) + ": " + what + " must be a non-empty string");
    return asString(v);
}

// {timeout} of signal/waitForEvent: "null" when absent.
std::string timeoutJson(Vm& vm, Value opts, const char* fn) {
    if (!isObjectLike(opts)) return "null";
    Value t = vm.getNamed(opts, "timeout");
    if (t.isUndefined()) return "null";
    return numJson(msArg(vm, t, fn, "timeout"));
}

Value opPromise(Vm& vm, OpKind kind, std::string json) {
    return Value::object(vm.addOp(kind, 0, std::move(json)).promise);
}

Value hostSleep(Vm& vm, const Args& a, NativeFunction*) {
    double ms = msArg(vm, a[0], "sleep", "the duration");
    return opPromise(vm, OpKind::Timer, "{\"ms\":" + numJson(ms) + "}");
}

Value hostSleepUntil(Vm& vm, const Args& a, NativeFunction*) {
    double t = msArg(vm, a[0], "sleepUntil", "the time (ms since the epoch)");
    return opPromise(vm, OpKind::Timer, "{\"until\":" + numJson(t) + "}");
}

Value hostSignal(Vm& vm, const Args& a, NativeFunction*) {
    String* name = nameArg(vm, a[0], "signal", "the signal name");
    std::string json = "{\"name\":";
    quoteJsonString(json, name->view(), true);
    json += ",\"timeoutMs\":" + timeoutJson(vm, a[1], "signal") + "}";
    return opPromise(vm, OpKind::Signal, std::move(json));
}

Value hostWaitForEvent(Vm& vm, const Args& a, NativeFunction*) {
    String* type = nameArg(vm, a[0], "waitForEvent", "the event type");
    std::string json = "{\"type\":";
    quoteJsonString(json, type->view(), true);
    std::string match = "null";
    if (isObjectLike(a[1])) {
        Value m = vm.getNamed(a[1], "match");
        if (!m.isUndefined()) {
            if (!isObjectLike(m) || isArray(m) || isCallable(m))
                vm.throwError(ErrorKind::TypeError,
                              "waitForEvent: match must be an object of fields the payload must "
                              "equal");
            match = jsonOf(vm, m);
        }
    }
    json += ",\"match\":" + match + ",\"timeoutMs\":" + timeoutJson(vm, a[1], "waitForEvent") + "}";
    return opPromise(vm, OpKind::Event, std::move(json));
}

Value hostEmit(Vm& vm, const Args& a, NativeFunction*) {
    String* type = nameArg(vm, a[0], "emit", "the event type");
    std::string json = "{\"type\":";
    quoteJsonString(json, type->view(), true);
    json += ",\"payload\":" + jsonOf(vm, a[1]) + "}";
    return opPromise(vm, OpKind::Emit, std::move(json));
}

Value hostSend(Vm& vm, const Args& a, NativeFunction*) {
    String* run = nameArg(vm, a[0], "send", "the run id");
    String* name = nameArg(vm, a[1], "send", "the signal name");
    std::string json = "{\"runId\":";
    quoteJsonString(json, run->view(), true);
    json += ",\"name\":";
    quoteJsonString(json, name->view(), true);
    json += ",\"payload\":" + jsonOf(vm, a[2]) + "}";
    return opPromise(vm, OpKind::Send, std::move(json));
}

Value hostNow(Vm& vm, const Args&, NativeFunction*) {
    return Value::number(double(vm.runContext().nowMs));
}

// xorshift128+: small, fast, and its whole state fits the snapshot.
uint64_t nextRandom(RunContext& rc) {
    uint64_t s1 = rc.rng[0];
    const uint64_t s0 = rc.rng[1];
    rc.rng[0] = s0;
    s1 ^= s1 << 23;
    rc.rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return rc.rng[1] + s0;
}

Value hostRandom(Vm& vm, const Args&, NativeFunction*) {
    // 53 random bits -> [0, 1), as V8 does.
    return Value::number(double(nextRandom(vm.runContext()) >> 11) * 0x1.0p-53);
}

// A version-4-shaped UUID from the run's generator: unique within a run,
// identical when the run is resumed or replayed.
Value hostUuid(Vm& vm, const Args&, NativeFunction*) {
    RunContext& rc = vm.runContext();
    ++rc.uuidCounter;
    uint64_t hi = nextRandom(rc), lo = nextRandom(rc);
    hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
    lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32),
                  unsigned((hi >> 16) & 0xFFFF), unsigned(hi & 0xFFFF), unsigned(lo >> 48),
                  (unsigned long long)(lo & 0xFFFFFFFFFFFFull));
    return Value::object(vm.newString(buf));
}

// ---- parallelMap(items, fn, { concurrency }) -> Promise<results in input order>
// State lives in an Array so that it is an ordinary heap value (traced and
// snapshotted like any other): [items, fn, results, promise, next, active,
// done, limit, failed].
enum : uint32_t { PmItems, PmFn, PmResults, PmPromise, PmNext, PmActive, PmDone, PmLimit, PmFailed };

double pmNum(Array* st, uint32_t i) {
    return st->elems[i].asNumber();
}
void pmSet(Array* st, uint32_t i, double d) {
    st->elems[i] = Value::number(d);
}

void pmLaunch(Vm& vm, Array* st);

Value pmItemOk(Vm& vm, const Args& a, NativeFunction* self) {
    Array* st = asArray(self->slots[0]);
    if (st->elems[PmFailed].asBool()) return Value::undefined();
    auto idx = size_t(self->slots[1].asNumber());
    asArray(st->elems[PmResults])->elems[idx] = a[0];
    pmSet(st, PmActive, pmNum(st, PmActive) - 1);
    pmSet(st, PmDone, pmNum(st, PmDone) + 1);
    if (size_t(pmNum(st, PmDone)) == asArray(st->elems[PmItems])->elems.size()) {
        vm.resolvePromise(asPromise(st->elems[PmPromise]), st->elems[PmResults]);
        return Value::undefined();
    }
    pmLaunch(vm, st);
    return Value::undefined();
}

Value pmItemErr(Vm& vm, const Args& a, NativeFunction* self) {
    Array* st = asArray(self->slots[0]);
    if (st->elems[PmFailed].asBool()) return Value::undefined();
    st->elems[PmFailed] = Value::boolean(true);
    vm.rejectPromise(asPromise(st->elems[PmPromise]), a[0]);
    return Value::undefined();
}

void pmLaunch(Vm& vm, Array* st) {
    Array* items = asArray(st->elems[PmItems]);
    double limit = pmNum(st, PmLimit);
    while (!st->elems[PmFailed].asBool() && size_t(pmNum(st, PmNext)) < items->elems.size() &&
           (limit <= 0 || pmNum(st, PmActive) < limit)) {
        auto idx = size_t(pmNum(st, PmNext));
        pmSet(st, PmNext, double(idx + 1));
        pmSet(st, PmActive, pmNum(st, PmActive) + 1);
        Value r;
        try {
            r = vm.call(st->elems[PmFn], Value::undefined(),
                        {items->elems[idx], Value::number(double(idx))});
        } catch (ThrowSignal&) {
            Value e = vm.takeException();
            st->elems[PmFailed] = Value::boolean(true);
            vm.rejectPromise(asPromise(st->elems[PmPromise]), e);
            return;
        }
        NativeFunction* ok = vm.newNative("", pmItemOk, 1);
        ok->slots[0] = Value::object(st);
        ok->slots[1] = Value::number(double(idx));
        NativeFunction* err = vm.newNative("", pmItemErr, 1);
        err->slots[0] = Value::object(st);
        vm.promiseThen(vm.promiseResolve(r), Value::object(ok), Value::object(err));
    }
}

Value hostParallelMap(Vm& vm, const Args& a, NativeFunction*) {
    if (!isArray(a[0])) vm.throwError(ErrorKind::TypeError, "parallelMap: items must be an array");
    if (!isCallable(a[1]))
        vm.throwError(ErrorKind::TypeError, "parallelMap: fn must be a function");
    double limit = 0;
    if (isObjectLike(a[2])) {
        Value c = vm.getNamed(a[2], "concurrency");
        if (!c.isUndefined()) {
            if (!c.isNumber() || !(c.asNumber() >= 1) || c.asNumber() != std::floor(c.asNumber()))
                vm.throwError(ErrorKind::RangeError,
                              "parallelMap: concurrency must be an integer >= 1");
            limit = c.asNumber();
        }
    }
    Array* items = vm.newArray();
    items->elems = asArray(a[0])->elems; // a copy: later changes to the input do not matter
    Array* results = vm.newArray(items->elems.size());
    results->elems.assign(items->elems.size(), Value::undefined());
    Promise* p = vm.newPromise();
    Array* st = vm.newArray(9);
    st->elems = {Value::object(items),   a[1],
                 Value::object(results), Value::object(p),
                 Value::number(0),       Value::number(0),
                 Value::number(0),       Value::number(limit),
                 Value::boolean(false)};
    if (items->elems.empty()) {
        vm.resolvePromise(p, Value::object(results));
        return Value::object(p);
    }
    pmLaunch(vm, st);
    return Value::object(p);
}

} // namespace

void registerRuntimeNative(Vm& vm, std::string_view name, NativeFn fn) {
    for (auto& [n, f] : vm.runtimeNatives_)
        if (f == fn || n == name) return;
    vm.runtimeNatives_.emplace_back(std::string(name), fn);
}

void installHost(Vm& vm) {
    struct Row {
        Builtin b;
        const char* name;
        NativeFn fn;
        uint8_t arity;
    };
    const Row rows[] = {
        {Builtin::sleep, "sleep", hostSleep, 1},
        {Builtin::sleepUntil, "sleepUntil", hostSleepUntil, 1},
        {Builtin::signal, "signal", hostSignal, 2},
        {Builtin::waitForEvent, "waitForEvent", hostWaitForEvent, 2},
        {Builtin::emit, "emit", hostEmit, 2},
        {Builtin::send, "send", hostSend, 3},
        {Builtin::now, "now", hostNow, 0},
        {Builtin::uuid, "uuid", hostUuid, 0},
        {Builtin::random, "random", hostRandom, 0},
        {Builtin::parallelMap, "parallelMap", hostParallelMap, 3},
    };
    for (const Row& r : rows)
        vm.setBuiltin(r.b, Value::object(vm.newNative(r.name, r.fn, r.arity)));
    registerRuntimeNative(vm, "parallelMap.itemOk", pmItemOk);
    registerRuntimeNative(vm, "parallelMap.itemErr", pmItemErr);
}

} // namespace flow::vm
