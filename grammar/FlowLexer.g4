// STUB (owner: grammar helper) — replace with the full lexer.
lexer grammar FlowLexer;
ID : [a-zA-Z_]+ ;
WS : [ \t\r\n]+ -> skip ;
