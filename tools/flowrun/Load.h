#pragma once
// Load.h — turns a .flow (compiled on the fly) or .flowc (read + verified)
// into a Module, reporting every failure clearly on stderr.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "flow/bytecode/Module.h"

namespace flowrun {

struct LoadOutcome {
    std::optional<flow::bytecode::Module> module;
    int exitCode = 0; // when !module
};

// diagSink receives the compiler's rendered diagnostics (default: stderr).
LoadOutcome loadProgram(const std::string& path,
                        std::function<void(std::string_view)> diagSink = {});

} // namespace flowrun
