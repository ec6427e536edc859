#pragma once
// CodegenImpl.h — the AST -> bytecode generator, shared by the files of
// compiler/src/codegen (one concept each: Codegen.cpp module tables and
// functions, Variables.cpp scopes and storage, Expressions.cpp, Calls.cpp,
// Assign.cpp assignments and patterns, Statements.cpp, ControlFlow.cpp
// conditions, jumps, switch and try/finally).
//
// Register layout of a frame (Lua-style): parameters in r0..n-1 (the rest
// array in r[n]), then the locals of the scopes currently open, then
// temporaries, allocated stack-like and freed at the end of each expression
// statement. Captured locals hold a heap cell (NewBox) instead of the value.
//
// Output is deterministic: pointer-keyed maps are only used for lookups,
// never iterated while emitting.
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "FunctionBuilder.h"
#include "flow/compiler/Compiler.h"

namespace flow::compiler::codegen {

using ast::Expr;
using ast::Pattern;
using ast::Stmt;

// Where a local symbol of the current frame lives.
struct Slot {
    uint8_t reg = 0;
    bool boxed = false; // reg holds the cell (captured local)
};

// How to reach a name from the current function.
struct VarRef {
    enum Kind : uint8_t { Reg, Box, Upval, ModVar, Builtin, Undef } kind = Undef;
    uint32_t index = 0; // register, upvalue, module variable or builtin index
};

// An entry of the control stack: what a break/continue/return passes through.
struct ControlEntry {
    enum Kind : uint8_t { Loop, Breakable, Finally, Handler } kind = Loop;
    std::vector<std::string> labels; // Loop/Breakable: the labels naming it
    bool unlabeledBreak = false;     // loops and switch accept a plain `break`
    Label* breakLabel = nullptr;
    Label* continueLabel = nullptr;        // Loop; bound = reached with JumpBack
    const ast::Block* finalizer = nullptr; // Finally
    // Handler: the pc ranges the handler covers. A range is suspended while
    // code that leaves the try (an inlined finally, the exit jump) is emitted.
    std::vector<std::pair<uint32_t, uint32_t>> segments;
    int64_t openStart = -1;
};

// Locals declared by one scope, for LocalDebug and register release.
struct Scope {
    uint32_t top = 0;
    uint32_t startPc = 0;
    std::vector<const Symbol*> symbols;
};

struct FnState {
    FnState(bytecode::Module& m, DiagnosticEngine& d, std::string name, ast::SourceRange r)
        : b(m, d, std::move(name), r) {}
    FunctionBuilder b;
    const ast::FunctionNode* node = nullptr; // null for a file's init
    const FunctionScopeInfo* info = nullptr;
    FnState* parent = nullptr;
    uint32_t file = 0;
    std::unordered_map<const Symbol*, Slot> slots; // lookup only
    std::vector<ControlEntry*> control;
    std::vector<Label*> chainExits;         // optional chains being compiled
    std::vector<std::string> pendingLabels; // labels for the next loop/statement
};

class Codegen {
public:
    Codegen(const std::vector<std::unique_ptr<ast::File>>& files, const SemaResult& sema,
            const SourceManager& sm, DiagnosticEngine& diags);
    std::optional<bytecode::Module> run();

    // ---- Codegen.cpp: functions and module tables
    uint32_t compileFunction(const ast::FunctionNode& fn, bytecode::FunctionKind kind,
                             std::string name, const Expr* triggerCondition = nullptr);
    uint32_t compileInit(const ast::File& file);
    void topLevel(const Stmt& s);
    void emitClosure(const ast::FunctionNode& fn, bytecode::FunctionKind kind, uint8_t dst);
    void at(const ast::Node& n) { at(n.range); }
    void at(ast::SourceRange r);
    void internalError(ast::SourceRange r, const std::string& what);
    FunctionBuilder& b() { return f_->b; }

    // ---- Variables.cpp
    VarRef resolve(const Symbol* s, ast::SourceRange use);
    VarRef resolveIdentifier(const ast::Identifier& id);
    uint8_t loadRef(const VarRef& ref, int want);
    void storeRef(const VarRef& ref, uint8_t src);
    void storeSymbol(const Symbol* s, uint8_t src, ast::SourceRange use);
    void declareLocal(Scope& scope, const Symbol* s, bool newBox = true);
    void declareStatements(Scope& scope, const std::vector<ast::StmtPtr>& stmts);
    void declarePattern(Scope& scope, const Pattern* p, bool newBox = true);
    void hoistFunctions(const std::vector<ast::StmtPtr>& stmts);
    void openScope(Scope& s);
    void closeScope(Scope& s);
    uint32_t modVarOf(const Symbol* s);

    // ---- Expressions.cpp
    uint8_t expr(const Expr* e, int want = -1);
    uint8_t exprTemp(const Expr* e);
    void effect(const Expr* e);
    uint8_t dest(int want) { return want >= 0 ? uint8_t(want) : b().alloc(); }
    void loadNumber(double v, uint8_t dst);
    void loadString(const std::string& s, uint8_t dst);
    uint8_t binary(const ast::Binary& e, int want);
    uint8_t logical(const ast::Logical& e, int want);
    uint8_t templ(const ast::TemplateLit& e, int want);
    uint8_t arrayLit(const ast::ArrayLit& e, int want);
    uint8_t objectLit(const ast::ObjectLit& e, int want);
    uint8_t unary(const ast::Unary& e, int want);
    void appendElements(uint8_t arr, const std::vector<ast::ExprPtr>& elems);
    static bool mayWriteLocals(const Expr* e);
    static bool writesTargetLate(const Expr* e);
    static std::optional<double> numberValue(const Expr* e);

    // ---- Calls.cpp
    uint8_t call(const ast::Call& e, int want);
    uint8_t newExpr(const ast::New& e, int want);
    uint8_t start(const ast::Start& e, int want);
    uint8_t member(const ast::Member& e, int want);
    uint8_t index(const ast::Index& e, int want);
    uint8_t optionalChain(const ast::OptionalChain& e, int want);
    void optionalCheck(bool optional, uint8_t reg);
    const Symbol* namespaceExport(const ast::Member& e);

    // ---- Assign.cpp
    uint8_t assign(const ast::Assign& e, int want);
    uint8_t update(const ast::Update& e, int want, bool valueUsed);
    void bindPattern(const Pattern* p, uint8_t value);
    void bindArrayPattern(const ast::ArrayPattern& p, uint8_t value);
    void bindObjectPattern(const ast::ObjectPattern& p, uint8_t value);
    void applyDefault(const Expr* init, uint8_t reg);

    // ---- Statements.cpp
    void stmt(const Stmt* s);
    void stmts(const std::vector<ast::StmtPtr>& list);
    void blockScoped(const std::vector<ast::StmtPtr>& list);
    void varDecl(const ast::VarDecl& d);
    void ifStmt(const ast::If& s);
    void forStmt(const ast::For& s);
    void forEach(const ast::ForEachBase& s, bool keys);
    void whileStmt(const ast::While& s);
    void doWhile(const ast::DoWhile& s);
    void returnStmt(const ast::Return& s);
    void body(const Stmt* s);

    // ---- ControlFlow.cpp
    void condJump(const Expr* e, bool jumpIf, Label& target);
    bool loopTest(const Expr* e, const Label& bodyStart);
    void jumpTo(Label& target);
    void breakStmt(const ast::Break& s);
    void continueStmt(const ast::Continue& s);
    void leaveTo(size_t depth, const std::function<void()>& exit);
    void tryStmt(const ast::Try& s);
    void switchStmt(const ast::Switch& s);
    void labeled(const ast::Labeled& s);
    ControlEntry loopEntry(Label& brk, Label& cont); // takes the pending labels
    void pushControl(ControlEntry& e) { f_->control.push_back(&e); }
    void popControl() { f_->control.pop_back(); }
    void openSegment(ControlEntry& h);
    void closeSegment(ControlEntry& h);
    void emitHandlers(ControlEntry& h, uint32_t handlerPc, uint8_t reg);

    const std::vector<std::unique_ptr<ast::File>>& files_;
    const SemaResult& sema_;
    const SourceManager& sm_;
    DiagnosticEngine& diags_;
    bytecode::Module mod_;
    FnState* f_ = nullptr;
    bool fnLimitReported_ = false;
};

} // namespace flow::compiler::codegen
