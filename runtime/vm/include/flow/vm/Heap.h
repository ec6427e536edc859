#pragma once
// Heap.h — the garbage-collected object types of the VM.
//
// Every heap object derives from HeapObject and is allocated with
// Vm::alloc<T>(...) (Vm.h), which links it into the heap's list. The collector
// is a non-moving tracing mark-sweep (cycles are normal): pointers to heap
// objects stay valid until the object is unreachable at a collection. What a
// collection treats as roots is listed in Vm::markRoots (Gc.cpp).
//
// Strings (String) are stored as WTF-8: UTF-8 that may also hold lone UTF-16
// surrogates (each as a 3-byte sequence), so every JS string — including the
// half of a surrogate pair that "😀".slice(0, 1) gives — round-trips. JS
// semantics (length, indexing, charCodeAt, slice) count UTF-16 code units: an
// astral character such as "😀" is 4 bytes here and 2 code units, exactly as
// in JS. An all-ASCII string (the common case, flagged at creation) indexes
// its bytes directly in O(1); any other string builds its UTF-16 form once, on
// first indexed access, and keeps it. Output (console, JSON) converts lone
// surrogates to U+FFFD.
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flow/bytecode/Module.h"
#include "flow/vm/Value.h"

namespace flow::vm {

class Vm;
struct Fiber;

enum class ObjType : uint8_t {
    String,
    Object, // plain objects and Error objects (an Object whose proto chain has Error.prototype)
    Array,
    Closure, // a Flow function value
    Native,  // a C++ function value
    Box,     // the heap cell of a captured local
    Promise,
    Fiber,    // an async function's execution (not a Flow-visible value)
    Iterator, // for-of / for-in state (not a Flow-visible value)
    Task,     // a task declaration's value (issue 4 runs it durably)
    Workflow, // a workflow declaration's value
};

// Collects gray objects during marking (an explicit stack: no C recursion).
struct Tracer {
    std::vector<HeapObject*> gray;
    void mark(HeapObject* o);
    void mark(Value v) {
        if (v.isObject()) mark(v.asObject());
    }
};

struct HeapObject {
    explicit HeapObject(ObjType t) : type(t) {}
    HeapObject(const HeapObject&) = delete;
    HeapObject& operator=(const HeapObject&) = delete;
    virtual ~HeapObject() = default;
    // Marks every heap reference this object holds.
    virtual void trace(Tracer&) {}

    ObjType type;
    bool marked = false;
    // The snapshot writer's number for this object (SnapshotWriter.cpp),
    // valid while snapEpoch equals its Vm's current snapshot epoch: an id
    // kept in the object instead of a pointer -> id hash map. They fill
    // what was padding before `next`.
    uint16_t snapEpoch = 0;
    uint32_t snapId = 0;
    HeapObject* next = nullptr; // the heap's all-objects list
};

// The hash String::hash holds, for a key given as bytes (Object::findOwn).
uint32_t hashKey(std::string_view s);

struct String final : HeapObject {
    explicit String(std::string s);
    // When the caller knows the UTF-16 length (concatenation of two strings
    // that do not split a surrogate pair).
    String(std::string s, uint32_t len16, bool isAscii);

    std::string data;      // WTF-8 bytes
    uint32_t hash = 0;     // hashKey(data): a prefilter for property lookups
    uint32_t length16 = 0; // length in UTF-16 code units (JS .length)
    bool ascii = true;

    std::string_view view() const { return data; }
    // The UTF-16 code unit at index i (< length16).
    uint16_t unitAt(uint32_t i) const;
    // All UTF-16 code units (built lazily for non-ASCII strings).
    const std::u16string& units() const;
    bool equals(const String* o) const { return this == o || (hash == o->hash && data == o->data); }

private:
    mutable std::unique_ptr<std::u16string> units_;
};

struct Property {
    String* key;
    Value value;
    bool enumerable = true; // false for Error's message/stack and builtin methods
};

// A JS object: own properties in insertion order, plus a prototype. Property
// enumeration order (ownKeys) is JS's: array-index-like keys ascending, then
// the other keys in insertion order.
struct Object : HeapObject {
    explicit Object(Object* proto_, ObjType t = ObjType::Object) : HeapObject(t), proto(proto_) {}
    void trace(Tracer& t) override;

    Object* proto = nullptr;
    std::vector<Property> props;

    // Own property lookup (nullptr when absent).
    Value* findOwn(std::string_view key, uint32_t hash);
    Value* findOwn(const String* key) { return findOwn(key->view(), key->hash); }
    Value* findOwn(std::string_view key);
    // Adds or overwrites an own property (a new one is enumerable).
    void setOwn(String* key, Value v);
    // Adds or overwrites an own non-enumerable property (builtin methods,
    // Error's message and stack): skipped by ownKeys, for-in and JSON.
    void setHidden(String* key, Value v);
    bool removeOwn(std::string_view key);
    // Own enumerable keys in JS order.
    std::vector<String*> ownKeys() const;

private:
    void rebuildIndex();
    // Built once an object has many properties (JSON documents, maps).
    std::unique_ptr<std::unordered_map<std::string_view, uint32_t>> index_;
};

struct Array final : Object {
    explicit Array(Object* proto_) : Object(proto_, ObjType::Array) {}
    void trace(Tracer& t) override;
    std::vector<Value> elems; // no holes: a gap is filled with undefined
};

struct Box final : HeapObject {
    Box() : HeapObject(ObjType::Box) {}
    void trace(Tracer& t) override { t.mark(value); }
    Value value = Value::uninit();
};

struct Closure final : Object {
    Closure(Object* proto_, uint32_t fnIndex_, const bytecode::Function* fn_)
        : Object(proto_, ObjType::Closure), fnIndex(fnIndex_), fn(fn_) {}
    void trace(Tracer& t) override;
    uint32_t fnIndex;
    const bytecode::Function* fn;
    Value boundThis; // arrows capture `this` when they are created
    std::vector<Box*> upvals;
};

// The arguments of a native call. They live in a rooted area owned by the
// caller, so they survive allocations and callbacks into Flow.
struct Args {
    Value thisValue;
    const Value* argv = nullptr;
    uint32_t argc = 0;
    Value operator[](uint32_t i) const { return i < argc ? argv[i] : Value::undefined(); }
    uint32_t size() const { return argc; }
};

struct NativeFunction;
// A native function. To throw a JS error, call vm.throwError(...) /
// vm.throwValue(...) (they do not return). See Vm.h.
using NativeFn = Value (*)(Vm& vm, const Args& args, NativeFunction* self);

struct NativeFunction final : Object {
    NativeFunction(Object* proto_, NativeFn fn_, String* name_, uint8_t arity_)
        : Object(proto_, ObjType::Native), fn(fn_), name(name_), arity(arity_) {}
    void trace(Tracer& t) override;
    NativeFn fn;
    String* name;
    uint8_t arity;
    // `new F(...)` allowed (Error, Object, ...); natives see isConstructCall().
    bool constructor = false;
    // Per-instance state for natives made at run time (a promise's resolve
    // function holds its promise here, a combinator its counters).
    Value slots[3];
};

enum class PromiseState : uint8_t { Pending, Fulfilled, Rejected };

// What happens when a promise settles (the spec's PromiseReaction, plus the
// VM's own "resume this fiber" reaction used by await).
struct Reaction {
    enum class Kind : uint8_t { Then, Await } kind = Kind::Then;
    Object* derived = nullptr;     // Then: the promise returned by then() (may be null)
    Value onFulfilled, onRejected; // Then: handlers (undefined = pass through)
    Fiber* fiber = nullptr;        // Await: the fiber to resume
};

struct Promise final : Object {
    explicit Promise(Object* proto_) : Object(proto_, ObjType::Promise) {}
    void trace(Tracer& t) override;
    PromiseState state = PromiseState::Pending;
    Value result;
    std::vector<Reaction> reactions;
    bool handled = false; // a rejection handler was attached (unhandled-rejection report)
    uint64_t id = 0;      // creation order (deterministic reports)
};

struct Frame {
    Closure* closure = nullptr;
    uint32_t base = 0; // index of register 0 in the fiber's stack
    uint32_t pc = 0;   // next instruction (saved while a callee runs)
    Value thisValue;
    uint32_t retSlot = 0; // absolute stack slot receiving this frame's result
    // Return to the C++ caller (Vm::call) instead of continuing the caller
    // frame: the boundary of a native re-entering the interpreter.
    bool returnToHost = false;
};

// The frames of a fiber. A std::vector whose push the interpreter could not
// inline (its reallocation path came along, a call per Flow call); this one
// keeps its storage when frames pop, so a call checks hasRoom() and writes
// the next slot. Frames at and above size() are dead and never read.
class FrameStack {
public:
    bool empty() const { return size_ == 0; }
    size_t size() const { return size_; }
    Frame& back() { return slots_[size_ - 1]; }
    const Frame& back() const { return slots_[size_ - 1]; }
    Frame& operator[](size_t i) { return slots_[i]; }
    bool hasRoom() const { return size_ < slots_.size(); }
    // The next slot, holding whatever it held: the caller sets every field.
    // Only when hasRoom().
    Frame& pushUnchecked() { return slots_[size_++]; }
    void push_back(const Frame& fr) {
        if (!hasRoom()) slots_.resize(slots_.empty() ? 8 : slots_.size() * 2);
        slots_[size_++] = fr;
    }
    void pop_back() { --size_; }
    void clear() { size_ = 0; }
    Frame* begin() { return slots_.data(); }
    Frame* end() { return slots_.data() + size_; }
    const Frame* begin() const { return slots_.data(); }
    const Frame* end() const { return slots_.data() + size_; }
    std::reverse_iterator<const Frame*> rbegin() const { return std::reverse_iterator(end()); }
    std::reverse_iterator<const Frame*> rend() const { return std::reverse_iterator(begin()); }

private:
    std::vector<Frame> slots_;
    size_t size_ = 0;
};

enum class FiberState : uint8_t { Ready, Running, Suspended, Done };

// An async function's execution: its own register stack and frames.
struct Fiber final : HeapObject {
    Fiber() : HeapObject(ObjType::Fiber) {}
    void trace(Tracer& t) override;
    std::vector<Value> stack;
    FrameStack frames;
    FiberState state = FiberState::Ready;
    Promise* promise = nullptr; // resolved with the async function's result
    Fiber* resumer = nullptr;   // the fiber to switch back to at the first await/completion
    uint32_t awaitSlot = 0;     // absolute slot receiving the awaited value
    // Await resumption delivered by the scheduler.
    Value resumeValue;
    bool resumeThrow = false;
    // Suspended at a loop back-edge (VmOptions::yieldAtBackEdges), not at an
    // await: its Resume job continues it without writing awaitSlot.
    bool yielded = false;
    uint64_t id = 0;
};

enum class IterKind : uint8_t { ArrayValues, StringCodePoints, Keys };

struct Iterator final : HeapObject {
    Iterator() : HeapObject(ObjType::Iterator) {}
    void trace(Tracer& t) override;
    IterKind kind = IterKind::ArrayValues;
    Value target;       // the array or string (Keys: an Array of key strings)
    uint32_t index = 0; // next element (strings: next UTF-16 unit)
};

// Values of `task` and `workflow` declarations. Calling a task needs the
// durable runtime (issue 4); calling a workflow runs its body as an async call.
struct TaskRef final : Object {
    TaskRef(Object* proto_, uint32_t idx) : Object(proto_, ObjType::Task), index(idx) {}
    uint32_t index;
};
struct WorkflowRef final : Object {
    WorkflowRef(Object* proto_, uint32_t idx) : Object(proto_, ObjType::Workflow), index(idx) {}
    uint32_t index;
};

// ---- checked downcasts
inline bool isType(Value v, ObjType t) {
    return v.isObject() && v.asObject()->type == t;
}
inline bool isString(Value v) {
    return isType(v, ObjType::String);
}
inline bool isArray(Value v) {
    return isType(v, ObjType::Array);
}
// Every Flow-visible heap value except String is an Object.
inline bool isObjectLike(Value v) {
    if (!v.isObject()) return false;
    auto t = v.asObject()->type;
    return t != ObjType::String && t != ObjType::Box && t != ObjType::Fiber &&
           t != ObjType::Iterator;
}
inline bool isCallable(Value v) {
    if (!v.isObject()) return false;
    auto t = v.asObject()->type;
    return t == ObjType::Closure || t == ObjType::Native || t == ObjType::Task ||
           t == ObjType::Workflow;
}
inline String* asString(Value v) {
    return static_cast<String*>(v.asObject());
}
inline Object* asObj(Value v) {
    return static_cast<Object*>(v.asObject());
}
inline Array* asArray(Value v) {
    return static_cast<Array*>(v.asObject());
}
inline Promise* asPromise(Value v) {
    return static_cast<Promise*>(v.asObject());
}

} // namespace flow::vm
