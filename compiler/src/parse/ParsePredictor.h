#pragma once
// ParsePredictor.h — internal to compiler/src/parse: the parser's ATN
// simulator with hand predictions for its busiest decisions (see
// ParsePredictor.cpp). Only files of this directory see ANTLR types.
#include "FlowParser.h"
#include "antlr4-runtime.h"

namespace flow::compiler::parse {

// A simulator for `parser` (hand it to FlowParser::setInterpreter, which
// deletes the generated one; ~FlowParser deletes this one).
antlr4::atn::ParserATNSimulator* newPredictor(grammar::FlowParser* parser);

} // namespace flow::compiler::parse
