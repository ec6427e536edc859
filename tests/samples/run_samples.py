#!/usr/bin/env python3
"""Runs every field sample the way a user would, through the real binaries.

usage: run_samples.py FLOWC FLOWRUN REPO_ROOT [SAMPLE...]

For each samples/<name>/ that has a run.sh (the contract is in
samples/README.md): a fresh temp dir; `bash samples/<name>/run.sh` with
SAMPLE_OUT=<tmp>/out, FLOW_DB=<tmp>/flow.db, FLOWC, FLOWRUN set and cwd a fresh
empty directory, bounded by a timeout; it must exit 0, and its stdout must hold
lines matching each regex of samples/<name>/expected.txt, in that order. Then
`flowrun test samples/<name>` must pass with "0 failed". Prints `ok NAME` /
`FAIL NAME: why` (with the output), then a summary; exit 1 when one failed.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# Upper bounds only (an ASan build is several times slower than a normal one).
RUN_TIMEOUT = float(os.environ.get("SAMPLE_TIMEOUT", "300"))


def expectations(path):
    with open(path) as f:
        return [ln.rstrip("\n") for ln in f if ln.strip() and not ln.startswith("#")]


def check_in_order(stdout, patterns):
    """None if every pattern matches a line, in order; else what is missing."""
    lines = stdout.splitlines()
    pos = 0
    for pat in patterns:
        rx = re.compile(pat)
        for k in range(pos, len(lines)):
            if rx.search(lines[k]):
                pos = k + 1
                break
        else:
            return "no line matching %r after line %d" % (pat, pos)
    return None


def run_sample(name, flowc, flowrun, root):
    folder = os.path.join(root, "samples", name)
    tmp = tempfile.mkdtemp(prefix="flow-sample-%s-" % name)
    ok = False
    try:
        cwd = os.path.join(tmp, "cwd")
        os.makedirs(cwd)
        env = dict(os.environ, SAMPLE_OUT=os.path.join(tmp, "out"),
                   FLOW_DB=os.path.join(tmp, "flow.db"), FLOWC=flowc, FLOWRUN=flowrun)
        t0 = time.time()
        # run.sh leads its own process group: whatever it leaves behind (a
        # background worker, a server) is stopped with it, by that group's id.
        proc = subprocess.Popen(["bash", os.path.join(folder, "run.sh")], cwd=cwd, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            return "run.sh did not finish in %.0f s\nstdout:\n%s" % (RUN_TIMEOUT, out)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        p = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        took = time.time() - t0
        if p.returncode != 0:
            return "run.sh exited %d\nstdout:\n%s\nstderr:\n%s" % (p.returncode, p.stdout,
                                                                    p.stderr)
        exp = os.path.join(folder, "expected.txt")
        if not os.path.exists(exp):
            return "no expected.txt"
        missing = check_in_order(p.stdout, expectations(exp))
        if missing:
            return "run.sh output: %s\nstdout:\n%s\nstderr:\n%s" % (missing, p.stdout, p.stderr)
        t = subprocess.run([flowrun, "test", os.path.join("samples", name)], cwd=root,
                           capture_output=True, text=True, timeout=RUN_TIMEOUT)
        last = t.stdout.strip().splitlines()[-1] if t.stdout.strip() else ""
        if t.returncode != 0 or not re.match(r"^\d+ passed, 0 failed", last) or \
                last.startswith("0 passed"):
            return "flowrun test samples/%s: exit %d\n%s%s" % (name, t.returncode, t.stdout,
                                                               t.stderr)
        print("ok %s (run.sh %.1fs; tests: %s)" % (name, took, last), flush=True)
        ok = True
        return None
    finally:
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("  (temp dir kept: %s)" % tmp)


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    flowc, flowrun, root = (os.path.abspath(x) for x in sys.argv[1:4])
    names = sys.argv[4:] or sorted(
        d for d in os.listdir(os.path.join(root, "samples"))
        if os.path.exists(os.path.join(root, "samples", d, "run.sh")))
    if not names:
        print("no samples with a run.sh under %s/samples" % root)
        return 1
    failed = []
    for name in names:
        why = run_sample(name, flowc, flowrun, root)
        if why:
            failed.append(name)
            print("FAIL %s: %s" % (name, why), flush=True)
    print("%d samples, %d failed" % (len(names), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
