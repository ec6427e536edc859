// STUB (owner: codegen helper) — replace.
#include "flow/compiler/Compiler.h"
namespace flow::compiler {
std::optional<bytecode::Module> generate(const std::vector<std::unique_ptr<ast::File>>&,
                                         const SemaResult&, const SourceManager&,
                                         DiagnosticEngine&) {
    return bytecode::Module{};
}
} // namespace flow::compiler
