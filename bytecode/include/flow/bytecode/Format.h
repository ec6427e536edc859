#pragma once
// Format.h — the .flowc container: magic, version history, section tags, and
// the hard limits the verifier enforces. The layout itself is described in
// docs/bytecode.md; Writer.cpp and Reader.cpp are its only implementations.
//
// Version history (one line per version; keep a loader for every version that
// may still have live runs pinned to it — unlike Luau, old modules stay alive):
//   v1: first format. Header, string table, functions (constants, code,
//       handlers, line table, upvalue descriptors), module variables, tasks,
//       workflows, triggers, tests, init order, embedded sources.
//   v2: builtin `emitted` (test blocks).
//   v3: the LoopIf* opcodes (loop tests at the bottom). v1/v2 modules load
//       and run unchanged: their opcodes kept their numbers.
#include <cstdint>

namespace flow::bytecode {

// "FLOWBC" followed by 0x00 0x1A (a NUL and a DOS EOF stop text tools early).
inline constexpr uint8_t kMagic[8] = {'F', 'L', 'O', 'W', 'B', 'C', 0x00, 0x1A};

inline constexpr uint32_t kFormatVersionMin = 1;
inline constexpr uint32_t kFormatVersionMax = 3;
inline constexpr uint32_t kFormatVersion = 3; // what the Writer emits

// The header: magic[8], u32 version, u32 flags (0), u8 hash[32] (SHA-256 of
// every byte after the header), u64 payloadSize. 56 bytes.
inline constexpr uint32_t kHeaderSize = 8 + 4 + 4 + 32 + 8;

// Section tags, in file order. Each section is: u32 tag, u32 byteLength, body.
enum class Section : uint32_t {
    Strings = 1,   // the module's string table
    Sources = 2,   // source files: path + full text (for traces and status)
    Functions = 3, // function prototypes
    ModVars = 4,   // module variable names (all files' top-level bindings)
    Tasks = 5,     // task declarations
    Workflows = 6, // workflow entry points
    Triggers = 7,  // `on "type"` triggers
    Tests = 8,     // `test "name"` blocks
    Inits = 9,     // per-file init functions, in dependency order
};

// ---- limits (each checked by the verifier; tests/unit has one at and one past)
// A register is an 8-bit operand.
inline constexpr uint32_t kMaxRegisters = 255;
// A constant is addressed by D (16-bit) or AUX; a function keeps it smaller.
inline constexpr uint32_t kMaxConstants = 65536;
// GetModVar/SetModVar address a module variable with D (16-bit).
inline constexpr uint32_t kMaxModVars = 65536;
// Closure addresses a function with D (16-bit).
inline constexpr uint32_t kMaxFunctions = 65536;
// GetUpval/SetUpval address an upvalue with B (8-bit).
inline constexpr uint32_t kMaxUpvalues = 255;
// Call's argument count is B (8-bit); more arguments go through CallSpread.
inline constexpr uint32_t kMaxCallArgs = 250;
// A jump's D operand is 16-bit signed; the E form reaches further. Code per
// function is capped so that every offset fits the 24-bit E operand.
inline constexpr uint32_t kMaxCodeWords = 1u << 23;
// Strings in the string table; protects the reader from a hostile length.
inline constexpr uint32_t kMaxStringBytes = 64u << 20;
// A whole module; the reader refuses a larger file before reading it.
inline constexpr uint64_t kMaxModuleBytes = 1ull << 30;

} // namespace flow::bytecode
