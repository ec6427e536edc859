// Interpreter.cpp — the dispatch loop: executes Flow bytecode on fibers.
//
// Rules for editing this file (read before changing anything below):
//  1. `regs` and `frame` point into f->stack and f->frames. Anything that can
//     push a frame — a call, a native, a conversion that runs a user
//     toString/valueOf — may reallocate both vectors. Wrap such operations in
//     PROTECT(...): it saves pc before and reloads `frame`/`regs` after. A
//     result is written to regs[A] only after the reload.
//  2. Save pc (SAVEPC) before anything that can throw or allocate: stack
//     traces read frame->pc of every frame, and exception handlers are
//     matched against it: the saved pc minus one lies inside the throwing
//     instruction (its opcode word or its aux word). Not keeping a separate
//     "pc of this instruction" leaves a register to `pc` in the loop.
//  3. Allocation may collect garbage. Keep every live value in a register, a
//     frame, a fiber or a HandleScope; never hold a fresh object only in a C++
//     local across a second allocation (store it into its register first).
//     The collector does not move objects: pointers stay valid while the
//     object is reachable.
//  4. Await and JumpBack are the safepoints: the only places where a fiber may
//     stop (Await suspends it; JumpBack calls the safepoint hook used for
//     preemption and hard-snapshot mode). Await only ever runs in the bottom
//     frame of an async fiber (sync frames cannot contain await).
//  5. Flow throws are C++ ThrowSignal exceptions carrying nothing: the value
//     is Vm::exception_. The catch at the bottom of execute() unwinds: a
//     handler of the frame, else pop it (a returnToHost frame rethrows to the
//     C++ caller, an async fiber's last frame rejects the fiber's promise).
//  6. A fiber switch (calling an async function, await, an async function
//     finishing) changes `f`: LOAD() right after, nothing cached survives it.
//  7. Flow-to-Flow calls never recurse in C++: Call pushes a frame and the
//     loop continues in the callee. Only natives calling back into Flow
//     (Vm::call) nest execute(); kMaxNativeReentry bounds that.
#include <bit>
#include <cmath>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "Internal.h"
#include "flow/vm/Convert.h"

namespace flow::vm {

using bytecode::Insn;
using bytecode::Op;

namespace {
double jsPow(double x, double y) {
    if (y != y) return NAN;
    if (y == 0) return 1;
    if ((x == 1 || x == -1) && std::isinf(y)) return NAN;
    return std::pow(x, y);
}
// A number Value from the result of + - * / on numbers, without the NaN
// canonicalization of Value::number: hardware arithmetic on canonical NaNs
// only yields 0x7FF8... or 0xFFF8..., both below the tag space (Value.h).
inline Value arith(double d) {
    return Value::fromBits(std::bit_cast<uint64_t>(d));
}
// The integral value of d when d is an int32 (false for NaN, fractions and
// anything out of range). On x86 cvttsd2si gives INT_MIN for anything it
// cannot convert, which the round trip then rejects: one conversion and one
// compare, where the portable form needs range tests before the (otherwise
// undefined) cast.
inline bool asInt32(double d, int32_t* out) {
#if defined(__SSE2__)
    int32_t v = _mm_cvttsd_si32(_mm_set_sd(d));
#else
    if (!(d >= -2147483648.0 && d <= 2147483647.0)) return false;
    int32_t v = int32_t(d);
#endif
    if (double(v) != d) return false;
    *out = v;
    return true;
}
// x % y as a Value. Integer remainder when both operands are int32 (the
// common `i % n`): fmod is a slow libm call. A 32-bit division (faster than a
// 64-bit one on many cores); b == -1 is taken out because INT_MIN % -1 traps.
// A zero result takes x's sign as fmod does (-4 % 2 and -0 % 5 are -0). The
// integer result is never NaN, so it skips Value::number's NaN test, which
// would sit on the dependency chain of loops like `s = (s + i) % m`.
inline Value jsMod(double x, double y) {
    int32_t a, b;
    if (asInt32(x, &a) && asInt32(y, &b) && b != 0 && b != -1) {
        int32_t r = a % b;
        return arith(r == 0 ? x * 0.0 : double(r));
    }
    return Value::number(std::fmod(x, y));
}
inline Value same(Value v) {
    return v;
}

// The int32 fast paths (Value.h): each gives false when the result is not an
// int32 Value — an overflow, a -0 (0 * -5, -4 % 2) or a division by 0 / -1 —
// and the handler then takes the double path, which gets those right.
inline bool intAdd(int32_t a, int32_t b, int32_t* r) {
    return !__builtin_add_overflow(a, b, r);
}
inline bool intSub(int32_t a, int32_t b, int32_t* r) {
    return !__builtin_sub_overflow(a, b, r);
}
inline bool intMul(int32_t a, int32_t b, int32_t* r) {
    return !__builtin_mul_overflow(a, b, r) && (*r != 0 || (a | b) >= 0);
}
inline bool intMod(int32_t a, int32_t b, int32_t* r) {
    if (b == 0 || b == -1) return false;
    *r = a % b;
    return *r != 0 || a >= 0;
}
// Division stays on doubles: its results are rarely integers.
inline bool intNone(int32_t, int32_t, int32_t*) {
    return false;
}
// A uint32 result (>>>) as a Value.
inline Value uintValue(uint32_t u) {
    return u <= 0x7FFF'FFFFu ? Value::integer(int32_t(u)) : Value::number(double(u));
}

// One handler address per value of the opcode byte: the values past the
// opcode table lead to the invalid-opcode handler, so a dispatch needs no
// bound check (the verifier rejects unknown opcodes; this keeps a corrupt
// module from jumping through garbage all the same).
struct DispatchTable {
    const void* at[256];
    static DispatchTable make(const void* const (&ops)[bytecode::kOpCount], const void* invalid) {
        DispatchTable t{};
        for (unsigned k = 0; k < 256; ++k)
            t.at[k] = k < bytecode::kOpCount ? ops[k] : invalid;
        return t;
    }
};

std::string localName(const bytecode::Module& m, const bytecode::Function& fn, uint32_t reg,
                      uint32_t pc) {
    for (auto& l : fn.locals)
        if (l.reg == reg && l.startPc <= pc && pc < l.endPc + 1) return m.str(l.name);
    return "variable";
}
} // namespace

void Vm::fiberDone(Fiber* f, bool threw, Value v) {
    HandleScope hs(*this);
    hs.add(v);
    f->state = FiberState::Done;
    f->stack.clear();
    f->stack.shrink_to_fit();
    if (threw)
        rejectPromise(f->promise, v);
    else
        resolvePromise(f->promise, v);
}

// Labels as values are a GNU extension (see DISPATCH in execute).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
// Keep one dispatch jump per handler: GCC's cross-jumping and GCSE would
// merge the DISPATCH tails back into a single shared jump.
#pragma GCC push_options
#pragma GCC optimize("no-crossjumping", "no-gcse")
void Vm::execute(Fiber* entry, Value* out, bool throwOnEntry) {
    struct Guard {
        Vm& vm;
        size_t mark;
        bool autoRoot;
        ~Guard() {
            vm.running_.resize(mark);
            vm.autoRoot_ = autoRoot;
        }
    } guard{*this, running_.size(), autoRoot_};
    running_.push_back(entry);
    autoRoot_ = false; // the interpreter keeps its values in registers
    if (entry->state != FiberState::Running) {
        entry->state = FiberState::Running;
        callDepth_ += uint32_t(entry->frames.size());
    }

    Fiber* f = entry;
    Frame* frame = nullptr;
    const Insn* code = nullptr;
    Value* regs = nullptr;
    const Value* K = nullptr;
    // The instruction pointer: a pointer, not an index into `code`, so the
    // fetch needs no base register; `code` is read only to save pc.
    const Insn* ip = nullptr;

#define LOAD()                                                                                     \
    do {                                                                                           \
        frame = &f->frames.back();                                                                 \
        code = frame->closure->fn->code.data();                                                    \
        regs = f->stack.data() + frame->base;                                                      \
        K = constants_[frame->closure->fnIndex].data();                                            \
        ip = code + frame->pc;                                                                     \
    } while (0)
#define RELOAD()                                                                                   \
    do {                                                                                           \
        frame = &f->frames.back();                                                                 \
        regs = f->stack.data() + frame->base;                                                      \
    } while (0)
#define SAVEPC() (frame->pc = uint32_t(ip - code))
#define PROTECT(...)                                                                               \
    do {                                                                                           \
        SAVEPC();                                                                                  \
        __VA_ARGS__;                                                                               \
        RELOAD();                                                                                  \
    } while (0)
// Switches to the fiber that started `f` synchronously (its first await or
// its completion), or leaves execute() when `f` is the entry fiber.
#define SWITCH_BACK_OR_RETURN()                                                                    \
    do {                                                                                           \
        if (f == entry || !f->resumer) return;                                                     \
        Fiber* r_ = f->resumer;                                                                    \
        f->resumer = nullptr;                                                                      \
        running_.pop_back();                                                                       \
        f = r_;                                                                                    \
        LOAD();                                                                                    \
    } while (0)

    // Computed-goto dispatch (GCC labels as values): each handler ends with
    // its own indirect jump (DISPATCH), which predicts far better than the
    // single shared jump of a switch. The switch below stays for `break`
    // (which re-enters the loop and dispatches there) and as documentation.
    static const void* const kOps[bytecode::kOpCount] = {
#define FLOW_OP(Name, Fmt, KA, KB, KC, KAux, Win, Flags, Syn, Doc) &&L_##Name,
#include "flow/bytecode/Opcodes.def"
#undef FLOW_OP
    };
    static const DispatchTable kDispatch = DispatchTable::make(kOps, &&L_default);
#define CASE(N) L_##N : case Op::N
    // NEVER use DISPATCH in a handler whose scope holds a local with a
    // destructor (std::string, std::vector, guards): the computed goto skips
    // it (a leak, or a dangling root range). Use `break` there.
#define DISPATCH()                                                                                 \
    do {                                                                                           \
        i = *ip++;                                                                                 \
        goto* kDispatch.at[unsigned(bytecode::insnOp(i))];                                         \
    } while (0)
// A taken loop back-edge (JumpBack, LoopIf*): the safepoint of rule 4.
#define BACK_EDGE()                                                                                \
    do {                                                                                           \
        /* Every loop iteration passes here: one predictable test */                               \
        /* when no hook, hard-snapshot mode or time slice is on. */                                \
        if (__builtin_expect(safepointHook == nullptr && !backEdgeStops_, 1)) DISPATCH();          \
        if (safepointHook) PROTECT(safepointHook(*this, f));                                       \
        /* A time slice (armSlice) is over: stop as below. */                                      \
        if (sliceArmed_ && !sliceDue_ && --sliceCountdown_ == 0) {                                 \
            sliceCountdown_ = kSliceCheck;                                                         \
            sliceDue_ = std::chrono::steady_clock::now() >= sliceDeadline_;                        \
        }                                                                                          \
        /* Hard-snapshot mode: stop here when nothing but this */                                  \
        /* fiber is on the C++ stack (entered from a Resume job: */                                \
        /* nativeDepth_ == 0) so the host can snapshot. The Resume */                              \
        /* job goes to the FRONT of the queue: the fiber continues */                              \
        /* before anything else, exactly as without the stop. */                                   \
        /* A slice also ends in the code of a workflow before its */                               \
        /* first await (startFunction: nothing runs after it but jobs). */                         \
        if ((opts_.yieldAtBackEdges || sliceDue_) && f->promise && f == entry &&                   \
            running_.size() == 1 &&                                                                \
            (nativeDepth_ == 0 || (sliceDue_ && nativeDepth_ == 1 && hostStart_))) {               \
            bool hostFrame = false;                                                                \
            for (auto& fr : f->frames)                                                             \
                hostFrame = hostFrame || fr.returnToHost;                                          \
            if (!hostFrame) {                                                                      \
                SAVEPC();                                                                          \
                if (sliceDue_) {                                                                   \
                    sliceArmed_ = sliceDue_ = false;                                               \
                    backEdgeStops_ = opts_.yieldAtBackEdges;                                       \
                    sliceEnded_ = true;                                                            \
                }                                                                                  \
                f->yielded = true;                                                                 \
                f->state = FiberState::Suspended;                                                  \
                callDepth_ -= uint32_t(f->frames.size());                                          \
                jobs_.push_front(                                                                  \
                    Job{Job::Kind::Resume, {}, Value::undefined(), false, f, nullptr});            \
                return;                                                                            \
            }                                                                                      \
        }                                                                                          \
        DISPATCH();                                                                                \
    } while (0)
    Insn i = 0;
    // Operand A of the current instruction, decoded where it is used (one
    // byte move from `i`): a variable would take a register the loop's pc,
    // regs and constants need more, and GCC would spill one of them.
#define A (uint32_t(bytecode::insnA(i)))

    LOAD();
    bool pendingThrow = throwOnEntry;

    for (;;) {
        try {
            if (pendingThrow) {
                pendingThrow = false;
                throw ThrowSignal{};
            }
            for (;;) {
                DISPATCH();
                switch (bytecode::insnOp(i)) {
                    // ---- loads and moves
                    CASE(Nop) : DISPATCH();
                    CASE(Move) : regs[A] = regs[bytecode::insnB(i)];
                    DISPATCH();
                    CASE(LoadK) : regs[A] = K[bytecode::insnD(i)];
                    DISPATCH();
                    CASE(LoadInt) : regs[A] = Value::integer(bytecode::insnSD(i));
                    DISPATCH();
                    CASE(LoadUndef) : regs[A] = Value::undefined();
                    DISPATCH();
                    CASE(LoadNull) : regs[A] = Value::null();
                    DISPATCH();
                    CASE(LoadTrue) : regs[A] = Value::boolean(true);
                    DISPATCH();
                    CASE(LoadFalse) : regs[A] = Value::boolean(false);
                    DISPATCH();
                    CASE(LoadThis) : regs[A] = frame->thisValue;
                    DISPATCH();

                    // ---- variables
                    CASE(GetModVar) : {
                        uint32_t d = bytecode::insnD(i);
                        Value v = modVars_[d];
                        if (v.isUninit()) {
                            SAVEPC();
                            throwError(ErrorKind::ReferenceError,
                                       "Cannot access '" + module_->str(module_->modVars[d].name) +
                                           "' before initialization");
                        }
                        regs[A] = v;
                        DISPATCH();
                    }
                    CASE(SetModVar) : modVars_[bytecode::insnD(i)] = regs[A];
                    DISPATCH();
                    CASE(GetBuiltin) : regs[A] = builtins_[bytecode::insnD(i)];
                    DISPATCH();
                    CASE(GetUpval) : {
                        uint32_t b = bytecode::insnB(i);
                        Value v = frame->closure->upvals[b]->value;
                        if (v.isUninit()) {
                            SAVEPC();
                            throwError(ErrorKind::ReferenceError,
                                       "Cannot access '" +
                                           module_->str(frame->closure->fn->upvalues[b].name) +
                                           "' before initialization");
                        }
                        regs[A] = v;
                        DISPATCH();
                    }
                    CASE(SetUpval) : frame->closure->upvals[bytecode::insnB(i)]->value = regs[A];
                    DISPATCH();
                    CASE(NewBox) : {
                        SAVEPC();
                        Box* b = alloc<Box>();
                        regs[A] = Value::object(b);
                        DISPATCH();
                    }
                    CASE(GetBox) : {
                        uint32_t b = bytecode::insnB(i);
                        if (!isType(regs[b], ObjType::Box)) {
                            SAVEPC();
                            throwError(ErrorKind::TypeError,
                                       "internal: GetBox on a non-cell register");
                        }
                        Value v = static_cast<Box*>(regs[b].asObject())->value;
                        if (v.isUninit()) {
                            SAVEPC();
                            throwError(ErrorKind::ReferenceError,
                                       "Cannot access '" +
                                           localName(*module_, *frame->closure->fn, b,
                                                     uint32_t(ip - code) - 1) +
                                           "' before initialization");
                        }
                        regs[A] = v;
                        DISPATCH();
                    }
                    CASE(SetBox) : if (!isType(regs[A], ObjType::Box)) {
                        SAVEPC();
                        throwError(ErrorKind::TypeError, "internal: SetBox on a non-cell register");
                    }
                    static_cast<Box*>(regs[A].asObject())->value = regs[bytecode::insnB(i)];
                    DISPATCH();
                    CASE(Closure) : {
                        SAVEPC();
                        uint32_t d = bytecode::insnD(i);
                        const bytecode::Function& pf = module_->functions[d];
                        Closure* c = instantiate(d);
                        // Gather upvalues before writing regs[A]: A may be one of
                        // the cell registers. No allocation happens until then.
                        c->upvals.reserve(pf.upvalues.size());
                        for (auto& uv : pf.upvalues) {
                            if (uv.fromParentRegister) {
                                Value bx = regs[uv.index];
                                if (!isType(bx, ObjType::Box))
                                    throwError(ErrorKind::TypeError,
                                               "internal: closure captures a non-cell register");
                                c->upvals.push_back(static_cast<Box*>(bx.asObject()));
                            } else {
                                c->upvals.push_back(frame->closure->upvals[uv.index]);
                            }
                        }
                        if (pf.kind == bytecode::FunctionKind::Arrow)
                            c->boundThis = frame->thisValue;
                        regs[A] = Value::object(c);
                        DISPATCH();
                    }

                    // ---- objects and arrays
                    CASE(NewObject) : {
                        SAVEPC();
                        Object* o = newObject();
                        // B is the literal's property count: one allocation
                        // for the table instead of regrowing it per field.
                        if (uint32_t hint = bytecode::insnB(i)) o->props.reserve(hint);
                        regs[A] = Value::object(o);
                        DISPATCH();
                    }
                    CASE(NewArray) : {
                        SAVEPC();
                        Array* a = newArray(bytecode::insnB(i));
                        regs[A] = Value::object(a);
                        DISPATCH();
                    }
                    CASE(GetField) : {
                        uint32_t aux = *ip++;
                        Value obj = regs[bytecode::insnB(i)];
                        auto* key = static_cast<const String*>(K[aux].asObject());
                        if (obj.isObject() && obj.asObject()->type == ObjType::Object) {
                            // Keys from literals are usually the very String of
                            // this constant: an identity scan of a small object
                            // finds them without hashing or comparing bytes. Keys
                            // are unique per object, so a hit is the own property.
                            auto& props = asObj(obj)->props;
                            if (props.size() <= 8) {
                                for (auto& p : props) {
                                    if (p.key == key) {
                                        regs[A] = p.value;
                                        DISPATCH();
                                    }
                                }
                            }
                            Value* v = lookup(asObj(obj), key->view(), key->hash);
                            regs[A] = v ? *v : Value::undefined();
                            DISPATCH();
                        }
                        SAVEPC();
                        Value v = getNamed(obj, key);
                        regs[A] = v;
                        DISPATCH();
                    }
                    CASE(SetField) : {
                        uint32_t aux = *ip++;
                        Value obj = regs[A];
                        auto* key = static_cast<String*>(K[aux].asObject());
                        if (obj.isObject() && obj.asObject()->type == ObjType::Object) {
                            asObj(obj)->setOwn(key, regs[bytecode::insnB(i)]);
                            DISPATCH();
                        }
                        PROTECT(setNamed(obj, key, regs[bytecode::insnB(i)]));
                        DISPATCH();
                    }
                    CASE(GetIndex) : {
                        Value obj = regs[bytecode::insnB(i)], key = regs[bytecode::insnC(i)];
                        if (isArray(obj) && key.isInt()) {
                            auto& e = asArray(obj)->elems;
                            if (uint32_t(key.asInt()) < e.size()) {
                                regs[A] = e[uint32_t(key.asInt())];
                                DISPATCH();
                            }
                        } else if (isArray(obj) && key.isNumber()) {
                            double d = key.asNumber();
                            auto& e = asArray(obj)->elems;
                            if (d >= 0 && d < double(e.size()) && double(uint32_t(d)) == d) {
                                regs[A] = e[uint32_t(d)];
                                DISPATCH();
                            }
                        }
                        Value v;
                        PROTECT(v = get(obj, key));
                        regs[A] = v;
                        DISPATCH();
                    }
                    CASE(SetIndex) : {
                        Value obj = regs[A], key = regs[bytecode::insnB(i)];
                        Value v = regs[bytecode::insnC(i)];
                        if (isArray(obj) && key.isInt()) {
                            auto& e = asArray(obj)->elems;
                            if (uint32_t(key.asInt()) < e.size()) {
                                e[uint32_t(key.asInt())] = v;
                                DISPATCH();
                            }
                        } else if (isArray(obj) && key.isNumber()) {
                            double d = key.asNumber();
                            auto& e = asArray(obj)->elems;
                            if (d >= 0 && d < double(e.size()) && double(uint32_t(d)) == d) {
                                e[uint32_t(d)] = v;
                                DISPATCH();
                            }
                        }
                        PROTECT(set(obj, key, v));
                        DISPATCH();
                    }
                    CASE(DelField) : CASE(DelIndex) : {
                        Value obj = regs[bytecode::insnB(i)];
                        SAVEPC();
                        Value key;
                        if (bytecode::insnOp(i) == Op::DelField)
                            key = K[*ip++];
                        else
                            key = regs[bytecode::insnC(i)];
                        SAVEPC();
                        if (obj.isNullish())
                            throwError(ErrorKind::TypeError,
                                       "Cannot convert undefined or null to object");
                        if (isObjectLike(obj)) {
                            String* k;
                            PROTECT(k = toPropertyKey(key));
                            uint32_t idx;
                            if (isArray(obj) && isArrayIndex(k->view(), &idx)) {
                                auto& e = asArray(obj)->elems;
                                if (idx < e.size()) e[idx] = Value::undefined();
                            } else {
                                asObj(obj)->removeOwn(k->view());
                            }
                        }
                        regs[A] = Value::boolean(true);
                        DISPATCH();
                    }
                    CASE(Append) : if (!isArray(regs[A])) {
                        SAVEPC();
                        throwError(ErrorKind::TypeError, "internal: Append to a non-array");
                    }
                    if (asArray(regs[A])->elems.size() >= maxArrayLength()) {
                        SAVEPC();
                        throwError(ErrorKind::RangeError, "Invalid array length");
                    }
                    asArray(regs[A])->elems.push_back(regs[bytecode::insnB(i)]);
                    DISPATCH();
                    CASE(AppendSpread) : if (!isArray(regs[A])) {
                        SAVEPC();
                        throwError(ErrorKind::TypeError, "internal: Append to a non-array");
                    }
                    PROTECT(appendSpread(*this, asArray(regs[A]), regs[bytecode::insnB(i)]));
                    DISPATCH();
                    CASE(CopyProps) : if (!isObjectLike(regs[A])) {
                        SAVEPC();
                        throwError(ErrorKind::TypeError, "internal: CopyProps to a non-object");
                    }
                    PROTECT(copyProps(*this, asObj(regs[A]), regs[bytecode::insnB(i)]));
                    DISPATCH();
                    CASE(ObjectRest) : {
                        Object* o;
                        PROTECT(o = objectRest(*this, regs[bytecode::insnB(i)],
                                               regs[bytecode::insnC(i)]));
                        regs[A] = Value::object(o);
                        DISPATCH();
                    }

                    // ---- calls
                    CASE(Call) : CASE(CallMethod) : CASE(New) : {
                        Op op = bytecode::insnOp(i);
                        uint32_t argc = bytecode::insnB(i);
                        uint32_t argOff = op == Op::CallMethod ? A + 2 : A + 1;
                        Value callee = regs[A];
                        Value thisValue = op == Op::CallMethod ? regs[A + 1] : Value::undefined();
                        SAVEPC();
                        if (op != Op::New && isType(callee, ObjType::Closure)) {
                            auto* c = static_cast<Closure*>(callee.asObject());
                            const bytecode::Function& cfn = *c->fn;
                            uint32_t nbase = frame->base + frame->closure->fn->frameSize;
                            // Inline frame push for the common case (what
                            // pushFrameFromStack does, minus its generality):
                            // no rest parameter, the stack and the frame vector
                            // already big enough, depth under the limit.
                            if (!cfn.isAsync && !cfn.hasRest && callDepth_ < kMaxCallDepth &&
                                size_t(nbase) + cfn.frameSize + 4 <= f->stack.size() &&
                                f->frames.hasRoom()) {
                                Value* nregs = f->stack.data() + nbase;
                                const Value* args = regs + argOff;
                                uint32_t n = argc < cfn.numParams ? argc : cfn.numParams;
                                // Arguments sit below the new frame (argOff + argc
                                // <= the caller's frameSize): no overlap.
                                for (uint32_t k = 0; k < n; ++k)
                                    nregs[k] = args[k];
                                // The other registers start undefined (missing
                                // arguments; and the collector traces the
                                // whole frame). Four at a time: the slots past
                                // the frame are dead and there are at least 3
                                // of them (the stack size test above).
                                for (uint32_t k = n; k < cfn.frameSize; k += 4) {
                                    nregs[k] = Value::undefined();
                                    nregs[k + 1] = Value::undefined();
                                    nregs[k + 2] = Value::undefined();
                                    nregs[k + 3] = Value::undefined();
                                }
                                Frame& nf = f->frames.pushUnchecked();
                                nf.closure = c;
                                nf.base = nbase;
                                nf.pc = 0;
                                nf.returnToHost = false;
                                nf.thisValue = cfn.kind == bytecode::FunctionKind::Arrow
                                                   ? c->boundThis
                                                   : thisValue;
                                nf.retSlot = frame->base + A;
                                ++callDepth_;
                                // LOAD() without re-reading what is at hand.
                                frame = &nf;
                                code = cfn.code.data();
                                regs = nregs;
                                K = constants_[c->fnIndex].data();
                                ip = code;
                                DISPATCH();
                            }
                            if (!cfn.isAsync) {
                                pushFrameFromStack(*this, callDepth_, f, c, thisValue,
                                                   frame->base + argOff, argc, frame->base + A);
                                LOAD();
                                DISPATCH();
                            }
                            // An async call: a new fiber runs now, until its first
                            // await; the caller gets its promise (rule 6).
                            Fiber* child = newAsyncFiber(
                                c, thisValue, std::span<const Value>(regs + argOff, argc));
                            regs[A] = Value::object(child->promise);
                            running_.push_back(child);
                            child->resumer = f;
                            child->state = FiberState::Running;
                            callDepth_ += 1;
                            f = child;
                            LOAD();
                            break;
                        }
                        Value r;
                        if (op == Op::New) {
                            if (!isType(callee, ObjType::Native) ||
                                !static_cast<NativeFunction*>(callee.asObject())->constructor)
                                throwError(ErrorKind::TypeError,
                                           describe(*this, callee) + " is not a constructor");
                            PROTECT(r = callNative(static_cast<NativeFunction*>(callee.asObject()),
                                                   Value::undefined(),
                                                   std::span<const Value>(regs + argOff, argc),
                                                   true));
                        } else {
                            PROTECT(r = call(callee, thisValue,
                                             std::span<const Value>(regs + argOff, argc)));
                        }
                        regs[A] = r;
                        DISPATCH();
                    }
                    CASE(CallSpread) : CASE(NewSpread) : {
                        Op op = bytecode::insnOp(i);
                        Value callee = regs[A];
                        Value thisValue = op == Op::CallSpread ? regs[A + 1] : Value::undefined();
                        Value list = regs[op == Op::CallSpread ? A + 2 : A + 1];
                        SAVEPC();
                        if (!isArray(list))
                            throwError(ErrorKind::TypeError,
                                       "internal: spread call without an array");
                        std::vector<Value> args(asArray(list)->elems);
                        rootRanges_.push_back(std::span<const Value>(args));
                        struct PopRange {
                            std::vector<std::span<const Value>>& r;
                            ~PopRange() { r.pop_back(); }
                        } pop{rootRanges_};
                        if (op == Op::CallSpread && isType(callee, ObjType::Closure) &&
                            !static_cast<Closure*>(callee.asObject())->fn->isAsync) {
                            auto* c = static_cast<Closure*>(callee.asObject());
                            pushFrameFromSpan(*this, callDepth_, f, c, thisValue, args,
                                              frame->base + A, false);
                            LOAD();
                            break;
                        }
                        Value r;
                        if (op == Op::NewSpread) {
                            if (!isType(callee, ObjType::Native) ||
                                !static_cast<NativeFunction*>(callee.asObject())->constructor)
                                throwError(ErrorKind::TypeError,
                                           describe(*this, callee) + " is not a constructor");
                            PROTECT(r = callNative(static_cast<NativeFunction*>(callee.asObject()),
                                                   Value::undefined(), args, true));
                        } else {
                            PROTECT(r = call(callee, thisValue, args));
                        }
                        regs[A] = r;
                        // `break`, not DISPATCH: a computed goto leaves the
                        // scope without running destructors (args, pop).
                        break;
                    }
                    CASE(Return) : CASE(ReturnUndef) : {
                        Value v = bytecode::insnOp(i) == Op::Return ? regs[A] : Value::undefined();
                        // The popped slot stays intact (FrameStack keeps its
                        // storage): read its fields after the pop.
                        f->frames.pop_back();
                        --callDepth_;
                        if (frame->returnToHost) {
                            if (out) *out = v;
                            return;
                        }
                        if (f->frames.empty()) {
                            // An async function's last frame: settle its promise.
                            fiberDone(f, false, v);
                            SWITCH_BACK_OR_RETURN();
                            break;
                        }
                        f->stack[frame->retSlot] = v;
                        LOAD();
                        DISPATCH();
                    }
                    CASE(Await) : {
                        SAVEPC();
                        if (f->frames.size() != 1 || !f->promise)
                            throwError(ErrorKind::SyntaxError,
                                       "internal: await outside an async function's frame");
                        f->awaitSlot = frame->base + A;
                        Promise* p = promiseResolve(regs[bytecode::insnB(i)]);
                        p->handled = true;
                        if (p->state == PromiseState::Pending) {
                            Reaction r;
                            r.kind = Reaction::Kind::Await;
                            r.fiber = f;
                            p->reactions.push_back(r);
                        } else {
                            Job j{Job::Kind::Resume,
                                  {},
                                  p->result,
                                  p->state == PromiseState::Rejected,
                                  f,
                                  nullptr};
                            enqueue(j);
                        }
                        f->state = FiberState::Suspended;
                        callDepth_ -= uint32_t(f->frames.size());
                        if (safepointHook) safepointHook(*this, f);
                        if (f == entry || !f->resumer) return;
                        SWITCH_BACK_OR_RETURN();
                        DISPATCH();
                    }
                    CASE(Throw) : SAVEPC();
                    throwValue(regs[A]);

                    // ---- control flow
                    CASE(Jump) : ip += bytecode::insnE(i);
                    DISPATCH();
                    CASE(JumpBack) : ip += bytecode::insnE(i);
                    BACK_EDGE();
                    CASE(JumpIfTrue) : if (truthy(regs[A])) ip += bytecode::insnSD(i);
                    DISPATCH();
                    CASE(JumpIfFalse) : if (!truthy(regs[A])) ip += bytecode::insnSD(i);
                    DISPATCH();
                    CASE(JumpIfNullish) : if (regs[A].isNullish()) ip += bytecode::insnSD(i);
                    DISPATCH();
                    CASE(JumpIfNotNullish) : if (!regs[A].isNullish()) ip += bytecode::insnSD(i);
                    DISPATCH();
                    CASE(JumpIfUndef) : if (regs[A].isUndefined()) ip += bytecode::insnSD(i);
                    DISPATCH();
                    CASE(JumpIfNotUndef) : if (!regs[A].isUndefined()) ip += bytecode::insnSD(i);
                    DISPATCH();
// The operands of a fused compare (a = r[A], b = r[AUX] or k[AUX]), and the
// relation REL (0 <, 1 <=, 2 >, 3 >=) of non-numbers through opLess (a <= b
// is !(b < a) and a > b is b < a, with the operands converted left to right:
// leftFirst). Shared by the compare-jumps and the LoopIf* back-edges.
#define FLOW_CMP_OPERANDS(ISK)                                                                     \
    uint32_t aux = *ip++;                                                                          \
    Value a = regs[A];                                                                             \
    Value b = ISK ? K[aux] : regs[aux]
#define FLOW_CMP_SLOW(REL, OUT)                                                                    \
    do {                                                                                           \
        constexpr bool swap = REL == 1 || REL == 2;                                                \
        int c;                                                                                     \
        PROTECT(c = swap ? opLess(*this, b, a, false) : opLess(*this, a, b, true));                \
        OUT = (REL == 0 || REL == 2) ? c == 1 : c == 0;                                            \
    } while (0)
// One case per fused compare-jump: the number fast path is a single
// comparison with its own jump and dispatch (no join with the slow path).
#define FLOW_CMP_JUMP(OPNAME, ISK, NUMEXPR, REL, NEGATE)                                           \
    CASE(OPNAME) : {                                                                               \
        FLOW_CMP_OPERANDS(ISK);                                                                    \
        if (a.isInt() && b.isInt()) {                                                              \
            int32_t x = a.asInt(), y = b.asInt();                                                  \
            if ((NUMEXPR) != NEGATE) ip += bytecode::insnSD(i);                                    \
            DISPATCH();                                                                            \
        }                                                                                          \
        if (a.isNumber() && b.isNumber()) {                                                        \
            double x = a.asNumber(), y = b.asNumber();                                             \
            if ((NUMEXPR) != NEGATE) ip += bytecode::insnSD(i);                                    \
            DISPATCH();                                                                            \
        }                                                                                          \
        bool r;                                                                                    \
        FLOW_CMP_SLOW(REL, r);                                                                     \
        if (r != NEGATE) ip += bytecode::insnSD(i);                                                \
        DISPATCH();                                                                                \
    }
                    FLOW_CMP_JUMP(JumpIfLt, false, x < y, 0, false)
                    FLOW_CMP_JUMP(JumpIfLe, false, x <= y, 1, false)
                    FLOW_CMP_JUMP(JumpIfNotLt, false, x < y, 0, true)
                    FLOW_CMP_JUMP(JumpIfNotLe, false, x <= y, 1, true)
                    FLOW_CMP_JUMP(JumpIfLtK, true, x < y, 0, false)
                    FLOW_CMP_JUMP(JumpIfLeK, true, x <= y, 1, false)
                    FLOW_CMP_JUMP(JumpIfGtK, true, x > y, 2, false)
                    FLOW_CMP_JUMP(JumpIfGeK, true, x >= y, 3, false)
                    FLOW_CMP_JUMP(JumpIfNotLtK, true, x < y, 0, true)
                    FLOW_CMP_JUMP(JumpIfNotLeK, true, x <= y, 1, true)
                    FLOW_CMP_JUMP(JumpIfNotGtK, true, x > y, 2, true)
                    FLOW_CMP_JUMP(JumpIfNotGeK, true, x >= y, 3, true)
// The bottom-of-loop tests: like the compare-jumps, and a taken jump is a
// back-edge (BACK_EDGE dispatches).
#define FLOW_LOOP_IF(OPNAME, ISK, NUMEXPR, REL)                                                    \
    CASE(OPNAME) : {                                                                               \
        FLOW_CMP_OPERANDS(ISK);                                                                    \
        bool r;                                                                                    \
        if (a.isInt() && b.isInt()) {                                                              \
            int32_t x = a.asInt(), y = b.asInt();                                                  \
            r = NUMEXPR;                                                                           \
        } else if (a.isNumber() && b.isNumber()) {                                                 \
            double x = a.asNumber(), y = b.asNumber();                                             \
            r = NUMEXPR;                                                                           \
        } else {                                                                                   \
            FLOW_CMP_SLOW(REL, r);                                                                 \
        }                                                                                          \
        if (!r) DISPATCH();                                                                        \
        ip += bytecode::insnSD(i);                                                                 \
        BACK_EDGE();                                                                               \
    }
                    FLOW_LOOP_IF(LoopIfLt, false, x < y, 0)
                    FLOW_LOOP_IF(LoopIfLe, false, x <= y, 1)
                    FLOW_LOOP_IF(LoopIfLtK, true, x < y, 0)
                    FLOW_LOOP_IF(LoopIfLeK, true, x <= y, 1)
                    FLOW_LOOP_IF(LoopIfGtK, true, x > y, 2)
                    FLOW_LOOP_IF(LoopIfGeK, true, x >= y, 3)
#undef FLOW_LOOP_IF
#undef FLOW_CMP_JUMP
#undef FLOW_CMP_SLOW
#undef FLOW_CMP_OPERANDS
                    CASE(JumpIfEq) : CASE(JumpIfNotEq) : CASE(JumpIfEqK) : CASE(JumpIfNotEqK) : {
                        Op op = bytecode::insnOp(i);
                        uint32_t aux = *ip++;
                        bool isK = op == Op::JumpIfEqK || op == Op::JumpIfNotEqK;
                        bool eq = strictEquals(regs[A], isK ? K[aux] : regs[aux]);
                        bool want = op == Op::JumpIfEq || op == Op::JumpIfEqK;
                        if (eq == want) ip += bytecode::insnSD(i);
                        DISPATCH();
                    }

                    // ---- arithmetic
                    CASE(Add) : {
                        Value b = regs[bytecode::insnB(i)], c = regs[bytecode::insnC(i)];
                        int32_t n;
                        if (b.isInt() && c.isInt() && intAdd(b.asInt(), c.asInt(), &n)) {
                            regs[A] = Value::integer(n);
                            DISPATCH();
                        }
                        if (b.isNumber() && c.isNumber()) {
                            regs[A] = arith(b.asNumber() + c.asNumber());
                            DISPATCH();
                        }
                        Value r;
                        PROTECT(r = opAdd(*this, b, c));
                        regs[A] = r;
                        DISPATCH();
                    }
                    CASE(AddK) : {
                        Value b = regs[bytecode::insnB(i)], c = K[bytecode::insnC(i)];
                        int32_t n;
                        if (b.isInt() && c.isInt() && intAdd(b.asInt(), c.asInt(), &n)) {
                            regs[A] = Value::integer(n);
                            DISPATCH();
                        }
                        if (b.isNumber()) {
                            regs[A] = arith(b.asNumber() + c.asNumber());
                            DISPATCH();
                        }
                        Value r;
                        PROTECT(r = opAdd(*this, b, c));
                        regs[A] = r;
                        DISPATCH();
                    }
// MK makes the Value of a fast-path result (arith when the operation cannot
// produce a non-canonical NaN from canonical inputs); the slow path's operands
// come from conversions, so its result is always canonicalized (SLOWMK; `same`
// when EXPR already makes a canonical Value).
#define FLOW_NUM_BINOP_CASE(OPNAME, CV, INTOP, EXPR, MK, SLOWMK)                                   \
    CASE(OPNAME) : {                                                                               \
        Value bv = regs[bytecode::insnB(i)];                                                       \
        Value cv = CV;                                                                             \
        double x, y;                                                                               \
        int32_t n;                                                                                 \
        if (bv.isInt() && cv.isInt() && INTOP(bv.asInt(), cv.asInt(), &n)) {                       \
            regs[A] = Value::integer(n);                                                           \
            DISPATCH();                                                                            \
        }                                                                                          \
        if (bv.isNumber() && cv.isNumber()) {                                                      \
            x = bv.asNumber();                                                                     \
            y = cv.asNumber();                                                                     \
            regs[A] = MK(EXPR);                                                                    \
            DISPATCH();                                                                            \
        }                                                                                          \
        PROTECT(x = toNumber(*this, bv); y = toNumber(*this, cv));                                 \
        regs[A] = SLOWMK(EXPR);                                                                    \
        DISPATCH();                                                                                \
    }
#define FLOW_NUM_BINOP(OPNAME, OPK, INTOP, EXPR, MK, SLOWMK)                                       \
    FLOW_NUM_BINOP_CASE(OPNAME, regs[bytecode::insnC(i)], INTOP, EXPR, MK, SLOWMK)                 \
    FLOW_NUM_BINOP_CASE(OPK, K[bytecode::insnC(i)], INTOP, EXPR, MK, SLOWMK)
                    FLOW_NUM_BINOP(Sub, SubK, intSub, x - y, arith, Value::number)
                    FLOW_NUM_BINOP(Mul, MulK, intMul, x * y, arith, Value::number)
                    FLOW_NUM_BINOP(Div, DivK, intNone, x / y, arith, Value::number)
                    FLOW_NUM_BINOP(Mod, ModK, intMod, jsMod(x, y), same, same)
#undef FLOW_NUM_BINOP
#undef FLOW_NUM_BINOP_CASE
                    CASE(Pow) : {
                        Value bv = regs[bytecode::insnB(i)], cv = regs[bytecode::insnC(i)];
                        double x, y;
                        PROTECT(x = toNumber(*this, bv); y = toNumber(*this, cv));
                        regs[A] = Value::number(jsPow(x, y));
                        DISPATCH();
                    }
// l and r are the operands' ToInt32, s the shift count (ToUint32(r) & 31).
#define FLOW_INT_BINOP(OPNAME, EXPR)                                                               \
    CASE(OPNAME) : {                                                                               \
        Value bv = regs[bytecode::insnB(i)], cv = regs[bytecode::insnC(i)];                        \
        int32_t l, r;                                                                              \
        if (bv.isInt() && cv.isInt()) {                                                            \
            l = bv.asInt();                                                                        \
            r = cv.asInt();                                                                        \
        } else {                                                                                   \
            double x, y;                                                                           \
            if (bv.isNumber() && cv.isNumber()) {                                                  \
                x = bv.asNumber();                                                                 \
                y = cv.asNumber();                                                                 \
            } else {                                                                               \
                PROTECT(x = toNumber(*this, bv); y = toNumber(*this, cv));                         \
            }                                                                                      \
            l = toInt32(x);                                                                        \
            r = toInt32(y);                                                                        \
        }                                                                                          \
        uint32_t s = uint32_t(r) & 31u;                                                            \
        (void)s;                                                                                   \
        regs[A] = EXPR;                                                                            \
        DISPATCH();                                                                                \
    }
                    FLOW_INT_BINOP(BitAnd, Value::integer(l & r))
                    FLOW_INT_BINOP(BitOr, Value::integer(l | r))
                    FLOW_INT_BINOP(BitXor, Value::integer(l ^ r))
                    FLOW_INT_BINOP(Shl, Value::integer(int32_t(uint32_t(l) << s)))
                    FLOW_INT_BINOP(Shr, Value::integer(l >> s))
                    FLOW_INT_BINOP(UShr, uintValue(uint32_t(l) >> s))
#undef FLOW_INT_BINOP
                    CASE(Inc) : {
                        Value b = regs[bytecode::insnB(i)];
                        double x;
                        int32_t n;
                        if (b.isInt() && intAdd(b.asInt(), 1, &n)) {
                            regs[A] = Value::integer(n);
                            DISPATCH();
                        }
                        if (b.isNumber()) {
                            regs[A] = arith(b.asNumber() + 1);
                            DISPATCH();
                        }
                        PROTECT(x = toNumber(*this, b));
                        regs[A] = Value::number(x + 1);
                        DISPATCH();
                    }
                    CASE(Dec) : {
                        Value b = regs[bytecode::insnB(i)];
                        double x;
                        int32_t n;
                        if (b.isInt() && intSub(b.asInt(), 1, &n)) {
                            regs[A] = Value::integer(n);
                            DISPATCH();
                        }
                        if (b.isNumber()) {
                            regs[A] = arith(b.asNumber() - 1);
                            DISPATCH();
                        }
                        PROTECT(x = toNumber(*this, b));
                        regs[A] = Value::number(x - 1);
                        DISPATCH();
                    }
                    CASE(Neg) : CASE(Plus) : CASE(BitNot) : {
                        Value b = regs[bytecode::insnB(i)];
                        double x;
                        if (b.isNumber())
                            x = b.asNumber();
                        else
                            PROTECT(x = toNumber(*this, b));
                        switch (bytecode::insnOp(i)) {
                        case Op::Neg:
                            // -0 and -INT_MIN are not int32 Values.
                            regs[A] = b.isInt() && b.asInt() != 0 && b.asInt() != INT32_MIN
                                          ? Value::integer(-b.asInt())
                                          : Value::number(-x);
                            break;
                        case Op::BitNot:
                            regs[A] = Value::integer(~toInt32(x));
                            break;
                        default:
                            regs[A] = b.isInt() ? b : Value::number(x);
                            break;
                        }
                        DISPATCH();
                    }
                    CASE(Not) : regs[A] = Value::boolean(!truthy(regs[bytecode::insnB(i)]));
                    DISPATCH();
                    CASE(TypeOf) : regs[A] = Value::object(typeOf(*this, regs[bytecode::insnB(i)]));
                    DISPATCH();
                    CASE(Eq) : CASE(Ne) : {
                        Value b = regs[bytecode::insnB(i)], c = regs[bytecode::insnC(i)];
                        bool r;
                        PROTECT(r = looseEquals(*this, b, c));
                        regs[A] = Value::boolean(r == (bytecode::insnOp(i) == Op::Eq));
                        DISPATCH();
                    }
                    CASE(StrictEq)
                        : regs[A] = Value::boolean(
                              strictEquals(regs[bytecode::insnB(i)], regs[bytecode::insnC(i)]));
                    DISPATCH();
                    CASE(StrictNe)
                        : regs[A] = Value::boolean(
                              !strictEquals(regs[bytecode::insnB(i)], regs[bytecode::insnC(i)]));
                    DISPATCH();
                    CASE(Lt) : CASE(Le) : CASE(Gt) : CASE(Ge) : {
                        Value b = regs[bytecode::insnB(i)], c = regs[bytecode::insnC(i)];
                        Op op = bytecode::insnOp(i);
                        bool r;
                        if (b.isNumber() && c.isNumber()) {
                            double x = b.asNumber(), y = c.asNumber();
                            r = op == Op::Lt   ? x < y
                                : op == Op::Le ? x <= y
                                : op == Op::Gt ? x > y
                                               : x >= y;
                        } else {
                            bool swap = op == Op::Le || op == Op::Gt;
                            int t;
                            PROTECT(t = swap ? opLess(*this, c, b, false)
                                             : opLess(*this, b, c, true));
                            r = (op == Op::Lt || op == Op::Gt) ? t == 1 : t == 0;
                        }
                        regs[A] = Value::boolean(r);
                        DISPATCH();
                    }
                    CASE(In) : {
                        bool r;
                        PROTECT(
                            r = opIn(*this, regs[bytecode::insnB(i)], regs[bytecode::insnC(i)]));
                        regs[A] = Value::boolean(r);
                        DISPATCH();
                    }
                    CASE(InstanceOf) : {
                        bool r;
                        PROTECT(r = opInstanceOf(*this, regs[bytecode::insnB(i)],
                                                 regs[bytecode::insnC(i)]));
                        regs[A] = Value::boolean(r);
                        DISPATCH();
                    }
                    CASE(Concat) : {
                        uint32_t first = frame->base + bytecode::insnB(i);
                        uint32_t n = bytecode::insnC(i);
                        std::string s;
                        SAVEPC();
                        for (uint32_t k = 0; k < n; ++k) {
                            // Re-read through f->stack: a user toString may grow it.
                            s += toStdString(*this, f->stack[first + k]);
                            if (s.size() > maxStringBytes())
                                throwError(ErrorKind::RangeError, "Invalid string length");
                        }
                        RELOAD();
                        String* str = newString(std::move(s));
                        regs[A] = Value::object(str);
                        break; // not DISPATCH: `s` must be destroyed
                    }

                    // ---- iteration
                    CASE(IterInit) : {
                        SAVEPC();
                        Iterator* it =
                            makeIterator(*this, regs[bytecode::insnB(i)], bytecode::insnC(i) == 1);
                        regs[A] = Value::object(it);
                        DISPATCH();
                    }
                    CASE(IterNext) : {
                        uint32_t aux = *ip++;
                        if (!isType(regs[aux], ObjType::Iterator)) {
                            SAVEPC();
                            throwError(ErrorKind::TypeError,
                                       "internal: IterNext without an iterator");
                        }
                        SAVEPC();
                        Value v;
                        if (iterNext(*this, static_cast<Iterator*>(regs[aux].asObject()), &v))
                            regs[A] = v;
                        else
                            ip += bytecode::insnSD(i);
                        DISPATCH();
                    }
                    CASE(IterRest) : {
                        SAVEPC();
                        Value itv = regs[bytecode::insnB(i)];
                        if (!isType(itv, ObjType::Iterator))
                            throwError(ErrorKind::TypeError,
                                       "internal: IterRest without an iterator");
                        Array* a = newArray();
                        regs[A] = Value::object(a);
                        Value v;
                        while (iterNext(*this, static_cast<Iterator*>(itv.asObject()), &v))
                            a->elems.push_back(v);
                        DISPATCH();
                    }

                    // ---- workflows
                    CASE(StartRun) : {
                        Value r;
                        uint32_t c = bytecode::insnC(i);
                        PROTECT(r = startRun(regs[bytecode::insnB(i)], regs[c], regs[c + 1]));
                        regs[A] = r;
                        DISPATCH();
                    }
                L_default:
                default:
                    SAVEPC();
                    throwError(ErrorKind::TypeError, "internal: invalid opcode");
                }
            }
        } catch (ThrowSignal&) {
            // Unwind (rule 5). The thrower saved its pc (rule 2): one past
            // its opcode or aux word, so pc - 1 is inside the instruction.
            uint32_t insnPc = f->frames.back().pc - 1;
            for (;;) {
                frame = &f->frames.back();
                const bytecode::Function& fn = *frame->closure->fn;
                const bytecode::Handler* h = nullptr;
                for (auto& hd : fn.handlers) {
                    if (hd.startPc <= insnPc && insnPc < hd.endPc) {
                        h = &hd;
                        break;
                    }
                }
                if (h) {
                    f->stack[frame->base + h->reg] = exception_;
                    exception_ = Value::undefined();
                    frame->pc = h->handlerPc;
                    LOAD();
                    break;
                }
                Frame popped = *frame;
                f->frames.pop_back();
                --callDepth_;
                if (popped.returnToHost) throw;
                if (f->frames.empty()) {
                    Value e = exception_;
                    exception_ = Value::undefined();
                    fiberDone(f, true, e);
                    if (f == entry || !f->resumer) return;
                    SWITCH_BACK_OR_RETURN();
                    break;
                }
                insnPc = f->frames.back().pc - 1; // the call instruction
            }
        }
    }
#undef LOAD
#undef RELOAD
#undef SAVEPC
#undef PROTECT
#undef CASE
#undef DISPATCH
#undef SWITCH_BACK_OR_RETURN
#undef BACK_EDGE
#undef A
}

#pragma GCC pop_options
#pragma GCC diagnostic pop

} // namespace flow::vm
