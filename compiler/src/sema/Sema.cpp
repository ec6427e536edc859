// Sema.cpp — entry point: runs the Analyzer (SemaInternal.h) over every file
// in dependency order. The work is split by concern:
//   Scopes.cpp       symbols, scopes, hoisting, captures, suggestions
//   ResolveStmt.cpp  statements, functions, jumps and labels
//   ResolveExpr.cpp  expressions, assignment targets, task/workflow calls
//   Modules.cpp      imports and exports
//   TaskOptions.cpp  task declarations, workflow and start options
//   Determinism.cpp  nondeterministic and forbidden host globals
#include <algorithm>

#include "SemaInternal.h"

namespace flow::compiler {

namespace sema {
void Analyzer::run() {
    size_t nFiles = files_.size();
    for (auto& f : files_)
        if (f) nFiles = std::max<size_t>(nFiles, size_t(f->id) + 1);
    r_.exports.resize(nFiles);
    analyzed_.assign(nFiles, false);
    for (auto& f : files_) {
        if (!f) continue;
        walkFile(*f);
        analyzed_[f->id] = true;
    }
}
} // namespace sema

std::unique_ptr<SemaResult> analyze(std::vector<std::unique_ptr<ast::File>>& files,
                                    DiagnosticEngine& diags) {
    auto r = std::make_unique<SemaResult>();
    sema::Analyzer(files, diags, *r).run();
    return r;
}

} // namespace flow::compiler
