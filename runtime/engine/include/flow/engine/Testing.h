#pragma once
// Testing.h — `flowrun test`: runs one `test` block of a module against the
// durable engine (Engine.h) on a fresh in-memory SQLite database, with a
// virtual clock and mocked tasks (docs/testing.md).
//
// The test body runs in a VM of its own that is not a run: it is the
// engine's client, as a person at the CLI would be. `start wf(x)` there
// starts a real run of the engine; `await h.result` lets the engine work,
// jumping the virtual clock to the next due timer whenever nothing else can
// happen (Temporal's time skipping), and fails the test with a deadlock
// report when nothing is left that could ever settle what the test awaits.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flow::engine {

// 2026-01-01T00:00:00Z: where every test's virtual clock starts.
inline constexpr int64_t kTestEpochMs = 1767225600000;

struct TestOptions {
    bool hardSnapshot = false; // snapshot+restore the runs at every await
    bool gcStress = false;
    uint64_t seed = 0; // shuffles simultaneous arrivals (0: natural order)
    // Bounds what clock.runUntilIdle() and auto time skipping may fire, so a
    // workflow that sleeps in an endless loop fails instead of hanging.
    uint64_t maxTimerFirings = 20000;
    // Bounds the run steps at one instant (Engine::settle), so runs that call
    // tasks in an endless loop without waiting on the clock fail the test.
    uint64_t maxStepsPerInstant = 50000;
};

struct TestOutcome {
    bool passed = false;
    // Failure details, several lines, no trailing newline: the error (for an
    // assertion: expected vs received) and where (file:line).
    std::string failure;
    std::string output;    // console output of the test and of its runs
    double ms = 0;         // wall time
    int64_t virtualMs = 0; // virtual time the test spanned
};

class TestModule {
public:
    // Verifies the module image once for all its tests. Throws EngineError
    // for a corrupt module.
    explicit TestModule(std::span<const uint8_t> bytes);
    ~TestModule();
    TestModule(const TestModule&) = delete;
    TestModule& operator=(const TestModule&) = delete;

    struct Test {
        std::string name;
        std::string file; // the source that declares it
        int64_t line = 0;
    };
    const std::vector<Test>& tests() const;
    // Runs test `index` (tests() order) on a fresh database and clock.
    TestOutcome run(size_t index, const TestOptions& o);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace flow::engine
