// SnapshotReader.cpp — restoreSnapshot and inspectSnapshot.
//
// Nothing in a blob is trusted: every read is bounds-checked and every index
// (object ids and their types, function indices, pcs, stack slots, frame
// bases, boot ids, native names) is validated before the VM sees it. The
// reader builds the objects first, unreachable from the VM's roots (the
// collector is held off meanwhile), and changes the VM's own state — module
// variables, changed boot objects, the job queue — only once the whole blob
// has been validated, so a bad blob leaves the Vm as it was.
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "SnapshotFormat.h"
#include "flow/bytecode/Opcode.h"
#include "flow/bytecode/Sha256.h"
#include "flow/vm/Unicode.h"

namespace flow::vm {

using namespace snap;

namespace {

struct Header {
    uint32_t version = 0;
    std::array<uint8_t, 32> hash{};
    uint64_t payloadLen = 0;
};

Header readHeader(std::span<const uint8_t> blob) {
    if (blob.size() < 8 || std::memcmp(blob.data(), kMagic, 8) != 0)
        fail("snapshot.magic", "not a Flow snapshot (bad magic)");
    if (blob.size() < kHeaderBytes) fail("snapshot.truncated", "the header is incomplete");
    In in{blob.data(), blob.size(), 8};
    Header h;
    h.version = uint32_t(in.fixed(4));
    if (h.version != kSnapshotFormatVersion)
        fail("snapshot.version", "format version " + std::to_string(h.version) +
                                     " (this build reads version " +
                                     std::to_string(kSnapshotFormatVersion) + ")");
    std::memcpy(h.hash.data(), blob.data() + 12, 32);
    in.pos = 44;
    h.payloadLen = in.fixed(8);
    if (h.payloadLen != blob.size() - kHeaderBytes)
        fail(h.payloadLen > blob.size() - kHeaderBytes ? "snapshot.truncated" : "snapshot.length",
             "the header announces " + std::to_string(h.payloadLen) +
                 " payload bytes, the blob has " + std::to_string(blob.size() - kHeaderBytes));
    auto digest = bytecode::sha256(blob.data() + kHeaderBytes, size_t(h.payloadLen));
    if (std::memcmp(digest.data(), blob.data() + 52, 32) != 0)
        fail("snapshot.checksum", "the payload's SHA-256 does not match the header (corrupt)");
    return h;
}

bool flowVisible(HeapObject* o) {
    return o->type != ObjType::Box && o->type != ObjType::Fiber && o->type != ObjType::Iterator;
}
bool isObjectType(ObjType t) {
    return t != ObjType::String && t != ObjType::Box && t != ObjType::Fiber &&
           t != ObjType::Iterator;
}

// A boot object's new state, applied once everything has been validated.
struct BootRecord {
    Object* obj;
    Object* proto;
    std::vector<Property> props;
    bool hasElems = false;
    std::vector<Value> elems;
};

struct Reader {
    Vm& vm;
    In in;
    const bytecode::Module& mod;
    std::vector<HeapObject*> objs; // by id: boot objects (maybe null), then the blob's
    std::vector<NativeFunction*> natives;
    std::vector<std::string_view> nativeNames;
    std::vector<Fiber*> fibers;
    std::vector<Object*> objects;

    Reader(Vm& v, In i) : vm(v), in(i), mod(v.module()) {}

    HeapObject* obj(uint64_t id, const char* check) {
        if (id >= objs.size() || !objs[id])
            fail(check, "object id " + std::to_string(id) + " does not exist");
        return objs[id];
    }
    HeapObject* ref(const char* check) {
        uint64_t r = in.varint();
        return r == 0 ? nullptr : obj(r - 1, check);
    }
    template <class T>
    T* refAs(ObjType t, const char* check, bool nullable = true) {
        HeapObject* o = ref(check);
        if (!o) {
            if (!nullable) fail(check, "a required reference is null");
            return nullptr;
        }
        if (o->type != t) fail(check, "object of the wrong type");
        return static_cast<T*>(o);
    }
    // A value; `internal` allows what only registers and cells may hold
    // (cells, iterators, the TDZ marker).
    Value value(const char* check, bool internal = false) {
        uint8_t tag = in.u8();
        switch (tag) {
        case TUndef:
            return Value::undefined();
        case TNull:
            return Value::null();
        case TFalse:
            return Value::boolean(false);
        case TTrue:
            return Value::boolean(true);
        case TUninit:
        case TEmpty:
            if (!internal) fail(check, "an internal marker outside a register or cell");
            return tag == TUninit ? Value::uninit() : Value::empty();
        case TNumber:
            return Value::number(std::bit_cast<double>(in.fixed(8)));
        case TInt: {
            uint64_t z = in.varint();
            auto i = int64_t(z >> 1) ^ -int64_t(z & 1);
            return Value::compact(double(i));
        }
        case TObject: {
            HeapObject* o = obj(in.varint(), check);
            if (!internal && !flowVisible(o))
                fail(check, "an internal object where a value is expected");
            if (o->type == ObjType::Fiber) fail(check, "a fiber used as a value");
            return Value::object(o);
        }
        default:
            fail("snapshot.value", "unknown value tag " + std::to_string(tag));
        }
    }
    void objectPart(Object* o, Object** proto, std::vector<Property>& props) {
        HeapObject* p = ref("snapshot.proto");
        if (p && !isObjectType(p->type))
            fail("snapshot.proto", "a prototype that is not an object");
        *proto = static_cast<Object*>(p);
        size_t n = in.count("snapshot.props");
        props.clear();
        props.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            HeapObject* k = obj(in.varint(), "snapshot.props");
            if (k->type != ObjType::String)
                fail("snapshot.props", "a property key that is not a string");
            Value v = value("snapshot.props");
            uint8_t e = in.u8();
            if (e > 1) fail("snapshot.props", "a bad enumerable flag");
            props.push_back({static_cast<String*>(k), v, e == 1});
        }
        (void)o;
    }
    // Installs props in order through setOwn (builds the lookup index);
    // a duplicate key is corrupt.
    static void installProps(Object* o, const std::vector<Property>& props) {
        for (auto& p : props) {
            size_t before = o->props.size();
            o->setOwn(p.key, p.value);
            if (o->props.size() == before) fail("snapshot.props", "a duplicate property key");
            o->props.back().enumerable = p.enumerable;
        }
    }
    void fillObject(Object* o) {
        std::vector<Property> props;
        objectPart(o, &o->proto, props);
        installProps(o, props);
    }
    void body(HeapObject* o);
    void validateFiber(Fiber* f);
    void checkProtoCycles();
};

String* makeString(Vm& vm, std::string_view bytes, bool interned) {
    // Only canonical WTF-8 is accepted: what a String holds always
    // round-trips through UTF-16.
    bool ascii = true;
    for (unsigned char c : bytes)
        ascii = ascii && c < 0x80;
    if (!ascii && fromUnits(toUnits(bytes)) != bytes)
        fail("snapshot.string", "a string that is not well-formed WTF-8");
    if (interned) return vm.intern(bytes);
    return nullptr;
}

void Reader::body(HeapObject* o) {
    switch (o->type) {
    case ObjType::String:
        return; // created in the strings section
    case ObjType::Object:
        fillObject(static_cast<Object*>(o));
        return;
    case ObjType::Array: {
        auto* a = static_cast<Array*>(o);
        fillObject(a);
        size_t n = in.count("snapshot.array");
        a->elems.reserve(n);
        for (size_t i = 0; i < n; ++i)
            a->elems.push_back(value("snapshot.array"));
        return;
    }
    case ObjType::Closure: {
        auto* c = static_cast<Closure*>(o);
        uint32_t fi = in.u32v("snapshot.closure");
        if (fi >= mod.functions.size())
            fail("snapshot.closure", "function index " + std::to_string(fi) + " out of range");
        c->fnIndex = fi;
        c->fn = &mod.functions[fi];
        vm.ensureConstants(fi); // (no collection runs while a snapshot is read)
        c->boundThis = value("snapshot.closure");
        size_t n = in.count("snapshot.closure");
        if (n != c->fn->upvalues.size())
            fail("snapshot.closure", "upvalue count does not match the function");
        for (size_t i = 0; i < n; ++i)
            c->upvals.push_back(refAs<Box>(ObjType::Box, "snapshot.closure", false));
        fillObject(c);
        return;
    }
    case ObjType::Native: {
        auto* nf = static_cast<NativeFunction*>(o);
        std::string_view name = in.str("snapshot.native");
        NativeFn fn = nullptr;
        for (auto& [n, f] : SnapshotWriter::runtimeNatives(vm))
            if (n == name) fn = f;
        if (!fn) fail("snapshot.native", "unknown run-time native '" + std::string(name) + "'");
        nf->fn = fn;
        nf->name = refAs<String>(ObjType::String, "snapshot.native", false);
        nf->arity = in.u8();
        uint8_t ctor = in.u8();
        if (ctor > 1) fail("snapshot.native", "a bad constructor flag");
        nf->constructor = ctor == 1;
        for (Value& s : nf->slots)
            s = value("snapshot.native");
        fillObject(nf);
        natives.push_back(nf);
        nativeNames.push_back(name);
        return;
    }
    case ObjType::Box:
        static_cast<Box*>(o)->value = value("snapshot.box", true);
        if (isType(static_cast<Box*>(o)->value, ObjType::Box) ||
            isType(static_cast<Box*>(o)->value, ObjType::Iterator))
            fail("snapshot.box", "a cell holding an internal object");
        return;
    case ObjType::Promise: {
        auto* p = static_cast<Promise*>(o);
        fillObject(p);
        uint8_t st = in.u8();
        if (st > 2) fail("snapshot.promise", "a bad promise state");
        p->state = PromiseState(st);
        p->result = value("snapshot.promise");
        uint8_t h = in.u8();
        if (h > 1) fail("snapshot.promise", "a bad handled flag");
        p->handled = h == 1;
        p->id = in.varint();
        size_t n = in.count("snapshot.promise");
        if (n && p->state != PromiseState::Pending)
            fail("snapshot.promise", "a settled promise with reactions");
        for (size_t i = 0; i < n; ++i) {
            Reaction r;
            uint8_t k = in.u8();
            if (k > 1) fail("snapshot.reaction", "a bad reaction kind");
            r.kind = Reaction::Kind(k);
            r.derived = refAs<Promise>(ObjType::Promise, "snapshot.reaction");
            r.onFulfilled = value("snapshot.reaction");
            r.onRejected = value("snapshot.reaction");
            r.fiber = refAs<Fiber>(ObjType::Fiber, "snapshot.reaction");
            if (r.kind == Reaction::Kind::Await && !r.fiber)
                fail("snapshot.reaction", "an await reaction without a fiber");
            p->reactions.push_back(r);
        }
        return;
    }
    case ObjType::Fiber: {
        auto* f = static_cast<Fiber*>(o);
        f->id = in.varint();
        uint8_t st = in.u8();
        if (st > 3) fail("snapshot.fiber", "a bad fiber state");
        f->state = FiberState(st);
        uint8_t y = in.u8();
        if (y > 1) fail("snapshot.fiber", "a bad yielded flag");
        f->yielded = y == 1;
        f->promise = refAs<Promise>(ObjType::Promise, "snapshot.fiber");
        f->resumer = refAs<Fiber>(ObjType::Fiber, "snapshot.fiber");
        f->awaitSlot = in.u32v("snapshot.fiber");
        f->resumeValue = value("snapshot.fiber");
        uint8_t rt = in.u8();
        if (rt > 1) fail("snapshot.fiber", "a bad resumeThrow flag");
        f->resumeThrow = rt == 1;
        // A stack is at most kMaxCallDepth frames of at most 255 registers.
        uint64_t size = in.varint();
        if (size > uint64_t(kMaxCallDepth + 1) * 256 + 64)
            fail("snapshot.stack", "stack size " + std::to_string(size) + " out of range");
        size_t live = in.count("snapshot.stack");
        if (live > size) fail("snapshot.stack", "more live slots than the stack holds");
        f->stack.assign(size_t(size), Value::undefined());
        for (size_t i = 0; i < live; ++i)
            f->stack[i] = value("snapshot.stack", true);
        size_t nf = in.count("snapshot.frames");
        if (nf > kMaxCallDepth) fail("snapshot.frames", "too many frames");
        for (size_t i = 0; i < nf; ++i) {
            Frame fr;
            fr.closure = refAs<Closure>(ObjType::Closure, "snapshot.frames", false);
            fr.base = in.u32v("snapshot.frames");
            fr.pc = in.u32v("snapshot.frames");
            fr.thisValue = value("snapshot.frames");
            fr.retSlot = in.u32v("snapshot.frames");
            f->frames.push_back(fr);
        }
        fibers.push_back(f);
        return;
    }
    case ObjType::Iterator: {
        auto* it = static_cast<Iterator*>(o);
        uint8_t k = in.u8();
        if (k > 2) fail("snapshot.iterator", "a bad iterator kind");
        it->kind = IterKind(k);
        it->target = value("snapshot.iterator");
        bool ok =
            it->kind == IterKind::StringCodePoints ? isString(it->target) : isArray(it->target);
        if (!ok) fail("snapshot.iterator", "an iterator over the wrong kind of value");
        it->index = in.u32v("snapshot.iterator");
        return;
    }
    case ObjType::Task: {
        auto* t = static_cast<TaskRef*>(o);
        t->index = in.u32v("snapshot.task");
        if (t->index >= mod.tasks.size()) fail("snapshot.task", "task index out of range");
        fillObject(t);
        return;
    }
    case ObjType::Workflow: {
        auto* w = static_cast<WorkflowRef*>(o);
        w->index = in.u32v("snapshot.workflow");
        if (w->index >= mod.workflows.size())
            fail("snapshot.workflow", "workflow index out of range");
        fillObject(w);
        return;
    }
    }
}

// The instruction starts of a function (pcs a frame may resume at).
bool isInsnStart(const bytecode::Function& fn, uint32_t pc) {
    uint32_t at = 0;
    while (at < fn.code.size()) {
        if (at == pc) return true;
        if (at > pc) return false;
        auto op = uint8_t(fn.code[at] & 0xFF);
        if (!bytecode::isValidOp(op)) return false;
        at += bytecode::opInfo(bytecode::Op(op)).words();
    }
    return false;
}

void Reader::validateFiber(Fiber* f) {
    const char* c = "snapshot.fiber";
    if (f->state == FiberState::Running || f->state == FiberState::Ready)
        fail(c, "a fiber that is running (a snapshot is taken between jobs)");
    if (f->state == FiberState::Done) {
        if (!f->frames.empty() || !f->stack.empty()) fail(c, "a finished fiber with frames");
        return;
    }
    if (f->frames.empty() || !f->promise) fail(c, "a suspended fiber without frames or promise");
    uint32_t expect = 0;
    for (auto& fr : f->frames) {
        const bytecode::Function& fn = *fr.closure->fn;
        if (fr.base != expect) fail("snapshot.frames", "a frame base out of sequence");
        expect = fr.base + fn.frameSize;
        if (fr.pc >= fn.code.size() || !isInsnStart(fn, fr.pc))
            fail("snapshot.frames", "a pc that is not an instruction of its function");
        if (size_t(fr.retSlot) >= f->stack.size())
            fail("snapshot.frames", "a return slot out of range");
    }
    if (size_t(expect) + 1 > f->stack.size())
        fail("snapshot.stack", "the stack is smaller than its frames");
    if (!f->yielded && size_t(f->awaitSlot) >= expect)
        fail(c, "an await slot outside the fiber's registers");
}

void Reader::checkProtoCycles() {
    for (Object* o : objects) {
        size_t steps = 0;
        for (Object* p = o->proto; p; p = p->proto)
            if (++steps > objs.size()) fail("snapshot.proto", "a prototype cycle");
    }
}

// Holds the collector off while the blob's objects are unreachable.
struct NoGc {
    bool& flag;
    bool saved;
    explicit NoGc(bool& f) : flag(f), saved(f) { flag = true; }
    ~NoGc() { flag = saved; }
    NoGc(const NoGc&) = delete;
    NoGc& operator=(const NoGc&) = delete;
};

// ---- the state of run-time natives (their code trusts its slots)
bool isIndexIn(Value v, size_t n) {
    return v.isNumber() && v.asNumber() >= 0 && v.asNumber() < double(n) &&
           v.asNumber() == std::floor(v.asNumber());
}
bool isCount(Value v, size_t max) {
    return v.isNumber() && v.asNumber() >= 0 && v.asNumber() <= double(max) &&
           v.asNumber() == std::floor(v.asNumber());
}
bool checkPromiseSlot(NativeFunction* n) {
    return isType(n->slots[0], ObjType::Promise);
}
// Promise.all/allSettled/any element functions: [promise, [values, remaining], index].
bool checkCombinator(NativeFunction* n) {
    if (!isType(n->slots[0], ObjType::Promise) || !isArray(n->slots[1])) return false;
    Array* st = asArray(n->slots[1]);
    if (st->elems.size() < 2 || !isArray(st->elems[0]) || !st->elems[1].isNumber()) return false;
    size_t size = asArray(st->elems[0])->elems.size();
    return n->slots[2].isUndefined() || isIndexIn(n->slots[2], size);
}
bool checkBound(NativeFunction* n) {
    return isArray(n->slots[2]);
}
// parallelMap: [items, fn, results, promise, next, active, done, limit, failed].
bool checkParallelMap(NativeFunction* n, bool needIndex) {
    if (!isArray(n->slots[0])) return false;
    auto& st = asArray(n->slots[0])->elems;
    if (st.size() != 9 || !isArray(st[0]) || !isArray(st[2]) || !isType(st[3], ObjType::Promise) ||
        !st[8].isBool())
        return false;
    size_t items = asArray(st[0])->elems.size();
    if (asArray(st[2])->elems.size() != items) return false;
    for (int i = 4; i <= 6; ++i)
        if (!isCount(st[size_t(i)], items)) return false;
    if (!st[7].isNumber() || !(st[7].asNumber() >= 0) || std::isinf(st[7].asNumber())) return false;
    return !needIndex || isIndexIn(n->slots[1], items);
}
bool checkPmOk(NativeFunction* n) {
    return checkParallelMap(n, true);
}
bool checkPmErr(NativeFunction* n) {
    return checkParallelMap(n, false);
}

} // namespace

void SnapshotReader::restore(Vm& vm, std::span<const uint8_t> blob) {
    Header h = readHeader(blob);
    if (h.hash != vm.module_->hash)
        fail("snapshot.module", "the snapshot was taken with another module (content hash "
                                "differs): restore it into a Vm that loaded the same module");
    if (vm.mainPromise_ || !vm.jobs_.empty() || !vm.ops_.empty() || !vm.running_.empty() ||
        vm.nativeDepth_ != 0 || vm.run_.nextOpId != 1)
        fail("snapshot.target", "restore into a fresh Vm that loaded the module and ran nothing");
    NoGc nogc(vm.collecting_);
    Reader r(vm, In{blob.data() + kHeaderBytes, size_t(h.payloadLen), 0});
    In& in = r.in;

    std::vector<HeapObject*> boot = SnapshotWriter::bootObjects(vm);
    uint64_t bootCount = in.varint();
    if (bootCount != boot.size())
        fail("snapshot.boot", "the snapshot was taken by a build with another set of builtins");
    size_t nStrings = in.count("snapshot.strings");
    size_t nOthers = in.count("snapshot.objects");
    r.objs = boot;
    r.objs.reserve(boot.size() + nStrings + nOthers);
    std::vector<uint8_t> types(nOthers);
    for (size_t i = 0; i < nOthers; ++i) {
        types[i] = in.u8();
        if (types[i] > uint8_t(ObjType::Workflow) || types[i] == uint8_t(ObjType::String))
            fail("snapshot.type", "bad object type " + std::to_string(types[i]));
    }
    for (size_t i = 0; i < nStrings; ++i) {
        uint8_t interned = in.u8();
        if (interned > 1) fail("snapshot.string", "a bad interned flag");
        std::string_view s = in.str("snapshot.string");
        String* str = makeString(vm, s, interned == 1);
        if (!str) str = vm.alloc<String>(std::string(s));
        r.objs.push_back(str);
    }
    for (size_t i = 0; i < nOthers; ++i) {
        HeapObject* o = nullptr;
        switch (ObjType(types[i])) {
        case ObjType::Object:
            o = vm.alloc<Object>(nullptr);
            break;
        case ObjType::Array:
            o = vm.alloc<Array>(nullptr);
            break;
        case ObjType::Closure:
            o = vm.alloc<Closure>(nullptr, 0, nullptr);
            break;
        case ObjType::Native:
            o = vm.alloc<NativeFunction>(nullptr, nullptr, nullptr, 0);
            break;
        case ObjType::Box:
            o = vm.alloc<Box>();
            break;
        case ObjType::Promise:
            o = vm.alloc<Promise>(nullptr);
            break;
        case ObjType::Fiber:
            o = vm.alloc<Fiber>();
            break;
        case ObjType::Iterator:
            o = vm.alloc<Iterator>();
            break;
        case ObjType::Task:
            o = vm.alloc<TaskRef>(nullptr, 0);
            break;
        case ObjType::Workflow:
            o = vm.alloc<WorkflowRef>(nullptr, 0);
            break;
        case ObjType::String:
            break;
        }
        if (isObjectType(o->type)) r.objects.push_back(static_cast<Object*>(o));
        r.objs.push_back(o);
    }
    for (size_t i = 0; i < nOthers; ++i)
        r.body(r.objs[boot.size() + nStrings + i]);

    // Changed boot objects: parsed now, applied at the end.
    std::vector<BootRecord> bootRecs;
    size_t nBoot = in.count("snapshot.boot");
    uint64_t lastId = 0;
    for (size_t i = 0; i < nBoot; ++i) {
        uint64_t id = in.varint();
        if (id >= boot.size() || !boot[id] || (i && id <= lastId))
            fail("snapshot.boot", "boot id " + std::to_string(id) + " out of range or repeated");
        lastId = id;
        uint8_t t = in.u8();
        if (t != uint8_t(boot[id]->type) || !isObjectType(boot[id]->type))
            fail("snapshot.boot", "boot object " + std::to_string(id) + " has another type");
        BootRecord rec{static_cast<Object*>(boot[id]), nullptr, {}, false, {}};
        r.objectPart(rec.obj, &rec.proto, rec.props);
        if (boot[id]->type == ObjType::Array) {
            rec.hasElems = true;
            size_t n = in.count("snapshot.array");
            for (size_t k = 0; k < n; ++k)
                rec.elems.push_back(r.value("snapshot.array"));
        }
        std::unordered_set<std::string_view> seen;
        for (auto& p : rec.props)
            if (!seen.insert(p.key->view()).second)
                fail("snapshot.props", "a duplicate property key");
        bootRecs.push_back(std::move(rec));
    }

    // The VM's own state.
    size_t nVars = in.count("snapshot.modvars");
    if (nVars != vm.modVars_.size()) fail("snapshot.modvars", "module variable count differs");
    std::vector<Value> modVars(nVars);
    for (auto& v : modVars)
        v = r.value("snapshot.modvars", true);
    Promise* mainPromise = r.refAs<Promise>(ObjType::Promise, "snapshot.main");
    std::vector<Promise*> rejected(in.count("snapshot.rejected"));
    for (auto& p : rejected)
        p = r.refAs<Promise>(ObjType::Promise, "snapshot.rejected", false);
    std::map<uint64_t, HostOp> ops;
    size_t nOps = in.count("snapshot.ops");
    for (size_t i = 0; i < nOps; ++i) {
        HostOp op;
        op.id = in.varint();
        uint8_t k = in.u8();
        if (k > uint8_t(OpKind::Send)) fail("snapshot.ops", "a bad operation kind");
        op.kind = OpKind(k);
        op.index = in.u32v("snapshot.ops");
        if ((op.kind == OpKind::Task && op.index >= r.mod.tasks.size()) ||
            (op.kind == OpKind::Child && op.index >= r.mod.workflows.size()))
            fail("snapshot.ops", "an operation's declaration index is out of range");
        op.json = std::string(in.str("snapshot.ops"));
        op.promise = r.refAs<Promise>(ObjType::Promise, "snapshot.ops", false);
        op.fnIndex = in.u32v("snapshot.ops");
        op.pc = in.u32v("snapshot.ops");
        uint8_t taken = in.u8();
        if (taken > 1) fail("snapshot.ops", "a bad taken flag");
        op.taken = taken == 1;
        if (!ops.emplace(op.id, op).second) fail("snapshot.ops", "a repeated operation id");
    }
    RunContext rc;
    rc.runId = std::string(in.str("snapshot.run"));
    rc.nowMs = int64_t(in.fixed(8));
    rc.rng[0] = in.fixed(8);
    rc.rng[1] = in.fixed(8);
    rc.uuidCounter = in.varint();
    rc.nextOpId = in.varint();
    for (auto& [id, op] : ops)
        if (id >= rc.nextOpId) fail("snapshot.ops", "an operation id past the run's counter");
    uint64_t nextPromiseId = in.varint(), nextFiberId = in.varint(), nextRunId = in.varint();
    std::deque<Vm::Job> jobs;
    size_t nJobs = in.count("snapshot.jobs");
    for (size_t i = 0; i < nJobs; ++i) {
        Vm::Job j{Vm::Job::Kind::Resume, {}, Value::undefined(), false, nullptr, nullptr};
        uint8_t k = in.u8();
        if (k > 2) fail("snapshot.jobs", "a bad job kind");
        j.kind = Vm::Job::Kind(k);
        uint8_t rk = in.u8();
        if (rk > 1) fail("snapshot.jobs", "a bad reaction kind");
        j.reaction.kind = Reaction::Kind(rk);
        j.reaction.derived = r.refAs<Promise>(ObjType::Promise, "snapshot.jobs");
        j.reaction.onFulfilled = r.value("snapshot.jobs");
        j.reaction.onRejected = r.value("snapshot.jobs");
        j.reaction.fiber = r.refAs<Fiber>(ObjType::Fiber, "snapshot.jobs");
        j.argument = r.value("snapshot.jobs");
        uint8_t rej = in.u8();
        if (rej > 1) fail("snapshot.jobs", "a bad rejected flag");
        j.rejected = rej == 1;
        j.fiber = r.refAs<Fiber>(ObjType::Fiber, "snapshot.jobs");
        j.promise = r.refAs<Promise>(ObjType::Promise, "snapshot.jobs");
        if (j.kind == Vm::Job::Kind::Resume && !j.fiber)
            fail("snapshot.jobs", "a resume job without a fiber");
        if (j.kind == Vm::Job::Kind::ResolveThenable &&
            (!j.promise || !isType(j.argument, ObjType::Promise)))
            fail("snapshot.jobs", "an adoption job without its promises");
        jobs.push_back(j);
    }
    if (in.remaining() != 0) fail("snapshot.trailing", "bytes after the end of the state");

    // Cross-object checks (every object exists now).
    for (Fiber* f : r.fibers)
        r.validateFiber(f);
    for (size_t i = 0; i < r.natives.size(); ++i) {
        NativeCheck check = nativeCheck(r.nativeNames[i]);
        if (check && !check(r.natives[i]))
            fail("snapshot.native", "the state of run-time native '" +
                                        std::string(r.nativeNames[i]) + "' is malformed");
    }
    // Boot objects take their new prototypes for the cycle check, and get
    // their old ones back if it fails.
    std::vector<Object*> oldProtos;
    for (auto& rec : bootRecs) {
        oldProtos.push_back(rec.obj->proto);
        rec.obj->proto = rec.proto;
        r.objects.push_back(rec.obj);
    }
    try {
        r.checkProtoCycles();
    } catch (SnapshotError&) {
        for (size_t i = 0; i < bootRecs.size(); ++i)
            bootRecs[i].obj->proto = oldProtos[i];
        throw;
    }

    // Apply: nothing below can fail.
    for (auto& rec : bootRecs) {
        while (!rec.obj->props.empty())
            rec.obj->removeOwn(rec.obj->props.back().key->view());
        Reader::installProps(rec.obj, rec.props);
        if (rec.hasElems) static_cast<Array*>(rec.obj)->elems = std::move(rec.elems);
    }
    vm.modVars_ = std::move(modVars);
    vm.mainPromise_ = mainPromise;
    vm.rejected_ = std::move(rejected);
    vm.ops_ = std::move(ops);
    vm.run_ = rc;
    vm.nextPromiseId_ = nextPromiseId;
    vm.nextFiberId_ = nextFiberId;
    vm.nextRunId_ = nextRunId;
    vm.jobs_ = std::move(jobs);
}

NativeCheck snap::nativeCheck(std::string_view name) {
    struct Row {
        const char* name;
        NativeCheck check;
    };
    static const Row rows[] = {
        {"promise.resolveFn", checkPromiseSlot},      {"promise.rejectFn", checkPromiseSlot},
        {"promise.allElement", checkCombinator},      {"promise.settledFulfilled", checkCombinator},
        {"promise.settledRejected", checkCombinator}, {"promise.anyRejected", checkCombinator},
        {"function.boundCall", checkBound},           {"parallelMap.itemOk", checkPmOk},
        {"parallelMap.itemErr", checkPmErr},
    };
    for (const Row& r : rows)
        if (name == r.name) return r.check;
    return nullptr; // its code checks what it reads (or reads nothing)
}

void restoreSnapshot(Vm& vm, std::span<const uint8_t> blob) {
    SnapshotReader::restore(vm, blob);
}

SnapshotInfo inspectSnapshot(std::span<const uint8_t> blob) {
    Header h = readHeader(blob);
    SnapshotInfo info;
    info.formatVersion = h.version;
    info.moduleHash = h.hash;
    info.bytes = blob.size();
    return info;
}

} // namespace flow::vm
