#pragma once
// Clock.h — the engine's time source. Production uses the system clock;
// `flowrun test` uses a virtual clock that jumps to the next due timer
// instead of sleeping, so a 30-day workflow is tested in milliseconds.
#include <cstdint>

namespace flow::engine {

class Clock {
public:
    virtual ~Clock() = default;
    // Milliseconds since the Unix epoch.
    virtual int64_t nowMs() = 0;
    // Blocks for up to `ms` (a virtual clock advances instead and returns).
    virtual void sleepMs(int64_t ms) = 0;
    // True for a virtual clock: nothing outside the engine moves time.
    virtual bool isVirtual() const { return false; }
};

class SystemClock final : public Clock {
public:
    int64_t nowMs() override;
    void sleepMs(int64_t ms) override;
};

} // namespace flow::engine
