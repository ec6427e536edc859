// Vm.cpp — construction, module loading, allocation helpers, errors and
// stack traces, and the top-level run entry points.
#include "flow/vm/Vm.h"

#include <cstdio>

#include "flow/vm/Convert.h"
#include "flow/vm/Natives.h"
#include "flow/vm/Unicode.h"

namespace flow::vm {

namespace {
const char* const kErrorNames[5] = {"Error", "TypeError", "RangeError", "ReferenceError",
                                    "SyntaxError"};
} // namespace

const bytecode::Module Vm::kNoModule{};

Vm::Vm(VmOptions opts) : opts_(std::move(opts)) {
    if (!opts_.out)
        opts_.out = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); };
    if (!opts_.err)
        opts_.err = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stderr); };
    backEdgeStops_ = opts_.yieldAtBackEdges;
    builtins_.assign(bytecode::kBuiltinCount, Value::undefined());
    // Interned names first: everything below may use them.
    names.length = intern("length");
    names.prototype = intern("prototype");
    names.name = intern("name");
    names.message = intern("message");
    names.stack = intern("stack");
    names.constructor = intern("constructor");
    names.toString = intern("toString");
    names.valueOf = intern("valueOf");
    names.then = intern("then");
    names.empty = intern("");
    names.undefined = intern("undefined");
    names.null = intern("null");
    names.true_ = intern("true");
    names.false_ = intern("false");
    names.number = intern("number");
    names.string = intern("string");
    names.boolean = intern("boolean");
    names.object = intern("object");
    names.function = intern("function");
    for (int i = 0; i < 5; ++i)
        names.errorNames[i] = intern(kErrorNames[i]);
    // Prototypes are plain objects until the installers fill them.
    objectProto = alloc<Object>(nullptr);
    functionProto = alloc<Object>(objectProto);
    arrayProto = alloc<Object>(objectProto);
    stringProto = alloc<Object>(objectProto);
    numberProto = alloc<Object>(objectProto);
    booleanProto = alloc<Object>(objectProto);
    promiseProto = alloc<Object>(objectProto);
    iteratorProto = alloc<Object>(objectProto);
    errorProtos[0] = alloc<Object>(objectProto);
    for (int i = 1; i < 5; ++i)
        errorProtos[i] = alloc<Object>(errorProtos[0]);
    for (int i = 0; i < 5; ++i) {
        errorProtos[i]->setHidden(names.name, Value::object(names.errorNames[i]));
        errorProtos[i]->setHidden(names.message, Value::object(names.empty));
    }
    hostFiber_ = alloc<Fiber>();
    hostFiber_->id = nextFiberId_++;
    // Always "running": frames pushed on it count in callDepth_ as they come.
    hostFiber_->state = FiberState::Running;
    installNatives();
}

Vm::~Vm() {
    HeapObject* o = objects_;
    while (o) {
        HeapObject* n = o->next;
        delete o;
        o = n;
    }
}

void Vm::installNatives() {
    size_t n = 0;
    const NativeInstallerEntry* table = nativeInstallers(n);
    for (size_t i = 0; i < n; ++i) {
        NativeScope scope(*this);
        table[i].install(*this);
    }
}

String* Vm::intern(std::string_view s) {
    if (auto it = internIndex_.find(s); it != internIndex_.end()) return it->second;
    String* str = newString(std::string(s));
    interned_.push_back(str);
    internIndex_.emplace(str->view(), str);
    return str;
}

String* Vm::concat(String* a, String* b) {
    if (a->data.size() + b->data.size() > opts_.maxStringBytes)
        throwError(ErrorKind::RangeError, "Invalid string length");
    std::string s;
    s.reserve(a->data.size() + b->data.size());
    s += a->data;
    s += b->data;
    bytesSinceGc_ += s.size();
    // A lead surrogate at the end of a meeting a trail surrogate at the start
    // of b must merge into one code point: let the scanning constructor do it.
    bool maySplit = !a->ascii && !b->ascii && a->data.size() >= 3 && b->data.size() >= 3 &&
                    uint8_t(a->data[a->data.size() - 3]) == 0xED && uint8_t(b->data[0]) == 0xED;
    if (maySplit) return alloc<String>(std::move(s));
    return alloc<String>(std::move(s), a->length16 + b->length16, a->ascii && b->ascii);
}

String* Vm::newString(std::string s) {
    if (s.size() > opts_.maxStringBytes) throwError(ErrorKind::RangeError, "Invalid string length");
    bytesSinceGc_ += s.size();
    return alloc<String>(std::move(s));
}

String* Vm::newStringFromUnits(std::u16string_view units) {
    return newString(fromUnits(units));
}

Array* Vm::newArray(size_t reserve) {
    Array* a = alloc<Array>(arrayProto);
    if (reserve) a->elems.reserve(reserve < 1024 ? reserve : 1024);
    return a;
}

NativeFunction* Vm::newNative(std::string_view name, NativeFn fn, uint8_t arity) {
    String* n = newString(name);
    return alloc<NativeFunction>(functionProto, fn, n, arity);
}

Promise* Vm::newPromise() {
    Promise* p = alloc<Promise>(promiseProto);
    p->id = nextPromiseId_++;
    return p;
}

Object* Vm::newErrorWithProto(Object* proto, std::string_view name, std::string_view message) {
    bool saved = autoRoot_;
    autoRoot_ = true; // several allocations below: keep each alive
    size_t mark = handles_.size();
    Object* e = alloc<Object>(proto);
    Value protoName = getNamed(Value::object(proto), names.name);
    if (!isString(protoName) || asString(protoName)->view() != name)
        e->setHidden(names.name, Value::object(alloc<String>(std::string(name))));
    // The VM's own strings skip the length limit (an error about the limit
    // must not hit it again).
    e->setHidden(names.message, Value::object(alloc<String>(std::string(message))));
    std::string stack(name);
    if (!message.empty()) stack += ": " + std::string(message);
    stack += stackTrace();
    e->setHidden(names.stack, Value::object(alloc<String>(std::move(stack))));
    handles_.resize(mark);
    autoRoot_ = saved;
    if (autoRoot_) handles_.push_back(Value::object(e));
    return e;
}

Object* Vm::newError(ErrorKind kind, std::string_view message) {
    return newErrorWithProto(errorProtos[int(kind)], kErrorNames[int(kind)], message);
}

void Vm::throwValue(Value v) {
    exception_ = v;
    throw ThrowSignal{};
}

void Vm::throwError(ErrorKind kind, std::string_view message) {
    throwValue(Value::object(newError(kind, message)));
}

uint32_t Vm::lineOf(uint32_t fnIndex, uint32_t pc) const {
    if (fnIndex >= module_->functions.size()) return 0;
    uint32_t line = module_->functions[fnIndex].line;
    for (auto& e : module_->functions[fnIndex].lines) {
        if (e.pc > pc) break;
        line = e.line;
    }
    return line;
}

namespace {
uint32_t lineAt(const bytecode::Function& fn, uint32_t pc, uint32_t* col) {
    uint32_t line = fn.line;
    *col = fn.column;
    for (auto& e : fn.lines) {
        if (e.pc > pc) break;
        line = e.line;
        *col = e.column;
    }
    return line;
}
} // namespace

std::string Vm::stackTrace() const {
    // V8 keeps 10 frames (Error.stackTraceLimit); so do we.
    constexpr int kLimit = 10;
    std::string out;
    int n = 0;
    const Fiber* f = running_.empty() ? nullptr : running_.back();
    for (; f && n < kLimit; f = f->resumer) {
        for (auto it = f->frames.rbegin(); it != f->frames.rend() && n < kLimit; ++it, ++n) {
            const bytecode::Function& fn = *it->closure->fn;
            std::string name = module_->strings.empty() ? "" : module_->str(fn.name);
            if (fn.kind == bytecode::FunctionKind::Init)
                name = "<top-level>";
            else if (name.empty())
                name = "<anonymous>";
            if (fn.isAsync && fn.kind != bytecode::FunctionKind::Workflow) name = "async " + name;
            uint32_t col;
            uint32_t line = lineAt(fn, it->pc ? it->pc - 1 : 0, &col);
            std::string file = fn.source < module_->sources.size()
                                   ? module_->str(module_->sources[fn.source].path)
                                   : "?";
            out += "\n    at " + name + " (" + file + ":" + std::to_string(line) + ")";
        }
    }
    return out;
}

// ---- loading

void Vm::load(bytecode::Module m) {
    load(std::make_shared<const bytecode::Module>(std::move(m)));
}

void Vm::load(std::shared_ptr<const bytecode::Module> m) {
    modulePtr_ = std::move(m);
    module_ = modulePtr_.get();
    NativeScope scope(*this);
    constants_.clear();
    constants_.resize(module_->functions.size());
    modVars_.assign(module_->modVars.size(), Value::uninit());
    for (uint32_t i = 0; i < module_->tasks.size(); ++i)
        modVars_[module_->tasks[i].modVar] = Value::object(alloc<TaskRef>(functionProto, i));
    for (uint32_t i = 0; i < module_->workflows.size(); ++i)
        modVars_[module_->workflows[i].modVar] =
            Value::object(alloc<WorkflowRef>(functionProto, i));
}

void Vm::ensureConstants(uint32_t fnIndex) {
    const auto& ks = module_->functions[fnIndex].constants;
    auto& out = constants_[fnIndex];
    if (out.size() == ks.size()) return;
    NativeScope scope(*this);
    // Each element is pushed as soon as it exists: constants_ is a root, so
    // a collection caused by the next string finds the earlier ones.
    out.reserve(ks.size());
    for (size_t k = out.size(); k < ks.size(); ++k) {
        if (ks[k].type == bytecode::Constant::Type::Number) {
            out.push_back(Value::compact(ks[k].number));
        } else {
            String* str = newString(module_->str(ks[k].string));
            out.push_back(Value::object(str));
        }
    }
}

Closure* Vm::instantiate(uint32_t fnIndex) {
    ensureConstants(fnIndex);
    return alloc<Closure>(functionProto, fnIndex, &module_->functions[fnIndex]);
}

Completion Vm::runInits() {
    for (uint32_t fi : module_->inits) {
        try {
            Closure* c;
            {
                NativeScope scope(*this);
                c = instantiate(fi);
                handles_.push_back(Value::object(c));
            }
            HandleScope hs(*this);
            hs.add(Value::object(c));
            call(Value::object(c), Value::undefined(), std::span<const Value>());
            runJobs();
            if (auto r = takeUnhandledRejection()) return {false, *r};
        } catch (ThrowSignal&) {
            Value e = exception_;
            exception_ = Value::undefined();
            return {false, e};
        }
    }
    return {true, Value::undefined()};
}

Completion Vm::runWorkflow(uint32_t index, std::span<const Value> args) {
    HandleScope hs(*this);
    Value result;
    try {
        Closure* c = instantiate(module_->workflows[index].function);
        hs.add(Value::object(c));
        result = call(Value::object(c), Value::undefined(), args);
        hs.add(result);
        // The workflow's own outcome is reported below, not as unhandled.
        if (isType(result, ObjType::Promise)) asPromise(result)->handled = true;
        runJobs();
        if (auto r = takeUnhandledRejection()) return {false, *r};
    } catch (ThrowSignal&) {
        Value e = exception_;
        exception_ = Value::undefined();
        return {false, e};
    }
    if (isType(result, ObjType::Promise)) {
        Promise* p = asPromise(result);
        if (p->state == PromiseState::Fulfilled) return {true, p->result};
        if (p->state == PromiseState::Rejected) return {false, p->result};
        Object* e =
            newErrorWithProto(errorProtos[0], "Deadlock",
                              "the workflow is waiting on a promise that nothing can settle");
        return {false, Value::object(e)};
    }
    return {true, result};
}

} // namespace flow::vm
