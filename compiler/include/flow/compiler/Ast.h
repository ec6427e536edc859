#pragma once
// Ast.h — the Flow abstract syntax tree. Built by parse/AstBuilder.cpp (the
// only file that sees ANTLR types), annotated by sema (Identifier::symbol,
// FunctionNode::scope info), consumed by codegen and graph.
//
// Conventions:
// - Every node has a SourceRange: file id + byte offsets [begin, end) into that
//   file's buffer. Line/column come from the SourceManager when needed.
// - Children are owned through std::unique_ptr; optional children are null.
// - Strings hold WTF-8 (UTF-8 that may also encode lone surrogates, so that
//   "\uD800" survives): the VM converts to its own representation.
// - Dispatch on `kind` with switch + static_cast, or with as<T>()/isa<T>().
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// Sema's annotations (defined in Sema.h, namespace flow::compiler); the AST
// refers to them as ast::Symbol / ast::FunctionScopeInfo, the same types.
namespace flow::compiler {
struct Symbol;
struct FunctionScopeInfo;
} // namespace flow::compiler

namespace flow::ast {

using compiler::FunctionScopeInfo;
using compiler::Symbol;

struct SourceRange {
    uint32_t file = 0;  // index into the compilation's file table
    uint32_t begin = 0; // byte offset of the first character
    uint32_t end = 0;   // byte offset one past the last character
};

enum class NodeKind : uint8_t {
    // expressions
    NumberLit, StringLit, TemplateLit, DurationLit, BoolLit, NullLit,
    Identifier, This, ArrayLit, ObjectLit, Function, // Function: expression or arrow
    Unary, Update, Binary, Logical, Conditional, Assign, Sequence,
    Call, New, Member, Index, OptionalChain, Await, Spread, Start,
    // patterns (binding and assignment targets)
    IdentifierPattern, ExprPattern, ArrayPattern, ObjectPattern,
    // statements
    VarDecl, FunctionDecl, Return, If, For, ForOf, ForIn, While, DoWhile,
    Break, Continue, Throw, Try, Switch, Labeled, Block, ExprStmt, Empty,
    // top-level declarations
    Workflow, Task, Trigger, Test, Import, ExportList,
};

struct Node {
    NodeKind kind;
    SourceRange range;
    explicit Node(NodeKind k) : kind(k) {}
    virtual ~Node() = default;
    template <class T>
    bool isa() const { return T::classof(this); }
    template <class T>
    T* as() { return T::classof(this) ? static_cast<T*>(this) : nullptr; }
    template <class T>
    const T* as() const { return T::classof(this) ? static_cast<const T*>(this) : nullptr; }
};

#define FLOW_AST_CLASSOF(K) \
    static bool classof(const Node* n) { return n->kind == NodeKind::K; }

struct Expr : Node { using Node::Node; };
struct Stmt : Node { using Node::Node; };
struct Pattern : Node { using Node::Node; };

using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using PatternPtr = std::unique_ptr<Pattern>;

struct FunctionNode; // below
struct Block;

// ============================================================ expressions

struct NumberLit : Expr {
    FLOW_AST_CLASSOF(NumberLit)
    NumberLit() : Expr(NodeKind::NumberLit) {}
    double value = 0;
};

struct StringLit : Expr {
    FLOW_AST_CLASSOF(StringLit)
    StringLit() : Expr(NodeKind::StringLit) {}
    std::string value; // cooked (escapes decoded), WTF-8
};

// `a${x}b${y}c`: quasis.size() == exprs.size() + 1.
struct TemplateLit : Expr {
    FLOW_AST_CLASSOF(TemplateLit)
    TemplateLit() : Expr(NodeKind::TemplateLit) {}
    std::vector<std::string> quasis; // cooked
    std::vector<ExprPtr> exprs;
};

// 250ms, 30s, 5m, 1h, 2d, 1.5h: a number of milliseconds.
struct DurationLit : Expr {
    FLOW_AST_CLASSOF(DurationLit)
    DurationLit() : Expr(NodeKind::DurationLit) {}
    double millis = 0;
    std::string text; // as written, for diagnostics and graphs
};

struct BoolLit : Expr {
    FLOW_AST_CLASSOF(BoolLit)
    BoolLit() : Expr(NodeKind::BoolLit) {}
    bool value = false;
};

struct NullLit : Expr {
    FLOW_AST_CLASSOF(NullLit)
    NullLit() : Expr(NodeKind::NullLit) {}
};

// A name in expression position. `undefined` is an Identifier that sema
// resolves to the undefined value unless the program shadows it.
struct Identifier : Expr {
    FLOW_AST_CLASSOF(Identifier)
    Identifier() : Expr(NodeKind::Identifier) {}
    std::string name;
    Symbol* symbol = nullptr; // sema: the declaration; null for builtins/undefined
    int builtin = -1;         // sema: Builtins.def index when it names a builtin
};

struct This : Expr {
    FLOW_AST_CLASSOF(This)
    This() : Expr(NodeKind::This) {}
};

// [a, ...b]; holes ([1,,2]) are a syntax error in Flow.
struct ArrayLit : Expr {
    FLOW_AST_CLASSOF(ArrayLit)
    ArrayLit() : Expr(NodeKind::ArrayLit) {}
    std::vector<ExprPtr> elements; // may contain Spread
};

struct Property {
    enum class Kind : uint8_t { Init, Shorthand, Method, Spread };
    Kind kind = Kind::Init;
    SourceRange range;
    std::string key;      // identifier, string or number key (number keys canonicalized: 1.0 -> "1")
    ExprPtr computedKey;  // [expr]: key; null otherwise
    ExprPtr value;        // Init: value; Shorthand: Identifier; Method: Function; Spread: the spread operand
};

struct ObjectLit : Expr {
    FLOW_AST_CLASSOF(ObjectLit)
    ObjectLit() : Expr(NodeKind::ObjectLit) {}
    std::vector<Property> props;
};

// A function expression or arrow function; see FunctionNode.
struct FunctionExpr : Expr {
    FLOW_AST_CLASSOF(Function)
    FunctionExpr() : Expr(NodeKind::Function) {}
    std::unique_ptr<FunctionNode> fn;
    // sema: `function f() {...}` as an expression binds f inside its own
    // body; the symbol belongs to the enclosing frame (null when anonymous).
    Symbol* selfSymbol = nullptr;
};

enum class UnaryOp : uint8_t { Neg, Plus, Not, BitNot, TypeOf, Void, Delete };
struct Unary : Expr {
    FLOW_AST_CLASSOF(Unary)
    Unary() : Expr(NodeKind::Unary) {}
    UnaryOp op = UnaryOp::Neg;
    ExprPtr operand;
};

// ++x, x++, --x, x--. target is an Identifier, Member or Index.
struct Update : Expr {
    FLOW_AST_CLASSOF(Update)
    Update() : Expr(NodeKind::Update) {}
    bool increment = true;
    bool prefix = true;
    ExprPtr target;
};

enum class BinaryOp : uint8_t {
    Add, Sub, Mul, Div, Mod, Pow, Shl, Shr, UShr, BitAnd, BitOr, BitXor,
    Eq, Ne, StrictEq, StrictNe, Lt, Le, Gt, Ge, In, InstanceOf,
};
struct Binary : Expr {
    FLOW_AST_CLASSOF(Binary)
    Binary() : Expr(NodeKind::Binary) {}
    BinaryOp op = BinaryOp::Add;
    ExprPtr lhs, rhs;
};

enum class LogicalOp : uint8_t { And, Or, Nullish };
struct Logical : Expr {
    FLOW_AST_CLASSOF(Logical)
    Logical() : Expr(NodeKind::Logical) {}
    LogicalOp op = LogicalOp::And;
    ExprPtr lhs, rhs;
};

struct Conditional : Expr {
    FLOW_AST_CLASSOF(Conditional)
    Conditional() : Expr(NodeKind::Conditional) {}
    ExprPtr test, consequent, alternate;
};

// x = v, x += v, [a, b] = v, {a} = v. `op` is None for plain `=`; the logical
// assignments (&&=, ||=, ??=) are And/Or/Nullish.
enum class AssignOp : uint8_t {
    None, Add, Sub, Mul, Div, Mod, Pow, Shl, Shr, UShr, BitAnd, BitOr, BitXor, And, Or, Nullish,
};
struct Assign : Expr {
    FLOW_AST_CLASSOF(Assign)
    Assign() : Expr(NodeKind::Assign) {}
    AssignOp op = AssignOp::None;
    // Plain `=`: an IdentifierPattern, ExprPattern (member/index), ArrayPattern
    // or ObjectPattern. Compound ops: IdentifierPattern or ExprPattern only.
    PatternPtr target;
    ExprPtr value;
};

struct Sequence : Expr {
    FLOW_AST_CLASSOF(Sequence)
    Sequence() : Expr(NodeKind::Sequence) {}
    std::vector<ExprPtr> exprs;
};

// f(a, ...b). `optional` marks f?.(...) inside an OptionalChain.
struct Call : Expr {
    FLOW_AST_CLASSOF(Call)
    Call() : Expr(NodeKind::Call) {}
    ExprPtr callee;
    std::vector<ExprPtr> args; // may contain Spread
    bool optional = false;
};

struct New : Expr {
    FLOW_AST_CLASSOF(New)
    New() : Expr(NodeKind::New) {}
    ExprPtr callee;
    std::vector<ExprPtr> args;
};

// obj.name / obj?.name
struct Member : Expr {
    FLOW_AST_CLASSOF(Member)
    Member() : Expr(NodeKind::Member) {}
    ExprPtr object;
    std::string name;
    SourceRange nameRange;
    bool optional = false;
};

// obj[index] / obj?.[index]
struct Index : Expr {
    FLOW_AST_CLASSOF(Index)
    Index() : Expr(NodeKind::Index) {}
    ExprPtr object, index;
    bool optional = false;
};

// The whole of a chain that contains ?. somewhere (ESTree's ChainExpression):
// when any optional link meets null/undefined the chain's value is undefined.
struct OptionalChain : Expr {
    FLOW_AST_CLASSOF(OptionalChain)
    OptionalChain() : Expr(NodeKind::OptionalChain) {}
    ExprPtr expr;
};

struct Await : Expr {
    FLOW_AST_CLASSOF(Await)
    Await() : Expr(NodeKind::Await) {}
    ExprPtr expr;
};

// ...expr inside array literals, call arguments and object literals.
struct Spread : Expr {
    FLOW_AST_CLASSOF(Spread)
    Spread() : Expr(NodeKind::Spread) {}
    ExprPtr expr;
};

// start wf(args) [with { timeout: 1h }] — starts a run; gives a handle.
struct Start : Expr {
    FLOW_AST_CLASSOF(Start)
    Start() : Expr(NodeKind::Start) {}
    ExprPtr callee; // usually an Identifier naming a workflow
    std::vector<ExprPtr> args;
    ExprPtr options; // null when there is no `with`
};

// ============================================================ patterns

// A name being declared (let x, function params, catch (e)) or, in an
// assignment target, a name being assigned.
struct IdentifierPattern : Pattern {
    FLOW_AST_CLASSOF(IdentifierPattern)
    IdentifierPattern() : Pattern(NodeKind::IdentifierPattern) {}
    std::string name;
    Symbol* symbol = nullptr; // sema
};

// A member/index expression as an assignment target: obj.x = 1, [o.a] = v.
struct ExprPattern : Pattern {
    FLOW_AST_CLASSOF(ExprPattern)
    ExprPattern() : Pattern(NodeKind::ExprPattern) {}
    ExprPtr expr; // Member or Index
};

struct PatternElement {
    PatternPtr target; // null for a hole: [a, , b]
    ExprPtr init;      // default value, or null
};

struct ArrayPattern : Pattern {
    FLOW_AST_CLASSOF(ArrayPattern)
    ArrayPattern() : Pattern(NodeKind::ArrayPattern) {}
    std::vector<PatternElement> elements;
    PatternPtr rest; // ...rest, or null
};

struct PropertyPattern {
    SourceRange range;
    std::string key;     // static key
    ExprPtr computedKey; // [expr]: key, or null
    PatternElement value;
    bool shorthand = false;
};

struct ObjectPattern : Pattern {
    FLOW_AST_CLASSOF(ObjectPattern)
    ObjectPattern() : Pattern(NodeKind::ObjectPattern) {}
    std::vector<PropertyPattern> props;
    PatternPtr rest;
};

// ============================================================ functions

enum class FunctionKind : uint8_t { Declaration, Expression, Arrow, Method, Workflow, Trigger, Test };

struct Param {
    PatternPtr target;
    ExprPtr init; // default, or null
};


struct FunctionNode {
    FunctionKind kind = FunctionKind::Declaration;
    SourceRange range;
    std::string name; // "" when anonymous
    SourceRange nameRange;
    bool isAsync = false;
    std::vector<Param> params;
    PatternPtr rest;              // ...rest parameter, or null
    std::unique_ptr<Block> body;  // null for a concise arrow body
    ExprPtr exprBody;             // concise arrow body: x => x + 1
    FunctionScopeInfo* info = nullptr; // sema
    // sema: the name an anonymous function takes from its binding or property
    // (JS NamedEvaluation: const f = () => 1 has f.name === "f").
    std::string inferredName;
};

// ============================================================ statements

enum class DeclKind : uint8_t { Let, Const };

struct Declarator {
    SourceRange range;
    PatternPtr target;
    ExprPtr init; // null when absent (let x;)
};

struct VarDecl : Stmt {
    FLOW_AST_CLASSOF(VarDecl)
    VarDecl() : Stmt(NodeKind::VarDecl) {}
    DeclKind declKind = DeclKind::Let;
    std::vector<Declarator> decls;
    bool exported = false;
};

struct FunctionDecl : Stmt {
    FLOW_AST_CLASSOF(FunctionDecl)
    FunctionDecl() : Stmt(NodeKind::FunctionDecl) {}
    std::unique_ptr<FunctionNode> fn;
    Symbol* symbol = nullptr; // sema
    bool exported = false;
};

struct Return : Stmt {
    FLOW_AST_CLASSOF(Return)
    Return() : Stmt(NodeKind::Return) {}
    ExprPtr value; // null for `return;`
};

struct If : Stmt {
    FLOW_AST_CLASSOF(If)
    If() : Stmt(NodeKind::If) {}
    ExprPtr test;
    StmtPtr consequent, alternate; // alternate may be null
};

// for (init; test; update) body. init is a VarDecl, an ExprStmt, or null.
struct For : Stmt {
    FLOW_AST_CLASSOF(For)
    For() : Stmt(NodeKind::For) {}
    StmtPtr init;
    ExprPtr test, update;
    StmtPtr body;
};

// for (const x of xs) / for (x of xs) / for (const k in obj).
// With a declaration, declKind is set and target is the binding pattern; with
// no declaration (hasDecl = false), target is an assignment pattern.
struct ForEachBase : Stmt {
    using Stmt::Stmt;
    bool hasDecl = true;
    DeclKind declKind = DeclKind::Const;
    PatternPtr target;
    ExprPtr iterable;
    StmtPtr body;
};
struct ForOf : ForEachBase {
    FLOW_AST_CLASSOF(ForOf)
    ForOf() : ForEachBase(NodeKind::ForOf) {}
};
struct ForIn : ForEachBase {
    FLOW_AST_CLASSOF(ForIn)
    ForIn() : ForEachBase(NodeKind::ForIn) {}
};

struct While : Stmt {
    FLOW_AST_CLASSOF(While)
    While() : Stmt(NodeKind::While) {}
    ExprPtr test;
    StmtPtr body;
};

struct DoWhile : Stmt {
    FLOW_AST_CLASSOF(DoWhile)
    DoWhile() : Stmt(NodeKind::DoWhile) {}
    StmtPtr body;
    ExprPtr test;
};

struct Break : Stmt {
    FLOW_AST_CLASSOF(Break)
    Break() : Stmt(NodeKind::Break) {}
    std::string label; // "" when none
    Stmt* target = nullptr; // sema: the loop/switch/labeled statement left
};

struct Continue : Stmt {
    FLOW_AST_CLASSOF(Continue)
    Continue() : Stmt(NodeKind::Continue) {}
    std::string label;
    Stmt* target = nullptr; // sema: the loop continued
};

struct Throw : Stmt {
    FLOW_AST_CLASSOF(Throw)
    Throw() : Stmt(NodeKind::Throw) {}
    ExprPtr value;
};

struct Try : Stmt {
    FLOW_AST_CLASSOF(Try)
    Try() : Stmt(NodeKind::Try) {}
    std::unique_ptr<Block> block;
    bool hasCatch = false;
    PatternPtr catchParam; // may be null: catch { ... }
    std::unique_ptr<Block> handler;   // null without catch
    std::unique_ptr<Block> finalizer; // null without finally
};

struct SwitchCase {
    SourceRange range;
    ExprPtr test; // null for default
    std::vector<StmtPtr> body;
};

struct Switch : Stmt {
    FLOW_AST_CLASSOF(Switch)
    Switch() : Stmt(NodeKind::Switch) {}
    ExprPtr discriminant;
    std::vector<SwitchCase> cases;
};

struct Labeled : Stmt {
    FLOW_AST_CLASSOF(Labeled)
    Labeled() : Stmt(NodeKind::Labeled) {}
    std::string label;
    StmtPtr body;
};

struct Block : Stmt {
    FLOW_AST_CLASSOF(Block)
    Block() : Stmt(NodeKind::Block) {}
    std::vector<StmtPtr> body;
};

struct ExprStmt : Stmt {
    FLOW_AST_CLASSOF(ExprStmt)
    ExprStmt() : Stmt(NodeKind::ExprStmt) {}
    ExprPtr expr;
};

struct Empty : Stmt {
    FLOW_AST_CLASSOF(Empty)
    Empty() : Stmt(NodeKind::Empty) {}
};

// ============================================================ top level

// workflow name(params) [with { timeout: 7d }] { body }
struct Workflow : Stmt {
    FLOW_AST_CLASSOF(Workflow)
    Workflow() : Stmt(NodeKind::Workflow) {}
    std::unique_ptr<FunctionNode> fn; // kind Workflow, isAsync = true
    ExprPtr options;                  // ObjectLit or null
    Symbol* symbol = nullptr;         // sema
    bool exported = false;
    std::string optionsJson = "{}";   // sema: the validated options as canonical JSON
};

// task name(params) = exec("path", { options })
// task name(params) = http("POST", "url", { options })
struct Task : Stmt {
    FLOW_AST_CLASSOF(Task)
    Task() : Stmt(NodeKind::Task) {}
    std::string name;
    SourceRange nameRange;
    std::vector<std::unique_ptr<IdentifierPattern>> params;
    std::string kind;         // "exec" or "http" as written (sema rejects others)
    SourceRange kindRange;
    std::vector<ExprPtr> args; // the call's arguments: exec(path, opts) / http(method, url, opts)
    Symbol* symbol = nullptr;  // sema
    bool exported = false;
    // sema: validated facts for codegen (Module.h TaskDecl)
    std::string method;              // http: "POST"; exec: ""
    std::string target;              // exec: path; http: url
    std::string optionsJson = "{}";  // canonical JSON, durations in ms
};

// on "type" (e) [when (cond)] => body
struct Trigger : Stmt {
    FLOW_AST_CLASSOF(Trigger)
    Trigger() : Stmt(NodeKind::Trigger) {}
    std::string eventType;
    SourceRange eventTypeRange;
    ExprPtr condition;                // `when (...)`, or null
    std::unique_ptr<FunctionNode> fn; // kind Trigger: one param, body/exprBody
};

// test "name" { body }
struct Test : Stmt {
    FLOW_AST_CLASSOF(Test)
    Test() : Stmt(NodeKind::Test) {}
    std::string name;
    std::unique_ptr<FunctionNode> fn; // kind Test, isAsync = true, no params
};

struct ImportSpec {
    SourceRange range;
    std::string imported; // name exported by the other module
    std::string local;    // local binding (== imported unless `as`)
    Symbol* symbol = nullptr; // sema
};

// import { a, b as c } from "./x.flow"  /  import * as ns from "std/strings"
struct Import : Stmt {
    FLOW_AST_CLASSOF(Import)
    Import() : Stmt(NodeKind::Import) {}
    std::vector<ImportSpec> specs;
    std::string namespaceName; // import * as ns: "ns"; else ""
    SourceRange namespaceRange;
    Symbol* namespaceSymbol = nullptr;
    std::string source; // the specifier as written
    SourceRange sourceRange;
    uint32_t resolvedFile = UINT32_MAX; // driver: the imported file's id
};

struct ExportSpec {
    SourceRange range;
    std::string local;
    std::string exported;
};

// export { a, b as c }
struct ExportList : Stmt {
    FLOW_AST_CLASSOF(ExportList)
    ExportList() : Stmt(NodeKind::ExportList) {}
    std::vector<ExportSpec> specs;
};

// One parsed source file.
struct File {
    uint32_t id = 0;
    std::string path;
    std::vector<StmtPtr> body;
};

#undef FLOW_AST_CLASSOF

const char* nodeKindName(NodeKind k);

} // namespace flow::ast
