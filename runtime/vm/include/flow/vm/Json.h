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

// JSON.stringify's QuoteJSONString, appended to out (WTF-8 input; lone
// surrogates become \udXXX escapes as in JS).
void quoteJsonString(std::string& out, std::string_view wtf8);

} // namespace flow::vm
