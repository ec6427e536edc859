// STUB (owner: grammar helper, phase 2) — replace.
#include "flow/compiler/Compiler.h"
namespace flow::compiler {
std::string emitGraph(const Compilation&, GraphFormat) { return "digraph flow {}\n"; }
} // namespace flow::compiler
