// FlowLexer.g4 — the tokens of the Flow language (a JavaScript subset plus the
// workflow additions). CANONICAL SOURCE: the C++ lexer generated from it lives
// only in the build tree (grammar/CMakeLists.txt) and is never edited or committed.
// See grammar/README.md for the conventions and docs/language.md for the language.
//
// Design notes:
// - Newlines matter for automatic semicolon insertion, so they are kept on the
//   HIDDEN channel (as are block comments, which may contain newlines); the
//   parser's predicates look at them. Plain whitespace and line comments are skipped.
// - Numbers are lexed loosely (NumberLiteral accepts any letters/digits/_ glued
//   to a number) and validated in AstBuilder.cpp: `5min` then gets a precise
//   "invalid duration" message instead of a confusing token error, and the same
//   token covers durations (250ms, 1.5h), hex/octal/binary and separators.
// - Template literals use a mode stack: '`' pushes TEMPLATE, '${' pushes the
//   default mode, and the '}' that closes a substitution pops back. Braces inside
//   a substitution are counted (braceDepths) so that `${ {a: 1}.a }` works.
// - Unterminated strings/comments have their own tokens so that AstBuilder can
//   report FLOW1004/FLOW1011 once instead of a cascade of token errors.
lexer grammar FlowLexer;

channels { COMMENTS_AND_NEWLINES }

@lexer::members {
  // One counter per open template substitution: the number of '{' opened
  // inside it and not yet closed. Empty outside templates, so plain code never
  // grows this stack however deep its braces go.
  std::vector<int> braceDepths;
  // Type of the last token on the default channel, for the regex heuristic.
  size_t lastSignificantType = 0;

  // Lexer::nextToken, with the simulator reached by a static_cast: the base
  // class finds it with a dynamic_cast (getInterpreter) three times per token,
  // and the CommonToken constructor calls getLine/getCharPositionInLine again.
  // The behaviour is the same as ANTLR 4.9's.
  std::unique_ptr<antlr4::Token> nextToken() override {
    ssize_t tokenStartMarker = _input->mark();
    auto* sim = simulator();
    for (;;) {
      if (hitEOF) {
        emitEOF();
        break;
      }
      token.reset();
      channel = antlr4::Token::DEFAULT_CHANNEL;
      tokenStartCharIndex = _input->index();
      tokenStartCharPositionInLine = sim->getCharPositionInLine();
      tokenStartLine = sim->getLine();
      _text.clear();
      do {
        type = antlr4::Token::INVALID_TYPE;
        size_t ttype;
        try {
          ttype = sim->match(_input, mode);
        } catch (antlr4::LexerNoViableAltException& e) {
          notifyListeners(e);
          recover(e);
          ttype = SKIP;
        }
        if (_input->LA(1) == antlr4::Token::EOF) hitEOF = true;
        if (type == antlr4::Token::INVALID_TYPE) type = ttype;
      } while (type == MORE);
      if (type == SKIP) continue;
      if (token == nullptr) emit();
      break;
    }
    _input->release(tokenStartMarker);
    auto t = std::move(token);
    if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) lastSignificantType = t->getType();
    return t;
  }
  size_t getLine() const override { return simulator()->getLine(); }
  size_t getCharPositionInLine() override { return simulator()->getCharPositionInLine(); }

  // For the simulator with a per-thread DFA edge cache (compiler/src/parse/Lexing.cpp).
  static std::vector<antlr4::dfa::DFA>& decisionDFA() { return _decisionToDFA; }
  static antlr4::atn::PredictionContextCache& contextCache() { return _sharedContextCache; }
  void setSimulator(antlr4::atn::LexerATNSimulator* sim) {
    delete _interpreter;
    _interpreter = sim;
  }
  antlr4::atn::LexerATNSimulator* simulator() const {
    return static_cast<antlr4::atn::LexerATNSimulator*>(_interpreter);
  }

  // A '/' starts a regular expression literal (which Flow rejects with a clear
  // message) only where an expression may start, as in JavaScript.
  bool regexAllowed() const {
    switch (lastSignificantType) {
    case 0: // start of file
    case OpenParen: case OpenBracket: case OpenBrace: case Comma: case Assign:
    case Colon: case SemiColon: case QuestionMark: case Not: case Arrow:
    case Return: case Typeof: case Case: case Throw: case And: case Or:
    case Nullish: case Equals: case NotEquals: case IdentityEquals:
    case IdentityNotEquals: case TemplateSubstStart:
      return true;
    default:
      return false;
    }
  }

  void openBrace() {
    if (!braceDepths.empty()) ++braceDepths.back();
  }
  // '}' closes a template substitution when no brace opened inside it is still
  // open; popMode is guarded so that a stray '}' in plain code never pops an
  // empty mode stack (ANTLR would throw).
  void closeBrace() {
    if (braceDepths.empty()) return;
    if (braceDepths.back() > 0) {
      --braceDepths.back();
      return;
    }
    braceDepths.pop_back();
    if (!modeStack.empty()) popMode();
  }
  void openSubstitution() {
    braceDepths.push_back(0);
    pushMode(DEFAULT_MODE);
  }
}

// ---------------------------------------------------------------- trivia
MultiLineComment    : '/*' .*? '*/' -> channel(COMMENTS_AND_NEWLINES);
UnterminatedComment : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* EOF -> channel(COMMENTS_AND_NEWLINES);
SingleLineComment   : '//' ~[\r\n\u2028\u2029]* -> skip;
// A newline and the blank space after it: one token per run of lines.
LineTerminator      : [\r\n\u2028\u2029] [\r\n\u2028\u2029 \t\u000B\u000C\u00A0\uFEFF]*
                      -> channel(COMMENTS_AND_NEWLINES);
WhiteSpaces         : [ \t\u000B\u000C\u00A0\uFEFF]+ -> skip;

// ---------------------------------------------------------------- regex (rejected)
// The predicate sits at the right edge: at the left edge it would stop ANTLR
// from caching the lexer's DFA start state (every token would pay for it).
RegularExpressionLiteral
    : '/' RegexFirstChar RegexChar* '/' [a-zA-Z]* {regexAllowed()}?
    ;

// ---------------------------------------------------------------- punctuation
OpenBracket  : '[';
CloseBracket : ']';
OpenParen    : '(';
CloseParen   : ')';
OpenBrace    : '{' {openBrace();};
CloseBrace   : '}' {closeBrace();};
SemiColon    : ';';
Comma        : ',';
Assign       : '=';
QuestionMark : '?';
// `a?.5:1` is a conditional, not an optional chain (as in JavaScript).
QuestionDot  : '?.' {_input->LA(1) < '0' || _input->LA(1) > '9'}?;
Colon        : ':';
Ellipsis     : '...';
Dot          : '.';
PlusPlus     : '++';
MinusMinus   : '--';
Plus         : '+';
Minus        : '-';
BitNot       : '~';
Not          : '!';
Multiply     : '*';
Divide       : '/';
Modulus      : '%';
Power        : '**';
Nullish      : '??';
Hashtag      : '#';
RightShiftArithmetic : '>>';
LeftShiftArithmetic  : '<<';
RightShiftLogical    : '>>>';
LessThan             : '<';
MoreThan             : '>';
LessThanEquals       : '<=';
GreaterThanEquals    : '>=';
Equals               : '==';
NotEquals            : '!=';
IdentityEquals       : '===';
IdentityNotEquals    : '!==';
BitAnd               : '&';
BitXOr               : '^';
BitOr                : '|';
And                  : '&&';
Or                   : '||';
MultiplyAssign       : '*=';
DivideAssign         : '/=';
ModulusAssign        : '%=';
PlusAssign           : '+=';
MinusAssign          : '-=';
LeftShiftArithmeticAssign  : '<<=';
RightShiftArithmeticAssign : '>>=';
RightShiftLogicalAssign    : '>>>=';
BitAndAssign         : '&=';
BitXorAssign         : '^=';
BitOrAssign          : '|=';
PowerAssign          : '**=';
AndAssign            : '&&=';
OrAssign             : '||=';
NullishAssign        : '??=';
Arrow                : '=>';

// ---------------------------------------------------------------- literals
NullLiteral    : 'null';
True           : 'true';
False          : 'false';

// Validated and decoded in AstBuilder.cpp (see the note at the top).
NumberLiteral
    : [0-9] NumberPart* ('.' NumberPart*)? Exponent?
    | '.' [0-9] NumberPart* Exponent?
    ;

StringLiteral
    : '"' DoubleStringChar* '"'
    | '\'' SingleStringChar* '\''
    ;
// A string cut by a newline or the end of the file (FLOW1004).
UnterminatedString
    : '"' DoubleStringChar*
    | '\'' SingleStringChar*
    ;

BackTick : '`' -> pushMode(TEMPLATE);

// ---------------------------------------------------------------- keywords
// Reserved words (JavaScript's, in strict mode). Some exist only so that Flow
// can reject them with a clear message (var, class, with, yield, ...).
Break      : 'break';
Do         : 'do';
Instanceof : 'instanceof';
Typeof     : 'typeof';
Case       : 'case';
Else       : 'else';
New        : 'new';
Var        : 'var';
Catch      : 'catch';
Finally    : 'finally';
Return     : 'return';
Void       : 'void';
Continue   : 'continue';
For        : 'for';
Switch     : 'switch';
While      : 'while';
Debugger   : 'debugger';
Function   : 'function';
This       : 'this';
With       : 'with';
Default    : 'default';
If         : 'if';
Throw      : 'throw';
Delete     : 'delete';
In         : 'in';
Try        : 'try';
Class      : 'class';
Enum       : 'enum';
Extends    : 'extends';
Super      : 'super';
Const      : 'const';
Export     : 'export';
Import     : 'import';
Let        : 'let';
Yield      : 'yield';
Await      : 'await';

// Contextual keywords: also identifiers wherever that is unambiguous (see the
// parser's `identifier` rule).
Async    : 'async';
Workflow : 'workflow';
Task     : 'task';
On       : 'on';
Test     : 'test';
Start    : 'start';
When     : 'when';
From     : 'from';
As       : 'as';
Of       : 'of';

Identifier : IdentifierStart IdentifierPart*;

// Anything else: reported as "unexpected character" by AstBuilder.cpp.
UnexpectedCharacter : .;

// ---------------------------------------------------------------- template literals
mode TEMPLATE;
TemplateEnd        : '`' -> popMode;
TemplateSubstStart : '${' {openSubstitution();};
TemplateChars      : ( ~[`\\$] | '\\' . | '$' ~[{`\\$] )+;
TemplateDollar     : '$';

// ---------------------------------------------------------------- fragments
fragment NumberPart : [0-9a-zA-Z_];
fragment Exponent   : [eE] [+-] [0-9_]+ NumberPart*;

fragment DoubleStringChar
    : ~["\\\r\n]
    | '\\' '\r\n'
    | '\\' .
    ;
fragment SingleStringChar
    : ~['\\\r\n]
    | '\\' '\r\n'
    | '\\' .
    ;

fragment RegexFirstChar : ~[*\r\n\u2028\u2029\\/[] | RegexBackslash | '[' RegexClassChar* ']';
fragment RegexChar      : ~[\r\n\u2028\u2029\\/[] | RegexBackslash | '[' RegexClassChar* ']';
fragment RegexClassChar : ~[\r\n\u2028\u2029\]\\] | RegexBackslash;
fragment RegexBackslash : '\\' ~[\r\n\u2028\u2029];

fragment IdentifierStart : [\p{L}\p{Nl}$_];
fragment IdentifierPart  : IdentifierStart | [\p{Mn}\p{Mc}\p{Nd}\p{Pc}\u200C\u200D];
