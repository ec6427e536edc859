#!/usr/bin/env python3
"""`flowrun test` benchmark (issue 5): 1,000 tests of a workflow with 20 task
steps, 3 timers and one retried task, target < 2 s in total.

Generates (into a temp dir) `pipeline.flow` -- exec tasks that every test mocks
and one workflow of exactly 20 awaited task steps, 3 `sleep` timers and a task
whose retry policy fires once -- and N tests of it, each with its own input and
mocks, asserting on the result, the retried task's calls and clock.elapsed()
(so a broken harness fails the run instead of producing a figure). Then runs:

  (a) all N tests in one file     --jobs 1 and --jobs N (default: the cores, max 8,
                                  as flowrun test itself)
  (b) the same N tests in 10 files, same two job counts

measuring each `flowrun test` process's wall time (compile included), best and
spread of --repeat runs. Compile cost is measured apart with `flowc --check`
(the flowc next to FLOWRUN). The reference, in the same run: the same N tests
as plain JavaScript (async functions, mocks as plain functions, sleeps as a
fake clock counter, a retry loop) under `node --jitless` -- what unit tests of
a non-durable workflow cost. Prints one JSON object, then a table.

Usage: bench/test/run.py FLOWRUN [--tests 1000] [--jobs N] [--repeat 5]
                          [--json-only] [--keep DIR]
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import gen

TARGET_S = 2.0  # issue 5: 1,000 tests in < 2 s in total


def usage(msg):
    sys.stderr.write("run.py: %s\nusage: run.py FLOWRUN [--tests N] [--jobs N] [--repeat N] "
                     "[--json-only] [--keep DIR]\n" % msg)
    sys.exit(2)


def timed(cmd, expect_tests=None, cwd=None):
    """Runs cmd once; returns (wall seconds, stdout). A failure is fatal: a
    benchmark of a broken harness would measure nothing."""
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, timeout=900, cwd=cwd)
    dt = time.perf_counter() - t0
    out = r.stdout.decode(errors="replace")
    if r.returncode != 0 or (expect_tests is not None and
                             not out.rstrip().endswith("%d passed, 0 failed" % expect_tests)):
        tail = (out[-1500:] + r.stderr.decode(errors="replace")[-1500:]).strip()
        sys.stderr.write("run.py: FAILED (exit %d): %s\n%s\n" % (r.returncode, " ".join(cmd), tail))
        sys.exit(1)
    return dt, out


def sample(cmd, repeat, expect_tests=None, cwd=None):
    times, out = [], ""
    for _ in range(repeat):
        dt, out = timed(cmd, expect_tests, cwd)
        times.append(dt)
    return times, out


def stats(times):
    return {"best_s": round(min(times), 4), "median_s": round(statistics.median(times), 4),
            "max_s": round(max(times), 4), "runs": [round(t, 4) for t in times]}


def per_test_ms(out):
    """Sum and mean of the per-test times flowrun prints: `ok   f:3 name (1.10 ms)`."""
    ms = [float(m.group(1)) for m in re.finditer(r"^ok .*\(([0-9.]+) ms\)$", out, re.M)]
    return (round(sum(ms), 1), round(sum(ms) / len(ms), 3)) if ms else (None, None)


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        usage("give the flowrun binary")
    flowrun = os.path.abspath(args.pop(0))
    tests, jobs, repeat, json_only, keep = 1000, os.cpu_count() or 1, 5, False, None
    jobs = min(8, jobs)  # flowrun test's own default: the cores, at most 8
    while args:
        a = args.pop(0)
        try:
            if a == "--tests":
                tests = int(args.pop(0))
            elif a == "--jobs":
                jobs = int(args.pop(0))
            elif a == "--repeat":
                repeat = int(args.pop(0))
            elif a == "--json-only":
                json_only = True
            elif a == "--keep":
                keep = args.pop(0)
            else:
                usage("unknown option " + a)
        except (IndexError, ValueError):
            usage("%s takes a number" % a)
    if tests < 10 or tests % 10 or jobs < 1 or repeat < 1:
        usage("--tests must be a positive multiple of 10; --jobs and --repeat positive")
    flowc = os.path.join(os.path.dirname(flowrun), "flowc")  # build/tools/{flowrun,flowc}
    for b in (flowrun, flowc):
        if not os.access(b, os.X_OK):
            usage("not an executable: " + b)
    node = shutil.which("node")

    root = keep or tempfile.mkdtemp(prefix="flow-test-bench-")
    try:
        one, split, js = gen.write_all(root, tests)
        log = (lambda *a: None) if json_only else (lambda *a: sys.stderr.write(" ".join(a) + "\n"))

        variants = []
        for layout, paths in (("one file", [one]), ("10 files", split)):
            for j in sorted({1, jobs}):
                log("timing flowrun test: %s, --jobs %d (%d runs)" % (layout, j, repeat))
                cmd = [flowrun, "test", "--jobs", str(j)] + paths
                times, out = sample(cmd, repeat, tests)
                v = {"layout": layout, "files": len(paths), "jobs": j}
                v.update(stats(times))
                v["sum_test_ms"], v["mean_test_ms"] = per_test_ms(out)
                v["tests_per_s"] = round(tests / v["best_s"], 1)
                v["target_met"] = v["best_s"] < TARGET_S * tests / 1000
                variants.append(v)

        log("timing flowc --check (compile only)")
        comp_times, _ = sample([flowc, "--check", one], repeat)
        mod_times, _ = sample([flowc, "--check", os.path.join(os.path.dirname(one), "pipeline.flow")],
                              repeat)
        log("timing one test (process start + compile + 1 test)")
        single = os.path.join(os.path.dirname(one), "..", "single")
        one_times, _ = sample([flowrun, "test", "--jobs", "1", os.path.join(single, "pipeline.test.flow")],
                              repeat, 1)

        reference = None
        if node:
            log("timing the reference: node --jitless")
            ref_times, _ = sample([node, "--jitless", js], repeat)
            # Its harness prints the same summary line; check it passed them all.
            _, ref_out = timed([node, "--jitless", js])
            if not ref_out.rstrip().endswith("%d passed, 0 failed" % tests):
                sys.stderr.write("run.py: the JavaScript reference failed:\n%s\n" % ref_out[-1500:])
                return 1
            reference = {"runner": "node --jitless " + subprocess.run(
                [node, "--version"], capture_output=True).stdout.decode().strip()}
            reference.update(stats(ref_times))

        compile_s = min(comp_times)
        for v in variants:
            v["test_s_est"] = round(v["best_s"] - compile_s, 4)
            v["over_target"] = round(v["best_s"] / (TARGET_S * tests / 1000), 3)
            if reference:
                v["over_node_jitless"] = round(v["best_s"] / reference["best_s"], 2)
        best = min(variants, key=lambda v: v["best_s"])
        doc = {
            "benchmark": "flowrun test",
            "tests": tests,
            "steps_per_test": gen.STEPS,
            "task_attempts_per_test": gen.STEPS + 1,
            "timers_per_test": len(gen.TIMERS) + 1,
            "cores": os.cpu_count(),
            "repeat": repeat,
            "target_s": TARGET_S * tests / 1000,
            "variants": variants,
            "compile_s": stats(comp_times),
            "compile_module_only_s": stats(mod_times),
            "one_test_s": stats(one_times),
            "reference": reference or {"skipped": "node is not installed"},
            "best": {"layout": best["layout"], "jobs": best["jobs"], "wall_s": best["best_s"],
                     "tests_per_s": best["tests_per_s"], "target_met": best["target_met"]},
            "loadavg_1m_at_end": round(os.getloadavg()[0], 2),  # the machine may be shared
        }
        print(json.dumps(doc, indent=2))
        if json_only:
            return 0
        print("\nflowrun test: %d tests x (%d task steps + 1 retry attempt, %d timers + 1 back-off), "
              "%d cores, best of %d" % (tests, gen.STEPS, len(gen.TIMERS), os.cpu_count(), repeat))
        print("%-9s %4s %8s %8s %8s %9s %9s %9s %7s" % ("layout", "jobs", "best s", "median", "max",
                                                        "tests/s", "flow/node", "x target", "met"))
        for v in variants:
            print("%-9s %4d %8.3f %8.3f %8.3f %9.0f %9s %9.2f %7s" % (
                v["layout"], v["jobs"], v["best_s"], v["median_s"], v["max_s"], v["tests_per_s"],
                v.get("over_node_jitless", "-"), v["over_target"], "yes" if v["target_met"] else "no"))
        print("compile only (flowc --check, %d tests): %.3f s   module alone: %.3f s   "
              "one test end to end: %.3f s" % (tests, compile_s, min(mod_times), min(one_times)))
        if reference:
            print("reference (%s): %.3f s for the same %d tests" % (reference["runner"],
                                                                  reference["best_s"], tests))
        else:
            print("reference: skipped (node is not installed)")
        return 0
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
