#pragma once
// Sha256.h — SHA-256 (FIPS 180-4), for the module content hash.
#include <array>
#include <cstddef>
#include <cstdint>

namespace flow::bytecode {

std::array<uint8_t, 32> sha256(const uint8_t* data, size_t size);
// The same without the CPU's SHA instructions (for the tests: both must agree),
// and whether sha256() uses them on this machine.
std::array<uint8_t, 32> sha256Portable(const uint8_t* data, size_t size);
bool sha256Hardware();

} // namespace flow::bytecode
