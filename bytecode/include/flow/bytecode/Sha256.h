#pragma once
// Sha256.h — SHA-256 (FIPS 180-4), for the module content hash.
#include <array>
#include <cstddef>
#include <cstdint>

namespace flow::bytecode {

std::array<uint8_t, 32> sha256(const uint8_t* data, size_t size);

} // namespace flow::bytecode
