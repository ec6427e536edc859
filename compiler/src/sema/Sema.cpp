// STUB (owner: sema helper) — replace.
#include "flow/compiler/Sema.h"
#include "flow/compiler/Diagnostics.h"
namespace flow::compiler {
std::unique_ptr<SemaResult> analyze(std::vector<std::unique_ptr<ast::File>>& files, DiagnosticEngine&) {
    auto r = std::make_unique<SemaResult>();
    r->exports.resize(files.size());
    return r;
}
} // namespace flow::compiler
