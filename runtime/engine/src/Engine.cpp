// Engine.cpp — the engine's public API: construction, modules, starting runs,
// signals and cancel requests. The loops that keep runs moving are in Loop.cpp.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "EngineImpl.h"
#include "flow/bytecode/Reader.h"

namespace flow::engine {

using store::RunStatus;

int64_t SystemClock::nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void SystemClock::sleepMs(int64_t ms) {
    if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::string newRunId() {
    unsigned char b[8] = {};
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ::read(fd, b, sizeof b) == ssize_t(sizeof b);
    if (fd >= 0) ::close(fd);
    if (!ok) {
        auto t = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
        t ^= uint64_t(::getpid()) << 32;
        for (int i = 0; i < 8; ++i)
            b[i] = (unsigned char)(t >> (8 * i));
    }
    char out[20];
    std::snprintf(out, sizeof out, "r-%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
                  b[4], b[5], b[6], b[7]);
    return out;
}

Engine::Engine(EngineOptions opts) : impl_(std::make_unique<Impl>()) {
    if (!opts.clock) opts.clock = std::make_shared<SystemClock>();
    if (opts.owner.empty()) {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        opts.owner = std::to_string(::getpid()) + "@" + host;
    }
    // (A harness that turned slices off keeps them off.)
    if (const char* b = std::getenv("FLOW_SLICE_MS"); b && *b && opts.sliceMs > 0)
        opts.sliceMs = std::max<int64_t>(0, std::atoll(b));
    impl_->opts = std::move(opts);
    store::StoreOptions so;
    so.path = impl_->opts.dbPath;
    so.synchronousNormal = impl_->opts.synchronousNormal;
    so.busyTimeoutMs = impl_->opts.busyTimeoutMs;
    if (const char* b = std::getenv("FLOW_BUSY_TIMEOUT_MS"); b && *b)
        so.busyTimeoutMs = std::atoi(b);
    try {
        impl_->store = store::Store::open(so);
    } catch (const store::StoreError& e) {
        throw EngineError(e.what(), 2);
    }
    impl_->executor = std::make_unique<tasks::Executor>(impl_->opts.maxConcurrentTasks);
    if (const char* b = std::getenv("FLOW_TEST_PAUSE_BEFORE_COMMIT"))
        impl_->pauseBefore = std::atoll(b);
    if (const char* a = std::getenv("FLOW_TEST_PAUSE_AT_COMMIT")) impl_->pauseAfter = std::atoll(a);
}

Engine::~Engine() {
    // Runs still loaded here keep their committed state; release their leases
    // so another process can take them at once.
    for (auto& [id, l] : impl_->live) {
        if (!l->finished) {
            try {
                impl_->store->releaseLease(id, impl_->opts.owner);
            } catch (...) {
            }
        }
    }
    impl_->executor.reset(); // kills task processes still running
}

store::Store& Engine::store() {
    return *impl_->store;
}

Clock& Engine::clock() {
    return *impl_->opts.clock;
}

std::string Engine::storeModule(std::span<const uint8_t> bytes, std::string_view source) {
    bytecode::LoadResult r = bytecode::readModule(bytes);
    if (!r.ok()) throw EngineError("not a valid module: " + r.error.str(), 2);
    std::string hash = r.module->hashHex();
    if (hash.rfind("sha256:", 0) == 0) hash = hash.substr(7);
    impl_->store->putModule(hash, bytes, std::string(source), impl_->now());
    return hash;
}

std::vector<std::string> Engine::workflowsOf(std::string_view moduleHash) {
    auto m = impl_->module(std::string(moduleHash));
    std::vector<std::string> out;
    for (const auto& w : m->module.workflows)
        out.push_back(m->module.str(w.name));
    return out;
}

std::string Engine::startRun(const StartRequest& req) {
    Impl& I = *impl_;
    auto m = I.module(req.moduleHash);
    int wf = I.workflowIndex(*m, req.workflow);
    if (wf < 0) {
        std::string names;
        for (const auto& w : m->module.workflows)
            names += (names.empty() ? "" : ", ") + m->module.str(w.name);
        if (req.workflow.empty())
            throw EngineError(names.empty() ? "this module declares no workflow"
                                            : "this module declares several workflows and none "
                                              "is named 'main'; choose one with --workflow "
                                              "(available: " +
                                                  names + ")");
        throw EngineError(
            "unknown workflow '" + req.workflow + "'; " +
            (names.empty() ? "this module declares no workflow" : "available: " + names));
    }
    // Checked before parsing: the store would refuse the run row only at the
    // commit, and the serializer below recurses once per level.
    if (std::string e = store::jsonDepthError(req.inputJson, "the input"); !e.empty())
        throw EngineError(e);
    if (std::string e = store::jsonDepthError(req.argsJson, "the arguments"); !e.empty())
        throw EngineError(e);
    Json input = Json::parse(req.inputJson.empty() ? "null" : req.inputJson, nullptr, false);
    if (input.is_discarded()) throw EngineError("the input is not valid JSON");
    Json args = Json::array({input});
    if (!req.argsJson.empty()) {
        args = Json::parse(req.argsJson, nullptr, false);
        if (!args.is_array()) throw EngineError("the arguments are not a JSON array");
    }
    store::RunRow row;
    row.id = req.runId.empty() ? newRunId() : req.runId;
    row.workflow = m->module.str(m->module.workflows[size_t(wf)].name);
    row.moduleHash = req.moduleHash;
    row.status = RunStatus::Running;
    row.input = args.dump();
    row.parentRun = req.parentRun;
    row.triggerEvent = req.triggerEvent;
    row.baseDir = req.baseDir.empty() ? workingDir() : std::optional<std::string>(req.baseDir);
    row.createdAt = row.updatedAt = I.now();
    // The run row and its first boundary commit together: a crash leaves
    // either no run or a started one.
    Live* lp = nullptr;
    try {
        store::Store::Txn txn = I.store->begin();
        lp = &I.createRun(row, m, req.timeoutMs, req.resident);
        I.commitHook(false);
        txn.commit();
        I.commitHook(true);
    } catch (const EngineError&) {
        I.live.erase(row.id);
        throw;
    } catch (const std::exception& e) {
        I.live.erase(row.id);
        throw EngineError(std::string("cannot start the run: ") + e.what(), 1);
    }
    I.afterCommit(*lp);
    if (!req.resident) I.evict(*lp);
    return row.id;
}

Live& Engine::Impl::createRun(const store::RunRow& row, std::shared_ptr<LoadedModule> m,
                              std::optional<int64_t> timeoutMs, bool lease) {
    auto l = std::make_unique<Live>();
    l->id = row.id;
    l->row = row;
    l->mod = m;
    l->vm = makeVm(m);
    l->fresh = true;
    Live& lr = *l;
    live[row.id] = std::move(l);
    try {
        store->createRun(row);
        if (timeoutMs)
            store->putTimer(
                {row.id, 0, row.createdAt + *timeoutMs, store::TimerKind::WorkflowTimeout});
        if (lease) lr.leased = store->acquireLease(row.id, opts.owner, now(), kLeaseMs);
        step(lr);
    } catch (...) {
        live.erase(row.id);
        throw;
    }
    return lr;
}

void Engine::signal(const std::string& runId, std::string_view name, std::string_view payload) {
    auto row = impl_->store->getRun(runId);
    if (!row) throw EngineError("no run '" + runId + "'");
    if (isFinal(row->status))
        throw EngineError("run '" + runId + "' has already " +
                          (row->status == RunStatus::Completed
                               ? "completed"
                               : "finished (" + std::string(store::name(row->status)) + ")"));
    if (std::string e = store::jsonDepthError(payload, "the signal payload"); !e.empty())
        throw EngineError(e);
    Json p = Json::parse(payload.empty() ? "null" : payload, nullptr, false);
    if (p.is_discarded()) throw EngineError("the signal payload is not valid JSON");
    impl_->store->addSignal(runId, name, p.dump(), impl_->now());
}

void Engine::cancel(const std::string& runId) {
    auto row = impl_->store->getRun(runId);
    if (!row) throw EngineError("no run '" + runId + "'");
    if (isFinal(row->status))
        throw EngineError("run '" + runId + "' has already finished (" +
                          std::string(store::name(row->status)) + ")");
    impl_->store->requestCancel(runId);
    if (auto it = impl_->live.find(runId); it != impl_->live.end())
        it->second->row.cancelRequested = true;
}

} // namespace flow::engine
