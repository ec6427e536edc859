#pragma once
// Json.h — JSON text <-> Values with JSON.parse / JSON.stringify semantics
// (no reviver/replacer here; the JSON builtin object wraps these).
#include <optional>
#include <string>
#include <string_view>

#include "flow/vm/Value.h"

namespace flow::vm {

class Vm;

// Parses JSON text. On failure returns nullopt and sets *error (a short,
// human-readable reason with the position). Object keys keep document order.
// The result is rooted only while the caller keeps it somewhere rooted.
std::optional<Value> parseJson(Vm& vm, std::string_view text, std::string* error);

// JSON.stringify(v, null, gap): nullopt when the result would be undefined
// (v is undefined or a function). Throws TypeError on a cycle (through vm).
// `gap` is the indentation unit ("" for compact output).
std::optional<std::string> stringifyJson(Vm& vm, Value v, std::string_view gap);

// JSON for the host (task arguments, payloads, run results and errors that
// cross the store): JSON.stringify(v) except that a lone surrogate becomes
// U+FFFD. JS writes it as a \udXXX escape, which strict JSON parsers (the
// engine's among them) reject: the run could not record the step at all.
std::optional<std::string> stringifyHostJson(Vm& vm, Value v);

// JSON.stringify's QuoteJSONString, appended to out (WTF-8 input; lone
// surrogates become \udXXX escapes as in JS, or U+FFFD when wellFormed).
void quoteJsonString(std::string& out, std::string_view wtf8, bool wellFormed = false);

} // namespace flow::vm
