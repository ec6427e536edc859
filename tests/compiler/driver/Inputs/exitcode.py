#!/usr/bin/env python3
"""Runs a command and prints `exit: N` after its output, so a lit test can
check an exact exit status (lit's `not` only knows zero / non-zero).
Usage: %exitcode CMD ARGS...  (stdin is closed, as in CI)"""
import subprocess
import sys

r = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL)
sys.stderr.flush()
print(f"exit: {r.returncode}", flush=True)
