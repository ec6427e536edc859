// Activation.cpp — one durable boundary of a run: apply what arrived, run
// the VM until every fiber waits, hand new ops to their handlers, and record
// it all — history, op state, snapshot, run row — in the caller's single
// transaction (Engine.h explains the guarantees this gives).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "EngineImpl.h"
#include "flow/vm/Convert.h"
#include "flow/vm/Json.h"
#include "flow/vm/Natives.h"
#include "flow/vm/Snapshot.h"
#include "flow/vm/Unicode.h"

namespace flow::engine {

using store::RunStatus;
using store::TimerKind;

std::string jsonError(const std::string& name, const std::string& message, const Json& extra) {
    Json e = extra.is_object() ? extra : Json::object();
    e["name"] = name;
    e["message"] = message;
    return e.dump();
}

// The tasks performed in-process (docs/tasks.md): echo returns its argument
// object, noop null, fail fails with the error named by its first argument
// and the message of its second.
tasks::TaskResult runBuiltinTask(const std::string& name, const Json& args) {
    tasks::TaskResult r;
    r.ok = true;
    if (name == "echo") {
        r.resultJson = args.dump();
    } else if (name == "noop") {
        r.resultJson = "null";
    } else {
        std::vector<std::string> vals;
        for (auto it = args.begin(); it != args.end(); ++it)
            vals.push_back(it.value().is_string() ? it.value().get<std::string>()
                                                  : it.value().dump());
        r.ok = false;
        r.errorName = name == "fail" && !vals.empty() && !vals[0].empty() ? vals[0] : "TaskFailed";
        r.errorMessage = name == "fail" ? (vals.size() > 1 ? vals[1] : "")
                                        : "unknown builtin task '" + name + "'";
    }
    return r;
}

namespace {

// The task_attempts row of op's current attempt.
store::AttemptRow attemptRow(const Live& l, const OpState& op, store::AttemptStatus status) {
    store::AttemptRow a;
    a.runId = l.id;
    a.step = int64_t(op.step);
    a.attempt = op.attempt;
    a.task = op.name;
    a.status = status;
    a.startedAt = op.attemptStartedAt;
    return a;
}

// Appends `s` as a JSON string exactly as Json::dump() writes it (the rows
// built as text below must read as they did when built with Json). On ASCII
// the VM's JSON.stringify quoting writes the same escapes; other bytes go
// through Json: it validates UTF-8.
void jsonString(std::string& out, std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) {
            out += Json(std::string(s)).dump();
            return;
        }
    vm::quoteJsonString(out, s);
}

// Keeps history details readable: long payloads are cut (to a string).
Json capped(const std::string& json, size_t cap = 4096) {
    if (json.size() <= cap) {
        Json j = Json::parse(json, nullptr, false);
        if (!j.is_discarded()) return j;
    }
    return Json(json.substr(0, std::min(cap, json.size())) + (json.size() > cap ? "..." : ""));
}

} // namespace

void Engine::Impl::history(Live& l, const std::string& kind, uint64_t step, const std::string& name,
                           const Json& detail, int64_t line) {
    store::HistoryRow h;
    h.runId = l.id;
    h.at = now();
    h.kind = kind;
    h.seq = l.row.seq + 1; // the run's rows are written only by its lease holder
    h.step = int64_t(step);
    h.name = name;
    if (!detail.is_null()) h.detail = detail.dump();
    h.line = line;
    l.row.seq = h.seq;
    l.history.push_back(std::move(h)); // written at the end of the boundary (step)
}

void Engine::Impl::history(Live& l, const std::string& kind, uint64_t step, const std::string& name,
                           Json detail, const OpState& op) {
    if (!detail.is_object()) detail = Json::object();
    detail["where"] = op.where;
    history(l, kind, step, name, detail, op.line);
}

void Engine::Impl::historyText(Live& l, const std::string& kind, uint64_t step,
                               const std::string& name, std::string_view members,
                               const OpState& op) {
    store::HistoryRow h;
    h.runId = l.id;
    h.at = now();
    h.kind = kind;
    h.seq = l.row.seq + 1;
    h.step = int64_t(step);
    h.name = name;
    std::string d;
    d.reserve(members.size() + op.where.size() + 16);
    d += '{';
    d += members;
    d += members.empty() ? "\"where\":" : ",\"where\":";
    jsonString(d, op.where);
    d += '}';
    h.detail = std::move(d);
    h.line = op.line;
    l.row.seq = h.seq;
    l.history.push_back(std::move(h));
}

std::string Engine::Impl::errorJson(vm::Vm& v, vm::Value e) {
    using namespace vm;
    Json out = Json::object();
    HandleScope hs(v);
    hs.add(e);
    try {
        bool isError = false;
        if (isObjectLike(e))
            for (Object* p = asObj(e)->proto; p; p = p->proto)
                if (p == v.errorProtos[0]) isError = true;
        if (isError) {
            Value nm = v.getNamed(e, v.names.name), msg = v.getNamed(e, v.names.message),
                  st = v.getNamed(e, v.names.stack);
            // Strict UTF-8 (lone surrogates become U+FFFD): Json refuses WTF-8.
            std::string name = toUtf8(toStdString(v, nm));
            std::string message = msg.isUndefined() ? "" : toUtf8(toStdString(v, msg));
            std::string trace;
            if (isString(st)) {
                const std::string& s = asString(st)->data;
                auto nl = s.find("\n    at ");
                if (nl != std::string::npos) trace = toUtf8(s.substr(nl));
            }
            // Extra fields a task error carries (attempts, status, exitCode).
            for (String* k : asObj(e)->ownKeys()) {
                auto j = stringifyHostJson(v, *asObj(e)->findOwn(k));
                if (j) out[toUtf8(k->view())] = Json::parse(*j, nullptr, false);
            }
            out["name"] = name;
            out["message"] = message;
            out["text"] = name + (message.empty() ? "" : ": " + message) + trace;
        } else {
            std::string text;
            if (isString(e)) {
                quoteJsonString(text, asString(e)->view(), true);
            } else {
                text = toUtf8(inspectValue(v, e));
            }
            auto j = stringifyHostJson(v, e);
            out["value"] = j ? Json::parse(*j, nullptr, false) : Json();
            out["text"] = text;
        }
    } catch (ThrowSignal&) {
        v.takeException();
        out["text"] = "(an error whose description threw)";
    }
    return out.dump();
}

void Engine::Impl::completeOp(Live& l, uint64_t step, bool ok, const std::string& json) {
    l.ops.erase(step);
    l.vm->runContext().nowMs = now();
    l.vm->completeOp(step, ok, json);
}

// Runs the job queue. In hard-snapshot mode the VM is snapshotted and
// restored into a new Vm between every job (and, through the VM's back-edge
// yields, inside every loop): anything a snapshot forgot shows up as a
// different outcome.
//
// A boundary's slice (EngineOptions::sliceMs) starts with its first job; once
// it ended, the rest of the queue waits for the run's next boundary.
void Engine::Impl::runJobs(Live& l) {
    if (l.computing) return;
    if (l.sliceDeadline) l.vm->armSlice(*l.sliceDeadline);
    if (!opts.hardSnapshot) {
        l.vm->runJobs();
        l.computing = l.vm->sliceEnded();
    } else {
        while (l.vm->runOneJob()) {
            l.computing = l.vm->sliceEnded();
            std::vector<uint8_t> blob = vm::takeSnapshot(*l.vm);
            auto fresh = makeVm(l.mod);
            vm::restoreSnapshot(*fresh, blob);
            l.vm = std::move(fresh);
            if (l.computing) break;
            if (l.sliceDeadline) l.vm->armSlice(*l.sliceDeadline);
        }
    }
    l.vm->disarmSlice();
}

void Engine::Impl::startFresh(Live& l) {
    l.fresh = false;
    vm::Vm& v = *l.vm;
    v.setRunId(l.id);
    v.runContext().nowMs = now();
    int wf = workflowIndex(*l.mod, l.row.workflow);
    Json detail = {
        {"workflow", l.row.workflow}, {"input", capped(l.row.input)}, {"module", l.mod->hash}};
    if (l.row.parentRun) detail["parent"] = *l.row.parentRun;
    if (l.row.triggerEvent) detail["triggerEvent"] = *l.row.triggerEvent;
    history(l, "run.started", 0, l.row.workflow, detail, 0);
    vm::Completion c = v.runInits();
    if (!c.ok) {
        finish(l, RunStatus::Failed, "", errorJson(v, c.value));
        return;
    }
    if (wf < 0) {
        finish(l, RunStatus::Failed, "",
               jsonError("UnknownWorkflow", "the module has no workflow '" + l.row.workflow + "'"));
        return;
    }
    vm::HandleScope hs(v);
    std::string err;
    auto args = vm::parseJson(v, l.row.input, &err);
    std::vector<vm::Value> list;
    if (args && vm::isArray(*args)) {
        hs.add(*args);
        list = vm::asArray(*args)->elems;
    }
    Json wopts = Json::parse(l.mod->module.str(l.mod->module.workflows[size_t(wf)].optionsJson),
                             nullptr, false);
    // The workflow's declared timeout, or the one its start set
    // (`start wf(x) with { timeout }`, stored as a timer when the run was
    // created): the earlier one applies.
    for (const auto& t : store->timers(l.id))
        if (t.kind == TimerKind::WorkflowTimeout) l.workflowTimeoutAt = t.dueAt;
    if (wopts.is_object() && wopts.contains("timeout") && wopts["timeout"].is_number()) {
        int64_t declared = now() + int64_t(wopts["timeout"].get<double>());
        if (!l.workflowTimeoutAt || declared < *l.workflowTimeoutAt) {
            l.workflowTimeoutAt = declared;
            store->putTimer({l.id, 0, declared, TimerKind::WorkflowTimeout});
        }
    }
    // The workflow's code up to its first await runs here, in the slice too.
    if (l.sliceDeadline) v.armSlice(*l.sliceDeadline);
    v.startWorkflow(uint32_t(wf), list);
    l.computing = v.sliceEnded();
    v.disarmSlice();
}

void Engine::Impl::startAttempt(Live& l, OpState& op) {
    ++op.attempt;
    op.attemptStartedAt = now();
    op.due.reset();
    if (l.mod->module.tasks[op.index].kind == bytecode::TaskKind::Builtin && !opts.interceptor)
        op.attemptUnwritten = true;
    else
        store->putAttempt(attemptRow(l, op, store::AttemptStatus::Running));
    historyText(l, "task.started", op.step, op.name, "\"attempt\":" + std::to_string(op.attempt),
                op);
    l.toDispatch.push_back(op.step);
}

// A new op: record it and start its work. True when it completed at once
// (the VM then has jobs to run in this same boundary).
bool Engine::Impl::schedule(Live& l, uint64_t id) {
    const vm::HostOp* hop = l.vm->findOp(id);
    if (!hop) return false;
    OpState op;
    op.step = id;
    op.kind = hop->kind;
    op.index = hop->index;
    op.req = Json::parse(hop->json, nullptr, false);
    op.line = l.vm->lineOf(hop->fnIndex, hop->pc);
    op.where = l.vm->sourceLine(hop->fnIndex, hop->pc);
    const auto& m = l.mod->module;
    int64_t t = now();
    switch (hop->kind) {
    case vm::OpKind::Task: {
        op.name = m.str(m.tasks[hop->index].name);
        // {"args": capped(args)}: a dump parses and dumps back to itself,
        // so the args text goes in as it is unless it is cut.
        std::string args = op.req["args"].dump();
        std::string members = "\"args\":";
        if (args.size() <= 4096)
            members += args;
        else
            members += capped(args).dump();
        historyText(l, "task.scheduled", id, op.name, members, op);
        auto& stored = l.ops.emplace(id, std::move(op)).first->second;
        startAttempt(l, stored);
        return false;
    }
    case vm::OpKind::Timer: {
        int64_t due = op.req.contains("until") ? int64_t(op.req["until"].get<double>())
                                               : t + int64_t(op.req.value("ms", 0.0));
        op.due = due;
        store->putTimer({l.id, int64_t(id), due, TimerKind::Sleep});
        history(l, "timer.started", id, "sleep", {{"due", due}, {"ms", due - t}}, op);
        l.ops.emplace(id, std::move(op));
        return false;
    }
    case vm::OpKind::Signal:
    case vm::OpKind::Event: {
        bool isSignal = hop->kind == vm::OpKind::Signal;
        op.name = op.req.value(isSignal ? "name" : "type", "");
        Json detail = Json::object();
        if (op.req["timeoutMs"].is_number()) {
            op.timeoutAt = t + int64_t(op.req["timeoutMs"].get<double>());
            store->putTimer({l.id, int64_t(id), *op.timeoutAt, TimerKind::Timeout});
            detail["timeoutAt"] = *op.timeoutAt;
        }
        if (!isSignal) {
            op.eventCursor = store->lastEventId();
            detail["cursor"] = op.eventCursor;
            detail["match"] = op.req["match"];
        }
        history(l, isSignal ? "signal.waiting" : "event.waiting", id, op.name, detail, op);
        auto& stored = l.ops.emplace(id, std::move(op)).first->second;
        if (isSignal) {
            auto pending = store->pendingSignals(l.id, stored.name);
            if (!pending.empty()) {
                Arrival a;
                a.kind = Arrival::Kind::Signal;
                a.step = id;
                a.signal = pending.front();
                apply(l, a);
                return true;
            }
        }
        return false;
    }
    case vm::OpKind::Emit: {
        std::string type = op.req.value("type", "");
        std::string payload = op.req.contains("payload") ? op.req["payload"].dump() : "null";
        int64_t ev = store->appendEvent(type, payload, t, l.id, int64_t(id));
        history(l, "event.emitted", id, type, {{"event", ev}, {"payload", capped(payload)}}, op);
        l.vm->completeOp(id, true, std::to_string(ev));
        return true;
    }
    case vm::OpKind::Send: {
        std::string target = op.req.value("runId", ""), name = op.req.value("name", "");
        std::string payload = op.req.contains("payload") ? op.req["payload"].dump() : "null";
        auto row = store->getRun(target);
        if (!row) {
            history(l, "signal.send-failed", id, name, {{"run", target}}, op);
            l.vm->completeOp(id, false, jsonError("RunNotFound", "no run '" + target + "'"));
            return true;
        }
        store->addSignal(target, name, payload, t);
        history(l, "signal.sent", id, name, {{"run", target}, {"payload", capped(payload)}}, op);
        l.vm->completeOp(id, true, "null");
        return true;
    }
    case vm::OpKind::Child: {
        op.name = op.req.value("workflow", "");
        op.childRun = op.req.value("runId", "");
        store::RunRow child;
        child.id = op.childRun;
        child.workflow = op.name;
        child.moduleHash = l.mod->hash;
        child.status = RunStatus::Running;
        child.input = op.req.contains("args") ? op.req["args"].dump() : "[]";
        child.parentRun = l.id;
        child.baseDir = l.row.baseDir; // the same module, the same tasks
        child.createdAt = child.updatedAt = t;
        if (!store->getRun(child.id)) {
            store->createRun(child);
            const Json& o = op.req["options"];
            if (o.is_object() && o.contains("timeout") && o["timeout"].is_number())
                store->putTimer({child.id, 0, t + int64_t(o["timeout"].get<double>()),
                                 TimerKind::WorkflowTimeout});
        }
        history(l, "child.started", id, op.name, {{"run", op.childRun}}, op);
        l.toStart.push_back(op.childRun);
        l.ops.emplace(id, std::move(op));
        return false;
    }
    }
    return false;
}

// Stops an op's work (task process, timers, child run) without settling it.
void Engine::Impl::cleanupOp(Live& l, OpState& op) {
    // An attempt recorded `running` but not started yet (it starts after the
    // commit, or on resume) is over too: its row must not stay `running`.
    bool queued =
        std::find(l.toDispatch.begin(), l.toDispatch.end(), op.step) != l.toDispatch.end();
    if (op.kind == vm::OpKind::Task && (op.inFlight || queued)) {
        if (op.inFlight) l.toKill.push_back(op.execId);
        op.inFlight = false;
        op.attemptUnwritten = false; // the upsert writes the whole row
        store::AttemptRow a = attemptRow(l, op, store::AttemptStatus::Cancelled);
        a.finishedAt = now();
        store->putAttempt(a);
    }
    std::erase(l.toDispatch, op.step);
    for (auto k : {TimerKind::Sleep, TimerKind::Retry, TimerKind::Timeout})
        store->deleteTimer(l.id, int64_t(op.step), k);
    if (op.kind == vm::OpKind::Child && !op.childRun.empty()) {
        auto child = store->getRun(op.childRun);
        if (child && (child->status == RunStatus::Running || child->status == RunStatus::Waiting))
            store->requestCancel(op.childRun);
    }
}

void Engine::Impl::failOp(Live& l, OpState& op, const std::string& name,
                          const std::string& message) {
    cleanupOp(l, op);
    uint64_t step = op.step;
    completeOp(l, step, false, jsonError(name, message));
}

void Engine::Impl::apply(Live& l, Arrival& a) {
    auto it = l.ops.find(a.step);
    if (it == l.ops.end()) return; // settled meanwhile (cancelled, or the run finished)
    OpState& op = it->second;
    int64_t t = now();
    switch (a.kind) {
    case Arrival::Kind::TaskResult: {
        const tasks::TaskResult& r = a.task;
        op.inFlight = false;
        store::AttemptRow row =
            attemptRow(l, op, r.ok ? store::AttemptStatus::Ok : store::AttemptStatus::Error);
        row.finishedAt = t;
        if (r.ok) row.result = r.resultJson;
        if (!r.ok) {
            row.errorName = r.errorName;
            row.errorMessage = r.errorMessage;
        }
        if (!r.stderrTail.empty()) row.stderrText = r.stderrTail;
        if (op.attemptUnwritten) {
            op.attemptUnwritten = false;
            store->insertAttempt(row);
        } else {
            store->putAttempt(row);
        }
        if (r.ok) {
            // A builtin's result is Json::dump() text already (runBuiltinTask),
            // which capped() would parse and dump back to itself.
            bool canonical = r.resultJson.size() <= 4096 && !opts.interceptor &&
                             l.mod->module.tasks[op.index].kind == bytecode::TaskKind::Builtin;
            std::string members =
                "\"attempt\":" + std::to_string(op.attempt) +
                ",\"durationMs\":" + std::to_string(r.durationMs) +
                ",\"result\":" + (canonical ? r.resultJson : capped(r.resultJson).dump());
            historyText(l, "task.completed", op.step, op.name, members, op);
            completeOp(l, op.step, true, r.resultJson);
            return;
        }
        Json detail = {{"attempt", op.attempt}, {"durationMs", r.durationMs}};
        detail["error"] = r.errorName;
        detail["message"] = r.errorMessage;
        if (r.exitCode >= 0) detail["exitCode"] = r.exitCode;
        if (r.httpStatus) detail["status"] = r.httpStatus;
        history(l, "task.failed", op.step, op.name, detail, op);
        op.errors.push_back(retryKey(r.errorName, r.errorMessage));
        uint64_t seed = std::hash<std::string>{}(l.id) ^ (op.step * 0x9E3779B97F4A7C15ull) ^
                        uint64_t(op.attempt);
        RetryDecision d = decideRetry(l.mod->taskOptions[op.index].retry, op.errors, seed);
        if (d.retry && !l.cancelSeen && !l.timedOut) {
            // From now, not from when the result arrived: the back-off is
            // never shorter than the delay, whatever the rows' times say.
            op.due = now() + d.delayMs;
            store->putTimer({l.id, int64_t(op.step), *op.due, TimerKind::Retry});
            history(l, "task.retry-scheduled", op.step, op.name,
                    {{"delayMs", d.delayMs}, {"retry", d.retryNo}, {"nextAttempt", op.attempt + 1}},
                    op);
            return;
        }
        Json extra = {{"attempts", op.attempt}, {"task", op.name}};
        if (r.exitCode >= 0 && r.errorName == "TaskFailed") extra["exitCode"] = r.exitCode;
        if (r.httpStatus) extra["status"] = r.httpStatus;
        completeOp(l, op.step, false, jsonError(r.errorName, r.errorMessage, extra));
        return;
    }
    case Arrival::Kind::RetryDue:
        store->deleteTimer(l.id, int64_t(op.step), TimerKind::Retry);
        startAttempt(l, op);
        return;
    case Arrival::Kind::TimerFired:
        store->deleteTimer(l.id, int64_t(op.step), TimerKind::Sleep);
        history(l, "timer.fired", op.step, "sleep", Json(), op);
        completeOp(l, op.step, true, "null");
        return;
    case Arrival::Kind::WaitTimeout: {
        store->deleteTimer(l.id, int64_t(op.step), TimerKind::Timeout);
        bool isSignal = op.kind == vm::OpKind::Signal;
        history(l, isSignal ? "signal.timeout" : "event.timeout", op.step, op.name, Json(), op);
        std::string what = isSignal ? "signal '" + op.name + "'" : "event '" + op.name + "'";
        completeOp(l, op.step, false, jsonError("Timeout", "no " + what + " within the timeout"));
        return;
    }
    case Arrival::Kind::Signal:
        if (!store->consumeSignal(a.signal.id, int64_t(op.step))) return;
        store->deleteTimer(l.id, int64_t(op.step), TimerKind::Timeout);
        history(l, "signal.received", op.step, op.name,
                {{"signal", a.signal.id}, {"payload", capped(a.signal.payload)}}, op);
        completeOp(l, op.step, true, a.signal.payload);
        return;
    case Arrival::Kind::Event: {
        store::ConsumerRow c;
        c.eventId = a.event.id;
        c.consumer = l.id + "/" + std::to_string(op.step);
        c.kind = store::ConsumerKind::Wait;
        c.runId = l.id;
        c.at = t;
        if (!store->addConsumer(c)) return;
        store->deleteTimer(l.id, int64_t(op.step), TimerKind::Timeout);
        history(l, "event.received", op.step, op.name,
                {{"event", a.event.id}, {"payload", capped(a.event.payload)}}, op);
        completeOp(l, op.step, true, a.event.payload);
        return;
    }
    case Arrival::Kind::ChildDone: {
        const store::RunRow& c = a.child;
        bool ok = c.status == RunStatus::Completed;
        history(l, ok ? "child.completed" : "child.failed", op.step, op.name,
                {{"run", c.id}, {"status", std::string(store::name(c.status))}}, op);
        completeOp(l, op.step, ok,
                   ok ? c.result.value_or("null")
                      : c.error.value_or(jsonError("ChildFailed", "the child run failed")));
        return;
    }
    }
}

void Engine::Impl::finish(Live& l, RunStatus status, const std::string& resultJson,
                          const std::string& errorJsonText) {
    for (auto& [id, op] : l.ops)
        cleanupOp(l, op);
    l.ops.clear();
    store->deleteTimers(l.id);
    l.workflowTimeoutAt.reset();
    Json detail = Json::object();
    if (status == RunStatus::Completed) {
        if (!resultJson.empty()) detail["result"] = capped(resultJson);
    } else {
        detail["error"] = capped(errorJsonText, 16384);
    }
    history(l, "run." + std::string(store::name(status)), 0, l.row.workflow, detail, 0);
    l.row.status = status;
    if (status == RunStatus::Completed) {
        if (!resultJson.empty()) l.row.result = resultJson;
        l.row.error.reset(); // a cancel the workflow caught and recovered from
    } else
        l.row.error = errorJsonText;
    l.row.waiting.reset();
    l.row.updatedAt = now();
    store->updateRun(l.row);
    l.finished = true;
}

// After the VM ran: has the workflow finished, or did an unhandled
// rejection end it (node's semantics, as in `flowrun run` without a store)?
void Engine::Impl::checkOutcome(Live& l) {
    // A slice ended with jobs still queued: as if the queue had not drained
    // yet (a rejection may get its handler later in it); the boundary that
    // drains the queue decides.
    if (l.computing) return;
    vm::Vm& v = *l.vm;
    if (auto r = v.takeUnhandledRejection()) {
        vm::HandleScope hs(v);
        hs.add(*r);
        finish(l, RunStatus::Failed, "", errorJson(v, *r));
        return;
    }
    vm::Promise* p = v.mainPromise();
    if (!p) return;
    if (l.timedOut && p->state != vm::PromiseState::Pending) {
        // The run fails with the timeout, whatever its code made of it.
        finish(l, RunStatus::Failed, "", *l.row.error);
        return;
    }
    if (p->state == vm::PromiseState::Pending) {
        // Nothing queued and nothing asked of the host: no event can ever
        // settle what the workflow awaits.
        if (v.ops().empty() && !v.hasJobs())
            finish(l, RunStatus::Failed, "",
                   l.timedOut ? *l.row.error
                              : jsonError("Deadlock", "the workflow is waiting on a promise "
                                                      "that nothing can settle"));
        return;
    }
    if (p->state == vm::PromiseState::Fulfilled) {
        std::string json; // empty: undefined (no JSON)
        try {
            auto j = vm::stringifyHostJson(v, p->result);
            if (j) json = *j;
        } catch (vm::ThrowSignal&) {
            vm::Value e = v.takeException();
            finish(l, RunStatus::Failed, "", errorJson(v, e));
            return;
        }
        // The store could not keep it (its commit would fail on every
        // resume, the run stuck): fail the run instead, as for a cycle.
        if (std::string deep =
                store::jsonDepthError(json, "the workflow's result", store::kMaxStoredJsonDepth);
            !deep.empty()) {
            finish(l, RunStatus::Failed, "", jsonError("RangeError", deep));
            return;
        }
        finish(l, RunStatus::Completed, json, "");
        return;
    }
    std::string err = errorJson(v, p->result);
    Json e = Json::parse(err, nullptr, false);
    bool cancelled = l.cancelSeen && e.is_object() && e.value("name", "") == "Cancelled";
    finish(l, cancelled ? RunStatus::Cancelled : RunStatus::Failed, "", err);
}

std::string Engine::Impl::waitingText(Live& l) {
    // As Json would write [{"step", "kind", "name", "line", "where", ...}],
    // built as text: this runs at every boundary.
    std::string out = "[";
    // A slice ended mid-computation: the run computes (docs/runtime.md);
    // where it goes on, as step 0 of kind "compute".
    if (l.computing) {
        if (auto at = l.vm->stoppedAt()) {
            out += "{\"step\":0,\"kind\":\"compute\",\"name\":\"\",\"line\":" +
                   std::to_string(l.vm->lineOf(at->first, at->second)) + ",\"where\":";
            jsonString(out, l.vm->sourceLine(at->first, at->second));
            out += '}';
        }
    }
    for (auto& [id, op] : l.ops) {
        if (out.size() > 1) out += ',';
        out += "{\"step\":" + std::to_string(id) + ",\"kind\":";
        jsonString(out, vm::opKindName(op.kind));
        out += ",\"name\":";
        jsonString(out, op.name);
        out += ",\"line\":" + std::to_string(op.line) + ",\"where\":";
        jsonString(out, op.where);
        if (op.kind == vm::OpKind::Task) {
            out += ",\"attempt\":" + std::to_string(op.attempt);
            out += op.due ? ",\"state\":\"retry-backoff\",\"due\":" + std::to_string(*op.due)
                          : ",\"state\":\"running\",\"startedAt\":" +
                                std::to_string(op.attemptStartedAt);
        }
        if (op.kind == vm::OpKind::Timer && op.due) out += ",\"due\":" + std::to_string(*op.due);
        if (op.timeoutAt) out += ",\"timeoutAt\":" + std::to_string(*op.timeoutAt);
        if (op.kind == vm::OpKind::Event) out += ",\"match\":" + op.req["match"].dump();
        if (op.kind == vm::OpKind::Child) {
            out += ",\"run\":";
            jsonString(out, op.childRun);
        }
        out += '}';
    }
    out += ']';
    return out;
}

void Engine::Impl::saveBoundary(Live& l) {
    for (auto& [id, op] : l.ops)
        if (op.attemptUnwritten) {
            op.attemptUnwritten = false;
            store->putAttempt(attemptRow(l, op, store::AttemptStatus::Running));
        }
    if (l.finished) return;
    l.row.status = l.computing ? RunStatus::Running : RunStatus::Waiting;
    l.row.waiting = waitingText(l);
    l.row.updatedAt = now();
    if (opts.boundarySnapshots) {
        // The snapshot walks the heap's object list (to find the boot
        // objects), so garbage makes it slower; but a collection marks the
        // whole heap, builtins included, which cost more than the rest of the
        // snapshot. Collect once the allocations since the last collection
        // here reach half the live objects (at least 1,024): the heap stays
        // within ~1.5x of the run's state, and a step that allocates a few
        // dozen objects collects every few dozen steps, not at each one.
        vm::Vm& v = *l.vm;
        // (A VM replaced since, in hard-snapshot mode, counts from 0 again.)
        size_t since =
            v.allocCount() >= l.allocsAtGc ? v.allocCount() - l.allocsAtGc : v.allocCount();
        if (since >= std::max<size_t>(1024, v.liveObjects() / 2)) {
            v.collectGarbage();
            l.allocsAtGc = v.allocCount();
        }
        std::vector<uint8_t> blob = vm::takeSnapshot(*l.vm);
        store->putSnapshot(l.id, l.row.seq, blob, l.row.updatedAt);
    }
    store->updateRun(l.row);
}

void Engine::Impl::step(Live& l) {
    runBoundary(l);
    saveBoundary(l);
}

void Engine::Impl::runBoundary(Live& l) {
    l.history.clear(); // (left over only by a boundary that threw)
    l.computing = false;
    if (opts.sliceMs > 0)
        l.sliceDeadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(opts.sliceMs);
    vm::Vm& v0 = *l.vm;
    v0.runContext().nowMs = now();
    // Runs the VM until every fiber waits, scheduling the ops it asks for.
    auto runToWaits = [&] {
        while (!l.finished) {
            runJobs(l);
            checkOutcome(l);
            if (l.finished) break;
            std::vector<uint64_t> fresh = l.vm->takeNewOps();
            bool progressed = false;
            for (uint64_t id : fresh)
                progressed |= schedule(l, id);
            if (!progressed) break;
        }
    };
    if (l.fresh) {
        startFresh(l);
        // A run cancelled, or past its timeout, before its first activation
        // (a child run whose parent ended or was cancelled before any process
        // drove the child): the workflow first reaches its first waits, so
        // that the cancel or the timeout below has ops to fail. Applied to no
        // ops at all, it was lost and the run waited forever.
        bool timeoutDue = l.workflowTimeoutAt && *l.workflowTimeoutAt <= now();
        if (!l.finished && ((l.row.cancelRequested && !l.cancelSeen) || timeoutDue)) runToWaits();
    }
    // Cancel and the workflow timeout fail every pending wait and task with
    // the same error; the workflow's catch and finally blocks then run (and
    // may start new steps) before the run ends.
    auto failPending = [&](const std::string& name, const std::string& message) {
        // The run's error while it unwinds (a resumed run reads it, Load.cpp):
        // once the timeout applied it stays the Timeout the run fails with,
        // marked "cancelled" when a cancel was applied too, so that a crash
        // forgets neither.
        if (l.timedOut)
            l.row.error = jsonError("Timeout", "the workflow did not finish within its timeout",
                                    l.cancelSeen ? Json{{"cancelled", true}} : Json::object());
        else
            l.row.error = jsonError(name, message);
        std::vector<uint64_t> ids;
        for (auto& [id, op] : l.ops)
            ids.push_back(id);
        for (uint64_t id : ids)
            if (auto it = l.ops.find(id); it != l.ops.end()) failOp(l, it->second, name, message);
        // Code computing without an await, stopped at the end of a time slice,
        // gets the error where it stopped: otherwise a loop that never awaits
        // could be neither cancelled nor timed out.
        l.vm->interruptStopped(name, message);
    };
    if (!l.finished && l.row.cancelRequested && !l.cancelSeen) {
        l.cancelSeen = true;
        history(l, "run.cancel-requested", 0, l.row.workflow, Json(), 0);
        failPending("Cancelled", "the run was cancelled");
    }
    if (!l.finished && !l.timedOut && l.workflowTimeoutAt && *l.workflowTimeoutAt <= now()) {
        l.timedOut = true;
        store->deleteTimer(l.id, 0, TimerKind::WorkflowTimeout);
        l.workflowTimeoutAt.reset();
        history(l, "run.timed-out", 0, l.row.workflow, Json(), 0);
        failPending("Timeout", "the workflow did not finish within its timeout");
    }
    ++l.activations;
    if (opts.arrivalSeed && l.arrivals.size() > 1) shuffleArrivals(l);
    std::vector<Arrival> arrivals;
    arrivals.swap(l.arrivals);
    for (auto& a : arrivals) {
        if (l.finished) break;
        apply(l, a);
    }
    runToWaits();
    // The slice ended with the workflow still computing: ready again at once
    // (an empty arrival), after this boundary commits.
    l.sliceDeadline.reset();
    if (l.computing && !l.finished) l.arrivals.push_back({});
    store->appendHistoryRows(l.history);
    l.history.clear();
}

// The boundary asked for nothing outside the process: no attempt of an exec
// or http task (only in-process builtins), no kill, no child to start, and the
// run goes on.
bool Engine::Impl::continuesInProcess(Live& l) {
    if (l.finished || l.toDispatch.empty() || !l.toKill.empty() || !l.toStart.empty() ||
        !l.arrivals.empty() || !opts.dispatchTasks || opts.interceptor)
        return false;
    const auto& m = l.mod->module;
    for (uint64_t step : l.toDispatch) {
        auto it = l.ops.find(step);
        if (it == l.ops.end() || it->second.inFlight ||
            m.tasks[it->second.index].kind != bytecode::TaskKind::Builtin)
            return false;
    }
    return true;
}

void Engine::Impl::activate(const std::vector<Live*>& runs) {
    if (runs.empty()) return;
    try {
        // Deferred: the commit does not wait for its fsync; afterCommit waits
        // for it before anything leaves the process (a task attempt starts),
        // and drive()/work() before they return. Meanwhile the next
        // boundaries (in-process task results) are computed and committed, and
        // one fsync covers them all.
        store::Store::Txn txn = store->begin(store::Store::Sync::Deferred);
        // A run whose boundary asked only for in-process results (builtin
        // tasks) goes on at once, in this transaction: its next boundaries
        // join it (each whole, with its history rows), and its snapshot and
        // run row are written once, after the last of them. Run by run,
        // not round by round: a run's heap stays in the caches from one of
        // its boundaries to the next, which with hundreds of runs ready
        // together halves a step's CPU time (bench/runtime (b)). Bounded per
        // run, per transaction and in time, which bounds what a crash makes
        // redo (in-process work only: nothing left the process) and how long
        // the write lock is held (time slices: a boundary may compute for
        // up to sliceMs before its await).
        constexpr int kMaxChain = 64;
        constexpr size_t kMaxBoundaries = 4096;
        constexpr auto kChainBudget = std::chrono::milliseconds(50);
        const auto began = std::chrono::steady_clock::now();
        size_t boundaries = 0;
        for (Live* l : runs) {
            runBoundary(*l);
            ++boundaries;
            for (int n = 1;
                 n < kMaxChain && boundaries < kMaxBoundaries && continuesInProcess(*l) &&
                 std::chrono::steady_clock::now() - began < kChainBudget;
                 ++n) {
                afterCommit(*l); // only builtins: their results become arrivals
                runBoundary(*l);
                ++boundaries;
            }
            saveBoundary(*l); // (its heap still warm)
            // Nothing uses a finished run's VM after its last boundary (if
            // the commit fails, the catch below forgets the run anyway).
            if (l->finished) reaper.retire(std::move(l->vm));
        }
        commitHook(false);
        txn.commit();
        commitHook(true);
    } catch (const std::exception& e) {
        // The VMs ran ahead of what is committed: forget them; the store
        // still has each run's last committed boundary.
        for (Live* l : runs)
            live.erase(l->id);
        throw EngineError(std::string("cannot commit a boundary: ") + e.what(), 1);
    }
    for (Live* l : runs)
        afterCommit(*l);
}

bool Engine::Impl::intercept(Live& l, OpState& op) {
    const auto& m = l.mod->module;
    AttemptInfo info;
    info.runId = l.id;
    info.step = op.step;
    info.attempt = op.attempt;
    info.task = op.name;
    info.taskIndex = op.index;
    info.argsJson = op.req.contains("args") ? op.req["args"].dump() : "{}";
    info.timeoutMs = l.mod->taskOptions[op.index].timeoutMs;
    (void)m;
    std::optional<InterceptedAttempt> r = opts.interceptor->intercept(info);
    if (!r) return false;
    tasks::TaskResult res;
    res.ok = r->ok;
    res.resultJson = r->ok ? r->resultJson : "";
    res.errorName = r->errorName;
    res.errorMessage = r->errorMessage;
    int64_t delay = std::max<int64_t>(0, r->delayMs);
    // A mock slower than the task's timeout fails the attempt at the timeout,
    // as the executor does with a real process.
    if (info.timeoutMs > 0 && delay > info.timeoutMs) {
        delay = info.timeoutMs;
        res = {};
        res.ok = false;
        res.errorName = "Timeout";
        res.errorMessage = "no result after " + std::to_string(info.timeoutMs) +
                           " ms (the mock's delay is " + std::to_string(r->delayMs) + " ms)";
    }
    res.durationMs = delay;
    op.inFlight = true;
    if (delay == 0) {
        Arrival a;
        a.kind = Arrival::Kind::TaskResult;
        a.step = op.step;
        a.task = std::move(res);
        l.arrivals.push_back(std::move(a));
    } else {
        op.mockDue = now() + delay;
        op.mockResult = std::move(res);
    }
    return true;
}

// A Fisher-Yates shuffle seeded by (seed, run, activation): the same seed
// gives the same order on every run of a test, another seed another order.
void Engine::Impl::shuffleArrivals(Live& l) {
    uint64_t x = opts.arrivalSeed * 0x9E3779B97F4A7C15ull ^ std::hash<std::string>{}(l.id) ^
                 (l.activations * 0xBF58476D1CE4E5B9ull);
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    for (size_t i = l.arrivals.size() - 1; i > 0; --i)
        std::swap(l.arrivals[i], l.arrivals[next() % (i + 1)]);
}

void Engine::Impl::commitHook(bool after) {
    if (!after) ++commits;
    int64_t at = after ? pauseAfter : pauseBefore;
    if (at <= 0 || commits != at) return;
    std::fprintf(stderr, "flowrun-test: paused %s commit %lld\n", after ? "after" : "before",
                 (long long)commits);
    std::fflush(stderr);
    for (;;)
        ::pause(); // until the test's kill -9
}

void Engine::Impl::waitDurable() {
    try {
        store->waitDurable();
    } catch (const std::exception& e) {
        throw EngineError(std::string("cannot make a boundary durable: ") + e.what(), 1);
    }
}

void Engine::Impl::afterCommit(Live& l) {
    for (uint64_t id : l.toKill)
        executor->cancel(id);
    l.toKill.clear();
    if (!opts.dispatchTasks) return; // they stay in toDispatch; resume starts them
    std::vector<uint64_t> dispatch;
    dispatch.swap(l.toDispatch);
    const auto& m = l.mod->module;
    bool durable = false;
    for (uint64_t step : dispatch) {
        auto it = l.ops.find(step);
        if (it == l.ops.end() || it->second.inFlight) continue;
        OpState& op = it->second;
        const bytecode::TaskDecl& d = m.tasks[op.index];
        const TaskOptions& to = l.mod->taskOptions[op.index];
        // An attempt acts outside the process (a mock stands for one): the
        // boundary that records it must be durable first. An in-process
        // builtin does not: its result only feeds the next boundary.
        if (!durable && (d.kind != bytecode::TaskKind::Builtin || opts.interceptor)) {
            waitDurable();
            durable = true;
        }
        if (opts.interceptor && intercept(l, op)) continue;
        if (d.kind == bytecode::TaskKind::Builtin) {
            // In-process: the result is ready now, and like any task result
            // it is applied (and committed) at the next boundary.
            Arrival a;
            a.kind = Arrival::Kind::TaskResult;
            a.step = step;
            static const Json kNoArgs = Json::object();
            a.task =
                runBuiltinTask(m.str(d.target), op.req.contains("args") ? op.req["args"] : kNoArgs);
            op.inFlight = true;
            l.arrivals.push_back(std::move(a));
            continue;
        }
        tasks::TaskRequest r;
        r.id = nextExecId++;
        r.kind = d.kind == bytecode::TaskKind::Http ? tasks::TaskRequest::Kind::Http
                                                    : tasks::TaskRequest::Kind::Exec;
        if (r.kind == tasks::TaskRequest::Kind::Exec) {
            r.path = m.str(d.target);
        } else {
            r.method = m.str(d.method);
            r.url = m.str(d.target);
        }
        r.baseDir = d.source < m.sources.size()
                        ? taskBaseDir(l.row.baseDir, m.str(m.sources[d.source].path))
                        : l.row.baseDir.value_or(".");
        r.args = to.args;
        r.env = to.env;
        // DESIGN §1: a task knows which run, step and attempt it serves.
        r.env.emplace_back("FLOW_RUN_ID", l.id);
        r.env.emplace_back("FLOW_STEP_ID", std::to_string(step));
        r.env.emplace_back("FLOW_ATTEMPT", std::to_string(op.attempt));
        r.headers = to.headers;
        r.inputJson = op.req.contains("args") ? op.req["args"].dump() : "{}";
        r.idempotencyKey = l.id + ":" + std::to_string(step) + ":" + std::to_string(op.attempt);
        r.timeoutMs = to.timeoutMs;
        r.heartbeatMs = to.heartbeatMs;
        op.inFlight = true;
        op.execId = r.id;
        execs[r.id] = {l.id, step, op.attempt};
        executor->submit(std::move(r));
    }
}

} // namespace flow::engine
