// TaskPolicy.cpp — task options and Step Functions' retry decision
// (TaskPolicy.h states the rules).
#include "flow/engine/TaskPolicy.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace flow::engine {

namespace {

// "HttpError.503": the key of an HttpError with its status. Matched by
// "HttpError.503", by the class "HttpError.5xx", and by plain "HttpError".
bool nameMatches(const std::string& pattern, const std::string& key) {
    if (pattern == key || pattern == "*" || pattern == "States.ALL") return true;
    size_t dot = key.rfind('.');
    if (dot == std::string::npos || key.size() - dot != 4) return false;
    if (!std::all_of(key.begin() + long(dot) + 1, key.end(),
                     [](unsigned char c) { return std::isdigit(c); }))
        return false;
    if (pattern.compare(0, std::string::npos, key, 0, dot) == 0) return true;
    return pattern.size() == key.size() && pattern.compare(0, dot + 2, key, 0, dot + 2) == 0 &&
           pattern.compare(dot + 2, 2, "xx") == 0;
}

bool matches(const RetryPolicy& p, const std::string& error) {
    if (error == "Cancelled") return false;
    if (p.on.empty()) return true;
    for (const auto& n : p.on)
        if (nameMatches(n, error)) return true;
    return false;
}

int firstMatch(const std::vector<RetryPolicy>& policies, const std::string& error) {
    for (size_t i = 0; i < policies.size(); ++i)
        if (matches(policies[i], error)) return int(i);
    return -1;
}

std::vector<std::pair<std::string, std::string>> stringMap(const nlohmann::json& j) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!j.is_object()) return out;
    for (auto it = j.begin(); it != j.end(); ++it)
        out.emplace_back(it.key(), it.value().is_string() ? it.value().get<std::string>()
                                                          : it.value().dump());
    return out;
}
} // namespace

TaskOptions parseTaskOptions(std::string_view text) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(text.empty() ? "{}" : text);
    if (!j.is_object()) throw std::runtime_error("task options are not a JSON object");
    TaskOptions o;
    if (j.contains("timeout")) o.timeoutMs = int64_t(j["timeout"].get<double>());
    if (j.contains("heartbeat")) o.heartbeatMs = int64_t(j["heartbeat"].get<double>());
    if (j.contains("retry")) {
        for (auto& r : j["retry"]) {
            RetryPolicy p;
            if (r.contains("on"))
                for (auto& n : r["on"])
                    p.on.push_back(n.get<std::string>());
            if (r.contains("maxAttempts")) p.maxAttempts = int64_t(r["maxAttempts"].get<double>());
            if (r.contains("interval")) p.intervalMs = r["interval"].get<double>();
            if (r.contains("backoffRate")) p.backoffRate = r["backoffRate"].get<double>();
            if (r.contains("maxDelay")) p.maxDelayMs = r["maxDelay"].get<double>();
            if (r.contains("jitter")) p.fullJitter = r["jitter"] == "full";
            o.retry.push_back(std::move(p));
        }
    }
    if (j.contains("args"))
        for (auto& a : j["args"])
            o.args.push_back(a.is_string() ? a.get<std::string>() : a.dump());
    if (j.contains("env")) o.env = stringMap(j["env"]);
    if (j.contains("headers")) o.headers = stringMap(j["headers"]);
    return o;
}

std::string retryKey(const std::string& name, const std::string& message) {
    // HttpTask.cpp words every status error "HTTP <status>: <body>".
    if (name != "HttpError" || message.size() < 8 || message.compare(0, 5, "HTTP ") != 0 ||
        !std::isdigit((unsigned char)message[5]) || !std::isdigit((unsigned char)message[6]) ||
        !std::isdigit((unsigned char)message[7]))
        return name;
    return name + "." + message.substr(5, 3);
}

RetryDecision decideRetry(const std::vector<RetryPolicy>& policies,
                          const std::vector<std::string>& errors, uint64_t jitterSeed) {
    RetryDecision d;
    if (errors.empty()) return d;
    // Retries already taken under each policy: every earlier failure that
    // was retried counted against the policy that matched it.
    std::vector<int64_t> used(policies.size(), 0);
    for (size_t i = 0; i + 1 < errors.size(); ++i) {
        int p = firstMatch(policies, errors[i]);
        if (p >= 0) ++used[size_t(p)];
    }
    int p = firstMatch(policies, errors.back());
    d.policy = p;
    if (p < 0) return d;
    const RetryPolicy& pol = policies[size_t(p)];
    if (used[size_t(p)] >= pol.maxAttempts) return d;
    d.retry = true;
    d.retryNo = used[size_t(p)] + 1;
    double delay = pol.intervalMs * std::pow(pol.backoffRate, double(d.retryNo - 1));
    if (pol.maxDelayMs) delay = std::min(delay, *pol.maxDelayMs);
    if (!std::isfinite(delay) || delay > 1e15) delay = 1e15;
    if (pol.fullJitter) {
        // splitmix64 of the seed -> a uniform fraction in [0, 1).
        uint64_t z = jitterSeed + 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        delay *= double(z >> 11) * 0x1.0p-53;
    }
    d.delayMs = int64_t(std::llround(delay));
    return d;
}

} // namespace flow::engine
