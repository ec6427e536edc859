#pragma once
// Opcode.h — the Op enum, operand kinds and instruction encoding, all
// generated from Opcodes.def.
#include <cstdint>
#include <string_view>

namespace flow::bytecode {

enum class Op : uint8_t {
#define FLOW_OP(Name, Fmt, KA, KB, KC, KAux, Win, Flags, Syn, Doc) Name,
#include "flow/bytecode/Opcodes.def"
#undef FLOW_OP
};

inline constexpr unsigned kOpCount = 0
#define FLOW_OP(Name, Fmt, KA, KB, KC, KAux, Win, Flags, Syn, Doc) +1
#include "flow/bytecode/Opcodes.def"
#undef FLOW_OP
    ;

enum class Format : uint8_t { ABC, AD, E };

enum class Kind : uint8_t { N, R, K, KS, KN, U, I, J, P, V, G, B };

enum class Window : uint8_t { W_NONE, W_A1, W_A2, W_CALL, W_METH, W_BC, W_C1 };

enum OpFlags : uint32_t {
    F_SUSPEND = 1u << 0,
    F_TERM = 1u << 1,
    F_BACKEDGE = 1u << 2,
    F_CALL = 1u << 3,
    F_THROW = 1u << 4,
};

struct OpInfo {
    std::string_view name;
    Format format;
    Kind a, b, c, aux; // for AD, b is D; for E, a is E
    Window window;
    uint32_t flags;
    std::string_view synopsis;
    std::string_view doc;
    bool hasAux() const { return aux != Kind::N; }
    unsigned words() const { return hasAux() ? 2 : 1; }
};

const OpInfo& opInfo(Op op);
inline bool isValidOp(uint8_t raw) { return raw < kOpCount; }
// The format version that introduced `op` (Format.h's history): a file
// declaring an older version cannot contain it.
inline uint32_t opSinceVersion(Op op) { return unsigned(op) >= unsigned(Op::LoopIfLt) ? 3 : 1; }

// ---- encoding
using Insn = uint32_t;

inline constexpr Insn encodeABC(Op op, uint8_t a, uint8_t b, uint8_t c) {
    return uint32_t(op) | (uint32_t(a) << 8) | (uint32_t(b) << 16) | (uint32_t(c) << 24);
}
inline constexpr Insn encodeAD(Op op, uint8_t a, uint16_t d) {
    return uint32_t(op) | (uint32_t(a) << 8) | (uint32_t(d) << 16);
}
inline constexpr Insn encodeE(Op op, int32_t e) {
    return uint32_t(op) | (uint32_t(e) << 8);
}
inline constexpr Op insnOp(Insn i) { return Op(i & 0xff); }
inline constexpr uint8_t insnA(Insn i) { return uint8_t(i >> 8); }
inline constexpr uint8_t insnB(Insn i) { return uint8_t(i >> 16); }
inline constexpr uint8_t insnC(Insn i) { return uint8_t(i >> 24); }
inline constexpr uint16_t insnD(Insn i) { return uint16_t(i >> 16); }
inline constexpr int16_t insnSD(Insn i) { return int16_t(uint16_t(i >> 16)); }
inline constexpr int32_t insnE(Insn i) { return int32_t(i) >> 8; } // arithmetic: signed 24-bit

// Limits of the jump operands (D is signed 16-bit, E signed 24-bit).
inline constexpr int32_t kMaxJumpD = 32767, kMinJumpD = -32768;
inline constexpr int32_t kMaxJumpE = (1 << 23) - 1, kMinJumpE = -(1 << 23);

} // namespace flow::bytecode
