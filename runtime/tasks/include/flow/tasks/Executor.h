#pragma once
// Executor.h — runs `exec` and `http` task attempts off the VM thread.
//
// The executors know nothing of the VM or the store: the engine hands them a
// TaskRequest (one attempt) and later collects a TaskResult carrying either the
// canonical JSON result or an error NAME the user can list in a retry `on:`.
// The error names and their exact meaning are documented in docs/tasks.md.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flow::tasks {

// stdout beyond this is an "OutputTooLarge" error (the process group is killed).
inline constexpr size_t kTaskStdoutCap = 16u << 20;
// Only the last kTaskStderrCap bytes of stderr are kept (for the history).
inline constexpr size_t kTaskStderrCap = 64u << 10;

struct TaskRequest {
    uint64_t id = 0; // chosen by the caller; unique among in-flight requests
    enum class Kind { Exec, Http } kind = Kind::Exec;
    std::string path;                                         // Exec: executable
    std::string baseDir;                                      // resolves a relative `path`
    std::vector<std::string> args;                            // Exec: argv[1..], never a shell
    std::vector<std::pair<std::string, std::string>> env;     // Exec: extra environment
    std::string method, url;                                  // Http
    std::vector<std::pair<std::string, std::string>> headers; // Http
    std::string inputJson;      // Exec: stdin; Http: body (POST/PUT/PATCH)
    std::string idempotencyKey; // Exec: FLOW_IDEMPOTENCY_KEY; Http: Idempotency-Key
    int64_t timeoutMs = 0;      // 0 = none; per attempt
    // Exec: the longest the process may go without writing to stderr (its
    // heartbeat: any output, typically a progress line); 0 = not checked.
    int64_t heartbeatMs = 0;
};

struct TaskResult {
    uint64_t id = 0;
    bool ok = false;
    std::string resultJson;              // ok: canonical JSON (re-dumped)
    std::string errorName, errorMessage; // !ok
    int exitCode = -1;                   // exec: exit status, -1 when none
    int signal = 0;                      // exec: terminating signal, 0 when none
    int httpStatus = 0;                  // http: response status, 0 when none
    std::string stderrTail;              // exec: last kTaskStderrCap bytes of stderr
    int64_t durationMs = 0;
};

// A one-shot cancellation flag another thread can raise. Exec attempts poll its
// file descriptor next to the child's pipes so a cancel wakes them at once;
// http attempts register a hook that aborts the socket.
class CancelToken {
public:
    CancelToken();
    ~CancelToken();
    CancelToken(const CancelToken&) = delete;
    CancelToken& operator=(const CancelToken&) = delete;

    void cancel(); // idempotent, thread-safe
    bool cancelled() const;
    int fd() const { return pipe_[0]; } // readable once cancelled; -1 if no pipe
    // Runs `hook` on cancel (at once if already cancelled). Pass {} to clear it
    // before the objects the hook touches go away.
    void setHook(std::function<void()> hook);

private:
    mutable std::mutex mu_;
    bool cancelled_ = false;
    std::function<void()> hook_;
    int pipe_[2] = {-1, -1};
};

// Runs one attempt synchronously on the calling thread. Never throws: every
// failure is a TaskResult with an error name. `cancel` may be null.
TaskResult runTask(const TaskRequest& r, CancelToken* cancel = nullptr);
TaskResult runExecTask(const TaskRequest& r, CancelToken* cancel);
TaskResult runHttpTask(const TaskRequest& r, CancelToken* cancel);

// A bounded pool: at most maxConcurrent attempts run at once, the rest queue.
class Executor {
public:
    explicit Executor(size_t maxConcurrent = 8);
    ~Executor(); // cancels what still runs (killing process groups), joins threads
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    void submit(TaskRequest r); // never blocks on the task itself
    // Cancels a queued or running attempt; its result then arrives with
    // errorName "Cancelled". False if the id is unknown or already finished.
    bool cancel(uint64_t id);
    // The next finished result, waiting up to timeoutMs (negative: forever).
    std::optional<TaskResult> wait(int64_t timeoutMs);
    size_t inFlight() const; // submitted and not yet taken by wait() (queued, running, done)

    // Optional: called (on a worker thread, without locks held) after each
    // result is queued, so an engine with its own event loop can wake up.
    void setOnResult(std::function<void()> fn);

private:
    struct Running {
        std::shared_ptr<CancelToken> token;
        TaskRequest::Kind kind;
        bool delivered = false; // http cancel already delivered "Cancelled"
    };
    void workerLoop();
    void deliver(TaskResult r);

    mutable std::mutex mu_;
    std::condition_variable workCv_, resultCv_;
    std::deque<TaskRequest> queue_;
    std::deque<TaskResult> results_;
    std::unordered_map<uint64_t, Running> running_;
    std::function<void()> onResult_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

} // namespace flow::tasks
