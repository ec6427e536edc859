// STUB (owner: grammar helper) — replace with the full parser.
parser grammar FlowParser;
options { tokenVocab = FlowLexer; }
program : ID* EOF ;
