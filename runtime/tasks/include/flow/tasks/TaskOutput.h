#pragma once
// TaskOutput.h — helpers shared by the exec and http executors to turn raw
// bytes (a child's stdout, a response body) into a TaskResult. Internal to
// flow_tasks, but public so tests can check the classification rules directly.
#include <string>
#include <string_view>

#include "flow/tasks/Executor.h"

namespace flow::tasks::detail {

// The text with invalid UTF-8 bytes replaced by U+FFFD, so it can always be
// stored as a JSON string (history rows, messages).
std::string sanitizeUtf8(std::string_view s);

// At most `maxBytes` of `s`, cut on a character boundary, sanitized; "..."
// appended when cut.
std::string excerpt(std::string_view s, size_t maxBytes = 200);

// Parses exactly one JSON value (surrounding whitespace allowed). On success
// fills `canonical` with the re-dumped value; on failure fills `error`.
// Whitespace-only text is "null". A value nested deeper than
// store::kMaxJsonDepth is refused (the store could not keep it).
bool parseJsonValue(std::string_view text, std::string& canonical, std::string& error);

// If `canonical` is an object with a string "error" member, fills name and
// message (its "message" member, or "") and returns true.
bool errorObject(const std::string& canonical, std::string& name, std::string& message);

// `s` (sanitized) as a JSON string literal.
std::string jsonString(std::string_view s);

// The last line of `text` that is not blank, trimmed and shortened.
std::string lastNonEmptyLine(std::string_view text);

// "SIGSEGV" for SIGSEGV; "signal 77" when the number has no name.
std::string signalName(int sig);

void setError(TaskResult& r, std::string name, std::string message);

} // namespace flow::tasks::detail
