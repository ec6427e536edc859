// STUB (owner: grammar helper) — replace with the ANTLR-based builder.
#include "flow/compiler/Compiler.h"
namespace flow::compiler {
std::unique_ptr<ast::File> parseFile(uint32_t fileId, SourceManager& sm, DiagnosticEngine&) {
    auto f = std::make_unique<ast::File>();
    f->id = fileId;
    f->path = sm.path(fileId);
    return f;
}
} // namespace flow::compiler
