#pragma once
// SemaInternal.h — the analyzer shared by the sema/*.cpp files. Not a public
// header: codegen sees only Sema.h.
//
// One Analyzer walks every file once, in dependency order, in source order.
// Declarations are hoisted to the entry of their scope (so closures and
// hoisted functions can refer to names declared later), and each let/const
// symbol is "pending" until the walk reaches its declarator: a use of a
// pending symbol from its own function is a certain use before declaration
// (FLOW2011). Walking in source order is also what makes the capture lists
// deterministic (first reference in source order).
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "flow/compiler/Ast.h"
#include "flow/compiler/Diagnostics.h"
#include "flow/compiler/Sema.h"

namespace flow::compiler::sema {

struct Scope {
    Scope* parent = nullptr;
    bool moduleScope = false;   // the top-level scope of a file
    std::vector<Symbol*> order; // declaration order: deterministic iteration
    std::unordered_map<std::string, Symbol*> names;
    Symbol* find(const std::string& n) const {
        auto it = names.find(n);
        return it == names.end() ? nullptr : it->second;
    }
};

// A label in scope: `name: body`. `loop` is the loop the label names (labels
// may stack: `a: b: while ...`), null when it labels a non-loop.
struct LabelInfo {
    std::string name;
    ast::Labeled* stmt = nullptr;
    ast::Stmt* loop = nullptr;
    ast::Stmt* breakTarget = nullptr;
};

// Per-function control state, saved and restored around nested functions:
// labels and jump targets never cross a function boundary.
struct ControlState {
    std::vector<LabelInfo> labels;
    std::vector<ast::Stmt*> breakables; // loops and switches, innermost last
    std::vector<ast::Stmt*> loops;
    unsigned loopDepth = 0; // loops (head or body) enclosing the current point
};

class Analyzer {
public:
    Analyzer(std::vector<std::unique_ptr<ast::File>>& files, DiagnosticEngine& diags,
             SemaResult& result)
        : files_(files), diags_(diags), r_(result) {}
    void run();

    // ---- scopes and symbols (Scopes.cpp)
    Symbol* newSymbol(const std::string& name, SymbolKind kind, ast::SourceRange range,
                      ast::Node* decl);
    // Declares `sym` in `scope`; reports FLOW2002 on a clash and returns false.
    bool declare(Scope& scope, Symbol* sym, DiagId clash = DiagId::Redeclaration);
    Symbol* lookup(const std::string& name) const;
    // Records a reference from the current function: captures and FLOW2011.
    void noteReference(Symbol* sym, ast::SourceRange useRange);
    void suggest(const std::string& name, ast::SourceRange useRange);
    void pushScope(Scope& s);
    void popScope();
    // Hoists the declarations of a statement list into `scope`.
    void hoist(std::vector<ast::StmtPtr>& stmts, Scope& scope);
    void hoistStmt(ast::Stmt* s, Scope& scope);
    void hoistPattern(ast::Pattern* p, SymbolKind kind, ast::Node* decl, Scope& scope,
                      bool exported = false);
    void markInitialized(Symbol* s) { pending_.erase(s); }
    bool inTest() const;
    ast::FunctionNode* currentFn() const { return fn_ ? fn_->fn : nullptr; }
    // The frame code runs in: the current function, or the file's init at
    // the top level (which owns the symbols of nested top-level blocks).
    FunctionScopeInfo* frame() const { return fn_ ? fn_ : init_; }
    ast::FunctionNode* frameFn() const { return frame() ? frame()->fn : nullptr; }

    // ---- statements (ResolveStmt.cpp)
    void walkFile(ast::File& f);
    void checkTestNames(ast::File& f);
    void walkSubStmt(ast::Stmt* s);
    void walkStmtList(std::vector<ast::StmtPtr>& stmts);
    void walkStmt(ast::Stmt* s);
    void walkBlock(ast::Block& b);
    void walkFunction(ast::FunctionNode& fn, ast::Trigger* trigger = nullptr);
    void walkLoopBody(ast::Stmt* loop, ast::Stmt* body);
    void walkJump(ast::Stmt* s);
    void walkLabeled(ast::Labeled& l);
    void walkTopLevelOnly(ast::Stmt* s);
    void walkTask(ast::Task& t);
    void walkWorkflow(ast::Workflow& w);
    void walkTryCatch(ast::Try& t);
    void walkForEach(ast::ForEachBase& f);
    void walkSwitch(ast::Switch& s);

    // ---- expressions and patterns (ResolveExpr.cpp)
    void walkExpr(ast::Expr* e);
    void walkIdentifier(ast::Identifier& id);
    void walkCall(ast::Call& c);
    void walkStart(ast::Start& s);
    void walkMember(ast::Member& m);
    void walkNew(ast::New& n);
    // A binding pattern whose names were hoisted: walks defaults, marks names
    // initialized in binding order.
    void walkBinding(ast::Pattern* p);
    // An assignment target: resolves names and checks FLOW2003/2015/2016.
    void walkAssignTarget(ast::Pattern* p);
    void checkAssignable(Symbol* sym, const std::string& name, int builtin, ast::SourceRange r);
    void checkNamespaceWrite(ast::Expr* target);

    // ---- modules (Modules.cpp)
    void declareImports(ast::File& f, Scope& scope);
    void collectExports(ast::File& f, Scope& scope);
    void checkNamespaceMember(Symbol* ns, const std::string& member, ast::SourceRange r);
    // The declaration a callee names: through imports and `ns.name`.
    Symbol* calleeDecl(ast::Expr* callee);

    DiagnosticEngine& diags() { return diags_; }
    SemaResult& result() { return r_; }
    const std::vector<std::unique_ptr<ast::File>>& files() const { return files_; }

private:
    std::vector<std::unique_ptr<ast::File>>& files_;
    DiagnosticEngine& diags_;
    SemaResult& r_;
    uint32_t file_ = 0;
    Scope* scope_ = nullptr;            // innermost
    FunctionScopeInfo* fn_ = nullptr;   // null at a file's top level
    FunctionScopeInfo* init_ = nullptr; // the current file's init (SemaResult::fileInits)
    ControlState ctl_;
    std::unordered_set<Symbol*> pending_;                     // hoisted let/const not yet declared
    std::vector<bool> analyzed_;                              // by file id: its exports are final
    std::unordered_map<const Symbol*, std::string> nsSource_; // namespace import -> "std/x"
    // dedupe of FunctionScopeInfo::captures
    std::unordered_map<FunctionScopeInfo*, std::unordered_set<Symbol*>> captureSets_;
};

// ---- helpers shared by the files

// "a function", "a task", ... for messages.
const char* symbolKindNoun(SymbolKind k);
// Follows Import aliases to the declaration they name (may return null).
Symbol* resolveAlias(Symbol* s);
// Levenshtein distance, capped (returns cap+1 when larger).
unsigned editDistance(std::string_view a, std::string_view b, unsigned cap);
// The closest candidate within a distance that depends on the name's length.
std::string closestName(const std::string& name, const std::vector<std::string>& candidates);

// JS NamedEvaluation: an anonymous function (or arrow) assigned to a name
// takes that name (FunctionNode::inferredName).
void inferFunctionName(ast::Expr* value, const std::string& name);
void inferFunctionName(ast::Expr* value, const ast::Pattern* target);

// ---- task and workflow options (TaskOptions.cpp)
void checkTaskDecl(ast::Task& t, DiagnosticEngine& diags);
void checkWorkflowOptions(ast::Workflow& w, DiagnosticEngine& diags);
// `start wf(...) with {...}`: checks the keys of a literal options object.
void checkStartOptions(ast::Expr* options, DiagnosticEngine& diags);

// ---- determinism (Determinism.cpp)
// Reports FLOW4001/4002 when `name` (an undeclared global) is a known
// nondeterministic or forbidden host API. Returns true when it reported.
bool reportForbiddenGlobal(const std::string& name, ast::SourceRange r, DiagnosticEngine& diags);
// `obj.member` where obj is an undeclared global or the Math builtin.
bool reportForbiddenMember(const std::string& object, bool objectIsBuiltin,
                           const std::string& member, ast::SourceRange r, DiagnosticEngine& diags);

} // namespace flow::compiler::sema
