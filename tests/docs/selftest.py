#!/usr/bin/env python3
"""Checks run_doc_commands.py itself, so that a harness bug cannot make every doc pass.

usage: selftest.py FLOWC FLOWRUN

- selftest/good.md: every block passes (variables across blocks, file=, exit=, console,
  skip, needs=, background port=), plain blocks are not run.
- selftest/bad.md, selftest/timeout.md: exactly the blocks whose fence carries
  `expect-fail` (and the indented command) are reported as failures, at their line or
  at the doc-test comment right above them; the counts on the last line are checked.
- No process a document started survives it.
"""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "run_doc_commands.py"
FIXTURES = HERE / "selftest"


def run(flowc, flowrun, doc, *extra):
    cmd = [sys.executable, str(HARNESS), flowc, flowrun, str(HERE.parent.parent), str(FIXTURES / doc), *extra]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired as e:
        return -1, f"the harness did not finish within 300 s: {e}"
    return p.returncode, p.stdout + p.stderr


def expected_lines(doc):
    """Each expected failure as the set of lines where it may be reported."""
    lines = (FIXTURES / doc).read_text().split("\n")
    groups = []
    for i, t in enumerate(lines):
        if t.startswith("```") and "expect-fail" in t:
            ok = {i + 1}
            k = i - 1
            while k >= 0 and lines[k].lstrip().startswith("<!-- doc-test"):
                ok.add(k + 1)
                k -= 1
            groups.append(ok)
        elif re.match(r"^    build/tools/", t):
            groups.append({i + 1})
    return groups


def check_failures(doc, out, errors):
    reported = [int(m.group(1)) for m in re.finditer(r"^FAIL \S+?:(\d+):", out, re.M)]
    groups = expected_lines(doc)
    for g in groups:
        hits = [r for r in reported if r in g]
        if not hits:
            errors.append(f"{doc}: the failure expected at line {min(g)} was not reported")
        for h in hits:
            reported.remove(h)
    for r in reported:
        errors.append(f"{doc}: unexpected failure reported at line {r}")


def summary(out):
    m = re.search(r"^(\d+) blocks run, (\d+) skipped, (\d+) failed(?:, (\d+) not run)?", out, re.M)
    return tuple(int(x or 0) for x in m.groups()) if m else None


def leftovers():
    """Processes still running a fixture's long commands (ports 1879x, sleep 317). The
    scan is of the whole machine: 317, not 300, which the e2e tests' hang.py runs while
    ctest -j runs them alongside (the flake of CI's ASan runs)."""
    found = []
    for d in os.listdir("/proc"):  # not `ps`: procps may be missing on a clean machine
        try:
            args = Path(f"/proc/{d}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if d.isdigit() and re.search(r"http\.server 1879\d|^sleep 317", args):
            found.append(f"{d} {args}")
    return found


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    flowc, flowrun = sys.argv[1:]
    errors = []

    rc, out = run(flowc, flowrun, "good.md")
    if rc != 0 or summary(out) != (6, 2, 0, 0):
        errors.append(f"good.md: expected exit 0 and '6 blocks run, 2 skipped, 0 failed', got exit {rc}:\n{out}")

    rc, out = run(flowc, flowrun, "bad.md")
    check_failures("bad.md", out, errors)
    if rc != 1 or summary(out) != (9, 0, 10, 1):
        errors.append(f"bad.md: expected exit 1 and '9 blocks run, 0 skipped, 10 failed, 1 not run', "
                      f"got exit {rc}, {summary(out)}:\n{out}")

    rc, out = run(flowc, flowrun, "timeout.md", "--timeout", "3")
    check_failures("timeout.md", out, errors)
    if rc != 1 or summary(out) != (2, 0, 1, 1) or "timed out after 3 s" not in out:
        errors.append(f"timeout.md: expected a timeout, '2 blocks run, 0 skipped, 1 failed, 1 not run', "
                      f"got exit {rc}:\n{out}")

    # A process killed as its document ended can take a moment to leave
    # /proc on a loaded machine (seen twice in CI's ASan run, with 3 s):
    # wait for it, bounded. A real leak (sleep 317) outlives any such wait.
    deadline = time.monotonic() + 15.0
    left = leftovers()
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = leftovers()
    if left:
        errors.append("processes started by a document survived it:\n  " + "\n  ".join(left))

    for e in errors:
        print("selftest: " + e)
    print(f"selftest: {'FAILED' if errors else 'ok'} ({len(errors)} problem(s))")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
