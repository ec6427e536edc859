#pragma once
// Writer.h — serializes a Module to the .flowc byte format (Format.h).
// Deterministic: the same Module always gives the same bytes.
#include <cstdint>
#include <vector>

#include "flow/bytecode/Module.h"

namespace flow::bytecode {

// Serializes `m` and stores the payload hash into m.hash.
std::vector<uint8_t> writeModule(Module& m);

} // namespace flow::bytecode
