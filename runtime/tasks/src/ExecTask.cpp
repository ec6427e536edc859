// ExecTask.cpp — one `exec` task attempt: a child process fed JSON on stdin,
// answering JSON on stdout. See docs/tasks.md for the user-visible contract.
//
// Design notes (the WHY):
// - posix_spawn, not fork: the engine process may have a large heap, and
//   glibc's posix_spawn (clone+CLONE_VFORK) neither copies page tables nor runs
//   non-async-signal-safe code in the child. It also reports an exec failure
//   (ENOENT, EACCES, ENOEXEC) reliably as its return value: glibc carries the
//   child's errno back before posix_spawn returns, which is the CLOEXEC-pipe
//   trick done for us.
// - The child gets its own process group (POSIX_SPAWN_SETPGROUP), so a timeout,
//   a cancel, or the end of the task kills every process the task started —
//   a shell script's background jobs included — with kill(-pgid, SIGKILL).
//   We kill the group while the leader is still an unreaped zombie: its pid
//   (= the pgid) cannot be reused until we reap it, so the kill never hits a
//   stranger.
// - stdin, stdout and stderr are multiplexed with poll() on non-blocking
//   pipes: a child that writes megabytes before reading its input (or the
//   reverse) cannot deadlock against us.
// - SIGPIPE: a child may exit without reading stdin. Rather than ignoring
//   SIGPIPE process-wide (which would change how flowrun itself behaves when
//   its stdout is a closed pipe), we block it in this thread while we write,
//   treat EPIPE as "child closed stdin", and consume the pending signal before
//   restoring the mask. The child gets an empty mask and default dispositions.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flow/tasks/Executor.h"
#include "flow/tasks/TaskOutput.h"

extern char** environ;

namespace flow::tasks {

namespace {

using Clock = std::chrono::steady_clock;
using detail::setError;

constexpr size_t kChunk = 64 * 1024;
// After the task's process exits, how long we keep reading output still held
// by a process outside its group (one that called setsid) before giving up.
constexpr int kDrainGraceMs = 1000;
// Poll period when pidfd_open is unavailable (old kernels, seccomp filters).
constexpr int kFallbackTickMs = 20;

int64_t msSince(Clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

std::string resolvePath(const TaskRequest& r) {
    if (r.path.empty() || r.path[0] == '/' || r.baseDir.empty()) return r.path;
    return (std::filesystem::path(r.baseDir) / r.path).lexically_normal().string();
}

bool hasNul(const std::string& s) {
    return s.find('\0') != std::string::npos;
}

// The parent's environment, minus the names we override, plus ours.
bool buildEnv(const TaskRequest& r, std::vector<std::string>& out, std::string& err) {
    std::vector<std::pair<std::string, std::string>> extra = r.env;
    if (!r.idempotencyKey.empty()) extra.emplace_back("FLOW_IDEMPOTENCY_KEY", r.idempotencyKey);
    for (const auto& [k, v] : extra) {
        if (k.empty() || k.find('=') != std::string::npos || hasNul(k) || hasNul(v)) {
            err = "invalid environment variable name or value '" + detail::excerpt(k, 80) + "'";
            return false;
        }
    }
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        std::string_view name = kv.substr(0, kv.find('='));
        bool overridden =
            std::any_of(extra.begin(), extra.end(), [&](const auto& p) { return p.first == name; });
        if (!overridden) out.emplace_back(kv);
    }
    for (const auto& [k, v] : extra)
        out.push_back(k + "=" + v);
    return true;
}

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    bool open() const { return fd >= 0; }
};

bool makePipe(Fd& r, Fd& w) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return false;
    r.fd = p[0];
    w.fd = p[1];
    return true;
}

void setNonBlocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Blocks SIGPIPE in this thread for the guard's lifetime (see file comment).
class SigpipeGuard {
public:
    SigpipeGuard() {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &s, &old_);
    }
    ~SigpipeGuard() {
        if (!sigismember(&old_, SIGPIPE)) {
            // Swallow a SIGPIPE our writes raised, so unblocking does not deliver it.
            sigset_t s;
            sigemptyset(&s);
            sigaddset(&s, SIGPIPE);
            timespec zero{0, 0};
            while (sigtimedwait(&s, nullptr, &zero) == SIGPIPE) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

private:
    sigset_t old_;
};

enum class Stop { None, Timeout, Heartbeat, Cancelled, TooLarge };

// Everything the I/O loop needs; one per attempt.
struct Child {
    pid_t pid = -1;
    Fd in, out, err, pidfd;
    const std::string* input = nullptr;
    size_t written = 0;
    std::string stdoutBuf, stderrBuf;
    Clock::time_point lastBeat{}; // the last output on stderr (or the start)
    bool exited = false;          // the leader is a zombie (or reaped)
    bool reaped = false;
    int status = 0;
};

// True once the leader has exited; leaves it unreaped (WNOWAIT) so its pgid stays ours.
bool leaderExited(pid_t pid) {
    siginfo_t si;
    std::memset(&si, 0, sizeof si);
    if (::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD; // someone else reaped it: nothing left to wait for
    return si.si_pid == pid;
}

void killGroupAndReap(Child& c) {
    if (c.reaped) return;
    ::kill(-c.pid, SIGKILL); // the whole group: grandchildren too
    while (::waitpid(c.pid, &c.status, 0) < 0 && errno == EINTR) {
    }
    c.reaped = true;
    c.exited = true;
}

// Reads what is available from fd into buf (at most 16 chunks, so a child
// that writes as fast as we read still lets the loop check the deadline and
// the stdout cap). Returns false at EOF or error.
bool drain(Fd& fd, std::string& buf, size_t keepTail, size_t* got = nullptr) {
    char chunk[kChunk];
    for (int i = 0; i < 16; ++i) {
        ssize_t n = ::read(fd.fd, chunk, sizeof chunk);
        if (n > 0) {
            buf.append(chunk, static_cast<size_t>(n));
            if (got) *got += static_cast<size_t>(n);
            // stderr: keep only the tail, trimming in big steps to stay O(n).
            if (keepTail && buf.size() > 2 * keepTail) buf.erase(0, buf.size() - keepTail);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        fd.reset();
        return false;
    }
    return true;
}

void feedStdin(Child& c) {
    while (c.in.open() && c.written < c.input->size()) {
        size_t len = std::min(kChunk, c.input->size() - c.written);
        ssize_t n = ::write(c.in.fd, c.input->data() + c.written, len);
        if (n > 0) {
            c.written += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            c.in.reset(); // EPIPE: the child does not want (more) input
            return;
        }
    }
    if (c.in.open() && c.written >= c.input->size()) c.in.reset(); // EOF for the child
}

// The poll loop: returns why it stopped early, or Stop::None when the task ran
// to completion (leader exited, output drained).
Stop pump(Child& c, const TaskRequest& r, CancelToken* cancel, Clock::time_point t0) {
    const bool hasDeadline = r.timeoutMs > 0;
    Clock::time_point drainUntil{};
    c.lastBeat = t0;
    for (;;) {
        if (c.stdoutBuf.size() > kTaskStdoutCap) return Stop::TooLarge;
        // Once the leader is reaped the task has finished: only draining is left,
        // which neither the deadline nor a cancel can turn into a failure.
        if (!c.reaped && cancel && cancel->cancelled()) return Stop::Cancelled;
        int64_t left = hasDeadline ? r.timeoutMs - msSince(t0) : -1;
        if (!c.reaped && hasDeadline && left <= 0) return Stop::Timeout;
        // A heartbeat deadline works like the timeout, counted from the last
        // sign of life: a hung task is found long before its timeout.
        int64_t beatLeft = r.heartbeatMs > 0 ? r.heartbeatMs - msSince(c.lastBeat) : -1;
        if (!c.reaped && r.heartbeatMs > 0 && beatLeft <= 0) return Stop::Heartbeat;

        if (!c.exited && (c.pidfd.open() ? false : leaderExited(c.pid))) c.exited = true;
        if (c.exited && !c.reaped) {
            // The task is over: stragglers in its group die now, then we reap.
            killGroupAndReap(c);
            drainUntil = Clock::now() + std::chrono::milliseconds(kDrainGraceMs);
        }
        if (c.reaped && !c.out.open() && !c.err.open()) return Stop::None;
        if (c.reaped && Clock::now() >= drainUntil) return Stop::None; // held by an escapee

        pollfd fds[5];
        nfds_t n = 0;
        int iIn = -1, iOut = -1, iErr = -1, iPid = -1;
        if (c.in.open()) fds[iIn = static_cast<int>(n++)] = {c.in.fd, POLLOUT, 0};
        if (c.out.open()) fds[iOut = static_cast<int>(n++)] = {c.out.fd, POLLIN, 0};
        if (c.err.open()) fds[iErr = static_cast<int>(n++)] = {c.err.fd, POLLIN, 0};
        if (!c.exited && c.pidfd.open())
            fds[iPid = static_cast<int>(n++)] = {c.pidfd.fd, POLLIN, 0};
        if (!c.reaped && cancel && cancel->fd() >= 0) fds[n++] = {cancel->fd(), POLLIN, 0};

        int wait = 60'000;
        if (c.reaped) {
            auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(drainUntil - Clock::now());
            wait = static_cast<int>(std::max<int64_t>(ms.count(), 0)) + 1;
        } else {
            if (hasDeadline) wait = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
            if (r.heartbeatMs > 0)
                wait = std::min(wait, static_cast<int>(std::clamp<int64_t>(beatLeft, 0, 60'000)));
            if (!c.pidfd.open()) wait = std::min(wait, kFallbackTickMs);
        }
        int rc = ::poll(fds, n, wait);
        if (rc < 0 && errno != EINTR) return Stop::None; // cannot happen with valid fds
        if (rc <= 0) continue;
        if (iIn >= 0 && fds[iIn].revents) feedStdin(c);
        if (iOut >= 0 && fds[iOut].revents) drain(c.out, c.stdoutBuf, 0);
        if (iErr >= 0 && fds[iErr].revents) {
            size_t got = 0;
            drain(c.err, c.stderrBuf, kTaskStderrCap, &got);
            if (got > 0) c.lastBeat = Clock::now();
        }
        if (iPid >= 0 && fds[iPid].revents) c.exited = true;
    }
}

// Turns a finished child into a result (docs/tasks.md, "exec results").
void classify(const Child& c, TaskResult& res) {
    std::string canonical, parseErr, name, message;
    bool isJson = detail::parseJsonValue(c.stdoutBuf, canonical, parseErr);
    if (WIFSIGNALED(c.status)) {
        res.signal = WTERMSIG(c.status);
        setError(res, "TaskFailed", "killed by signal " + detail::signalName(res.signal));
        return;
    }
    res.exitCode = WIFEXITED(c.status) ? WEXITSTATUS(c.status) : -1;
    // A script may print its {"error": ...} and exit non-zero: the object wins.
    if (isJson && detail::errorObject(canonical, name, message)) {
        setError(res, name, message);
        return;
    }
    if (res.exitCode != 0) {
        std::string line = detail::lastNonEmptyLine(c.stderrBuf);
        setError(res, "TaskFailed",
                 "exited with status " + std::to_string(res.exitCode) +
                     (line.empty() ? std::string() : ": " + line));
        return;
    }
    if (!isJson) {
        setError(res, "InvalidOutput",
                 "stdout is not one JSON value (" + parseErr +
                     "); it starts with: " + detail::excerpt(c.stdoutBuf, 200));
        return;
    }
    res.ok = true;
    res.resultJson = std::move(canonical);
}

} // namespace

// Why posix_spawn refused `path`, in the words of what the user must fix:
// errno alone misleads for a script whose #! interpreter is missing (ENOENT,
// though the script is there) and for a directory (EACCES).
static std::string spawnFailure(const std::string& path, int rc) {
    std::error_code ec;
    if (rc == EACCES && std::filesystem::is_directory(path, ec)) return "it is a directory";
    if (rc == ENOENT && std::filesystem::is_regular_file(path, ec)) {
        std::ifstream in(path, std::ios::binary);
        std::string line;
        if (std::getline(in, line) && line.rfind("#!", 0) == 0) {
            line = line.substr(2);
            size_t a = line.find_first_not_of(" \t");
            size_t b = line.find_first_of(" \t\r", a == std::string::npos ? 0 : a);
            std::string interp = a == std::string::npos ? "" : line.substr(a, b - a);
            return "its interpreter '" + detail::excerpt(interp, 200) +
                   "' (the #! line) was not found";
        }
    }
    return std::strerror(rc);
}

TaskResult runExecTask(const TaskRequest& r, CancelToken* cancel) {
    auto t0 = Clock::now();
    TaskResult res;
    res.id = r.id;
    auto finish = [&]() -> TaskResult {
        res.durationMs = msSince(t0);
        return res;
    };

    const std::string path = resolvePath(r);
    if (path.empty()) {
        setError(res, "InvalidRequest", "exec task has an empty executable path");
        return finish();
    }
    bool badArg = hasNul(path) ||
                  std::any_of(r.args.begin(), r.args.end(), [](auto& a) { return hasNul(a); });
    std::vector<std::string> envStrings;
    std::string envErr;
    if (badArg) {
        setError(res, "InvalidRequest", "exec task path or argument contains a NUL byte");
        return finish();
    }
    if (!buildEnv(r, envStrings, envErr)) {
        setError(res, "InvalidRequest", envErr);
        return finish();
    }
    if (cancel && cancel->cancelled()) {
        setError(res, "Cancelled", "cancelled before it started");
        return finish();
    }

    std::vector<char*> argv, envp;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : r.args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : envStrings)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    Child c;
    c.input = &r.inputJson;
    Fd inR, outW, errW;
    if (!makePipe(inR, c.in) || !makePipe(c.out, outW) || !makePipe(c.err, errW)) {
        setError(res, "TaskFailed", std::string("cannot create pipes: ") + std::strerror(errno));
        return finish();
    }

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, inR.fd, 0);
    posix_spawn_file_actions_adddup2(&fa, outW.fd, 1);
    posix_spawn_file_actions_adddup2(&fa, errW.fd, 2);
    // Descriptors other threads opened without O_CLOEXEC must not leak into tasks.
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all); // undo any SIG_IGN the engine set
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    int rc = ::posix_spawn(&c.pid, path.c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    inR.reset();
    outW.reset();
    errW.reset();
    if (rc != 0) {
        setError(res, "TaskNotFound", "cannot run '" + path + "': " + spawnFailure(path, rc));
        return finish();
    }

    SigpipeGuard sigpipe;
    setNonBlocking(c.in.fd);
    setNonBlocking(c.out.fd);
    setNonBlocking(c.err.fd);
    c.pidfd.fd = static_cast<int>(::syscall(SYS_pidfd_open, c.pid, 0));
    feedStdin(c);

    Stop stop = pump(c, r, cancel, t0);
    killGroupAndReap(c); // no-op when already reaped; never leaves a zombie
    res.stderrTail =
        detail::sanitizeUtf8(c.stderrBuf.size() > kTaskStderrCap
                                 ? c.stderrBuf.substr(c.stderrBuf.size() - kTaskStderrCap)
                                 : c.stderrBuf);
    switch (stop) {
    case Stop::Timeout:
        setError(res, "Timeout",
                 "no result after " + std::to_string(r.timeoutMs) + " ms (process group killed)");
        break;
    case Stop::Heartbeat:
        setError(res, "HeartbeatTimeout",
                 "no heartbeat (output on stderr) for " + std::to_string(r.heartbeatMs) +
                     " ms (process group killed)");
        break;
    case Stop::Cancelled:
        setError(res, "Cancelled", "cancelled (process group killed)");
        break;
    case Stop::TooLarge:
        setError(res, "OutputTooLarge",
                 "stdout exceeded " + std::to_string(kTaskStdoutCap) +
                     " bytes (process group killed)");
        break;
    case Stop::None:
        classify(c, res);
        break;
    }
    return finish();
}

} // namespace flow::tasks
