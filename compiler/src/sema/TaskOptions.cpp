// TaskOptions.cpp — validation of task declarations and of workflow/start
// options, and their canonical JSON for codegen (Module.h TaskDecl).
//
// Canonical task options (keys in this order, each only when given):
//   {"timeout": ms, "heartbeat": ms, "retry": [policy...], "args": [str...],
//    "env": {str: str}, "headers": {str: str}}
// A retry policy is always an array element, with the defaults of AWS Step
// Functions' Retrier filled in:
//   {"on": [names] (omitted = every error, timeouts included),
//    "maxAttempts": 3, "interval": 1000, "backoffRate": 2,
//    "maxDelay": ms (omitted = no cap), "jitter": "none"}
// Durations are integers of milliseconds when whole. Workflow options are
// {"timeout": ms} or {}. docs/diagnostics.md repeats these defaults.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "SemaInternal.h"

namespace flow::compiler::sema {

namespace {
using Json = nlohmann::ordered_json;

constexpr std::string_view kExecOptions[] = {"timeout", "retry", "heartbeat", "args", "env"};
// No heartbeat for http tasks: one request has no way to show signs of life.
constexpr std::string_view kHttpOptions[] = {"timeout", "retry", "headers"};
constexpr std::string_view kBuiltinOptions[] = {"timeout", "retry"};
// The tasks the runtime performs in-process (docs/tasks.md).
constexpr std::string_view kBuiltinTasks[] = {"echo", "fail", "noop"};
constexpr std::string_view kRetryKeys[] = {"on",          "maxAttempts", "interval",
                                           "backoffRate", "maxDelay",    "jitter"};
constexpr std::string_view kHttpMethods[] = {"GET",    "POST", "PUT",    "PATCH",
                                             "DELETE", "HEAD", "OPTIONS"};
constexpr const char* kDurationText =
    "a duration (like 30s) or a non-negative number of milliseconds";

template <size_t N>
bool contains(const std::string_view (&list)[N], std::string_view s) {
    for (auto& x : list)
        if (x == s) return true;
    return false;
}

template <size_t N>
std::string joined(const std::string_view (&list)[N]) {
    std::string s;
    for (auto& x : list) {
        if (!s.empty()) s += ", ";
        s += x;
    }
    return s;
}

template <size_t N>
std::string validListNote(const std::string& key, const std::string_view (&list)[N],
                          const std::string& what) {
    std::vector<std::string> cands(std::begin(list), std::end(list));
    std::string best = closestName(key, cands);
    std::string s = best.empty() ? "" : "did you mean '" + best + "'? ";
    return s + "valid " + what + ": " + joined(list);
}

// Whole numbers become JSON integers: "1000", not "1000.0".
Json jsonNumber(double v) {
    if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9007199254740992.0)
        return Json(int64_t(v));
    return Json(v);
}

std::optional<double> numberValue(const ast::Expr* e) {
    if (auto* n = e->as<ast::NumberLit>()) return n->value;
    if (auto* u = e->as<ast::Unary>(); u && u->operand) {
        auto inner = numberValue(u->operand.get());
        if (!inner) return std::nullopt;
        if (u->op == ast::UnaryOp::Neg) return -*inner;
        if (u->op == ast::UnaryOp::Plus) return *inner;
    }
    return std::nullopt;
}

std::optional<double> durationValue(const ast::Expr* e) {
    if (auto* d = e->as<ast::DurationLit>()) return d->millis;
    if (auto v = numberValue(e); v && *v >= 0) return v;
    return std::nullopt;
}

std::optional<std::string> stringValue(const ast::Expr* e) {
    if (auto* s = e->as<ast::StringLit>()) return s->value;
    if (auto* t = e->as<ast::TemplateLit>(); t && t->exprs.empty() && t->quasis.size() == 1)
        return t->quasis[0];
    return std::nullopt;
}

// A constant: literals, durations, signed numbers, and arrays/objects of
// constants. Returns the first part that is not, or null.
const ast::Expr* firstNonConstant(const ast::Expr* e) {
    if (!e) return nullptr;
    switch (e->kind) {
    case ast::NodeKind::NumberLit:
    case ast::NodeKind::StringLit:
    case ast::NodeKind::DurationLit:
    case ast::NodeKind::BoolLit:
    case ast::NodeKind::NullLit:
        return nullptr;
    case ast::NodeKind::TemplateLit:
        return static_cast<const ast::TemplateLit*>(e)->exprs.empty() ? nullptr : e;
    case ast::NodeKind::Unary: {
        auto* u = static_cast<const ast::Unary*>(e);
        bool sign = u->op == ast::UnaryOp::Neg || u->op == ast::UnaryOp::Plus;
        return sign && u->operand && !firstNonConstant(u->operand.get()) ? nullptr : e;
    }
    case ast::NodeKind::ArrayLit:
        for (auto& x : static_cast<const ast::ArrayLit*>(e)->elements) {
            if (!x || x->isa<ast::Spread>()) return x ? x.get() : e;
            if (auto* bad = firstNonConstant(x.get())) return bad;
        }
        return nullptr;
    case ast::NodeKind::ObjectLit:
        for (auto& p : static_cast<const ast::ObjectLit*>(e)->props) {
            if (p.kind != ast::Property::Kind::Init || p.computedKey) {
                if (p.computedKey) return p.computedKey.get();
                return p.value ? p.value.get() : e;
            }
            if (auto* bad = firstNonConstant(p.value.get())) return bad;
        }
        return nullptr;
    default:
        return e;
    }
}

class TaskChecker {
public:
    TaskChecker(ast::Task& t, DiagnosticEngine& d) : t_(t), d_(d) {}
    void run();

private:
    bool checkTargets(size_t nTargets);
    bool checkBuiltin();
    void checkOptions(ast::Expr* opts);
    std::optional<Json> retry(const std::string& key, ast::Expr* v);
    std::optional<Json> policy(ast::ObjectLit& o);
    std::optional<Json> stringArray(const std::string& key, ast::Expr* v, bool nonEmpty,
                                    const char* expected);
    std::optional<Json> stringMap(const std::string& key, ast::Expr* v);
    std::optional<Json> duration(const std::string& key, ast::Expr* v);
    // Reports FLOW3002; returns false so that callers can write `ok = bad(...)`.
    bool bad(const std::string& key, ast::Expr* v, const std::string& expected) {
        d_.report(DiagId::BadTaskOption, v->range, {key, expected});
        return false;
    }
    ast::Task& t_;
    DiagnosticEngine& d_;
};

void TaskChecker::run() {
    const bool exec = t_.kind == "exec";
    if (t_.kind == "builtin") {
        if (!checkBuiltin()) return;
        if (t_.args.size() == 2) checkOptions(t_.args[1].get());
        return;
    }
    if (!exec && t_.kind != "http") {
        d_.report(DiagId::UnknownTaskKind, t_.kindRange, {t_.kind});
        return;
    }
    const size_t nTargets = exec ? 1 : 2;
    if (!checkTargets(nTargets)) return;
    if (t_.args.size() > nTargets + 1) {
        d_.report(DiagId::BadTaskTarget, t_.args[nTargets + 1]->range,
                  {exec ? "too many arguments to exec(...): it takes a path and an optional "
                          "options object"
                        : "too many arguments to http(...): it takes a method, a URL and an "
                          "optional options object"});
        return;
    }
    if (t_.args.size() == nTargets + 1) checkOptions(t_.args[nTargets].get());
}

bool TaskChecker::checkBuiltin() {
    std::optional<std::string> name =
        t_.args.empty() ? std::nullopt : stringValue(t_.args[0].get());
    if (!name || !contains(kBuiltinTasks, *name)) {
        d_.report(DiagId::BadTaskTarget, t_.args.empty() ? t_.kindRange : t_.args[0]->range,
                  {"a builtin task names one of " + joined(kBuiltinTasks) +
                   ", like builtin(\"echo\", { options })"});
        return false;
    }
    if (t_.args.size() > 2) {
        d_.report(DiagId::BadTaskTarget, t_.args[2]->range,
                  {"too many arguments to builtin(...): it takes a name and an optional options "
                   "object"});
        return false;
    }
    t_.target = *name;
    return true;
}

bool TaskChecker::checkTargets(size_t nTargets) {
    const bool exec = nTargets == 1;
    if (t_.args.size() < nTargets) {
        d_.report(DiagId::BadTaskTarget, t_.kindRange,
                  {exec ? "an exec task needs the path of its executable: "
                          "exec(\"./bin/name\", { options })"
                        : "an http task needs a method and a URL: "
                          "http(\"POST\", \"https://host/path\", { options })"});
        return false;
    }
    ast::Expr* first = t_.args[0].get();
    auto firstText = stringValue(first);
    if (exec) {
        if (!firstText) {
            d_.report(DiagId::BadTaskTarget, first->range,
                      {"the path of an exec task must be a string literal, like \"./bin/charge\""});
            return false;
        }
        if (firstText->empty()) {
            d_.report(DiagId::BadTaskTarget, first->range,
                      {"the path of an exec task must not be empty"});
            return false;
        }
        t_.target = *firstText;
        return true;
    }
    if (!firstText) {
        d_.report(DiagId::BadTaskTarget, first->range,
                  {"the method of an http task must be a string literal, like \"POST\""});
        return false;
    }
    if (!contains(kHttpMethods, *firstText)) {
        d_.report(DiagId::BadTaskTarget, first->range,
                  {"'" + *firstText + "' is not an HTTP method: use one of " +
                   joined(kHttpMethods) + " (upper case)"});
        return false;
    }
    ast::Expr* url = t_.args[1].get();
    auto urlText = stringValue(url);
    if (!urlText) {
        d_.report(DiagId::BadTaskTarget, url->range,
                  {"the URL of an http task must be a string literal, like "
                   "\"https://host/path\""});
        return false;
    }
    // "${NAME}" is replaced by the worker's environment variable NAME when an
    // attempt is sent (docs/tasks.md): one module, an endpoint per deployment.
    for (size_t at = urlText->find("${"); at != std::string::npos;
         at = urlText->find("${", at + 2)) {
        size_t end = urlText->find('}', at);
        std::string name =
            end == std::string::npos ? std::string() : urlText->substr(at + 2, end - at - 2);
        bool ok = !name.empty() && !std::isdigit((unsigned char)name[0]) &&
                  std::all_of(name.begin(), name.end(),
                              [](unsigned char c) { return std::isalnum(c) || c == '_'; });
        if (!ok) {
            d_.report(DiagId::BadTaskTarget, url->range,
                      {"'${' in the URL of an http task must name an environment variable, "
                       "like ${PAYMENTS_URL}"});
            return false;
        }
    }
    if (urlText->rfind("http://", 0) != 0 && urlText->rfind("https://", 0) != 0 &&
        urlText->rfind("${", 0) != 0) {
        d_.report(DiagId::BadTaskTarget, url->range,
                  {"the URL of an http task must start with http://, https:// or an "
                   "environment variable (${NAME})"});
        return false;
    }
    t_.method = *firstText;
    t_.target = *urlText;
    return true;
}

void TaskChecker::checkOptions(ast::Expr* opts) {
    if (auto* bad = firstNonConstant(opts)) {
        d_.report(DiagId::NonConstantOption, bad->range, {"task '" + t_.name + "'"});
        return;
    }
    auto* obj = opts->as<ast::ObjectLit>();
    if (!obj) {
        d_.report(DiagId::BadTaskTarget, opts->range,
                  {"the options of a task must be an object literal, like { timeout: 30s }"});
        return;
    }
    const bool exec = t_.kind == "exec";
    // Values are checked in source order (so are their diagnostics), then
    // written in a fixed key order: the JSON is canonical.
    std::map<std::string, Json> values;
    bool ok = true;
    for (auto& p : obj->props) {
        const bool builtin = t_.kind == "builtin";
        bool known = builtin ? contains(kBuiltinOptions, p.key)
                     : exec  ? contains(kExecOptions, p.key)
                             : contains(kHttpOptions, p.key);
        if (!known) {
            d_.report(DiagId::UnknownTaskOption, p.range, {p.key});
            d_.note(p.range,
                    builtin ? validListNote(p.key, kBuiltinOptions, "options of a builtin task")
                    : exec  ? validListNote(p.key, kExecOptions, "options of an exec task")
                            : validListNote(p.key, kHttpOptions, "options of an http task"));
            ok = false;
            continue;
        }
        if (values.count(p.key)) {
            d_.report(DiagId::BadTaskOption, p.range, {p.key, "given only once"});
            ok = false;
            continue;
        }
        ast::Expr* v = p.value.get();
        std::optional<Json> j;
        if (p.key == "timeout" || p.key == "heartbeat")
            j = duration(p.key, v);
        else if (p.key == "retry")
            j = retry(p.key, v);
        else if (p.key == "args")
            j = stringArray(p.key, v, false, "an array of strings");
        else
            j = stringMap(p.key, v); // env, headers
        if (j)
            values.emplace(p.key, std::move(*j));
        else
            ok = false;
    }
    Json out = Json::object();
    for (const char* key : {"timeout", "heartbeat", "retry", "args", "env", "headers"})
        if (auto it = values.find(key); it != values.end()) out[key] = it->second;
    if (ok) t_.optionsJson = out.dump();
}

std::optional<Json> TaskChecker::duration(const std::string& key, ast::Expr* v) {
    if (auto ms = durationValue(v)) return jsonNumber(*ms);
    bad(key, v, kDurationText);
    return std::nullopt;
}

std::optional<Json> TaskChecker::stringArray(const std::string& key, ast::Expr* v, bool nonEmpty,
                                             const char* expected) {
    auto* arr = v->as<ast::ArrayLit>();
    if (!arr || (nonEmpty && arr->elements.empty())) {
        bad(key, v, expected);
        return std::nullopt;
    }
    Json out = Json::array();
    for (auto& el : arr->elements) {
        auto s = stringValue(el.get());
        if (!s) {
            bad(key, el.get(), expected);
            return std::nullopt;
        }
        out.push_back(*s);
    }
    return out;
}

std::optional<Json> TaskChecker::stringMap(const std::string& key, ast::Expr* v) {
    const char* expected = "an object whose values are strings";
    auto* obj = v->as<ast::ObjectLit>();
    if (!obj) {
        bad(key, v, expected);
        return std::nullopt;
    }
    Json out = Json::object();
    for (auto& p : obj->props) {
        auto s = stringValue(p.value.get());
        if (!s) {
            bad(key + "." + p.key, p.value.get(), "a string");
            return std::nullopt;
        }
        if (out.contains(p.key)) {
            bad(key + "." + p.key, p.value.get(), "given only once");
            return std::nullopt;
        }
        out[p.key] = *s;
    }
    return out;
}

std::optional<Json> TaskChecker::retry(const std::string& key, ast::Expr* v) {
    const char* expected =
        "a retry policy { maxAttempts, interval, ... } or a non-empty array of them";
    std::vector<ast::ObjectLit*> policies;
    if (auto* o = v->as<ast::ObjectLit>()) {
        policies.push_back(o);
    } else if (auto* a = v->as<ast::ArrayLit>(); a && !a->elements.empty()) {
        for (auto& el : a->elements) {
            auto* o2 = el->as<ast::ObjectLit>();
            if (!o2) {
                bad(key, el.get(), "a retry policy object { maxAttempts, interval, ... }");
                return std::nullopt;
            }
            policies.push_back(o2);
        }
    } else {
        bad(key, v, expected);
        return std::nullopt;
    }
    Json out = Json::array();
    bool ok = true;
    for (auto* o : policies) {
        auto p = policy(*o);
        if (p)
            out.push_back(std::move(*p));
        else
            ok = false;
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<Json> TaskChecker::policy(ast::ObjectLit& o) {
    std::map<std::string, ast::Expr*> given;
    bool ok = true;
    for (auto& p : o.props) {
        std::string full = "retry." + p.key;
        if (!contains(kRetryKeys, p.key)) {
            d_.report(DiagId::UnknownTaskOption, p.range, {full});
            d_.note(p.range, validListNote(p.key, kRetryKeys, "retry keys"));
            ok = false;
        } else if (!given.emplace(p.key, p.value.get()).second) {
            d_.report(DiagId::BadTaskOption, p.range, {full, "given only once"});
            ok = false;
        }
    }
    // Step Functions' defaults: 3 retries, 1 s apart, doubling, no jitter.
    Json out = Json::object();
    auto find = [&](const char* k) -> ast::Expr* {
        auto it = given.find(k);
        return it == given.end() ? nullptr : it->second;
    };
    if (ast::Expr* on = find("on")) {
        auto names = stringArray("retry.on", on, true,
                                 "a non-empty array of error names, like [\"TaskFailed\"]");
        if (names)
            out["on"] = std::move(*names);
        else
            ok = false;
    }
    out["maxAttempts"] = 3;
    if (ast::Expr* m = find("maxAttempts")) {
        auto n = numberValue(m);
        if (n && *n >= 0 && std::floor(*n) == *n)
            out["maxAttempts"] = jsonNumber(*n);
        else
            ok = bad("retry.maxAttempts", m,
                     "a whole number >= 0 (retries after the first attempt)");
    }
    out["interval"] = 1000;
    if (ast::Expr* i = find("interval")) {
        if (auto ms = duration("retry.interval", i))
            out["interval"] = *ms;
        else
            ok = false;
    }
    out["backoffRate"] = 2;
    if (ast::Expr* b = find("backoffRate")) {
        auto n = numberValue(b);
        if (n && *n >= 1)
            out["backoffRate"] = jsonNumber(*n);
        else
            ok = bad("retry.backoffRate", b, "a number >= 1");
    }
    if (ast::Expr* md = find("maxDelay")) {
        if (auto ms = duration("retry.maxDelay", md))
            out["maxDelay"] = *ms;
        else
            ok = false;
    }
    out["jitter"] = "none";
    if (ast::Expr* j = find("jitter")) {
        auto s = stringValue(j);
        if (s && (*s == "full" || *s == "none"))
            out["jitter"] = *s;
        else
            ok = bad("retry.jitter", j, "\"full\" or \"none\"");
    }
    if (!ok) return std::nullopt;
    return out;
}

void checkTimeoutObject(ast::ObjectLit& obj, DiagnosticEngine& d, bool requireConstant, Json* out) {
    for (auto& p : obj.props) {
        if (p.kind != ast::Property::Kind::Init || p.computedKey) continue;
        if (p.key != "timeout") {
            d.report(DiagId::UnknownWorkflowOption, p.range, {p.key});
            d.note(p.range, "the only workflow option is 'timeout'");
            continue;
        }
        if (!requireConstant && firstNonConstant(p.value.get())) continue; // checked at run time
        auto ms = durationValue(p.value.get());
        if (!ms) {
            d.report(DiagId::BadWorkflowOption, p.value->range,
                     {"timeout", "a duration (like 7d) or a non-negative number of milliseconds"});
            continue;
        }
        if (out) (*out)["timeout"] = jsonNumber(*ms);
    }
}
} // namespace

void checkTaskDecl(ast::Task& t, DiagnosticEngine& diags) {
    TaskChecker(t, diags).run();
}

void checkWorkflowOptions(ast::Workflow& w, DiagnosticEngine& diags) {
    if (!w.options) return;
    std::string name = w.fn ? w.fn->name : "";
    if (auto* bad = firstNonConstant(w.options.get())) {
        diags.report(DiagId::NonConstantOption, bad->range, {"workflow '" + name + "'"});
        return;
    }
    auto* obj = w.options->as<ast::ObjectLit>();
    if (!obj) {
        diags.report(DiagId::BadWorkflowOption, w.options->range,
                     {"list", "an object literal, like { timeout: 7d }"});
        return;
    }
    Json out = Json::object();
    checkTimeoutObject(*obj, diags, true, &out);
    w.optionsJson = out.dump();
}

void checkStartOptions(ast::Expr* options, DiagnosticEngine& diags) {
    auto* obj = options ? options->as<ast::ObjectLit>() : nullptr;
    if (obj) checkTimeoutObject(*obj, diags, false, nullptr);
}

} // namespace flow::compiler::sema
