#pragma once
// Commands.h — flowrun's subcommands (one file per group) and exit codes.
namespace flowrun {

inline constexpr int kOk = 0;
inline constexpr int kProgramFailed = 1; // compile error, uncaught Flow error, failed run
inline constexpr int kBadInput = 2;      // usage, unknown workflow or run, bad JSON, bad .flowc/db

int cmdRun(int argc, char** argv);    // Drive.cpp
int cmdStart(int argc, char** argv);  // Drive.cpp
int cmdResume(int argc, char** argv); // Drive.cpp
int cmdStatus(int argc, char** argv);  // Inspect.cpp
int cmdList(int argc, char** argv);    // Inspect.cpp
int cmdHistory(int argc, char** argv); // Inspect.cpp
int cmdSignal(int argc, char** argv); // Control.cpp
int cmdEmit(int argc, char** argv);   // Control.cpp
int cmdCancel(int argc, char** argv); // Control.cpp
int cmdEvents(int argc, char** argv); // Control.cpp
int cmdTest(int argc, char** argv);   // Test.cpp
int cmdReplay(int argc, char** argv); // Replay.cpp
int cmdServe(int argc, char** argv);  // Serve.cpp
int cmdDeploy(int argc, char** argv); // Deploy.cpp
int cmdWork(int argc, char** argv);   // Deploy.cpp

} // namespace flowrun
