// Step Functions' retry decision (runtime/engine TaskPolicy.h) and the
// parsing of the canonical task options flowc writes.
#include <doctest/doctest.h>

#include "flow/engine/TaskPolicy.h"

using namespace flow::engine;

TEST_CASE("EngineTaskPolicy: options parse with Step Functions defaults kept by flowc") {
    TaskOptions o = parseTaskOptions(
        R"({"timeout":30000,"retry":[{"on":["Throttled"],"maxAttempts":2,"interval":500,)"
        R"("backoffRate":3,"maxDelay":1000,"jitter":"full"}],"args":["-v",2],"env":{"A":"1"}})");
    CHECK(o.timeoutMs == 30000);
    REQUIRE(o.retry.size() == 1);
    CHECK(o.retry[0].on == std::vector<std::string>{"Throttled"});
    CHECK(o.retry[0].maxAttempts == 2);
    CHECK(o.retry[0].intervalMs == 500);
    CHECK(o.retry[0].backoffRate == 3);
    CHECK(o.retry[0].maxDelayMs.value() == 1000);
    CHECK(o.retry[0].fullJitter);
    CHECK(o.args == std::vector<std::string>{"-v", "2"});
    REQUIRE(o.env.size() == 1);
    CHECK(o.env[0].first == "A");
    CHECK(parseTaskOptions("{}").retry.empty());
    CHECK_THROWS(parseTaskOptions("[1]"));
}

TEST_CASE("EngineTaskPolicy: the nth retry waits interval * backoffRate^(n-1), capped") {
    RetryPolicy p;
    p.on = {"Throttled"};
    p.maxAttempts = 4;
    p.intervalMs = 1000;
    p.backoffRate = 2;
    p.maxDelayMs = 5000;
    std::vector<RetryPolicy> ps{p};
    std::vector<std::string> errs;
    int64_t expected[] = {1000, 2000, 4000, 5000};
    for (int n = 0; n < 4; ++n) {
        errs.push_back("Throttled");
        RetryDecision d = decideRetry(ps, errs, 7);
        CHECK(d.retry);
        CHECK(d.retryNo == n + 1);
        CHECK(d.delayMs == expected[n]);
    }
    errs.push_back("Throttled"); // the 5th failure: maxAttempts (4 retries) exhausted
    CHECK_FALSE(decideRetry(ps, errs, 7).retry);
}

TEST_CASE("EngineTaskPolicy: the first matching policy applies and counts its own retries") {
    RetryPolicy a, b;
    a.on = {"Timeout"};
    a.maxAttempts = 1;
    a.intervalMs = 10;
    b.maxAttempts = 2; // no `on`: every error
    b.intervalMs = 100;
    b.backoffRate = 1;
    std::vector<RetryPolicy> ps{a, b};
    RetryDecision d = decideRetry(ps, {"Timeout"}, 1);
    CHECK((d.retry && d.policy == 0 && d.delayMs == 10));
    d = decideRetry(ps, {"Timeout", "Boom"}, 1);
    CHECK((d.retry && d.policy == 1 && d.retryNo == 1));
    d = decideRetry(ps, {"Timeout", "Boom", "Timeout"}, 1); // policy 0 used up
    CHECK_FALSE(d.retry);
    CHECK(d.policy == 0);
    CHECK_FALSE(decideRetry(ps, {"Cancelled"}, 1).retry); // never retried
    CHECK_FALSE(decideRetry({}, {"Boom"}, 1).retry);      // no policy: no retry
    RetryPolicy all;
    all.on = {"States.ALL"};
    CHECK(decideRetry({all}, {"Anything"}, 1).retry);
}

TEST_CASE("EngineTaskPolicy: full jitter stays within [0, delay] and is deterministic") {
    RetryPolicy p;
    p.intervalMs = 1000;
    p.fullJitter = true;
    std::vector<RetryPolicy> ps{p};
    bool differs = false;
    for (uint64_t seed = 0; seed < 50; ++seed) {
        RetryDecision d = decideRetry(ps, {"E"}, seed);
        CHECK(d.delayMs >= 0);
        CHECK(d.delayMs <= 1000);
        CHECK(decideRetry(ps, {"E"}, seed).delayMs == d.delayMs);
        if (d.delayMs != decideRetry(ps, {"E"}, 0).delayMs) differs = true;
    }
    CHECK(differs);
}

TEST_CASE("EngineTaskPolicy: an HttpError is matched with its status") {
    CHECK(retryKey("HttpError", "HTTP 503: busy") == "HttpError.503");
    CHECK(retryKey("HttpError", "HTTP 404: {}") == "HttpError.404");
    CHECK(retryKey("HttpError", "no response") == "HttpError");
    CHECK(retryKey("Throttled", "HTTP 429: slow") == "Throttled"); // a named error keeps its name
    auto retries = [](std::vector<std::string> on, const std::string& key) {
        RetryPolicy p;
        p.on = std::move(on);
        p.maxAttempts = 3;
        return decideRetry({p}, {key}, 1).retry;
    };
    CHECK(retries({"HttpError"}, "HttpError.503"));
    CHECK(retries({"HttpError.503"}, "HttpError.503"));
    CHECK(retries({"HttpError.5xx"}, "HttpError.503"));
    CHECK(retries({"HttpError.429", "HttpError.5xx"}, "HttpError.429"));
    CHECK_FALSE(retries({"HttpError.5xx"}, "HttpError.404"));
    CHECK_FALSE(retries({"HttpError.503"}, "HttpError.502"));
    CHECK_FALSE(retries({"HttpError.5xx"}, "HttpError"));
    CHECK_FALSE(retries({"Http"}, "HttpError.503"));
    CHECK_FALSE(retries({"HttpError.50"}, "HttpError.503"));
    CHECK(retries({"Timeout"}, "Timeout"));
}
