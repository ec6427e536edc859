// FlowParser.g4 — the syntax of the Flow language. CANONICAL SOURCE: the C++
// parser generated from it lives only in the build tree and is never edited or
// committed. compiler/src/parse/ turns its parse tree into the AST (Ast.h);
// docs/language.md is the user-facing reference of what this accepts.
//
// Design notes (read before editing):
// - Speed and robustness: binary operators and assignments are FLAT lists
//   (`unaryExpression (binaryOperator unaryExpression)*`); the AST builder
//   applies precedence and associativity in C++. This keeps the ANTLR parse
//   tree shallow for long chains (a 10 MB `1+1+...` line), avoids left
//   recursion, and keeps every decision LL(1)/LL(2) so that SLL prediction
//   almost never has to fall back to full LL.
// - Cover grammars, as in real JavaScript parsers: `( ... ) => body` is parsed
//   as a parenthesized list followed by an optional '=>'; object and array
//   literals on the left of '=' (and in for-of heads) are parsed as
//   expressions and converted to patterns by the builder, which reports
//   FLOW1008 when that is impossible.
// - Automatic semicolon insertion: see `eos` and the notLineTerminator()
//   predicates on the restricted productions (return, throw, break, continue,
//   postfix ++/--). Newlines reach the parser on a hidden channel.
// - Unsupported JavaScript (var, class, with, generators, regex literals, getters,
//   tagged templates, array holes, default imports/exports...) is PARSED so that
//   the builder can reject it with FLOW1007 and a hint instead of a syntax error.
// - Top-level-only forms (workflow, task, on, test, import, export) are
//   statements anywhere; the builder reports FLOW3009/FLOW5006 when nested.
parser grammar FlowParser;

options { tokenVocab = FlowLexer; contextSuperClass = FlowRuleContext; }

@parser::header {
#include <cstdint>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <vector>
}

@parser::context {
// Parse-tree nodes (rule contexts and tokens) are allocated from a ParseArena
// while one is active on the thread: a compile creates millions of them, and
// malloc/free of each was ~10 % of the time. The driver activates an arena
// around the parse and resets it once the tree of a statement is deleted.
// Without an active arena the nodes come from the heap, as usual.
class ParseArena {
public:
  // `nodes`: the arena of this thread's parse-tree nodes (else the caller
  // allocates from it explicitly, see allocate(size, arena)).
  explicit ParseArena(bool nodes = true) {
    if (nodes) active() = this;
  }
  ~ParseArena() {
    if (active() == this) active() = nullptr;
    for (char* c : chunks_) std::free(c);
  }
  ParseArena(const ParseArena&) = delete;
  ParseArena& operator=(const ParseArena&) = delete;

  // Makes all the arena's memory reusable: every node from it must be dead.
  void reset() {
    chunk_ = 0;
    used_ = 0;
    free_ = 0;
  }

  // The arena active on this thread, or null.
  static ParseArena* current() { return active(); }

  // The children vectors of dead rule contexts serve the next ones: a
  // malloc and a free per rule context were ~13 % of a compile. (The vector
  // type is ANTLR's, with the standard allocator, so its buffer cannot come
  // from the arena itself.)
  void recycle(std::vector<antlr4::tree::ParseTree*>& children) {
    children.clear();
    spare_.push_back(std::move(children));
  }
  // Gives `children` (empty, no buffer) a spare buffer; false if there is none.
  bool reuse(std::vector<antlr4::tree::ParseTree*>& children) {
    if (spare_.empty() || children.capacity() != 0) return false;
    children = std::move(spare_.back());
    spare_.pop_back();
    return true;
  }

  static void* allocate(size_t size) { return allocate(size, active()); }
  // From arena `a`, or from the heap when it is null.
  static void* allocate(size_t size, ParseArena* a) {
    size_t need = kHeader + ((size + 15) & ~size_t(15));
    char* p;
    if (a && need <= a->free_) { // the common case: room in the current chunk
      p = a->chunks_[a->chunk_] + a->used_;
      a->used_ += need;
      a->free_ -= need;
    } else {
      p = a ? a->take(need) : static_cast<char*>(::operator new(need));
    }
    *reinterpret_cast<uint64_t*>(p) = a ? kFromArena : kFromHeap;
    return p + kHeader;
  }
  // Arena memory is reclaimed by reset(), heap memory here.
  static void release(void* p) noexcept {
    if (!p) return;
    char* base = static_cast<char*>(p) - kHeader;
    if (*reinterpret_cast<uint64_t*>(base) == kFromHeap) ::operator delete(base);
  }

private:
  static constexpr size_t kHeader = 16; // keeps the nodes 16-byte aligned
  static constexpr uint64_t kFromHeap = 0x48656170, kFromArena = 0x4172656e;
  static constexpr size_t kChunk = 1u << 20;

  static ParseArena*& active() {
    thread_local ParseArena* a = nullptr;
    return a;
  }
  char* take(size_t need) {
    for (;;) {
      if (chunk_ < chunks_.size() && used_ + need <= kChunk) {
        char* p = chunks_[chunk_] + used_;
        used_ += need;
        free_ = kChunk - used_;
        return p;
      }
      if (need > kChunk) throw std::bad_alloc(); // no node is that large
      if (chunk_ < chunks_.size()) ++chunk_;
      used_ = 0;
      if (chunk_ == chunks_.size()) {
        char* c = static_cast<char*>(std::malloc(kChunk));
        if (!c) throw std::bad_alloc();
        chunks_.push_back(c);
      }
    }
  }

  std::vector<char*> chunks_;
  size_t chunk_ = 0, used_ = 0;
  size_t free_ = 0; // bytes left in chunks_[chunk_] (0 before the first take)
  std::vector<std::vector<antlr4::tree::ParseTree*>> spare_;
};

// The base class of every generated rule context (contextSuperClass).
class FlowRuleContext : public antlr4::ParserRuleContext {
public:
  using antlr4::ParserRuleContext::ParserRuleContext;
  ~FlowRuleContext() override {
    if (children.capacity() == 0) return;
    if (ParseArena* a = ParseArena::current()) a->recycle(children);
  }
  static void* operator new(size_t size) { return ParseArena::allocate(size); }
  static void operator delete(void* p) noexcept { ParseArena::release(p); }
};

// The parse-tree node of a matched token (see FlowParser::consume).
class FlowTerminalNode : public antlr4::tree::TerminalNodeImpl {
public:
  using antlr4::tree::TerminalNodeImpl::TerminalNodeImpl;
  static void* operator new(size_t size) { return ParseArena::allocate(size); }
  static void operator delete(void* p) noexcept { ParseArena::release(p); }
};
}

@parser::members {
  // Thrown from enterRule when the parser's own recursion has used more stack
  // than `stackFloor` allows: a backstop for inputs whose nesting the token
  // pre-pass cannot see (x => x => x => ..., if (a) if (a) ...). The builder
  // turns it into FLOW1010.
  struct StackExhausted : std::runtime_error {
    StackExhausted() : std::runtime_error("parser nesting too deep") {}
  };
  // Lowest stack address the parser may reach (the stack grows down); null
  // disables the check.
  const char* stackFloor = nullptr;

  // For the hand-written predictor of compiler/src/parse/ParsePredictor.cpp,
  // which replaces this parser's ATN simulator.
  static std::vector<antlr4::dfa::DFA>& decisionDFA() { return _decisionToDFA; }
  static antlr4::atn::PredictionContextCache& contextCache() { return _sharedContextCache; }

  // enterRule, exitRule, enterOuterAlt and getInterpreter do what ANTLR 4.9's
  // do, minus a dynamic_cast each (the 4.9 runtime reaches the parent context
  // and the simulator through dynamic_cast; later runtimes use static casts).
  // The generated rule functions call them unqualified, so these hide the
  // base versions; together they were ~10 % of the compile time.
  void enterRule(antlr4::ParserRuleContext* localctx, size_t state, size_t) override {
    char probe;
    if (reinterpret_cast<uintptr_t>(&probe) < reinterpret_cast<uintptr_t>(stackFloor))
      throw StackExhausted();
    setState(state);
    _ctx = localctx;
    _ctx->start = _input->LT(1);
    if (_buildParseTrees) {
      // A recycled buffer (see ParseArena::recycle), else one allocation for
      // up to four children instead of one per doubling.
      ParseArena* arena = ParseArena::current();
      if (!arena || !arena->reuse(_ctx->children)) _ctx->children.reserve(4);
      if (_ctx->parent) static_cast<antlr4::ParserRuleContext*>(_ctx->parent)->addChild(_ctx);
    }
    if (!_parseListeners.empty()) triggerEnterRuleEvent();
  }
  // Parser::consume, creating FlowTerminalNode (arena-allocated) instead of
  // TerminalNodeImpl; error recovery goes to the base version.
  antlr4::Token* consume() override {
    if (!_buildParseTrees || !_parseListeners.empty() || _errHandler->inErrorRecoveryMode(this))
      return antlr4::Parser::consume();
    antlr4::Token* o = _input->LT(1);
    if (o->getType() != antlr4::Token::EOF) _input->consume();
    _ctx->addChild(_tracker.createInstance<FlowTerminalNode>(o));
    return o;
  }
  void exitRule() {
    _ctx->stop = _matchedEOF ? _input->LT(1) : _input->LT(-1);
    if (!_parseListeners.empty()) triggerExitRuleEvent();
    setState(_ctx->invokingState);
    _ctx = static_cast<antlr4::ParserRuleContext*>(_ctx->parent);
  }
  void enterOuterAlt(antlr4::ParserRuleContext* localctx, size_t altNum) override {
    // The base version also calls setAltNumber, a no-op for these contexts.
    if (_ctx != localctx) {
      antlr4::Parser::enterOuterAlt(localctx, altNum);
      return;
    }
  }
  // Every generated rule function runs exitRule() through
  // `auto onExit = finally([=] { exitRule(); });`. antlrcpp::finally wraps the
  // lambda in std::function objects that are copied on the way; this plain
  // scope guard (found first by the unqualified call) does the same for free.
  template <class F>
  struct ScopeExit {
    F f;
    ~ScopeExit() { f(); }
  };
  template <class F>
  static ScopeExit<F> finally(F f) {
    return ScopeExit<F>{std::move(f)};
  }
  template <class T>
  T* getInterpreter() const {
    return static_cast<T*>(_interpreter);
  }

  // Set by the driver: by token index, whether a newline precedes that
  // default-channel token (its token stream computes them once; the walk
  // below gives the same answer).
  const std::vector<char>* newlineFlags = nullptr;

  // Is there a newline (or a block comment spanning lines) between the
  // previous significant token and the next one?
  bool lineTerminatorAhead() {
    if (newlineFlags) {
      size_t i = _input->LT(1)->getTokenIndex();
      return i < newlineFlags->size() && (*newlineFlags)[i] != 0;
    }
    auto* tokens = static_cast<antlr4::BufferedTokenStream*>(_input);
    size_t idx = _input->LT(1)->getTokenIndex();
    while (idx > 0) {
      --idx;
      antlr4::Token* t = tokens->get(idx);
      if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return false;
      if (t->getType() == FlowParser::LineTerminator) return true;
      if (t->getType() == FlowParser::MultiLineComment &&
          t->getText().find_first_of("\r\n") != std::string::npos)
        return true;
    }
    return false;
  }
  bool notLineTerminator() { return !lineTerminatorAhead(); }
  bool closeBraceAhead() { return _input->LA(1) == FlowParser::CloseBrace; }
  bool notOpenBrace() { return _input->LA(1) != FlowParser::OpenBrace; }
  // An expression statement cannot start with '{' (a block), 'function' or
  // 'async function' (declarations), as in JavaScript.
  bool expressionStatementAllowed() {
    size_t t = _input->LA(1);
    if (t == FlowParser::OpenBrace || t == FlowParser::Function) return false;
    if (t == FlowParser::Async && _input->LA(2) == FlowParser::Function) return false;
    return true;
  }
}

// ================================================================ program

// The builder parses one top-level `statement` at a time (so that memory stays
// bounded by the largest statement); `program` documents the whole.
program
    : statement* EOF
    ;

// The ORDER of these alternatives is mirrored by the hand-written predictor in
// compiler/src/parse/ParsePredictor.cpp: ANTLR only evaluates
// predicates when lookahead cannot decide, so `{` (block or object literal?)
// and `function` (declaration or expression?) made it scan whole function
// bodies before choosing. Keep both in sync (the predictor checks the count and
// the first tokens of the alternatives it names).
statement
    : block
    | variableStatement
    | importStatement
    | exportStatement
    | SemiColon
    | functionDeclaration
    | workflowDeclaration
    | taskDeclaration
    | triggerDeclaration
    | testDeclaration
    | classDeclaration
    | ifStatement
    | doStatement
    | whileStatement
    | forStatement
    | continueStatement
    | breakStatement
    | returnStatement
    | throwStatement
    | withStatement
    | switchStatement
    | tryStatement
    | labelledStatement
    | expressionStatement
    ;

block
    : OpenBrace statement* CloseBrace
    ;

// let/const (var is parsed to be rejected with a hint).
variableStatement
    : variableDeclarationList eos
    ;

variableDeclarationList
    : varModifier variableDeclaration (Comma variableDeclaration)*
    ;

varModifier
    : Let
    | Const
    | Var
    ;

variableDeclaration
    : bindingPattern (Assign assignmentExpression)?
    ;

// ---------------------------------------------------------------- binding patterns

bindingPattern
    : identifier
    | arrayBindingPattern
    | objectBindingPattern
    ;

// Commas are kept as children so that the builder can find holes ([a,,b]).
arrayBindingPattern
    : OpenBracket (bindingElement | Comma)* CloseBracket
    ;

bindingElement
    : Ellipsis bindingPattern
    | bindingPattern (Assign assignmentExpression)?
    ;

objectBindingPattern
    : OpenBrace (bindingProperty (Comma bindingProperty)* Comma?)? CloseBrace
    ;

bindingProperty
    : Ellipsis bindingPattern
    | propertyName Colon bindingPattern (Assign assignmentExpression)?
    | identifier (Assign assignmentExpression)?
    ;

// ---------------------------------------------------------------- modules

importStatement
    : Import importClause From StringLiteral eos
    ;

importClause
    : OpenBrace (importSpecifier (Comma importSpecifier)* Comma?)? CloseBrace
    | Multiply As identifier
    | identifier                          // default import: rejected (FLOW1007)
    ;

importSpecifier
    : identifierName (As identifier)?
    ;

exportStatement
    : Export exportList (From StringLiteral)? eos   // `from`: re-export, rejected
    | Export Default (functionDeclaration | assignmentExpression eos)  // rejected
    | Export variableStatement
    | Export functionDeclaration
    | Export workflowDeclaration
    | Export taskDeclaration
    ;

exportList
    : OpenBrace (exportSpecifier (Comma exportSpecifier)* Comma?)? CloseBrace
    ;

exportSpecifier
    : identifier (As identifierName)?
    ;

// ---------------------------------------------------------------- functions

functionDeclaration
    : Async? Function Multiply? identifier OpenParen formalParameterList? CloseParen functionBody
    ;

formalParameterList
    : formalParameter (Comma formalParameter)* Comma?
    ;

formalParameter
    : Ellipsis bindingPattern
    | bindingPattern (Assign assignmentExpression)?
    ;

functionBody
    : OpenBrace statement* CloseBrace
    ;

// ---------------------------------------------------------------- workflow additions

// workflow name(params) [with { timeout: 7d }] { body }
workflowDeclaration
    : Workflow identifier OpenParen formalParameterList? CloseParen (With objectLiteral)? functionBody
    ;

// task name(params) = exec("path", {...}) / http("POST", "url", {...})
taskDeclaration
    : Task identifier OpenParen formalParameterList? CloseParen Assign identifier arguments eos
    ;

// on "event.type" (e) [when (cond)] => expr-or-block
triggerDeclaration
    : On StringLiteral OpenParen formalParameterList? CloseParen
      (When OpenParen expressionSequence CloseParen)? Arrow
      (functionBody | {notOpenBrace()}? assignmentExpression eos)
    ;

// test "name" { body }
testDeclaration
    : Test StringLiteral functionBody
    ;

// Parsed only to be rejected (FLOW1007): the body is skipped as balanced braces.
classDeclaration
    : Class identifier? (Extends leftHandSideExpression)? balancedBraces
    ;

balancedBraces
    : (OpenBrace | TemplateSubstStart) (balancedBraces | ~(OpenBrace | CloseBrace | TemplateSubstStart))* CloseBrace
    ;

// ---------------------------------------------------------------- statements

ifStatement
    : If OpenParen expressionSequence CloseParen statement (Else statement)?
    ;

doStatement
    : Do statement While OpenParen expressionSequence CloseParen SemiColon?
    ;

whileStatement
    : While OpenParen expressionSequence CloseParen statement
    ;

forStatement
    : For OpenParen forHead CloseParen statement
    ;

forHead
    : varModifier bindingPattern (Of | In) expressionSequence           // for (const x of xs)
    | leftHandSideExpression (Of | In) expressionSequence               // for (x of xs)
    | forInit? SemiColon expressionSequence? SemiColon expressionSequence?  // for (;;)
    ;

forInit
    : variableDeclarationList
    | expressionSequence
    ;

continueStatement
    : Continue ({notLineTerminator()}? identifier)? eos
    ;

breakStatement
    : Break ({notLineTerminator()}? identifier)? eos
    ;

returnStatement
    : Return ({notLineTerminator()}? expressionSequence)? eos
    ;

// `throw` followed by a newline is reported by the builder (JavaScript makes it
// a syntax error; a clear message is better).
throwStatement
    : Throw ({notLineTerminator()}? expressionSequence)? eos
    ;

withStatement
    : With OpenParen expressionSequence CloseParen statement   // rejected (FLOW1007)
    ;

switchStatement
    : Switch OpenParen expressionSequence CloseParen OpenBrace switchClause* CloseBrace
    ;

switchClause
    : (Case expressionSequence | Default) Colon statement*
    ;

labelledStatement
    : identifier Colon statement
    ;

tryStatement
    : Try block (catchClause finallyClause? | finallyClause)
    ;

catchClause
    : Catch (OpenParen bindingPattern CloseParen)? block
    ;

finallyClause
    : Finally block
    ;

expressionStatement
    : {expressionStatementAllowed()}? expressionSequence eos
    ;

// ================================================================ expressions

expressionSequence
    : assignmentExpression (Comma assignmentExpression)*
    ;

// Flat: a = b = c is [a, =, b, =, c], folded right-to-left by the builder.
assignmentExpression
    : conditionalExpression (assignmentOperator conditionalExpression)*
    ;

assignmentOperator
    : Assign | MultiplyAssign | DivideAssign | ModulusAssign | PlusAssign | MinusAssign
    | LeftShiftArithmeticAssign | RightShiftArithmeticAssign | RightShiftLogicalAssign
    | BitAndAssign | BitXorAssign | BitOrAssign | PowerAssign | AndAssign | OrAssign
    | NullishAssign
    ;

// Flat: precedence climbing happens in the builder. The operator chain is
// not a rule of its own (it was binaryExpression): one rule context fewer
// for every operand.
conditionalExpression
    : unaryExpression (binaryOperator unaryExpression)*
      (QuestionMark assignmentExpression Colon assignmentExpression)?
    ;

binaryOperator
    : Or | And | Nullish | BitOr | BitXOr | BitAnd
    | Equals | NotEquals | IdentityEquals | IdentityNotEquals
    | LessThan | MoreThan | LessThanEquals | GreaterThanEquals | Instanceof | In
    | LeftShiftArithmetic | RightShiftArithmetic | RightShiftLogical
    | Plus | Minus | Multiply | Divide | Modulus | Power
    ;

// Flat prefix list: `!!!!x` does not recurse. The operand, its member
// suffixes and a postfix ++/-- are inlined here rather than being rules of
// their own (a leftHandSideExpression in a postfixExpression): every operand
// of every expression went through them (two rule contexts fewer per operand:
// ~4 % fewer instructions for a whole compile).
unaryExpression
    : unaryOperator* (newExpression | primaryExpression) memberSuffix*
      ({notLineTerminator()}? (PlusPlus | MinusMinus))?
    ;

unaryOperator
    : Delete | Void | Typeof | PlusPlus | MinusMinus | Plus | Minus | BitNot | Not | Await | Yield
    ;

// Assignment targets of for-of/for-in heads, and `extends` (rejected).
leftHandSideExpression
    : (newExpression | primaryExpression) memberSuffix*
    ;

newExpression
    : New primaryExpression newMember* arguments?
    ;

newMember
    : Dot identifierName
    | OpenBracket expressionSequence CloseBracket
    ;

memberSuffix
    : QuestionDot? OpenBracket expressionSequence CloseBracket   // [i], ?.[i]
    | Dot identifierName                                          // .name
    | QuestionDot identifierName                                  // ?.name
    | QuestionDot? arguments                                      // (args), ?.(args)
    | templateLiteral                                             // tagged template: rejected
    ;

arguments
    : OpenParen (argument (Comma argument)* Comma?)? CloseParen
    ;

argument
    : Ellipsis? assignmentExpression
    ;

// Alternatives that start with a contextual keyword come before `identifier`
// so that SLL prediction picks them without falling back to full LL.
primaryExpression
    : Start identifier (Dot identifierName)* arguments (With objectLiteral)?      // start wf(args)
    | Async? Function Multiply? identifier? OpenParen formalParameterList? CloseParen functionBody
    | Async identifier Arrow arrowBody
    | Async OpenParen (parenItem (Comma parenItem)* Comma?)? CloseParen Arrow arrowBody
    | identifier Arrow arrowBody
    | OpenParen (parenItem (Comma parenItem)* Comma?)? CloseParen (Arrow arrowBody)?  // (e) or (a, b) => body
    | This
    | identifier
    | literal
    | arrayLiteral
    | objectLiteral
    | templateLiteral
    | RegularExpressionLiteral                                   // rejected (FLOW1007)
    | Class identifier? (Extends leftHandSideExpression)? balancedBraces  // rejected
    | Super                                                      // rejected
    ;

parenItem
    : Ellipsis? assignmentExpression
    ;

arrowBody
    : functionBody
    | {notOpenBrace()}? assignmentExpression
    ;

literal
    : NullLiteral
    | True
    | False
    | StringLiteral
    | UnterminatedString
    | NumberLiteral
    ;

templateLiteral
    : BackTick templatePart* TemplateEnd
    ;

templatePart
    : TemplateChars
    | TemplateDollar
    | TemplateSubstStart expressionSequence CloseBrace
    ;

// Commas are kept as children so that the builder can find holes ([1,,2]).
arrayLiteral
    : OpenBracket (arrayElement | Comma)* CloseBracket
    ;

arrayElement
    : Ellipsis? assignmentExpression
    ;

objectLiteral
    : OpenBrace (propertyAssignment (Comma propertyAssignment)* Comma?)? CloseBrace
    ;

propertyAssignment
    : propertyName Colon assignmentExpression
    | Async? Multiply? propertyName OpenParen formalParameterList? CloseParen functionBody  // method
    | identifier propertyName OpenParen formalParameterList? CloseParen functionBody        // get/set: rejected
    | identifier Assign assignmentExpression      // {a = 1}: only valid as a pattern
    | Ellipsis assignmentExpression
    | identifier                                  // shorthand
    ;

propertyName
    : identifierName
    | StringLiteral
    | NumberLiteral
    | OpenBracket assignmentExpression CloseBracket
    ;

// ---------------------------------------------------------------- names

// A name: an Identifier token or a contextual keyword.
identifier
    : Identifier
    | Async | Workflow | Task | On | Test | Start | When | From | As | Of
    ;

// After '.', in property keys and import/export names: any word at all.
identifierName
    : identifier
    | reservedWord
    ;

reservedWord
    : Break | Do | Instanceof | Typeof | Case | Else | New | Var | Catch | Finally | Return
    | Void | Continue | For | Switch | While | Debugger | Function | This | With | Default
    | If | Throw | Delete | In | Try | Class | Enum | Extends | Super | Const | Export
    | Import | Let | Yield | Await | NullLiteral | True | False
    ;

// ---------------------------------------------------------------- ASI

// End of statement: ';', or (automatic insertion) the end of the file, a
// newline before the next token, or a '}' that closes the enclosing block.
eos
    : SemiColon
    | EOF
    | {lineTerminatorAhead()}?
    | {closeBraceAhead()}?
    ;
