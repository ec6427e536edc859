#!/usr/bin/env python3
"""Checks the conformance expectations against node: every tests/conformance
program that is plain JavaScript (no workflow/task/test/on/import/export, no
duration literals, no `// flowrun-args:`) runs under node as an ES module, and
its stdout must equal the program's `// expect:` lines. This keeps the
expectations honest: where Flow is JavaScript, it prints what node prints.

Usage: check_node.py [NODE] [DIR_OR_FILE ...]   (skips, exit 0, without node)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import collect, expectations  # noqa: E402

FLOW_ONLY = re.compile(
    r"^\s*(export\s+)?(workflow|task|on|test|import)\b|\b\d[\d_.]*(ms|s|m|h|d)\b|\bstart\s+\w+\(",
    re.M)


def strip_comments_and_strings(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"\"(\\.|[^\"\\])*\"|'(\\.|[^'\\])*'|`(\\.|[^`\\])*`", '""', text)


def main():
    args = sys.argv[1:]
    node = args.pop(0) if args and os.path.basename(args[0]).startswith("node") else shutil.which("node")
    if not node:
        print("node not found: skipped")
        return 0
    paths = args or [os.path.dirname(os.path.abspath(__file__))]
    checked, skipped, failed = 0, 0, []
    with tempfile.TemporaryDirectory() as d:
        for f in collect(paths):
            text = open(f, encoding="utf-8").read()
            want_out, _, want_code, extra = expectations(f)
            if extra or FLOW_ONLY.search(strip_comments_and_strings(text)):
                skipped += 1
                continue
            js = os.path.join(d, "prog.mjs")
            with open(js, "w", encoding="utf-8") as out:
                out.write(text)
            r = subprocess.run([node, js], capture_output=True, timeout=60)
            out = r.stdout.decode("utf-8", "replace")
            code = 0 if r.returncode == 0 else 1
            if out != want_out or code != want_code:
                failed.append(f)
                print("NODE DIFFERS %s (exit %d)\n--- expected\n%s--- node\n%s%s" %
                      (os.path.relpath(f), r.returncode, want_out, out,
                       r.stderr.decode()[-600:]))
            else:
                checked += 1
    print("%d agree with node, %d differ, %d skipped (Flow-only)" % (checked, len(failed), skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
