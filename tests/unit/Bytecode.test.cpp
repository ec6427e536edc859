// Bytecode.test.cpp — the .flowc container: SHA-256, the writer's layout and
// determinism, the reader's checks on crafted bytes, and the ABI pins (opcode
// numbers, section tags, format version) that must never move silently.
// The verifier's checks are in BytecodeVerifier.test.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../corrupt/SampleModule.h"
#include "flow/bytecode/Builtins.h"
#include "flow/bytecode/Disassembler.h"
#include "flow/bytecode/Format.h"
#include "flow/bytecode/Reader.h"
#include "flow/bytecode/Sha256.h"
#include "flow/bytecode/Writer.h"

using namespace flow::bytecode;

namespace {

std::string hex(const std::array<uint8_t, 32>& h) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (uint8_t b : h) {
        s += d[b >> 4];
        s += d[b & 15];
    }
    return s;
}
std::string sha(const std::string& s) {
    return hex(sha256(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

void putU32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        b[at + size_t(i)] = uint8_t(v >> (8 * i));
}
uint32_t getU32(const std::vector<uint8_t>& b, size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= uint32_t(b[at + size_t(i)]) << (8 * i);
    return v;
}
// Recomputes the header hash after a payload edit, so the structural checks
// (not the hash) are what must reject it.
void rehash(std::vector<uint8_t>& b) {
    auto h = sha256(b.data() + kHeaderSize, b.size() - kHeaderSize);
    std::memcpy(b.data() + 16, h.data(), 32);
}
void setPayloadSize(std::vector<uint8_t>& b) {
    uint64_t n = b.size() - kHeaderSize;
    for (int i = 0; i < 8; ++i)
        b[48 + size_t(i)] = uint8_t(n >> (8 * i));
}
std::string checkOf(const std::vector<uint8_t>& b, bool verify = true) {
    LoadResult r = readModule(b, verify);
    return r.ok() ? "ok" : r.error.check;
}

// Offsets in the file of an otherwise empty module with one function (see
// docs/bytecode.md): each empty section is tag, length, count = 12 bytes.
constexpr size_t kStringsCount = kHeaderSize + 8;      // 64
constexpr size_t kFunctionsTag = kHeaderSize + 2 * 12; // 80
constexpr size_t kFunctionStart = kFunctionsTag + 12;  // 92
constexpr size_t kFunctionKind = kFunctionStart + 16;  // 108
constexpr size_t kCodeCount = kFunctionKind + 5 + 8;   // 121

Module oneFunction() {
    Module m;
    Function f;
    f.code = {encodeE(Op::ReturnUndef, 0)};
    m.functions.push_back(f);
    return m;
}

} // namespace

TEST_CASE("sha256: FIPS 180-4 test vectors") {
    CHECK(sha("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha(std::string(1000000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: padding at the block boundaries") {
    // Lengths around 55/56/64 bytes take the one- and two-block padding paths
    // (reference values from Python's hashlib).
    auto at = [](size_t n) {
        std::string s;
        for (size_t i = 0; i < n; ++i)
            s += char((i * 7 + 3) & 255);
        return sha(s);
    };
    CHECK(at(55) == "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b");
    CHECK(at(56) == "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27");
    CHECK(at(63) == "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055");
    CHECK(at(64) == "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241");
    CHECK(at(65) == "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e");
    CHECK(at(119) == "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e");
    CHECK(at(120) == "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5");
}

TEST_CASE("module: intern and hashHex") {
    Module m;
    CHECK(m.intern("a") == 0);
    CHECK(m.intern("b") == 1);
    CHECK(m.intern("a") == 0);
    m.strings.push_back("c"); // filled directly, as the Reader does
    CHECK(m.intern("c") == 2);
    CHECK(m.strings.size() == 3);
    m.hash[0] = 0xab;
    m.hash[31] = 0x01;
    CHECK(m.hashHex() == "sha256:ab" + std::string(60, '0') + "01");
}

TEST_CASE("bytecode is stable: opcode numbers, tags and versions are pinned") {
    // Runs in flight are pinned to modules with these numbers: reordering
    // Opcodes.def or Format.h must fail here (append + bump the version).
    CHECK(kOpCount == 108);
    CHECK(unsigned(Op::LoopIfLt) == 102);
    CHECK(unsigned(Op::LoopIfGeK) == 107);
    CHECK(unsigned(Op::StartRun) == 101);
    CHECK(unsigned(Op::Nop) == 0);
    CHECK(unsigned(Op::Return) == 35);
    CHECK(unsigned(Op::JumpBack) == 40);
    CHECK(opInfo(Op::StartRun).name == "StartRun");
    CHECK(kBuiltinCount == 36);
    CHECK(unsigned(Builtin::emitted) == 35);
    CHECK(unsigned(Builtin::clock) == 34);
    CHECK(unsigned(Builtin::sleep) == 22);
    CHECK(uint32_t(Section::Strings) == 1);
    CHECK(uint32_t(Section::Sources) == 2);
    CHECK(uint32_t(Section::Functions) == 3);
    CHECK(uint32_t(Section::ModVars) == 4);
    CHECK(uint32_t(Section::Tasks) == 5);
    CHECK(uint32_t(Section::Workflows) == 6);
    CHECK(uint32_t(Section::Triggers) == 7);
    CHECK(uint32_t(Section::Tests) == 8);
    CHECK(uint32_t(Section::Inits) == 9);
    CHECK(kFormatVersion == 3);
    CHECK(kFormatVersionMin == 1);
    CHECK(kFormatVersionMax == 3);
    CHECK(kHeaderSize == 56);
    CHECK(std::memcmp(kMagic, "FLOWBC\0\x1a", 8) == 0);
}

TEST_CASE("writer: header layout") {
    Module m;
    std::vector<uint8_t> b = writeModule(m);
    // 9 empty sections of tag + length + count.
    REQUIRE(b.size() == kHeaderSize + 9 * 12);
    CHECK(std::memcmp(b.data(), kMagic, 8) == 0);
    CHECK(getU32(b, 8) == kFormatVersion);
    CHECK(getU32(b, 12) == 0);
    CHECK(std::memcmp(b.data() + 16, m.hash.data(), 32) == 0);
    CHECK(getU32(b, 48) == 9 * 12);
    CHECK(getU32(b, 52) == 0);
    for (uint32_t s = 0; s < 9; ++s) {
        CHECK(getU32(b, kHeaderSize + 12 * s) == s + 1); // tags in order
        CHECK(getU32(b, kHeaderSize + 12 * s + 4) == 4); // body: the count
    }
    CHECK(m.hash == sha256(b.data() + kHeaderSize, b.size() - kHeaderSize));
}

TEST_CASE("writer: deterministic") {
    Module a = sample::makeSampleModule();
    Module b = sample::makeSampleModule();
    std::vector<uint8_t> x = writeModule(a);
    CHECK(x == writeModule(a));
    CHECK(x == writeModule(b));
    CHECK(a.hash == b.hash);
    // A one-constant change changes the bytes and the hash.
    b.functions[1].constants[3].number = 2.75;
    CHECK(x != writeModule(b));
    CHECK(a.hash != b.hash);
}

TEST_CASE("round trip: every section and constant type survives write -> read") {
    Module m = sample::makeSampleModule();
    m.functions[1].constants.push_back(sample::num(-0.0));
    m.functions[1].constants.push_back(sample::num(-INFINITY));
    m.functions[1].constants.push_back(sample::num(1e-310)); // subnormal
    std::vector<uint8_t> bytes = writeModule(m);
    LoadResult r = readModule(bytes);
    REQUIRE_MESSAGE(r.ok(), r.error.str());
    Module& back = *r.module;
    CHECK(back.hash == m.hash);
    CHECK(back.strings == m.strings);
    REQUIRE(back.sources.size() == 2);
    CHECK(back.sources[1].path == m.sources[1].path);
    CHECK(back.sources[1].text == m.sources[1].text);
    REQUIRE(back.functions.size() == m.functions.size());
    for (size_t i = 0; i < m.functions.size(); ++i) {
        const Function& f = m.functions[i];
        const Function& g = back.functions[i];
        CHECK(g.name == f.name);
        CHECK(g.source == f.source);
        CHECK(g.line == f.line);
        CHECK(g.column == f.column);
        CHECK(g.kind == f.kind);
        CHECK(g.isAsync == f.isAsync);
        CHECK(g.numParams == f.numParams);
        CHECK(g.hasRest == f.hasRest);
        CHECK(g.frameSize == f.frameSize);
        CHECK(g.code == f.code);
        REQUIRE(g.constants.size() == f.constants.size());
        for (size_t k = 0; k < f.constants.size(); ++k) {
            CHECK(g.constants[k].type == f.constants[k].type);
            if (f.constants[k].type == Constant::Type::String)
                CHECK(g.constants[k].string == f.constants[k].string);
            else
                CHECK(std::memcmp(&g.constants[k].number, &f.constants[k].number, 8) == 0);
        }
        REQUIRE(g.upvalues.size() == f.upvalues.size());
        for (size_t u = 0; u < f.upvalues.size(); ++u) {
            CHECK(g.upvalues[u].fromParentRegister == f.upvalues[u].fromParentRegister);
            CHECK(g.upvalues[u].index == f.upvalues[u].index);
            CHECK(g.upvalues[u].name == f.upvalues[u].name);
        }
        REQUIRE(g.handlers.size() == f.handlers.size());
        for (size_t h = 0; h < f.handlers.size(); ++h) {
            CHECK(g.handlers[h].startPc == f.handlers[h].startPc);
            CHECK(g.handlers[h].endPc == f.handlers[h].endPc);
            CHECK(g.handlers[h].handlerPc == f.handlers[h].handlerPc);
            CHECK(g.handlers[h].reg == f.handlers[h].reg);
        }
        REQUIRE(g.lines.size() == f.lines.size());
        for (size_t l = 0; l < f.lines.size(); ++l) {
            CHECK(g.lines[l].pc == f.lines[l].pc);
            CHECK(g.lines[l].line == f.lines[l].line);
            CHECK(g.lines[l].column == f.lines[l].column);
        }
        REQUIRE(g.locals.size() == f.locals.size());
        for (size_t l = 0; l < f.locals.size(); ++l) {
            CHECK(g.locals[l].name == f.locals[l].name);
            CHECK(g.locals[l].reg == f.locals[l].reg);
            CHECK(g.locals[l].startPc == f.locals[l].startPc);
            CHECK(g.locals[l].endPc == f.locals[l].endPc);
        }
    }
    REQUIRE(back.modVars.size() == m.modVars.size());
    CHECK(back.modVars[3].isConst == false);
    CHECK(back.modVars[2].source == 1);
    REQUIRE(back.tasks.size() == 2);
    CHECK(back.tasks[1].kind == TaskKind::Http);
    CHECK(back.tasks[1].params == m.tasks[1].params);
    CHECK(back.str(back.tasks[1].method) == "POST");
    CHECK(back.str(back.tasks[0].optionsJson) == back.str(m.tasks[0].optionsJson));
    CHECK(back.tasks[1].modVar == 4);
    CHECK(back.tasks[1].line == 3);
    REQUIRE(back.workflows.size() == 1);
    CHECK(back.workflows[0].exported);
    CHECK(back.workflows[0].function == 1);
    REQUIRE(back.triggers.size() == 1);
    CHECK(back.str(back.triggers[0].eventType) == "order.created");
    CHECK(back.triggers[0].line == 10);
    REQUIRE(back.tests.size() == 1);
    CHECK(back.tests[0].function == 3);
    CHECK(back.inits == m.inits);
    // The strongest equality we have: same bytes again, same disassembly.
    CHECK(writeModule(back) == bytes);
    CHECK(disassemble(back) == disassemble(m));
}

TEST_CASE("reader: header checks") {
    Module m = sample::makeSampleModule();
    const std::vector<uint8_t> good = writeModule(m);
    REQUIRE(checkOf(good) == "ok");

    SUBCASE("empty and truncated header") {
        CHECK(checkOf({}) == "header.truncated");
        std::vector<uint8_t> b(good.begin(), good.begin() + 20);
        LoadResult r = readModule(b);
        CHECK(r.error.check == "header.truncated");
        CHECK(r.error.message.find("56-byte header") != std::string::npos);
    }
    SUBCASE("bad magic") {
        std::vector<uint8_t> b = good;
        b[0] = 'X';
        CHECK(checkOf(b) == "header.magic");
        CHECK(checkOf({'#', '!'}) == "header.magic");
        std::string text = "workflow main() {}";
        CHECK(checkOf(std::vector<uint8_t>(text.begin(), text.end())) == "header.magic");
    }
    SUBCASE("newer version") {
        std::vector<uint8_t> b = good;
        putU32(b, 8, 7);
        LoadResult r = readModule(b);
        CHECK(r.error.check == "header.version");
        CHECK(r.error.message == "format v7; this build reads v1..v3");
        CHECK(r.error.offset == 8);
        CHECK(peekFormatVersion(b) == 7u);
        putU32(b, 8, 0);
        CHECK(checkOf(b) == "header.version");
    }
    SUBCASE("flags") {
        std::vector<uint8_t> b = good;
        b[12] = 1;
        CHECK(checkOf(b) == "header.flags");
    }
    SUBCASE("wrong hash") {
        std::vector<uint8_t> b = good;
        b[20] ^= 1;
        CHECK(checkOf(b) == "header.hash");
        b = good;
        b[b.size() - 1] ^= 0x80; // payload edit without rehash
        LoadResult r = readModule(b);
        CHECK(r.error.check == "header.hash");
        CHECK(r.error.str().rfind("corrupt bytecode at offset 16: [header.hash]", 0) == 0);
    }
    SUBCASE("payload size") {
        std::vector<uint8_t> b = good;
        b.pop_back();
        CHECK(checkOf(b) == "header.payload-size");
        b = good;
        b.push_back(0);
        CHECK(checkOf(b) == "header.payload-size");
        b = good;
        b[55] = 0x80; // a 2^63-byte payload
        CHECK(checkOf(b) == "header.payload-size");
    }
    SUBCASE("peekFormatVersion") {
        CHECK(peekFormatVersion(good) == 3u);
        CHECK(!peekFormatVersion(std::vector<uint8_t>(good.begin(), good.begin() + 11)));
        std::vector<uint8_t> b = good;
        b[1] = 'X';
        CHECK(!peekFormatVersion(b));
    }
}

TEST_CASE("reader: every prefix of a valid file is rejected cleanly") {
    Module m = sample::makeSampleModule();
    std::vector<uint8_t> b = writeModule(m);
    for (size_t n = 0; n < b.size(); ++n)
        CHECK_FALSE(readModule(std::span<const uint8_t>(b.data(), n)).ok());
}

TEST_CASE("reader: structural checks with a recomputed hash") {
    Module m = oneFunction();
    const std::vector<uint8_t> good = writeModule(m);
    REQUIRE(checkOf(good, false) == "ok");
    REQUIRE(getU32(good, kFunctionsTag) == uint32_t(Section::Functions));
    REQUIRE(getU32(good, kCodeCount) == 1);

    auto edited = [&](size_t at, uint32_t v) {
        std::vector<uint8_t> b = good;
        putU32(b, at, v);
        rehash(b);
        return b;
    };
    SUBCASE("hostile counts never allocate") {
        CHECK(checkOf(edited(kStringsCount, 0xffffffffu), false) == "strings.count");
        CHECK(checkOf(edited(kStringsCount, 1000), false) == "strings.count");
        CHECK(checkOf(edited(kFunctionsTag + 8, 0xffffffffu), false) == "functions.count");
        CHECK(checkOf(edited(kFunctionsTag + 8, 2), false) == "functions.count");
        CHECK(checkOf(edited(kCodeCount, 0x7fffff), false) == "function.code-size");
        CHECK(checkOf(edited(kCodeCount, 0xffffffffu), false) == "function.code-size");
        CHECK(checkOf(edited(kCodeCount - 4, 0xffffffffu), false) == "function.constant-count");
        CHECK(checkOf(edited(kCodeCount - 8, 300), false) == "function.upvalue-count");
    }
    SUBCASE("section order and length") {
        CHECK(checkOf(edited(kFunctionsTag, 4), false) == "section.order");
        LoadResult r = readModule(edited(kFunctionsTag + 4, 0xffff), false);
        CHECK(r.error.check == "section.length");
        CHECK(r.error.offset == kFunctionsTag + 4);
        // A section claiming more bytes than its body uses.
        std::vector<uint8_t> b = good;
        b.insert(b.begin() + long(kFunctionsTag), {0, 0, 0, 0});
        putU32(b, kFunctionsTag - 8, 8); // sources section now 8 bytes long
        setPayloadSize(b);
        rehash(b);
        CHECK(checkOf(b, false) == "section.size");
    }
    SUBCASE("section body too short for its contents") {
        std::vector<uint8_t> b = good;
        putU32(b, kFunctionsTag + 4, getU32(b, kFunctionsTag + 4) - 2);
        b.erase(b.begin() + long(kCodeCount + 4), b.begin() + long(kCodeCount + 6));
        setPayloadSize(b);
        rehash(b);
        CHECK(checkOf(b, false) != "ok");
    }
    SUBCASE("trailing bytes after the last section") {
        std::vector<uint8_t> b = good;
        b.push_back(0);
        setPayloadSize(b);
        rehash(b);
        CHECK(checkOf(b, false) == "payload.trailing");
    }
    SUBCASE("enum and flag bytes must be canonical") {
        std::vector<uint8_t> b = good;
        b[kFunctionKind] = 7;
        rehash(b);
        CHECK(checkOf(b, false) == "function.kind");
        b = good;
        b[kFunctionKind + 1] = 2; // isAsync
        rehash(b);
        CHECK(checkOf(b, false) == "function.flag");
    }
    SUBCASE("verifier errors carry the offset of the failing function") {
        Module bad = oneFunction();
        bad.strings.push_back("");
        bad.sources.push_back({0, 0});
        bad.functions[0].code = {encodeAD(Op::LoadInt, 0, 1)}; // falls off the end
        bad.functions[0].frameSize = 1;
        std::vector<uint8_t> b = writeModule(bad);
        LoadResult r = readModule(b);
        CHECK(r.error.check == "code.fallthrough");
        CHECK(r.error.offset > kHeaderSize);
        CHECK(readModule(b, /*verify=*/false).ok());
    }
}

TEST_CASE("reader: strings are length-checked WTF-8") {
    auto withString = [](const std::string& s) {
        Module m;
        m.strings.push_back(s);
        return writeModule(m);
    };
    CHECK(checkOf(withString("plain ascii"), false) == "ok");
    CHECK(checkOf(withString("caf\xc3\xa9 \xf0\x9f\x98\x80"), false) == "ok");
    CHECK(checkOf(withString("\xed\xa0\x80"), false) == "ok");     // lone surrogate U+D800
    CHECK(checkOf(withString("\xed\xbf\xbf"), false) == "ok");     // U+DFFF
    CHECK(checkOf(withString("\xf4\x8f\xbf\xbf"), false) == "ok"); // U+10FFFF
    CHECK(checkOf(withString(std::string("a\0b", 3)), false) == "ok");
    CHECK(checkOf(withString("\xc0\xaf"), false) == "strings.encoding");         // overlong
    CHECK(checkOf(withString("\xe0\x80\xaf"), false) == "strings.encoding");     // overlong
    CHECK(checkOf(withString("\xf0\x80\x80\xaf"), false) == "strings.encoding"); // overlong
    CHECK(checkOf(withString("\xf4\x90\x80\x80"), false) == "strings.encoding"); // > U+10FFFF
    CHECK(checkOf(withString("\xf5\x80\x80\x80"), false) == "strings.encoding");
    CHECK(checkOf(withString("\x80"), false) == "strings.encoding");   // lone continuation
    CHECK(checkOf(withString("ab\xc3"), false) == "strings.encoding"); // cut sequence
    CHECK(checkOf(withString("\xe2\x82"), false) == "strings.encoding");
    LoadResult r = readModule(withString("ok\xff"), false);
    CHECK(r.error.offset == kStringsCount + 4 + 4 + 2); // the bad byte itself

    // A length past the section, and past kMaxStringBytes.
    std::vector<uint8_t> b = withString("abcd");
    putU32(b, kStringsCount + 4, 5);
    rehash(b);
    CHECK(checkOf(b, false) == "strings.length");
    putU32(b, kStringsCount + 4, kMaxStringBytes + 1);
    rehash(b);
    CHECK(checkOf(b, false) == "strings.length");
}

TEST_CASE("disassembler: stable text for the sample") {
    Module m = sample::makeSampleModule();
    writeModule(m);
    std::string text = disassemble(m);
    auto has = [&](const std::string& line) {
        INFO(line);
        CHECK(text.find(line + "\n") != std::string::npos);
    };
    CHECK(text.rfind("; flow bytecode v3\n; hash " + m.hashHex() + "\n", 0) == 0);
    has("function #1 'main' [workflow] (async=1 params=1 rest=0 regs=8 upvals=0) "
        "sample.flow:2:1");
    has("  constants: k0=1000 k1=10 k2=\"result\" k3=2.5 k4=NaN "
        "k5=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \\ud800\"");
    has("  0004  3:5   GetBuiltin       r3, b22           ; r3 = sleep");
    has("  0009  4:3   JumpIfNotLtK     r5, @0013, k1     ; if !(r5 < 10) goto 0013");
    has("  0012  4:3   JumpBack         @0009             ; goto 0009 (back-edge)");
    has("  0014  6:3   SetField         r6, r1, k2        ; r6.result = r1");
    has("  0020  7:1   Throw            r7                ; throw r7");
    has("  handler: [0000,0008) -> 0020 r7");
    has("  local: r5 'i' [0008,0013)");
    has("  0004  10:1  StartRun         r0, r1, r2        ; r0 = start r1(...r2) with r3");
    has("  0011  12:1  CallMethod       r0, 1             ; r0 = r0.call(r1, r2)");
    has("  0002  12:1  LoadInt          r2, -2            ; r2 = -2");
    has("  0002  1:1   Closure          r2, #5            ; r2 = closure(proto #5 '<anonymous>')");
    has("  upvalues: u0=r1 'x'");
    has("  0002  1:30  SetUpval         r0, u0            ; upval0:x = r0");
    has("  0001  1:1   SetModVar        r0, g2            ; mod2:helper = r0");
    has("  0002  1:1   ReturnUndef                        ; return");
    has("  task 'notify'(msg, level) http POST \"https://example.com/hook\" -> mod4:notify "
        "sample.flow:3 options {}");
    has("  workflow 'main' #1 'main' -> mod1:main exported options {\"timeout\":604800000}");
    has("  on \"order.created\" #2 'on order.created' sample.flow:10");
    has("  test \"adds\" #3 'adds' sample.flow:12");
    has("inits: #6 'lib.flow' #0 'sample.flow'");
    // A key that is not an identifier reads as an index.
    m.strings[m.functions[1].constants[2].string] = "a b";
    CHECK(disassemble(m).find("; r6[\"a b\"] = r1\n") != std::string::npos);
}

TEST_CASE("disassembler: never trusts the module") {
    Module m;
    Function f;
    f.name = 42;
    f.source = 3;
    f.frameSize = 1;
    f.constants = {sample::num(1.0 / 3), sample::num(-0.0), sample::num(1e300)};
    Constant bad;
    bad.type = Constant::Type::String;
    bad.string = 77;
    f.constants.push_back(bad);
    f.upvalues = {{false, 9, 99}};
    f.code = {0xff,
              encodeAD(Op::LoadK, 0, 40),
              encodeAD(Op::GetModVar, 0, 9),
              encodeAD(Op::GetBuiltin, 0, 999),
              encodeAD(Op::Closure, 0, 5),
              encodeABC(Op::GetField, 0, 0, 0)};
    m.functions.push_back(f);
    m.workflows.push_back({5, 9, 9, 5, false});
    m.inits = {12};
    std::string text = disassemble(m);
    CHECK(text.find(".word 0x000000ff  ; unknown opcode") != std::string::npos);
    CHECK(text.find("k0=0.3333333333333333 k1=-0 k2=1e+300 k3=\"<bad string 77>\"") !=
          std::string::npos);
    CHECK(text.find("<bad k40>") != std::string::npos);
    CHECK(text.find("mod9:<bad>") != std::string::npos);
    CHECK(text.find("<bad builtin 999>") != std::string::npos);
    CHECK(text.find("#5 <bad function>") != std::string::npos);
    CHECK(text.find("<missing AUX>") != std::string::npos);
    CHECK(text.find("<bad source 3>") != std::string::npos);
}

TEST_CASE("opcode docs are up to date (tools/gen_opcode_docs.py --check)") {
    std::string cmd = std::string("python3 ") + FLOW_SOURCE_DIR +
                      "/tools/gen_opcode_docs.py --check > /dev/null 2>&1";
    if (std::system("python3 -c pass > /dev/null 2>&1") != 0) return; // no python: nothing to run
    CHECK_MESSAGE(std::system(cmd.c_str()) == 0,
                  "docs/bytecode.md is stale: run python3 tools/gen_opcode_docs.py");
}

TEST_CASE("sha256: the SHA-NI rounds agree with the portable ones") {
    // Every length up to five blocks (all padding shapes, 1-5 block runs) and
    // one large buffer; on a CPU without SHA-NI both calls take the portable path.
    std::string s;
    uint32_t x = 12345;
    for (size_t n = 0; n <= 1 << 20; n = n < 320 ? n + 1 : n * 4) {
        while (s.size() < n) {
            x = x * 1103515245u + 12345u;
            s += char(x >> 24);
        }
        auto p = reinterpret_cast<const uint8_t*>(s.data());
        CHECK_MESSAGE(sha256(p, n) == sha256Portable(p, n), "length " << n);
    }
    std::string used = sha256Hardware() ? "SHA-NI in use" : "portable rounds only";
    MESSAGE(used);
}
