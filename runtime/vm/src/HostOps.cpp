// HostOps.cpp — the run's requests to its host (Vm.h HostOp): creating them,
// handing them over, and settling them; plus the run's entry for a host that
// drives it step by step (startWorkflow, runOneJob).
#include <cmath>

#include "Internal.h"
#include "flow/vm/Json.h"

namespace flow::vm {

const char* opKindName(OpKind k) {
    switch (k) {
    case OpKind::Task:
        return "task";
    case OpKind::Timer:
        return "timer";
    case OpKind::Signal:
        return "signal";
    case OpKind::Event:
        return "event";
    case OpKind::Emit:
        return "emit";
    case OpKind::Child:
        return "child";
    case OpKind::Send:
        return "send";
    }
    return "?";
}

HostOp& Vm::addOp(OpKind kind, uint32_t index, std::string json) {
    Promise* p = newPromise();
    HostOp op;
    op.id = run_.nextOpId++;
    op.kind = kind;
    op.index = index;
    op.json = std::move(json);
    op.promise = p;
    // The calling frame saved its pc before the call (PROTECT): it names the
    // instruction after the call, which lineOf maps back to the call's line.
    for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
        if (!(*it)->frames.empty()) {
            const Frame& fr = (*it)->frames.back();
            op.fnIndex = fr.closure->fnIndex;
            op.pc = fr.pc ? fr.pc - 1 : 0;
            break;
        }
    }
    auto [it, inserted] = ops_.emplace(op.id, std::move(op));
    (void)inserted;
    return it->second;
}

std::vector<uint64_t> Vm::takeNewOps() {
    std::vector<uint64_t> out;
    for (auto& [id, op] : ops_) {
        if (!op.taken) {
            op.taken = true;
            out.push_back(id);
        }
    }
    return out;
}

const HostOp* Vm::findOp(uint64_t id) const {
    auto it = ops_.find(id);
    return it == ops_.end() ? nullptr : &it->second;
}

Object* Vm::newNamedError(std::string_view name, std::string_view message) {
    for (int i = 0; i < 5; ++i)
        if (names.errorNames[i]->view() == name) return newError(ErrorKind(i), message);
    return newErrorWithProto(errorProtos[0], name, message);
}

bool Vm::completeOp(uint64_t id, bool ok, std::string_view json) {
    if (!ops_.count(id)) return false;
    HandleScope hs(*this);
    std::string err;
    std::optional<Value> v = parseJson(*this, json.empty() ? "null" : json, &err);
    if (!v) {
        ok = false;
        v = Value::object(newNamedError("InvalidOutput", "the host's result is not JSON: " + err));
    } else if (!ok) {
        // {"name", "message", ...}: an Error with the extra fields as own,
        // enumerable properties (status, attempts, exitCode...).
        hs.add(*v);
        std::string name = "Error", message;
        if (isObjectLike(*v) && !isArray(*v)) {
            Value n = getNamed(*v, names.name), m = getNamed(*v, names.message);
            if (isString(n)) name = std::string(asString(n)->view());
            if (isString(m)) message = std::string(asString(m)->view());
        }
        Object* e = newNamedError(name, message);
        hs.add(Value::object(e));
        if (isObjectLike(*v) && !isArray(*v)) {
            for (String* k : asObj(*v)->ownKeys()) {
                if (k->equals(names.name) || k->equals(names.message)) continue;
                e->setOwn(k, *asObj(*v)->findOwn(k));
            }
        }
        v = Value::object(e);
    }
    hs.add(*v);
    return completeOpValue(id, ok, *v);
}

bool Vm::completeOpValue(uint64_t id, bool ok, Value v) {
    auto it = ops_.find(id);
    if (it == ops_.end()) return false;
    Promise* p = it->second.promise;
    ops_.erase(it);
    HandleScope hs(*this);
    hs.add(Value::object(p));
    hs.add(v);
    if (ok)
        resolvePromise(p, v);
    else
        rejectPromise(p, v);
    return true;
}

std::string Vm::sourceLine(uint32_t fnIndex, uint32_t pc) const {
    if (fnIndex >= module_->functions.size()) return "";
    const auto& fn = module_->functions[fnIndex];
    std::string file =
        fn.source < module_->sources.size() ? module_->str(module_->sources[fn.source].path) : "?";
    return file + ":" + std::to_string(lineOf(fnIndex, pc));
}

Promise* Vm::startWorkflow(uint32_t index, std::span<const Value> args) {
    Promise* p = startFunction(module_->workflows[index].function, args);
    mainPromise_ = p;
    return p;
}

Promise* Vm::startTest(uint32_t testIndex) {
    return startFunction(module_->tests[testIndex].function, {});
}

Promise* Vm::startFunction(uint32_t fnIndex, std::span<const Value> args) {
    HandleScope hs(*this);
    Closure* c = instantiate(fnIndex);
    hs.add(Value::object(c));
    Value result;
    struct HostStart {
        bool& flag;
        explicit HostStart(bool& f) : flag(f) { flag = true; }
        ~HostStart() { flag = false; }
    } hostStart(hostStart_);
    try {
        result = call(Value::object(c), Value::undefined(), args);
    } catch (ThrowSignal&) {
        // A workflow body is async: a throw before its first await already
        // rejects its promise, so this is only reached for internal errors.
        Promise* p = newPromise();
        rejectPromise(p, takeException());
        result = Value::object(p);
    }
    Promise* p = promiseResolve(result);
    p->handled = true; // the outcome is reported by the host, not as unhandled
    return p;
}

void Vm::setRunId(std::string_view runId) {
    run_.runId = std::string(runId);
    // splitmix64 over FNV-1a of the id: a well-mixed, non-zero seed.
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : runId)
        h = (h ^ c) * 1099511628211ull;
    for (uint64_t& s : run_.rng) {
        h += 0x9E3779B97F4A7C15ull;
        uint64_t z = h;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        s = z ^ (z >> 31);
    }
    if (run_.rng[0] == 0 && run_.rng[1] == 0) run_.rng[0] = 1;
}

bool Vm::runOneJob() {
    if (jobs_.empty()) return false;
    Job j = jobs_.front();
    jobs_.front() = Job{Job::Kind::Resume, {}, Value::undefined(), false, nullptr, nullptr};
    HandleScope hs(*this);
    hs.add(j.argument);
    hs.add(Value::object(j.reaction.derived));
    hs.add(j.reaction.onFulfilled);
    hs.add(j.reaction.onRejected);
    if (j.fiber) hs.add(Value::object(j.fiber));
    if (j.promise) hs.add(Value::object(j.promise));
    jobs_.pop_front();
    runJob(j);
    return true;
}

} // namespace flow::vm
