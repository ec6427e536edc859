#pragma once
// Commands.h — flowrun's subcommands and exit codes.
namespace flowrun {

inline constexpr int kOk = 0;
inline constexpr int kProgramFailed = 1; // compile error or uncaught Flow error
inline constexpr int kBadInput = 2;      // usage, unknown workflow, bad JSON, bad .flowc

int cmdRun(int argc, char** argv);

} // namespace flowrun
