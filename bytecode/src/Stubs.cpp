// STUB (owner: bytecode helper) — Writer/Reader/Verifier/Disassembler/Sha256
// placeholders so the tree links; each moves to its own file.
#include "flow/bytecode/Disassembler.h"
#include "flow/bytecode/Reader.h"
#include "flow/bytecode/Sha256.h"
#include "flow/bytecode/Verifier.h"
#include "flow/bytecode/Writer.h"
namespace flow::bytecode {
std::vector<uint8_t> writeModule(Module&) { return {}; }
std::string LoadError::str() const { return "corrupt bytecode at offset " + std::to_string(offset) + ": [" + check + "] " + message; }
LoadResult readModule(std::span<const uint8_t>, bool) { LoadResult r; r.error = {"stub", "reader not implemented", 0}; return r; }
std::optional<uint32_t> peekFormatVersion(std::span<const uint8_t>) { return std::nullopt; }
std::optional<VerifyError> verifyModule(const Module&) { return std::nullopt; }
std::string disassemble(const Module&) { return "; disassembler not implemented\n"; }
std::array<uint8_t, 32> sha256(const uint8_t*, size_t) { return {}; }
} // namespace flow::bytecode
