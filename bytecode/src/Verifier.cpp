// Verifier.cpp — checks a Module before anything runs, so the VM can execute
// without bounds checks: every operand by its kind (Opcodes.def), every
// register window, jump target, handler, line table, upvalue descriptor, and
// every index between tables. It runs on every load (Reader) and can run on
// compiler output in tests. It must never trust one table while checking
// another: each index is checked before it is used to look something up.
#include <vector>

#include "VerifierDetail.h"
#include "flow/bytecode/Builtins.h"
#include "flow/bytecode/Format.h"

namespace flow::bytecode {

namespace {

struct VFail {
    VerifyError error;
};

bool isTopLevelKind(FunctionKind k) {
    return k == FunctionKind::Workflow || k == FunctionKind::Trigger || k == FunctionKind::Test ||
           k == FunctionKind::Init;
}

class ModuleVerifier {
public:
    ModuleVerifier(const Module& m, long* badFunction) : m_(m), badFunction_(badFunction) {}

    void run() {
        if (m_.functions.size() > kMaxFunctions)
            fail("limits.functions", "module has " + std::to_string(m_.functions.size()) +
                                         " functions, the limit is " +
                                         std::to_string(kMaxFunctions));
        if (m_.modVars.size() > kMaxModVars)
            fail("limits.modvars", "module has " + std::to_string(m_.modVars.size()) +
                                       " module variables, the limit is " +
                                       std::to_string(kMaxModVars));
        for (size_t i = 0; i < m_.sources.size(); ++i) {
            std::string where = "source #" + std::to_string(i);
            string(m_.sources[i].path, where + " path");
            string(m_.sources[i].text, where + " text");
        }
        for (size_t i = 0; i < m_.functions.size(); ++i) {
            *badFunction_ = long(i);
            verifyFunction(i);
        }
        *badFunction_ = -1;
        for (size_t i = 0; i < m_.modVars.size(); ++i) {
            const ModVar& v = m_.modVars[i];
            std::string where = "modvar #" + std::to_string(i);
            string(v.name, where + " name");
            source(v.source, where);
        }
        verifyDeclarations();
    }

private:
    [[noreturn]] void fail(std::string check, std::string message) {
        throw VFail{VerifyError{std::move(check), std::move(message)}};
    }

    // The printable name of a function, safe on a bad name index.
    std::string fname(size_t i) const {
        const Function& f = m_.functions[i];
        std::string n = f.name < m_.strings.size() ? m_.strings[f.name] : std::string();
        if (n.empty()) return "function #" + std::to_string(i);
        return "function '" + n + "' (#" + std::to_string(i) + ")";
    }

    void string(uint32_t index, const std::string& where) {
        if (index >= m_.strings.size())
            fail("index.string", where + ": string index " + std::to_string(index) +
                                     " out of range (" + std::to_string(m_.strings.size()) +
                                     " strings)");
    }
    void source(uint32_t index, const std::string& where) {
        if (index >= m_.sources.size())
            fail("index.source", where + ": source index " + std::to_string(index) +
                                     " out of range (" + std::to_string(m_.sources.size()) +
                                     " sources)");
    }
    void modVar(uint32_t index, const char* check, const std::string& where) {
        if (index >= m_.modVars.size())
            fail(check, where + ": module variable " + std::to_string(index) + " out of range (" +
                            std::to_string(m_.modVars.size()) + " module variables)");
    }
    void function(uint32_t index, FunctionKind want, const char* check, const std::string& where) {
        if (index >= m_.functions.size())
            fail(check, where + ": function index " + std::to_string(index) + " out of range (" +
                            std::to_string(m_.functions.size()) + " functions)");
        FunctionKind got = m_.functions[index].kind;
        if (got != want)
            fail(check, where + ": " + fname(index) + " is a " + functionKindName(got) +
                            " function, expected a " + functionKindName(want) + " function");
    }

    void verifyDeclarations() {
        for (size_t i = 0; i < m_.tasks.size(); ++i) {
            const TaskDecl& t = m_.tasks[i];
            std::string where = "task #" + std::to_string(i);
            string(t.name, where + " name");
            if (t.kind != TaskKind::Exec && t.kind != TaskKind::Http && t.kind != TaskKind::Builtin)
                fail("task.kind", where + ": unknown task kind " + std::to_string(int(t.kind)));
            for (uint32_t p : t.params)
                string(p, where + " parameter");
            string(t.method, where + " method");
            string(t.target, where + " target");
            string(t.optionsJson, where + " options");
            modVar(t.modVar, "task.modvar", where);
            source(t.source, where);
        }
        for (size_t i = 0; i < m_.workflows.size(); ++i) {
            const WorkflowDecl& w = m_.workflows[i];
            std::string where = "workflow #" + std::to_string(i);
            string(w.name, where + " name");
            string(w.optionsJson, where + " options");
            function(w.function, FunctionKind::Workflow, "workflow.function", where);
            modVar(w.modVar, "workflow.modvar", where);
        }
        for (size_t i = 0; i < m_.triggers.size(); ++i) {
            const TriggerDecl& t = m_.triggers[i];
            std::string where = "trigger #" + std::to_string(i);
            string(t.eventType, where + " event type");
            function(t.function, FunctionKind::Trigger, "trigger.function", where);
            source(t.source, where);
        }
        for (size_t i = 0; i < m_.tests.size(); ++i) {
            const TestDecl& t = m_.tests[i];
            std::string where = "test #" + std::to_string(i);
            string(t.name, where + " name");
            function(t.function, FunctionKind::Test, "test.function", where);
            source(t.source, where);
        }
        for (size_t i = 0; i < m_.inits.size(); ++i)
            function(m_.inits[i], FunctionKind::Init, "init.function",
                     "init #" + std::to_string(i));
    }

    void verifyFunction(size_t fi) {
        const Function& f = m_.functions[fi];
        string(f.name, "function #" + std::to_string(fi) + " name");
        const std::string who = fname(fi);
        source(f.source, who);
        if (uint8_t(f.kind) > uint8_t(FunctionKind::Test))
            fail("function.kind", who + ": unknown kind " + std::to_string(int(f.kind)));
        if (f.frameSize > kMaxRegisters)
            fail("function.frame-size", who + ": " + std::to_string(f.frameSize) +
                                            " registers, the limit is " +
                                            std::to_string(kMaxRegisters));
        if (unsigned(f.numParams) + (f.hasRest ? 1 : 0) > f.frameSize)
            fail("function.params", who + ": " + std::to_string(f.numParams) + " parameters" +
                                        (f.hasRest ? " and a rest parameter" : "") +
                                        " do not fit in " + std::to_string(f.frameSize) +
                                        " registers");
        if ((f.kind == FunctionKind::Workflow || f.kind == FunctionKind::Test) && !f.isAsync)
            fail("function.async", who + ": a " + functionKindName(f.kind) + " body must be async");

        if (f.upvalues.size() > kMaxUpvalues)
            fail("function.upvalue-count", who + ": " + std::to_string(f.upvalues.size()) +
                                               " upvalues, the limit is " +
                                               std::to_string(kMaxUpvalues));
        if (isTopLevelKind(f.kind) && !f.upvalues.empty())
            fail("function.toplevel-upvalues",
                 who + ": a " + functionKindName(f.kind) + " function cannot capture variables (" +
                     std::to_string(f.upvalues.size()) + " upvalues)");
        for (size_t u = 0; u < f.upvalues.size(); ++u) {
            const UpvalueDesc& d = f.upvalues[u];
            string(d.name, who + " upvalue " + std::to_string(u) + " name");
            if (d.index >= kMaxUpvalues)
                fail("upvalue.index", who + ": upvalue " + std::to_string(u) + " index " +
                                          std::to_string(d.index) + " out of range");
        }

        if (f.constants.size() > kMaxConstants)
            fail("function.constant-count", who + ": " + std::to_string(f.constants.size()) +
                                                " constants, the limit is " +
                                                std::to_string(kMaxConstants));
        for (size_t k = 0; k < f.constants.size(); ++k) {
            const Constant& c = f.constants[k];
            if (c.type == Constant::Type::String)
                string(c.string, who + " constant k" + std::to_string(k));
            else if (c.type != Constant::Type::Number)
                fail("constant.type", who + ": constant k" + std::to_string(k) +
                                          " has unknown type " + std::to_string(int(c.type)));
        }

        verifyCode(fi, who);

        const size_t size = f.code.size();
        for (size_t h = 0; h < f.handlers.size(); ++h) {
            const Handler& hd = f.handlers[h];
            std::string where = who + " handler " + std::to_string(h);
            if (!(hd.startPc < hd.endPc && hd.endPc <= size))
                fail("handler.range", where + ": range [" + std::to_string(hd.startPc) + ", " +
                                          std::to_string(hd.endPc) +
                                          ") is empty or outside the code (size " +
                                          std::to_string(size) + ")");
            if (hd.handlerPc >= size || !starts_[hd.handlerPc])
                fail("handler.target", where + ": handler pc " + std::to_string(hd.handlerPc) +
                                           " is not an instruction start");
            if (hd.reg >= f.frameSize)
                fail("handler.register", where + ": register r" + std::to_string(hd.reg) +
                                             " >= frame size " + std::to_string(f.frameSize));
        }
        for (size_t l = 0; l < f.lines.size(); ++l) {
            const LineEntry& e = f.lines[l];
            if (l == 0 && e.pc != 0)
                fail("lines.first",
                     who + ": the line table starts at pc " + std::to_string(e.pc) + ", not 0");
            if (l > 0 && e.pc < f.lines[l - 1].pc)
                fail("lines.order", who + ": line entry " + std::to_string(l) + " (pc " +
                                        std::to_string(e.pc) + ") comes before pc " +
                                        std::to_string(f.lines[l - 1].pc));
            if (e.pc > size)
                fail("lines.pc", who + ": line entry " + std::to_string(l) + " pc " +
                                     std::to_string(e.pc) + " is past the code (size " +
                                     std::to_string(size) + ")");
        }
        for (size_t l = 0; l < f.locals.size(); ++l) {
            const LocalDebug& d = f.locals[l];
            std::string where = who + " local " + std::to_string(l);
            string(d.name, where + " name");
            if (d.reg >= f.frameSize)
                fail("local.register", where + ": register r" + std::to_string(d.reg) +
                                           " >= frame size " + std::to_string(f.frameSize));
            if (d.startPc > d.endPc || d.endPc > size)
                fail("local.range", where + ": range [" + std::to_string(d.startPc) + ", " +
                                        std::to_string(d.endPc) + ") is outside the code");
        }
    }

    void verifyCode(size_t fi, const std::string& who) {
        const Function& f = m_.functions[fi];
        const std::vector<Insn>& code = f.code;
        if (code.size() > kMaxCodeWords)
            fail("function.code-size", who + ": " + std::to_string(code.size()) +
                                           " code words, the limit is " +
                                           std::to_string(kMaxCodeWords));
        // Pass 1: instruction starts (AUX words are not starts).
        starts_.assign(code.size(), false);
        size_t last = 0;
        for (size_t pc = 0; pc < code.size();) {
            uint8_t raw = uint8_t(code[pc] & 0xff);
            if (!isValidOp(raw))
                fail("code.opcode", at(who, pc) + "unknown opcode " + std::to_string(raw));
            const OpInfo& info = opInfo(Op(raw));
            if (opSinceVersion(Op(raw)) > m_.formatVersion)
                fail("code.opcode", at(who, pc) + std::string(info.name) + " is format v" +
                                        std::to_string(opSinceVersion(Op(raw))) +
                                        "; the file says v" + std::to_string(m_.formatVersion));
            if (pc + info.words() > code.size())
                fail("code.aux-missing", at(who, pc) + std::string(info.name) +
                                             " needs an AUX word past the end of the code");
            starts_[pc] = true;
            last = pc;
            pc += info.words();
        }
        if (code.empty())
            fail("code.fallthrough", who + ": no code (a function must end with a return, "
                                           "throw or jump)");
        if (!(opInfo(insnOp(code[last])).flags & F_TERM))
            fail("code.fallthrough", at(who, last) + "the last instruction (" +
                                         std::string(opInfo(insnOp(code[last])).name) +
                                         ") falls off the end of the code");
        // Pass 2: operands, windows, jumps.
        for (size_t pc = 0; pc < code.size();) {
            const OpInfo& info = opInfo(insnOp(code[pc]));
            verifyInsn(f, who, pc, info);
            pc += info.words();
        }
    }

    static std::string at(const std::string& who, size_t pc) {
        return who + " pc " + std::to_string(pc) + ": ";
    }

    void verifyInsn(const Function& f, const std::string& who, size_t pc, const OpInfo& info) {
        Insn i = f.code[pc];
        std::string where = at(who, pc) + std::string(info.name);
        switch (info.format) {
        case Format::ABC:
            operand(f, where, pc, info, info.a, insnA(i), int8_t(insnA(i)), "A");
            operand(f, where, pc, info, info.b, insnB(i), int8_t(insnB(i)), "B");
            operand(f, where, pc, info, info.c, insnC(i), int8_t(insnC(i)), "C");
            break;
        case Format::AD:
            operand(f, where, pc, info, info.a, insnA(i), int8_t(insnA(i)), "A");
            operand(f, where, pc, info, info.b, insnD(i), insnSD(i), "D");
            break;
        case Format::E:
            operand(f, where, pc, info, info.a, uint32_t(i) >> 8, insnE(i), "E");
            break;
        }
        if (info.hasAux()) {
            uint32_t aux = f.code[pc + 1];
            operand(f, where, pc, info, info.aux, aux, int32_t(aux), "AUX");
        }
        window(f, where, info, i);
    }

    void operand(const Function& f, const std::string& where, size_t pc, const OpInfo& info,
                 Kind kind, uint32_t value, int32_t signedValue, const char* name) {
        auto bad = [&](const char* check, const std::string& why) {
            fail(check, where + " operand " + name + ": " + why);
        };
        switch (kind) {
        case Kind::N:
            if (value != 0) bad("code.unused-operand", "must be 0, is " + std::to_string(value));
            break;
        case Kind::R:
            if (value >= f.frameSize)
                bad("code.register", "register r" + std::to_string(value) + " >= frame size " +
                                         std::to_string(f.frameSize));
            break;
        case Kind::K:
        case Kind::KS:
        case Kind::KN:
            if (value >= f.constants.size())
                bad("code.constant", "constant k" + std::to_string(value) + " out of range (" +
                                         std::to_string(f.constants.size()) + " constants)");
            if (kind == Kind::KS && f.constants[value].type != Constant::Type::String)
                bad("code.constant-type",
                    "constant k" + std::to_string(value) + " must be a string");
            if (kind == Kind::KN && f.constants[value].type != Constant::Type::Number)
                bad("code.constant-type",
                    "constant k" + std::to_string(value) + " must be a number");
            break;
        case Kind::U:
        case Kind::I:
            break;
        case Kind::J: {
            int64_t target = int64_t(pc) + info.words() + signedValue;
            if (target < 0 || uint64_t(target) >= f.code.size() || !starts_[size_t(target)])
                bad("code.jump-target",
                    "jump to " + std::to_string(target) +
                        (target < 0 || uint64_t(target) >= f.code.size()
                             ? " is outside the code (size " + std::to_string(f.code.size()) + ")"
                             : " is not an instruction start (inside an AUX word)"));
            bool backEdge = info.flags & F_BACKEDGE;
            if (!backEdge && signedValue < 0)
                bad("code.jump-direction", "jumps backwards to " + std::to_string(target) +
                                               " (only JumpBack may jump backwards)");
            if (backEdge && signedValue >= 0)
                bad("code.jump-direction",
                    "JumpBack to " + std::to_string(target) + " does not jump backwards");
            break;
        }
        case Kind::P: {
            if (value >= m_.functions.size())
                bad("code.proto", "function " + std::to_string(value) + " out of range (" +
                                      std::to_string(m_.functions.size()) + " functions)");
            const Function& proto = m_.functions[value];
            if (isTopLevelKind(proto.kind))
                bad("code.proto", fname(value) + " is a " + functionKindName(proto.kind) +
                                      " function; only functions, arrows and methods are closures");
            // The proto's captures are resolved against THIS frame when the
            // Closure runs, so they are checked here, where the frame is known.
            for (size_t u = 0; u < proto.upvalues.size(); ++u) {
                const UpvalueDesc& d = proto.upvalues[u];
                if (d.fromParentRegister ? d.index >= f.frameSize : d.index >= f.upvalues.size())
                    bad("code.closure-upvalue",
                        fname(value) + " upvalue " + std::to_string(u) + " captures " +
                            (d.fromParentRegister ? "register r" : "upvalue ") +
                            std::to_string(d.index) + ", which this function does not have");
            }
            break;
        }
        case Kind::V:
            if (value >= f.upvalues.size())
                bad("code.upvalue", "upvalue " + std::to_string(value) + " out of range (" +
                                        std::to_string(f.upvalues.size()) + " upvalues)");
            break;
        case Kind::G:
            if (value >= m_.modVars.size())
                bad("code.modvar", "module variable " + std::to_string(value) + " out of range (" +
                                       std::to_string(m_.modVars.size()) + " module variables)");
            break;
        case Kind::B:
            if (value >= kBuiltinCount)
                bad("code.builtin", "builtin " + std::to_string(value) + " out of range (" +
                                        std::to_string(kBuiltinCount) + " builtins)");
            break;
        }
    }

    void window(const Function& f, const std::string& where, const OpInfo& info, Insn i) {
        unsigned a = insnA(i), b = insnB(i), c = insnC(i);
        unsigned lo = 0, hi = 0; // inclusive range, when `any`
        bool any = true;
        switch (info.window) {
        case Window::W_NONE:
            any = false;
            break;
        case Window::W_A1:
            lo = a, hi = a + 1;
            break;
        case Window::W_A2:
            lo = a, hi = a + 2;
            break;
        case Window::W_CALL:
            lo = a, hi = a + b;
            break;
        case Window::W_METH:
            lo = a, hi = a + b + 1;
            break;
        case Window::W_BC:
            any = c > 0;
            lo = b, hi = b + c - 1;
            break;
        case Window::W_C1:
            lo = c, hi = c + 1;
            break;
        }
        if (any && hi >= f.frameSize)
            fail("code.window", where + ": registers r" + std::to_string(lo) + "..r" +
                                    std::to_string(hi) + " exceed the frame size " +
                                    std::to_string(f.frameSize));
    }

    const Module& m_;
    long* badFunction_;
    std::vector<bool> starts_; // of the function being verified
};

} // namespace

namespace detail {
std::optional<VerifyError> verifyModuleDetailed(const Module& m, long* badFunction) {
    *badFunction = -1;
    try {
        ModuleVerifier(m, badFunction).run();
    } catch (const VFail& f) {
        return f.error;
    }
    return std::nullopt;
}
} // namespace detail

std::optional<VerifyError> verifyModule(const Module& m) {
    long bad = -1;
    return detail::verifyModuleDetailed(m, &bad);
}

} // namespace flow::bytecode
