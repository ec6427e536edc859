// SnapshotWriter.cpp — takeSnapshot: numbers every object reachable from the
// run's roots and writes them, then the VM's own state (docs/snapshots.md).
//
// Objects the Vm's constructor created (prototypes, builtin natives, Math...)
// exist in every fresh Vm: they are written as a boot id, plus a full record
// only when user code changed them (Array.prototype.foo = ...). Boot ids come
// from allocation order: the heap list keeps objects in allocation order (the
// sweep unlinks, never reorders) and boot objects are the oldest, so matching
// the oldest objects against a fresh Vm's boot sequence by signature (type,
// native function, name) numbers them even after user code mutated them or
// let some be collected. A Vm keeps that numbering, and what it learnt about
// its unchanged boot objects, from one snapshot to the next (SnapshotCache):
// the engine snapshots a run at every durable step.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "SnapshotFormat.h"
#include "flow/bytecode/Sha256.h"

namespace flow::vm {

using namespace snap;

namespace {

snap::BootSig sigOf(HeapObject* o) {
    BootSig s{o->type, nullptr, {}};
    if (o->type == ObjType::Native) {
        auto* n = static_cast<NativeFunction*>(o);
        s.fn = n->fn;
        s.name = n->name ? n->name->data : "";
    }
    return s;
}

// sigOf(o) == sig, without building a BootSig (this runs for every boot
// object at every snapshot).
bool matchesSig(HeapObject* o, const BootSig& sig) {
    if (o->type != sig.type) return false;
    if (o->type != ObjType::Native) return true;
    auto* n = static_cast<NativeFunction*>(o);
    return n->fn == sig.fn && std::string_view(n->name ? n->name->data : "") == sig.name;
}

bool hasObjectPart(ObjType t) {
    return t != ObjType::String && t != ObjType::Box && t != ObjType::Fiber &&
           t != ObjType::Iterator;
}

// Records `v` as a boot object of the reference Vm holds it; false when it
// refers to a non-boot object.
bool captureValue(Value v, const std::unordered_map<HeapObject*, uint32_t>& boot, BootValue& out) {
    if (!v.isObject()) {
        out.kind = BootValue::Bits;
        out.bits = v.bits();
        return true;
    }
    HeapObject* o = v.asObject();
    if (o->type == ObjType::String) {
        out.kind = BootValue::Str;
        out.str = static_cast<String*>(o)->data;
        return true;
    }
    auto it = boot.find(o);
    if (it == boot.end()) return false;
    out.kind = BootValue::Boot;
    out.bits = it->second;
    return true;
}

BootState captureState(HeapObject* o, const std::unordered_map<HeapObject*, uint32_t>& boot) {
    BootState st;
    st.objectLike = hasObjectPart(o->type);
    if (!st.objectLike) return st; // no state a snapshot writes for a boot object of these kinds
    auto* obj = static_cast<Object*>(o);
    bool ok = captureValue(obj->proto ? Value::object(obj->proto) : Value::null(), boot, st.proto);
    for (auto& p : obj->props) {
        BootState::Prop bp;
        bp.key = p.key->data;
        bp.enumerable = p.enumerable;
        ok = captureValue(p.value, boot, bp.value) && ok;
        st.props.push_back(std::move(bp));
    }
    if (o->type == ObjType::Array) {
        st.isArray = true;
        for (Value v : static_cast<Array*>(o)->elems) {
            st.elems.emplace_back();
            ok = captureValue(v, boot, st.elems.back()) && ok;
        }
    }
    st.dynamic = !ok;
    return st;
}

bool sameProps(const std::vector<Property>& a, const std::vector<Property>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].key != b[i].key || a[i].value.bits() != b[i].value.bits() ||
            a[i].enumerable != b[i].enumerable)
            return false;
    return true;
}

bool sameValues(const std::vector<Value>& a, const std::vector<Value>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].bits() != b[i].bits()) return false;
    return true;
}

// What a Vm keeps from one snapshot to the next (Vm::snapCache_). Valid for
// as long as no collection ran (Vm::gcCount_): it holds raw pointers to
// objects, which only a collection frees.
struct SnapshotCache {
    uint64_t gcCount = UINT64_MAX;
    // bootObjects(): walking the whole heap list to number the boot objects
    // cost more than the rest of a small run's snapshot.
    std::vector<HeapObject*> boot;
    // Per boot id: the object's state when it was last found equal to the
    // reference's (proto, own properties, elements, by pointer and bits).
    // The same bits again mean the same state: the pointers name the same
    // objects (no collection since) and strings never change. Comparing them
    // is a fraction of comparing keys by content and values by boot id.
    // For a native, its name and slots too, and for every kind the objects
    // that visiting its fields reached (strings aside): with the same bits,
    // a snapshot visits those again without walking the fields.
    struct Verified {
        bool valid = false;
        Object* proto = nullptr;
        std::vector<Property> props;
        std::vector<Value> elems;
        String* name = nullptr;
        uint64_t slots[3] = {};
        std::vector<HeapObject*> kids;

        // Only these kinds: visitFields reads nothing of theirs but what is
        // kept here (a boot closure's upvalues, say, would need more).
        static bool cacheable(ObjType t) {
            return t == ObjType::Object || t == ObjType::Array || t == ObjType::Native;
        }
        bool matches(Object* o) const {
            if (!valid || proto != o->proto || !sameProps(props, o->props)) return false;
            if (o->type == ObjType::Array) return sameValues(elems, static_cast<Array*>(o)->elems);
            if (o->type == ObjType::Native) {
                auto* n = static_cast<NativeFunction*>(o);
                return name == n->name && slots[0] == n->slots[0].bits() &&
                       slots[1] == n->slots[1].bits() && slots[2] == n->slots[2].bits();
            }
            return true;
        }
        void keep(Object* o) {
            proto = o->proto;
            props = o->props;
            if (o->type == ObjType::Array) elems = static_cast<Array*>(o)->elems;
            if (o->type == ObjType::Native) {
                auto* n = static_cast<NativeFunction*>(o);
                name = n->name;
                for (int i = 0; i < 3; ++i)
                    slots[i] = n->slots[i].bits();
            }
            kids.clear();
        }
    };
    std::vector<Verified> verified;
    // The writer's lists, kept for their capacity (no allocations per snapshot).
    std::vector<HeapObject*> queue, changed, strings, others;
};

SnapshotCache& cacheOf(std::shared_ptr<void>& slot) {
    if (!slot) slot = std::make_shared<SnapshotCache>();
    return *static_cast<SnapshotCache*>(slot.get());
}

} // namespace

const BootReference& SnapshotWriter::reference() {
    static BootReference ref;
    static std::once_flag once;
    std::call_once(once, [] {
        VmOptions o;
        o.out = [](std::string_view) {};
        o.err = [](std::string_view) {};
        Vm vm(o);
        std::vector<HeapObject*> all;
        for (HeapObject* h = vm.objects_; h; h = h->next)
            if (h->type != ObjType::String) all.push_back(h);
        std::reverse(all.begin(), all.end());
        std::unordered_map<HeapObject*, uint32_t> ids;
        for (uint32_t i = 0; i < all.size(); ++i) {
            ref.sigs.push_back(sigOf(all[i]));
            ids.emplace(all[i], i);
        }
        ref.states.reserve(all.size());
        for (uint32_t i = 0; i < all.size(); ++i)
            ref.states.push_back(captureState(all[i], ids));
    });
    return ref;
}

std::vector<HeapObject*> SnapshotWriter::bootObjects(Vm& vm, size_t* heapSize) {
    const BootReference& ref = reference();
    std::vector<HeapObject*> all;
    size_t count = 0;
    for (HeapObject* h = vm.objects_; h; h = h->next, ++count)
        if (h->type != ObjType::String) all.push_back(h);
    if (heapSize) *heapSize = count;
    std::reverse(all.begin(), all.end());
    std::vector<HeapObject*> out(ref.sigs.size(), nullptr);
    // Greedy subsequence match: a boot object that does not match the next
    // reference entry means that entry was collected.
    size_t j = 0;
    for (size_t i = 0; i < ref.sigs.size() && j < all.size(); ++i) {
        HeapObject* o = all[j];
        if (!matchesSig(o, ref.sigs[i])) continue;
        out[i] = o;
        ++j;
    }
    return out;
}

void SnapshotWriter::startInit(Vm& vm, size_t k) {
    Closure* c;
    {
        Vm::NativeScope scope(vm);
        c = vm.instantiate(vm.module_->inits[k]);
        vm.handles_.push_back(Value::object(c));
    }
    HandleScope hs(vm);
    hs.add(Value::object(c));
    vm.call(Value::object(c), Value::undefined(), std::span<const Value>());
}

namespace {

// The writer's working state: the id of every object it writes.
struct Writer {
    Vm& vm;
    Out out;
    const BootReference& boot;
    SnapshotCache& cache;
    // Every object met holds its id in HeapObject::snapId, with snapEpoch
    // set to this snapshot's epoch (an object whose snapEpoch differs was
    // not met). Boot objects are entered up front with kUnseen set until
    // the traversal reaches them.
    uint16_t epoch;
    std::vector<HeapObject*>& queue;   // discovery order (boot and dynamic)
    std::vector<HeapObject*>& changed; // boot objects user code changed
    uint32_t bootCount = 0;
    // Set while the children of an unchanged boot object are visited: its
    // strings (property names, function names) are not written, since the
    // object is not, and a fresh Vm has them. This keeps the builtins' few
    // hundred names out of every snapshot.
    bool skipStrings = false;
    // While set, visit() appends what it is given here (Verified::kids).
    std::vector<HeapObject*>* recording = nullptr;
    static constexpr uint32_t kPending = UINT32_MAX;
    static constexpr uint32_t kUnseen = 1u << 30;

    Writer(Vm& v, SnapshotCache& c, uint16_t e)
        : vm(v), boot(SnapshotWriter::reference()), cache(c), epoch(e), queue(c.queue),
          changed(c.changed) {
        queue.clear();
        changed.clear();
    }

    bool met(const HeapObject* o) const { return o->snapEpoch == epoch; }
    // Inlined: most visits meet an object met before (a boot object
    // reached already) and return at once.
    void visit(HeapObject* o) {
        if (!o) return;
        if (recording) [[unlikely]]
            record(o);
        if (met(o) && (o->snapId == kPending || !(o->snapId & kUnseen))) return;
        discover(o);
    }
    // A new object, or a boot object reached for the first time: queued.
    [[gnu::noinline]] void discover(HeapObject* o) {
        if (met(o)) {
            o->snapId &= ~kUnseen;
        } else {
            if (skipStrings && o->type == ObjType::String) return;
            o->snapEpoch = epoch;
            o->snapId = kPending;
        }
        queue.push_back(o);
    }
    [[gnu::noinline]] void record(HeapObject* o) {
        if (!(skipStrings && o->type == ObjType::String)) recording->push_back(o);
    }
    void visit(Value v) {
        if (v.isObject()) visit(v.asObject());
    }
    void children(HeapObject* o);
    void visitFields(HeapObject* o);
    // Does `v` equal what a boot object held right after boot?
    bool same(Value v, const BootValue& b) {
        if (!v.isObject()) return b.kind == BootValue::Bits && b.bits == v.bits();
        HeapObject* o = v.asObject();
        if (o->type == ObjType::String)
            return b.kind == BootValue::Str && static_cast<String*>(o)->data == b.str;
        if (b.kind != BootValue::Boot) return false;
        return met(o) && o->snapId != kPending && (o->snapId & ~kUnseen) == b.bits;
    }
    bool unchangedBoot(Object* o, const BootState& st) {
        if (st.dynamic || !st.objectLike) return false;
        if (!same(o->proto ? Value::object(o->proto) : Value::null(), st.proto)) return false;
        if (o->props.size() != st.props.size()) return false;
        for (size_t i = 0; i < st.props.size(); ++i) {
            const Property& p = o->props[i];
            const BootState::Prop& bp = st.props[i];
            if (p.enumerable != bp.enumerable || p.key->data != bp.key || !same(p.value, bp.value))
                return false;
        }
        if (o->type == ObjType::Array) {
            const auto& elems = static_cast<Array*>(o)->elems;
            if (elems.size() != st.elems.size()) return false;
            for (size_t i = 0; i < elems.size(); ++i)
                if (!same(elems[i], st.elems[i])) return false;
        }
        return true;
    }
    uint32_t idOf(const HeapObject* o) const { return o->snapId; }
    void ref(HeapObject* o) { out.varint(o ? uint64_t(idOf(o)) + 1 : 0); }
    void value(Value v) {
        if (v.isNumber()) {
            double d = v.asNumber();
            if (d >= -1e9 && d <= 1e9 && double(int64_t(d)) == d && !(d == 0 && std::signbit(d))) {
                out.u8(TInt);
                auto i = int64_t(d);
                out.varint(uint64_t((i << 1) ^ (i >> 63)));
            } else {
                out.u8(TNumber);
                out.fixed(std::bit_cast<uint64_t>(d), 8); // an int32 Value's bits are not a double
            }
        } else if (v.isUndefined()) {
            out.u8(TUndef);
        } else if (v.isNull()) {
            out.u8(TNull);
        } else if (v.isBool()) {
            out.u8(v.asBool() ? TTrue : TFalse);
        } else if (v.isUninit()) {
            out.u8(TUninit);
        } else if (v.isEmpty()) {
            out.u8(TEmpty);
        } else {
            out.u8(TObject);
            out.varint(idOf(v.asObject()));
        }
    }
    void objectPart(Object* o) {
        ref(o->proto);
        out.varint(o->props.size());
        for (auto& p : o->props) {
            out.varint(idOf(p.key));
            value(p.value);
            out.u8(p.enumerable ? 1 : 0);
        }
    }
    void body(HeapObject* o);
    std::string_view runtimeNativeName(NativeFunction* n) const {
        for (auto& [name, fn] : SnapshotWriter::runtimeNatives(vm))
            if (fn == n->fn) return name;
        fail("snapshot.native",
             "a native function '" + (n->name ? n->name->data : std::string()) +
                 "' created at run time is not registered (registerRuntimeNative)");
    }
};

size_t liveTop(const Fiber* f) {
    if (f->frames.empty()) return 0;
    size_t top = size_t(f->frames.back().base) + f->frames.back().closure->fn->frameSize;
    return top > f->stack.size() ? f->stack.size() : top;
}

void Writer::children(HeapObject* o) {
    uint32_t id = idOf(o);
    if (id != kPending && hasObjectPart(o->type)) {
        // A boot object: written (section 5) only when user code changed it.
        auto* obj = static_cast<Object*>(o);
        SnapshotCache::Verified& v = cache.verified[id];
        bool cacheable = SnapshotCache::Verified::cacheable(o->type);
        if (cacheable && v.matches(obj)) {
            // Unchanged since a snapshot found it so: the same children.
            for (HeapObject* k : v.kids)
                visit(k);
            return;
        }
        bool unchanged = unchangedBoot(obj, boot.states[id]);
        v.valid = cacheable && unchanged;
        if (unchanged) {
            if (v.valid) {
                v.keep(obj);
                recording = &v.kids;
            }
            skipStrings = true;
            visitFields(o);
            skipStrings = false;
            recording = nullptr;
            return;
        }
        changed.push_back(o);
    }
    visitFields(o);
}

void Writer::visitFields(HeapObject* o) {
    switch (o->type) {
    case ObjType::String:
        return;
    case ObjType::Box:
        visit(static_cast<Box*>(o)->value);
        return;
    case ObjType::Iterator:
        visit(static_cast<Iterator*>(o)->target);
        return;
    case ObjType::Fiber: {
        auto* f = static_cast<Fiber*>(o);
        size_t top = liveTop(f);
        for (size_t i = 0; i < top; ++i)
            visit(f->stack[i]);
        for (auto& fr : f->frames) {
            visit(fr.closure);
            visit(fr.thisValue);
        }
        visit(f->promise);
        visit(f->resumer);
        visit(f->resumeValue);
        return;
    }
    default:
        break;
    }
    auto* obj = static_cast<Object*>(o);
    visit(obj->proto);
    for (auto& p : obj->props) {
        visit(p.key);
        visit(p.value);
    }
    switch (o->type) {
    case ObjType::Array:
        for (Value v : static_cast<Array*>(o)->elems)
            visit(v);
        break;
    case ObjType::Closure: {
        auto* c = static_cast<Closure*>(o);
        visit(c->boundThis);
        for (Box* b : c->upvals)
            visit(b);
        break;
    }
    case ObjType::Native: {
        auto* n = static_cast<NativeFunction*>(o);
        visit(n->name);
        for (Value v : n->slots)
            visit(v);
        break;
    }
    case ObjType::Promise: {
        auto* p = static_cast<Promise*>(o);
        visit(p->result);
        for (auto& r : p->reactions) {
            visit(r.derived);
            visit(r.onFulfilled);
            visit(r.onRejected);
            visit(r.fiber);
        }
        break;
    }
    default:
        break;
    }
}

void Writer::body(HeapObject* o) {
    switch (o->type) {
    case ObjType::String: {
        auto* s = static_cast<String*>(o);
        out.u8(SnapshotWriter::isInterned(vm, s) ? 1 : 0);
        out.str(s->data);
        return;
    }
    case ObjType::Object:
        objectPart(static_cast<Object*>(o));
        return;
    case ObjType::Array: {
        auto* a = static_cast<Array*>(o);
        objectPart(a);
        out.varint(a->elems.size());
        for (Value v : a->elems)
            value(v);
        return;
    }
    case ObjType::Closure: {
        auto* c = static_cast<Closure*>(o);
        out.varint(c->fnIndex);
        value(c->boundThis);
        out.varint(c->upvals.size());
        for (Box* b : c->upvals)
            ref(b);
        objectPart(c);
        return;
    }
    case ObjType::Native: {
        auto* n = static_cast<NativeFunction*>(o);
        out.str(runtimeNativeName(n));
        ref(n->name);
        out.u8(n->arity);
        out.u8(n->constructor ? 1 : 0);
        for (Value v : n->slots)
            value(v);
        objectPart(n);
        return;
    }
    case ObjType::Box:
        value(static_cast<Box*>(o)->value);
        return;
    case ObjType::Promise: {
        auto* p = static_cast<Promise*>(o);
        objectPart(p);
        out.u8(uint8_t(p->state));
        value(p->result);
        out.u8(p->handled ? 1 : 0);
        out.varint(p->id);
        out.varint(p->reactions.size());
        for (auto& r : p->reactions) {
            out.u8(uint8_t(r.kind));
            ref(r.derived);
            value(r.onFulfilled);
            value(r.onRejected);
            ref(r.fiber);
        }
        return;
    }
    case ObjType::Fiber: {
        auto* f = static_cast<Fiber*>(o);
        out.varint(f->id);
        out.u8(uint8_t(f->state));
        out.u8(f->yielded ? 1 : 0);
        ref(f->promise);
        ref(f->resumer);
        out.varint(f->awaitSlot);
        value(f->resumeValue);
        out.u8(f->resumeThrow ? 1 : 0);
        out.varint(f->stack.size());
        size_t top = liveTop(f);
        out.varint(top);
        for (size_t i = 0; i < top; ++i)
            value(f->stack[i]);
        out.varint(f->frames.size());
        for (auto& fr : f->frames) {
            if (fr.returnToHost)
                fail("snapshot.busy", "a fiber holds a frame that returns to C++ (a native call)");
            ref(fr.closure);
            out.varint(fr.base);
            out.varint(fr.pc);
            value(fr.thisValue);
            out.varint(fr.retSlot);
        }
        return;
    }
    case ObjType::Iterator: {
        auto* it = static_cast<Iterator*>(o);
        out.u8(uint8_t(it->kind));
        value(it->target);
        out.varint(it->index);
        return;
    }
    case ObjType::Task:
        out.varint(static_cast<TaskRef*>(o)->index);
        objectPart(static_cast<Object*>(o));
        return;
    case ObjType::Workflow:
        out.varint(static_cast<WorkflowRef*>(o)->index);
        objectPart(static_cast<Object*>(o));
        return;
    }
}

} // namespace

std::vector<uint8_t> SnapshotWriter::take(Vm& vm, size_t maxBytes) {
    if (vm.nativeDepth_ != 0 || !vm.running_.empty() || vm.collecting_ ||
        !vm.hostFiber_->frames.empty())
        fail("snapshot.busy", "a native call or a call from C++ into Flow is in progress");
    if (!vm.exception_.isUndefined()) fail("snapshot.busy", "an exception is being thrown");
    SnapshotCache& cache = cacheOf(vm.snapCache_);
    if (cache.gcCount != vm.gcCount_) {
        cache.boot = bootObjects(vm);
        cache.verified.assign(cache.boot.size(), {});
        cache.gcCount = vm.gcCount_;
    }
    // A new epoch: every snapId of an earlier snapshot is stale. When the
    // 16-bit counter wraps, old epochs are cleared so none can match again.
    if (++vm.snapEpoch_ == 0) {
        for (HeapObject* h = vm.objects_; h; h = h->next)
            h->snapEpoch = 0;
        vm.snapEpoch_ = 1;
    }
    const std::vector<HeapObject*>& boot = cache.boot;
    Writer w(vm, cache, vm.snapEpoch_);
    w.out.limit = maxBytes;
    // Boot objects are rarely written, so the heap's size says little about
    // the blob's: start small and let the buffer grow.
    w.out.b.reserve(std::min<size_t>(maxBytes, 4096));
    w.bootCount = uint32_t(boot.size());
    for (uint32_t i = 0; i < boot.size(); ++i) {
        if (!boot[i]) continue;
        boot[i]->snapEpoch = w.epoch;
        boot[i]->snapId = i | Writer::kUnseen;
    }

    // Roots, in a fixed order (the numbering is deterministic).
    for (Value v : vm.modVars_)
        w.visit(v);
    w.visit(vm.mainPromise_);
    for (Promise* p : vm.rejected_)
        w.visit(p);
    for (auto& [id, op] : vm.ops_)
        w.visit(op.promise);
    for (auto& j : vm.jobs_) {
        w.visit(j.reaction.derived);
        w.visit(j.reaction.onFulfilled);
        w.visit(j.reaction.onRejected);
        w.visit(j.reaction.fiber);
        w.visit(j.argument);
        w.visit(j.fiber);
        w.visit(j.promise);
    }
    for (Value v : vm.builtins_)
        w.visit(v);
    Object* protos[] = {vm.objectProto, vm.functionProto, vm.arrayProto,   vm.stringProto,
                        vm.numberProto, vm.booleanProto,  vm.promiseProto, vm.iteratorProto};
    for (Object* p : protos)
        w.visit(p);
    for (Object* p : vm.errorProtos)
        w.visit(p);
    for (size_t k = 0; k < w.queue.size(); ++k)
        w.children(w.queue[k]);

    // Final ids: boot objects keep theirs; strings next (the reader creates
    // them first, so every other record can refer to them), then the rest.
    std::vector<HeapObject*>& strings = cache.strings;
    std::vector<HeapObject*>& others = cache.others;
    strings.clear();
    others.clear();
    for (HeapObject* o : w.queue) {
        if (o->snapId != Writer::kPending) {
            continue; // a boot object: keeps its boot id
        } else if (o->type == ObjType::String) {
            strings.push_back(o);
        } else {
            others.push_back(o);
        }
    }
    uint32_t next = w.bootCount;
    for (HeapObject* o : strings)
        o->snapId = next++;
    for (HeapObject* o : others)
        o->snapId = next++;

    // Header (hash and length patched in below), then the payload.
    Out& out = w.out;
    out.raw(kMagic, 8);
    out.fixed(kSnapshotFormatVersion, 4);
    out.raw(vm.module_->hash.data(), 32);
    out.fixed(0, 8);
    const uint8_t zeros[32] = {};
    out.raw(zeros, 32); // the payload's SHA-256, patched in below
    size_t payloadStart = out.b.size();

    out.varint(w.bootCount);
    out.varint(strings.size());
    out.varint(others.size());
    for (HeapObject* o : others)
        out.u8(uint8_t(o->type));
    for (HeapObject* o : strings)
        w.body(o);
    for (HeapObject* o : others)
        w.body(o);

    // Boot objects whose state differs from a fresh Vm's (found by children()).
    std::vector<HeapObject*>& changed = w.changed;
    std::sort(changed.begin(), changed.end(),
              [&](HeapObject* a, HeapObject* b) { return w.idOf(a) < w.idOf(b); });
    out.varint(changed.size());
    for (HeapObject* o : changed) {
        out.varint(w.idOf(o));
        out.u8(uint8_t(o->type));
        auto* obj = static_cast<Object*>(o);
        w.objectPart(obj);
        if (o->type == ObjType::Array) {
            auto* a = static_cast<Array*>(o);
            out.varint(a->elems.size());
            for (Value v : a->elems)
                w.value(v);
        }
    }

    // The VM's own state.
    out.varint(vm.modVars_.size());
    for (Value v : vm.modVars_)
        w.value(v);
    w.ref(vm.mainPromise_);
    out.varint(vm.rejected_.size());
    for (Promise* p : vm.rejected_)
        w.ref(p);
    out.varint(vm.ops_.size());
    for (auto& [id, op] : vm.ops_) {
        out.varint(op.id);
        out.u8(uint8_t(op.kind));
        out.varint(op.index);
        out.str(op.json);
        w.ref(op.promise);
        out.varint(op.fnIndex);
        out.varint(op.pc);
        out.u8(op.taken ? 1 : 0);
    }
    const RunContext& rc = vm.run_;
    out.str(rc.runId);
    out.fixed(uint64_t(rc.nowMs), 8);
    out.fixed(rc.rng[0], 8);
    out.fixed(rc.rng[1], 8);
    out.varint(rc.uuidCounter);
    out.varint(rc.nextOpId);
    out.varint(vm.nextPromiseId_);
    out.varint(vm.nextFiberId_);
    out.varint(vm.nextRunId_);
    out.varint(vm.jobs_.size());
    for (auto& j : vm.jobs_) {
        out.u8(uint8_t(j.kind));
        out.u8(uint8_t(j.reaction.kind));
        w.ref(j.reaction.derived);
        w.value(j.reaction.onFulfilled);
        w.value(j.reaction.onRejected);
        w.ref(j.reaction.fiber);
        w.value(j.argument);
        out.u8(j.rejected ? 1 : 0);
        w.ref(j.fiber);
        w.ref(j.promise);
    }

    size_t payloadLen = out.b.size() - payloadStart;
    auto digest = bytecode::sha256(out.b.data() + payloadStart, payloadLen);
    for (int i = 0; i < 8; ++i)
        out.b[8 + 4 + 32 + size_t(i)] = uint8_t(uint64_t(payloadLen) >> (8 * i));
    std::memcpy(out.b.data() + 8 + 4 + 32 + 8, digest.data(), 32);
    return std::move(out.b);
}

std::vector<uint8_t> takeSnapshot(Vm& vm, size_t maxBytes) {
    return SnapshotWriter::take(vm, maxBytes);
}

Completion callInit(Vm& vm, size_t k) {
    if (k >= SnapshotWriter::initCount(vm)) return {true, Value::undefined()};
    try {
        SnapshotWriter::startInit(vm, k);
    } catch (ThrowSignal&) {
        return {false, vm.takeException()};
    }
    return {true, Value::undefined()};
}

size_t initCount(const Vm& vm) {
    return SnapshotWriter::initCount(vm);
}

} // namespace flow::vm
