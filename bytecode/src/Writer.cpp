// Writer.cpp — Module -> .flowc bytes. The layout is documented byte by byte
// in docs/bytecode.md; Reader.cpp is its mirror image, so any change here
// needs the same change there and a kFormatVersion bump (Format.h).
//
// Determinism: the output depends only on the Module's fields, written in
// vector order with fixed-width little-endian integers, so the same Module
// always gives the same bytes (and the same content hash).
#include "flow/bytecode/Writer.h"

#include <cstring>

#include "flow/bytecode/Format.h"
#include "flow/bytecode/Sha256.h"

namespace flow::bytecode {

namespace {

class ByteWriter {
public:
    std::vector<uint8_t> out;

    void u8(uint8_t v) { out.push_back(v); }
    void u32(uint32_t v) {
        for (int i = 0; i < 4; ++i)
            out.push_back(uint8_t(v >> (8 * i)));
    }
    void u64(uint64_t v) {
        for (int i = 0; i < 8; ++i)
            out.push_back(uint8_t(v >> (8 * i)));
    }
    void f64(double d) {
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        u64(bits);
    }
    void boolean(bool b) { u8(b ? 1 : 0); }
    void str(const std::string& s) {
        u32(uint32_t(s.size()));
        out.insert(out.end(), s.begin(), s.end());
    }
    void count(size_t n) { u32(uint32_t(n)); }

    // A section: tag, a length placeholder patched once the body is written.
    size_t beginSection(Section tag) {
        u32(uint32_t(tag));
        size_t at = out.size();
        u32(0);
        return at;
    }
    void endSection(size_t at) {
        uint32_t len = uint32_t(out.size() - at - 4);
        for (int i = 0; i < 4; ++i)
            out[at + size_t(i)] = uint8_t(len >> (8 * i));
    }
};

void writeFunction(ByteWriter& w, const Function& f) {
    w.u32(f.name);
    w.u32(f.source);
    w.u32(f.line);
    w.u32(f.column);
    w.u8(uint8_t(f.kind));
    w.boolean(f.isAsync);
    w.u8(f.numParams);
    w.boolean(f.hasRest);
    w.u8(f.frameSize);

    w.count(f.upvalues.size());
    for (const UpvalueDesc& u : f.upvalues) {
        w.boolean(u.fromParentRegister);
        w.u8(u.index);
        w.u32(u.name);
    }
    w.count(f.constants.size());
    for (const Constant& k : f.constants) {
        w.u8(uint8_t(k.type));
        if (k.type == Constant::Type::Number)
            w.f64(k.number);
        else
            w.u32(k.string);
    }
    w.count(f.code.size());
    for (Insn i : f.code)
        w.u32(i);
    w.count(f.handlers.size());
    for (const Handler& h : f.handlers) {
        w.u32(h.startPc);
        w.u32(h.endPc);
        w.u32(h.handlerPc);
        w.u8(h.reg);
    }
    w.count(f.lines.size());
    for (const LineEntry& l : f.lines) {
        w.u32(l.pc);
        w.u32(l.line);
        w.u32(l.column);
    }
    w.count(f.locals.size());
    for (const LocalDebug& l : f.locals) {
        w.u32(l.name);
        w.u8(l.reg);
        w.u32(l.startPc);
        w.u32(l.endPc);
    }
}

std::vector<uint8_t> writePayload(const Module& m) {
    ByteWriter w;
    size_t s = w.beginSection(Section::Strings);
    w.count(m.strings.size());
    for (const std::string& str : m.strings)
        w.str(str);
    w.endSection(s);

    s = w.beginSection(Section::Sources);
    w.count(m.sources.size());
    for (const SourceFile& f : m.sources) {
        w.u32(f.path);
        w.u32(f.text);
    }
    w.endSection(s);

    s = w.beginSection(Section::Functions);
    w.count(m.functions.size());
    for (const Function& f : m.functions)
        writeFunction(w, f);
    w.endSection(s);

    s = w.beginSection(Section::ModVars);
    w.count(m.modVars.size());
    for (const ModVar& v : m.modVars) {
        w.u32(v.name);
        w.u32(v.source);
        w.boolean(v.isConst);
    }
    w.endSection(s);

    s = w.beginSection(Section::Tasks);
    w.count(m.tasks.size());
    for (const TaskDecl& t : m.tasks) {
        w.u32(t.name);
        w.u8(uint8_t(t.kind));
        w.count(t.params.size());
        for (uint32_t p : t.params)
            w.u32(p);
        w.u32(t.method);
        w.u32(t.target);
        w.u32(t.optionsJson);
        w.u32(t.modVar);
        w.u32(t.source);
        w.u32(t.line);
    }
    w.endSection(s);

    s = w.beginSection(Section::Workflows);
    w.count(m.workflows.size());
    for (const WorkflowDecl& wf : m.workflows) {
        w.u32(wf.name);
        w.u32(wf.function);
        w.u32(wf.modVar);
        w.u32(wf.optionsJson);
        w.boolean(wf.exported);
    }
    w.endSection(s);

    s = w.beginSection(Section::Triggers);
    w.count(m.triggers.size());
    for (const TriggerDecl& t : m.triggers) {
        w.u32(t.eventType);
        w.u32(t.function);
        w.u32(t.source);
        w.u32(t.line);
    }
    w.endSection(s);

    s = w.beginSection(Section::Tests);
    w.count(m.tests.size());
    for (const TestDecl& t : m.tests) {
        w.u32(t.name);
        w.u32(t.function);
        w.u32(t.source);
        w.u32(t.line);
    }
    w.endSection(s);

    s = w.beginSection(Section::Inits);
    w.count(m.inits.size());
    for (uint32_t i : m.inits)
        w.u32(i);
    w.endSection(s);
    return std::move(w.out);
}

} // namespace

std::vector<uint8_t> writeModule(Module& m) {
    std::vector<uint8_t> payload = writePayload(m);
    m.hash = sha256(payload.data(), payload.size());

    ByteWriter w;
    w.out.reserve(kHeaderSize + payload.size());
    w.out.insert(w.out.end(), std::begin(kMagic), std::end(kMagic));
    w.u32(kFormatVersion);
    w.u32(0); // flags: none defined in v1
    w.out.insert(w.out.end(), m.hash.begin(), m.hash.end());
    w.u64(payload.size());
    w.out.insert(w.out.end(), payload.begin(), payload.end());
    return std::move(w.out);
}

} // namespace flow::bytecode
