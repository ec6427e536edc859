#pragma once
// TaskPolicy.h — a task declaration's options (the canonical JSON flowc
// writes into TaskDecl::optionsJson) and the retry decision of AWS Step
// Functions' Retrier, which Flow follows:
//   - policies are tried in order; the first whose `on` names the error
//     (or that has no `on`: every error) applies; none -> no retry;
//   - each policy counts its own retries; maxAttempts is the number of
//     retries after the first attempt (0 = never);
//   - the nth retry of a policy waits interval × backoffRate^(n−1), capped by
//     maxDelay; jitter "full" waits a uniformly random time in [0, that].
// "Cancelled" is never retried. "*" and "States.ALL" in `on` match any error.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flow::engine {

struct RetryPolicy {
    std::vector<std::string> on; // empty: every error
    int64_t maxAttempts = 3;
    double intervalMs = 1000;
    double backoffRate = 2;
    std::optional<double> maxDelayMs;
    bool fullJitter = false;
};

struct TaskOptions {
    int64_t timeoutMs = 0;   // per attempt; 0 = none
    int64_t heartbeatMs = 0; // exec: longest silence on stderr; 0 = none
    std::vector<RetryPolicy> retry;
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env, headers;
};

// Parses TaskDecl::optionsJson. Throws std::runtime_error on malformed JSON
// (a module that passed the verifier never has it).
TaskOptions parseTaskOptions(std::string_view json);

struct RetryDecision {
    bool retry = false;
    int64_t delayMs = 0;
    int policy = -1;     // the index of the policy that matched (-1: none)
    int64_t retryNo = 0; // 1 for the first retry under that policy
};

// What a retry policy's `on` is matched against for a failed attempt: its
// error name, except an HttpError, which carries its status:
// "HttpError.503" (matched by "HttpError.503", "HttpError.5xx" and
// "HttpError"). Built from what the attempt row keeps (name and message).
std::string retryKey(const std::string& name, const std::string& message);

// Decides after a failed attempt. `errors` holds the retry key (retryKey) of every
// failed attempt so far, oldest first (the last one is the attempt that just
// failed): per-policy counts are recomputed from it, so nothing but the
// attempt rows needs to be stored. `jitterSeed` makes full jitter
// deterministic per (run, step, attempt).
RetryDecision decideRetry(const std::vector<RetryPolicy>& policies,
                          const std::vector<std::string>& errors, uint64_t jitterSeed);

} // namespace flow::engine
