#!/usr/bin/env python3
"""Crash tests of the durable runtime, in the style of SQLite's crash tests.

For each workflow (sequential steps; parallel branches with retries; timers plus
signals; child workflows; waits with timeouts, waitForEvent + emit, race and
allSettled; a cancel reaching branches, a child and finally blocks; a parent
send()ing work to three children; a workflow timeout during a wait, with awaits
in finally blocks; VM state across boundaries: pending user promises, closures,
-0/NaN, lone surrogates through tasks and events; long loops committed in 5 ms time
slices, a crash at a slice's commit resuming mid-loop; builtin (in-process) steps,
chained in one transaction, mixed with exec steps, builtin retries, combinators,
parallelMap, children, a cancel reaching builtin loops, and time slices) and for
N = 1, 2, 3, ...: run it with a hook that stops the real flowrun process just
before / just after its Nth commit (FLOW_TEST_PAUSE_BEFORE_COMMIT /
FLOW_TEST_PAUSE_AT_COMMIT), kill -9 it there, `flowrun resume` it to the end, and
compare with an uncrashed run (the run and its child runs):
  - the final status and result are the same;
  - every step's completion (task.completed, timer.fired, signal.received,
    event.emitted, child.completed, run.completed, ...) is in the history exactly
    once, the same set as the uncrashed run's, and the history seq has no gaps;
  - the event log holds exactly one event per emit step;
  - task side effects (each attempt logs its idempotency key) show every step ran
    at least once, never with an attempt number the uncrashed run did not reach.
N stops growing when the process finishes without reaching its Nth commit.
The cancel workflow is driven first by `flowrun cancel` (which applies the
request and drives the run), then by `flowrun resume` after a crash.

Then a resume right after a kill -9 whose process is still a zombie (not reaped),
and the bad-database cases of the issue: a database locked by another writer, a
database of a newer schema, a corrupt snapshot row, a file that is not a database.

Usage: run_durability.py FLOWRUN [--extra] [--only FILE[,FILE...]]
           exit 0 when every check holds. --extra adds the workflows of extra/
           (EXTRA below: a saga with compensations and a retry list, parallelMap of
           20 exec tasks, race/allSettled/any of failing tasks, waitForEvent with
           match across runs, a signal queue with 4 MB of state, heap state of
           10k elements, now/uuid/random kept across crashes, nested finally
           blocks and 50 sleeps, task and child timeouts, fan-outs of thousands
           of builtin steps; ~7 min); --only runs just the named workflows of either list
           (by file name), without the cancel and bad-database cases
       run_durability.py FLOWRUN --random SEED [--trials N] [--kills K]
           instead of the hooks, kill -9 the driving flowrun after a random delay
           (seeded; spread over the uncrashed run's duration, so during task
           execution as well as between commits), up to K times per run, N runs
           per workflow, then resume to the end; the same comparisons. Bounded:
           N x K x the workflows' durations (~1 min for N=3, K=3); --extra and
           --only select the workflows as above.
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
    # (file, input, signals sent right after `start`[, environment of its flowrun processes
    #  [, the command that drives it first]])
    ("sequential.flow", {"steps": 4}, []),
    ("parallel.flow", {}, []),
    ("timers_signals.flow", {}, [("go", {"ok": True}), ("more", [1, 2])]),
    # Slow background fsyncs: in-process boundaries share transactions.
    ("inprocess.flow", {"steps": 90}, [], {"FLOW_TEST_SYNC_DELAY_MS": "20"}),
    ("children.flow", {}, []),
    ("waits_race.flow", {}, [("go", {"ok": True})]),
    ("cancel_finally.flow", {}, [], {}, "cancel"),
    ("parent_send.flow", {}, []),
    ("wf_timeout.flow", {}, []),
    ("vm_state.flow", {}, []),
    # Time slices of 5 ms: the loops commit mid-way (docs/runtime.md).
    ("compute.flow", {"n": 200000}, [], {"FLOW_SLICE_MS": "5"}),
    # Builtin steps: runs of in-process boundaries share a transaction (up to 64).
    ("builtin_mix.flow", {"steps": 130}, []),
    ("builtin_children.flow", {}, []),
    ("builtin_cancel.flow", {}, [], {}, "cancel"),
    ("builtin_slices.flow", {"n": 200000}, [], {"FLOW_SLICE_MS": "5"}),
]
# More workflows, outside the default run (the CI time it would add): run them
# with --extra, or any of either list with --only FILE[,FILE...].
EXTRA = [
    ("extra/saga.flow", {"id": 7}, []),
    ("extra/fanout_map.flow", {"count": 20}, []),
    ("extra/race_settled.flow", {}, [("approve", {"by": "ann"})]),
    ("extra/events_match.flow", {}, []),
    ("extra/state_big.flow", {"rounds": 120}, []),
    ("extra/determinism.flow", {}, []),
    ("extra/nested_finally.flow", {}, []),
    ("extra/timeouts_children.flow", {}, []),
    ("extra/signal_queue.flow", {}, [("item", {"n": i}) for i in range(12)] + [("item", {"n": -1})]),
    ("extra/builtin_fanout.flow", {"n": 2000}, []),
]
ONCE = {"task.completed", "timer.fired", "signal.received", "event.emitted", "run.completed",
        "child.completed", "run.started", "event.received", "signal.timeout", "child.failed",
        "run.cancelled", "run.failed", "run.cancel-requested"}

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
        # "<run>[.<child step>]:<step>:<attempt>" -> (child suffix, step, attempt)
        out = collections.Counter()
        for k in keys:
            run, step, attempt = k.rsplit(":", 2)
            if own(run_id, run):
                out[(run[len(run_id):], int(step), int(attempt))] += 1
        return out


def start(env, wf, hook=None, n=0):
    """flowrun start (+ the workflow's signals). Returns the run id, or None when the
    start process was killed at the hook before its run was committed."""
    file, inp, sigs = wf[:3]
    args = ("start", file, "--input", json.dumps(inp))
    if hook:
        state, res = env.run_paused(hook, n, *args)
        if state == "paused":
            runs = [r for r in env.runs() if "." not in r["id"]]  # not a child run
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


def stale_attempts(env):
    """Task attempts still `running` in a finished run (nothing will ever end them)."""
    con = sqlite3.connect(env.env["FLOW_DB"])
    rows = con.execute("SELECT a.run_id, a.step, a.attempt FROM task_attempts a JOIN runs r "
                       "ON a.run_id = r.id WHERE a.status = 'running' AND "
                       "r.status IN ('completed', 'failed', 'cancelled')").fetchall()
    con.close()
    return rows


def own(run_id, run):
    """run is run_id or one of its (grand)child runs (ids RUN.STEP)."""
    return run == run_id or run.startswith(run_id + ".")


def outcome(env, run_id, result_text):
    once = collections.Counter()
    seq_ok = True
    finals = {}
    con = sqlite3.connect(env.env["FLOW_DB"])
    rows = con.execute("SELECT id, status, result, json_extract(error, '$.name') FROM runs").fetchall()
    con.close()
    for rid, status, result, error in rows:
        if not own(run_id, rid):
            continue
        rel = rid[len(run_id):]
        hist = env.history(rid)
        once.update((rel, h["kind"], h["step"], h["name"]) for h in hist if h["kind"] in ONCE)
        seqs = [h["seq"] for h in hist]
        seq_ok &= seqs == list(range(1, len(seqs) + 1))
        finals[rel] = (status, result, error)
    return {
        # the run's printed result (`cancel` prints its final status instead)
        "result": json.loads(result_text) if result_text.strip().startswith(("{", "[")) else None,
        "finals": finals,
        "once": once,
        "seq_ok": seq_ok,
        "events": len([e for e in env.events() if own(run_id, e.get("run") or "")]),
        "tasks": env.task_log(run_id),
        "stale": stale_attempts(env),
    }


def driver(wf):
    return wf[4] if len(wf) > 4 else "resume"


def baseline(flowrun, wf):
    env = Env(flowrun, wf)
    try:
        run_id = start(env, wf)
        t0 = time.time()
        res = env.run(driver(wf), run_id, check_rc=False)
        if res.returncode not in (0, 1):  # 1: the run failed or was cancelled
            raise RuntimeError("flowrun %s: exit %d\n%s" % (driver(wf), res.returncode, res.stderr))
        out = outcome(env, run_id, res.stdout)
        out["duration"] = time.time() - t0  # of the drive, for the random kills
        out["rc"] = res.returncode
        return out
    finally:
        env.close()


def compare(label, got, base):
    ok = check(got["result"] == base["result"],
               "%s: result %r != uncrashed %r" % (label, got["result"], base["result"]))
    ok &= check(got["finals"] == base["finals"],
                "%s: final statuses %r != uncrashed %r" % (label, got["finals"], base["finals"]))
    dup = [k for k, v in got["once"].items() if v != 1]
    ok &= check(not dup, "%s: steps recorded more than once: %r" % (label, dup))
    ok &= check(set(got["once"]) == set(base["once"]),
                "%s: completed steps differ: missing %r, extra %r" %
                (label, sorted(set(base["once"]) - set(got["once"])),
                 sorted(set(got["once"]) - set(base["once"]))))
    ok &= check(got["seq_ok"], "%s: history seq has gaps" % label)
    ok &= check(not got["stale"], "%s: attempts left running in finished runs: %r" %
                (label, got["stale"]))
    ok &= check(got["events"] == base["events"],
                "%s: %d events emitted, uncrashed run emitted %d" % (label, got["events"], base["events"]))
    missing = set(base["tasks"]) - set(got["tasks"])
    ok &= check(not missing, "%s: task attempts never executed: %r" % (label, sorted(missing)))
    extra = set(got["tasks"]) - set(base["tasks"])
    ok &= check(not extra, "%s: task attempts the uncrashed run never made: %r" % (label, sorted(extra)))
    return ok


def crash_series(flowrun, wf, hook):
    t0 = time.time()
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
                state, res = env.run_paused(hook, n - 1, driver(wf), run_id)
            if state == "done":
                rc, out, err = res
                check(rc == base["rc"], label + ": finished with exit %d (uncrashed: %d): %s" %
                      (rc, base["rc"], err))
                got = outcome(env, run_id, out)
                compare(label + " (no crash)", got, base)
                print("ok %s: %d commit points crashed and recovered (%.1f s)" %
                      (wf[0] + " " + hook, n - 1, time.time() - t0), flush=True)
                return
            if n == 1 and driver(wf) != "resume":
                res = env.run(driver(wf), run_id)  # the start was the crash: drive it as first meant
            else:
                res = env.run("resume", run_id, check_rc=False)  # exit 1: the run was cancelled
                check(res.returncode in (0, 1), label + ": resume exit %d: %s" % (res.returncode,
                                                                                   res.stderr))
            compare(label, outcome(env, run_id, res.stdout), base)
        finally:
            env.close()
        n += 1
    check(False, "%s: more than 200 commits?" % wf[0])


def run_status(env, run_id):
    con = sqlite3.connect(env.env["FLOW_DB"])
    row = con.execute("SELECT status, json_extract(error, '$.name') FROM runs WHERE id = ?",
                      (run_id,)).fetchone()
    con.close()
    return row


def cancel_cases(flowrun):
    """Cancels that met a crash or a run nobody drove yet."""
    # The workflow timeout applied, kill -9 at that commit; a cancel applied,
    # kill -9 at that commit; resume: the run fails with its Timeout as the
    # uncrashed one does (it neither completes with "recovered", the workflow
    # having caught the Timeout, nor ends cancelled).
    env = Env(flowrun)
    try:
        run_id = start(env, ("timeout_cancel.flow", {}, []))
        time.sleep(0.15)  # the timeout is due: the first activation applies it
        state, _ = env.run_paused("FLOW_TEST_PAUSE_AT_COMMIT", 1, "resume", run_id)
        check(state == "paused" and run_status(env, run_id) == ("waiting", "Timeout"),
              "timeout then cancel: after the first crash: %r" % (run_status(env, run_id),))
        state, _ = env.run_paused("FLOW_TEST_PAUSE_AT_COMMIT", 1, "cancel", run_id)
        check(state == "paused" and run_status(env, run_id) == ("waiting", "Timeout"),
              "timeout then cancel: after the second crash: %r" % (run_status(env, run_id),))
        env.run("resume", run_id, check_rc=False)  # exit 1: the run failed
        check(run_status(env, run_id) == ("failed", "Timeout"),
              "timeout then cancel: the resumed run ended %r" % (run_status(env, run_id),))
        steps = sorted(s for (_, s, _) in env.task_log(run_id))
        check(steps == [3], "timeout then cancel: task steps run %r, expected [3] (step 2 "
              "was cancelled before it started)" % steps)
        check(not stale_attempts(env), "timeout then cancel: attempts left running: %r" %
              stale_attempts(env))
    finally:
        env.close()
    # A child created by its parent's first boundary and cancelled before any
    # process drove it: `flowrun cancel CHILD` must apply it (not lose it on the
    # child's fresh start and wait for the 1 h sleep).
    env = Env(flowrun)
    try:
        run_id = start(env, ("child_cancel.flow", {}, []))
        kid = run_id + ".1"
        try:
            p = subprocess.run([flowrun, "cancel", kid], cwd=HERE, env=env.env, capture_output=True,
                               text=True, timeout=10)
            check(p.returncode == 0 and run_status(env, kid) == ("cancelled", "Cancelled"),
                  "cancel of a fresh child: exit %d, %r" % (p.returncode, run_status(env, kid)))
            check(env.task_log(kid) == collections.Counter({("", 2, 1): 1}),
                  "cancel of a fresh child: its finally block ran %r" % env.task_log(kid))
        except subprocess.TimeoutExpired:
            check(False, "cancel of a fresh child: the cancel was lost (still waiting after 10 s)")
            return
        env.run("resume", run_id, check_rc=False)  # exit 1: the child's error fails it
        check(run_status(env, run_id) == ("failed", "Cancelled"),
              "cancel of a fresh child: the parent ended %r" % (run_status(env, run_id),))
        print("ok cancels (after a timeout and a crash; of a child nobody drove yet)", flush=True)
    finally:
        env.close()


def zombie_case(flowrun):
    """kill -9 of the driving flowrun, its parent not yet reaping it (a zombie, as
    when `timeout -s KILL` dies with it): `flowrun resume` at once takes the
    lease over instead of failing with 'being driven by another process'."""
    env = Env(flowrun)
    try:
        run_id = start(env, WORKFLOWS[0])
        e = dict(env.env)
        e["FLOW_TEST_PAUSE_AT_COMMIT"] = "1"
        p = subprocess.Popen([flowrun, "resume", run_id], cwd=HERE, env=e,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + TIMEOUT
            while time.time() < deadline:  # the pause line comes after the commit
                if p.stderr.readline().startswith("flowrun-test: paused"):
                    break
            os.kill(p.pid, signal.SIGKILL)
            for _ in range(500):  # a zombie: dead, not reaped (no wait() yet)
                with open("/proc/%d/stat" % p.pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        break
                time.sleep(0.01)
            res = env.run("resume", run_id, check_rc=False)
            if check(res.returncode == 0, "resume after a kill -9, the killed process a zombie: "
                     "exit %d: %s" % (res.returncode, res.stderr)):
                print("ok resume at once after a kill -9 (the killed process not reaped)", flush=True)
        finally:
            p.wait()
    finally:
        env.close()


def cancel_requested(env, run_id):
    con = sqlite3.connect(env.env["FLOW_DB"])
    row = con.execute("SELECT cancel_requested FROM runs WHERE id = ?", (run_id,)).fetchone()
    con.close()
    return bool(row and row[0])


def random_series(flowrun, wf, rng, trials, max_kills):
    """Random-delay kill -9 of the driving process (see the usage)."""
    base = baseline(flowrun, wf)
    duration = max(0.05, base["duration"])
    for trial in range(trials):
        env = Env(flowrun, wf)
        try:
            run_id = start(env, wf)
            kills = 0
            delays = []
            while True:
                # the cancel workflow: `cancel` until its request is stored
                cmd = driver(wf)
                if cmd != "resume" and cancel_requested(env, run_id):
                    cmd = "resume"
                p = subprocess.Popen([flowrun, cmd, run_id], cwd=HERE, env=env.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                delay = rng.uniform(0, duration) if kills < max_kills else TIMEOUT
                try:
                    out, err = p.communicate(timeout=delay)
                except subprocess.TimeoutExpired:
                    if kills >= max_kills:
                        p.kill()
                        p.communicate()
                        raise RuntimeError("flowrun %s did not finish in %d s" % (cmd, TIMEOUT))
                    os.kill(p.pid, signal.SIGKILL)
                    p.communicate()
                    kills += 1
                    delays.append("%.2f" % delay)
                    continue
                break
            killed = "killed after %s s" % ", ".join(delays) if delays else "no kill"
            label = "%s random trial %d (%s)" % (wf[0], trial, killed)
            check(p.returncode in (0, 1), "%s: %s exit %d: %s" % (label, cmd, p.returncode, err))
            if compare(label, outcome(env, run_id, out), base):
                print("ok %s" % label, flush=True)
        finally:
            env.close()


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


def select(opts):
    """The workflows to run: WORKFLOWS, plus EXTRA with --extra; --only FILE[,FILE...]
    picks from both lists by file name (with or without the extra/ prefix)."""
    wfs = WORKFLOWS + (EXTRA if "--extra" in opts else [])
    if "--only" in opts:
        names = opts["--only"].split(",")
        known = {w[0]: w for w in WORKFLOWS + EXTRA}
        known.update({os.path.basename(w[0]): w for w in WORKFLOWS + EXTRA})
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError("unknown workflow(s) %s" % ", ".join(unknown))
        wfs = [known[n] for n in names]
    return wfs


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__)
        return 2
    flowrun = os.path.abspath(args[0])
    opts = {}
    rest = args[1:]
    while rest:
        if rest[0] == "--extra":
            opts["--extra"] = True
            rest = rest[1:]
        elif rest[0] in ("--random", "--trials", "--kills", "--only") and len(rest) > 1:
            opts[rest[0]] = rest[1]
            rest = rest[2:]
        else:
            print(__doc__)
            return 2
    try:
        wfs = select(opts)
    except ValueError as e:
        print("run_durability.py: %s" % e)
        return 2
    t0 = time.time()
    if "--random" in opts:
        import random
        try:
            seed, trials, kills = (int(opts["--random"]), int(opts.get("--trials", 3)),
                                   int(opts.get("--kills", 3)))
        except ValueError:
            print(__doc__)
            return 2
        for wf in wfs:
            # seeded by the workflow's place in the lists, so adding --only keeps a
            # workflow's kill times
            k = (WORKFLOWS + EXTRA).index(wf)
            try:
                random_series(flowrun, wf, random.Random(seed * 1000 + k), trials, kills)
            except Exception as e:
                check(False, "%s random: %s" % (wf[0], e))
        print("%d failures (%.1f s, seed %d)" % (len(failures), time.time() - t0, seed))
        return 1 if failures else 0
    for wf in wfs:
        for hook in ("FLOW_TEST_PAUSE_AT_COMMIT", "FLOW_TEST_PAUSE_BEFORE_COMMIT"):
            try:
                crash_series(flowrun, wf, hook)
            except Exception as e:  # a flowrun that failed outright
                check(False, "%s %s: %s" % (wf[0], hook, e))
    if "--only" not in opts:
        try:
            cancel_cases(flowrun)
        except Exception as e:
            check(False, "cancel cases: %s" % e)
        try:
            zombie_case(flowrun)
        except Exception as e:
            check(False, "zombie case: %s" % e)
        try:
            bad_databases(flowrun)
        except Exception as e:
            check(False, "bad databases: %s" % e)
    print("%d failures (%.1f s)" % (len(failures), time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
