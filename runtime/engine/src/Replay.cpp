// Replay.cpp — `flowrun replay` (Replay.h): re-executes the recorded inputs of
// a run (task outcomes, timer firings, signals, events, child results, a
// cancel request) against a module, in a fresh VM that is never committed,
// and compares every host op the new code creates with the op the recording
// created at that point. The store is only read.
//
// The engine's activations are not delimited in the history, so replay
// reconstructs them (docs/testing.md, "replay"): consecutive completion rows
// with no op-creating row between them are applied together before the job
// queue runs, as the engine applies the arrivals of one activation; an op
// row makes the VM run (if it has work) before its op is matched, since the
// engine records an op only after running the jobs that created it.
#include <deque>

#include "EngineImpl.h"
#include "flow/bytecode/Reader.h"
#include "flow/engine/Replay.h"
#include "flow/vm/Json.h"

namespace flow::engine {

using store::RunStatus;

namespace {

enum class RowClass { Op, Completion, Final, Other };

RowClass classify(const std::string& kind) {
    static const char* const ops[] = {"task.scheduled",     "timer.started", "signal.waiting",
                                      "event.waiting",      "event.emitted", "signal.sent",
                                      "signal.send-failed", "child.started"};
    static const char* const completions[] = {
        "task.completed", "task.failed",          "timer.fired",   "signal.received",
        "event.received", "signal.timeout",       "event.timeout", "child.completed",
        "child.failed",   "run.cancel-requested", "run.timed-out"};
    for (const char* k : ops)
        if (kind == k) return RowClass::Op;
    for (const char* k : completions)
        if (kind == k) return RowClass::Completion;
    if (kind == "run.completed" || kind == "run.failed" || kind == "run.cancelled")
        return RowClass::Final;
    return RowClass::Other;
}

// The kind of op an op-creating row records.
vm::OpKind rowOpKind(const std::string& kind) {
    if (kind == "task.scheduled") return vm::OpKind::Task;
    if (kind == "timer.started") return vm::OpKind::Timer;
    if (kind == "signal.waiting") return vm::OpKind::Signal;
    if (kind == "event.waiting") return vm::OpKind::Event;
    if (kind == "event.emitted") return vm::OpKind::Emit;
    if (kind == "child.started") return vm::OpKind::Child;
    return vm::OpKind::Send;
}

// The same cut as the engine's history details (Activation.cpp capped()), so
// a payload too long for the history compares equal to its recorded cut.
Json capped(const std::string& json, size_t cap = 4096) {
    if (json.size() <= cap) {
        Json j = Json::parse(json, nullptr, false);
        if (!j.is_discarded()) return j;
    }
    return Json(json.substr(0, std::min(cap, json.size())) + (json.size() > cap ? "..." : ""));
}

Json parseOr(const std::optional<std::string>& s, Json fallback = Json::object()) {
    if (!s) return fallback;
    Json j = Json::parse(*s, nullptr, false);
    return j.is_discarded() ? fallback : j;
}

// Equal as JSON values: object key order does not matter (ordered_json's
// operator== would compare it).
bool sameJson(const Json& a, const Json& b) {
    using Plain = nlohmann::json;
    auto plain = [](const Json& j) {
        return Plain::parse(j.dump(-1, ' ', false, Json::error_handler_t::replace), nullptr, false);
    };
    return plain(a) == plain(b);
}

// Short, one-line JSON for messages.
std::string brief(const Json& j, size_t cap = 120) {
    std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (s.size() <= cap) return s;
    size_t cut = cap - 3;
    while (cut > 0 && (uint8_t(s[cut]) & 0xC0) == 0x80) // not inside a UTF-8 sequence
        --cut;
    return s.substr(0, cut) + "...";
}

std::string duration(int64_t ms) {
    struct U {
        int64_t n;
        const char* s;
    };
    for (U u : {U{86400000, "d"}, U{3600000, "h"}, U{60000, "m"}, U{1000, "s"}})
        if (ms != 0 && ms % u.n == 0) return std::to_string(ms / u.n) + u.s;
    return std::to_string(ms) + "ms";
}

// What an op asks for, in the same words for a recorded row and a new op.
struct OpView {
    vm::OpKind kind = vm::OpKind::Task;
    std::string name;  // task / signal / event type / emit type / send name / child workflow
    Json data;         // task args, emit payload, event match (compared or shown)
    std::string extra; // shown only: a sleep's duration, a send's target
    std::string where;
    std::string text() const {
        std::string s;
        switch (kind) {
        case vm::OpKind::Task:
            s = "task " + name + "(" + brief(data) + ")";
            break;
        case vm::OpKind::Timer:
            s = "sleep " + extra;
            break;
        case vm::OpKind::Signal:
            s = "signal(\"" + name + "\")";
            break;
        case vm::OpKind::Event:
            s = "waitForEvent(\"" + name + "\"" + (data.is_null() ? "" : ", match " + brief(data)) +
                ")";
            break;
        case vm::OpKind::Emit:
            s = "emit(\"" + name + "\", " + brief(data) + ")";
            break;
        case vm::OpKind::Send:
            s = "send(" + extra + ", \"" + name + "\")";
            break;
        case vm::OpKind::Child:
            s = "child workflow " + name + "(" + brief(data) + ")";
            break;
        }
        return where.empty() ? s : s + " at " + where;
    }
};

OpView viewOfRow(const store::HistoryRow& h) {
    OpView v;
    v.kind = rowOpKind(h.kind);
    v.name = h.name;
    Json d = parseOr(h.detail);
    if (!d.is_object()) d = Json::object();
    v.where = d.value("where", "");
    switch (v.kind) {
    case vm::OpKind::Task:
        v.data = d.contains("args") ? d["args"] : Json::object();
        break;
    case vm::OpKind::Timer:
        v.extra = d["ms"].is_number() ? duration(d["ms"].get<int64_t>()) : "?";
        break;
    case vm::OpKind::Event:
        v.data = d.contains("match") ? d["match"] : Json();
        break;
    case vm::OpKind::Emit:
        v.data = d.contains("payload") ? d["payload"] : Json();
        break;
    case vm::OpKind::Send:
        v.extra = d.value("run", "?");
        break;
    case vm::OpKind::Child:
        v.extra = d.value("run", "");
        break;
    case vm::OpKind::Signal:
        break;
    }
    return v;
}

OpView viewOfOp(const vm::Vm& v, const bytecode::Module& m, const vm::HostOp& op) {
    OpView o;
    o.kind = op.kind;
    o.where = v.sourceLine(op.fnIndex, op.pc);
    Json req = Json::parse(op.json, nullptr, false);
    if (!req.is_object()) req = Json::object();
    switch (op.kind) {
    case vm::OpKind::Task:
        o.name = op.index < m.tasks.size() ? m.str(m.tasks[op.index].name) : "?";
        o.data = capped(req.contains("args") ? req["args"].dump() : "{}");
        break;
    case vm::OpKind::Timer:
        o.name = "sleep";
        o.extra = req.contains("until") && req["until"].is_number()
                      ? "until " + std::to_string(int64_t(req["until"].get<double>()))
                      : duration(int64_t(req.value("ms", 0.0)));
        break;
    case vm::OpKind::Signal:
        o.name = req.value("name", "");
        break;
    case vm::OpKind::Event:
        o.name = req.value("type", "");
        o.data = req.contains("match") ? req["match"] : Json();
        break;
    case vm::OpKind::Emit:
        o.name = req.value("type", "");
        o.data = capped(req.contains("payload") ? req["payload"].dump() : "null");
        break;
    case vm::OpKind::Send:
        o.name = req.value("name", "");
        o.extra = req.value("runId", "?");
        break;
    case vm::OpKind::Child:
        o.name = req.value("workflow", "");
        o.data = req.contains("args") ? req["args"] : Json::array();
        o.extra = req.value("runId", "");
        break;
    }
    return o;
}

// A run's outcome, recorded or replayed.
struct Outcome {
    RunStatus status = RunStatus::Waiting;
    std::string result; // JSON, "" = undefined
    std::string error;  // JSON
    bool finished() const { return isFinal(status); }
    std::string text() const {
        if (status == RunStatus::Completed)
            return "the run completed with " +
                   (result.empty() ? "undefined" : brief(capped(result)));
        Json e = Json::parse(error, nullptr, false);
        std::string what;
        if (e.is_object() && e.contains("name"))
            what = e.value("name", "") +
                   (e.value("message", "").empty() ? "" : ": " + e.value("message", ""));
        else if (e.is_object() && e.contains("value"))
            what = brief(e["value"]);
        else
            what = brief(capped(error));
        return std::string(status == RunStatus::Cancelled ? "the run was cancelled ("
                                                          : "the run failed (") +
               what + ")";
    }
};

// Same decision? Completed: equal results as JSON; failed/cancelled: the same
// error name and message (or thrown value) — not the stack, whose lines move.
bool sameOutcome(const Outcome& a, const Outcome& b) {
    if (a.status != b.status) return false;
    if (a.status == RunStatus::Completed) {
        if (a.result.empty() || b.result.empty()) return a.result.empty() && b.result.empty();
        return sameJson(Json::parse(a.result, nullptr, false),
                        Json::parse(b.result, nullptr, false));
    }
    Json x = Json::parse(a.error, nullptr, false), y = Json::parse(b.error, nullptr, false);
    if (!x.is_object() || !y.is_object()) return x == y;
    for (const char* k : {"name", "message", "value"})
        if (!sameJson(x.value(k, Json()), y.value(k, Json()))) return false;
    return true;
}

class Replayer {
public:
    Replayer(Engine::Impl& im, const LoadedModule& mod, store::RunRow run)
        : im_(im), mod_(mod), run_(std::move(run)) {}

    ReplayReport go();

private:
    Engine::Impl& im_;
    const LoadedModule& mod_;
    store::RunRow run_;
    std::vector<store::HistoryRow> rows_;
    std::unique_ptr<vm::Vm> vm_;
    std::deque<uint64_t> unmatched_; // ops the new code created, not yet compared
    bool dirty_ = false;             // the VM has jobs to run (settled ops, a start)
    bool cancelSeen_ = false;
    bool timedOut_ = false; // the run ends failed with the timeout, whatever its code does
    Outcome out_;           // the replayed run's
    ReplayReport rep_;

    void runVm();
    void finish(RunStatus s, std::string result, std::string error);
    bool diverge(const std::string& at, uint64_t step, std::string expected, std::string actual);
    std::string nothingActual();
    std::string waitingText();
    bool matchOp(size_t i);
    bool complete(size_t i);
    bool finalRow(const store::HistoryRow& h);
    bool settle(uint64_t step, bool ok, const std::string& json, int64_t at);
    std::string describeCompletion(const store::HistoryRow& h);
};

void Replayer::finish(RunStatus s, std::string result, std::string error) {
    out_.status = s;
    out_.result = std::move(result);
    out_.error = std::move(error);
}

// The engine's step() loop body: run the jobs, check the outcome (as
// checkOutcome does), and take the new ops unless the run just ended (the
// engine never records ops created by the jobs that finished a run).
void Replayer::runVm() {
    dirty_ = false;
    if (out_.finished()) return;
    vm::Vm& v = *vm_;
    v.runJobs();
    if (auto r = v.takeUnhandledRejection()) {
        vm::HandleScope hs(v);
        hs.add(*r);
        finish(RunStatus::Failed, "", im_.errorJson(v, *r));
    } else if (vm::Promise* p = v.mainPromise()) {
        if (timedOut_ && p->state != vm::PromiseState::Pending) {
            finish(RunStatus::Failed, "",
                   jsonError("Timeout", "the workflow did not finish within its timeout"));
        } else if (p->state == vm::PromiseState::Fulfilled) {
            std::string json;
            try {
                if (auto j = vm::stringifyHostJson(v, p->result)) json = *j;
                finish(RunStatus::Completed, json, "");
            } catch (vm::ThrowSignal&) {
                vm::Value e = v.takeException();
                finish(RunStatus::Failed, "", im_.errorJson(v, e));
            }
        } else if (p->state == vm::PromiseState::Rejected) {
            std::string err = im_.errorJson(v, p->result);
            Json e = Json::parse(err, nullptr, false);
            bool cancelled = cancelSeen_ && e.is_object() && e.value("name", "") == "Cancelled";
            finish(cancelled ? RunStatus::Cancelled : RunStatus::Failed, "", err);
        } else if (v.ops().empty() && !v.hasJobs()) {
            finish(RunStatus::Failed, "",
                   jsonError("Deadlock",
                             "the workflow is waiting on a promise that nothing can settle"));
        }
    }
    std::vector<uint64_t> fresh = v.takeNewOps();
    if (!out_.finished()) unmatched_.insert(unmatched_.end(), fresh.begin(), fresh.end());
}

bool Replayer::diverge(const std::string& at, uint64_t step, std::string expected,
                       std::string actual) {
    rep_.compatible = false;
    rep_.at = at;
    rep_.step = step;
    rep_.expected = std::move(expected);
    rep_.actual = std::move(actual);
    return false;
}

std::string Replayer::waitingText() {
    std::string s;
    for (const auto& [id, op] : vm_->ops()) {
        if (!s.empty()) s += ", ";
        s += "step " + std::to_string(id) + " " + viewOfOp(*vm_, mod_.module, op).text();
    }
    return s;
}

// What the new code does where the recording did something more.
std::string Replayer::nothingActual() {
    if (out_.finished()) return "nothing — " + out_.text();
    std::string w = waitingText();
    return w.empty() ? "nothing" : "nothing new — the new code waits for " + w;
}

bool Replayer::matchOp(size_t i) {
    const store::HistoryRow& h = rows_[i];
    OpView want = viewOfRow(h);
    if (want.kind == vm::OpKind::Child) {
        // The history names the child run; its row has the full arguments.
        if (auto c = im_.store->getRun(want.extra)) want.data = parseOr(c->input, Json());
    }
    if (unmatched_.empty() && dirty_) runVm();
    if (unmatched_.empty()) return diverge("step", uint64_t(h.step), want.text(), nothingActual());
    uint64_t id = unmatched_.front();
    unmatched_.pop_front();
    const vm::HostOp* op = vm_->findOp(id);
    if (!op) return diverge("step", uint64_t(h.step), want.text(), "nothing (internal: op lost)");
    OpView got = viewOfOp(*vm_, mod_.module, *op);
    bool same = id == uint64_t(h.step) && got.kind == want.kind;
    if (same && want.kind != vm::OpKind::Timer) same = got.name == want.name;
    // The arguments are decisions too: a task's, an emit's payload, a wait's
    // match, a child's (durations, timeouts and targets are shown only).
    if (same && want.kind != vm::OpKind::Timer && want.kind != vm::OpKind::Signal &&
        want.kind != vm::OpKind::Send)
        same = sameJson(got.data, want.data);
    if (!same) {
        std::string actual = got.text();
        if (id != uint64_t(h.step)) actual += " (step " + std::to_string(id) + ")";
        return diverge("step", uint64_t(h.step), want.text(), actual);
    }
    ++rep_.steps;
    // Ops the engine settles as it records them.
    Json d = parseOr(h.detail);
    if (!d.is_object()) d = Json::object();
    if (h.kind == "event.emitted")
        return settle(id, true, std::to_string(d.value("event", int64_t(0))), h.at);
    if (h.kind == "signal.sent") return settle(id, true, "null", h.at);
    if (h.kind == "signal.send-failed") {
        std::string target = d.value("run", "");
        return settle(id, false, jsonError("RunNotFound", "no run '" + target + "'"), h.at);
    }
    return true;
}

bool Replayer::settle(uint64_t step, bool ok, const std::string& json, int64_t at) {
    vm_->runContext().nowMs = at;
    if (!vm_->completeOp(step, ok, json))
        return diverge("step", step, "a result for step " + std::to_string(step),
                       "step " + std::to_string(step) + " is not pending in the new code");
    dirty_ = true;
    return true;
}

std::string Replayer::describeCompletion(const store::HistoryRow& h) {
    if (h.kind == "run.cancel-requested") return "a cancel request";
    if (h.kind == "run.timed-out") return "the workflow timeout";
    std::string s = h.kind + " for step " + std::to_string(h.step);
    return h.name.empty() ? s : s + " (" + h.name + ")";
}

// Applies one recorded completion, as Activation.cpp apply() settled it.
bool Replayer::complete(size_t i) {
    const store::HistoryRow& h = rows_[i];
    // A signal already waiting is consumed in the same schedule() call that
    // records the wait: no jobs ran in between.
    bool immediate = h.kind == "signal.received" && i > 0 &&
                     rows_[i - 1].kind == "signal.waiting" && rows_[i - 1].step == h.step;
    if (!immediate) {
        // The previous op or completion row (task.started, retry rows and
        // the like say nothing about activations): after an op, this row
        // belongs to a later activation; after a completion, to the same group.
        size_t p = i;
        while (p > 0 && classify(rows_[p - 1].kind) == RowClass::Other &&
               rows_[p - 1].kind != "run.started")
            --p;
        bool afterOps = p == 0 || classify(rows_[p - 1].kind) != RowClass::Completion;
        if (afterOps && dirty_) runVm(); // the previous activation ran to quiescence
        if (!unmatched_.empty()) {
            const vm::HostOp* op = vm_->findOp(unmatched_.front());
            return diverge("step", unmatched_.front(),
                           "nothing — the recorded run waited here until " + describeCompletion(h),
                           op ? viewOfOp(*vm_, mod_.module, *op).text() : "?");
        }
        if (out_.finished()) return diverge("end", 0, describeCompletion(h), nothingActual());
    }
    Json d = parseOr(h.detail);
    if (!d.is_object()) d = Json::object();
    uint64_t step = uint64_t(h.step);
    const std::string& k = h.kind;
    if (k == "run.cancel-requested" || k == "run.timed-out") {
        // Every pending op fails with the same error (Activation.cpp step()).
        bool cancel = k == "run.cancel-requested";
        (cancel ? cancelSeen_ : timedOut_) = true;
        std::string err = cancel ? jsonError("Cancelled", "the run was cancelled")
                                 : jsonError("Timeout", "the workflow did not finish within "
                                                        "its timeout");
        std::vector<uint64_t> ids;
        for (const auto& [id, op] : vm_->ops())
            ids.push_back(id);
        for (uint64_t id : ids)
            if (!settle(id, false, err, h.at)) return false;
        return true;
    }
    if (k == "task.completed") {
        std::string result = d.contains("result") ? d["result"].dump() : "null";
        int64_t attempt = d.value("attempt", int64_t(0));
        for (const auto& a : im_.store->attempts(run_.id, h.step))
            if (a.attempt == attempt && a.result) result = *a.result;
        return settle(step, true, result, h.at);
    }
    if (k == "task.failed") {
        // Followed by its retry: not the op's outcome.
        if (i + 1 < rows_.size() && rows_[i + 1].kind == "task.retry-scheduled" &&
            rows_[i + 1].step == h.step)
            return true;
        Json extra = {{"attempts", d.value("attempt", int64_t(1))}, {"task", h.name}};
        std::string name = d.value("error", "TaskFailed");
        if (d.contains("exitCode") && name == "TaskFailed") extra["exitCode"] = d["exitCode"];
        if (d.contains("status")) extra["status"] = d["status"];
        return settle(step, false, jsonError(name, d.value("message", ""), extra), h.at);
    }
    if (k == "timer.fired") return settle(step, true, "null", h.at);
    if (k == "signal.timeout" || k == "event.timeout") {
        std::string what = (k == "signal.timeout" ? "signal '" : "event '") + h.name + "'";
        return settle(step, false, jsonError("Timeout", "no " + what + " within the timeout"),
                      h.at);
    }
    if (k == "signal.received") {
        std::string payload = d.contains("payload") ? d["payload"].dump() : "null";
        int64_t sid = d.value("signal", int64_t(0));
        if (sid > 0)
            for (const auto& s : im_.store->signalsSince(sid - 1, 1))
                if (s.id == sid) payload = s.payload;
        return settle(step, true, payload, h.at);
    }
    if (k == "event.received") {
        std::string payload = d.contains("payload") ? d["payload"].dump() : "null";
        if (auto e = im_.store->getEvent(d.value("event", int64_t(0)))) payload = e->payload;
        return settle(step, true, payload, h.at);
    }
    // child.completed / child.failed: the child's own row has the full outcome.
    auto child = im_.store->getRun(d.value("run", ""));
    bool ok = k == "child.completed";
    std::string json =
        ok ? (child && child->result ? *child->result : "null")
           : (child && child->error ? *child->error
                                    : jsonError("ChildFailed", "the child run failed"));
    return settle(step, ok, json, h.at);
}

bool Replayer::finalRow(const store::HistoryRow& h) {
    if (dirty_) runVm();
    Outcome want;
    want.status = h.kind == "run.completed" ? RunStatus::Completed
                  : h.kind == "run.failed"  ? RunStatus::Failed
                                            : RunStatus::Cancelled;
    want.result = run_.result.value_or("");
    want.error = run_.error.value_or("");
    if (!unmatched_.empty()) {
        const vm::HostOp* op = vm_->findOp(unmatched_.front());
        return diverge("step", unmatched_.front(), "nothing — " + want.text(),
                       op ? viewOfOp(*vm_, mod_.module, *op).text() : "?");
    }
    if (!out_.finished()) {
        // The engine ends a run whose workflow timeout passed, whatever it
        // waits for: the host's decision, not the code's.
        Json e = Json::parse(want.error, nullptr, false);
        if (want.status == RunStatus::Failed && e.is_object() && e.value("name", "") == "Timeout" &&
            e.value("message", "") == "the workflow did not finish within its timeout")
            return true;
        return diverge("end", 0, want.text(), nothingActual());
    }
    if (!sameOutcome(want, out_)) return diverge("end", 0, want.text(), out_.text());
    return true;
}

ReplayReport Replayer::go() {
    rep_.runId = run_.id;
    rep_.workflow = run_.workflow;
    rep_.moduleHash = mod_.hash;
    rep_.compatible = true;
    rows_ = im_.store->history(run_.id);
    size_t startRow = 0;
    while (startRow < rows_.size() && rows_[startRow].kind != "run.started")
        ++startRow;
    if (startRow == rows_.size())
        throw EngineError("run '" + run_.id + "' has no recorded history to replay", 2);

    // Console output goes to EngineOptions::out/err (flowrun replay drops it).
    vm_ = im_.makeVm(mod_);
    vm::Vm& v = *vm_;
    v.setRunId(run_.id);
    v.runContext().nowMs = rows_[startRow].at;
    int wf = im_.workflowIndex(mod_, run_.workflow);
    vm::Completion c = v.runInits();
    if (!c.ok) {
        finish(RunStatus::Failed, "", im_.errorJson(v, c.value));
    } else if (wf < 0) {
        diverge("start", 0, "workflow " + run_.workflow,
                "workflow " + run_.workflow + " no longer exists in the module");
        return rep_;
    } else {
        vm::HandleScope hs(v);
        std::string err;
        std::vector<vm::Value> list;
        auto args = vm::parseJson(v, run_.input, &err);
        if (args && vm::isArray(*args)) {
            hs.add(*args);
            list = vm::asArray(*args)->elems;
        }
        v.startWorkflow(uint32_t(wf), list);
        dirty_ = true;
    }

    bool sawFinal = false;
    for (size_t i = startRow + 1; i < rows_.size(); ++i) {
        const store::HistoryRow& h = rows_[i];
        bool ok = true;
        switch (classify(h.kind)) {
        case RowClass::Op:
            ok = matchOp(i);
            break;
        case RowClass::Completion:
            ok = complete(i);
            break;
        case RowClass::Final:
            ok = finalRow(h);
            sawFinal = true;
            break;
        case RowClass::Other:
            break;
        }
        if (!ok) return rep_;
        if (sawFinal) break;
    }
    if (sawFinal) return rep_;
    // The recording ends with the run waiting: the new code must wait too,
    // having asked for nothing the recording did not.
    if (dirty_) runVm();
    if (!unmatched_.empty()) {
        const vm::HostOp* op = vm_->findOp(unmatched_.front());
        diverge("step", unmatched_.front(), "nothing — the recorded run is waiting here",
                op ? viewOfOp(*vm_, mod_.module, *op).text() : "?");
    } else if (out_.finished()) {
        diverge("end", 0,
                "the recorded run goes on waiting (it is " + std::string(store::name(run_.status)) +
                    ")",
                out_.text());
    }
    return rep_;
}

void render(ReplayReport& r) {
    std::string mod = r.moduleHash.substr(0, 12);
    Json j = {{"compatible", r.compatible},
              {"run", r.runId},
              {"workflow", r.workflow},
              {"module", r.moduleHash},
              {"steps", r.steps}};
    if (r.compatible) {
        r.text = "compatible: " + std::to_string(r.steps) + (r.steps == 1 ? " step" : " steps") +
                 " replayed against " + mod + " (run " + r.runId + ", workflow " + r.workflow +
                 ")\n";
    } else {
        j["divergence"] = {
            {"at", r.at}, {"step", r.step}, {"expected", r.expected}, {"actual", r.actual}};
        std::string where = r.at == "step"  ? "step " + std::to_string(r.step)
                            : r.at == "end" ? "the end"
                                            : "the start";
        r.text = "divergence at " + where + ":\n  expected: " + r.expected +
                 "\n  actual:   " + r.actual + "\n  (" + std::to_string(r.steps) +
                 (r.steps == 1 ? " step" : " steps") + " matched before it; run " + r.runId +
                 ", workflow " + r.workflow + ", module " + mod + ")\n";
    }
    r.json = j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace

ReplayReport Engine::replay(const std::string& runId, std::span<const uint8_t> moduleBytes) {
    auto row = impl_->store->getRun(runId);
    if (!row) throw EngineError("no run '" + runId + "' in " + impl_->store->path(), 2);
    std::shared_ptr<LoadedModule> mod;
    if (moduleBytes.empty()) {
        try {
            mod = impl_->module(row->moduleHash);
        } catch (const EngineError& e) {
            throw EngineError(std::string("cannot replay run '") + runId + "': " + e.what(), 2);
        }
    } else {
        bytecode::LoadResult r = bytecode::readModule(moduleBytes);
        if (!r.ok()) throw EngineError("not a valid module: " + r.error.str(), 2);
        mod = std::make_shared<LoadedModule>();
        mod->hash = r.module->hashHex();
        if (mod->hash.rfind("sha256:", 0) == 0) mod->hash = mod->hash.substr(7);
        mod->module = std::move(*r.module);
    }
    Replayer rp(*impl_, *mod, *row);
    ReplayReport rep = rp.go();
    render(rep);
    return rep;
}

} // namespace flow::engine
