// Http task executor against a real cpp-httplib server on 127.0.0.1.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "flow/tasks/Executor.h"

using flow::tasks::CancelToken;
using flow::tasks::Executor;
using flow::tasks::runTask;
using flow::tasks::TaskRequest;
using flow::tasks::TaskResult;
using json = nlohmann::json;

namespace {

// A test server on a free port; handlers cover each response class.
struct TestServer {
    httplib::Server svr;
    std::thread thread;
    int port = -1;
    std::atomic<bool> quit{false};

    TestServer() {
        svr.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
            json v = {{"body", json::parse(req.body, nullptr, false)},
                      {"key", req.get_header_value("Idempotency-Key")},
                      {"contentType", req.get_header_value("Content-Type")},
                      {"custom", req.get_header_value("X-Custom")}};
            res.set_content(v.dump(), "application/json");
        });
        svr.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(R"({"a": 1, "list": [true]})", "application/json");
        });
        svr.Get("/text", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("plain words", "text/plain");
        });
        svr.Delete("/empty",
                   [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
        svr.Get("/fail", [](const httplib::Request&, httplib::Response& res) {
            res.status = 503;
            res.set_content("service down for maintenance", "text/plain");
        });
        svr.Get("/throttle", [](const httplib::Request&, httplib::Response& res) {
            res.status = 429;
            res.set_content(R"({"error":"Throttled","message":"slow down"})", "application/json");
        });
        svr.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
            for (int i = 0; i < 100 && !quit; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            res.set_content("{}", "application/json");
        });
        port = svr.bind_to_any_port("127.0.0.1");
        REQUIRE(port > 0);
        thread = std::thread([this] { svr.listen_after_bind(); });
        for (int i = 0; i < 200 && !svr.is_running(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        REQUIRE(svr.is_running());
    }
    ~TestServer() {
        quit = true;
        svr.stop();
        thread.join();
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
};

TaskRequest http(const std::string& method, const std::string& url) {
    TaskRequest r;
    r.id = 9;
    r.kind = TaskRequest::Kind::Http;
    r.method = method;
    r.url = url;
    r.timeoutMs = 3000;
    return r;
}

// A port on 127.0.0.1 nobody listens on: bound then released.
int closedPort() {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

} // namespace

TEST_CASE("TasksHttp: 200 with JSON; the body, headers and Idempotency-Key are sent") {
    TestServer server;
    TaskResult res = runTask(http("GET", server.url("/ok")));
    CHECK(res.ok);
    CHECK(res.httpStatus == 200);
    CHECK(res.resultJson == R"({"a":1,"list":[true]})");

    TaskRequest r = http("post", server.url("/echo?x=1"));
    r.inputJson = R"({"order": 17})";
    r.idempotencyKey = "run-1:step-2:attempt-1";
    r.headers = {{"X-Custom", "yes"}};
    res = runTask(r);
    REQUIRE_MESSAGE(res.ok, (res.errorName + ": " + res.errorMessage));
    json v = json::parse(res.resultJson);
    CHECK(v["body"] == json({{"order", 17}}));
    CHECK(v["key"] == "run-1:step-2:attempt-1");
    CHECK(v["contentType"] == "application/json");
    CHECK(v["custom"] == "yes");
}

TEST_CASE("TasksHttp: non-JSON and empty 2xx bodies") {
    TestServer server;
    TaskResult res = runTask(http("GET", server.url("/text")));
    CHECK(res.ok);
    CHECK(res.resultJson == R"("plain words")");
    res = runTask(http("DELETE", server.url("/empty")));
    CHECK(res.ok);
    CHECK(res.httpStatus == 204);
    CHECK(res.resultJson == "null");
}

TEST_CASE("TasksHttp: status >= 400 is HttpError, or the JSON body's error name") {
    TestServer server;
    TaskResult res = runTask(http("GET", server.url("/fail")));
    CHECK_FALSE(res.ok);
    CHECK(res.errorName == "HttpError");
    CHECK(res.errorMessage == "HTTP 503: service down for maintenance");
    CHECK(res.httpStatus == 503);

    res = runTask(http("GET", server.url("/throttle")));
    CHECK(res.errorName == "Throttled");
    CHECK(res.errorMessage == "slow down");
    CHECK(res.httpStatus == 429);

    res = runTask(http("GET", server.url("/missing")));
    CHECK(res.errorName == "HttpError");
    CHECK(res.httpStatus == 404);
}

TEST_CASE("TasksHttp: connection refused is ConnectionError") {
    TaskResult res =
        runTask(http("GET", "http://127.0.0.1:" + std::to_string(closedPort()) + "/x"));
    CHECK(res.errorName == "ConnectionError");
    CHECK(res.httpStatus == 0);
    // The TLS client path too (the Debian cpp-httplib is built with OpenSSL).
    res = runTask(http("POST", "https://127.0.0.1:" + std::to_string(closedPort()) + "/x"));
    CHECK(res.errorName == "ConnectionError");
}

TEST_CASE("TasksHttp: a slow handler times out") {
    TestServer server;
    TaskRequest r = http("GET", server.url("/slow"));
    r.timeoutMs = 200;
    TaskResult res = runTask(r);
    CHECK(res.errorName == "Timeout");
    CHECK(res.durationMs >= 200);
    CHECK(res.durationMs < 900);
}

TEST_CASE("TasksHttp: bad requests are InvalidRequest") {
    CHECK(runTask(http("GET", "ftp://example.com/x")).errorName == "InvalidRequest");
    CHECK(runTask(http("GET", "not a url")).errorName == "InvalidRequest");
    CHECK(runTask(http("GET", "http://host:99999/")).errorName == "InvalidRequest");
    CHECK(runTask(http("BREW", "http://127.0.0.1/")).errorName == "InvalidRequest");
    TaskRequest r = http("GET", "http://127.0.0.1/");
    r.headers = {{"Bad Header", "x"}};
    CHECK(runTask(r).errorName == "InvalidRequest");
    r.headers = {{"X-Injected", "a\r\nEvil: 1"}};
    CHECK(runTask(r).errorName == "InvalidRequest");
}

TEST_CASE("TasksHttp: cancel aborts a request in flight") {
    TestServer server;
    TaskRequest r = http("GET", server.url("/slow"));
    CancelToken token;
    TaskResult res;
    auto t0 = std::chrono::steady_clock::now();
    std::thread t([&] { res = runTask(r, &token); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    token.cancel();
    t.join();
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK(res.errorName == "Cancelled");
    CHECK(ms < 800);

    // Through the pool: the result is delivered at once.
    Executor ex(2);
    ex.submit(http("GET", server.url("/slow")));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(ex.cancel(9));
    auto got = ex.wait(500);
    REQUIRE(got.has_value());
    CHECK(got->errorName == "Cancelled");
    CHECK_FALSE(ex.wait(300).has_value()); // the aborted attempt's own result is dropped
}
