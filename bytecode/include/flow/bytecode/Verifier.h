#pragma once
// Verifier.h — checks a Module's code before anything runs: every operand by
// its kind (Opcodes.def), every register window, jump target (an instruction
// start, forward unless JumpBack), handler range, upvalue descriptor, string
// and function index, and every limit of Format.h.
#include <optional>
#include <string>

#include "flow/bytecode/Module.h"

namespace flow::bytecode {

struct VerifyError {
    std::string check;   // e.g. "code.jump-target"
    std::string message; // e.g. "function 'main' pc 12: jump to 40 is outside the code (size 30)"
};

std::optional<VerifyError> verifyModule(const Module& m);

} // namespace flow::bytecode
