#pragma once
// Replay.h — `flowrun replay`: re-execute a recorded run's inputs against a
// module and report the first divergence (docs/testing.md).
#include <cstdint>
#include <string>

#include "flow/engine/Engine.h"

namespace flow::engine {

struct ReplayReport {
    bool compatible = false;
    std::string text; // the human report ("compatible", or the first divergence)
    std::string json; // the same, as JSON
    // The parts of the report (text and json are made from them).
    std::string runId, workflow, moduleHash;
    uint64_t steps = 0; // recorded steps the new code reproduced
    // Where it diverged: "step" (an op), "end" (the outcome), "start" (the
    // workflow is missing); the step id (0 for end/start).
    std::string at;
    uint64_t step = 0;
    std::string expected, actual; // one line each ("task charge({...}) at shop.flow:12")
};

} // namespace flow::engine
