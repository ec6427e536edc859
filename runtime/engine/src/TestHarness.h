#pragma once
// TestHarness.h — the internals of `flowrun test` (Testing.h): the harness
// that drives one test's VM and the engine underneath it (TestHarness.cpp),
// and the test-only natives it installs into the test's VM (TestNatives.cpp).
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "EngineImpl.h"
#include "flow/engine/Testing.h"

namespace flow::engine {

// Virtual time: moves only when the harness says so.
class VirtualClock final : public Clock {
public:
    explicit VirtualClock(int64_t t) : t_(t) {}
    int64_t nowMs() override { return t_; }
    void sleepMs(int64_t ms) override {
        if (ms > 0) t_ += ms;
    }
    bool isVirtual() const override { return true; }
    void advanceTo(int64_t t) {
        if (t > t_) t_ = t;
    }
    void reset(int64_t t) { t_ = t; }

private:
    int64_t t_;
};

// A failure of the test itself (deadlock, a runaway clock): ends the test.
struct TestAbort : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Harness final : TaskInterceptor {
    Engine* engine = nullptr;
    VirtualClock* clock = nullptr;
    std::string moduleHash;
    std::shared_ptr<LoadedModule> mod;
    std::unique_ptr<vm::Vm> vm; // the test's own VM (not a run)
    int64_t start = 0;          // virtual time at the test's start
    TestOptions opts;
    uint64_t firings = 0;
    std::string abort; // a failure that ends the test (set inside natives)

    // mock(task, behaviour): both values live in vm->hostRoots.
    struct Mock {
        size_t behaviour = 0, object = 0; // hostRoots slots
        uint64_t calls = 0;
    };
    std::map<uint32_t, Mock> mocks; // by TaskDecl index

    // What the test VM's own ops wait for.
    struct TestOp {
        enum class Kind { Child, Timer, Task } kind = Kind::Child;
        std::string run;            // Child
        std::optional<int64_t> due; // Timer, delayed Task mock
        bool ok = true;             // Task: the mock's outcome
        std::string json;
    };
    std::map<uint64_t, TestOp> testOps;
    // sleep()/sleepUntil() in the test body: promises the harness resolves
    // (not host ops, so they use no step id: a test's run ids stay test.1,
    // test.2, ... whatever it sleeps). The promise is in vm->hostRoots[root].
    struct Sleep {
        int64_t due = 0;
        size_t root = 0;
    };
    std::vector<Sleep> sleeps;

    // TaskInterceptor: a mocked task attempt of any run.
    std::optional<InterceptedAttempt> intercept(const AttemptInfo& a) override;

    int64_t elapsed() const { return clock->nowMs() - start; }
    // Starts what the test VM asked for since the last call.
    void flush();
    // Settles the test VM's ops whose outcome is known now; true if any.
    bool completeReady();
    // flush + engine.settle + completeReady until nothing moves at this instant.
    void sync();
    // The next due time of anything: runs' timers and the test's own.
    std::optional<int64_t> nextDue();
    // Moves the clock to t (>= now), firing everything due on the way in order.
    void advanceTo(int64_t t);
    // Fires timers until nothing is due any more.
    void runUntilIdle();
    // One jump of the clock to `t`, counted against opts.maxTimerFirings.
    void jump(int64_t t);
    // The deadlock report: what every unfinished run waits for.
    std::string deadlockReport();
};

// TestNatives.cpp: installs mock, clock, emitted and the handle methods.
void installTestNatives(Harness& h);
// A JSON text parsed, or dflt when it is not JSON.
Json parseOr(const std::string& s, Json dflt);
// Parses a JSON text into the test VM ("null" on failure).
vm::Value jsonValue(vm::Vm& v, const std::string& json);

} // namespace flow::engine
