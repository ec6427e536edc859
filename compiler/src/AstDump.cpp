// STUB (owner: grammar helper) — replace.
#include "flow/compiler/Compiler.h"
namespace flow::ast {
const char* nodeKindName(NodeKind) { return "?"; }
}
namespace flow::compiler {
std::string dumpAst(const ast::File&, const SourceManager&) { return "(ast dump not implemented)\n"; }
} // namespace flow::compiler
