// Reader.cpp — .flowc bytes -> Module, trusting nothing. The mirror image of
// Writer.cpp (layout in docs/bytecode.md). Every read is bounds-checked
// against the end of its section, every count is checked against the bytes
// that could possibly hold it BEFORE anything is allocated (a hostile count
// must not become a multi-gigabyte reserve), and every enum and flag byte must
// hold a value the Writer could have written, so one Module has exactly one
// encoding (the content hash is an identity).
#include "flow/bytecode/Reader.h"

#include <cstring>

#include "VerifierDetail.h"
#include "flow/bytecode/Format.h"
#include "flow/bytecode/Sha256.h"

namespace flow::bytecode {

std::string LoadError::str() const {
    return "corrupt bytecode at offset " + std::to_string(offset) + ": [" + check + "] " + message;
}

namespace {

// Thrown inside the reader only; readModule turns it into a LoadError.
struct Fail {
    LoadError error;
};

[[noreturn]] void fail(std::string check, std::string message, uint64_t offset) {
    throw Fail{LoadError{std::move(check), std::move(message), offset}};
}

const char* sectionName(Section s) {
    switch (s) {
    case Section::Strings:
        return "strings";
    case Section::Sources:
        return "sources";
    case Section::Functions:
        return "functions";
    case Section::ModVars:
        return "modvars";
    case Section::Tasks:
        return "tasks";
    case Section::Workflows:
        return "workflows";
    case Section::Triggers:
        return "triggers";
    case Section::Tests:
        return "tests";
    case Section::Inits:
        return "inits";
    }
    return "?";
}

// WTF-8: UTF-8 that may also encode lone surrogates (U+D800..DFFF), which JS
// strings can hold. Overlong forms and code points past U+10FFFF are refused.
// Returns the offset of the first bad byte, or -1.
long firstBadWtf8(const uint8_t* p, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        if (b < 0x80) {
            ++i;
            continue;
        }
        size_t len;
        uint8_t lo = 0x80, hi = 0xBF; // allowed range of the second byte
        if (b >= 0xC2 && b <= 0xDF)
            len = 2;
        else if (b == 0xE0)
            len = 3, lo = 0xA0;
        else if (b >= 0xE1 && b <= 0xEF)
            len = 3; // ED: surrogates allowed
        else if (b == 0xF0)
            len = 4, lo = 0x90;
        else if (b >= 0xF1 && b <= 0xF3)
            len = 4;
        else if (b == 0xF4)
            len = 4, hi = 0x8F;
        else
            return long(i);
        if (n - i < len) return long(i);
        if (p[i + 1] < lo || p[i + 1] > hi) return long(i + 1);
        for (size_t k = 2; k < len; ++k)
            if ((p[i + k] & 0xC0) != 0x80) return long(i + k);
        i += len;
    }
    return -1;
}

class Cursor {
public:
    Cursor(std::span<const uint8_t> bytes, size_t pos, size_t end)
        : bytes_(bytes), pos_(pos), end_(end) {}

    size_t pos() const { return pos_; }
    size_t left() const { return end_ - pos_; }
    // What is being read, for messages ("function #3").
    std::string what = "header";

    uint8_t u8() {
        need(1);
        return bytes_[pos_++];
    }
    uint32_t u32() {
        need(4);
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v |= uint32_t(bytes_[pos_ + size_t(i)]) << (8 * i);
        pos_ += 4;
        return v;
    }
    uint64_t u64() {
        need(8);
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v |= uint64_t(bytes_[pos_ + size_t(i)]) << (8 * i);
        pos_ += 8;
        return v;
    }
    double f64() {
        uint64_t bits = u64();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
    }
    bool boolean(const char* check) {
        size_t at = pos_;
        uint8_t v = u8();
        if (v > 1) fail(check, what + ": flag byte is " + std::to_string(v) + ", not 0 or 1", at);
        return v == 1;
    }
    // A count of items each at least `minItemBytes` long: refused when the
    // rest of the section could not hold that many, and past `limit`.
    uint32_t count(const char* check, size_t minItemBytes, uint64_t limit) {
        size_t at = pos_;
        uint32_t n = u32();
        if (n > limit)
            fail(check,
                 what + ": count " + std::to_string(n) + " exceeds the limit " +
                     std::to_string(limit),
                 at);
        if (uint64_t(n) * minItemBytes > left())
            fail(check,
                 what + ": count " + std::to_string(n) + " needs at least " +
                     std::to_string(uint64_t(n) * minItemBytes) + " bytes, only " +
                     std::to_string(left()) + " left in the section",
                 at);
        return n;
    }
    std::string str() {
        size_t at = pos_;
        uint32_t n = u32();
        if (n > kMaxStringBytes)
            fail("strings.length",
                 what + ": length " + std::to_string(n) + " exceeds the limit " +
                     std::to_string(kMaxStringBytes),
                 at);
        if (n > left())
            fail("strings.length",
                 what + ": length " + std::to_string(n) + " but only " + std::to_string(left()) +
                     " bytes left in the section",
                 at);
        const uint8_t* p = bytes_.data() + pos_;
        long bad = firstBadWtf8(p, n);
        if (bad >= 0)
            fail("strings.encoding", what + ": invalid WTF-8 at byte " + std::to_string(bad),
                 pos_ + size_t(bad));
        pos_ += n;
        return std::string(reinterpret_cast<const char*>(p), n);
    }

private:
    void need(size_t n) {
        if (left() < n)
            fail("section.truncated",
                 what + ": needs " + std::to_string(n) + " more bytes, " + std::to_string(left()) +
                     " left",
                 pos_);
    }

    std::span<const uint8_t> bytes_;
    size_t pos_, end_;
};

// Minimum encoded sizes (see Writer.cpp), used to bound counts.
constexpr size_t kMinFunctionBytes = 4 * 4 + 5 + 6 * 4;
constexpr size_t kUpvalueBytes = 1 + 1 + 4;
constexpr size_t kMinConstantBytes = 1 + 4;
constexpr size_t kHandlerBytes = 3 * 4 + 1;
constexpr size_t kLineBytes = 3 * 4;
constexpr size_t kLocalBytes = 4 + 1 + 4 + 4;
constexpr size_t kMinTaskBytes = 4 + 1 + 4 + 6 * 4;

class ModuleReader {
public:
    explicit ModuleReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

    Module read(std::vector<size_t>& functionOffsets) {
        readHeader();
        Cursor payload(bytes_, kHeaderSize, bytes_.size());
        section(payload, Section::Strings, [&](Cursor& c) {
            uint32_t n = c.count("strings.count", 4, UINT32_MAX);
            m_.strings.reserve(n);
            for (uint32_t i = 0; i < n; ++i) {
                c.what = "string #" + std::to_string(i);
                m_.strings.push_back(c.str());
            }
        });
        section(payload, Section::Sources, [&](Cursor& c) {
            uint32_t n = c.count("sources.count", 8, UINT32_MAX);
            m_.sources.resize(n);
            for (SourceFile& s : m_.sources) {
                s.path = c.u32();
                s.text = c.u32();
            }
        });
        section(payload, Section::Functions, [&](Cursor& c) {
            uint32_t n = c.count("functions.count", kMinFunctionBytes, kMaxFunctions);
            m_.functions.resize(n);
            functionOffsets.reserve(n);
            for (uint32_t i = 0; i < n; ++i) {
                functionOffsets.push_back(c.pos());
                c.what = "function #" + std::to_string(i);
                readFunction(c, m_.functions[i]);
            }
        });
        section(payload, Section::ModVars, [&](Cursor& c) {
            uint32_t n = c.count("modvars.count", 9, kMaxModVars);
            m_.modVars.resize(n);
            for (uint32_t i = 0; i < n; ++i) {
                c.what = "modvar #" + std::to_string(i);
                ModVar& v = m_.modVars[i];
                v.name = c.u32();
                v.source = c.u32();
                v.isConst = c.boolean("modvar.flag");
            }
        });
        section(payload, Section::Tasks, [&](Cursor& c) {
            uint32_t n = c.count("tasks.count", kMinTaskBytes, UINT32_MAX);
            m_.tasks.resize(n);
            for (uint32_t i = 0; i < n; ++i) {
                c.what = "task #" + std::to_string(i);
                TaskDecl& t = m_.tasks[i];
                t.name = c.u32();
                size_t at = c.pos();
                uint8_t kind = c.u8();
                if (kind > uint8_t(TaskKind::Builtin))
                    fail("task.kind", c.what + ": unknown task kind " + std::to_string(kind), at);
                t.kind = TaskKind(kind);
                uint32_t np = c.count("task.params-count", 4, UINT32_MAX);
                t.params.resize(np);
                for (uint32_t& p : t.params)
                    p = c.u32();
                t.method = c.u32();
                t.target = c.u32();
                t.optionsJson = c.u32();
                t.modVar = c.u32();
                t.source = c.u32();
                t.line = c.u32();
            }
        });
        section(payload, Section::Workflows, [&](Cursor& c) {
            uint32_t n = c.count("workflows.count", 17, UINT32_MAX);
            m_.workflows.resize(n);
            for (uint32_t i = 0; i < n; ++i) {
                c.what = "workflow #" + std::to_string(i);
                WorkflowDecl& w = m_.workflows[i];
                w.name = c.u32();
                w.function = c.u32();
                w.modVar = c.u32();
                w.optionsJson = c.u32();
                w.exported = c.boolean("workflow.flag");
            }
        });
        section(payload, Section::Triggers, [&](Cursor& c) {
            uint32_t n = c.count("triggers.count", 16, UINT32_MAX);
            m_.triggers.resize(n);
            for (TriggerDecl& t : m_.triggers) {
                t.eventType = c.u32();
                t.function = c.u32();
                t.source = c.u32();
                t.line = c.u32();
            }
        });
        section(payload, Section::Tests, [&](Cursor& c) {
            uint32_t n = c.count("tests.count", 16, UINT32_MAX);
            m_.tests.resize(n);
            for (TestDecl& t : m_.tests) {
                t.name = c.u32();
                t.function = c.u32();
                t.source = c.u32();
                t.line = c.u32();
            }
        });
        section(payload, Section::Inits, [&](Cursor& c) {
            uint32_t n = c.count("inits.count", 4, UINT32_MAX);
            m_.inits.resize(n);
            for (uint32_t& i : m_.inits)
                i = c.u32();
        });
        if (payload.left() != 0)
            fail("payload.trailing",
                 std::to_string(payload.left()) + " unexpected bytes after the last section",
                 payload.pos());
        return std::move(m_);
    }

private:
    void readHeader() {
        size_t size = bytes_.size();
        if (size > kMaxModuleBytes)
            fail("header.too-large",
                 "file is " + std::to_string(size) + " bytes, more than the limit of " +
                     std::to_string(kMaxModuleBytes),
                 0);
        // A prefix of the magic is a truncated file; anything else is not ours.
        size_t magicBytes = size < sizeof kMagic ? size : sizeof kMagic;
        if (magicBytes && std::memcmp(bytes_.data(), kMagic, magicBytes) != 0)
            fail("header.magic", "not a Flow bytecode file (bad magic)", 0);
        if (size < kHeaderSize)
            fail("header.truncated",
                 "file is " + std::to_string(size) + " bytes, shorter than the " +
                     std::to_string(kHeaderSize) + "-byte header",
                 size);
        Cursor h(bytes_, sizeof kMagic, kHeaderSize);
        uint32_t version = h.u32();
        if (version < kFormatVersionMin || version > kFormatVersionMax)
            fail("header.version",
                 "format v" + std::to_string(version) + "; this build reads v" +
                     std::to_string(kFormatVersionMin) + "..v" + std::to_string(kFormatVersionMax),
                 8);
        if (uint32_t flags = h.u32(); flags != 0)
            fail("header.flags", "unknown header flags 0x" + toHex(flags), 12);
        m_.formatVersion = version;
        std::memcpy(m_.hash.data(), bytes_.data() + 16, 32);
        h = Cursor(bytes_, 48, kHeaderSize);
        uint64_t payloadSize = h.u64();
        uint64_t actual = size - kHeaderSize;
        if (payloadSize != actual)
            fail("header.payload-size",
                 "header says " + std::to_string(payloadSize) + " payload bytes, the file has " +
                     std::to_string(actual) +
                     (payloadSize > actual ? " (truncated file?)" : " (trailing bytes?)"),
                 48);
        auto digest = sha256(bytes_.data() + kHeaderSize, actual);
        if (digest != m_.hash)
            fail("header.hash", "the payload's SHA-256 does not match the header (file modified)",
                 16);
    }

    static std::string toHex(uint32_t v) {
        static constexpr char kHex[] = "0123456789abcdef";
        std::string s;
        for (int i = 7; i >= 0; --i)
            s += kHex[(v >> (4 * i)) & 15];
        return s;
    }

    template <class Body>
    void section(Cursor& payload, Section expected, Body body) {
        payload.what = std::string("section '") + sectionName(expected) + "'";
        size_t at = payload.pos();
        if (payload.left() < 8)
            fail("section.truncated",
                 std::string("missing section '") + sectionName(expected) + "'", at);
        uint32_t tag = payload.u32();
        if (tag != uint32_t(expected))
            fail("section.order",
                 "expected section " + std::to_string(uint32_t(expected)) + " (" +
                     sectionName(expected) + "), found tag " + std::to_string(tag),
                 at);
        uint32_t len = payload.u32();
        if (len > payload.left())
            fail("section.length",
                 std::string("section '") + sectionName(expected) + "' is " + std::to_string(len) +
                     " bytes but only " + std::to_string(payload.left()) + " remain",
                 at + 4);
        Cursor c(bytes_, payload.pos(), payload.pos() + len);
        c.what = std::string("section '") + sectionName(expected) + "'";
        body(c);
        if (c.left() != 0)
            fail("section.size",
                 std::string("section '") + sectionName(expected) + "' has " +
                     std::to_string(c.left()) + " unused bytes at its end",
                 c.pos());
        payload = Cursor(bytes_, payload.pos() + len, bytes_.size());
    }

    void readFunction(Cursor& c, Function& f) {
        f.name = c.u32();
        f.source = c.u32();
        f.line = c.u32();
        f.column = c.u32();
        size_t at = c.pos();
        uint8_t kind = c.u8();
        if (kind > uint8_t(FunctionKind::Test))
            fail("function.kind", c.what + ": unknown function kind " + std::to_string(kind), at);
        f.kind = FunctionKind(kind);
        f.isAsync = c.boolean("function.flag");
        f.numParams = c.u8();
        f.hasRest = c.boolean("function.flag");
        f.frameSize = c.u8();

        uint32_t n = c.count("function.upvalue-count", kUpvalueBytes, kMaxUpvalues);
        f.upvalues.resize(n);
        for (UpvalueDesc& u : f.upvalues) {
            u.fromParentRegister = c.boolean("function.flag");
            u.index = c.u8();
            u.name = c.u32();
        }
        n = c.count("function.constant-count", kMinConstantBytes, kMaxConstants);
        f.constants.resize(n);
        for (Constant& k : f.constants) {
            at = c.pos();
            uint8_t type = c.u8();
            if (type == uint8_t(Constant::Type::Number)) {
                k.type = Constant::Type::Number;
                k.number = c.f64();
            } else if (type == uint8_t(Constant::Type::String)) {
                k.type = Constant::Type::String;
                k.string = c.u32();
            } else {
                fail("constant.type", c.what + ": unknown constant type " + std::to_string(type),
                     at);
            }
        }
        n = c.count("function.code-size", 4, kMaxCodeWords);
        f.code.resize(n);
        for (Insn& i : f.code)
            i = c.u32();
        n = c.count("function.handler-count", kHandlerBytes, UINT32_MAX);
        f.handlers.resize(n);
        for (Handler& h : f.handlers) {
            h.startPc = c.u32();
            h.endPc = c.u32();
            h.handlerPc = c.u32();
            h.reg = c.u8();
        }
        n = c.count("function.line-count", kLineBytes, UINT32_MAX);
        f.lines.resize(n);
        for (LineEntry& l : f.lines) {
            l.pc = c.u32();
            l.line = c.u32();
            l.column = c.u32();
        }
        n = c.count("function.local-count", kLocalBytes, UINT32_MAX);
        f.locals.resize(n);
        for (LocalDebug& l : f.locals) {
            l.name = c.u32();
            l.reg = c.u8();
            l.startPc = c.u32();
            l.endPc = c.u32();
        }
    }

    std::span<const uint8_t> bytes_;
    Module m_;
};

} // namespace

LoadResult readModule(std::span<const uint8_t> bytes, bool verify) {
    LoadResult r;
    std::vector<size_t> functionOffsets;
    try {
        Module m = ModuleReader(bytes).read(functionOffsets);
        if (verify) {
            long bad = -1;
            if (auto err = detail::verifyModuleDetailed(m, &bad)) {
                uint64_t offset = bad >= 0 && size_t(bad) < functionOffsets.size()
                                      ? functionOffsets[size_t(bad)]
                                      : kHeaderSize;
                r.error = LoadError{err->check, err->message, offset};
                return r;
            }
        }
        r.module = std::move(m);
    } catch (const Fail& f) {
        r.error = f.error;
    } catch (const std::bad_alloc&) {
        // Counts are bounded by the bytes present, so this needs a genuinely
        // huge (but valid-looking) file; still an error, not a crash.
        r.error = LoadError{"memory", "out of memory while loading", 0};
    }
    return r;
}

std::optional<uint32_t> peekFormatVersion(std::span<const uint8_t> bytes) {
    if (bytes.size() < sizeof kMagic + 4 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
        return std::nullopt;
    const uint8_t* p = bytes.data() + sizeof kMagic;
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

} // namespace flow::bytecode
