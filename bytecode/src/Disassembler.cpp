// Disassembler.cpp — the readable IR of `flowc --emit=ir`. Golden tests match
// this text, so the layout is fixed (see docs/bytecode.md "Disassembly"):
//
//   ; flow bytecode v1
//   ; hash sha256:...              <- its own line, so goldens can skip it
//   function #1 'fib' [function] (async=0 params=1 rest=0 regs=4 upvals=0) fib.flow:1:1
//     constants: k0=2 k1="x"
//     0000  2:7    JumpIfNotLtK     r0, @0004, k0     ; if !(r0 < 2) goto 0004
//     handlers: [0004,0010) -> 0012 r3
//
// Columns: pc (4 digits), source line:column from the line table, mnemonic,
// operands (registers rN, constants kN, jumps @pc as absolute targets), then
// the Opcodes.def synopsis with the operands substituted. It never trusts the
// module: a bad index prints as "<bad ...>" instead of reading out of bounds,
// so it can dump a module the verifier rejects.
#include "flow/bytecode/Disassembler.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "flow/bytecode/Builtins.h"
#include "flow/bytecode/Format.h"

namespace flow::bytecode {

namespace {

std::string pc4(int64_t pc) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(pc));
    return buf;
}

// The shortest decimal that reads back as the same double, JS-style names
// for the special values.
std::string number(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == 0) return std::signbit(d) ? "-0" : "0";
    char buf[40];
    // Integers print as integers (1000, not 1e+03), as JS would up to 1e21.
    if (std::trunc(d) == d && std::fabs(d) < 1e21) {
        std::snprintf(buf, sizeof buf, "%.0f", d);
        return buf;
    }
    for (int prec = 1; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (std::strtod(buf, nullptr) == d) break;
    }
    return buf;
}

// A double-quoted, escaped string, cut after about `limit` bytes. Valid
// UTF-8 prints as is; lone surrogates (WTF-8) print as \uXXXX and any other
// byte that is not UTF-8 as \xNN, so the output is always valid UTF-8.
std::string quote(const std::string& s, size_t limit = 60) {
    std::string out = "\"";
    size_t i = 0;
    char buf[16];
    while (i < s.size() && i < limit) {
        unsigned char ch = static_cast<unsigned char>(s[i]);
        auto cont = [&](size_t k) {
            return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        };
        if (ch >= 0x80) {
            size_t len = ch >= 0xF0 && ch <= 0xF4 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC2 ? 2 : 0;
            if (ch > 0xF4) len = 0;
            bool ok = len > 0;
            for (size_t k = 1; ok && k < len; ++k)
                ok = cont(k);
            if (ok && len == 3 && ch == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
                unsigned cp = (unsigned(ch & 0x0F) << 12) |
                              (unsigned(static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
                              unsigned(static_cast<unsigned char>(s[i + 2]) & 0x3F);
                std::snprintf(buf, sizeof buf, "\\u%04x", cp);
                out += buf;
            } else if (ok) {
                out.append(s, i, len);
            } else {
                std::snprintf(buf, sizeof buf, "\\x%02x", ch);
                out += buf;
                len = 1;
            }
            i += len;
            continue;
        }
        switch (ch) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (ch < 0x20 || ch == 0x7f) {
                std::snprintf(buf, sizeof buf, "\\u%04x", ch);
                out += buf;
            } else {
                out += char(ch);
            }
        }
        ++i;
    }
    out += '"';
    if (i < s.size()) out += "...";
    return out;
}

bool isIdentifier(const std::string& s) {
    if (s.empty()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool ok = c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

void pad(std::string& s, size_t width) {
    if (s.size() < width)
        s.append(width - s.size(), ' ');
    else
        s += ' ';
}

class Disassembler {
public:
    explicit Disassembler(const Module& m) : m_(m) {}

    std::string run() {
        out_ += "; flow bytecode v" + std::to_string(kFormatVersion) + "\n";
        out_ += "; hash " + m_.hashHex() + "\n";
        for (size_t i = 0; i < m_.functions.size(); ++i)
            function(i);
        tables();
        return std::move(out_);
    }

private:
    std::string str(uint32_t i) const {
        return i < m_.strings.size() ? m_.strings[i] : "<bad string " + std::to_string(i) + ">";
    }
    std::string sourcePath(uint32_t i) const {
        return i < m_.sources.size() ? str(m_.sources[i].path)
                                     : "<bad source " + std::to_string(i) + ">";
    }
    std::string fnName(uint32_t i) const {
        if (i >= m_.functions.size()) return "#" + std::to_string(i) + " <bad function>";
        std::string n = str(m_.functions[i].name);
        return "#" + std::to_string(i) + " '" + (n.empty() ? "<anonymous>" : n) + "'";
    }
    std::string modVarName(uint32_t i) const {
        if (i >= m_.modVars.size()) return "mod" + std::to_string(i) + ":<bad>";
        return "mod" + std::to_string(i) + ":" + str(m_.modVars[i].name);
    }
    std::string constant(const Function& f, uint32_t k) const {
        if (k >= f.constants.size()) return "<bad k" + std::to_string(k) + ">";
        const Constant& c = f.constants[k];
        if (c.type == Constant::Type::Number) return number(c.number);
        return quote(str(c.string));
    }

    // Where pc maps in the source, from the run-length line table.
    std::string lineAt(const Function& f, size_t pc) const {
        const LineEntry* best = nullptr;
        for (const LineEntry& e : f.lines) {
            if (e.pc > pc) break;
            best = &e;
        }
        if (!best) return "";
        return std::to_string(best->line) + ":" + std::to_string(best->column);
    }

    void function(size_t fi) {
        const Function& f = m_.functions[fi];
        out_ += "\nfunction " + fnName(uint32_t(fi)) + " [" + functionKindName(f.kind) +
                "] (async=" + std::to_string(f.isAsync) + " params=" + std::to_string(f.numParams) +
                " rest=" + std::to_string(f.hasRest) + " regs=" + std::to_string(f.frameSize) +
                " upvals=" + std::to_string(f.upvalues.size()) + ") " + sourcePath(f.source) + ":" +
                std::to_string(f.line) + ":" + std::to_string(f.column) + "\n";
        if (!f.upvalues.empty()) {
            out_ += "  upvalues:";
            for (size_t u = 0; u < f.upvalues.size(); ++u) {
                const UpvalueDesc& d = f.upvalues[u];
                out_ += " u" + std::to_string(u) + "=" + (d.fromParentRegister ? "r" : "u") +
                        std::to_string(d.index) + " '" + str(d.name) + "'";
            }
            out_ += "\n";
        }
        if (!f.constants.empty()) {
            out_ += "  constants:";
            for (size_t k = 0; k < f.constants.size(); ++k)
                out_ += " k" + std::to_string(k) + "=" + constant(f, uint32_t(k));
            out_ += "\n";
        }
        for (size_t pc = 0; pc < f.code.size();)
            pc += instruction(f, pc);
        for (const Handler& h : f.handlers)
            out_ += "  handler: [" + pc4(h.startPc) + "," + pc4(h.endPc) + ") -> " +
                    pc4(h.handlerPc) + " r" + std::to_string(h.reg) + "\n";
        for (const LocalDebug& l : f.locals)
            out_ += "  local: r" + std::to_string(l.reg) + " '" + str(l.name) + "' [" +
                    pc4(l.startPc) + "," + pc4(l.endPc) + ")\n";
    }

    struct Decoded {
        const Function* f;
        size_t pc;
        const OpInfo* info;
        Insn insn;
        uint32_t aux;
    };

    // The raw value of an operand field and the kind Opcodes.def gives it.
    // For AD, "D" has KindB; for E, "E" has KindA.
    static bool field(const Decoded& d, const std::string& name, Kind& kind, int64_t& value) {
        const OpInfo& info = *d.info;
        if (name == "A" && info.format != Format::E)
            kind = info.a, value = insnA(d.insn);
        else if (name == "B" && info.format == Format::ABC)
            kind = info.b, value = insnB(d.insn);
        else if (name == "C" && info.format == Format::ABC)
            kind = info.c, value = insnC(d.insn);
        else if (name == "D" && info.format == Format::AD) {
            kind = info.b;
            value = (kind == Kind::I || kind == Kind::J) ? insnSD(d.insn) : insnD(d.insn);
        } else if (name == "E" && info.format == Format::E)
            kind = info.a, value = insnE(d.insn);
        else if (name == "AUX" && info.hasAux())
            kind = info.aux, value = d.aux;
        else
            return false;
        return true;
    }

    std::string jumpTarget(const Decoded& d, int64_t offset) const {
        return pc4(int64_t(d.pc) + d.info->words() + offset);
    }

    // An operand as it appears in the operand column.
    std::string operandText(const Decoded& d, Kind kind, int64_t v) const {
        switch (kind) {
        case Kind::N:
            return "";
        case Kind::R:
            return "r" + std::to_string(v);
        case Kind::K:
        case Kind::KS:
        case Kind::KN:
            return "k" + std::to_string(v);
        case Kind::U:
        case Kind::I:
            return std::to_string(v);
        case Kind::J:
            return "@" + jumpTarget(d, v);
        case Kind::P:
            return "#" + std::to_string(v);
        case Kind::V:
            return "u" + std::to_string(v);
        case Kind::G:
            return "g" + std::to_string(v);
        case Kind::B:
            return "b" + std::to_string(v);
        }
        return "?";
    }

    // An operand as it reads in the synopsis comment (names, values, targets).
    std::string operandValue(const Decoded& d, Kind kind, int64_t v) const {
        switch (kind) {
        case Kind::J:
            return jumpTarget(d, v);
        case Kind::P:
            return fnName(uint32_t(v));
        case Kind::K:
        case Kind::KS:
        case Kind::KN:
            return constant(*d.f, uint32_t(v));
        default:
            return operandText(d, kind, v);
        }
    }

    // Evaluates "A", "A+1", "B+C-1", "AUX" over the instruction's fields.
    bool eval(const Decoded& d, const std::string& expr, int64_t& out) const {
        out = 0;
        size_t i = 0;
        int sign = 1;
        bool any = false;
        while (i < expr.size()) {
            char c = expr[i];
            if (c == '+' || c == '-') {
                sign = c == '+' ? 1 : -1;
                ++i;
                continue;
            }
            size_t j = i;
            while (j < expr.size() && expr[j] != '+' && expr[j] != '-')
                ++j;
            std::string tok = expr.substr(i, j - i);
            int64_t v;
            Kind k;
            if (!tok.empty() && tok[0] >= '0' && tok[0] <= '9')
                v = std::atoll(tok.c_str());
            else if (!field(d, tok, k, v))
                return false;
            out += sign * v;
            any = true;
            i = j;
        }
        return any;
    }

    // "r[...]" -> rN or rN..rM (empty ranges print nothing); "k[...]" -> the
    // constant; "mod[D]" / "upval[B]" / "builtin[D]" -> names.
    std::string bracket(const Decoded& d, const std::string& word, const std::string& inner,
                        bool afterDot) const {
        if (word == "r") {
            size_t dots = inner.find("..");
            int64_t lo, hi;
            if (dots == std::string::npos) {
                if (eval(d, inner, lo)) return "r" + std::to_string(lo);
            } else if (eval(d, inner.substr(0, dots), lo) && eval(d, inner.substr(dots + 2), hi)) {
                if (hi < lo) return "";
                if (hi == lo) return "r" + std::to_string(lo);
                return "r" + std::to_string(lo) + "..r" + std::to_string(hi);
            }
        } else if (word == "k") {
            int64_t k;
            if (eval(d, inner, k)) {
                std::string text = constant(*d.f, uint32_t(k));
                if (!afterDot) return text;
                // r1.k[AUX] with a string constant reads best as r1.name.
                if (uint64_t(k) < d.f->constants.size() &&
                    d.f->constants[size_t(k)].type == Constant::Type::String &&
                    isIdentifier(str(d.f->constants[size_t(k)].string)))
                    return str(d.f->constants[size_t(k)].string);
                return "[" + text + "]";
            }
        } else if (word == "mod") {
            int64_t g;
            if (eval(d, inner, g)) return modVarName(uint32_t(g));
        } else if (word == "upval") {
            int64_t u;
            if (eval(d, inner, u)) {
                std::string name = uint64_t(u) < d.f->upvalues.size()
                                       ? str(d.f->upvalues[size_t(u)].name)
                                       : std::string("<bad>");
                return "upval" + std::to_string(u) + ":" + name;
            }
        } else if (word == "builtin") {
            int64_t b;
            if (eval(d, inner, b))
                return uint64_t(b) < kBuiltinCount ? std::string(builtinInfo(Builtin(b)).name)
                                                   : "<bad builtin " + std::to_string(b) + ">";
        }
        return word + "[" + inner + "]";
    }

    std::string synopsis(const Decoded& d) const {
        const std::string syn(d.info->synopsis);
        std::string out;
        size_t i = 0;
        auto isWordChar = [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_';
        };
        while (i < syn.size()) {
            if (!isWordChar(syn[i])) {
                out += syn[i++];
                continue;
            }
            size_t j = i;
            while (j < syn.size() && isWordChar(syn[j]))
                ++j;
            std::string word = syn.substr(i, j - i);
            bool afterDot = i > 0 && syn[i - 1] == '.';
            if (j < syn.size() && syn[j] == '[') {
                size_t close = syn.find(']', j);
                if (close != std::string::npos) {
                    std::string text = bracket(d, word, syn.substr(j + 1, close - j - 1), afterDot);
                    if (afterDot && word == "k" && !text.empty() && text[0] == '[')
                        out.pop_back(); // r1.["a b"] -> r1["a b"]
                    out += text;
                    i = close + 1;
                    continue;
                }
            }
            Kind kind;
            int64_t v;
            if ((word == "A" || word == "B" || word == "C" || word == "D" || word == "E" ||
                 word == "AUX") &&
                field(d, word, kind, v))
                out += operandValue(d, kind, v);
            else
                out += word;
            i = j;
        }
        return out;
    }

    // Prints one instruction; returns its size in words.
    size_t instruction(const Function& f, size_t pc) {
        Insn insn = f.code[pc];
        std::string line = "  " + pc4(int64_t(pc)) + "  ";
        std::string src = lineAt(f, pc);
        pad(src, 6);
        line += src;
        uint8_t raw = uint8_t(insn & 0xff);
        if (!isValidOp(raw)) {
            char buf[32];
            std::snprintf(buf, sizeof buf, ".word 0x%08x", insn);
            out_ += line + buf + "  ; unknown opcode\n";
            return 1;
        }
        const OpInfo& info = opInfo(Op(raw));
        bool auxPresent = pc + 1 < f.code.size();
        Decoded d{&f, pc, &info, insn, info.hasAux() && auxPresent ? f.code[pc + 1] : 0};
        std::string mnemonic(info.name);
        pad(mnemonic, 17);
        line += mnemonic;

        std::string ops;
        auto add = [&](const char* name) {
            Kind k;
            int64_t v;
            if (!field(d, name, k, v) || k == Kind::N) return;
            if (!ops.empty()) ops += ", ";
            ops += operandText(d, k, v);
        };
        add("A");
        add("B");
        add("C");
        add("D");
        add("E");
        if (info.hasAux()) {
            if (auxPresent)
                add("AUX");
            else
                ops += ", <missing AUX>";
        }
        std::string syn = synopsis(d);
        if (!syn.empty()) {
            pad(ops, 18);
            line += ops + "; " + syn;
        } else {
            line += ops;
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out_ += line + "\n";
        return info.hasAux() && auxPresent ? 2 : 1;
    }

    void tables() {
        if (!m_.sources.empty()) {
            out_ += "\nsources:\n";
            for (size_t i = 0; i < m_.sources.size(); ++i)
                out_ += "  s" + std::to_string(i) + " " + sourcePath(uint32_t(i)) + " (" +
                        std::to_string(str(m_.sources[i].text).size()) + " bytes)\n";
        }
        if (!m_.modVars.empty()) {
            out_ += "\nmodvars:\n";
            for (size_t i = 0; i < m_.modVars.size(); ++i) {
                const ModVar& v = m_.modVars[i];
                out_ += "  " + modVarName(uint32_t(i)) + (v.isConst ? " const" : " let") + " " +
                        sourcePath(v.source) + "\n";
            }
        }
        if (!m_.tasks.empty()) {
            out_ += "\ntasks:\n";
            for (const TaskDecl& t : m_.tasks) {
                std::string params;
                for (uint32_t p : t.params)
                    params += (params.empty() ? "" : ", ") + str(p);
                out_ += "  task '" + str(t.name) + "'(" + params + ") ";
                if (t.kind == TaskKind::Http)
                    out_ += "http " + str(t.method) + " ";
                else if (t.kind == TaskKind::Builtin)
                    out_ += "builtin ";
                else
                    out_ += "exec ";
                out_ += quote(str(t.target), 200) + " -> " + modVarName(t.modVar) + " " +
                        sourcePath(t.source) + ":" + std::to_string(t.line) + " options " +
                        str(t.optionsJson) + "\n";
            }
        }
        if (!m_.workflows.empty()) {
            out_ += "\nworkflows:\n";
            for (const WorkflowDecl& w : m_.workflows)
                out_ += "  workflow '" + str(w.name) + "' " + fnName(w.function) + " -> " +
                        modVarName(w.modVar) + (w.exported ? " exported" : "") + " options " +
                        str(w.optionsJson) + "\n";
        }
        if (!m_.triggers.empty()) {
            out_ += "\ntriggers:\n";
            for (const TriggerDecl& t : m_.triggers)
                out_ += "  on " + quote(str(t.eventType), 200) + " " + fnName(t.function) + " " +
                        sourcePath(t.source) + ":" + std::to_string(t.line) + "\n";
        }
        if (!m_.tests.empty()) {
            out_ += "\ntests:\n";
            for (const TestDecl& t : m_.tests)
                out_ += "  test " + quote(str(t.name), 200) + " " + fnName(t.function) + " " +
                        sourcePath(t.source) + ":" + std::to_string(t.line) + "\n";
        }
        if (!m_.inits.empty()) {
            out_ += "\ninits:";
            for (uint32_t i : m_.inits)
                out_ += " " + fnName(i);
            out_ += "\n";
        }
    }

    const Module& m_;
    std::string out_;
};

} // namespace

std::string disassemble(const Module& m) {
    return Disassembler(m).run();
}

} // namespace flow::bytecode
