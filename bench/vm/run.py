#!/usr/bin/env python3
"""VM benchmarks (issue 3 item 8): each program in bench/vm/programs runs under
flowrun, `node --jitless` and `lua5.4` (when a .lua twin exists) in the same
session; prints a JSON document and a table of wall times and ratios.
Timing is best-of-N wall clock per program (N=3 by default), the commands of
a program run in interleaved rounds. This VM's speed drifts by up to 2x
between minutes (host load), which can put one command's best run and
another's in different phases; so the table also gives the median over the
rounds of each round's own flow/lua ratio ("paired"): the commands of one
round run seconds apart, in the same phase.

--instructions also counts the instructions each flowrun and lua5.4 run
executes (valgrind --tool=callgrind; slow: ~1 minute for all): a ratio that,
unlike wall time, does not move with the load of a shared machine.

Usage: bench/vm/run.py FLOWRUN [--repeat N] [--only NAME] [--instructions]
"""
import re
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def best_of(cmds, repeat):
    """Best wall time and last output of each command, run in interleaved
    rounds (a, b, c, a, b, c, ...) so that a slow phase of a shared machine
    hits every command alike instead of one command's whole series."""
    times = {k: [] for k in cmds}
    outs = {}
    for _ in range(repeat):
        for k, cmd in cmds.items():
            t0 = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, timeout=600)
            times[k].append(time.perf_counter() - t0)
            if r.returncode != 0:
                outs[k] = None
                times[k] = [None]
                continue
            outs[k] = r.stdout.decode().strip()
    return times, outs


def paired_median(a, b):
    """Median over rounds of a[i] / b[i] (None when a run failed)."""
    if None in a or None in b:
        return None
    r = sorted(x / y for x, y in zip(a, b))
    n = len(r)
    return r[n // 2] if n % 2 else (r[n // 2 - 1] + r[n // 2]) / 2


def instructions(cmd):
    """Instructions executed by cmd (and its children), counted by callgrind."""
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                       capture_output=True, timeout=1200)
    m = re.search(r"Collected : (\d+)", r.stderr.decode())
    return int(m.group(1)) if m else None


def main():
    args = sys.argv[1:]
    flowrun = args.pop(0)
    repeat, only, count = 3, None, False
    while args:
        a = args.pop(0)
        if a == "--repeat":
            repeat = int(args.pop(0))
        elif a == "--only":
            only = args.pop(0)
        elif a == "--instructions":
            count = bool(shutil.which("valgrind"))
    node, lua = shutil.which("node"), shutil.which("lua5.4")
    progs = sorted(f[:-5] for f in os.listdir(os.path.join(HERE, "programs")) if f.endswith(".flow"))
    results = []
    for name in progs:
        if only and name != only:
            continue
        base = os.path.join(HERE, "programs", name)
        row = {"name": name}
        cmds = {"flow": [flowrun, "run", base + ".flow"]}
        if node and os.path.exists(base + ".js"):
            cmds["node_jitless"] = [node, "--jitless", base + ".js"]
        if lua and os.path.exists(base + ".lua"):
            cmds["lua"] = [lua, base + ".lua"]
        times, outs = best_of(cmds, repeat)
        row.update({k: (None if None in t else min(t)) for k, t in times.items()})
        if "node_jitless" in cmds:
            row["same_output_as_node"] = outs.get("flow") == outs.get("node_jitless")
        for k in ("node_jitless", "lua"):
            if row.get(k) and row.get("flow"):
                row["flow_over_" + k] = round(row["flow"] / row[k], 3)
                row["flow_over_" + k + "_paired"] = round(paired_median(times["flow"], times[k]), 3)
        if count and row.get("lua"):
            fi = instructions([flowrun, "run", base + ".flow"])
            li = instructions([lua, base + ".lua"])
            if fi and li:
                row["flow_instructions"], row["lua_instructions"] = fi, li
                row["flow_over_lua_instructions"] = round(fi / li, 3)
        results.append(row)
    print(json.dumps({"benchmarks": results}, indent=2))
    print("\n%-10s %9s %9s %9s %12s %9s %9s %12s" % ("program", "flow s", "node s", "lua s",
                                                     "flow/node", "flow/lua", "paired", "instr/lua"))
    for r in results:
        f = lambda k: ("%.3f" % r[k]) if r.get(k) else "-"
        print("%-10s %9s %9s %9s %12s %9s %9s %12s" % (r["name"], f("flow"), f("node_jitless"),
                                                       f("lua"), r.get("flow_over_node_jitless", "-"),
                                                       r.get("flow_over_lua", "-"),
                                                       r.get("flow_over_lua_paired", "-"),
                                                       r.get("flow_over_lua_instructions", "-")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
