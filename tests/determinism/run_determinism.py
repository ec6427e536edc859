#!/usr/bin/env python3
"""Determinism: the same source compiles to identical bytes.

Usage: run_determinism.py FLOWC SOURCE_DIR

Compiles every .flow under SOURCE_DIR/samples and SOURCE_DIR/tests/compiler/ir
three times, each in its own process: twice from SOURCE_DIR and once from an
unrelated working directory (always with the file's absolute path, which the
module records). The three .flowc files, and two --emit=ir texts, must be
byte-identical. Files that do not compile are skipped (the diag/ tests cover
errors); the test fails if nothing at all was compared, so it cannot pass
vacuously.
"""
import concurrent.futures
import glob
import os
import subprocess
import sys
import tempfile

TIMEOUT = 120


def sources(root):
    found = []
    for sub in ("samples", os.path.join("tests", "compiler", "ir")):
        found += glob.glob(os.path.join(root, sub, "**", "*.flow"), recursive=True)
    return sorted(found)


def compile_to(flowc, src, out, cwd):
    r = subprocess.run([flowc, src, "-o", out], cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    return r.returncode, r.stderr.decode(errors="replace")


def emit_ir(flowc, src, cwd):
    r = subprocess.run([flowc, "--emit=ir", src], cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    return r.returncode, r.stdout


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def check_one(flowc, root, tmp, elsewhere, i, src):
    """Returns (status, message): status is "ok", "skip" or "fail"."""
    rel = os.path.relpath(src, root)
    outs = [os.path.join(tmp, f"{i}.{k}.flowc") for k in range(3)]
    rc, _ = compile_to(flowc, src, outs[0], root)
    if rc != 0:
        return "skip", f"{rel} (does not compile: exit {rc})"
    rc1, _ = compile_to(flowc, src, outs[1], root)
    rc2, _ = compile_to(flowc, src, outs[2], elsewhere)
    if rc1 != 0 or rc2 != 0:
        return "fail", f"{rel}: compiled once, then failed (exit {rc1}, {rc2})"
    blobs = []
    for o in outs:
        with open(o, "rb") as f:
            blobs.append(f.read())
    if not blobs[0]:
        return "fail", f"{rel}: flowc exited 0 but wrote an empty file"
    for k, label in ((1, "second run"), (2, "run from another directory")):
        if blobs[k] != blobs[0]:
            off = first_difference(blobs[0], blobs[k])
            return "fail", (f"{rel}: {label} differs at byte {off} "
                            f"({len(blobs[0])} vs {len(blobs[k])} bytes)")
    ir = [emit_ir(flowc, src, root), emit_ir(flowc, src, elsewhere)]
    if ir[0][0] != 0 or ir[1][0] != 0:
        return "fail", f"{rel}: --emit=ir failed (exit {ir[0][0]}, {ir[1][0]})"
    if ir[0][1] != ir[1][1]:
        return "fail", (f"{rel}: --emit=ir differs between runs "
                        f"at byte {first_difference(ir[0][1], ir[1][1])}")
    return "ok", f"{rel} ({len(blobs[0])} bytes)"


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    flowc, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    counts = {"ok": 0, "skip": 0, "fail": 0}
    with tempfile.TemporaryDirectory(prefix="flow-determinism-") as tmp:
        elsewhere = os.path.join(tmp, "elsewhere")
        os.mkdir(elsewhere)
        srcs = sources(root)
        # Files are independent: use the cores (each check is 5 short processes).
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = list(pool.map(lambda a: check_one(flowc, root, tmp, elsewhere, *a),
                                    enumerate(srcs)))
    for status, msg in results:
        counts[status] += 1
        print(f"{status.upper():<5} {msg}")
    print(f"determinism: {counts['ok']} file(s) identical, {counts['skip']} skipped, "
          f"{counts['fail']} failure(s)")
    if counts["ok"] == 0 and counts["fail"] == 0:
        print("FAIL  nothing was compared: no source compiled (is codegen in place?)")
        return 1
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
