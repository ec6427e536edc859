// Gc.cpp — the tracing mark-sweep collector and its roots.
//
// Roots: module constants and variables, builtin globals and prototypes,
// interned names, HandleScope/NativeScope handles, the pending exception, the
// job queue (promise reactions and fibers to resume), the fibers being run
// (each traces its register stack, frames and resumer) and the host fiber.
// Suspended fibers are reachable through the promise reactions that will
// resume them; a fiber waiting on a promise nobody can settle is garbage.
#include <algorithm>

#include "flow/vm/Vm.h"

namespace flow::vm {

HandleScope::HandleScope(Vm& vm) : vm_(vm), mark_(vm.handles_.size()) {}
HandleScope::~HandleScope() {
    // Inside a native (auto-rooting on), the handles above the mark also hold
    // objects the native allocated: the enclosing NativeScope drops them all
    // when the native returns.
    if (!vm_.autoRoot_) vm_.handles_.resize(mark_);
}
size_t HandleScope::add(Value v) {
    vm_.handles_.push_back(v);
    return vm_.handles_.size() - 1;
}
Value HandleScope::get(size_t slot) const {
    return vm_.handles_[slot];
}
void HandleScope::set(size_t slot, Value v) {
    vm_.handles_[slot] = v;
}

void Vm::maybeCollect() {
    if (collecting_) return;
    if (opts_.gcStress || ++sinceGc_ >= gcThreshold_ || bytesSinceGc_ >= gcByteThreshold_)
        collectGarbage();
}

void Vm::markRoots(Tracer& t) {
    for (auto& consts : constants_)
        for (Value v : consts)
            t.mark(v);
    for (Value v : modVars_)
        t.mark(v);
    for (Value v : builtins_)
        t.mark(v);
    for (Value v : handles_)
        t.mark(v);
    for (auto r : rootRanges_)
        for (Value v : r)
            t.mark(v);
    for (String* s : interned_)
        t.mark(s);
    Object* protos[] = {objectProto, functionProto, arrayProto,   stringProto,
                        numberProto, booleanProto,  promiseProto, iteratorProto};
    for (Object* p : protos)
        t.mark(p);
    if (handleProto) t.mark(handleProto);
    for (Value v : hostRoots)
        t.mark(v);
    for (Object* p : errorProtos)
        t.mark(p);
    t.mark(exception_);
    for (Promise* p : rejected_)
        t.mark(p);
    t.mark(hostFiber_);
    t.mark(mainPromise_);
    for (auto& [id, op] : ops_)
        t.mark(op.promise);
    for (Fiber* f : running_)
        t.mark(f);
    for (auto& j : jobs_) {
        t.mark(j.reaction.derived);
        t.mark(j.reaction.onFulfilled);
        t.mark(j.reaction.onRejected);
        t.mark(j.reaction.fiber);
        t.mark(j.argument);
        t.mark(j.fiber);
        t.mark(j.promise);
    }
}

void Vm::collectGarbage() {
    collecting_ = true;
    Tracer t;
    markRoots(t);
    while (!t.gray.empty()) {
        HeapObject* o = t.gray.back();
        t.gray.pop_back();
        o->trace(t);
    }
    size_t live = 0, liveBytes = 0;
    HeapObject** link = &objects_;
    while (HeapObject* o = *link) {
        if (o->marked) {
            o->marked = false;
            link = &o->next;
            ++live;
            if (o->type == ObjType::String) liveBytes += static_cast<String*>(o)->data.size();
        } else {
            *link = o->next;
            delete o;
        }
    }
    liveCount_ = live;
    ++gcCount_;
    sinceGc_ = 0;
    // Collect again after allocating as many objects as survived (at least
    // 100k): amortized O(1) per allocation.
    gcThreshold_ = live < 100000 ? 100000 : live;
    bytesSinceGc_ = 0;
    // String bytes: collect once as much again as is live has been allocated
    // (at least 4 MB). Dead strings piling up to a fixed 64 MB made string
    // building spend half its time in malloc/free of cold memory.
    gcByteThreshold_ = std::max(size_t(4) << 20, 2 * liveBytes);
    collecting_ = false;
}

} // namespace flow::vm
