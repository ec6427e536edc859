#pragma once
// Reader.h — loads a .flowc. Every byte is checked: the header (magic,
// version range, payload size, SHA-256), every length and count against the
// bytes left and the Format.h limits; then the Verifier checks the code. A bad
// file gives an error naming the check that fired, never a crash.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "flow/bytecode/Module.h"

namespace flow::bytecode {

struct LoadError {
    std::string check;   // stable name of the failed check, e.g. "header.magic"
    std::string message; // human-readable detail
    uint64_t offset = 0; // byte offset where it was detected
    std::string str() const; // "corrupt bytecode at offset N: [check] message"
};

struct LoadResult {
    std::optional<Module> module;
    LoadError error; // set when !module
    bool ok() const { return module.has_value(); }
};

// Parses and verifies. `verify` = false skips the Verifier (tests only).
LoadResult readModule(std::span<const uint8_t> bytes, bool verify = true);

// Reads just enough to report the format version of a file (for messages such
// as "this .flowc is format v7, this flowrun reads v1..v1").
std::optional<uint32_t> peekFormatVersion(std::span<const uint8_t> bytes);

} // namespace flow::bytecode
