// TestNatives.cpp — the builtins a `test` block gets from the harness
// (docs/testing.md): mock(task, behaviour), the virtual clock, emitted(), and
// the methods of the handles `start` gives (status, error, history, signal,
// cancel, waiting). Each reaches the Harness through Vm::host.
#include <cmath>

#include "TestHarness.h"
#include "flow/vm/Json.h"
#include "flow/vm/Natives.h"

namespace flow::engine {

using namespace vm;

Value jsonValue(Vm& v, const std::string& json) {
    std::string err;
    auto r = parseJson(v, json, &err);
    return r ? *r : Value::null();
}

namespace {

Harness& harness(Vm& v) {
    return *static_cast<Harness*>(v.host);
}

// Runs f(harness); a test-ending failure (TestAbort) is recorded so the test
// fails whatever the Flow code does with the error, and engine errors become
// Flow errors the test can see.
template <class F>
Value guarded(Vm& v, F f) {
    Harness& h = harness(v);
    std::string msg;
    try {
        return f(h);
    } catch (const TestAbort& e) {
        h.abort = e.what();
        msg = e.what();
    } catch (const EngineError& e) {
        msg = e.what();
    }
    v.throwError(ErrorKind::Error, msg);
}

std::string jsonOf(Vm& v, Value x) {
    auto s = stringifyHostJson(v, x);
    return s ? *s : "null";
}

double msArg(Vm& v, Value x, const char* what) {
    if (!x.isNumber() || !std::isfinite(x.asNumber()) || x.asNumber() < 0)
        v.throwError(ErrorKind::TypeError,
                     std::string(what) + " must be a finite number of milliseconds >= 0");
    return x.asNumber();
}

// ---- the clock

Value clockNow(Vm& v, const Args&, NativeFunction*) {
    return Value::number(double(harness(v).clock->nowMs()));
}

Value clockElapsed(Vm& v, const Args&, NativeFunction*) {
    return Value::number(double(harness(v).elapsed()));
}

Value clockAdvance(Vm& v, const Args& a, NativeFunction*) {
    double ms = msArg(v, a[0], "clock.advance(ms): ms");
    return guarded(v, [&](Harness& h) {
        h.advanceTo(h.clock->nowMs() + int64_t(ms));
        return Value::undefined();
    });
}

Value clockAdvanceTo(Vm& v, const Args& a, NativeFunction*) {
    double t = msArg(v, a[0], "clock.advanceTo(epochMs): epochMs");
    return guarded(v, [&](Harness& h) {
        h.advanceTo(int64_t(t));
        return Value::undefined();
    });
}

Value clockRunUntilIdle(Vm& v, const Args&, NativeFunction*) {
    return guarded(v, [&](Harness& h) {
        h.runUntilIdle();
        return Value::undefined();
    });
}

// sleep(ms) / sleepUntil(epochMs) in a test: the clock moves when the test
// awaits it (time skipping), as with clock.advance.
Value testSleepFor(Vm& v, int64_t due) {
    Harness& h = harness(v);
    Promise* p = v.newPromise();
    h.sleeps.push_back({due, v.hostRoots.size()});
    v.hostRoots.push_back(Value::object(p));
    return Value::object(p);
}

Value testSleep(Vm& v, const Args& a, NativeFunction*) {
    double ms = msArg(v, a[0], "sleep(ms): ms");
    return testSleepFor(v, harness(v).clock->nowMs() + int64_t(ms));
}

Value testSleepUntil(Vm& v, const Args& a, NativeFunction*) {
    double t = msArg(v, a[0], "sleepUntil(epochMs): epochMs");
    return testSleepFor(v, int64_t(t));
}

// ---- emitted(type?)

Value emittedFn(Vm& v, const Args& a, NativeFunction*) {
    store::EventFilter f;
    f.limit = 0;
    if (!a[0].isUndefined()) {
        if (!isString(a[0]))
            v.throwError(ErrorKind::TypeError, "emitted(type): type must be a string");
        f.type = std::string(asString(a[0])->view());
    }
    return guarded(v, [&](Harness& h) {
        h.sync();
        Json out = Json::array();
        for (const auto& e : h.engine->store().events(f)) {
            Json x = {{"id", e.id},
                      {"type", e.type},
                      {"payload", parseOr(e.payload, Json())},
                      {"at", e.at - h.start}};
            x["runId"] = e.sourceRun ? Json(*e.sourceRun) : Json();
            out.push_back(std::move(x));
        }
        return jsonValue(v, out.dump());
    });
}

// ---- handles

std::string runIdOf(Vm& v, const Args& a, const char* method) {
    Value id = isObjectLike(a.thisValue) ? v.getNamed(a.thisValue, "runId") : Value::undefined();
    if (!isString(id))
        v.throwError(ErrorKind::TypeError, std::string(method) +
                                               ": call it on a handle from `start`, as h." +
                                               method + "()");
    return std::string(asString(id)->view());
}

store::RunRow rowOf(Harness& h, const std::string& id) {
    h.sync();
    auto row = h.engine->store().getRun(id);
    if (!row) throw EngineError("no run '" + id + "'");
    return *row;
}

Value handleStatus(Vm& v, const Args& a, NativeFunction*) {
    std::string id = runIdOf(v, a, "status");
    return guarded(v, [&](Harness& h) {
        return Value::object(v.newString(std::string(store::name(rowOf(h, id).status))));
    });
}

Value handleError(Vm& v, const Args& a, NativeFunction*) {
    std::string id = runIdOf(v, a, "error");
    return guarded(v, [&](Harness& h) {
        store::RunRow row = rowOf(h, id);
        if (!row.error) return Value::null();
        Json e = parseOr(*row.error, Json::object());
        if (e.is_object()) e.erase("text");
        return jsonValue(v, e.dump());
    });
}

Value handleWaiting(Vm& v, const Args& a, NativeFunction*) {
    std::string id = runIdOf(v, a, "waiting");
    return guarded(v, [&](Harness& h) {
        store::RunRow row = rowOf(h, id);
        return jsonValue(v, row.waiting && !isFinal(row.status) ? *row.waiting : "[]");
    });
}

Value handleHistory(Vm& v, const Args& a, NativeFunction*) {
    std::string id = runIdOf(v, a, "history");
    return guarded(v, [&](Harness& h) {
        rowOf(h, id);
        Json out = Json::array();
        for (const auto& r : h.engine->store().history(id)) {
            Json x = {{"kind", r.kind}, {"step", r.step}, {"name", r.name}, {"at", r.at - h.start}};
            if (r.line) x["line"] = r.line;
            Json d = r.detail ? parseOr(*r.detail, Json()) : Json();
            if (d.is_object() && d.contains("where")) {
                x["where"] = d["where"];
                d.erase("where");
            }
            if (!d.is_null() && !(d.is_object() && d.empty())) x["detail"] = d;
            out.push_back(std::move(x));
        }
        return jsonValue(v, out.dump());
    });
}

Value handleSignal(Vm& v, const Args& a, NativeFunction*) {
    std::string id = runIdOf(v, a, "signal");
    if (!isString(a[0]) || asString(a[0])->length16 == 0)
        v.throwError(ErrorKind::TypeError,
                     "h.signal(name, payload): name must be a non-empty string");
    std::string name(asString(a[0])->view());
    std::string payload = jsonOf(v, a[1]);
    return guarded(v, [&](Harness& h) {
        h.sync();
        h.engine->signal(id, name, payload);
        h.sync();
        return Value::undefined();
    });
}

Value handleCancel(Vm& v, const Args& a, NativeFunction*) {
    std::string id = runIdOf(v, a, "cancel");
    return guarded(v, [&](Harness& h) {
        h.sync();
        h.engine->cancel(id);
        h.sync();
        return Value::undefined();
    });
}

// ---- mock(task, behaviour)

const char* const kBehaviourKeys[] = {"returns",  "error",     "message",
                                      "sequence", "failTimes", "delay"};

bool knownKey(std::string_view k) {
    for (const char* b : kBehaviourKeys)
        if (k == b) return true;
    return false;
}

// A behaviour object ({returns}, {error}, ...) rather than a plain value to
// return: a non-empty plain object whose keys are all behaviour keys.
bool isBehaviour(Value b) {
    if (!isObjectLike(b) || isArray(b) || isCallable(b) || b.asObject()->type != ObjType::Object)
        return false;
    auto keys = asObj(b)->ownKeys();
    if (keys.empty()) return false;
    for (String* k : keys)
        if (!knownKey(k->view())) return false;
    return true;
}

const char* kBehaviourHelp =
    "a value to return, a function (args, call) => value, or an object of returns, error, "
    "message, sequence, failTimes, delay (docs/testing.md)";

void checkBehaviour(Vm& v, Value b, int depth) {
    if (b.isUndefined())
        v.throwError(ErrorKind::TypeError,
                     std::string("mock(task, behaviour): the behaviour is missing; give ") +
                         kBehaviourHelp);
    if (!isBehaviour(b)) return;
    Value seq = v.getNamed(b, "sequence");
    if (!seq.isUndefined()) {
        if (!isArray(seq) || asArray(seq)->elems.empty() || depth > 0)
            v.throwError(ErrorKind::TypeError,
                         "mock: sequence must be a non-empty array of behaviours (not nested)");
        for (Value e : asArray(seq)->elems)
            checkBehaviour(v, e, depth + 1);
    }
    Value err = v.getNamed(b, "error");
    if (!err.isUndefined() && (!isString(err) || asString(err)->length16 == 0))
        v.throwError(ErrorKind::TypeError, "mock: error must be the error's name, a string");
    for (const char* k : {"failTimes", "delay"}) {
        Value n = v.getNamed(b, k);
        if (!n.isUndefined() && (!n.isNumber() || !(n.asNumber() >= 0)))
            v.throwError(ErrorKind::TypeError,
                         std::string("mock: ") + k + " must be a number >= 0");
    }
}

Value mockFn(Vm& v, const Args& a, NativeFunction*) {
    Harness& h = harness(v);
    const auto& m = h.mod->module;
    uint32_t index = 0;
    if (isType(a[0], ObjType::Task)) {
        index = static_cast<TaskRef*>(a[0].asObject())->index;
    } else if (isString(a[0])) {
        std::string name(asString(a[0])->view());
        bool found = false;
        std::string names;
        for (uint32_t i = 0; i < m.tasks.size(); ++i) {
            names += (names.empty() ? "" : ", ") + m.str(m.tasks[i].name);
            if (m.str(m.tasks[i].name) == name) {
                index = i;
                found = true;
            }
        }
        if (!found)
            v.throwError(ErrorKind::Error, "mock: no task named '" + name + "' in this module" +
                                               (names.empty() ? " (it declares no task)"
                                                              : " (tasks: " + names + ")"));
    } else {
        v.throwError(ErrorKind::TypeError,
                     "mock(task, behaviour): the first argument must be a task (or its name), "
                     "not " +
                         inspectValue(v, a[0]));
    }
    checkBehaviour(v, a[1], 0);
    Object* obj = v.newObject();
    v.setNamed(Value::object(obj), "task", Value::object(v.newString(m.str(m.tasks[index].name))));
    v.setNamed(Value::object(obj), "calls", Value::object(v.newArray()));
    Harness::Mock mk;
    mk.behaviour = v.hostRoots.size();
    v.hostRoots.push_back(a[1]);
    mk.object = v.hostRoots.size();
    v.hostRoots.push_back(Value::object(obj));
    h.mocks[index] = mk;
    return Value::object(obj);
}

// A thrown value as the error of a mocked attempt.
void thrownAsError(Vm& v, Value e, InterceptedAttempt& r) {
    r.ok = false;
    r.errorName = "Error";
    if (isObjectLike(e)) {
        Value nm = v.getNamed(e, v.names.name), msg = v.getNamed(e, v.names.message);
        if (isString(nm)) r.errorName = std::string(asString(nm)->view());
        if (!msg.isUndefined()) r.errorMessage = toStdString(v, msg);
    } else {
        r.errorMessage = toStdString(v, e);
    }
}

InterceptedAttempt resolveBehaviour(Vm& v, Value b, uint64_t n, int64_t attempt, Value args,
                                    Value call) {
    InterceptedAttempt r;
    if (isCallable(b)) {
        try {
            Value res = v.call(b, Value::undefined(), {args, call});
            if (isType(res, ObjType::Promise)) {
                r.ok = false;
                r.errorName = "MockError";
                r.errorMessage = "a mock function must return a value, not a promise (use "
                                 "{delay} for a slow task)";
            } else {
                r.resultJson = jsonOf(v, res);
            }
        } catch (ThrowSignal&) {
            thrownAsError(v, v.takeException(), r);
        }
        return r;
    }
    if (!isBehaviour(b)) {
        r.resultJson = jsonOf(v, b);
        return r;
    }
    Value delay = v.getNamed(b, "delay");
    int64_t delayMs = delay.isNumber() ? int64_t(delay.asNumber()) : 0;
    Value seq = v.getNamed(b, "sequence");
    if (isArray(seq) && !asArray(seq)->elems.empty()) {
        auto& elems = asArray(seq)->elems;
        Value e = elems[std::min<size_t>(n, elems.size() - 1)];
        r = resolveBehaviour(v, e, n, attempt, args, call);
        if (r.delayMs == 0) r.delayMs = delayMs;
        return r;
    }
    r.delayMs = delayMs;
    Value err = v.getNamed(b, "error");
    Value failTimes = v.getNamed(b, "failTimes");
    bool fails = isString(err) || failTimes.isNumber();
    if (fails && failTimes.isNumber() && double(attempt) > failTimes.asNumber()) fails = false;
    if (fails) {
        r.ok = false;
        r.errorName = isString(err) ? std::string(asString(err)->view()) : "TaskFailed";
        Value msg = v.getNamed(b, "message");
        r.errorMessage = msg.isUndefined()
                             ? "mocked failure (attempt " + std::to_string(attempt) + ")"
                             : toStdString(v, msg);
        return r;
    }
    r.resultJson = jsonOf(v, v.getNamed(b, "returns"));
    return r;
}

void installHandleProto(Harness& h) {
    Vm& v = *h.vm;
    Object* proto = v.newObject();
    h.vm->handleProto = proto;
    static const MethodSpec methods[] = {
        {"status", handleStatus, 0}, {"error", handleError, 0},   {"history", handleHistory, 0},
        {"signal", handleSignal, 2}, {"cancel", handleCancel, 0}, {"waiting", handleWaiting, 0},
    };
    defineMethods(v, proto, methods);
}

} // namespace

std::optional<InterceptedAttempt> Harness::intercept(const AttemptInfo& a) {
    auto it = mocks.find(a.taskIndex);
    if (it == mocks.end()) return std::nullopt;
    Mock& mk = it->second;
    Vm& v = *vm;
    HandleScope hs(v);
    uint64_t n = mk.calls++;
    Value args = jsonValue(v, a.argsJson);
    hs.add(args);
    Object* call = v.newObject();
    Value cv = Value::object(call);
    hs.add(cv);
    v.setNamed(cv, "args", args);
    v.setNamed(cv, "at", Value::number(double(elapsed())));
    v.setNamed(cv, "attempt", Value::number(double(a.attempt)));
    v.setNamed(cv, "runId", Value::object(v.newString(a.runId)));
    v.setNamed(cv, "step", Value::number(double(a.step)));
    Value calls = v.getNamed(v.hostRoots[mk.object], "calls");
    if (isArray(calls)) asArray(calls)->elems.push_back(cv);
    v.runContext().nowMs = clock->nowMs();
    return resolveBehaviour(v, v.hostRoots[mk.behaviour], n, a.attempt, args, cv);
}

void installTestNatives(Harness& h) {
    Vm& v = *h.vm;
    // Roots every allocation until the end (defineMethods allocates a native
    // and then its name: the native must survive that collection).
    Vm::NativeScope scope(v);
    using bytecode::Builtin;
    v.setBuiltin(Builtin::mock, Value::object(v.newNative("mock", mockFn, 2)));
    v.setBuiltin(Builtin::emitted, Value::object(v.newNative("emitted", emittedFn, 1)));
    v.setBuiltin(Builtin::sleep, Value::object(v.newNative("sleep", testSleep, 1)));
    v.setBuiltin(Builtin::sleepUntil, Value::object(v.newNative("sleepUntil", testSleepUntil, 1)));
    Object* clock = v.newObject();
    v.setBuiltin(Builtin::clock, Value::object(clock));
    static const MethodSpec clockMethods[] = {
        {"now", clockNow, 0},
        {"elapsed", clockElapsed, 0},
        {"advance", clockAdvance, 1},
        {"advanceTo", clockAdvanceTo, 1},
        {"runUntilIdle", clockRunUntilIdle, 0},
    };
    defineMethods(v, clock, clockMethods);
    installHandleProto(h);
}

} // namespace flow::engine
