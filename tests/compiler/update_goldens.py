#!/usr/bin/env python3
"""Regenerates the CHECK lines of golden tests, for review with `git diff`.

Usage:
  update_goldens.py FLOWC TESTS_DIR [FILE...]   rewrite stale goldens
  update_goldens.py --dry-run FLOWC TESTS_DIR   only list the stale ones (exit 1 if any)
Usually run as `cmake --build BUILD --target check-flow-update`.

A test takes part when it has a marker line (with its comment prefix):

    // Auto-generated content below. Do not edit: run check-flow-update.

Everything after the marker is machine-written and is replaced. The output
comes from the test's first RUN line that pipes into FileCheck: the part before
`| FileCheck` is run with lit's substitutions (%flowc, %s, %S, %t) after
dropping a leading `not`, and each output line becomes a CHECK line:

    // CHECK:      first line
    // CHECK-NEXT: following lines
    // CHECK-EMPTY:                 (an empty line)

A `REGEN:` line overrides the command (same substitutions), e.g.
`// REGEN: %flowc --emit=ir %s`. The FileCheck `--check-prefix=X` of the RUN
line is honoured. The test's own absolute path is written as {{.*}}NAME, and
FileCheck's `{{` / `[[` are escaped, so goldens stay machine-independent.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

MARKER = "Auto-generated content below"
SUFFIXES = (".flow", ".test")


def find_tests(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in ("Inputs", "Output"))
        for f in sorted(files):
            if f.endswith(SUFFIXES):
                yield os.path.join(d, f)


def directive(lines, name):
    """Values of `<prefix> NAME: value` lines, with lit's `\\` continuations joined."""
    out, cur = [], None
    pat = re.compile(r"^\s*(?://|#|;)\s*" + name + r":\s?(.*)$")
    for line in lines:
        m = pat.match(line)
        if not m:
            continue
        part = m.group(1).rstrip()
        if cur is None:
            cur = ""
        if part.endswith("\\"):
            cur += part[:-1] + " "
            continue
        out.append(cur + part)
        cur = None
    return out


def command_for(path, lines):
    """(shell command, check prefix) or (None, reason)."""
    regen = directive(lines, "REGEN")
    runs = directive(lines, "RUN")
    prefix = "CHECK"
    for run in runs:
        if "FileCheck" not in run:
            continue
        before, after = run.split("FileCheck", 1)
        m = re.search(r"--?check-prefix(?:es)?[= ]([A-Za-z0-9_-]+)", after)
        if m:
            prefix = m.group(1)
        cmd = before.rstrip().rstrip("|").strip()
        if regen:
            return regen[0], prefix
        return cmd, prefix
    if regen:
        return regen[0], prefix
    return None, "no RUN line pipes into FileCheck and there is no REGEN line"


def substitute(cmd, path, flowc, tmpdir):
    base = os.path.join(tmpdir, os.path.basename(path))
    subs = [("%flowc", shlex.quote(flowc)), ("%python", shlex.quote(sys.executable)),
            ("%S", shlex.quote(os.path.dirname(path))), ("%s", shlex.quote(path)),
            ("%t", shlex.quote(base + ".tmp")), ("%T", shlex.quote(tmpdir))]
    for k, v in subs:
        cmd = cmd.replace(k, v)
    cmd = cmd.strip()
    if cmd.startswith("not "):
        cmd = cmd[4:]
    return cmd


HASH_RE = re.compile(r"sha256:[0-9a-f]{64}")


def escape(line, path):
    # Escape FileCheck syntax first, then make the test's own path portable.
    line = line.replace("{{", "{{[{][{]}}").replace("[[", "{{\\[\\[}}")
    name = os.path.basename(path)
    line = line.replace(path, "{{.*}}" + name)
    # Files beside the test (Inputs/...) appear with absolute paths too, which
    # differ in every checkout: keep only the part below the test's folder.
    line = line.replace(os.path.dirname(path) + os.sep, "{{.*}}" + os.sep)
    # The module hash covers the source text, CHECK lines included: a golden
    # that pinned it could never be up to date.
    return HASH_RE.sub("sha256:{{[0-9a-f]+}}", line)


def golden(output, prefix, comment, path):
    out, first = [], True
    for raw in output.splitlines():
        text = escape(raw.rstrip(), path)
        if first:
            out.append(f"{comment} {prefix}: {text}" if text else f"{comment} {prefix}: {{{{^$}}}}")
            first = False
        elif text:
            out.append(f"{comment} {prefix}-NEXT: {text}")
        else:
            out.append(f"{comment} {prefix}-EMPTY:")
    return out


def update(path, flowc, dry_run):
    """Regenerates one file. The output can mention the test file itself (its
    size in the IR's source table), so writing the goldens changes the output:
    repeat until a fixed point (the size's digit count settles in 2-3 rounds)."""
    status, why = regenerate(path, flowc, dry_run)
    if status != "changed" or dry_run:
        return status, why
    for _ in range(4):
        again, why = regenerate(path, flowc, False)
        if again == "same":
            return "changed", None
        if again == "error":
            return again, why
    return "error", "the goldens do not settle (the output depends on itself)"


def regenerate(path, flowc, dry_run):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.splitlines()
    idx = next((i for i, l in enumerate(lines) if MARKER in l), None)
    if idx is None:
        return "skip", None
    comment = lines[idx].lstrip().split(" ", 1)[0]  # "//" or "#"
    cmd, prefix = command_for(path, lines)
    if cmd is None:
        return "error", prefix
    with tempfile.TemporaryDirectory() as tmp:
        shell_cmd = substitute(cmd, path, flowc, tmp)
        r = subprocess.run(shell_cmd, shell=True, cwd=os.path.dirname(path),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
    output = r.stdout.decode("utf-8", errors="replace")
    if not output.strip():
        return "error", f"`{shell_cmd}` printed nothing (exit {r.returncode}): " + \
            r.stderr.decode("utf-8", errors="replace").strip()[:500]
    new_lines = lines[:idx + 1] + golden(output, prefix, comment, path)
    new_text = "\n".join(new_lines) + "\n"
    if new_text == text:
        return "same", None
    if not dry_run:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new_text)
    return "changed", None


def main(argv):
    dry_run = "--dry-run" in argv
    args = [a for a in argv if a != "--dry-run"]
    if len(args) < 2:
        print(__doc__)
        return 2
    flowc, root, only = os.path.abspath(args[0]), os.path.abspath(args[1]), args[2:]
    files = [os.path.abspath(f) for f in only] if only else list(find_tests(root))
    counts = {"changed": 0, "same": 0, "skip": 0, "error": 0}
    for path in files:
        status, why = update(path, flowc, dry_run)
        counts[status] += 1
        rel = os.path.relpath(path, root)
        if status == "changed":
            print(("stale   " if dry_run else "updated ") + rel)
        elif status == "error":
            print(f"error   {rel}: {why}")
    print(f"goldens: {counts['changed']} {'stale' if dry_run else 'updated'}, "
          f"{counts['same']} unchanged, {counts['error']} error(s); "
          f"{counts['skip']} file(s) without the marker left alone")
    if counts["error"] or (dry_run and counts["changed"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
