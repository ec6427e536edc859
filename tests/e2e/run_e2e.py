#!/usr/bin/env python3
"""End-to-end tests of the durable runtime (issue 4) through the real binaries.

usage: run_e2e.py FLOWRUN FLOWC [CASE...]

Every case is a function below: real flowrun processes, a fresh temp dir and
--db file each, real SQLite files, real `kill -9`/SIGINT, real HTTP on
127.0.0.1. Task scripts (tasks/) log their side effects into the temp dir
($E2E_DIR). Prints `ok NAME (time)` / `FAIL NAME: why` and a summary; exit 1
when a case fails. A check known to fail (the engine is wrong, the test is
right) is written as it should behave with known="reason": the runner prints
KNOWN-FAIL and goes on. README.md says what each case proves.
"""
import http.server
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
FLOWS = os.path.join(HERE, "flows")
# Upper bounds only (nothing waits for them unless something is wrong); the
# ASan build is several times slower.
CMD_TIMEOUT = float(os.environ.get("E2E_CMD_TIMEOUT", "60"))


class Failure(Exception):
    pass


class KnownFailure(Exception):
    """A known engine bug stopped the case (it cannot go on); printed as KNOWN-FAIL."""


# A hang seen before (fixed in Loop.cpp): diagnosed at once instead of at the timeout.
LOST_RESULT = ("a finished task attempt's result was never applied: no task process, "
               "the store says the attempt is running")


class Ctx:
    """One case: its temp dir, database, environment and the processes it started."""

    def __init__(self, name, flowrun, flowc):
        self.name = name
        self.flowrun = flowrun
        self.flowc = flowc
        self.dir = tempfile.mkdtemp(prefix="flow-e2e-%s-" % name)
        self.db = os.path.join(self.dir, "flow.db")
        self.env = dict(os.environ)
        self.env["E2E_DIR"] = self.dir
        self.env.pop("FLOW_DB", None)
        # Task scripts say `#!/usr/bin/env python3`: let that find this interpreter
        # itself rather than a version-manager shim that costs 300 ms a call.
        self.env["PATH"] = os.path.dirname(os.path.realpath(sys.executable)) + os.pathsep + \
            self.env.get("PATH", "")
        self.procs = []
        self.known = []  # (check, reason)

    # ---- processes
    def run(self, *args, db=True, timeout=CMD_TIMEOUT, binary=None, known_hang=None):
        """Runs flowrun ARGS --db DB to its end: (rc, stdout, stderr). known_hang: the
        command is known to hang (a KnownFailure after `timeout`)."""
        argv = [binary or self.flowrun] + [str(a) for a in args]
        if db:
            argv += ["--db", self.db]
        try:
            p = subprocess.run(argv, env=self.env, cwd=self.dir, capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            what = "flowrun %s hung (killed after %ss)" % (args[0], timeout)
            if known_hang:
                raise KnownFailure("%s: %s" % (what, known_hang))
            raise Failure(what)
        return p.returncode, p.stdout, p.stderr

    def spawn(self, *args, db=True):
        """Starts flowrun ARGS --db DB in the background (stdout/stderr to files)."""
        argv = [self.flowrun] + [str(a) for a in args] + (["--db", self.db] if db else [])
        n = len(self.procs)
        out = open(os.path.join(self.dir, "proc%d.out" % n), "w+")
        err = open(os.path.join(self.dir, "proc%d.err" % n), "w+")
        p = subprocess.Popen(argv, env=self.env, cwd=self.dir, stdout=out, stderr=err,
                             text=True)
        p.out_file, p.err_file = out, err
        self.procs.append(p)
        return p

    def drive(self, *args, timeout=CMD_TIMEOUT, known_hang=None):
        """Runs a command that drives runs (run/resume) to its end: (rc, stdout, stderr)."""
        return self.finish(self.spawn(*args), timeout, known_hang)

    def finish(self, p, timeout=CMD_TIMEOUT, known_hang=None):
        """Waits for a spawned flowrun: (rc, stdout, stderr). Detects the LOST_RESULT hang
        (flowrun alive with no child process for 2 s although the store says a task
        attempt is running) and fails at once with that diagnosis."""
        t0 = time.time()
        idle_since = None
        while p.poll() is None:
            now = time.time()
            if now - t0 > timeout:
                what = "flowrun %s did not end within %ss" % (p.args[1], timeout)
                if known_hang:
                    p.kill()
                    p.wait()
                    raise KnownFailure("%s: %s" % (what, known_hang))
                raise Failure(what)
            if children(p.pid):
                idle_since = None
            elif idle_since is None:
                idle_since = now
            elif now - idle_since > 2.0:
                idle_since = now
                stuck = [r["id"] for r in self.runs_raw() if any(
                    w.get("kind") == "task" and w.get("state") == "running"
                    for w in self.status_raw(r["id"]).get("waiting", []))]
                if stuck and p.poll() is None and not children(p.pid):
                    p.kill()
                    p.wait()
                    raise Failure("flowrun %s hung: %s (run %s)" % (p.args[1], LOST_RESULT,
                                                                   stuck[0]))
            time.sleep(0.1)
        p.out_file.seek(0)
        p.err_file.seek(0)
        return p.returncode, p.out_file.read(), p.err_file.read()

    def runs_raw(self):
        rc, out, _ = self.run("list", "--json")
        return json.loads(out) if rc == 0 else []

    def status_raw(self, rid):
        rc, out, _ = self.run("status", rid, "--json")
        return json.loads(out) if rc == 0 else {}

    def cleanup(self, keep=False):
        for p in self.procs:  # only processes this case started, by pid
            if p.poll() is None:
                p.kill()
                p.wait()
            p.out_file.close()
            p.err_file.close()
        if not keep and not os.environ.get("E2E_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- helpers
    def flow(self, name):
        return os.path.join(FLOWS, name)

    def path(self, name):
        return os.path.join(self.dir, name)

    def read(self, name, default=None):
        try:
            with open(self.path(name)) as f:
                return f.read()
        except OSError:
            return default

    def wait_for(self, what, pred, timeout=CMD_TIMEOUT, step=0.02):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(step)
        raise Failure("gave up waiting for " + what)

    def json(self, *args):
        rc, out, err = self.run(*args)
        self.check(rc == 0, "flowrun %s exits 0 (rc %d: %s)" % (args[0], rc, err.strip()))
        try:
            return json.loads(out)
        except ValueError:
            raise Failure("flowrun %s printed no JSON: %r" % (" ".join(map(str, args)), out[:300]))

    def status(self, run_id):
        return self.json("status", run_id, "--json")

    def history(self, run_id):
        return self.json("history", run_id, "--json")

    def runs(self):
        return self.json("list", "--json")

    def check(self, cond, what, known=None):
        if cond:
            if known:
                print("  note %s: '%s' passes now; remove its known-fail mark" % (self.name, what))
            return True
        if known:
            self.known.append((what, known))
            return False
        raise Failure(what)

    def eq(self, got, want, what, known=None):
        return self.check(got == want, "%s: got %r, want %r" % (what, got, want), known)


def children(pid):
    """The pids of a process's children (all its threads'), from /proc."""
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += f.read().split()
    except OSError:
        pass
    return out


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def pid_gone(ctx, pid, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.02)
    return False


def read_pid(ctx, name, timeout=CMD_TIMEOUT):
    return int(ctx.wait_for(name, lambda: ctx.read(name), timeout))


def kinds(hist):
    return [h["kind"] for h in hist]


def start_id(ctx, *args):
    rc, out, err = ctx.run("start", *args)
    ctx.eq(rc, 0, "flowrun start exit status (stderr %r)" % err.strip())
    rid = out.strip()
    ctx.check(rid.startswith("r-") and "\n" not in rid, "start prints one run id: %r" % out)
    return rid


# ---------------------------------------------------------------- cases

def case_run(ctx):
    rc, out, err = ctx.drive("run", ctx.flow("run.flow"), "--input", '{"base": 5}')
    ctx.eq(rc, 0, "run exit status (stderr %r)" % err)
    ctx.eq(json.loads(out), {"a": 10, "b": 20, "c": 22}, "printed result")
    runs = ctx.runs()
    ctx.eq(len(runs), 1, "runs listed")
    r = runs[0]
    ctx.eq((r["workflow"], r["status"]), ("main", "completed"), "list entry")
    rc, out, err = ctx.run("list")
    ctx.check(rc == 0 and r["id"] in out and "completed" in out and r["module"][:12] in out,
              "plain list shows id, status, module prefix: %r" % out)
    st = ctx.status(r["id"])
    ctx.eq(st["status"], "completed", "status")
    ctx.eq(st["result"], {"a": 10, "b": 20, "c": 22}, "status result")
    rc, out, err = ctx.run("status", r["id"])
    ctx.check(rc == 0 and "completed" in out, "plain status: %r" % out)
    hist = ctx.history(r["id"])
    k = kinds(hist)
    ctx.eq(k[0], "run.started", "first history row")
    ctx.eq(k[-1], "run.completed", "last history row")
    done = [h for h in hist if h["kind"] == "task.completed"]
    ctx.eq(sorted(h["detail"]["result"]["name"] for h in done), ["a", "b", "c"],
           "one task.completed per step")
    lines = {h["detail"]["result"]["name"]: h["detail"]["where"] for h in done}
    lines = {k: v.rsplit("/", 1)[-1] for k, v in lines.items()}
    ctx.eq(lines, {"a": "run.flow:6", "b": "run.flow:7", "c": "run.flow:7"},
           "source lines (file:line) of the steps")
    for h in done:
        ctx.check(isinstance(h["detail"].get("durationMs"), int) and h["detail"]["durationMs"] >= 0,
                  "task.completed has a duration: %r" % h)
    # Promise.all: both b and c started before either completed.
    sb = [h for h in hist if h["kind"] == "task.started" and h["step"] != done[0]["step"]]
    first_done = min(h["seq"] for h in done[1:])
    ctx.check(len(sb) == 2 and all(h["seq"] < first_done for h in sb),
              "Promise.all steps run concurrently (both started before one completed)")
    rc, out, err = ctx.run("history", r["id"])
    ctx.check(rc == 0 and "run.flow:7" in out and "task.completed" in out
              and "ms" in out, "readable history with source lines and durations: %r" % out[:400])
    # DESIGN §1: run id, step id and attempt also arrive as environment variables.
    rc, out, err = ctx.drive("run", ctx.flow("run.flow"), "--workflow", "facts")
    ctx.eq(rc, 0, "facts run (stderr %r)" % err)
    f = json.loads(out)
    parts = f["key"].split(":")
    ctx.check(len(parts) == 3 and parts[0].startswith("r-") and parts[2] == "1",
              "FLOW_IDEMPOTENCY_KEY is RUN:STEP:ATTEMPT: %r" % f["key"])
    ctx.eq([f["run"], f["step"], f["attempt"]], parts, "FLOW_RUN_ID/FLOW_STEP_ID/FLOW_ATTEMPT env")


def case_retries(ctx):
    rc, out, err = ctx.drive("run", ctx.flow("retry.flow"))
    ctx.eq(rc, 0, "flaky run exit status (stderr %r)" % err)
    ctx.eq(json.loads(out), {"ok": True, "calls": 3}, "result after two throttles")
    rid = ctx.runs()[0]["id"]
    hist = ctx.history(rid)
    sched = [h["detail"] for h in hist if h["kind"] == "task.retry-scheduled"]
    ctx.eq([d["delayMs"] for d in sched], [100, 200], "back-off delays interval*rate^(n-1)")
    ctx.eq([h["detail"]["error"] for h in hist if h["kind"] == "task.failed"],
           ["Throttled", "Throttled"], "failed attempts' error names")
    ctx.eq([h["detail"]["attempt"] for h in hist if h["kind"] == "task.started"], [1, 2, 3],
           "attempt numbers")
    # Each retry started no earlier than its failure + delay (history times and the
    # script's own clock).
    fails = [h for h in hist if h["kind"] == "task.failed"]
    starts = [h for h in hist if h["kind"] == "task.started"]
    for i, (f, d) in enumerate(zip(fails, sched)):
        ctx.check(starts[i + 1]["at"] >= f["at"] + d["delayMs"],
                  "retry %d started %d ms after the failure, before its %d ms delay"
                  % (i + 1, starts[i + 1]["at"] - f["at"], d["delayMs"]))
    times = [int(x) for x in ctx.read("flaky-ok.times").split()]
    ctx.eq(len(times), 3, "task calls")
    for i, d in enumerate([100, 200]):
        ctx.check(times[i + 1] - times[i] >= d,
                  "call %d came %d ms after call %d (< %d ms)" % (i + 2, times[i + 1] - times[i],
                                                                 i + 1, d))
    # Exhausted: a catchable error with the last error name and the attempt count.
    rc, out, err = ctx.drive("run", ctx.flow("retry.flow"), "--workflow", "exhausted")
    ctx.eq(rc, 0, "exhausted run exit status (stderr %r)" % err)
    res = json.loads(out)
    ctx.eq((res["name"], res["attempts"]), ("Throttled", 2), "exhausted retry error")
    ctx.eq(ctx.read("flaky-ex.count"), "2", "calls with maxAttempts 1")
    # Uncaught: exit 1 and "Uncaught Throttled: ...".
    rc, out, err = ctx.drive("run", ctx.flow("retry.flow"), "--workflow", "uncaught")
    ctx.eq(rc, 1, "uncaught exit status")
    ctx.check("Uncaught Throttled: " in err, "stderr names the error: %r" % err)
    failed = [r for r in ctx.runs() if r["workflow"] == "uncaught"]
    ctx.eq(failed[0]["status"], "failed", "uncaught run status")


def case_timeout(ctx):
    t0 = time.time()
    rc, out, err = ctx.drive("run", ctx.flow("timeout.flow"))
    ctx.eq(rc, 0, "exit status (stderr %r)" % err)
    res = json.loads(out)
    ctx.eq(res["error"]["name"], "Timeout", "error name")
    ctx.check(time.time() - t0 < 20, "the timeout cut the 300 s task short")
    ctx.eq(res["alive"], {"main": False, "child": False},
           "task process and its grandchild gone (seen from a later task)")
    for f in ("t.pid", "t.child.pid"):
        ctx.check(pid_gone(ctx, int(ctx.read(f))), "%s gone" % f)


def case_signal(ctx):
    # start, signal from the CLI, resume.
    rid = start_id(ctx, ctx.flow("signal.flow"))
    st = ctx.status(rid)
    ctx.eq(st["status"], "waiting", "status after start")
    w = st["waiting"]
    ctx.check(len(w) == 1 and w[0]["kind"] == "signal" and w[0]["name"] == "approve"
              and w[0]["where"].endswith("/signal.flow:3"), "status names the signal and line: %r" % w)
    rc, out, err = ctx.run("status", rid)
    ctx.check('signal "approve"' in out and "signal.flow:3" in out, "plain status: %r" % out)
    rc, out, err = ctx.run("signal", rid, "approve", '{"ok":true}')
    ctx.eq(rc, 0, "signal exit status (stderr %r)" % err)
    rc, out, err = ctx.drive("resume", rid)
    ctx.eq(rc, 0, "resume exit status (stderr %r)" % err)
    ctx.eq(json.loads(out), {"got": {"ok": True}}, "result with the payload")
    # run in the background, signal from another process.
    p = ctx.spawn("run", ctx.flow("signal.flow"))
    rid2 = ctx.wait_for("the background run to wait",
                        lambda: next((r["id"] for r in ctx.runs()
                                      if r["id"] != rid and r["status"] == "waiting"), None))
    rc, out, err = ctx.run("signal", rid2, "approve", '[1,2]')
    ctx.eq(rc, 0, "signal to a driven run (stderr %r)" % err)
    rc, out, err = ctx.finish(p)
    ctx.eq(rc, 0, "background run exit status (stderr %r)" % err)
    ctx.eq(json.loads(out), {"got": [1, 2]}, "background run result")
    # A signal that arrives before the wait is kept for it.
    rid3 = start_id(ctx, ctx.flow("signal.flow"), "--workflow", "early")
    ctx.eq(ctx.run("signal", rid3, "approve", '"early"')[0], 0, "signal before the wait")
    rc, out, err = ctx.drive("resume", rid3)
    ctx.eq((rc, out.strip()), (0, '"early"'), "early signal delivered (%r)" % err)
    # timeout
    rc, out, err = ctx.drive("run", ctx.flow("signal.flow"), "--workflow", "timed")
    ctx.eq((rc, json.loads(out) if rc == 0 else err), (0, {"name": "Timeout"}), "signal timeout")


def case_ctrl_c(ctx):
    t0 = time.time()
    p = ctx.spawn("run", ctx.flow("sleep.flow"))
    rid = ctx.wait_for("the run to sleep",
                       lambda: next((r["id"] for r in ctx.runs() if r["status"] == "waiting"),
                                    None))
    p.send_signal(signal.SIGINT)
    rc, out, err = ctx.finish(p)
    ctx.eq(rc, 130, "exit status after SIGINT (stderr %r)" % err)
    ctx.check("flowrun resume " + rid in err, "message names `flowrun resume ID`: %r" % err)
    st = ctx.status(rid)
    ctx.eq(st["status"], "waiting", "status after Ctrl-C")
    timers = [w for w in st["waiting"] if w["kind"] == "timer"]
    ctx.check(len(timers) == 1 and isinstance(timers[0].get("due"), int),
              "status shows the timer with its due time: %r" % st["waiting"])
    due = timers[0]["due"]
    ctx.check(abs(due / 1000.0 - (t0 + 5)) < 5, "due time is ~5 s after the start")
    rc, out, err = ctx.run("status", rid)
    ctx.check("timer: fires at" in out and "sleep.flow:4" in out, "plain status: %r" % out)
    # Let the timer fall due while nothing runs, then resume: it fires at once.
    while time.time() * 1000 < due + 50:
        time.sleep(0.05)
    t1 = time.time()
    rc, out, err = ctx.drive("resume", rid)
    ctx.eq(rc, 0, "resume exit status (stderr %r)" % err)
    ctx.eq(json.loads(out), "woke", "result")
    ctx.check(time.time() - t1 < 10, "an overdue timer fires at resume")
    fired = [h for h in ctx.history(rid) if h["kind"] == "timer.fired"]
    ctx.check(len(fired) == 1 and fired[0]["at"] >= due, "timer fired once, not before due")


def case_crash(ctx):
    rng = random.Random(int(os.environ.get("E2E_SEED", "4")))
    rid = start_id(ctx, ctx.flow("crash.flow"))
    kills = 0
    final = None
    for attempt in range(40):  # bounded: ~10 kills, then drive to the end
        p = ctx.spawn("resume", rid)
        if kills < 10:
            time.sleep(rng.uniform(0.0, 0.35))
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
                kills += 1
                continue
        rc, out, err = ctx.finish(p)
        if rc == 0:
            final = json.loads(out)
            break
        raise Failure("resume after %d kills: rc %d, stderr %r" % (kills, rc, err))
    ctx.check(final is not None, "the run completed within the bounded loop")
    ctx.check(kills >= 3, "at least 3 kills landed (got %d)" % kills)
    ctx.eq(final, {"total": sum(2 * i for i in range(1, 9))}, "final result")
    ctx.eq(ctx.status(rid)["status"], "completed", "status")
    hist = ctx.history(rid)
    done = [h for h in hist if h["kind"] == "task.completed"]
    names = sorted(h["detail"]["result"]["name"] for h in done)
    ctx.eq(names, sorted("s%d" % i for i in range(1, 9)), "every step completed exactly once")
    ctx.eq(kinds(hist).count("run.completed"), 1, "run.completed once")
    emitted = [h for h in hist if h["kind"] == "event.emitted"]
    ctx.eq(len(emitted), 3, "emit steps in history")
    events = ctx.json("events", "--json")
    ctx.eq(sorted(e["type"] for e in events), ["crash.done", "crash.progress", "crash.progress"],
           "every emit produced exactly one event")
    ctx.eq(sorted(e["payload"]["i"] for e in events if e["type"] == "crash.progress"), [3, 6],
           "event payloads")
    fired = [h for h in hist if h["kind"] == "timer.fired"]
    ctx.eq(len(fired), 2, "each sleep fired once")
    # At least once, each re-run with the same key as the attempt it repeats.
    log = [l.split() for l in ctx.read("steps.log", "").splitlines() if l.strip()]
    by_step = {}
    for name, att, key in log:
        by_step.setdefault(name, []).append((att, key))
    ctx.eq(sorted(by_step), sorted("s%d" % i for i in range(1, 9)), "every task ran")
    for name, calls in by_step.items():
        ctx.check(len(set(k for _, k in calls)) == 1,
                  "re-runs of %s carry the same idempotency key: %r" % (name, calls))
        ctx.check(calls[0][1].startswith(rid + ":"), "key names the run: %r" % calls[0][1])
    reruns = sum(len(c) - 1 for c in by_step.values())
    print("  crash: %d kills, %d task re-runs, %d history rows" % (kills, reruns, len(hist)))
    rc, out, err = ctx.run("list")
    ctx.check(rc == 0 and rid in out, "list works on the crashed database")


def case_slices(ctx):
    # A workflow computing for seconds without an await commits in time slices
    # (FLOW_SLICE_MS): meanwhile another process can write to the database (a
    # start with a busy timeout shorter than the computation), Ctrl-C and kill -9
    # stop it between slices, and resume goes on from the last slice committed.
    n = 40_000_000  # ~1 s per loop in a release build, several in ASan
    want = 7 * n * (n - 1) // 2 % 1000003
    ctx.env["FLOW_SLICE_MS"] = "50"
    p = ctx.spawn("run", ctx.flow("compute.flow"), "--input", json.dumps({"n": n}))
    rid = ctx.wait_for("the run to commit a slice",
                       lambda: next((r["id"] for r in ctx.runs() if r["status"] == "running"),
                                    None))
    busy = dict(ctx.env)
    ctx.env["FLOW_BUSY_TIMEOUT_MS"] = "1000"
    # (A run that sleeps: one with a task attempt left `running` by `start` would look
    # like LOST_RESULT to ctx.finish while the other computes for seconds under ASan.)
    rc, out, err = ctx.run("start", ctx.flow("sleep.flow"))
    ctx.env = busy
    ctx.eq(rc, 0, "a start while the run computes (stderr %r)" % err)
    other = out.strip()
    st = ctx.status(rid)
    ctx.eq(st["status"], "running", "the computing run's status after the other start")
    comp = [w for w in st["waiting"] if w["kind"] == "compute"]
    ctx.check(len(comp) == 1 and "compute.flow:" in comp[0]["where"],
              "status says where the computation goes on: %r" % st["waiting"])
    rc, out, err = ctx.run("status", rid)
    ctx.check("computing:" in out and "compute.flow:" in out, "plain status: %r" % out)
    p.send_signal(signal.SIGINT)
    rc, out, err = ctx.finish(p)
    ctx.eq(rc, 130, "exit status after SIGINT (stderr %r)" % err)
    ctx.eq(ctx.status(rid)["status"], "running", "status after Ctrl-C mid-computation")
    kills = 0
    for _ in range(3):  # kill -9 mid-computation, then resume from the last slice
        p = ctx.spawn("resume", rid)
        time.sleep(0.4)
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            kills += 1
    ctx.check(kills >= 1, "a kill -9 landed mid-computation (got %d)" % kills)
    rc, out, err = ctx.drive("resume", rid)
    ctx.eq(rc, 0, "resume exit status (stderr %r)" % err)
    ctx.eq(json.loads(out), {"a": want, "b": want}, "result after Ctrl-C and %d kills" % kills)
    hist = ctx.history(rid)
    ctx.eq(kinds(hist).count("task.completed"), 1, "the task step completed once")
    ctx.eq(kinds(hist).count("run.completed"), 1, "run.completed once")
    other_row = next(r for r in ctx.runs() if r["id"] == other)
    ctx.check(other_row["createdAt"] < hist[-1]["at"],
              "the other run was created while this one computed")
    # A loop that never awaits ends by a cancel applied between two slices: the error
    # is thrown where the slice stopped, and the finally block runs (an echo step).
    p = ctx.spawn("run", ctx.flow("compute.flow"), "--workflow", "forever")
    rid2 = ctx.wait_for("the endless loop to commit a slice",
                        lambda: next((r["id"] for r in ctx.runs()
                                      if r["workflow"] == "forever" and r["status"] == "running"),
                                     None))
    rc, out, err = ctx.run("cancel", rid2)
    ctx.eq(rc, 0, "cancel of a computing run (stderr %r)" % err)
    rc, out, err = ctx.finish(p)
    ctx.eq(rc, 1, "the run's exit status once cancelled (stderr %r)" % err)
    ctx.eq(ctx.status(rid2)["status"], "cancelled", "status after the cancel")
    done = [h for h in ctx.history(rid2) if h["kind"] == "task.completed"]
    ctx.eq([h["detail"]["result"] for h in done], [{"x": "cleaned up"}],
           "the finally block's step ran once")


def case_elsewhere(ctx):
    # A run started with a relative .flow path (exec tasks relative to it) and
    # resumed from another directory still finds its tasks (runs.base_dir).
    def at(cwd, *args):
        argv = [ctx.flowrun] + list(args) + ["--db", ctx.db]
        p = subprocess.run(argv, env=ctx.env, cwd=cwd, capture_output=True, text=True,
                           timeout=CMD_TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    rc, out, err = at(HERE, "start", os.path.join("flows", "run.flow"), "--input", '{"base": 5}')
    ctx.eq(rc, 0, "start from tests/e2e (stderr %r)" % err)
    rid = out.strip()
    rc, out, err = at(ctx.dir, "resume", rid)
    ctx.eq(rc, 0, "resume from another directory (stderr %r)" % err)
    ctx.eq(json.loads(out), {"a": 10, "b": 20, "c": 22}, "result")


def case_cancel(ctx):
    # Cancel while a task process runs (the run driven by a background `run`).
    p = ctx.spawn("run", ctx.flow("cancel.flow"), "--workflow", "busy")
    pid = read_pid(ctx, "busy.pid")
    cpid = read_pid(ctx, "busy.child.pid")
    rid2 = next(r["id"] for r in ctx.runs() if r["workflow"] == "busy")
    w = ctx.status(rid2)["waiting"]
    ctx.check(len(w) == 1 and w[0]["kind"] == "task" and w[0]["name"] == "hang"
              and w[0].get("state") == "running" and w[0]["where"].endswith("/cancel.flow:16"),
              "status shows the task attempt in flight and its line: %r" % w)
    rc, out, err = ctx.run("cancel", rid2)
    ctx.eq(rc, 0, "cancel of a driven run (stderr %r)" % err)
    rc, out, err = ctx.finish(p)
    ctx.eq(rc, 1, "the driving `run` reports the cancel (exit 1): %r" % err)
    ctx.check("cancelled" in err, "driving run says cancelled: %r" % err)
    ctx.eq(ctx.status(rid2)["status"], "cancelled", "busy status")
    ctx.check(pid_gone(ctx, pid) and pid_gone(ctx, cpid), "the task's processes were killed")
    ctx.check(ctx.read("cleanup-busy.done") is not None, "busy's finally task ran")
    ctx.check("run.cancelled" in kinds(ctx.history(rid2)), "busy history has run.cancelled")
    # A run nobody drives, waiting in a long sleep: `cancel` drives it to its end.
    rid = start_id(ctx, ctx.flow("cancel.flow"), "--workflow", "sleeper")
    ctx.eq(ctx.status(rid)["status"], "waiting", "sleeper waits")
    rc, out, err = ctx.run("cancel", rid, timeout=8,
                           known_hang="a cancel requested before the run is loaded is never "
                                      "applied (load() copies cancelRequested, so poll() sees "
                                      "no change and nothing activates the run)")
    ctx.eq(rc, 0, "cancel exit status (stderr %r)" % err)
    ctx.eq(ctx.status(rid)["status"], "cancelled", "status after cancel")
    ctx.check(ctx.read("cleanup-sleeper.done") is not None, "the finally task ran")
    k = kinds(ctx.history(rid))
    ctx.check("run.cancelled" in k, "history has run.cancelled: %r" % k)


def case_versioning(ctx):
    src = os.path.join(ctx.dir, "app.flow")

    def write(tag):
        with open(src, "w") as f:
            f.write('workflow main() {\n  const s = await signal("go")\n  return "%s:" + s\n}\n'
                    % tag)

    write("v1")
    r1 = start_id(ctx, src)
    r2 = start_id(ctx, src)
    write("v2")
    ctx.eq(ctx.run("signal", r1, "go", '"a"')[0], 0, "signal r1")
    rc, out, err = ctx.drive("resume", r1)
    ctx.eq((rc, out.strip()), (0, '"v1:a"'), "r1 finishes with v1 after the edit (%r)" % err)
    os.unlink(src)
    ctx.eq(ctx.run("signal", r2, "go", '"b"')[0], 0, "signal r2")
    rc, out, err = ctx.drive("resume", r2)
    ctx.eq((rc, out.strip()), (0, '"v1:b"'), "r2 finishes with v1 after the delete (%r)" % err)
    write("v2")
    r3 = start_id(ctx, src)
    ctx.eq(ctx.run("signal", r3, "go", '"c"')[0], 0, "signal r3")
    rc, out, err = ctx.drive("resume", r3)
    ctx.eq((rc, out.strip()), (0, '"v2:c"'), "a new run uses v2 (%r)" % err)
    runs = {r["id"]: r["module"] for r in ctx.runs()}
    ctx.check(runs[r1] == runs[r2] != runs[r3], "modules: v1 runs share a hash, v2 differs")
    rc, out, err = ctx.run("list")
    for r in (r1, r3):
        line = next((l for l in out.splitlines() if r in l), "")
        ctx.check(runs[r][:12] in line, "list shows %s's module prefix: %r" % (r, line))


def case_children(ctx):
    rc, out, err = ctx.drive("run", ctx.flow("child.flow"))
    ctx.eq(rc, 0, "exit status (stderr %r)" % err)
    res = json.loads(out)
    ctx.eq(res["r"], 42, "child result")
    runs = {r["id"]: r for r in ctx.runs()}
    ctx.eq(len(runs), 2, "both runs listed")
    ctx.check(res["child"] in runs and runs[res["child"]]["workflow"] == "child"
              and runs[res["child"]]["status"] == "completed", "child run row: %r" % runs)
    parent = next(r for r in runs.values() if r["workflow"] == "main")
    k = kinds(ctx.history(parent["id"]))
    ctx.check("child.started" in k and "child.completed" in k, "parent history: %r" % k)
    ctx.eq(ctx.status(res["child"]).get("parent"), parent["id"], "child's parent")
    # kill -9 while the child sleeps, then resume the parent: the child must be driven too.
    p = ctx.spawn("run", ctx.flow("child.flow"))
    ctx.wait_for("a second child, sleeping",
                 lambda: sum(r["status"] == "waiting" and r["workflow"] == "child"
                             for r in ctx.runs()) == 1)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    parent2 = next(r["id"] for r in ctx.runs() if r["workflow"] == "main" and r["id"] != parent["id"])
    rc, out, err = ctx.drive("resume", parent2, timeout=8,
                             known_hang="resume of a parent does not load and drive its "
                                         "unfinished children; the parent polls their rows "
                                         "forever")
    ctx.eq((rc, json.loads(out)["r"] if rc == 0 else err), (0, 42),
           "resume of a parent killed while its child ran")


def case_race(ctx):
    t0 = time.time()
    rc, out, err = ctx.drive("run", ctx.flow("race.flow"))
    ctx.eq(rc, 0, "exit status (stderr %r)" % err)
    res = json.loads(out)
    ctx.eq(res["r"], "timer", "the sleep wins")
    ctx.check(ctx.read("race.pid") and ctx.read("race.child.pid"), "the slow task started")
    ctx.check(time.time() - t0 < 20, "finishes promptly")
    ctx.eq(res["alive"], {"main": False, "child": False},
           "the finished racer left no task process behind (seen from the parent)")
    for f in ("race.pid", "race.child.pid"):
        ctx.check(pid_gone(ctx, int(ctx.read(f))), "%s gone after flowrun exits" % f)


def case_first_open(ctx):
    # Processes opening a database file that does not exist yet, at the same time (serve's
    # workers and a `flowrun list` beside them): one creates the schema, the others wait for
    # it. Found failing ~1% of such opens: "not a Flow database" (the identity read in three
    # snapshots, the schema committed between them) and "set WAL mode: database is locked"
    # (two switches from the rollback journal: SQLite's deadlock answer, no busy handler).
    # Racy by nature: 50 rounds of 6 processes made a failure all but certain before.
    failures = []
    for i in range(50):
        db = os.path.join(ctx.dir, "first-%d" % i, "flow.db")
        ps = [subprocess.Popen([ctx.flowrun, "list", "--db", db], env=ctx.env, cwd=ctx.dir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
              for _ in range(6)]
        for p in ps:
            try:
                _, err = p.communicate(timeout=CMD_TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                err = "hung"
            if p.returncode != 0:
                failures.append(err.strip())
    ctx.eq(failures[:3], [], "concurrent first opens of a new database (%d failed)" % len(failures))


def case_parallel_map(ctx):
    rc, out, err = ctx.drive("run", ctx.flow("pmap.flow"))
    ctx.eq(rc, 0, "exit status (stderr %r)" % err)
    ctx.eq(json.loads(out), [10, 20, 30, 40, 50, 60], "results in input order")
    events = []
    for line in ctx.read("par.log").splitlines():
        kind, ms, x = line.split()
        events.append((int(ms), 0 if kind == "end" else 1, x))
    events.sort()
    running = peak = 0
    for _, kind, _ in events:
        running += 1 if kind else -1
        peak = max(peak, running)
    ctx.eq(len(events), 12, "six items ran once each")
    ctx.check(peak <= 2, "never more than 2 tasks at once (peak %d)" % peak)
    ctx.check(peak == 2, "the two slots were used concurrently (peak %d)" % peak)


class HttpServer:
    """A local JSON server: /ok echoes, /503 fails, /flaky fails once then answers."""

    def __init__(self):
        self.requests = []
        self.flaky_calls = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests.append((self.path, dict(self.headers), body.decode()))
                code, reply = 200, {"path": self.path}
                if self.path == "/503":
                    code, reply = 503, {"busy": True}
                elif self.path == "/404":
                    code, reply = 404, {"missing": True}
                elif self.path == "/flaky":
                    outer.flaky_calls += 1
                    if outer.flaky_calls == 1:
                        code = 503
                    reply = {"call": outer.flaky_calls}
                elif self.path == "/ok":
                    reply = {"echo": json.loads(body)}
                data = json.dumps(reply).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def case_http(ctx):
    srv = HttpServer()
    try:
        with open(ctx.flow("http.flow.in")) as f:
            text = f.read().replace("@PORT@", str(srv.port))
        src = ctx.path("http.flow")
        with open(src, "w") as f:
            f.write(text)
        ctx.env["FLOW_E2E_HTTP"] = "http://127.0.0.1:%d" % srv.port
        ctx.env.pop("FLOW_E2E_NOT_SET", None)
        rc, out, err = ctx.drive("run", src)
        ctx.eq(rc, 0, "exit status (stderr %r)" % err)
        res = json.loads(out)
        ctx.eq(res["ok"], {"echo": {"order": "o-1", "amount": 42}}, "body is the args object")
        ctx.eq(res["unsetVar"]["name"], "InvalidRequest", "an unset ${VAR} in a URL")
        ctx.check("FLOW_E2E_NOT_SET, which is not set" in res["unsetVar"]["message"],
                  "the message names the variable: %r" % res["unsetVar"])
        ctx.eq(res["failed"], {"name": "HttpError", "status": 503, "is503": True}, "503 error")
        ctx.eq(res["retried"], {"call": 2}, "retry on HttpError.5xx (a 503) then success")
        ctx.eq(res["notFound"], {"name": "HttpError", "status": 404, "attempts": 1},
               "a 404 is not retried by a policy on HttpError.5xx and HttpError.429")
        ctx.eq(len([r for r in srv.requests if r[0] == "/404"]), 1, "one /404 request")
        rid = ctx.runs()[0]["id"]
        ok = [r for r in srv.requests if r[0] == "/ok"]
        ctx.eq(len(ok), 1, "one /ok request")
        headers = {k.lower(): v for k, v in ok[0][1].items()}
        key = headers.get("idempotency-key", "")
        parts = key.split(":")
        ctx.check(len(parts) == 3 and parts[0] == rid and parts[1].isdigit() and parts[2] == "1",
                  "Idempotency-Key is RUN:STEP:ATTEMPT: %r" % key)
        flaky = [r[1] for r in srv.requests if r[0] == "/flaky"]
        keys = [{k.lower(): v for k, v in h.items()}.get("idempotency-key", "") for h in flaky]
        ctx.eq([k.rsplit(":", 1)[-1] for k in keys], ["1", "2"], "attempt numbers in the keys")
    finally:
        srv.close()


def case_bad_input(ctx):
    bad = ctx.flow("bad.flow")

    def expect(args, code, needle, what):
        rc, out, err = ctx.run(*args)
        ctx.check(rc == code and needle in err,
                  "%s: want exit %d and %r in stderr, got %d, %r" % (what, code, needle, rc,
                                                                    err.strip()[:300]))

    expect(("run", bad, "--input", "{not json"), 2, "not valid JSON", "--input not JSON")
    expect(("run", bad, "--workflow", "nope"), 2, "unknown workflow 'nope'", "unknown workflow")
    # Option values that are not one: before, each silently became 0 ("no limit") or a
    # default, and --sync fast meant FULL.
    for args, needle in [
        (("list", "--limit", "abc"), "--limit takes an integer >= 0, not 'abc'"),
        (("list", "--limit", "-3"), "--limit takes an integer >= 0, not '-3'"),
        (("events", "--since", "x"), "--since takes an integer >= 0, not 'x'"),
        (("events", "--limit", "1x"), "--limit takes an integer >= 0, not '1x'"),
        (("run", bad, "--max-tasks", "abc"), "--max-tasks takes an integer from 1 to 1024"),
        (("start", bad, "--sync", "fast"), "--sync takes 'normal' or 'full', not 'fast'"),
        (("resume", "r-0000000000000000", "--max-tasks", "0"), "--max-tasks takes an integer"),
        (("work", "--until-idle", "--max-tasks", "-1"), "--max-tasks takes an integer"),
    ]:
        expect(args, 2, needle, " ".join(map(str, args)))
    ctx.eq(ctx.runs(), [], "bad option values started no run")
    # A directory as an @file read as empty text: "not valid JSON: unexpected end of input".
    expect(("run", bad, "--input", "@" + ctx.dir), 2, "it is a directory", "--input @DIR")
    expect(("emit", "t", "@" + ctx.dir), 2, "it is a directory", "emit payload @DIR")
    expect(("run", bad, "--input", "@" + ctx.path("none.json")), 2,
           "cannot read input file '%s': No such file or directory" % ctx.path("none.json"),
           "--input @missing")
    for cmd in (("status",), ("resume",), ("signal", None, "x"), ("cancel",), ("history",)):
        args = [cmd[0], "r-0000000000000000"] + list(cmd[2:])
        expect(args, 2, "no run 'r-0000000000000000'", "%s of an unknown run" % cmd[0])
    # Catchable task errors.
    rc, out, err = ctx.drive("run", bad)
    ctx.eq(rc, 0, "task errors are catchable (stderr %r)" % err)
    ctx.eq(json.loads(out), {"garbage": "InvalidOutput", "missing": "TaskNotFound"},
           "task error names")
    done = ctx.runs()[0]["id"]
    expect(("signal", done, "go", "1"), 2, "already completed", "signal to a completed run")
    # An empty signal name was stored (exit 0), though signal("") cannot be awaited.
    expect(("signal", done, "", "1"), 2, "the signal name is empty", "an empty signal name")
    expect(("cancel", done), 2, "already finished", "cancel of a completed run")
    # JSON nested deeper than the store keeps (SQLite's json_valid refused it only at the
    # commit: "CHECK constraint failed", exit 1 for --input; a task printing it made its run
    # fail that commit on every resume, and 4 million levels crashed flowrun with SIGSEGV).
    with open(ctx.path("deep.json"), "w") as f:
        f.write("[" * 3000 + "]" * 3000)
    with open(ctx.path("ok.json"), "w") as f:
        f.write("[" * 512 + "]" * 512)
    deep = "@" + ctx.path("deep.json")
    expect(("run", bad, "--input", deep), 2, "--input is nested deeper than 512 levels",
           "--input nested 3000 deep")
    expect(("emit", "deep", deep), 2, "the payload is nested deeper than 512 levels",
           "an event payload nested 3000 deep")
    ctx.eq(ctx.run("emit", "ok", "@" + ctx.path("ok.json"))[0], 0, "a payload nested 512 deep")
    rc, out, err = ctx.drive("run", bad, "--workflow", "outputs")
    ctx.eq(rc, 0, "deep task output is a catchable error (stderr %r)" % err.strip()[-300:])
    res = json.loads(out)
    for k in ("deep", "deeper"):
        ctx.eq(res[k]["name"], "InvalidOutput", "%s task output's error" % k)
        ctx.check("nested deeper than 512 levels" in res[k]["message"],
                  "%s: the message says why: %r" % (k, res[k]["message"]))
    ctx.eq(res["shallow"], {"ok": True}, "a task result nested 500 deep")
    rc, out, err = ctx.drive("run", bad, "--workflow", "deepResult")
    ctx.check(rc == 1 and "Uncaught RangeError: the workflow's result is nested deeper than 960"
              in err, "a result nested 3000 deep fails the run: %d %r" % (rc, err.strip()[-300:]))
    ctx.eq([r["status"] for r in ctx.runs() if r["workflow"] == "deepResult"], ["failed"],
           "the deepResult run's status")
    # Executables that cannot start: the message names the cause, not just errno.
    ctx.eq(res["badShebang"]["name"], "TaskNotFound", "bad #! line")
    ctx.check("its interpreter '/no/such/interpreter' (the #! line) was not found"
              in res["badShebang"]["message"], "bad #! line message: %r" % res["badShebang"])
    ctx.eq((res["aDirectory"]["name"], res["aDirectory"]["message"].endswith("it is a directory")),
           ("TaskNotFound", True), "a directory as the executable: %r" % res["aDirectory"])
    ctx.eq(res["closedPort"]["name"], "ConnectionError", "http to a closed port")
    ctx.check("could not connect" in res["closedPort"]["message"],
              "closed port message: %r" % res["closedPort"])
    # resume of a run another live process drives.
    p = ctx.spawn("run", bad, "--workflow", "waiter")
    rid = ctx.wait_for("the waiter to wait",
                       lambda: next((r["id"] for r in ctx.runs() if r["status"] == "waiting"),
                                    None))
    expect(("resume", rid), 2, "another process", "resume of a run driven elsewhere")
    ctx.eq(ctx.run("signal", rid, "go", '"x"')[0], 0, "signal the waiter")
    rc, out, err = ctx.finish(p)
    ctx.eq((rc, out.strip()), (0, '"x"'), "the driving process still finishes (%r)" % err)
    # A run whose snapshot row was damaged: resume and cancel fail with exit 1 and say why
    # (cancel printed "cancellation requested" and exited 0, though no process can load the
    # run to apply it), and the run is left as it was, waiting.
    p = ctx.spawn("run", bad, "--workflow", "waiter")
    hurt = ctx.wait_for("a second waiter", lambda: next(
        (r["id"] for r in ctx.runs() if r["status"] == "waiting" and r["id"] != rid), None))
    p.kill()
    p.wait()
    with sqlite3.connect(ctx.db) as db:
        snap = bytearray(db.execute("SELECT bytes FROM snapshots WHERE run_id = ?",
                                    (hurt,)).fetchone()[0])
        for i in range(len(snap) // 2, len(snap) // 2 + 16):
            snap[i] ^= 0x5A
        db.execute("UPDATE snapshots SET bytes = ? WHERE run_id = ?", (bytes(snap), hurt))
    expect(("resume", hurt), 1, "its snapshot is corrupt", "resume of a corrupt snapshot")
    expect(("cancel", hurt), 1, "cannot be loaded to apply it", "cancel of a corrupt snapshot")
    ctx.eq(ctx.status(hurt)["status"], "waiting", "the damaged run is left as it was")
    # JSON columns of another shape than the engine writes: status and history named no
    # run, only "[json.exception.type_error.306] cannot use value() with number" (exit 2).
    with sqlite3.connect(ctx.db) as db:
        db.execute("UPDATE runs SET waiting = '[1]' WHERE id = ?", (hurt,))
        db.execute("UPDATE history SET detail = '{\"attempt\": \"x\"}' WHERE run_id = ?",
                   (hurt,))
    for cmd in ("status", "history"):
        expect((cmd, hurt), 1, "run '%s' in %s has a damaged row" % (hurt, ctx.db),
               "%s of a run with a damaged row" % cmd)
    # Garbage bytes as a database.
    junk = ctx.path("junk.db")
    with open(junk, "wb") as f:
        f.write(bytes(random.Random(7).randrange(256) for _ in range(8192)))
    for args in (("list",), ("status", rid), ("run", bad)):
        rc, out, err = ctx.run(*args, "--db", junk, db=False)
        ctx.check(rc == 2 and "junk.db" in err,
                  "%s on a garbage database: want exit 2 naming the file, got %d %r"
                  % (args[0], rc, err.strip()))
    # A corrupt .flowc.
    flowc_out = ctx.path("bad.flowc")
    shutil.copy(bad, ctx.path("bad.flow"))
    p = subprocess.run([ctx.flowc, ctx.path("bad.flow"), "-o", flowc_out], capture_output=True,
                       text=True, timeout=CMD_TIMEOUT)
    ctx.eq(p.returncode, 0, "flowc compiles bad.flow (%r)" % p.stderr)
    with open(flowc_out, "r+b") as f:
        data = bytearray(f.read())
        mid = len(data) // 2
        for i in range(mid, min(mid + 16, len(data))):
            data[i] ^= 0x5A
        f.seek(0)
        f.write(data)
    rc, out, err = ctx.drive("run", flowc_out)
    ctx.check(rc == 2 and err.strip() and "Uncaught" not in err,
              "corrupt .flowc: want exit 2 with a message, got %d %r" % (rc, err.strip()))


def case_busy(ctx):
    # A run that keeps awaiting builtin tasks is ready again at every turn (their
    # results are ready as soon as they are dispatched). What happens between
    # turns must still happen: these hung, the run looping forever.
    f = ctx.flow("busy.flow")
    rc, out, err = ctx.drive("run", f, "--workflow", "untilTask", timeout=15)
    ctx.eq(rc, 0, "untilTask exit status (stderr %r)" % err)
    ctx.eq(json.loads(out), {"v": 42, "looped": True}, "a task result reaches a looping run")
    rc, out, err = ctx.drive("run", f, "--workflow", "untilTimer", timeout=15)
    ctx.eq(rc, 0, "untilTimer exit status (stderr %r)" % err)
    ctx.eq(json.loads(out), True, "a timer fires in a looping run")
    # A cancel from another process reaches it (a poll between turns).
    rid = start_id(ctx, f, "--workflow", "spin")
    p = ctx.spawn("resume", rid)
    ctx.wait_for("the spin run to loop", lambda: len(ctx.history(rid)) > 20, timeout=15)
    rc, out, err = ctx.run("cancel", rid)
    ctx.eq(rc, 0, "cancel of the looping run (stderr %r)" % err)
    rc, out, err = ctx.finish(p, timeout=15)
    ctx.eq(rc, 1, "the driving resume ends with the cancel (stderr %r)" % err)
    ctx.eq(ctx.status(rid)["status"], "cancelled", "spin status")
    ctx.check(ctx.read("cleanup-spin.done") is not None, "spin's finally task ran")
    # `flowrun work`: a looping run does not hold back other runs' task results.
    spin = start_id(ctx, f, "--workflow", "spin")
    one = start_id(ctx, f, "--workflow", "one")
    w = ctx.spawn("work")
    ctx.wait_for("the other run's task result (work)",
                 lambda: ctx.status(one)["status"] == "completed", timeout=15)
    ctx.eq(ctx.status(one).get("result"), 4, "the other run's result")
    rc, out, err = ctx.run("cancel", spin)
    ctx.eq(rc, 0, "cancel under work (stderr %r)" % err)
    ctx.wait_for("the looping run cancelled (work)",
                 lambda: ctx.status(spin)["status"] == "cancelled", timeout=15)
    w.send_signal(signal.SIGTERM)
    rc, out, err = ctx.finish(w, timeout=15)
    ctx.eq(rc, 0, "work exits 0 on SIGTERM (stderr %r)" % err)


CASES = [
    ("run", case_run),
    ("retries", case_retries),
    ("timeout", case_timeout),
    ("signal", case_signal),
    ("ctrl-c", case_ctrl_c),
    ("crash", case_crash),
    ("cancel", case_cancel),
    ("slices", case_slices),
    ("elsewhere", case_elsewhere),
    ("versioning", case_versioning),
    ("children", case_children),
    ("race", case_race),
    ("first-open", case_first_open),
    ("parallelMap", case_parallel_map),
    ("http", case_http),
    ("bad-input", case_bad_input),
    ("busy", case_busy),
]


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    flowrun, flowc = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    only = set(sys.argv[3:])
    unknown = only - {n for n, _ in CASES}
    if unknown:
        print("unknown case(s): %s" % ", ".join(sorted(unknown)), file=sys.stderr)
        return 2
    failed, known, t_all = [], [], time.time()
    for name, fn in CASES:
        if only and name not in only:
            continue
        ctx = Ctx(name, flowrun, flowc)
        t0 = time.time()
        try:
            fn(ctx)
            print("ok %s (%.1fs)" % (name, time.time() - t0), flush=True)
        except KnownFailure as e:
            ctx.known.append(("the case stopped early", str(e)))
            print("stopped %s (%.1fs)" % (name, time.time() - t0), flush=True)
        except Failure as e:
            failed.append(name)
            print("FAIL %s: %s  [temp dir %s]" % (name, e, ctx.dir), flush=True)
        except Exception:
            failed.append(name)
            print("FAIL %s: exception\n%s" % (name, traceback.format_exc()), flush=True)
        for what, reason in ctx.known:
            known.append(name)
            print("  KNOWN-FAIL %s: %s -- %s" % (name, what, reason), flush=True)
        ctx.cleanup(keep=name in failed)  # a failed case keeps its temp dir to look at
    print("%d cases, %d failed, %d known failures, %.1fs"
          % (len(only) or len(CASES), len(failed), len(known), time.time() - t_all))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
