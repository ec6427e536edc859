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

} // namespace flow::store
