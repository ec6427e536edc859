#pragma once
// HttpApi.h — `flowrun serve`'s JSON HTTP API (docs/events.md). It owns its own Engine (its own
// SQLite connection, behind a mutex: an Engine is single-threaded and the HTTP server runs handlers
// on a thread pool) and never shares it with a worker thread: the workers find what the API wrote
// (runs, signals, cancel requests, events) in the database, as separate processes would.
//
// Routing is done here, not by the HTTP library: that is how an unknown path
// gets a JSON 404 and a known path with the wrong method a 405 with `Allow`.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace flowrun {

struct ApiOptions {
    std::string dbPath;
    std::string token;                     // non-empty: every request needs "Bearer TOKEN"
    size_t maxBodyBytes = size_t(1) << 20; // larger bodies get 413
    std::string owner;                     // lease owner name of the API's Engine
    size_t threads = 64;                   // HTTP handler threads (concurrent connections)
    // Called after a run was started, and after a cancel request was
    // stored: serve wakes its idle workers, whose work() claims such runs
    // (Store::claimableRuns). Runs on the request's thread.
    std::function<void(const std::string&runId)> onStarted, onCancel;
    // Called after an event or a signal was stored: serve wakes its idle
    // workers (their poll interval would otherwise delay the reaction).
    std::function<void()> onChange;
};

// POST /events with an array body: at most this many events.
constexpr size_t kMaxEventsPerPost = 1000;

// One request as the router sees it (decoded path, query parameters).
struct ApiRequest {
    std::string method; // "GET", "POST", ...
    std::string path;   // "/runs/r-1/history"
    std::multimap<std::string, std::string> query;
    std::string authorization; // the Authorization header, "" if absent
    std::string body;
};
struct ApiResponse {
    int status = 200;
    std::string body; // JSON text
    std::map<std::string, std::string> headers;
};

class HttpApi {
public:
    // Opens the API's Engine on the database (EngineError/StoreError on failure).
    explicit HttpApi(ApiOptions opts);
    ~HttpApi();
    HttpApi(const HttpApi&) = delete;
    HttpApi& operator=(const HttpApi&) = delete;

    // The router: any request to JSON. Thread-safe; never throws.
    ApiResponse handle(const ApiRequest& req);

    // Binds host:port (port 0: a free one). Returns the port, or -1 with *error.
    int bind(const std::string& host, int port, std::string* error);
    // Serves until stop(); call from the thread that will serve.
    void listen();
    // Stops accepting, ends idle keep-alive connections, and returns listen()
    // once in-flight requests end.
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace flowrun
