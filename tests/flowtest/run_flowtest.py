#!/usr/bin/env python3
"""End-to-end tests of `flowrun test` through the real binary (docs/testing.md).

  pass/   tests that must all pass, in every mode: plain, --hard-snapshot, --gc-stress
          (a few), --shuffle-seeds, --jobs 1 and 2 (same output), --junit (valid XML).
  fail/   tests that must fail, each in its own way; the report must say why, with
          file:line, and the other tests must still run.
Also: --filter and the skipped count, usage errors, the samples' tests.

Usage: run_flowtest.py FLOWRUN ROOT
Exit status 0 when every check holds.
"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

FLOWRUN, ROOT = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def run(args, cwd=HERE, timeout=300):
    p = subprocess.run([FLOWRUN, "test"] + args, cwd=cwd, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def check(cond, what, detail=""):
    if not cond:
        failures.append(what + ("\n" + detail if detail else ""))
        print("FAIL:", what)
    else:
        print("ok:  ", what)


def norm(out):
    """Wall times vary: '(1.23 ms)' -> '(T)'; paths lose their pass/ or fail/ prefix."""
    out = re.sub(r"\b(pass|fail)/", "", out)
    return re.sub(r"\(\d+(\.\d+)? ms\)", "(T)", out)


def last_line(out):
    lines = out.rstrip("\n").split("\n")
    return lines[-1] if lines else ""


# ---- pass/: everything passes, in every mode
code, out, err = run(["pass", "--jobs", "1"])
n_pass = len(re.findall(r"^ok ", out, re.M))
check(code == 0 and re.fullmatch(r"\d+ passed, 0 failed", last_line(out)) and n_pass >= 15,
      "pass/: every test passes (%d)" % n_pass, out + err)
check(not re.search(r"^FAIL", out, re.M), "pass/: no FAIL line", out)
plain = norm(out)

code, out2, err = run(["pass", "--jobs", "2"])
check(code == 0 and norm(out2) == plain, "pass/: --jobs 2 prints the same report", out2 + err)

code, v1, err = run(["pass", "--jobs", "1", "--verbose"])
code, v2, err = run(["pass", "--jobs", "2", "--verbose"])
check("timer.fired" in v1 and norm(v1) == norm(v2),
      "pass/: two runs print the same histories and output (determinism)", v1 + "\n---\n" + v2)

code, out, err = run(["pass", "--hard-snapshot"])
check(code == 0 and last_line(out) == last_line(plain),
      "pass/: --hard-snapshot (snapshot + restore at every await)", out + err)

code, out, err = run(["pass", "--shuffle-seeds", "5"])
check(code == 0 and last_line(out) == last_line(plain), "pass/: --shuffle-seeds 5", out + err)

code, out, err = run(["pass", "--gc-stress", "--filter", "approval"])
check(code == 0 and "0 failed" in last_line(out) and "skipped" in last_line(out),
      "pass/: --gc-stress on the approval tests", out + err)

with tempfile.TemporaryDirectory() as tmp:
    junit = os.path.join(tmp, "r.xml")
    code, out, err = run(["pass", "--junit", junit])
    try:
        tree = ET.parse(junit)
        suites = tree.getroot().findall("testsuite")
        cases = tree.getroot().findall(".//testcase")
        ok = len(suites) == 1 and len(cases) == n_pass and \
            suites[0].get("failures") == "0" and all(c.get("time") for c in cases)
    except Exception as e:  # noqa: BLE001 - any parse problem is a failure
        ok = False
        err += str(e)
    check(code == 0 and ok, "--junit writes a valid report", err)

# ---- --filter: the others are counted as skipped
code, out, err = run(["pass", "--filter", "approval"])
m = re.fullmatch(r"(\d+) passed, 0 failed, (\d+) skipped", last_line(out))
check(code == 0 and m and int(m.group(1)) == 2 and int(m.group(1)) + int(m.group(2)) == n_pass,
      "--filter runs only matching tests; the rest are skipped", out)

# ---- fail/: every way a test can go wrong
code, out, err = run(["fail", "--jobs", "2"])
check(code == 1, "fail/: exit status 1", str(code) + out + err)
check(last_line(out) == "2 passed, 8 failed", "fail/: the summary counts every failure",
      last_line(out))
expect_in_out = [
    ("a broken file is reported with the compiler's file:line",
     r"FAIL broken\.test\.flow: does not compile\n  broken\.test\.flow:3:10: error\[FLOW2001\]"),
    ("assertion outside a test: compile error FLOW3010",
     r"FAIL outside\.flow: does not compile\n  outside\.flow:3:3: error\[FLOW3010\]"),
    ("an assertion shows expected and received, and file:line",
     r"FAIL failures\.test\.flow:4 an assertion fails with expected and received \(T\)\n"
     r"  AssertionError: expect\(received\)\.toEqual\(expected\)\n(.*\n)*?"
     r".*Expected: \{ total: 42 \}\n.*Received: \{ total: 41 \}\n(.*\n)*?"
     r".*at .*failures\.test\.flow:6\)"),
    ("a test that throws outside any run: the error and file:line",
     r"FAIL failures\.test\.flow:9 a test that throws outside any run \(T\)\n"
     r"  TypeError: .*\n.*failures\.test\.flow:11\)"),
    ("a deadlock names the wait and its source line",
     r"FAIL failures\.test\.flow:14 .*\n  deadlock: .*\n    run test\.1 \(waitsForever\) "
     r"waits for:\n      signal \"never\" at failures\.test\.flow:40"),
    ("a mock of a missing task names the module's tasks",
     r"FAIL failures\.test\.flow:19 .*\n  Error: mock: no task named 'nosuch' in this module "
     r"\(tasks: a, b\)"),
    ("a runaway clock fails instead of hanging",
     r"FAIL failures\.test\.flow:23 .*\n  .*the virtual clock fired more than 20000 times"),
    ("the passing test among them passes", r"ok   failures\.test\.flow:28 this one passes"),
    ("runs looping on task calls at one instant fail instead of hanging",
     r"FAIL spin\.test\.flow:12 .*\n  engine error: the runs made more than 50000 steps at one "
     r"instant"),
]
for what, pattern in expect_in_out:
    check(re.search(pattern, norm(out)), what, out)

# The race passes in the natural order and fails under some seed.
code, out, err = run(["fail/failures.test.flow", "--filter", "order dependent"])
check(code == 0, "the race test passes with the natural order", out + err)
code, out, err = run(["fail/failures.test.flow", "--filter", "order dependent",
                      "--shuffle-seeds", "8"])
check(code == 1 and re.search(r"\(with --seed (\d+)\)", out),
      "--shuffle-seeds exposes the order dependence and names the seed", out + err)
seed = re.search(r"\(with --seed (\d+)\)", out)
if seed:
    code, out, err = run(["fail/failures.test.flow", "--filter", "order dependent",
                          "--seed", seed.group(1)])
    check(code == 1, "--seed N reproduces it", out + err)

# ---- usage errors: exit 2 with a message
for args, what in [([], "no path"), (["nosuch-dir"], "a missing path"),
                   (["pass", "--seed", "x"], "a bad --seed"),
                   (["pass", "--jobs", "0"], "a bad --jobs")]:
    code, out, err = run(args)
    check(code == 2 and "flowrun test" in err, "usage error: " + what, out + err)

with tempfile.TemporaryDirectory() as tmp:
    code, out, err = run([tmp])
    check(code == 1 and last_line(out) == "0 passed, 0 failed" and "no tests found" in err,
          "an empty directory: no tests found, exit 1", out + err)

# ---- the samples' tests
samples = os.path.join(ROOT, "samples")
if os.path.isdir(samples):
    code, out, err = run([samples], cwd=ROOT)
    check(code == 0 and re.fullmatch(r"[1-9]\d* passed, 0 failed", last_line(out)),
          "the samples' tests pass", out + err)

print()
print("%d check(s) failed" % len(failures) if failures else "all flowtest checks passed")
sys.exit(1 if failures else 0)
