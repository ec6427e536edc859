#pragma once
// Compiler.h — the compiler's public API: a pipeline of stages you can stop
// after and dump (Parse < Sema < Codegen), used by flowc and, later, by
// flowrun to compile a .flow on the fly.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flow/bytecode/Module.h"
#include "flow/compiler/Ast.h"
#include "flow/compiler/Diagnostics.h"
#include "flow/compiler/Sema.h"

namespace flow::compiler {

enum class Stage : uint8_t { Parse = 0, Sema = 1, Codegen = 2 };

struct CompileOptions {
    // Directories searched for non-relative imports (flowc -I DIR), in order.
    std::vector<std::string> includeDirs;
    // Source of a standard module ("std/strings") or nullopt; tools wire this
    // to the embedded stdlib so the compiler layer does not link it.
    std::function<std::optional<std::string>(const std::string& name)> stdSource;
    Stage stopAfter = Stage::Codegen;
    unsigned errorLimit = 20;
};

struct Compilation {
    SourceManager sources;
    std::unique_ptr<DiagnosticEngine> diags;
    // Parsed files in dependency order: each after everything it imports; the
    // entry file is last.
    std::vector<std::unique_ptr<ast::File>> files;
    std::unique_ptr<SemaResult> sema;
    std::optional<bytecode::Module> module; // set only when there were no errors
    bool ok() const { return !diags->hasErrors(); }
};

// Compiles the file at `path` and everything it imports.
std::unique_ptr<Compilation> compileFile(const std::string& path, const CompileOptions& opts,
                                         DiagnosticEngine::Sink sink = {});
// Compiles `text` as if it were the file `path` (imports resolve relative to it).
std::unique_ptr<Compilation> compileSource(const std::string& path, std::string text,
                                           const CompileOptions& opts,
                                           DiagnosticEngine::Sink sink = {});

// ---- stage entry points (Driver.cpp strings them together)

// Parses one file already added to `sm` (AstBuilder.cpp; reports syntax errors).
std::unique_ptr<ast::File> parseFile(uint32_t fileId, SourceManager& sm, DiagnosticEngine& diags);
// Codegen: AST + sema -> Module (reports limit errors). codegen/Codegen.cpp.
std::optional<bytecode::Module> generate(const std::vector<std::unique_ptr<ast::File>>& files,
                                         const SemaResult& sema, const SourceManager& sm,
                                         DiagnosticEngine& diags);

// ---- dumps
// --emit=ast: an indented S-expression-like tree with line:col of each node.
std::string dumpAst(const ast::File& file, const SourceManager& sm);
enum class GraphFormat : uint8_t { Dot, Mermaid };
// --emit=graph: each workflow's structure (tasks, waits, branches, loops, retries).
std::string emitGraph(const Compilation& c, GraphFormat format);

} // namespace flow::compiler
