#!/usr/bin/env python3
"""Crash tests of the durable runtime, in the style of SQLite's crash tests.

For each workflow (sequential steps; parallel branches with retries; timers plus
signals) and for N = 1, 2, 3, ...: run it with a hook that stops the real flowrun
process just before / just after its Nth commit (FLOW_TEST_PAUSE_BEFORE_COMMIT /
FLOW_TEST_PAUSE_AT_COMMIT), kill -9 it there, `flowrun resume` it to the end, and
compare with an uncrashed run:
  - the result is the same;
  - every step's completion (task.completed, timer.fired, signal.received,
    event.emitted, run.completed) is in the history exactly once, the same set as
    the uncrashed run's, and the history seq has no gaps;
  - the event log holds exactly one event per emit step;
  - task side effects (each attempt logs its idempotency key) show every step ran
    at least once, never with an attempt number the uncrashed run did not reach.
N stops growing when the process finishes without reaching its Nth commit.

Then the bad-database cases of the issue: a database locked by another writer, a
database of a newer schema, a corrupt snapshot row, a file that is not a database.

Usage: run_durability.py FLOWRUN        exit 0 when every check holds
"""
import collections
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 60  # seconds any one flowrun process may take (ASan builds are slow)

WORKFLOWS = [
    # (file, input, signals sent right after `start`[, environment of its flowrun processes])
    ("sequential.flow", {"steps": 4}, []),
    ("parallel.flow", {}, []),
    ("timers_signals.flow", {}, [("go", {"ok": True}), ("more", [1, 2])]),
    # Slow background fsyncs: in-process boundaries share transactions.
    ("inprocess.flow", {"steps": 90}, [], {"FLOW_TEST_SYNC_DELAY_MS": "20"}),
]
ONCE = {"task.completed", "timer.fired", "signal.received", "event.emitted", "run.completed",
        "child.completed", "run.started"}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("  FAIL: " + what, flush=True)
    return cond


class Env:
    def __init__(self, flowrun, wf=None):
        self.flowrun = flowrun
        self.dir = tempfile.mkdtemp(prefix="flow-durability-")
        self.env = dict(os.environ)
        self.env.update(wf[3] if wf and len(wf) > 3 else {})
        self.env["FLOW_DB"] = os.path.join(self.dir, "flow.db")
        self.env["DURABILITY_LOG"] = os.path.join(self.dir, "tasks.log")
        for k in ("FLOW_TEST_PAUSE_AT_COMMIT", "FLOW_TEST_PAUSE_BEFORE_COMMIT"):
            self.env.pop(k, None)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, *args, check_rc=True):
        p = subprocess.run([self.flowrun, *args], cwd=HERE, env=self.env, capture_output=True,
                           text=True, timeout=TIMEOUT)
        if check_rc and p.returncode != 0:
            raise RuntimeError("flowrun %s: exit %d\n%s%s" % (" ".join(args), p.returncode,
                                                              p.stdout, p.stderr))
        return p

    def run_paused(self, hook, n, *args):
        """Runs flowrun with the pause hook at commit n. Returns ("paused", None) after
        kill -9 at the hook, or ("done", CompletedProcess-like) if it finished first."""
        env = dict(self.env)
        env[hook] = str(n)
        p = subprocess.Popen([self.flowrun, *args], cwd=HERE, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        paused = threading.Event()
        err_lines = []

        def reader():
            for line in p.stderr:
                err_lines.append(line)
                if line.startswith("flowrun-test: paused"):
                    paused.set()
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if paused.wait(0.02):
                os.kill(p.pid, signal.SIGKILL)  # the real kill -9, at the hook
                p.wait()
                return "paused", None
            if p.poll() is not None:
                t.join(2)
                out = p.stdout.read()
                return "done", (p.returncode, out, "".join(err_lines))
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        raise RuntimeError("flowrun %s: neither paused nor finished in %d s" % (args, TIMEOUT))

    def runs(self):
        return json.loads(self.run("list", "--json").stdout)

    def history(self, run_id):
        return json.loads(self.run("history", run_id, "--json").stdout)

    def events(self):
        return json.loads(self.run("events", "--json", "--limit", "0").stdout)

    def task_log(self, run_id):
        path = self.env["DURABILITY_LOG"]
        if not os.path.exists(path):
            return collections.Counter()
        with open(path) as f:
            keys = [l.strip() for l in f if l.strip()]
        # "<run>:<step>:<attempt>" -> (step, attempt)
        return collections.Counter(tuple(int(x) for x in k.split(":")[1:]) for k in keys
                                   if k.startswith(run_id + ":"))


def start(env, wf, hook=None, n=0):
    """flowrun start (+ the workflow's signals). Returns the run id, or None when the
    start process was killed at the hook before its run was committed."""
    file, inp, sigs = wf[:3]
    args = ("start", file, "--input", json.dumps(inp))
    if hook:
        state, res = env.run_paused(hook, n, *args)
        if state == "paused":
            runs = env.runs()
            if not runs:
                return None
            run_id = runs[0]["id"]
        else:
            run_id = res[1].strip()
    else:
        run_id = env.run(*args).stdout.strip()
    for name, payload in sigs:
        env.run("signal", run_id, name, json.dumps(payload))
    return run_id


def outcome(env, run_id, result_text):
    hist = env.history(run_id)
    once = collections.Counter((h["kind"], h["step"], h["name"]) for h in hist if h["kind"] in ONCE)
    seqs = [h["seq"] for h in hist]
    return {
        "result": json.loads(result_text) if result_text.strip() else None,
        "once": once,
        "seq_ok": seqs == list(range(1, len(seqs) + 1)),
        "events": len([e for e in env.events() if e.get("run") == run_id]),
        "tasks": env.task_log(run_id),
    }


def baseline(flowrun, wf):
    env = Env(flowrun, wf)
    try:
        run_id = start(env, wf)
        res = env.run("resume", run_id)
        return outcome(env, run_id, res.stdout)
    finally:
        env.close()


def compare(label, got, base):
    ok = check(got["result"] == base["result"],
               "%s: result %r != uncrashed %r" % (label, got["result"], base["result"]))
    dup = [k for k, v in got["once"].items() if v != 1]
    ok &= check(not dup, "%s: steps recorded more than once: %r" % (label, dup))
    ok &= check(set(got["once"]) == set(base["once"]),
                "%s: completed steps differ: missing %r, extra %r" %
                (label, sorted(set(base["once"]) - set(got["once"])),
                 sorted(set(got["once"]) - set(base["once"]))))
    ok &= check(got["seq_ok"], "%s: history seq has gaps" % label)
    ok &= check(got["events"] == base["events"],
                "%s: %d events emitted, uncrashed run emitted %d" % (label, got["events"], base["events"]))
    missing = set(base["tasks"]) - set(got["tasks"])
    ok &= check(not missing, "%s: task attempts never executed: %r" % (label, sorted(missing)))
    extra = set(got["tasks"]) - set(base["tasks"])
    ok &= check(not extra, "%s: task attempts the uncrashed run never made: %r" % (label, sorted(extra)))
    return ok


def crash_series(flowrun, wf, hook):
    base = baseline(flowrun, wf)
    n = 1
    while n < 200:
        env = Env(flowrun, wf)
        try:
            label = "%s %s=%d" % (wf[0], hook, n)
            if n == 1:
                run_id = start(env, wf, hook, 1)
                if run_id is None:  # killed before the run's first commit: nothing stored
                    check(env.runs() == [], label + ": a run exists after a crash before its first commit")
                    run_id = start(env, wf)
                state, res = "paused", None
            else:
                run_id = start(env, wf)
                state, res = env.run_paused(hook, n - 1, "resume", run_id)
            if state == "done":
                rc, out, err = res
                check(rc == 0, label + ": finished with exit %d: %s" % (rc, err))
                got = outcome(env, run_id, out)
                compare(label + " (no crash)", got, base)
                print("ok %s: %d commit points crashed and recovered" % (wf[0] + " " + hook, n - 1),
                      flush=True)
                return
            res = env.run("resume", run_id)
            compare(label, outcome(env, run_id, res.stdout), base)
        finally:
            env.close()
        n += 1
    check(False, "%s: more than 200 commits?" % wf[0])


def bad_databases(flowrun):
    env = Env(flowrun)
    try:
        wf = WORKFLOWS[2]
        run_id = start(env, wf)
        db = env.env["FLOW_DB"]

        # Locked by another writer: a clear message after the busy timeout, exit != 0.
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        env.env["FLOW_BUSY_TIMEOUT_MS"] = "300"
        p = env.run("signal", run_id, "go", "{}", check_rc=False)
        check(p.returncode != 0 and "locked by another writer" in p.stderr,
              "locked db: exit %d, stderr %r" % (p.returncode, p.stderr))
        con.execute("ROLLBACK")
        con.close()
        env.env.pop("FLOW_BUSY_TIMEOUT_MS")

        # A corrupt snapshot row — its bytes replaced by random bytes of the same
        # size (the snapshot's checksum catches it), then by a short blob (the
        # store's size check catches it): resume refuses with a clear message,
        # exit 1, and the run is left as it was (nothing half-written).
        for sql in ("UPDATE snapshots SET bytes = randomblob(size) WHERE run_id = ?",
                    "UPDATE snapshots SET bytes = X'464C4F57534E41500000' WHERE run_id = ?"):
            con = sqlite3.connect(db, isolation_level=None)
            con.execute(sql, (run_id,))
            con.close()
            p = env.run("resume", run_id, check_rc=False)
            check(p.returncode == 1 and "snapshot" in p.stderr and run_id in p.stderr,
                  "corrupt snapshot: exit %d, stderr %r" % (p.returncode, p.stderr))
            check(json.loads(env.run("status", run_id, "--json").stdout)["status"] == "waiting",
                  "corrupt snapshot: the run's status changed")

        # A newer schema.
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("PRAGMA user_version = 999")
        con.close()
        p = env.run("list", check_rc=False)
        check(p.returncode == 2 and "newer" in p.stderr,
              "newer schema: exit %d, stderr %r" % (p.returncode, p.stderr))

        # Not a database at all.
        with open(db, "wb") as f:
            f.write(os.urandom(8192))
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        p = env.run("list", check_rc=False)
        check(p.returncode == 2 and "flow.db" in p.stderr,
              "garbage db: exit %d, stderr %r" % (p.returncode, p.stderr))
        print("ok bad databases (locked, corrupt snapshot, newer schema, garbage)", flush=True)
    finally:
        env.close()


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    flowrun = os.path.abspath(sys.argv[1])
    t0 = time.time()
    for wf in WORKFLOWS:
        for hook in ("FLOW_TEST_PAUSE_AT_COMMIT", "FLOW_TEST_PAUSE_BEFORE_COMMIT"):
            try:
                crash_series(flowrun, wf, hook)
            except Exception as e:  # a flowrun that failed outright
                check(False, "%s %s: %s" % (wf[0], hook, e))
    try:
        bad_databases(flowrun)
    except Exception as e:
        check(False, "bad databases: %s" % e)
    print("%d failures (%.1f s)" % (len(failures), time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
