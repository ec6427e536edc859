// HttpApi.cpp — see HttpApi.h. The routes, their JSON, and the cpp-httplib
// glue. JSON shapes of runs, history and events come from Views.h, so the
// API answers exactly what `flowrun status/list/history/events --json` print.
#include "HttpApi.h"

#include <charconv>
#include <mutex>
#include <optional>
#include <vector>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "GroupCommit.h"
#include "ServerSockets.h"
#include "Views.h"
#include "flow/engine/Engine.h"
#include "flow/store/Store.h"

namespace flowrun {

namespace {

using Json = nlohmann::ordered_json;
using flow::engine::EngineError;
using flow::store::StoreError;
using flow::store::StoreErrorKind;

ApiResponse json(int status, const Json& j) {
    ApiResponse r;
    r.status = status;
    // A message may quote the request (an id from the path, the parser's
    // "last read: ..."), which may hold bytes that are not UTF-8: replace
    // them (U+FFFD) rather than let dump() throw and turn a 400 into a 500.
    r.body = j.dump(-1, ' ', false, Json::error_handler_t::replace);
    return r;
}

ApiResponse error(int status, const std::string& message) {
    return json(status, Json{{"error", message}});
}

// Compares without an early exit, so the time taken does not tell an
// attacker how many leading characters of a guessed token were right.
bool constantTimeEquals(const std::string& a, const std::string& b) {
    size_t n = std::max(a.size(), b.size());
    unsigned diff = a.size() == b.size() ? 0u : 1u;
    for (size_t i = 0; i < n; ++i) {
        unsigned char x = i < a.size() ? (unsigned char)a[i] : 0;
        unsigned char y = i < b.size() ? (unsigned char)b[i] : 0;
        diff |= unsigned(x ^ y);
    }
    return diff == 0;
}

std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        if (j > i) out.push_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::optional<std::string> queryValue(const ApiRequest& r, const std::string& k) {
    auto it = r.query.find(k);
    if (it == r.query.end()) return std::nullopt;
    return it->second;
}

// A non-negative integer query parameter; nullopt (with *bad set) if malformed.
bool queryInt(const ApiRequest& r, const std::string& k, int64_t* out, std::string* bad) {
    auto v = queryValue(r, k);
    if (!v) return true;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || p != v->data() + v->size() || n < 0) {
        *bad = "query parameter '" + k + "' must be a non-negative integer, got '" + *v + "'";
        return false;
    }
    *out = n;
    return true;
}

// Parses a request body; an empty body is `null` when allowEmpty.
bool parseBody(const std::string& body, bool allowEmpty, Json* out, ApiResponse* fail) {
    if (body.empty() && allowEmpty) {
        *out = nullptr;
        return true;
    }
    // The values a body carries (an input, a payload, events) may nest
    // kMaxJsonDepth deep inside the body's own object and array: deeper, it
    // is refused before the parser builds it (the serializer recurses once
    // per level: a 1 MiB body of brackets would overflow a server thread).
    if (flow::store::jsonDepth(body, flow::store::kMaxJsonDepth + 3) >
        flow::store::kMaxJsonDepth + 2) {
        *fail = error(400, flow::store::jsonDepthError(body, "the request body"));
        return false;
    }
    try {
        *out = Json::parse(body);
        return true;
    } catch (const Json::exception& e) {
        // A parse error, or a number out of range ("1e400": out_of_range).
        *fail = error(400, std::string("malformed JSON in the request body: ") + e.what());
        return false;
    }
}

// A value taken out of a body, as JSON text; *fail set when it nests too deep
// for the store (`what` names it in the message).
bool valueText(const Json& v, const std::string& what, std::string* out, ApiResponse* fail) {
    *out = v.dump();
    if (std::string e = flow::store::jsonDepthError(*out, what); !e.empty()) {
        *fail = error(400, e);
        return false;
    }
    return true;
}

} // namespace

struct HttpApi::Impl {
    ApiOptions opts;
    std::mutex engineMutex; // guards engine (and its store connection)
    std::unique_ptr<flow::engine::Engine> engine;
    std::mutex readMutex; // guards reader: GETs do not wait behind a write
    std::unique_ptr<flow::store::Store> reader;
    httplib::Server server;
    int port = -1; // bound
    // POST /events: concurrent requests share commits (GroupCommit.h).
    GroupCommit events{[this](const std::vector<EventToAppend>& batch) {
        std::lock_guard<std::mutex> lock(engineMutex);
        flow::store::Store& store = engine->store();
        int64_t at = engine->clock().nowMs();
        std::vector<int64_t> ids;
        ids.reserve(batch.size());
        auto txn = store.begin();
        for (const auto& e : batch)
            ids.push_back(store.appendEvent(e.type, e.payload, at));
        txn.commit();
        return ids;
    }};

    flow::engine::EngineOptions engineOptions() const {
        flow::engine::EngineOptions eo;
        eo.dbPath = opts.dbPath;
        eo.owner = opts.owner;
        // The API only starts runs and records messages; the workers execute
        // tasks. A run started here is handed to them through the database.
        eo.dispatchTasks = false;
        return eo;
    }
    ApiResponse route(const ApiRequest& r);
    ApiResponse startRun(const ApiRequest& r);
    ApiResponse listRuns(const ApiRequest& r);
    ApiResponse getRun(const std::string& id);
    ApiResponse history(const std::string& id);
    ApiResponse signal(const std::string& id, const std::string& name, const ApiRequest& r);
    ApiResponse cancel(const std::string& id);
    ApiResponse postEvent(const ApiRequest& r);
    ApiResponse listEvents(const ApiRequest& r);
};

HttpApi::HttpApi(ApiOptions opts) : impl_(std::make_unique<Impl>()) {
    impl_->opts = std::move(opts);
    impl_->engine = std::make_unique<flow::engine::Engine>(impl_->engineOptions());
    flow::store::StoreOptions so;
    so.path = impl_->opts.dbPath;
    impl_->reader = flow::store::Store::open(so);
}

HttpApi::~HttpApi() = default;

ApiResponse HttpApi::handle(const ApiRequest& req) {
    const ApiOptions& o = impl_->opts;
    if (!o.token.empty() && !constantTimeEquals(req.authorization, "Bearer " + o.token)) {
        ApiResponse r = error(401, req.authorization.empty()
                                       ? "missing token: send 'Authorization: Bearer TOKEN'"
                                       : "wrong token");
        r.headers["WWW-Authenticate"] = "Bearer";
        return r;
    }
    if (req.body.size() > o.maxBodyBytes)
        return error(413, "the request body is larger than " + std::to_string(o.maxBodyBytes) +
                              " bytes");
    try {
        return impl_->route(req);
    } catch (const StoreError& e) {
        // Another writer held the lock past the busy timeout: worth a retry.
        if (e.kind() == StoreErrorKind::Busy) return error(503, e.what());
        return error(500, e.what());
    } catch (const EngineError& e) {
        return error(e.exitCode == 2 ? 400 : 500, e.what());
    } catch (const std::exception& e) {
        return error(500, e.what());
    }
}

ApiResponse HttpApi::Impl::route(const ApiRequest& r) {
    std::vector<std::string> s = segments(r.path);
    const std::string& m = r.method;
    bool get = m == "GET" || m == "HEAD", post = m == "POST";
    auto notAllowed = [&](const char* allow) {
        ApiResponse resp = error(405, "method " + m + " is not allowed on " + r.path +
                                          " (allowed: " + allow + ")");
        resp.headers["Allow"] = allow;
        return resp;
    };
    if (s.size() == 1 && s[0] == "runs") {
        if (get) return listRuns(r);
        if (post) return startRun(r);
        return notAllowed("GET, POST");
    }
    if (s.size() == 2 && s[0] == "runs") {
        if (get) return getRun(s[1]);
        return notAllowed("GET");
    }
    if (s.size() == 3 && s[0] == "runs" && s[2] == "history") {
        if (get) return history(s[1]);
        return notAllowed("GET");
    }
    if (s.size() == 3 && s[0] == "runs" && s[2] == "cancel") {
        if (post) return cancel(s[1]);
        return notAllowed("POST");
    }
    if (s.size() == 4 && s[0] == "runs" && s[2] == "signals") {
        if (post) return signal(s[1], s[3], r);
        return notAllowed("POST");
    }
    if (s.size() == 1 && s[0] == "events") {
        if (get) return listEvents(r);
        if (post) return postEvent(r);
        return notAllowed("GET, POST");
    }
    return error(404, "no such route: " + m + " " + r.path);
}

ApiResponse HttpApi::Impl::startRun(const ApiRequest& r) {
    Json body;
    ApiResponse fail;
    if (!parseBody(r.body, false, &body, &fail)) return fail;
    if (!body.is_object() || !body.contains("workflow") || !body["workflow"].is_string() ||
        body["workflow"].get<std::string>().empty())
        return error(400, "expected {\"workflow\": NAME, \"input\": JSON}");
    std::string wf = body["workflow"].get<std::string>();
    std::string input = "null";
    if (body.contains("input") && !valueText(body["input"], "the input", &input, &fail))
        return fail;
    {
        std::lock_guard<std::mutex> lock(readMutex);
        if (!reader->deployedModule(wf)) {
            std::string names;
            for (const auto& d : reader->deployments())
                if (d.workflow.empty() || d.workflow[0] != '@') // not a triggers-only module
                    names += (names.empty() ? "" : ", ") + d.workflow;
            return error(404, "no deployed workflow '" + wf +
                                  "' (deployed: " + (names.empty() ? "none" : names) + ")");
        }
    }
    std::string id;
    {
        // Its own Engine (see HttpApi.h): destroyed here, it keeps nothing.
        flow::engine::Engine starter(engineOptions());
        id = starter.startDeployed(wf, input);
    }
    if (opts.onStarted) opts.onStarted(id);
    ApiResponse resp = json(201, Json{{"runId", id}});
    resp.headers["Location"] = "/runs/" + id;
    return resp;
}

ApiResponse HttpApi::Impl::listRuns(const ApiRequest& r) {
    flow::store::RunFilter f;
    if (auto st = queryValue(r, "status")) {
        f.status = flow::store::parseRunStatus(*st);
        if (!f.status)
            return error(400, "unknown status '" + *st +
                                  "' (running, waiting, completed, failed, cancelled)");
    }
    if (auto w = queryValue(r, "workflow")) f.workflow = *w;
    std::string bad;
    if (!queryInt(r, "limit", &f.limit, &bad)) return error(400, bad);
    std::lock_guard<std::mutex> lock(readMutex);
    Json arr = Json::array();
    for (const auto& run : reader->listRuns(f))
        arr.push_back(runListItemView(run));
    return json(200, arr);
}

ApiResponse HttpApi::Impl::getRun(const std::string& id) {
    std::lock_guard<std::mutex> lock(readMutex);
    auto run = reader->getRun(id);
    if (!run) return error(404, "no run '" + id + "'");
    return json(200, runStatusView(*run));
}

ApiResponse HttpApi::Impl::history(const std::string& id) {
    std::lock_guard<std::mutex> lock(readMutex);
    auto run = reader->getRun(id);
    if (!run) return error(404, "no run '" + id + "'");
    return json(200, historyView(reader->history(id)));
}

ApiResponse HttpApi::Impl::signal(const std::string& id, const std::string& name,
                                  const ApiRequest& r) {
    Json payload;
    ApiResponse fail;
    if (!parseBody(r.body, true, &payload, &fail)) return fail;
    std::string text;
    if (!valueText(payload, "the signal payload", &text, &fail)) return fail;
    std::lock_guard<std::mutex> lock(engineMutex);
    auto run = engine->store().getRun(id);
    if (!run) return error(404, "no run '" + id + "'");
    try {
        engine->signal(id, name, text);
    } catch (const EngineError& e) {
        return error(409, e.what()); // the run has finished
    }
    if (opts.onChange) opts.onChange();
    return json(202, Json{{"runId", id}, {"signal", name}});
}

ApiResponse HttpApi::Impl::cancel(const std::string& id) {
    {
        std::lock_guard<std::mutex> lock(engineMutex);
        auto run = engine->store().getRun(id);
        if (!run) return error(404, "no run '" + id + "'");
        try {
            engine->cancel(id);
        } catch (const EngineError& e) {
            return error(409, e.what()); // the run has finished
        }
    }
    if (opts.onCancel) opts.onCancel(id);
    return json(202, Json{{"runId", id}, {"cancelRequested", true}});
}

// One event {"type", "payload"} answers {"id"}; an array of them (at most
// kMaxEventsPerPost) is appended atomically and answers {"ids": [...]}, like
// EventBridge's PutEvents: a producer with many events pays one round trip.
ApiResponse HttpApi::Impl::postEvent(const ApiRequest& r) {
    Json body;
    ApiResponse fail;
    if (!parseBody(r.body, false, &body, &fail)) return fail;
    const char* shape = "expected {\"type\": TYPE, \"payload\": JSON}, or an array of them";
    bool many = body.is_array();
    if (many && body.empty()) return error(400, std::string(shape) + " (got an empty array)");
    if (many && body.size() > kMaxEventsPerPost)
        return error(413, "at most " + std::to_string(kMaxEventsPerPost) +
                              " events per request, got " + std::to_string(body.size()));
    std::vector<EventToAppend> batch;
    for (size_t i = 0; i < (many ? body.size() : 1); ++i) {
        const Json& e = many ? body[i] : body;
        if (!e.is_object() || !e.contains("type") || !e["type"].is_string() ||
            e["type"].get<std::string>().empty())
            return error(400,
                         many ? std::string(shape) + " (element " + std::to_string(i) + " is not)"
                              : std::string(shape));
        std::string payload = "null";
        if (e.contains("payload") &&
            !valueText(e["payload"],
                       many ? "the payload of element " + std::to_string(i) : "the payload",
                       &payload, &fail))
            return fail;
        batch.push_back({e["type"].get<std::string>(), payload});
    }
    std::vector<int64_t> ids = events.append(std::move(batch));
    if (opts.onChange) opts.onChange();
    if (!many) return json(201, Json{{"id", ids[0]}});
    return json(201, Json{{"ids", ids}});
}

ApiResponse HttpApi::Impl::listEvents(const ApiRequest& r) {
    int64_t since = 0, limit = 100;
    std::string bad;
    if (!queryInt(r, "since", &since, &bad) || !queryInt(r, "limit", &limit, &bad))
        return error(400, bad);
    auto unmatched = queryValue(r, "unmatched");
    std::lock_guard<std::mutex> lock(readMutex);
    std::vector<flow::store::EventRow> rows;
    if (unmatched && *unmatched != "0" && *unmatched != "false") {
        rows = reader->unmatchedEvents(limit, since);
    } else {
        flow::store::EventFilter f;
        f.type = queryValue(r, "type");
        f.sinceId = since;
        f.limit = limit;
        rows = reader->events(f);
    }
    Json arr = Json::array();
    for (const auto& e : rows)
        arr.push_back(eventView(e, reader->consumers(e.id)));
    return json(200, arr);
}

// ---- cpp-httplib glue

int HttpApi::bind(const std::string& host, int port, std::string* err) {
    httplib::Server& svr = impl_->server;
    auto respond = [this](const httplib::Request& req, httplib::Response& res) {
        ApiRequest r;
        r.method = req.method;
        r.path = req.path;
        r.query = req.params;
        r.authorization = req.get_header_value("Authorization");
        r.body = req.body;
        ApiResponse out = handle(r);
        res.status = out.status;
        for (const auto& [k, v] : out.headers)
            res.set_header(k, v);
        res.set_content(out.body, "application/json");
    };
    // Every path and method reaches the router above (".*" is the library's
    // own pattern matching; this code builds no regex).
    svr.Get(".*", respond);
    svr.Post(".*", respond);
    svr.Put(".*", respond);
    svr.Patch(".*", respond);
    svr.Delete(".*", respond);
    svr.Options(".*", respond);
    // The token is checked before the body is read, so an unauthenticated
    // client gets 401, not 413, and cannot make the server read megabytes.
    svr.set_pre_routing_handler([this, respond](const httplib::Request& req,
                                                httplib::Response& res) {
        const std::string& token = impl_->opts.token;
        bool authorized = token.empty() || constantTimeEquals(req.get_header_value("Authorization"),
                                                              "Bearer " + token);
        // A POST with neither Content-Length nor Transfer-Encoding has no
        // body (RFC 9112 6.3), as `curl -X POST .../cancel` sends it; the
        // library (0.11) answers it 400 without calling a handler.
        bool noBody = (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
                      !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding");
        if (authorized && !noBody) return httplib::Server::HandlerResponse::Unhandled;
        respond(req, res); // the body is not read yet: handle() answers 401 first
        return httplib::Server::HandlerResponse::Handled;
    });
    // The library's own refusals (a Content-Length over the cap: 413; a
    // request it cannot parse: 400) get a JSON body too.
    svr.set_payload_max_length(impl_->opts.maxBodyBytes);
    // An idle keep-alive connection holds a server thread until this timeout
    // (stop() ends idle ones at once). Node's default: a client that connects
    // and takes a moment to send (a loaded machine), or reuses a pooled
    // connection, must not meet a connection closed under it (at 1 s, CI did).
    svr.set_keep_alive_timeout(5);
    // The library closes a keep-alive connection after 5 requests by
    // default: a client would reconnect every 5 POSTs.
    svr.set_keep_alive_max_count(100000);
    // Small JSON answers on keep-alive connections: without TCP_NODELAY each
    // waits ~40 ms for Nagle's algorithm (measured by bench/events).
    svr.set_tcp_nodelay(true);
    // A keep-alive connection holds a pool thread while it is open, and
    // POST /events commits in groups only when requests are concurrent: the
    // pool bounds both (the library's default is 8).
    size_t threads = impl_->opts.threads;
    svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    svr.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request&, httplib::Response& res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            std::string msg =
                res.status == 413
                    ? "the request body is larger than " +
                          std::to_string(impl_->opts.maxBodyBytes) + " bytes"
                    : "the server refused the request (HTTP " + std::to_string(res.status) + ")";
            res.set_content(Json{{"error", msg}}.dump(), "application/json");
            return httplib::Server::HandlerResponse::Handled;
        }));
    int listenFd = -1;
    svr.set_socket_options([&listenFd](int fd) {
        listenFd = fd;
        exclusiveListenOptions(fd);
    });
    int bound = -1;
    if (port == 0) {
        bound = svr.bind_to_any_port(host);
    } else if (svr.bind_to_port(host, port)) {
        bound = port;
    }
    if (bound <= 0) {
        *err = "cannot listen on " + host + ":" + std::to_string(port) +
               " (address in use, or not an address of this machine)";
        return -1;
    }
    widenBacklog(listenFd);
    impl_->port = bound;
    return bound;
}

void HttpApi::listen() {
    impl_->server.listen_after_bind();
}

void HttpApi::stop() {
    impl_->server.stop();
    if (impl_->port > 0) endIdleConnections(impl_->port);
}

} // namespace flowrun
