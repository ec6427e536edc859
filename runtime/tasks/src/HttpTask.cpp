// HttpTask.cpp — one `http` task attempt through cpp-httplib (http and https;
// the Debian build carries OpenSSL). See docs/tasks.md for the contract.
//
// Timeouts: httplib's own timeouts bound the connect and each single read, not
// the whole exchange, so a server trickling one byte a second would never time
// out. A watchdog thread therefore aborts the socket (Client::stop(), the one
// thread-safe way to interrupt a request) when the attempt's deadline passes.
// The same stop() serves cancellation.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include <httplib.h>

#include "flow/tasks/Executor.h"
#include "flow/tasks/TaskOutput.h"

namespace flow::tasks {

namespace {

using Clock = std::chrono::steady_clock;
using detail::setError;

// Used when the request has no timeout: httplib's defaults (5 s read) are far
// too short for a real API, and "none" must mean none for practical purposes.
constexpr int64_t kNoTimeoutMs = 24LL * 3600 * 1000;

struct ParsedUrl {
    std::string schemeHostPort; // "https://api.example.com:8443"
    std::string target;         // "/v1/x?y=1"
};

// scheme://host[:port][/path][?query][#fragment]; host may be [IPv6]. A
// hand-written scanner rather than std::regex: <regex> trips GCC's
// -Wmaybe-uninitialized under the sanitizer flags (warnings are errors).
// "${NAME}" in a URL is the worker's environment variable NAME, read at each
// attempt (the compiler checked the syntax): one module, an endpoint per
// deployment. An unset variable fails the attempt, naming it.
bool expandEnvironment(const std::string& url, std::string& out, std::string& err) {
    out.clear();
    size_t pos = 0;
    for (size_t at = url.find("${"); at != std::string::npos; at = url.find("${", pos)) {
        size_t end = url.find('}', at);
        if (end == std::string::npos) break; // no name: parseUrl reports the URL
        std::string name = url.substr(at + 2, end - at - 2);
        const char* value = std::getenv(name.c_str());
        if (!value) {
            err = "the URL '" + detail::excerpt(url, 200) + "' names the environment variable " +
                  name + ", which is not set for flowrun";
            return false;
        }
        out.append(url, pos, at - pos).append(value);
        pos = end + 1;
    }
    out.append(url, pos, std::string::npos);
    return true;
}

bool parseUrl(const std::string& url, ParsedUrl& out, std::string& err) {
    auto bad = [&] {
        err = "invalid URL '" + detail::excerpt(url, 200) +
              "' (expected http://host[:port]/path or https://...)";
        return false;
    };
    auto lower = [](std::string x) {
        std::transform(x.begin(), x.end(), x.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        return x;
    };
    size_t sep = url.find("://");
    if (sep == std::string::npos) return bad();
    std::string scheme = lower(url.substr(0, sep));
    if (scheme != "http" && scheme != "https") return bad();
    size_t p = sep + 3, hostStart = p;
    if (p < url.size() && url[p] == '[') {
        while (p < url.size() && url[p] != ']') {
            if (!std::isxdigit((unsigned char)url[p]) && url[p] != ':' && url[p] != '.' &&
                url[p] != '[')
                return bad();
            ++p;
        }
        if (p >= url.size()) return bad();
        ++p; // ']'
    } else {
        while (p < url.size() &&
               (std::isalnum((unsigned char)url[p]) || std::strchr("._~%-", url[p])))
            ++p;
    }
    if (p == hostStart) return bad();
    std::string host = url.substr(hostStart, p - hostStart), port;
    if (p < url.size() && url[p] == ':') {
        size_t d = ++p;
        while (p < url.size() && std::isdigit((unsigned char)url[p]))
            ++p;
        if (p == d || p - d > 5) return bad();
        port = url.substr(d, p - d);
        if (std::stoi(port) > 65535) {
            err = "invalid port in URL '" + detail::excerpt(url, 200) + "'";
            return false;
        }
    }
    std::string rest = url.substr(p);
    if (!rest.empty() && rest[0] != '/' && rest[0] != '?' && rest[0] != '#') return bad();
    for (char ch : rest)
        if (std::isspace((unsigned char)ch)) return bad();
    std::string target = rest.substr(0, rest.find('#'));
    out.schemeHostPort = scheme + "://" + host + (port.empty() ? "" : ":" + port);
    out.target = target.empty() ? "/" : target;
    if (out.target[0] == '?') out.target = "/" + out.target;
    return true;
}

bool methodHasBody(const std::string& m) {
    return m == "POST" || m == "PUT" || m == "PATCH";
}

bool headerTokenOk(const std::string& s) {
    return !s.empty() && std::none_of(s.begin(), s.end(), [](unsigned char ch) {
        return ch <= 32 || ch >= 127 || ch == ':';
    });
}

bool headerValueOk(const std::string& s) {
    return s.find_first_of("\r\n", 0) == std::string::npos && s.find('\0') == std::string::npos;
}

// Aborts the request at the deadline unless finished first.
class Watchdog {
public:
    Watchdog(httplib::Client& cli, int64_t timeoutMs) {
        if (timeoutMs <= 0) return;
        thread_ = std::thread([this, &cli, timeoutMs] {
            std::unique_lock lk(mu_);
            if (!cv_.wait_for(lk, std::chrono::milliseconds(timeoutMs), [this] { return done_; })) {
                fired_ = true;
                cli.stop();
            }
        });
    }
    ~Watchdog() { finish(); }
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;
    void finish() {
        {
            std::lock_guard lk(mu_);
            done_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }
    bool fired() {
        std::lock_guard lk(mu_);
        return fired_;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false, fired_ = false;
    std::thread thread_;
};

void classifyResponse(int status, const std::string& body, TaskResult& res) {
    res.httpStatus = status;
    std::string canonical, parseErr, name, message;
    bool isJson = detail::parseJsonValue(body, canonical, parseErr);
    if (status >= 200 && status < 300) {
        res.ok = true;
        // A body that is not JSON is still the answer: hand it over as a string.
        res.resultJson = isJson ? canonical : detail::jsonString(body);
        return;
    }
    std::string generic = "HTTP " + std::to_string(status) + ": " + detail::excerpt(body, 200);
    if (status >= 400 && isJson && detail::errorObject(canonical, name, message)) {
        setError(res, name, message.empty() ? generic : message);
        return;
    }
    // 1xx/3xx land here too: redirects are not followed (docs/tasks.md).
    setError(res, "HttpError", generic);
}

} // namespace

// The library's error, said as what happened ("Connection" alone reads as
// a word, not a reason).
static std::string connectionFailure(httplib::Error e) {
    std::string what = httplib::to_string(e);
    switch (e) {
    case httplib::Error::Connection:
        return "could not connect (refused, or no route to the host) [" + what + "]";
    case httplib::Error::Read:
        return "the connection closed before a complete response [" + what + "]";
    case httplib::Error::Write:
        return "the connection closed while sending the request [" + what + "]";
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification:
        return "the TLS handshake failed [" + what + "]";
    default:
        return what;
    }
}

TaskResult runHttpTask(const TaskRequest& r, CancelToken* cancel) {
    auto t0 = Clock::now();
    TaskResult res;
    res.id = r.id;
    auto finish = [&]() -> TaskResult {
        res.durationMs =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        return res;
    };

    std::string method = r.method.empty() ? "GET" : r.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    static const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
        setError(res, "InvalidRequest",
                 "unsupported HTTP method '" + detail::excerpt(r.method, 40) +
                     "' (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)");
        return finish();
    }
    ParsedUrl url;
    std::string err, expanded;
    if (!expandEnvironment(r.url, expanded, err) || !parseUrl(expanded, url, err)) {
        setError(res, "InvalidRequest", err);
        return finish();
    }

    httplib::Request req;
    req.method = method;
    req.path = url.target;
    for (const auto& [k, v] : r.headers) {
        if (!headerTokenOk(k) || !headerValueOk(v)) {
            setError(res, "InvalidRequest", "invalid HTTP header '" + detail::excerpt(k, 80) + "'");
            return finish();
        }
        req.headers.emplace(k, v);
    }
    if (!req.has_header("Accept")) req.headers.emplace("Accept", "application/json");
    if (!r.idempotencyKey.empty()) {
        if (!headerValueOk(r.idempotencyKey)) {
            setError(res, "InvalidRequest", "invalid idempotency key");
            return finish();
        }
        req.set_header("Idempotency-Key", r.idempotencyKey);
    }
    if (methodHasBody(method)) {
        req.body = r.inputJson.empty() ? "null" : r.inputJson;
        if (!req.has_header("Content-Type"))
            req.headers.emplace("Content-Type", "application/json");
    }
    // Stream the body ourselves so a huge response is cut at the cap.
    std::string body;
    bool tooLarge = false;
    req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
        if (body.size() + len > kTaskStdoutCap) {
            tooLarge = true;
            return false;
        }
        body.append(data, len);
        return true;
    };

    if (cancel && cancel->cancelled()) {
        setError(res, "Cancelled", "cancelled before it started");
        return finish();
    }
    httplib::Client cli(url.schemeHostPort);
    if (!cli.is_valid()) {
        setError(res, "InvalidRequest", "cannot use URL '" + detail::excerpt(r.url, 200) + "'");
        return finish();
    }
    int64_t t = r.timeoutMs > 0 ? r.timeoutMs : kNoTimeoutMs;
    auto sec = static_cast<time_t>(t / 1000), usec = static_cast<time_t>((t % 1000) * 1000);
    cli.set_connection_timeout(sec, usec);
    cli.set_read_timeout(sec, usec);
    cli.set_write_timeout(sec, usec);
    cli.set_keep_alive(false);
    cli.set_follow_location(false);

    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    bool sent;
    {
        Watchdog dog(cli, r.timeoutMs);
        if (cancel) cancel->setHook([&cli] { cli.stop(); });
        sent = cli.send(req, response, error);
        if (cancel) cancel->setHook({}); // waits out a hook running right now
        dog.finish();
        if (dog.fired()) {
            setError(res, "Timeout", "no response after " + std::to_string(r.timeoutMs) + " ms");
            return finish();
        }
    }
    if (cancel && cancel->cancelled()) {
        setError(res, "Cancelled", "cancelled (request aborted)");
        return finish();
    }
    if (tooLarge) {
        setError(res, "OutputTooLarge",
                 "response body exceeded " + std::to_string(kTaskStdoutCap) + " bytes");
        return finish();
    }
    if (!sent) {
        if (error == httplib::Error::ConnectionTimeout) {
            setError(res, "Timeout", "no connection after " + std::to_string(r.timeoutMs) + " ms");
        } else if (error == httplib::Error::Read && r.timeoutMs > 0 &&
                   finish().durationMs >= r.timeoutMs) {
            setError(res, "Timeout", "no response after " + std::to_string(r.timeoutMs) + " ms");
        } else {
            setError(res, "ConnectionError",
                     r.method + " " + detail::excerpt(r.url, 200) + ": " +
                         connectionFailure(error));
        }
        return finish();
    }
    classifyResponse(response.status, body, res);
    return finish();
}

} // namespace flow::tasks
