// Exec task executor: real subprocesses (tests/tasks/ helpers and /bin/sh -c
// one-liners). Every test bounds its own time with a task timeout.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "flow/tasks/Executor.h"

using flow::tasks::CancelToken;
using flow::tasks::runTask;
using flow::tasks::TaskRequest;
using flow::tasks::TaskResult;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kTasksDir = FLOW_SOURCE_DIR "/tests/tasks";

TaskRequest shell(const std::string& script, std::vector<std::string> extra = {}) {
    TaskRequest r;
    r.id = 1;
    r.kind = TaskRequest::Kind::Exec;
    r.path = "/bin/sh";
    r.args = {"-c", script, "sh"};
    for (auto& e : extra)
        r.args.push_back(e);
    r.timeoutMs = 5000; // a safety net: no test should get near it
    return r;
}

TaskRequest helper(const std::string& name) {
    TaskRequest r;
    r.id = 1;
    r.kind = TaskRequest::Kind::Exec;
    r.path = name;
    r.baseDir = kTasksDir;
    r.timeoutMs = 5000;
    return r;
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "flow-tasks-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string readFile(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// True once `pid` no longer runs (gone, or a zombie waiting for init).
bool processGone(pid_t pid) {
    for (int i = 0; i < 100; ++i) {
        if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
        std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
        auto close = stat.rfind(')');
        if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z')
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

pid_t readPid(const fs::path& p) {
    for (int i = 0; i < 100; ++i) {
        std::string s = readFile(p);
        if (!s.empty() && s.back() == '\n') return static_cast<pid_t>(std::stol(s));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

} // namespace

TEST_CASE("TasksExec: a JSON result is returned canonically") {
    TaskRequest r = helper("echo_input.sh");
    r.id = 42;
    r.inputJson = R"(  {"b": [1, 2.5, "x"], "a": null}  )";
    TaskResult res = runTask(r);
    CHECK(res.ok);
    CHECK(res.id == 42);
    CHECK(res.exitCode == 0);
    CHECK(res.resultJson == R"({"b":[1,2.5,"x"],"a":null})"); // key order kept
    CHECK(res.durationMs >= 0);
}

TEST_CASE("TasksExec: an {error} object on stdout becomes a task error") {
    TaskResult res = runTask(shell(R"(echo '{"error":"Throttled","message":"slow down"}')"));
    CHECK_FALSE(res.ok);
    CHECK(res.errorName == "Throttled");
    CHECK(res.errorMessage == "slow down");
    CHECK(res.exitCode == 0);

    // ...and wins over a non-zero exit: a script may print its error and exit 1.
    res = runTask(shell(R"(echo '{"error":"NotFound"}'; echo oops >&2; exit 1)"));
    CHECK(res.errorName == "NotFound");
    CHECK(res.errorMessage == "");
    CHECK(res.exitCode == 1);

    // A non-string "error" member is just data.
    res = runTask(shell(R"(echo '{"error":5}')"));
    CHECK(res.ok);
    CHECK(res.resultJson == R"({"error":5})");
}

TEST_CASE("TasksExec: a non-zero exit is TaskFailed with the last stderr line") {
    TaskResult res =
        runTask(shell("echo first >&2; echo '  boom: disk full  ' >&2; echo >&2; exit 3"));
    CHECK_FALSE(res.ok);
    CHECK(res.errorName == "TaskFailed");
    CHECK(res.errorMessage == "exited with status 3: boom: disk full");
    CHECK(res.exitCode == 3);
    CHECK(res.stderrTail == "first\n  boom: disk full  \n\n");

    res = runTask(shell("exit 7"));
    CHECK(res.errorMessage == "exited with status 7");
}

TEST_CASE("TasksExec: death by signal names the signal") {
    TaskResult res = runTask(shell("kill -SEGV $$"));
    CHECK(res.errorName == "TaskFailed");
    CHECK(res.errorMessage == "killed by signal SIGSEGV");
    CHECK(res.signal == SIGSEGV);
    CHECK(res.exitCode == -1);
}

TEST_CASE("TasksExec: stdout that is not one JSON value is InvalidOutput") {
    TaskResult res = runTask(shell("printf 'hello world'"));
    CHECK(res.errorName == "InvalidOutput");
    CHECK(res.errorMessage.find("it starts with: hello world") != std::string::npos);
    CHECK(res.errorMessage.find("parse error") != std::string::npos);

    res = runTask(shell("echo '{}'; echo '{}'")); // two values
    CHECK(res.errorName == "InvalidOutput");

    // Long garbage is cut to 200 bytes; invalid UTF-8 never leaks into the message.
    res = runTask(shell("head -c 5000 /dev/zero | tr '\\0' 'y'; printf '\\377'"));
    CHECK(res.errorName == "InvalidOutput");
    CHECK(res.errorMessage.size() < 400);
    CHECK(res.errorMessage.find(std::string(200, 'y') + "...") != std::string::npos);
}

TEST_CASE("TasksExec: empty or blank stdout is null") {
    TaskResult res = runTask(shell("true"));
    CHECK(res.ok);
    CHECK(res.resultJson == "null");
    res = runTask(shell("printf '  \\n\\n'"));
    CHECK(res.ok);
    CHECK(res.resultJson == "null");
}

TEST_CASE("TasksExec: a missing or non-executable file is TaskNotFound") {
    TaskRequest r = helper("no-such-task.sh");
    TaskResult res = runTask(r);
    CHECK(res.errorName == "TaskNotFound");
    CHECK(res.errorMessage ==
          "cannot run '" + kTasksDir + "/no-such-task.sh': No such file or directory");

    TempDir dir;
    fs::path script = dir.path / "plain.sh";
    std::ofstream(script) << "#!/bin/sh\necho 1\n";
    fs::permissions(script, fs::perms::owner_read | fs::perms::owner_write);
    r = helper("plain.sh");
    r.baseDir = dir.path.string();
    res = runTask(r);
    CHECK(res.errorName == "TaskNotFound");
    CHECK(res.errorMessage.find("Permission denied") != std::string::npos);
    CHECK(res.errorMessage.find(script.string()) != std::string::npos);

    r.path = dir.path.string(); // a directory
    res = runTask(r);
    CHECK(res.errorName == "TaskNotFound");

    r.path = "";
    CHECK(runTask(r).errorName == "InvalidRequest");
}

TEST_CASE("TasksExec: relative paths resolve against baseDir, absolute ones do not") {
    TaskRequest r = helper("./tasks/../tasks/echo_input.sh");
    r.baseDir = FLOW_SOURCE_DIR "/tests";
    r.inputJson = "[1]";
    TaskResult res = runTask(r);
    CHECK(res.ok);
    CHECK(res.resultJson == "[1]");

    r.path = kTasksDir + "/echo_input.sh";
    r.baseDir = "/nonexistent";
    CHECK(runTask(r).ok);
}

TEST_CASE("TasksExec: args, env and the idempotency key reach the child") {
    ::setenv("FLOW_TASKS_PARENT", "parent", 1);
    TaskRequest r = helper("report_env.py");
    r.args = {"one", "two words", "$HOME;rm -rf /"}; // no shell: passed verbatim
    r.env = {{"FLOW_TASKS_CUSTOM", "custom value"}, {"FLOW_TASKS_PARENT", "child"}};
    r.idempotencyKey = "run-7:step-3:attempt-2";
    r.inputJson = R"({"n": 1})";
    TaskResult res = runTask(r);
    ::unsetenv("FLOW_TASKS_PARENT");
    REQUIRE_MESSAGE(res.ok, (res.errorName + ": " + res.errorMessage + " " + res.stderrTail));
    json v = json::parse(res.resultJson);
    CHECK(v["argv"] == json({"one", "two words", "$HOME;rm -rf /"}));
    CHECK(v["key"] == "run-7:step-3:attempt-2");
    CHECK(v["custom"] == "custom value");
    CHECK(v["overridden"] == "child");
    CHECK(v["hasPath"] == true);
    CHECK(v["input"] == json({{"n", 1}}));

    r.env = {{"BAD=NAME", "x"}};
    CHECK(runTask(r).errorName == "InvalidRequest");
}

TEST_CASE("TasksExec: 1 MiB in and 2 MiB out, interleaved, do not deadlock") {
    TaskRequest r = helper("big_io.py");
    r.args = {std::to_string(2 << 20)};
    r.inputJson = "\"" + std::string(1 << 20, 'i') + "\"";
    TaskResult res = runTask(r);
    REQUIRE_MESSAGE(res.ok, (res.errorName + ": " + res.errorMessage));
    json v = json::parse(res.resultJson);
    CHECK(v["pad"].get<std::string>().size() == size_t(2 << 20));
    CHECK(v["inputBytes"] == (1 << 20) + 2);

    // A child that never reads its (large) stdin: EPIPE, not SIGPIPE death.
    TaskRequest s = shell("echo 5");
    s.inputJson = r.inputJson;
    res = runTask(s);
    CHECK(res.ok);
    CHECK(res.resultJson == "5");
}

TEST_CASE("TasksExec: stdout past the cap is OutputTooLarge") {
    TaskResult res = runTask(shell("cat /dev/zero")); // endless: the cap must stop it
    CHECK(res.errorName == "OutputTooLarge");
}

TEST_CASE("TasksExec: stderr keeps only its last 64 KiB") {
    TaskResult res = runTask(shell("head -c 200000 /dev/zero | tr '\\0' 'e' >&2; echo END >&2"));
    CHECK(res.ok);
    CHECK(res.stderrTail.size() == flow::tasks::kTaskStderrCap);
    CHECK(res.stderrTail.substr(res.stderrTail.size() - 4) == "END\n");
}

TEST_CASE("TasksExec: a timeout kills the whole process group") {
    TempDir dir;
    fs::path pidFile = dir.path / "pid";
    TaskRequest r = shell(R"(sleep 30 & echo $! > "$1"; sleep 30)", {pidFile.string()});
    r.timeoutMs = 300;
    auto t0 = std::chrono::steady_clock::now();
    TaskResult res = runTask(r);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK(res.errorName == "Timeout");
    CHECK(res.errorMessage == "no result after 300 ms (process group killed)");
    CHECK(ms >= 300);
    CHECK(ms < 2000);
    pid_t grandchild = readPid(pidFile);
    REQUIRE(grandchild > 0);
    CHECK(processGone(grandchild));
}

TEST_CASE("TasksExec: background jobs left behind by a finished task are killed") {
    TempDir dir;
    fs::path pidFile = dir.path / "pid";
    TaskRequest r = shell(R"(sleep 30 & echo $! > "$1"; echo 7)", {pidFile.string()});
    auto t0 = std::chrono::steady_clock::now();
    TaskResult res = runTask(r);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK(res.ok);
    CHECK(res.resultJson == "7");
    CHECK(ms < 2000); // the straggler held stdout open: we did not wait for it
    pid_t bg = readPid(pidFile);
    REQUIRE(bg > 0);
    CHECK(processGone(bg));
}

TEST_CASE("TasksExec: a cancel kills the group and reports Cancelled") {
    TempDir dir;
    fs::path pidFile = dir.path / "pid";
    TaskRequest r = shell(R"(sleep 30 & echo $! > "$1"; sleep 30)", {pidFile.string()});
    CancelToken token;
    TaskResult res;
    auto t0 = std::chrono::steady_clock::now();
    std::thread t([&] { res = runTask(r, &token); });
    pid_t grandchild = readPid(pidFile);
    token.cancel();
    t.join();
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK(res.errorName == "Cancelled");
    CHECK(ms < 2000);
    REQUIRE(grandchild > 0);
    CHECK(processGone(grandchild));

    // Already cancelled: nothing is started.
    res = runTask(shell("echo 1"), &token);
    CHECK(res.errorName == "Cancelled");
}

TEST_CASE("TasksExec: heartbeat: output on stderr keeps a long task alive") {
    // 0.8 s of work, a progress line every 0.1 s, a heartbeat of 0.4 s.
    TaskRequest r = shell("for i in 1 2 3 4 5 6 7 8; do echo \"step $i\" >&2; sleep 0.1; done; "
                          "echo '{\"done\": true}'");
    r.heartbeatMs = 400;
    TaskResult res = runTask(r);
    CHECK(res.ok);
    CHECK(res.resultJson == R"({"done":true})");
}

TEST_CASE("TasksExec: heartbeat: a silent task fails with HeartbeatTimeout, long before its "
          "timeout") {
    TempDir t;
    std::string marker = (t.path / "survived").string();
    // Silent for 3 s (then it would write a marker): the heartbeat is 0.3 s.
    TaskRequest r = shell("echo started >&2; sleep 3; touch '" + marker + "'; echo 1");
    r.heartbeatMs = 300;
    r.timeoutMs = 10000;
    auto t0 = std::chrono::steady_clock::now();
    TaskResult res = runTask(r);
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK_FALSE(res.ok);
    CHECK(res.errorName == "HeartbeatTimeout");
    CHECK(res.errorMessage == "no heartbeat (output on stderr) for 300 ms (process group killed)");
    CHECK(res.stderrTail == "started\n");
    CHECK(took < std::chrono::seconds(3)); // the 10 s timeout was not what stopped it
    std::this_thread::sleep_for(std::chrono::milliseconds(3200));
    CHECK_FALSE(fs::exists(marker)); // the whole process group was killed
}
