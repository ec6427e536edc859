// Scheduler.cpp — promises and the job queue.
//
// Scheduling order (deterministic, and the same as JS microtasks):
//  - One FIFO queue of jobs. A job is a promise reaction (a then/catch/finally
//    handler, or the resumption of a fiber blocked in `await`), or the
//    adoption of a promise by another (resolve(p, q) with q a promise).
//  - When a promise settles, its reactions are enqueued in the order they
//    were registered. `await v` on a settled promise or a non-promise
//    enqueues the resumption at once, so the continuation always runs after
//    the current synchronous code (JS semantics).
//  - Calling an async function runs its body synchronously, on a new fiber,
//    up to its first await; the caller continues after that.
//  - runJobs() takes jobs from the front until the queue is empty; a job may
//    enqueue more at the back. No job ever runs re-entrantly inside another.
// Tie-breaks are therefore fully determined by program order.
#include "Internal.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Json.h"

namespace flow::vm {

void Vm::triggerReactions(Promise* p) {
    std::vector<Reaction> rs;
    rs.swap(p->reactions);
    bool rejected = p->state == PromiseState::Rejected;
    for (auto& r : rs) {
        Job j;
        if (r.kind == Reaction::Kind::Await) {
            j.kind = Job::Kind::Resume;
            j.fiber = r.fiber;
        } else {
            j.kind = Job::Kind::Reaction;
            j.reaction = r;
        }
        j.argument = p->result;
        j.rejected = rejected;
        enqueue(j);
    }
}

void Vm::fulfillPromise(Promise* p, Value v) {
    if (p->state != PromiseState::Pending) return;
    p->state = PromiseState::Fulfilled;
    p->result = v;
    triggerReactions(p);
}

void Vm::rejectPromise(Promise* p, Value v) {
    if (p->state != PromiseState::Pending) return;
    p->state = PromiseState::Rejected;
    p->result = v;
    if (!p->handled) rejected_.push_back(p);
    triggerReactions(p);
}

void Vm::resolvePromise(Promise* p, Value v) {
    if (p->state != PromiseState::Pending) return;
    if (v.isObject() && v.asObject() == p) {
        rejectPromise(p, Value::object(newError(ErrorKind::TypeError,
                                                "Chaining cycle detected for promise")));
        return;
    }
    if (isType(v, ObjType::Promise)) {
        // NewPromiseResolveThenableJob: adopt q's state one job later.
        Job j;
        j.kind = Job::Kind::ResolveThenable;
        j.promise = p;
        j.argument = v;
        enqueue(j);
        return;
    }
    fulfillPromise(p, v);
}

Promise* Vm::promiseThen(Promise* p, Value onFulfilled, Value onRejected) {
    HandleScope hs(*this);
    hs.add(Value::object(p));
    Promise* derived = newPromise();
    hs.add(Value::object(derived));
    Reaction r;
    r.kind = Reaction::Kind::Then;
    r.derived = derived;
    r.onFulfilled = isCallable(onFulfilled) ? onFulfilled : Value::undefined();
    r.onRejected = isCallable(onRejected) ? onRejected : Value::undefined();
    p->handled = true;
    if (p->state == PromiseState::Pending) {
        p->reactions.push_back(r);
    } else {
        Job j;
        j.kind = Job::Kind::Reaction;
        j.reaction = r;
        j.argument = p->result;
        j.rejected = p->state == PromiseState::Rejected;
        enqueue(j);
    }
    return derived;
}

Promise* Vm::promiseResolve(Value v) {
    if (isType(v, ObjType::Promise)) return asPromise(v);
    HandleScope hs(*this);
    hs.add(v);
    Promise* p = newPromise();
    fulfillPromise(p, v);
    return p;
}

void Vm::resumeFiber(Fiber* f, Value v, bool threw) {
    if (f->state != FiberState::Suspended) return;
    if (f->yielded) {
        // Stopped at a back-edge (hard-snapshot mode, a time slice): no
        // awaited value; an interruption throws there (interruptStopped).
        f->yielded = false;
        if (threw) {
            exception_ = v;
            // The fiber stopped before the instruction at pc (the loop's
            // next iteration); the unwinder looks up handlers at pc - 1, the
            // instruction a thrower is in (Interpreter.cpp, rule 2).
            ++f->frames.back().pc;
        }
        execute(f, nullptr, threw);
        return;
    }
    if (threw) {
        exception_ = v;
        execute(f, nullptr, true);
    } else {
        f->stack[f->awaitSlot] = v;
        execute(f, nullptr, false);
    }
}

void Vm::runJob(Job& j) {
    switch (j.kind) {
    case Job::Kind::Resume:
        resumeFiber(j.fiber, j.argument, j.rejected);
        return;
    case Job::Kind::ResolveThenable: {
        auto* q = asPromise(j.argument);
        Reaction r;
        r.kind = Reaction::Kind::Then;
        r.derived = j.promise; // pass-through: j.promise takes q's outcome
        q->handled = true;
        if (q->state == PromiseState::Pending) {
            q->reactions.push_back(r);
        } else {
            Job k;
            k.kind = Job::Kind::Reaction;
            k.reaction = r;
            k.argument = q->result;
            k.rejected = q->state == PromiseState::Rejected;
            enqueue(k);
        }
        return;
    }
    case Job::Kind::Reaction: {
        Reaction& r = j.reaction;
        Value handler = j.rejected ? r.onRejected : r.onFulfilled;
        auto* derived = static_cast<Promise*>(r.derived);
        if (!isCallable(handler)) {
            if (derived) {
                if (j.rejected)
                    rejectPromise(derived, j.argument);
                else
                    resolvePromise(derived, j.argument);
            }
            return;
        }
        try {
            Value v = call(handler, Value::undefined(), {j.argument});
            if (derived) resolvePromise(derived, v);
        } catch (ThrowSignal&) {
            Value e = exception_;
            exception_ = Value::undefined();
            if (derived) rejectPromise(derived, e);
        }
        return;
    }
    }
}

void Vm::runJobs() {
    while (!sliceEnded_ && runOneJob()) {
    }
}

bool Vm::interruptStopped(std::string_view name, std::string_view message) {
    bool any = false;
    for (Job& j : jobs_) {
        if (j.kind != Job::Kind::Resume || !j.fiber || !j.fiber->yielded || j.rejected) continue;
        j.argument = Value::object(newNamedError(std::string(name), std::string(message)));
        j.rejected = true;
        any = true;
    }
    return any;
}

std::optional<std::pair<uint32_t, uint32_t>> Vm::stoppedAt() const {
    for (const Job& j : jobs_) {
        if (j.kind != Job::Kind::Resume || !j.fiber || !j.fiber->yielded) continue;
        if (j.fiber->frames.empty()) continue;
        const Frame& fr = j.fiber->frames.back(); // pc: the instruction it goes on with
        return std::make_pair(fr.closure->fnIndex, fr.pc);
    }
    return std::nullopt;
}

void Vm::armSlice(std::chrono::steady_clock::time_point deadline) {
    sliceDeadline_ = deadline;
    sliceArmed_ = backEdgeStops_ = true;
    sliceDue_ = sliceEnded_ = false;
    sliceCountdown_ = kSliceCheck;
}

std::optional<Value> Vm::takeUnhandledRejection() {
    std::optional<Value> out;
    for (Promise* p : rejected_) {
        if (!p->handled) {
            out = p->result;
            break;
        }
    }
    rejected_.clear();
    return out;
}

// `start wf(args) with options`: a child run is a host operation (the host
// creates and drives the run); the handle { runId, result } is available at
// once, its id derived from this run's id and the step, so it is the same
// after a resume.
Value Vm::startRun(Value workflow, Value args, Value options) {
    if (!isType(workflow, ObjType::Workflow))
        throwError(ErrorKind::TypeError, describe(*this, workflow) + " is not a workflow");
    auto* w = static_cast<WorkflowRef*>(workflow.asObject());
    HandleScope hs(*this);
    std::string childId = run_.runId + "." + std::to_string(run_.nextOpId);
    std::string json = "{\"runId\":";
    quoteJsonString(json, childId);
    json += ",\"workflow\":";
    quoteJsonString(json, module_->str(module_->workflows[w->index].name));
    std::optional<std::string> a =
        stringifyHostJson(*this, isArray(args) ? args : Value::undefined());
    json += ",\"args\":" + (a ? *a : std::string("[]"));
    std::optional<std::string> o =
        isObjectLike(options) ? stringifyHostJson(*this, options) : std::nullopt;
    json += ",\"options\":" + (o ? *o : std::string("{}")) + "}";
    HostOp& op = addOp(OpKind::Child, w->index, std::move(json));
    Promise* result = op.promise;
    hs.add(Value::object(result));
    Object* handle = handleProto ? alloc<Object>(handleProto) : newObject();
    hs.add(Value::object(handle));
    // Each allocation may collect: the keys are interned (kept forever) and
    // the id string is rooted before the next allocation.
    String* runIdKey = intern("runId");
    String* resultKey = intern("result");
    String* id = newString(childId);
    hs.add(Value::object(id));
    handle->setOwn(runIdKey, Value::object(id));
    handle->setOwn(resultKey, Value::object(result));
    return Value::object(handle);
}

} // namespace flow::vm
