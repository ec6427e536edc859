#pragma once
// Disassembler.h — the readable IR (`flowc --emit=ir`): one line per
// instruction with its operands and the Opcodes.def synopsis, plus the
// module's tables. Golden tests in tests/compiler/ir check this text, so its
// shape is stable: change it only together with a golden regeneration.
#include <string>

#include "flow/bytecode/Module.h"

namespace flow::bytecode {

std::string disassemble(const Module& m);

} // namespace flow::bytecode
