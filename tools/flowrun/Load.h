#pragma once
// Load.h — turns a .flow (compiled on the fly) or .flowc (read + verified)
// into a Module, reporting every failure clearly on stderr.
#include <optional>
#include <string>

#include "flow/bytecode/Module.h"

namespace flowrun {

struct LoadOutcome {
    std::optional<flow::bytecode::Module> module;
    int exitCode = 0; // when !module
};

LoadOutcome loadProgram(const std::string& path);

} // namespace flowrun
