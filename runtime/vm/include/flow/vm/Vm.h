#pragma once
// Vm.h — the Flow virtual machine: one loaded Module, its heap, module
// variables, builtin globals, fibers and the promise job queue.
//
// The API natives use (see /work/notes/VM_API_READY and docs/runtime.md):
//   - allocate with vm.newString / newObject / newArray / newNative / alloc<T>;
//   - objects allocated while a native runs are kept alive until it returns
//     (an automatic root scope), so natives need no manual rooting for values
//     they create; a value kept in a C++ variable across a call back into
//     Flow that is *not* new and not reachable from args: use HandleScope;
//   - throw a JS error with vm.throwError(ErrorKind::TypeError, "msg") or any
//     value with vm.throwValue(v): both raise a C++ ThrowSignal that the
//     interpreter turns into a Flow exception (catchable by try/catch).
//   - call back into Flow with vm.call(fn, thisValue, {args...}).
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flow/bytecode/Builtins.h"
#include "flow/bytecode/Module.h"
#include "flow/vm/Heap.h"
#include "flow/vm/Value.h"

namespace flow::vm {

// ---- limits (each a named constant with a test at and past it)
// Flow frames on the synchronous call stack (all fibers being run). Past it,
// a catchable RangeError "Maximum call stack size exceeded".
inline constexpr uint32_t kMaxCallDepth = 10000;
// Natives that call back into Flow (sort comparators, map callbacks) nest the
// interpreter in C++; this bounds that C recursion.
inline constexpr uint32_t kMaxNativeReentry = 256;
// Strings longer than this (in bytes) throw RangeError "Invalid string length".
inline constexpr size_t kMaxStringBytes = size_t(1) << 29;
// Arrays longer than this throw RangeError "Invalid array length".
inline constexpr size_t kMaxArrayLength = size_t(1) << 27;

enum class ErrorKind : uint8_t { Error, TypeError, RangeError, ReferenceError, SyntaxError };

// The C++ exception that carries a Flow throw; the thrown value itself is in
// Vm::pendingException() (a GC root) until a handler takes it.
struct ThrowSignal {};

struct VmOptions {
    bool gcStress = false; // collect at every allocation (tests)
    // The string and array limits (tests lower them to test at and past them).
    size_t maxStringBytes = kMaxStringBytes;
    size_t maxArrayLength = kMaxArrayLength;
    // Hard-snapshot mode: an async fiber running at the bottom of the
    // interpreter (resumed by a job, no native call in progress) stops at
    // every loop back-edge, and a Resume job queued at the FRONT continues it,
    // so the host can snapshot there without changing the order of anything.
    bool yieldAtBackEdges = false;
    // Console output sinks (stdout / stderr by default).
    std::function<void(std::string_view)> out, err;
};

// The outcome of running something to the end.
struct Completion {
    bool ok = true;
    Value value; // the result, or the thrown value when !ok
};

// ---- host operations
// What a run asks of its host (the durable engine, or `flowrun test`): a task
// attempt series, a timer, a wait for a signal or an event, an emit, a child
// run, a message to another run. The VM never does I/O itself: a call such as
// `greet(name)` or `sleep(5s)` creates a HostOp with a pending promise; the
// host picks new ops up after the job queue drained (takeNewOps), does the
// work, and settles the op (completeOp), after which it runs the jobs again.
// Pending ops are part of a snapshot, so a restored run still waits on them.
enum class OpKind : uint8_t {
    Task,   // index = TaskDecl; json = {"args": {param: value, ...}}
    Timer,  // json = {"ms": N} (sleep) or {"until": epochMs} (sleepUntil)
    Signal, // json = {"name": "...", "timeoutMs": N|null}
    Event,  // json = {"type": "...", "match": {...}|null, "timeoutMs": N|null}
    Emit,   // json = {"type": "...", "payload": ...}; settled with the event id
    Child,  // index = WorkflowDecl; json = {"runId", "workflow", "args": [...], "options": {...}}
    Send,   // json = {"runId": "...", "name": "...", "payload": ...}
};
const char* opKindName(OpKind k);

struct HostOp {
    uint64_t id = 0; // the step id: 1, 2, ... per run, in creation order
    OpKind kind = OpKind::Task;
    uint32_t index = 0;           // Task: TaskDecl index; Child: WorkflowDecl index
    std::string json;             // the request (see OpKind)
    Promise* promise = nullptr;   // settled by Vm::completeOp (a GC root while pending)
    uint32_t fnIndex = 0, pc = 0; // where the run made the call (Vm::sourceLine)
    bool taken = false;           // handed to the host by takeNewOps
};

// Per-run deterministic state behind now(), uuid() and random(); part of a
// snapshot. The host sets nowMs to the time of each boundary it delivers.
struct RunContext {
    std::string runId = "local";
    int64_t nowMs = 0;
    uint64_t rng[2] = {0x9E3779B97F4A7C15ull, 0xD1B54A32D192ED03ull}; // xorshift128+ state
    uint64_t uuidCounter = 0;
    uint64_t nextOpId = 1;
};

// Keeps values alive across allocations and calls while it is in scope.
class HandleScope {
public:
    explicit HandleScope(Vm& vm);
    ~HandleScope();
    HandleScope(const HandleScope&) = delete;
    HandleScope& operator=(const HandleScope&) = delete;
    // Roots v for the scope's lifetime; returns its slot index for get/set.
    size_t add(Value v);
    Value get(size_t slot) const;
    void set(size_t slot, Value v);

private:
    Vm& vm_;
    size_t mark_;
};

class Vm {
public:
    explicit Vm(VmOptions opts = {});
    ~Vm();
    Vm(const Vm&) = delete;
    Vm& operator=(const Vm&) = delete;

    // ---- program
    // Takes the module (already verified), creates its module variables
    // (uninitialized: TDZ) and the task/workflow values.
    void load(bytecode::Module m);
    const bytecode::Module& module() const { return *module_; }
    // The same, sharing one immutable module between VMs (the engine loads
    // a module once for every run pinned to it).
    void load(std::shared_ptr<const bytecode::Module> m);
    // Materializes function fnIndex's constants on first use (instantiate and
    // snapshot restore): a VM pays only for the functions it runs, which
    // matters for test modules with hundreds of test functions.
    void ensureConstants(uint32_t fnIndex);
    // Runs every init function in Module::inits order, each followed by the
    // job queue until idle. Stops at the first uncaught error.
    Completion runInits();
    // Starts workflow `index` with `args`, runs the scheduler until idle, and
    // gives its outcome (ok=false with value undefined if it never settled).
    Completion runWorkflow(uint32_t index, std::span<const Value> args);
    // Starts workflow `index` with `args` without running the job queue: the
    // run's main fiber runs to its first await. Its promise (the run's
    // outcome) is kept as mainPromise() (a root, part of a snapshot).
    Promise* startWorkflow(uint32_t index, std::span<const Value> args);
    Promise* mainPromise() const { return mainPromise_; }
    // Starts test `testIndex` (Module::tests) as an async call on its own
    // fiber, without running the job queue; the promise is its outcome.
    Promise* startTest(uint32_t testIndex);
    // Runs queued jobs (promise reactions, resumed fibers) until none is left.
    void runJobs();
    // Runs one queued job; false when the queue was empty. The hard-snapshot
    // driver snapshots and restores between jobs.
    bool runOneJob();
    bool hasJobs() const { return !jobs_.empty(); }
    // Time slices (the durable engine, docs/runtime.md "Time slices"): once
    // `deadline` passed, an async fiber running at the bottom of the
    // interpreter stops at its next loop back-edge as in hard-snapshot mode
    // (its Resume job first in the queue, nothing reordered), and runJobs()
    // returns. sliceEnded() then stays true until armSlice or disarmSlice. A long
    // computation thus becomes several boundaries instead of one that holds
    // the database's write lock for as long as it runs.
    void armSlice(std::chrono::steady_clock::time_point deadline);
    void disarmSlice() {
        sliceArmed_ = sliceDue_ = sliceEnded_ = false;
        backEdgeStops_ = opts_.yieldAtBackEdges;
    }
    bool sliceEnded() const { return sliceEnded_; }
    // A fiber stopped at a back-edge (a slice that ended) resumes by throwing
    // a new Error named `name` there instead of going on: a cancel or a
    // workflow timeout reaches code that computes without awaiting, and its
    // catch and finally blocks run. False when no fiber is stopped so.
    bool interruptStopped(std::string_view name, std::string_view message);
    // Where the fiber a slice stopped will go on (function index, pc) for
    // sourceLine/lineOf; nullopt when no fiber is stopped at a back-edge.
    std::optional<std::pair<uint32_t, uint32_t>> stoppedAt() const;
    // A promise rejected with no handler once the job queue drained (node's
    // "unhandled rejection", which ends the program): its reason, cleared;
    // nullopt when there is none.
    std::optional<Value> takeUnhandledRejection();

    // ---- allocation (may collect garbage)
    template <class T, class... A>
    T* alloc(A&&... a) {
        maybeCollect();
        T* o = new T(std::forward<A>(a)...);
        o->next = objects_;
        objects_ = o;
        ++allocCount_;
        if (autoRoot_) handles_.push_back(Value::object(o));
        return o;
    }
    String* newString(std::string s);
    String* newString(std::string_view s) { return newString(std::string(s)); }
    String* newString(const char* s) { return newString(std::string(s)); }
    String* newStringFromUnits(std::u16string_view units);
    // a + b without rescanning either (string building): O(copy).
    String* concat(String* a, String* b);
    Object* newObject() { return alloc<Object>(objectProto); }
    Array* newArray(size_t reserve = 0);
    NativeFunction* newNative(std::string_view name, NativeFn fn, uint8_t arity);
    Promise* newPromise();
    // An Error object of `kind` with message and a Flow stack trace.
    Object* newError(ErrorKind kind, std::string_view message);
    Object* newErrorWithProto(Object* proto, std::string_view name, std::string_view message);

    // ---- errors (never return)
    [[noreturn]] void throwValue(Value v);
    [[noreturn]] void throwError(ErrorKind kind, std::string_view message);
    Value pendingException() const { return exception_; }
    // For natives that catch a ThrowSignal: the thrown value, cleared.
    Value takeException() {
        Value v = exception_;
        exception_ = Value::undefined();
        return v;
    }
    // The "at fn (file:line)" lines of the current Flow call stack.
    std::string stackTrace() const;

    // ---- properties (JS semantics; may call user code via toString)
    Value get(Value obj, Value key);              // obj[key]
    Value getNamed(Value obj, const String* key); // obj.key
    Value getNamed(Value obj, std::string_view key);
    void set(Value obj, Value key, Value v);
    void setNamed(Value obj, String* key, Value v);
    void setNamed(Value obj, std::string_view key, Value v);
    // Property key of a value (numbers canonicalized: 1 -> "1").
    String* toPropertyKey(Value key);
    // Own + inherited lookup through the proto chain (nullptr when absent).
    Value* lookup(Object* o, std::string_view key, uint32_t hash);

    // ---- calls
    // Calls any callable (closure, native, workflow) and returns its result;
    // a Flow throw propagates as ThrowSignal. Async functions return a promise.
    Value call(Value fn, Value thisValue, std::span<const Value> args);
    Value call(Value fn, Value thisValue, std::initializer_list<Value> args) {
        return call(fn, thisValue, std::span<const Value>(args.begin(), args.size()));
    }
    // True while a native runs because of `new` (constructors).
    bool isConstructCall() const { return constructCall_; }

    // ---- promises and scheduling (Scheduler.cpp)
    void resolvePromise(Promise* p, Value v); // the spec's resolve function: adopts thenables
    void fulfillPromise(Promise* p, Value v);
    void rejectPromise(Promise* p, Value v);
    // p.then(onFulfilled, onRejected): returns the derived promise.
    Promise* promiseThen(Promise* p, Value onFulfilled, Value onRejected);
    // Promise.resolve(v): v itself when it is a promise.
    Promise* promiseResolve(Value v);

    // ---- builtins and prototypes (natives/*.cpp fill them)
    Value builtin(bytecode::Builtin b) const { return builtins_[size_t(b)]; }
    void setBuiltin(bytecode::Builtin b, Value v) { builtins_[size_t(b)] = v; }
    Object* objectProto = nullptr;
    Object* functionProto = nullptr;
    Object* arrayProto = nullptr;
    Object* stringProto = nullptr;
    Object* numberProto = nullptr;
    Object* booleanProto = nullptr;
    Object* promiseProto = nullptr;
    Object* errorProtos[5] = {}; // by ErrorKind
    Object* iteratorProto = nullptr;

    // Frequently used strings, created once.
    struct Names {
        String *length, *prototype, *name, *message, *stack, *constructor, *toString, *valueOf,
            *then, *empty;
        String *undefined, *null, *true_, *false_, *number, *string, *boolean, *object, *function;
        String* errorNames[5];
    } names{};
    String* intern(std::string_view s); // a string kept alive forever (names, keys)

    // Called at every safepoint (JumpBack, and Await after the fiber
    // suspended): the hook for preemption and hard-snapshot mode. May be null.
    void (*safepointHook)(Vm& vm, Fiber* f) = nullptr;

    // `start wf(args) with options` (StartRun): inside one VM (no durable
    // runtime yet) the run is an async call of the workflow; the handle is
    // { runId, result } with result its promise.
    Value startRun(Value workflow, Value args, Value options);
    // The prototype of the handles startRun makes (null: Object.prototype).
    // `flowrun test` gives the test's handles status()/history()/signal()...
    // methods this way; a GC root. Never set in a run that is snapshotted.
    Object* handleProto = nullptr;
    // The host's context for the natives it installs into this VM (the test
    // harness installs mock/clock/emitted and the handle methods).
    void* host = nullptr;
    // Values the host keeps alive for as long as it likes (GC roots; never
    // part of a snapshot): the test harness's mocks and test promise.
    std::vector<Value> hostRoots;

    // ---- host operations (HostOp above)
    HostOp& addOp(OpKind kind, uint32_t index, std::string json);
    // Ids of ops created since the last call, in creation order.
    std::vector<uint64_t> takeNewOps();
    const HostOp* findOp(uint64_t id) const;
    const std::map<uint64_t, HostOp>& ops() const { return ops_; }
    // Settles op `id`: ok -> fulfilled with the parsed JSON value; !ok ->
    // rejected with an Error built from {"name","message",...extra fields}.
    // Returns false when no such op is pending. Run runJobs() afterwards.
    bool completeOp(uint64_t id, bool ok, std::string_view json);
    bool completeOpValue(uint64_t id, bool ok, Value v);
    // An Error object named `name` (own "name" when it differs from Error).
    Object* newNamedError(std::string_view name, std::string_view message);
    RunContext& runContext() { return run_; }
    // Sets the run id and seeds random() and uuid() from it.
    void setRunId(std::string_view runId);
    const RunContext& runContext() const { return run_; }
    // file:line of (function, pc): for history and status.
    std::string sourceLine(uint32_t fnIndex, uint32_t pc) const;
    uint32_t lineOf(uint32_t fnIndex, uint32_t pc) const;

    // ---- output
    void writeOut(std::string_view s) { opts_.out(s); }
    void writeErr(std::string_view s) { opts_.err(s); }

    // ---- garbage collection (Gc.cpp)
    void collectGarbage();
    size_t liveObjects() const { return liveCount_; }
    size_t allocCount() const { return allocCount_; }
    bool gcStress() const { return opts_.gcStress; }
    // The limits in force (VmOptions; default kMaxStringBytes / kMaxArrayLength).
    size_t maxStringBytes() const { return opts_.maxStringBytes; }
    size_t maxArrayLength() const { return opts_.maxArrayLength; }

    // ---- interpreter internals (Interpreter.cpp, Calls.cpp)
    struct NativeScope; // RAII: auto-roots allocations while a native runs
    friend class HandleScope;
    friend struct Interp;
    friend class SnapshotWriter; // Snapshot.cpp
    friend class SnapshotReader;

private:
    void maybeCollect();
    void markRoots(Tracer& t);
    void installNatives();

    // Runs the interpreter on fiber `f` until its frame marked returnToHost
    // returns (result in `out`), or until `f` suspends or finishes. With
    // throwOnEntry, the pending exception is thrown at the top frame's pc
    // (an await whose promise rejected).
    void execute(Fiber* f, Value* out, bool throwOnEntry);
    Value callClosure(Closure* c, Value thisValue, std::span<const Value> args);
    Value callAny(Value fn, Value thisValue, std::span<const Value> args);
    Value callNative(NativeFunction* n, Value thisValue, std::span<const Value> args,
                     bool construct);
    // Creates a fiber for an async closure and sets up its first frame.
    Fiber* newAsyncFiber(Closure* c, Value thisValue, std::span<const Value> args);
    Closure* instantiate(uint32_t fnIndex);
    // An async top-level function (workflow, test) started on its own fiber.
    Promise* startFunction(uint32_t fnIndex, std::span<const Value> args);
    void fiberDone(Fiber* f, bool threw, Value v);

    struct Job {
        enum class Kind : uint8_t { Reaction, Resume, ResolveThenable } kind;
        Reaction reaction; // Reaction
        Value argument;    // Reaction: settled value; Resume: value
        bool rejected = false;
        Fiber* fiber = nullptr;     // Resume
        Promise* promise = nullptr; // ResolveThenable: the promise to resolve
    };
    void enqueue(Job j) { jobs_.push_back(std::move(j)); }
    void triggerReactions(Promise* p);
    void runJob(Job& j);
    void resumeFiber(Fiber* f, Value v, bool threw);

    VmOptions opts_;
    std::shared_ptr<const bytecode::Module> modulePtr_;
    const bytecode::Module* module_ = &kNoModule; // modulePtr_.get() once loaded
    static const bytecode::Module kNoModule;
    std::vector<std::vector<Value>> constants_; // per function, materialized
    std::vector<Value> modVars_;
    std::vector<Value> builtins_;
    std::vector<Value> handles_; // HandleScope / NativeScope roots (LIFO)
    // Argument buffers of native calls in progress (they do not move).
    std::vector<std::span<const Value>> rootRanges_;
    std::vector<String*> interned_;
    std::unordered_map<std::string_view, String*> internIndex_;
    std::deque<Job> jobs_;
    // armSlice: the clock is read every kSliceCheck back-edges, not at each.
    static constexpr uint32_t kSliceCheck = 1024;
    bool sliceArmed_ = false, sliceDue_ = false, sliceEnded_ = false;
    // yieldAtBackEdges || sliceArmed_: the interpreter's back-edges test this
    // one flag (and safepointHook) before anything else.
    bool backEdgeStops_ = false;
    bool hostStart_ = false; // startFunction is calling the function it starts
    uint32_t sliceCountdown_ = 0;
    std::chrono::steady_clock::time_point sliceDeadline_{};
    std::vector<Promise*> rejected_; // rejected while unhandled (checked after runJobs)
    Value exception_;
    Fiber* hostFiber_ = nullptr;  // runs host-initiated calls (inits, reactions)
    std::vector<Fiber*> running_; // fibers being executed (nested execute calls)
    uint32_t callDepth_ = 0;
    uint32_t nativeDepth_ = 0;
    bool autoRoot_ = false;
    bool constructCall_ = false;
    uint64_t nextPromiseId_ = 1, nextFiberId_ = 1, nextRunId_ = 1;
    Promise* mainPromise_ = nullptr;
    // registerRuntimeNative (Natives.h): stable names of run-time natives.
    std::vector<std::pair<std::string, NativeFn>> runtimeNatives_;
    friend void registerRuntimeNative(Vm& vm, std::string_view name, NativeFn fn);
    std::map<uint64_t, HostOp> ops_; // pending host operations by id
    RunContext run_;

    HeapObject* objects_ = nullptr;
    size_t allocCount_ = 0, liveCount_ = 0, sinceGc_ = 0, gcThreshold_ = 100000;
    // Bytes of string payload allocated since the last collection: big
    // strings trigger a collection long before the object count does.
    size_t bytesSinceGc_ = 0, gcByteThreshold_ = size_t(4) << 20;
    bool collecting_ = false;
    // Collections so far: what the snapshot writer's cache (below) was built
    // for, since a collection may free objects it points to.
    uint64_t gcCount_ = 0;
    // SnapshotWriter.cpp: state kept from one snapshot to the next (the boot
    // objects' numbering, their last verified state) and the epoch that
    // tells the current snapshot's HeapObject::snapId from older ones.
    std::shared_ptr<void> snapCache_;
    uint16_t snapEpoch_ = 0;
};

// RAII used around native calls: allocations are rooted until it ends.
struct Vm::NativeScope {
    explicit NativeScope(Vm& vm) : vm_(vm), mark_(vm.handles_.size()), saved_(vm.autoRoot_) {
        vm.autoRoot_ = true;
    }
    ~NativeScope() {
        vm_.handles_.resize(mark_);
        vm_.autoRoot_ = saved_;
    }
    Vm& vm_;
    size_t mark_;
    bool saved_;
};

} // namespace flow::vm
