#pragma once
// Sema.h — name resolution and the semantic checks of DESIGN §2, plus the
// determinism checks. Sema annotates the AST in place (Identifier::symbol,
// IdentifierPattern::symbol, Break/Continue::target, FunctionNode::info) and
// gives codegen everything it needs to lay out frames and closures.
#include <cstdint>
#include <memory>
#include <vector>

#include "flow/compiler/Ast.h"

namespace flow::compiler {

class DiagnosticEngine;

enum class SymbolKind : uint8_t {
    Let, Const, Function, Param, CatchParam, Import, ImportNamespace, Task, Workflow,
};

struct Symbol {
    std::string name;
    SymbolKind kind = SymbolKind::Let;
    ast::SourceRange declRange;
    uint32_t file = 0;
    ast::Node* decl = nullptr; // Task, Workflow, FunctionDecl, VarDecl, ... (may be null)
    // The function whose frame holds this symbol; null for module-level
    // symbols (top-level declarations of any file), which live in module
    // variables instead of registers.
    ast::FunctionNode* owner = nullptr;
    uint32_t modVar = UINT32_MAX; // module-level symbols: the module variable
    // Referenced from a function other than its owner: it lives in a heap
    // cell (NewBox) so closures share it. Always false for module-level symbols.
    bool captured = false;
    // Declared (let/const) inside a loop body or loop head: a captured one
    // gets a fresh cell per iteration (JS per-iteration bindings).
    bool inLoop = false;
    // Import: the exported symbol of the other file it aliases (its modVar).
    // ImportNamespace: null; `importFile` is the imported file.
    Symbol* importTarget = nullptr;
    uint32_t importFile = UINT32_MAX;
    bool exported = false;

    bool isModuleLevel() const { return owner == nullptr; }
    bool isConstLike() const {
        return kind == SymbolKind::Const || kind == SymbolKind::Import ||
               kind == SymbolKind::ImportNamespace || kind == SymbolKind::Task ||
               kind == SymbolKind::Workflow;
    }
};

struct FunctionScopeInfo {
    ast::FunctionNode* fn = nullptr;
    FunctionScopeInfo* parent = nullptr; // enclosing function (null at file level)
    // Outer symbols this function reads or writes, directly or through nested
    // functions: they become its upvalues, in this order (index = upvalue
    // index). Module-level symbols are never captures.
    std::vector<Symbol*> captures;
    // Every symbol whose owner is this function, in declaration order.
    std::vector<Symbol*> locals;
    bool usesThis = false;
    bool containsAwait = false;
};

// Exports of one file, by exported name.
struct FileExports {
    std::vector<std::pair<std::string, Symbol*>> names;
    Symbol* find(std::string_view name) const {
        for (auto& [n, s] : names)
            if (n == name) return s;
        return nullptr;
    }
};

struct SemaResult {
    std::vector<std::unique_ptr<Symbol>> symbols;
    std::vector<std::unique_ptr<FunctionScopeInfo>> functions;
    // One per file, indexed by file id: the names the file exports.
    std::vector<FileExports> exports;
    std::vector<Symbol*> modVars; // index = module variable number
    // One per file, indexed by file id (null for an id with no file): the
    // synthetic function node of the file's init. Only the file's own
    // top-level scope is module-level; declarations in nested blocks and
    // loop heads of top-level code are locals of the init (owner = this node,
    // listed in its info->locals), and top-level closures capture them.
    std::vector<std::unique_ptr<ast::FunctionNode>> fileInits;
};

// Analyzes `files` (in dependency order: every file after the files it
// imports). Reports through `diags`; returns the result even with errors.
std::unique_ptr<SemaResult> analyze(std::vector<std::unique_ptr<ast::File>>& files,
                                    DiagnosticEngine& diags);

} // namespace flow::compiler
