// Rows.cpp — the stored spellings of the closed sets in Rows.h. They must
// match the CHECK constraints in Schema.cpp.
#include "flow/store/Rows.h"

#include <array>

namespace flow::store {

namespace {

constexpr std::array<std::string_view, 5> kRunStatus = {"running", "waiting", "completed", "failed",
                                                        "cancelled"};
constexpr std::array<std::string_view, 4> kTimerKind = {"sleep", "retry", "timeout",
                                                        "workflow-timeout"};
constexpr std::array<std::string_view, 4> kAttemptStatus = {"running", "ok", "error", "cancelled"};
constexpr std::array<std::string_view, 2> kConsumerKind = {"trigger", "wait"};

template <typename E, size_t N>
std::optional<E> parse(const std::array<std::string_view, N>& names, std::string_view s) {
    for (size_t i = 0; i < N; ++i)
        if (names[i] == s) return E(i);
    return std::nullopt;
}

} // namespace

std::string_view name(RunStatus s) {
    return kRunStatus.at(size_t(s));
}
std::string_view name(TimerKind k) {
    return kTimerKind.at(size_t(k));
}
std::string_view name(AttemptStatus s) {
    return kAttemptStatus.at(size_t(s));
}
std::string_view name(ConsumerKind k) {
    return kConsumerKind.at(size_t(k));
}

std::optional<RunStatus> parseRunStatus(std::string_view s) {
    return parse<RunStatus>(kRunStatus, s);
}
std::optional<TimerKind> parseTimerKind(std::string_view s) {
    return parse<TimerKind>(kTimerKind, s);
}
std::optional<AttemptStatus> parseAttemptStatus(std::string_view s) {
    return parse<AttemptStatus>(kAttemptStatus, s);
}
std::optional<ConsumerKind> parseConsumerKind(std::string_view s) {
    return parse<ConsumerKind>(kConsumerKind, s);
}

size_t jsonDepth(std::string_view text, size_t stopAt) {
    size_t depth = 0, max = 0;
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i; // the escaped character cannot end the string
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max) max = depth;
            if (max >= stopAt) return max;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return max;
}

std::string jsonDepthError(std::string_view text, std::string_view what, size_t limit) {
    if (jsonDepth(text, limit + 1) <= limit) return "";
    return std::string(what) + " is nested deeper than " + std::to_string(limit) +
           " levels (arrays and objects within each other)";
}

} // namespace flow::store
