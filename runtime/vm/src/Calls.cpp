// Calls.cpp — calling values: frames for closures, fibers for async
// functions, argument buffers for natives, and the host entry (Vm::call).
#include <cstring>

#include "Internal.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Json.h"

namespace flow::vm {

// A task call is a host operation: its arguments become the JSON object
// {param: value} the executable reads on stdin (or the http body); the caller
// gets the op's promise, settled by the host with the task's result.
Value callTask(Vm& vm, TaskRef* t, std::span<const Value> args) {
    const bytecode::Module& m = vm.module();
    const bytecode::TaskDecl& d = m.tasks[t->index];
    HandleScope hs(vm);
    Object* obj = vm.newObject();
    hs.add(Value::object(obj));
    for (size_t i = 0; i < d.params.size(); ++i)
        obj->setOwn(vm.intern(m.str(d.params[i])), i < args.size() ? args[i] : Value::undefined());
    std::optional<std::string> json = stringifyHostJson(vm, Value::object(obj));
    std::string req = "{\"args\":" + (json ? *json : std::string("{}")) + "}";
    HostOp& op = vm.addOp(OpKind::Task, t->index, std::move(req));
    return Value::object(op.promise);
}

// Pushes a frame for `c` on `f`. The arguments are read through `argAt`
// after the stack is resized, so they may live in f's own stack.
template <class ArgAt>
static void pushFrameImpl(Vm& vm, uint32_t& callDepth, Fiber* f, Closure* c, Value thisValue,
                          uint32_t argc, ArgAt argAt, uint32_t retSlot, bool returnToHost) {
    if (callDepth >= kMaxCallDepth)
        vm.throwError(ErrorKind::RangeError, "Maximum call stack size exceeded");
    const bytecode::Function& fn = *c->fn;
    uint32_t base = 0;
    if (!f->frames.empty()) base = f->frames.back().base + f->frames.back().closure->fn->frameSize;
    // +4: the interpreter's call fast path fills registers four at a time.
    size_t need = size_t(base) + fn.frameSize + 4;
    if (f->stack.size() < need) {
        size_t cap = f->stack.size() < 64 ? 64 : f->stack.size();
        while (cap < need)
            cap *= 2;
        f->stack.resize(cap, Value::undefined());
    }
    Value* regs = f->stack.data() + base;
    uint32_t n = argc < fn.numParams ? argc : fn.numParams;
    for (uint32_t i = 0; i < n; ++i)
        regs[i] = argAt(i);
    for (uint32_t i = n; i < fn.frameSize; ++i)
        regs[i] = Value::undefined();
    Frame fr;
    fr.closure = c;
    fr.base = base;
    fr.pc = 0;
    fr.thisValue = fn.kind == bytecode::FunctionKind::Arrow ? c->boundThis : thisValue;
    fr.retSlot = retSlot;
    fr.returnToHost = returnToHost;
    f->frames.push_back(fr);
    ++callDepth;
    if (fn.hasRest) {
        // The frame is pushed (its registers are roots) before allocating.
        Array* rest = vm.newArray(argc > fn.numParams ? argc - fn.numParams : 0);
        f->stack[base + fn.numParams] = Value::object(rest);
        for (uint32_t i = fn.numParams; i < argc; ++i)
            rest->elems.push_back(argAt(i));
    }
}

void pushFrameFromStack(Vm& vm, uint32_t& callDepth, Fiber* f, Closure* c, Value thisValue,
                        uint32_t argStart, uint32_t argc, uint32_t retSlot) {
    pushFrameImpl(
        vm, callDepth, f, c, thisValue, argc,
        [f, argStart](uint32_t i) { return f->stack[argStart + i]; }, retSlot, false);
}

void pushFrameFromSpan(Vm& vm, uint32_t& callDepth, Fiber* f, Closure* c, Value thisValue,
                       std::span<const Value> args, uint32_t retSlot, bool returnToHost) {
    pushFrameImpl(
        vm, callDepth, f, c, thisValue, uint32_t(args.size()),
        [args](uint32_t i) { return args[i]; }, retSlot, returnToHost);
}

Fiber* Vm::newAsyncFiber(Closure* c, Value thisValue, std::span<const Value> args) {
    HandleScope hs(*this);
    Fiber* f = alloc<Fiber>();
    hs.add(Value::object(f));
    f->id = nextFiberId_++;
    f->promise = newPromise();
    // The fiber's frames do not count until it runs (execute adds them).
    uint32_t depth = callDepth_;
    pushFrameFromSpan(*this, depth, f, c, thisValue, args, 0, false);
    return f;
}

Value Vm::callClosure(Closure* c, Value thisValue, std::span<const Value> args) {
    if (nativeDepth_ >= kMaxNativeReentry)
        throwError(ErrorKind::RangeError, "Maximum call stack size exceeded");
    // Every call from C++ into Flow nests execute() on the C++ stack — from a
    // native (map callback) or from the interpreter itself (toString through
    // toPrimitive in a template) — so this, not callNative, is what counts
    // toward kMaxNativeReentry. Counting only natives let `${o}` with a
    // recursive toString nest until the 10,000-frame limit, which overflows the
    // C++ stack in sanitizer builds.
    struct Nest {
        uint32_t& depth;
        explicit Nest(uint32_t& d) : depth(d) { ++depth; }
        ~Nest() { --depth; }
    } nest(nativeDepth_);
    if (c->fn->isAsync) {
        Fiber* f = newAsyncFiber(c, thisValue, args);
        HandleScope hs(*this);
        hs.add(Value::object(f));
        execute(f, nullptr, false);
        return Value::object(f->promise);
    }
    Fiber* f = running_.empty() ? hostFiber_ : running_.back();
    pushFrameFromSpan(*this, callDepth_, f, c, thisValue, args, 0, true);
    Value out;
    execute(f, &out, false);
    return out;
}

Value Vm::callNative(NativeFunction* n, Value thisValue, std::span<const Value> args,
                     bool construct) {
    if (nativeDepth_ >= kMaxNativeReentry)
        throwError(ErrorKind::RangeError, "Maximum call stack size exceeded");
    // Copy `this` and the arguments into a buffer that does not move (the
    // caller's registers may, if the native calls back into Flow).
    Value small[9];
    std::vector<Value> big;
    Value* buf = small;
    if (args.size() + 1 > 9) {
        big.resize(args.size() + 1);
        buf = big.data();
    }
    buf[0] = thisValue;
    for (size_t i = 0; i < args.size(); ++i)
        buf[i + 1] = args[i];
    struct Restore {
        Vm& vm;
        bool construct;
        ~Restore() {
            vm.rootRanges_.pop_back();
            vm.constructCall_ = construct;
        }
    };
    rootRanges_.push_back(std::span<const Value>(buf, args.size() + 1));
    Restore restore{*this, constructCall_};
    constructCall_ = construct;
    NativeScope scope(*this);
    Args a;
    a.thisValue = buf[0];
    a.argv = buf + 1;
    a.argc = uint32_t(args.size());
    return n->fn(*this, a, n);
}

Value Vm::call(Value fn, Value thisValue, std::span<const Value> args) {
    Value r = callAny(fn, thisValue, args);
    // A native calling back into Flow gets a result nothing else roots (the
    // callee's frame is gone): keep it alive until the native returns.
    if (autoRoot_) handles_.push_back(r);
    return r;
}

Value Vm::callAny(Value fn, Value thisValue, std::span<const Value> args) {
    if (fn.isObject()) {
        switch (fn.asObject()->type) {
        case ObjType::Closure:
            return callClosure(static_cast<Closure*>(fn.asObject()), thisValue, args);
        case ObjType::Native:
            return callNative(static_cast<NativeFunction*>(fn.asObject()), thisValue, args, false);
        case ObjType::Task:
            return callTask(*this, static_cast<TaskRef*>(fn.asObject()), args);
        case ObjType::Workflow: {
            auto* w = static_cast<WorkflowRef*>(fn.asObject());
            HandleScope hs(*this);
            Closure* c = instantiate(module_->workflows[w->index].function);
            hs.add(Value::object(c));
            return callClosure(c, Value::undefined(), args);
        }
        default:
            break;
        }
    }
    throwError(ErrorKind::TypeError, describe(*this, fn) + " is not a function");
}

} // namespace flow::vm
