#!/usr/bin/env python3
"""Conformance runner: runs every tests/conformance/**/*.flow through `flowrun run`
and compares its stdout and exit status with the expectations in the file.

A file that declares a `test "name" { ... }` block (programs that wait: sleeps,
signals, events, retries, timeouts; see waits/) runs through `flowrun test FILE`
instead, under its virtual clock: it must exit 0 and end with the line
`N passed, 0 failed`, N >= 1. `// flowrun-args:` and `// xfail:` apply to it too
(an xfail test file must fail); `// expect:` lines do not.

Expectations (Wren's `// expect:` style), in the .flow file:
    console.log(1 + 1) // expect: 2          one expected stdout line, in order
    // expect-exit: 1                         expected exit status (default 0)
    // expect-stderr: Uncaught TypeError: x   a line stderr must contain (in order)
    // flowrun-args: --workflow other         extra arguments for `flowrun run FILE`
                                              ({dir} is replaced by the file's directory)
or a sibling FILE.expected holding the exact expected stdout.
    // xfail: <reason>                        a known bug: a mismatch counts as expected
                                              failure (reported, run still passes); a
                                              match fails the run (remove the stale mark)
    // xfail-gc-stress: <reason>              the same, only in --gc-stress runs

Usage: run.py FLOWRUN [--gc-stress] [--hard-snapshot] [--filter SUBSTR] [DIR_OR_FILE ...]
  --hard-snapshot passes the flag to flowrun (a snapshot + restore between every two
  jobs and at every loop back-edge); expectations and xfails are those of plain mode.
Exit status 0 when every program matches, 1 otherwise.
"""
import atexit
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

EXPECT = re.compile(r"//\s*expect:\s?(.*)$")
EXPECT_EXIT = re.compile(r"//\s*expect-exit:\s*(\d+)")
EXPECT_STDERR = re.compile(r"//\s*expect-stderr:\s?(.*)$")
ARGS = re.compile(r"//\s*flowrun-args:\s?(.*)$")
TEST_BLOCK = re.compile(r"^\s*test\s+[\"']", re.M)
TEST_SUMMARY = re.compile(r"(\d+) passed, 0 failed")
XFAIL = re.compile(r"^\s*//\s*xfail(-gc-stress)?:\s?(.*)$", re.M)


def xfail_reason(path, gc_stress):
    """The reason of the file's `// xfail:` line (or `// xfail-gc-stress:` in a
    --gc-stress run), or None. Kept apart from expectations() so that
    check_node.py's use of it is unchanged."""
    with open(path, encoding="utf-8") as f:
        for m in XFAIL.finditer(f.read()):
            if not m.group(1) or gc_stress:
                return m.group(2).strip() or "(no reason given)"
    return None


def expectations(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines, stderr, code, args = [], [], 0, []
    for line in text.splitlines():
        m = ARGS.search(line)
        if m:
            args += shlex.split(m.group(1).replace("{dir}", os.path.dirname(os.path.abspath(path))))
        m = EXPECT.search(line)
        if m:
            lines.append(m.group(1).rstrip())
        m = EXPECT_STDERR.search(line)
        if m:
            stderr.append(m.group(1).rstrip())
        m = EXPECT_EXIT.search(line)
        if m:
            code = int(m.group(1))
    sibling = os.path.splitext(path)[0] + ".expected"
    if os.path.exists(sibling):
        with open(sibling, encoding="utf-8") as f:
            stdout = f.read()
    else:
        stdout = "".join(l + "\n" for l in lines)
    return stdout, stderr, code, args


def has_test_block(path):
    """True when the file declares a `test "..."` block (then `flowrun test` runs it)."""
    with open(path, encoding="utf-8") as f:
        return TEST_BLOCK.search(f.read()) is not None


def test_problems(out, err, code):
    """What is wrong with a `flowrun test FILE` run that should pass every test."""
    problems = []
    lines = out.rstrip("\n").split("\n")
    m = TEST_SUMMARY.fullmatch(lines[-1]) if lines else None
    if code != 0:
        problems.append("flowrun test exited with status %d, expected 0" % code)
    if not m:
        problems.append("last line %r, expected 'N passed, 0 failed'" % lines[-1])
    elif int(m.group(1)) < 1:
        problems.append("no test ran")
    if problems:
        problems.append("output:\n" + out + err)
    return problems


def collect(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for d, _, files in os.walk(p):
                out += [os.path.join(d, f) for f in files if f.endswith(".flow")]
        else:
            out.append(p)
    return sorted(out)


def report(f, problems, extra, failed, xfailed):
    """Prints the file's verdict (honouring its xfail mark); 1 when it passed."""
    xfail = xfail_reason(f, "--gc-stress" in extra)
    if xfail is not None:
        if problems:
            xfailed.append(f)
            print("XFAIL %s (%s)" % (os.path.relpath(f), xfail))
        else:
            failed.append(f)
            print("XPASS %s: passes but is marked `// xfail: %s`; remove the mark" %
                  (os.path.relpath(f), xfail))
        return 0
    if problems:
        failed.append(f)
        print("FAIL %s\n  %s" % (os.path.relpath(f), "\n  ".join(problems)))
        return 0
    return 1


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    flowrun = args.pop(0)
    # Every run is durable (flowrun run stores it): use a private database,
    # so parallel conformance modes never share one.
    dbdir = tempfile.mkdtemp(prefix="flow-conformance-")
    atexit.register(shutil.rmtree, dbdir, True)
    os.environ["FLOW_DB"] = os.path.join(dbdir, "flow.db")
    extra, filt, paths = [], None, []
    while args:
        a = args.pop(0)
        if a == "--gc-stress":
            extra.append("--gc-stress")
        elif a == "--hard-snapshot":
            extra.append("--hard-snapshot")
        elif a == "--filter":
            filt = args.pop(0)
        else:
            paths.append(a)
    if not paths:
        paths = [os.path.dirname(os.path.abspath(__file__))]
    files = [f for f in collect(paths) if not filt or filt in f]
    passed, failed, xfailed = 0, [], []
    for f in files:
        want_out, want_err, want_code, args = expectations(f)
        if has_test_block(f):
            try:
                r = subprocess.run([flowrun, "test", f] + args + extra, capture_output=True,
                                   timeout=300)
                problems = test_problems(r.stdout.decode("utf-8", "replace"),
                                         r.stderr.decode("utf-8", "replace"), r.returncode)
            except subprocess.TimeoutExpired:
                problems = ["flowrun test timed out"]
            passed += report(f, problems, extra, failed, xfailed)
            continue
        try:
            r = subprocess.run([flowrun, "run", f] + args + extra, capture_output=True,
                               timeout=120)
            out = r.stdout.decode("utf-8", "replace")
            err = r.stderr.decode("utf-8", "replace")
            code = r.returncode
        except subprocess.TimeoutExpired:
            out, err, code = "", "timeout", -1
        problems = []
        if out != want_out:
            problems.append("stdout differs:\n--- expected\n%s--- actual\n%s" % (want_out, out))
        if code != want_code:
            problems.append("exit status %d, expected %d" % (code, want_code))
        pos = 0
        for w in want_err:
            i = err.find(w, pos)
            if i < 0:
                problems.append("stderr lacks %r" % w)
            else:
                pos = i + len(w)
        if want_code == 0 and code == 0 and err and not want_err:
            problems.append("unexpected stderr:\n" + err)
        if problems and err and code != want_code and xfail_reason(f, "--gc-stress" in extra) is None:
            problems.append("stderr:\n" + err)
        passed += report(f, problems, extra, failed, xfailed)
    print("%d passed, %d failed, %d expected failures (xfail)%s" %
          (passed, len(failed), len(xfailed), "".join(" (%s)" % e.lstrip("-") for e in extra)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
