#!/usr/bin/env python3
"""Replay tests (`flowrun replay`) through the real binaries.

usage: run_replay.py FLOWRUN FLOWC [CASE...]

Every directory here with a v1.flow is a case. The runner records a run of
v1.flow into a fresh database (record.json says how: the workflow, its input,
and optional steps — signals, cancel, resume), then checks each line of
expected.txt: `CANDIDATE VERDICT`, where CANDIDATE is a file of the case
("-": no --module, the run's own pinned module; a missing X.flowc is compiled
from X.flow with flowc) and VERDICT is the first line of `flowrun replay`'s
output without its colon ("compatible", "divergence at step 3") or "exit N"
(the exit status only). Verdicts also check the exit status (0 / 1) and that
`--json` agrees with the text. Prints `ok`/`FAIL` lines; exit 1 on a failure.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = float(os.environ.get("REPLAY_CMD_TIMEOUT", "60"))


class Failure(Exception):
    pass


def run(cmd, env, **kw):
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT, **kw)


def must(cmd, env, what, **kw):
    p = run(cmd, env, **kw)
    if p.returncode != 0:
        raise Failure("%s failed (exit %d): %s%s" % (what, p.returncode, p.stdout, p.stderr))
    return p


def status(flowrun, db, rid, env):
    p = must([flowrun, "status", rid, "--db", db, "--json"], env, "status")
    return json.loads(p.stdout)


def resume_until(flowrun, db, rid, env, name):
    """Drives the run until it waits for `name` (a signal), then stops the
    driver with SIGINT (the run keeps its committed state)."""
    p = subprocess.Popen([flowrun, "resume", rid, "--db", db], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + TIMEOUT
    try:
        while time.time() < deadline:
            if p.poll() is not None:
                raise Failure("resume ended before the run waited for %r: %s" %
                              (name, p.stderr.read()))
            st = status(flowrun, db, rid, env)
            if any(w.get("name") == name for w in st.get("waiting", [])):
                break
            time.sleep(0.05)
        else:
            raise Failure("the run never waited for %r" % name)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
        p.communicate(timeout=TIMEOUT)


def record(case_dir, tmp, flowrun, env):
    """Records a run of v1.flow into tmp/flow.db; returns (db, run id)."""
    db = os.path.join(tmp, "flow.db")
    spec = json.load(open(os.path.join(case_dir, "record.json")))
    prog = os.path.join(case_dir, "v1.flow")
    base = ["--db", db, "--workflow", spec["workflow"], "--input", json.dumps(spec.get("input"))]
    steps = spec.get("steps")
    if not steps:
        p = run([flowrun, "run", prog] + base, env)
        if p.returncode not in (0, 1):
            raise Failure("recording failed (exit %d): %s" % (p.returncode, p.stderr))
        runs = json.loads(must([flowrun, "list", "--db", db, "--json"], env, "list").stdout)
        runs = [r for r in runs if r["workflow"] == spec["workflow"]]
        if len(runs) != 1:
            raise Failure("expected one recorded run, found %d" % len(runs))
        return db, runs[0]["id"]
    rid = must([flowrun, "start", prog] + base, env, "start").stdout.strip()
    for st in steps:
        if st[0] == "signal":
            must([flowrun, "signal", rid, st[1], json.dumps(st[2]), "--db", db], env, "signal")
        elif st[0] == "emit":
            must([flowrun, "emit", st[1], json.dumps(st[2]), "--db", db], env, "emit")
        elif st[0] == "cancel":
            must([flowrun, "cancel", rid, "--db", db], env, "cancel")
        elif st[0] == "resume":
            p = run([flowrun, "resume", rid, "--db", db], env)
            if p.returncode not in (0, 1):
                raise Failure("resume failed (exit %d): %s" % (p.returncode, p.stderr))
        elif st[0] == "resume-until":
            resume_until(flowrun, db, rid, env, st[1])
        else:
            raise Failure("record.json: unknown step %r" % (st,))
    return db, rid


def candidate(case_dir, tmp, name, flowc, env):
    path = os.path.join(case_dir, name)
    if name.endswith(".flowc") and not os.path.exists(path):
        src = os.path.join(case_dir, name[:-1])
        path = os.path.join(tmp, name)
        must([flowc, src, "-o", path], env, "flowc " + name[:-1])
    return path


def check_case(case, flowrun, flowc):
    case_dir = os.path.join(HERE, case)
    tmp = tempfile.mkdtemp(prefix="flow-replay-%s-" % case)
    env = dict(os.environ)
    env.pop("FLOW_DB", None)
    fails = []
    try:
        db, rid = record(case_dir, tmp, flowrun, env)
        for line in open(os.path.join(case_dir, "expected.txt")):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, want = line.split(None, 1)
            cmd = [flowrun, "replay", rid, "--db", db]
            if name != "-":
                cmd += ["--module", candidate(case_dir, tmp, name, flowc, env)]
            p = run(cmd, env)
            label = "%s/%s" % (case, name)
            out = p.stdout + p.stderr
            if want.startswith("exit "):
                code = int(want.split()[1])
                if p.returncode != code:
                    fails.append("%s: want exit %d, got %d:\n%s" % (label, code, p.returncode, out))
                elif not p.stderr.strip():
                    fails.append("%s: exit %d without a message" % (label, code))
                else:
                    print("ok   %-40s exit %d: %s" % (label, code, p.stderr.strip().splitlines()[0]))
                continue
            first = p.stdout.splitlines()[0].split(":")[0] if p.stdout else ""
            code = 0 if want == "compatible" else 1
            if first != want or p.returncode != code:
                fails.append("%s: want %r (exit %d), got %r (exit %d):\n%s" %
                             (label, want, code, first, p.returncode, out))
                continue
            j = run(cmd + ["--json"], env)
            try:
                rep = json.loads(j.stdout)
            except ValueError:
                fails.append("%s: --json printed no JSON: %s" % (label, j.stdout + j.stderr))
                continue
            if rep["compatible"] != (want == "compatible") or j.returncode != code or rep["run"] != rid:
                fails.append("%s: --json disagrees: %s" % (label, j.stdout))
                continue
            if want.startswith("divergence at step "):
                if rep["divergence"]["step"] != int(want.split()[-1]):
                    fails.append("%s: --json step %s" % (label, rep["divergence"]["step"]))
                    continue
            detail = p.stdout.splitlines()[1:3] if code else []
            print("ok   %-40s %s" % (label, p.stdout.splitlines()[0]))
            for d in detail:
                print("       %s" % d)
    except Failure as e:
        fails.append("%s: %s" % (case, e))
    except subprocess.TimeoutExpired as e:
        fails.append("%s: timed out: %s" % (case, e.cmd))
    if fails:
        for f in fails:
            print("FAIL " + f)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return not fails


def check_bad_input(flowrun, flowc):
    """Usage errors: unknown run, missing database, missing run id."""
    tmp = tempfile.mkdtemp(prefix="flow-replay-bad-")
    env = dict(os.environ)
    env.pop("FLOW_DB", None)
    db = os.path.join(tmp, "flow.db")
    ok = True
    prog = os.path.join(HERE, "basic", "v1.flow")
    try:
        must([flowrun, "run", prog, "--db", db, "--workflow", "order", "--input",
              '{"item": "x", "qty": 1}'], env, "run")
    except Failure as e:
        print("FAIL bad-input: %s" % e)
        return False
    cases = [
        ("unknown run", [flowrun, "replay", "r-nosuchrun", "--db", db], 2, "no run 'r-nosuchrun'"),
        ("no database", [flowrun, "replay", "r-x", "--db", os.path.join(tmp, "none.db")], 2,
         "no database"),
        ("no run id", [flowrun, "replay", "--db", db], 2, "usage"),
        ("missing module file", [flowrun, "replay", "r-x", "--db", db, "--module",
                                 os.path.join(tmp, "missing.flowc")], 2, "cannot read"),
    ]
    garbage = os.path.join(tmp, "garbage.db")
    with open(garbage, "wb") as f:
        f.write(b"this is not an SQLite database\n" * 200)
    cases.append(("corrupt database", [flowrun, "replay", "r-x", "--db", garbage], 2,
                  "not a Flow database"))
    for label, cmd, code, text in cases:
        p = run(cmd, env)
        if p.returncode != code or text not in p.stderr:
            print("FAIL bad-input/%s: want exit %d and %r, got exit %d: %s" %
                  (label, code, text, p.returncode, p.stdout + p.stderr))
            ok = False
        else:
            print("ok   bad-input/%-30s exit %d: %s" % (label, code, p.stderr.strip().splitlines()[0]))
    if ok:
        shutil.rmtree(tmp, ignore_errors=True)
    return ok


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    flowrun, flowc = sys.argv[1], sys.argv[2]
    cases = sys.argv[3:] or sorted(d for d in os.listdir(HERE)
                                   if os.path.exists(os.path.join(HERE, d, "v1.flow")))
    ok = True
    for c in cases:
        ok &= check_case(c, flowrun, flowc)
    if not sys.argv[3:]:
        ok &= check_bad_input(flowrun, flowc)
    print("replay: %s" % ("all passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
