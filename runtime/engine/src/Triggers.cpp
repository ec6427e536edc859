// Triggers.cpp — deployments and triggers (DESIGN §5, docs/events.md):
// `deploy` makes a module the current version of its workflows, and
// `dispatchTriggers` hands the event log to the triggers of the deployed
// modules, starting one run per (event, trigger), exactly once even with
// several workers on one database.
//
// Exactly once: a trigger's outcome for an event is decided in memory (the
// handler runs in a fresh VM and only *asks* to start runs), then ONE
// transaction writes the event_consumers row first and, only if that row
// was new, creates the runs and commits their first boundary, and moves the
// trigger's durable position. A worker that loses the race finds the row
// already there and starts nothing; a crash before the commit leaves
// neither the row nor the runs.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "EngineImpl.h"
#include "flow/vm/Json.h"

namespace flow::engine {

using store::RunStatus;

namespace {

// A trigger of a deployed module, under its consumer key.
struct ActiveTrigger {
    std::string key;  // "<file>:<type>#<n>", stable across versions (docs/events.md)
    std::string type; // the event type it listens to
    std::shared_ptr<LoadedModule> mod;
    uint32_t index = 0; // into Module::triggers
};

// One run a handler asked for (a `start wf(args)` in it).
struct Start {
    std::string runId, workflow, argsJson = "[]", moduleHash;
    std::optional<int64_t> timeoutMs;
    std::optional<std::string> baseDir; // the deployment's (RunRow::baseDir)
};

// What a trigger did with one event: runs to start, or why it failed.
// Neither (its `when` filter was false, or it started nothing): not consumed.
struct Outcome {
    int64_t eventId = 0;
    std::vector<Start> starts;
    // emit(type, payload) calls: (step, type, payload JSON), appended with
    // the source (handler id, step) so a redone dispatch never doubles them.
    struct Emit {
        int64_t step = 0;
        std::string type, payload;
    };
    std::vector<Emit> emits;
    std::string source; // the handler's id: "ev<event>-<tag>"
    std::string error;
    bool empty() const { return starts.empty() && emits.empty() && error.empty(); }
};

std::string baseName(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The consumer key: the declaring file's name, the event type, and the
// trigger's ordinal among that file's triggers of that type. Not the line
// (editing the file above a trigger must not make it a new trigger) and not
// the module hash (a new version takes over where the old one stopped).
std::string triggerKey(const bytecode::Module& m, uint32_t i) {
    const auto& t = m.triggers[i];
    std::string file =
        t.source < m.sources.size() ? baseName(m.str(m.sources[t.source].path)) : "?";
    int ordinal = 1;
    for (uint32_t j = 0; j < i; ++j)
        if (m.triggers[j].source == t.source && m.triggers[j].eventType == t.eventType) ++ordinal;
    return file + ":" + m.str(t.eventType) + "#" + std::to_string(ordinal);
}

// A short, stable tag of a key for run ids (FNV-1a, 8 hex digits).
std::string keyTag(const std::string& key) {
    uint32_t h = 2166136261u;
    for (unsigned char c : key)
        h = (h ^ c) * 16777619u;
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", h);
    return buf;
}

// "Name: message (at fn (file:line))" on one line, from Impl::errorJson.
std::string oneLine(const std::string& errorJson) {
    Json e = Json::parse(errorJson, nullptr, false);
    std::string text =
        e.is_object() && e["text"].is_string() ? e["text"].get<std::string>() : errorJson;
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            while (i + 1 < text.size() && text[i + 1] == ' ')
                ++i;
            out += " <- ";
        } else {
            out += text[i];
        }
    }
    return out;
}

} // namespace

struct Engine::Impl::TriggerState {
    std::string signature; // the deployments the active list was built from
    std::vector<ActiveTrigger> active;
    // lastEventId() when the last dispatch had caught up: nothing new since.
    int64_t caughtUpTo = -1;
    std::set<std::string> badModules; // reported once each
};

namespace {

Engine::Impl::TriggerState& state(Engine::Impl& I) {
    if (!I.triggers) I.triggers = std::make_shared<Engine::Impl::TriggerState>();
    return *I.triggers;
}

// The name under which a module with triggers and no workflow is deployed
// (workflow names are identifiers, so it cannot collide with one).
std::string triggersOnlyName(const bytecode::Module& m) {
    const auto& t = m.triggers.front();
    return "@triggers:" +
           (t.source < m.sources.size() ? baseName(m.str(m.sources[t.source].path)) : "?");
}

// The active triggers: those of every module that is the current deployment
// of some name; for one key, the most recently deployed module's trigger.
void refreshActive(Engine::Impl& I, Engine::Impl::TriggerState& st) {
    auto deps = I.store->deployments();
    std::string sig;
    std::map<std::string, int64_t> newest; // hash -> latest deployed_at
    for (const auto& d : deps) {
        sig += d.workflow + '\0' + d.moduleHash + '\0' + std::to_string(d.deployedAt) + '\n';
        auto& at = newest[d.moduleHash];
        at = std::max(at, d.deployedAt);
    }
    if (sig == st.signature) return;
    std::vector<std::pair<int64_t, std::string>> order;
    for (const auto& [h, at] : newest)
        order.emplace_back(at, h);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<ActiveTrigger> active;
    std::set<std::string> taken;
    for (const auto& [at, hash] : order) {
        std::shared_ptr<LoadedModule> m;
        try {
            m = I.module(hash);
        } catch (const EngineError& e) {
            if (st.badModules.insert(hash).second && I.opts.err)
                I.opts.err(std::string("flowrun: warning: the triggers of deployed module ") +
                           hash.substr(0, 12) + " are inactive: " + e.what() + "\n");
            continue;
        }
        for (uint32_t i = 0; i < m->module.triggers.size(); ++i) {
            std::string key = triggerKey(m->module, i);
            if (!taken.insert(key).second) continue;
            active.push_back({key, m->module.str(m->module.triggers[i].eventType), m, i});
        }
    }
    st.active = std::move(active);
    st.signature = std::move(sig);
    st.caughtUpTo = -1;
}

// Runs trigger t's handler on event ev in a fresh VM: the runs it asks for,
// or why it failed. Nothing here touches the store's rows.
Outcome evaluate(Engine::Impl& I, const ActiveTrigger& t, const store::EventRow& ev) {
    Outcome out;
    out.eventId = ev.id;
    auto fail = [&](std::string why) {
        out.starts.clear();
        out.emits.clear();
        out.error = std::move(why);
        return out;
    };
    auto v = I.makeVm(t.mod);
    // The handler's `start` ids derive from this one: "ev<event>-<tag>.<n>".
    out.source = "ev" + std::to_string(ev.id) + "-" + keyTag(t.key);
    v->setRunId(out.source);
    v->runContext().nowMs = I.now();
    vm::Completion c = v->runInits();
    if (!c.ok)
        return fail("the module's top-level code threw: " + oneLine(I.errorJson(*v, c.value)));
    vm::HandleScope hs(*v);
    std::string perr;
    auto payload = vm::parseJson(*v, ev.payload, &perr);
    if (!payload) return fail("the event's payload is not JSON: " + perr);
    hs.add(*payload);
    uint32_t fi = t.mod->module.triggers[t.index].function;
    if (fi >= t.mod->module.functions.size()) return fail("the trigger has no handler function");
    // Triggers are top-level functions (no upvalues): instantiated from
    // their proto, as the VM does for workflows.
    v->ensureConstants(fi);
    auto* clo = v->alloc<vm::Closure>(v->functionProto, fi, &v->module().functions[fi]);
    hs.add(vm::Value::object(clo));
    try {
        vm::Value r = v->call(vm::Value::object(clo), vm::Value::undefined(), {*payload});
        hs.add(r);
        v->runJobs();
        if (auto u = v->takeUnhandledRejection()) return fail(oneLine(I.errorJson(*v, *u)));
    } catch (vm::ThrowSignal&) {
        vm::Value e = v->takeException();
        hs.add(e);
        return fail(oneLine(I.errorJson(*v, e)));
    }
    for (uint64_t id : v->takeNewOps()) {
        const vm::HostOp* op = v->findOp(id);
        if (!op) continue;
        Json req = Json::parse(op->json, nullptr, false);
        if (op->kind == vm::OpKind::Emit) {
            out.emits.push_back({int64_t(id), req.value("type", ""),
                                 req.contains("payload") ? req["payload"].dump() : "null"});
            continue;
        }
        if (op->kind != vm::OpKind::Child)
            return fail(std::string("a trigger handler can only start workflows and emit "
                                    "events, but it called ") +
                        vm::opKindName(op->kind) + " (" + v->sourceLine(op->fnIndex, op->pc) +
                        "); do that in the workflow it starts");
        Start s;
        s.runId = req.value("runId", "");
        s.workflow = req.value("workflow", "");
        if (req.contains("args") && req["args"].is_array()) s.argsJson = req["args"].dump();
        const Json& o = req["options"];
        if (o.is_object() && o.contains("timeout") && o["timeout"].is_number())
            s.timeoutMs = int64_t(o["timeout"].get<double>());
        // The workflow's current deployment; the trigger's own module when
        // the name is not deployed (it always declares the workflow).
        auto deployed = I.store->deployment(s.workflow);
        s.moduleHash = deployed ? deployed->moduleHash : t.mod->hash;
        s.baseDir = deployed ? deployed->baseDir : std::nullopt;
        if (!s.baseDir) s.baseDir = workingDir();
        try {
            if (I.workflowIndex(*I.module(s.moduleHash), s.workflow) < 0)
                return fail("workflow '" + s.workflow + "' does not exist in module " +
                            s.moduleHash.substr(0, 12));
        } catch (const EngineError& e) {
            return fail(std::string("cannot start '") + s.workflow + "': " + e.what());
        }
        out.starts.push_back(std::move(s));
    }
    return out;
}

// Creates a triggered run and runs its first boundary (inside the caller's
// transaction), leased: the caller's worker drives it.
Live* createRun(Engine::Impl& I, const Start& s, int64_t eventId) {
    store::RunRow row;
    row.id = s.runId;
    row.workflow = s.workflow;
    row.moduleHash = s.moduleHash;
    row.status = RunStatus::Running;
    row.input = s.argsJson;
    row.triggerEvent = eventId;
    row.baseDir = s.baseDir;
    row.createdAt = row.updatedAt = I.now();
    return &I.createRun(row, I.module(s.moduleHash), s.timeoutMs, /*lease=*/true);
}

} // namespace

std::string Engine::deploy(std::span<const uint8_t> bytes, std::string_view source) {
    Impl& I = *impl_;
    std::string hash = storeModule(bytes, source);
    auto m = I.module(hash);
    const auto& mod = m->module;
    if (mod.workflows.empty() && mod.triggers.empty())
        throw EngineError("this module declares no workflow and no trigger: nothing to deploy");
    Impl::TriggerState& st = state(I);
    refreshActive(I, st);
    std::set<std::string> activeBefore;
    for (const auto& t : st.active)
        activeBefore.insert(t.key);
    try {
        store::Store::Txn txn = I.store->begin();
        int64_t t = I.now();
        std::optional<std::string> base = workingDir();
        for (const auto& w : mod.workflows)
            I.store->deploy(mod.str(w.name), hash, t, base);
        if (mod.workflows.empty()) I.store->deploy(triggersOnlyName(mod), hash, t, base);
        // A trigger sees the events appended after it became active. One
        // that is active now (a redeploy) keeps its position: the new
        // version takes over where the old one stopped, without re-firing.
        int64_t last = I.store->lastEventId();
        for (uint32_t i = 0; i < mod.triggers.size(); ++i) {
            std::string key = triggerKey(mod, i);
            if (activeBefore.count(key))
                I.store->initConsumer(key, last, t);
            else
                I.store->advanceConsumer(key, last, t);
        }
        txn.commit();
    } catch (const store::StoreError& e) {
        throw EngineError(std::string("cannot deploy: ") + e.what(), 1);
    }
    st.signature.clear(); // rebuilt at the next dispatch
    return hash;
}

std::string Engine::startDeployed(const std::string& workflow, const std::string& inputJson) {
    std::optional<store::Deployment> deployed;
    if (!workflow.empty() && workflow[0] != '@') deployed = impl_->store->deployment(workflow);
    if (!deployed)
        throw EngineError("no deployed workflow '" + workflow +
                              "' (deploy a module first: flowrun deploy FILE)",
                          2);
    StartRequest req;
    req.moduleHash = deployed->moduleHash;
    req.baseDir = deployed->baseDir.value_or("");
    req.workflow = workflow;
    req.inputJson = inputJson;
    req.resident = false;
    return startRun(req);
}

namespace {
TriggerInfo info(const LoadedModule& m, uint32_t i) {
    const auto& t = m.module.triggers[i];
    std::string file =
        t.source < m.module.sources.size() ? m.module.str(m.module.sources[t.source].path) : "?";
    return {triggerKey(m.module, i), m.module.str(t.eventType), m.hash,
            file + ":" + std::to_string(t.line)};
}
} // namespace

std::vector<TriggerInfo> Engine::triggersOf(std::string_view moduleHash) {
    auto m = impl_->module(std::string(moduleHash));
    std::vector<TriggerInfo> out;
    for (uint32_t i = 0; i < m->module.triggers.size(); ++i)
        out.push_back(info(*m, i));
    return out;
}

std::vector<TriggerInfo> Engine::activeTriggers() {
    Impl::TriggerState& st = state(*impl_);
    refreshActive(*impl_, st);
    std::vector<TriggerInfo> out;
    for (const auto& t : st.active)
        out.push_back(info(*t.mod, t.index));
    return out;
}

size_t Engine::dispatchTriggers(size_t limit) {
    Impl& I = *impl_;
    Impl::TriggerState& st = state(I);
    if (limit == 0) limit = 256;
    refreshActive(I, st);
    if (st.active.empty()) return 0;
    size_t started = 0;
    // Batches while a trigger has a backlog (more than `limit` events), until
    // `limit` runs were started (they are loaded now; the caller's loop
    // drives them before the next call continues the backlog).
    bool more = false;
    do {
        int64_t last = I.store->lastEventId();
        if (last == st.caughtUpTo) break;
        more = false;
        struct Work {
            const ActiveTrigger* t;
            int64_t upTo;
            std::vector<Outcome> outcomes;
        };
        std::vector<Work> work;
        for (const auto& t : st.active) {
            std::optional<int64_t> pos = I.store->consumerPosition(t.key);
            if (!pos) {
                // Deployed by a build without positions: from now on.
                I.store->initConsumer(t.key, last, I.now());
                continue;
            }
            store::EventFilter f;
            f.type = t.type;
            f.sinceId = *pos;
            f.limit = int64_t(limit);
            auto evs = I.store->events(f);
            if (evs.empty()) continue;
            if (evs.size() == limit) more = true;
            Work w{&t, evs.back().id, {}};
            for (const auto& ev : evs)
                w.outcomes.push_back(evaluate(I, t, ev));
            work.push_back(std::move(w));
        }
        std::vector<Live*> created;
        try {
            store::Store::Txn txn = I.store->begin();
            int64_t t = I.now();
            for (const Work& w : work) {
                for (const Outcome& o : w.outcomes) {
                    if (o.empty()) continue; // filtered out, or it did nothing
                    store::ConsumerRow c;
                    c.eventId = o.eventId;
                    c.consumer = w.t->key;
                    c.kind = store::ConsumerKind::Trigger;
                    if (!o.starts.empty()) c.runId = o.starts.front().runId;
                    if (!o.error.empty()) c.error = o.error;
                    c.at = t;
                    // Another worker (or an earlier dispatch) took this event.
                    if (!I.store->addConsumer(c)) continue;
                    for (const auto& e : o.emits)
                        I.store->appendEvent(e.type, e.payload, t, o.source, e.step);
                    for (const Start& s : o.starts) {
                        if (I.live.count(s.runId) || I.store->getRun(s.runId)) continue;
                        created.push_back(createRun(I, s, o.eventId));
                    }
                }
                I.store->advanceConsumer(w.t->key, w.upTo, t);
            }
            I.commitHook(false);
            txn.commit();
            I.commitHook(true);
        } catch (const std::exception& e) {
            // Nothing of this batch is committed: forget the runs' VMs.
            for (Live* l : created)
                I.live.erase(l->id);
            if (dynamic_cast<const EngineError*>(&e)) throw;
            throw EngineError(std::string("cannot dispatch events to triggers: ") + e.what(), 1);
        }
        for (Live* l : created)
            I.afterCommit(*l);
        started += created.size();
        if (!more) st.caughtUpTo = last;
    } while (more && started < limit);
    return started;
}

} // namespace flow::engine
