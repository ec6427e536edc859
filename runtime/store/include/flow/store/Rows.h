#pragma once
// Rows.h — the plain structs the Store reads and writes, one per table row
// (docs/store.md describes each table). JSON columns are std::string holding
// JSON text (the schema CHECKs json_valid); SQL NULL is std::nullopt; times
// are int64 milliseconds since the Unix epoch, always supplied by the caller
// (the store never reads a clock, so tests can drive it with a mock clock).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow::store {

// ---- closed sets stored as TEXT (the schema CHECKs the same spellings)

enum class RunStatus : uint8_t { Running, Waiting, Completed, Failed, Cancelled };
enum class TimerKind : uint8_t { Sleep, Retry, Timeout, WorkflowTimeout };
enum class AttemptStatus : uint8_t { Running, Ok, Error, Cancelled };
enum class ConsumerKind : uint8_t { Trigger, Wait };

// The stored spelling: "running", "workflow-timeout", "ok", "trigger", ...
std::string_view name(RunStatus s);
std::string_view name(TimerKind k);
std::string_view name(AttemptStatus s);
std::string_view name(ConsumerKind k);
// The inverse; nullopt for an unknown spelling (the CLI uses these to parse
// user input such as `flowrun list --status waiting`).
std::optional<RunStatus> parseRunStatus(std::string_view s);
std::optional<TimerKind> parseTimerKind(std::string_view s);

// ---- JSON from outside (inputs, payloads, task results)

// How deeply a JSON value from outside may nest. Every JSON column CHECKs
// json_valid, and SQLite refuses values nested deeper than its JSON_MAX_DEPTH
// (2000 before SQLite 3.45, 1000 since), so a deeper value would only fail at
// the commit, as a store error, after the work was done: a task's result
// would make its run fail the same commit on every resume. Stored values wrap
// these (a run's input in its argument array, a result in a history row), so
// the limit leaves room below SQLite's. It also bounds the recursion of the
// JSON library's serializer, which a value nested millions deep overflows.
constexpr size_t kMaxJsonDepth = 512;
// How deeply a value the workflow built (its result, which may wrap values
// from outside) may nest: under SQLite's smallest limit, less its wrappers.
constexpr size_t kMaxStoredJsonDepth = 960;

// The nesting depth of JSON text ("1": 0, "[1]": 1, "[{}]": 2), counting the
// brackets and braces outside strings; it stops counting past `stopAt` (the
// text may be megabytes). Malformed text gets a depth too: check it first,
// or let the parser reject it afterwards.
size_t jsonDepth(std::string_view text, size_t stopAt = kMaxJsonDepth + 1);

// "... is nested deeper than 512 levels", with `what` ("the input") first;
// empty when the text is within `limit`.
std::string jsonDepthError(std::string_view text, std::string_view what,
                           size_t limit = kMaxJsonDepth);
std::optional<AttemptStatus> parseAttemptStatus(std::string_view s);
std::optional<ConsumerKind> parseConsumerKind(std::string_view s);

// ---- rows

struct Deployment {
    std::string workflow;
    std::string moduleHash;
    int64_t deployedAt = 0;
    std::optional<std::string> baseDir; // NULL in rows older than schema v6
};

struct RunRow {
    std::string id;
    std::string workflow;
    std::string moduleHash; // must name a stored module (foreign key)
    RunStatus status = RunStatus::Running;
    std::string input = "null";        // JSON
    std::optional<std::string> result; // JSON, once completed
    std::optional<std::string> error;  // JSON, once failed/cancelled
    std::optional<std::string> parentRun;
    std::optional<int64_t> triggerEvent; // the event that started it (events.id)
    int64_t createdAt = 0;
    int64_t updatedAt = 0;
    std::optional<std::string> waiting; // JSON written by the engine: what it waits for
    std::optional<std::string> leaseOwner;
    std::optional<int64_t> leaseExpires;
    bool cancelRequested = false;
    int64_t seq = 0; // the history seq of the last durable boundary
    // The absolute directory the module's relative source paths (and so its
    // relative exec task paths) start from: the directory flowrun ran in when
    // the run started. Unset in runs of older databases: the process's own.
    std::optional<std::string> baseDir;
};

// (The {} initializers let callers use designated initializers,
// RunFilter{.status = ...}, without -Wmissing-field-initializers.)
struct RunFilter {
    std::optional<RunStatus> status{};
    std::optional<std::string> workflow{};
    std::optional<std::string> parentRun{};
    int64_t limit = 100; // <= 0: no limit
};

struct Snapshot {
    int64_t seq = 0;
    std::vector<uint8_t> bytes;
    int64_t takenAt = 0;
};

struct HistoryRow {
    std::string runId;
    int64_t seq = 0; // 0 on append: the store assigns max(seq)+1 for the run
    int64_t at = 0;
    std::string kind; // engine-defined ("run.started", "task.completed", ...)
    int64_t step = 0; // op id, or 0 when not tied to a step
    std::string name;
    std::optional<std::string> detail; // JSON
    int64_t line = 0;                  // source line, 0 if unknown
};

struct TimerRow {
    std::string runId;
    int64_t step = 0;
    int64_t dueAt = 0;
    TimerKind kind = TimerKind::Sleep;
};

struct AttemptRow {
    std::string runId;
    int64_t step = 0;
    int64_t attempt = 1; // numbered from 1
    std::string task;
    AttemptStatus status = AttemptStatus::Running;
    int64_t startedAt = 0;
    std::optional<int64_t> finishedAt;
    std::optional<std::string> result; // JSON
    std::optional<std::string> errorName;
    std::optional<std::string> errorMessage;
    std::optional<std::string> stderrText; // capped by the caller
};

struct SignalRow {
    int64_t id = 0;
    std::string runId;
    std::string name;
    std::string payload = "null"; // JSON
    int64_t sentAt = 0;
    std::optional<int64_t> consumedStep; // nullopt while pending
};

struct EventRow {
    int64_t id = 0;
    std::string type;
    std::string payload = "null"; // JSON
    int64_t at = 0;
    std::optional<std::string> sourceRun; // set for emit() from a run
    std::optional<int64_t> sourceStep;
};

struct EventFilter {
    std::optional<std::string> type{};
    int64_t sinceId = 0; // exclusive: events with id > sinceId
    int64_t limit = 100; // <= 0: no limit
};

struct ConsumerRow {
    int64_t eventId = 0;
    std::string consumer; // a trigger name, or "<run>/<step>" for a wait: the caller's key
    ConsumerKind kind = ConsumerKind::Trigger;
    std::optional<std::string> runId; // the run started or woken
    int64_t at = 0;
    std::optional<std::string> error; // why a trigger failed to start a run
};

} // namespace flow::store
