#!/usr/bin/env python3
"""Runs every shell command shown in Flow's documentation, so the docs cannot rot.

usage: run_doc_commands.py FLOWC FLOWRUN REPO_ROOT [DOC.md ...]
                           [--timeout SECONDS] [--failures-file PATH] [--keep]

Documents: README.md, docs/*.md and samples/*/README.md of REPO_ROOT (or the DOC.md
files given). Command blocks are the fenced blocks tagged sh, bash, shell or console
(for console, only the lines after a "$ " prompt are run; the rest is output).
Blocks tagged js, flow, text, or nothing, are not commands.

How a document runs (tests/docs/README.md says the same for doc writers):
- One bash session per document (`set -uo pipefail` plus an ERR trap that ends the
  block at its first failing command, as `set -e` would), its blocks in order, so a
  block may use the shell variables of an earlier one (RUN=$(...) then "$RUN").
- cwd is a fresh temp directory with a copy of REPO_ROOT/samples and `build/tools/flowc`,
  `build/tools/flowrun` linking to the binaries given (so `B=build/tools` works);
  FLOW_DB and HOME point into it; PATH is unchanged; stdin is /dev/null.
- A failing block fails the test: the document, the block's line, the failing command
  and its line, the block's output. The next blocks of the document still run (they
  may fail as a consequence; the first failure is the one to read). A block that
  runs longer than --timeout (default 60 s, or $FLOW_DOC_TIMEOUT) is killed, and
  the rest of that document is not run.
- Annotations: HTML comments on the line(s) right before a block's opening fence:
    <!-- doc-test: skip: REASON -->   not run (REASON is required; counted, printed)
    <!-- doc-test: background -->     run in the background until the document ends
    <!-- doc-test: background port=N -->  ...and wait (bounded) until 127.0.0.1:N accepts
    <!-- doc-test: exit=N -->         the block must end with its command failing with N
    <!-- doc-test: file=PATH -->      not run: the block's text is written to PATH
                                      (relative to cwd), e.g. a .flow file shown in a js block
    <!-- doc-test: needs=CMD -->       skipped (and counted) when CMD, e.g. curl, is not on PATH
  Several directives may share a comment (`background port=8080`) or stand on
  consecutive comment lines.
  An unknown or misplaced doc-test comment is an error, so a typo cannot turn a
  block's check off.
- At the end of a document its whole process group (the session, its background
  blocks, anything they started) gets SIGTERM, then SIGKILL after 5 s: only
  processes this script started, addressed by the session's process-group id.

Exit status 0 when no block failed; the last line is "N blocks run, N skipped, N failed".
"""

import argparse
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

COMMAND_LANGS = {"sh", "bash", "shell", "console"}
FENCE_RE = re.compile(r"^( {0,12})(`{3,}|~{3,})\s*([^\s`{]*)")
ANNOT_RE = re.compile(r"^\s*<!--\s*doc-test:\s*(.*?)\s*-->\s*$")
# Something that looks like an annotation but is malformed (e.g. "doc-test skip").
ANNOT_LIKE_RE = re.compile(r"<!--\s*doc-test\b")
OUTPUT_TAIL_LINES = 40
# The first word of an indented (unfenced) code block that makes it look like a
# command: such a block would escape this test, so it is reported.
COMMANDISH_RE = re.compile(
    r"^\s*(\$ |\$B/|\./|build/|samples/|\S*flowc\b|\S*flowrun\b|"
    r"(python3|curl|cat|cd|export|mkdir|bash|sh|sqlite3|ctest|cmake|ninja|kill|sleep|echo)\s)")


@dataclass
class Block:
    doc: str
    line: int  # 1-based line of the opening fence
    lang: str
    text: str  # the block's content, indentation of the fence removed
    skip: Optional[str] = None
    background: bool = False
    port: Optional[int] = None
    exit_code: Optional[int] = None
    file: Optional[str] = None
    needs: list = field(default_factory=list)
    invalid: bool = False  # a bad annotation: the block is reported, never run


@dataclass
class Failure:
    doc: str
    line: int
    what: str
    command: str = ""
    output: str = ""


@dataclass
class Counts:
    run: int = 0
    skipped: int = 0
    failed: int = 0
    not_run: int = 0
    failures: list = field(default_factory=list)
    skips: list = field(default_factory=list)


def parse_annotation(body, doc, line, block):
    """Applies one doc-test directive to block; returns an error message or None."""
    if body.startswith("skip"):
        m = re.match(r"skip\s*:\s*(\S.*)$", body)
        if not m:
            return "skip needs a reason: <!-- doc-test: skip: why this cannot run here -->"
        block.skip = m.group(1)
        return None
    for word in body.split():
        if word == "background":
            block.background = True
        elif m := re.fullmatch(r"port=(\d+)", word):
            block.port = int(m.group(1))
        elif m := re.fullmatch(r"exit=(\d+)", word):
            block.exit_code = int(m.group(1))
        elif m := re.fullmatch(r"file=(\S+)", word):
            block.file = m.group(1)
        elif m := re.fullmatch(r"needs=([\w.+-]+)", word):
            block.needs.append(m.group(1))
        else:
            return f"unknown doc-test directive '{word}' (known: skip: REASON, background, port=N, exit=N, file=PATH, needs=CMD)"
    if block.port is not None and not block.background:
        return "port=N only goes with background"
    if block.file and (os.path.isabs(block.file) or ".." in Path(block.file).parts):
        return f"file={block.file}: must be a relative path inside the document's directory"
    return None


def parse_document(path, rel):
    """Returns (blocks, errors); errors are Failures for malformed annotations."""
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks, errors = [], []
    pending = []  # (line number, annotation body) waiting for the next fence
    i = 0
    while i < len(lines):
        text = lines[i]
        m = FENCE_RE.match(text)
        if m:
            indent, fence, lang = len(m.group(1)), m.group(2), m.group(3).lower()
            start = i
            body = []
            i += 1
            closed = False
            while i < len(lines):
                t = lines[i]
                stripped = t.lstrip(" ")
                if stripped.startswith(fence[0] * len(fence)) and stripped.strip(fence[0]).strip() == "":
                    closed = True
                    break
                # Remove up to the fence's indentation (blocks inside list items).
                n = len(t) - len(t.lstrip(" "))
                body.append(t[min(n, indent):])
                i += 1
            if not closed:
                errors.append(Failure(rel, start + 1, "code block is never closed"))
            block = Block(rel, start + 1, lang, "\n".join(body) + "\n")
            for aline, abody in pending:
                err = parse_annotation(abody, rel, aline, block)
                if err:
                    block.invalid = True
                    errors.append(Failure(rel, aline, f"bad annotation: {err}"))
            if pending and lang not in COMMAND_LANGS and not block.file:
                errors.append(Failure(rel, pending[0][0],
                                      f"doc-test annotation on a '{lang or 'plain'}' block, which is not run"))
            pending = []
            blocks.append(block)
            i += 1
            continue
        # An indented code block (4+ spaces after a blank line that follows a
        # non-indented, non-list paragraph) holding what looks like a command.
        if (i >= 2 and text.startswith("    ") and lines[i - 1].strip() == ""
                and COMMANDISH_RE.match(text)):
            prev = next((lines[k] for k in range(i - 2, -1, -1) if lines[k].strip()), "")
            if prev and not prev.startswith(" ") and not re.match(r"\s*([-*+]|\d+[.)])\s", prev):
                errors.append(Failure(rel, i + 1, "an indented code block that looks like a command is not run: "
                                      "put it in a ```sh fence (or ```text if it is not meant to run)"))
        am = ANNOT_RE.match(text)
        if am:
            pending.append((i + 1, am.group(1)))
        elif ANNOT_LIKE_RE.search(text):
            errors.append(Failure(rel, i + 1, "malformed doc-test comment (expected <!-- doc-test: ... --> alone on its line)"))
        elif pending:
            errors.append(Failure(rel, pending[0][0], "doc-test annotation not directly followed by a code block"))
            pending = []
        i += 1
    if pending:
        errors.append(Failure(rel, pending[0][0], "doc-test annotation not followed by a code block"))
    return blocks, errors


def console_commands(text):
    """The commands of a console block: lines after '$ ', with their '\\' continuations."""
    out, cont = [], False
    for t in text.split("\n"):
        if cont:
            out.append(t)
            cont = t.endswith("\\")
        elif t.startswith("$ "):
            out.append(t[2:])
            cont = t.endswith("\\")
    return "\n".join(out) + "\n"


# The session's prologue. The ERR trap acts like `set -e` but only ends the current
# block (a `return` from the sourced block file), so the shell and its variables
# survive for the next blocks. __dt_in guards against the trap firing again for the
# `source` line itself.
PROLOGUE = r"""
set -uo pipefail
trap '__dt_rc=$?; if [ -n "${__dt_in-}" ]; then __dt_in=; printf "%s\n" "$LINENO" > "$__DT_DIR/fail.line"; printf "%s" "$BASH_COMMAND" > "$__DT_DIR/fail.cmd"; return $__dt_rc; fi' ERR
"""


def tail(path, n=OUTPUT_TAIL_LINES):
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").rstrip("\n").split("\n")
    except FileNotFoundError:
        return ""
    if len(lines) > n:
        lines = [f"... ({len(lines) - n} earlier lines)"] + lines[-n:]
    return "\n".join(lines)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Session:
    """One bash process running the blocks of one document, in its own process group."""

    def __init__(self, cwd, env, ctl_dir):
        self.ctl_dir = ctl_dir
        rfd, wfd = os.pipe()
        self.status_r = rfd
        env = dict(env, __DT_DIR=str(ctl_dir))
        # The session's own messages (block output goes to per-block files).
        with open(ctl_dir / "session.out", "wb") as log:
            self.proc = subprocess.Popen(
                ["bash", "--noprofile", "--norc"],
                stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                env=env, pass_fds=(wfd,), start_new_session=True)
        os.close(wfd)
        # fd 3 carries "done RC" lines; blocks run with it closed, so a background
        # server never holds it open and bash's death shows as EOF.
        self.send(f'exec 3>&{wfd} {wfd}>&-\n' + PROLOGUE)
        self.buf = b""
        self.bg = []  # (block, pid, output file, exit-status file)
        self.reported = set()  # lines of background blocks already reported as failed

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait_status(self, timeout):
        """Returns ('done', rc), ('timeout', None) or ('dead', exitcode)."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout", None
            r, _, _ = select.select([self.status_r], [], [], left)
            if not r:
                continue
            chunk = os.read(self.status_r, 4096)
            if not chunk:
                return "dead", self._peek_exit()
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return "done", int(line.split()[1])

    def _peek_exit(self):
        # waitid(WNOWAIT): learn bash's status without reaping it, so its pid (the
        # process-group id) stays ours until close() has cleaned the group up.
        try:
            info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOWAIT)
            return info.si_status if info else None
        except ChildProcessError:
            return None

    def run_block(self, block, index, timeout):
        path = self.ctl_dir / f"block{index}.sh"
        out = self.ctl_dir / f"block{index}.out"
        text = console_commands(block.text) if block.lang == "console" else block.text
        path.write_text(text, encoding="utf-8")
        for f in ("fail.line", "fail.cmd"):
            (self.ctl_dir / f).unlink(missing_ok=True)
        q = lambda p: "'" + str(p).replace("'", "'\\''") + "'"
        if block.background:
            if block.port is not None and port_open(block.port):
                return "portbusy", None, out
            rc_file = self.ctl_dir / f"block{index}.rc"
            # The inner ( ) keeps an `exit` in the block from skipping the rc file.
            self.send(f"{{ ( source {q(path)} ) </dev/null >{q(out)} 2>&1 3>&-; echo $? > {q(rc_file)}; }} &\n"
                      f"echo \"done $!\" >&3\n")
            state, pid = self.wait_status(timeout)
            if state != "done":
                return state, pid, out
            self.bg.append((block, pid, out, rc_file))
            if block.port is not None:
                deadline = time.monotonic() + timeout
                while not port_open(block.port):
                    if rc_file.exists():
                        return "bgdied", int(rc_file.read_text().strip() or -1), out
                    if time.monotonic() > deadline:
                        return "noport", None, out
                    time.sleep(0.1)
            return "done", 0, out
        self.send(f"__dt_in=1; source {q(path)} </dev/null >{q(out)} 2>&1 3>&-; "
                  f"echo \"done $?\" >&3; __dt_in=\n")
        state, rc = self.wait_status(timeout)
        return state, rc, out

    def failed_command(self, block):
        try:
            line = int((self.ctl_dir / "fail.line").read_text().strip())
            cmd = (self.ctl_dir / "fail.cmd").read_text()
            return line, cmd
        except (FileNotFoundError, ValueError):
            return None, ""

    def background_failures(self):
        """Background blocks that exited non-zero before the document ended."""
        res = []
        for block, pid, out, rc_file in self.bg:
            if rc_file.exists() and block.line not in self.reported:
                rc = int(rc_file.read_text().strip() or -1)
                if rc != 0:
                    res.append((block, rc, out))
        return res

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        pgid = self.proc.pid
        # bash is not reaped before the group is gone, so pgid cannot be reused
        # by anybody else while we signal it.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self._group_gone(pgid):
                break
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline and not self._group_gone(pgid):
                time.sleep(0.05)
        self.proc.wait()
        os.close(self.status_r)

    @staticmethod
    def _group_gone(pgid):
        """True when no live process is left in the group (bash's zombie and its
        unreaped children do not count)."""
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        try:
            for d in os.listdir("/proc"):
                if not d.isdigit():
                    continue
                try:
                    stat = Path(f"/proc/{d}/stat").read_text()
                except OSError:
                    continue
                # pid (comm) state ppid pgrp ...
                rest = stat[stat.rfind(")") + 2:].split()
                if int(rest[2]) == pgid and rest[0] != "Z":
                    return False
            return True
        except OSError:
            return False


def make_workspace(root, flowc, flowrun):
    tmp = Path(tempfile.mkdtemp(prefix="flow-doc-"))
    samples = root / "samples"
    if samples.is_dir():
        shutil.copytree(samples, tmp / "samples", symlinks=True,
                        ignore=shutil.ignore_patterns("out", ".flow", "__pycache__", "*.flowc", "*.db"))
    tools = tmp / "build" / "tools"
    tools.mkdir(parents=True)
    (tools / "flowc").symlink_to(flowc)
    (tools / "flowrun").symlink_to(flowrun)
    (tmp / "home").mkdir()
    ctl = tmp / ".doc-test"
    ctl.mkdir()
    return tmp, ctl


def run_document(root, doc_path, rel, args, counts):
    blocks, errors = parse_document(doc_path, rel)
    for e in errors:
        counts.failed += 1
        counts.failures.append(e)
        report(e)
    cmd_blocks = [b for b in blocks if b.lang in COMMAND_LANGS or b.file]
    if not cmd_blocks:
        return
    tmp, ctl = make_workspace(root, args.flowc, args.flowrun)
    env = dict(os.environ)
    for k in ("FLOWC", "FLOWRUN", "SAMPLE_OUT", "CDPATH", "BASH_ENV", "ENV"):
        env.pop(k, None)
    env.update(HOME=str(tmp / "home"), FLOW_DB=str(tmp / "flow.db"), PWD=str(tmp))
    session = Session(tmp, env, ctl)
    doc_failed_before = counts.failed
    dead = None
    try:
        for idx, b in enumerate(cmd_blocks):
            if b.file:
                dest = tmp / b.file
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(b.text, encoding="utf-8")
                continue
            if b.invalid:
                continue
            missing = [c for c in b.needs if shutil.which(c) is None]
            if b.skip or missing:
                counts.skipped += 1
                why = b.skip or f"needs {', '.join(missing)}, not installed here"
                counts.skips.append(f"{rel}:{b.line}: {why}")
                continue
            if dead:
                counts.not_run += 1
                continue
            counts.run += 1
            state, rc, out = session.run_block(b, idx, args.timeout)
            after = " (after an earlier failure in this document)" if counts.failed > doc_failed_before else ""
            fail = None
            if state == "timeout":
                fail = Failure(rel, b.line, f"timed out after {args.timeout:g} s; the rest of the document is not run")
                dead = "timeout"
            elif state == "dead":
                fail = Failure(rel, b.line, f"the shell exited (status {rc}) during this block "
                               "(`exit`, or an unset variable under set -u); the rest of the document is not run")
                dead = "dead"
            elif state == "bgdied":
                session.reported.add(b.line)
                fail = Failure(rel, b.line, f"background command exited with {rc} before port {b.port} opened")
            elif state == "portbusy":
                fail = Failure(rel, b.line, f"127.0.0.1:{b.port} is already in use by another program; "
                               "this block needs it free")
            elif state == "noport":
                fail = Failure(rel, b.line, f"background command: 127.0.0.1:{b.port} not open after {args.timeout:g} s")
            elif b.background:
                pass
            else:
                fline, fcmd = session.failed_command(b)
                where = f" (line {b.line + fline})" if fline else ""
                if b.exit_code is not None:
                    if rc != b.exit_code:
                        got = "succeeded" if rc == 0 else f"failed with {rc}"
                        fail = Failure(rel, b.line, f"expected the last command to fail with {b.exit_code}, "
                                       f"but the block {got}{where}", fcmd)
                elif rc != 0:
                    fail = Failure(rel, b.line, f"command failed with exit status {rc}{where}", fcmd)
            if fail:
                fail.what += after
                if re.search(r"\bflow(c|run): command not found", tail(out)):
                    fail.what += ("; hint: flowc and flowrun are not on PATH: write `B=build/tools` once, "
                                  "then `$B/flowrun ...`, as a reader at the repository's root would")
                # "/tmp/.../block3.sh: line 2: x: command not found" -> "README.md:57: ..."
                fail.output = re.sub(re.escape(str(session.ctl_dir)) + r"/block\d+\.sh: line (\d+)",
                                     lambda m: f"{rel}:{b.line + int(m.group(1))}", tail(out))
                counts.failed += 1
                counts.failures.append(fail)
                report(fail)
        if not dead:
            for b, rc, out in session.background_failures():
                fail = Failure(rel, b.line, f"background command exited with {rc} before the end of the document",
                               b.text.strip(), tail(out))
                counts.failed += 1
                counts.failures.append(fail)
                report(fail)
    finally:
        session.close()
        if args.keep:
            print(f"  (kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def report(f):
    print(f"FAIL {f.doc}:{f.line}: {f.what}")
    if f.command:
        print("  command: " + f.command.replace("\n", "\n           "))
    if f.output:
        print("  output:\n" + "\n".join("    " + l for l in f.output.split("\n")))
    sys.stdout.flush()


def write_failures(path, counts, docs):
    lines = ["# Documentation commands that fail",
             "",
             f"Written by tests/docs/run_doc_commands.py at {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}",
             f"(overwritten at each run). Documents: {', '.join(docs)}.",
             "How blocks run and the annotations (skip, background, exit=N, file=, needs=): tests/docs/README.md.",
             f"{counts.run} blocks run, {counts.skipped} skipped, {counts.failed} failed"
             + (f", {counts.not_run} not run" if counts.not_run else "") + ".",
             ""]
    if not counts.failures:
        lines.append("No failures.")
    for f in counts.failures:
        lines.append(f"## {f.doc}:{f.line}")
        lines.append("")
        lines.append(f.what)
        if f.command:
            lines += ["", "Command:", "", "```text", f.command, "```"]
        if f.output:
            lines += ["", "Output:", "", "```text", f.output, "```"]
        lines.append("")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _on_sigterm(signum, frame):
    # ctest's timeout or a Ctrl-C: unwind, so each session's `finally` stops what it started.
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, _on_sigterm)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("flowc")
    ap.add_argument("flowrun")
    ap.add_argument("root")
    ap.add_argument("docs", nargs="*", help="documents to run (default: README.md, docs/*.md, samples/*/README.md)")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("FLOW_DOC_TIMEOUT", "60")),
                    help="seconds per block (default 60, or $FLOW_DOC_TIMEOUT)")
    ap.add_argument("--failures-file", help="also write the failures as markdown to this file")
    ap.add_argument("--keep", action="store_true", help="keep each document's temp directory")
    args = ap.parse_args()

    root = Path(args.root).resolve()
    for name in ("flowc", "flowrun"):
        p = Path(getattr(args, name)).resolve()
        if not (p.is_file() and os.access(p, os.X_OK)):
            print(f"run_doc_commands: {name} binary not found or not executable: {p}", file=sys.stderr)
            return 2
        setattr(args, name, p)
    if shutil.which("bash") is None:
        print("run_doc_commands: bash is required", file=sys.stderr)
        return 2

    if args.docs:
        # Relative documents are looked up under REPO_ROOT first, then the cwd.
        docs = [(root / d) if (root / d).is_file() else Path(d).resolve() for d in args.docs]
    else:
        docs = [root / "README.md"] + sorted((root / "docs").glob("*.md")) + sorted(root.glob("samples/*/README.md"))
    counts = Counts()
    names = []
    for d in docs:
        if not d.is_file():
            print(f"run_doc_commands: no such document: {d}", file=sys.stderr)
            return 2
        try:
            rel = str(d.relative_to(root))
        except ValueError:
            rel = str(d)
        names.append(rel)
        before = (counts.run, counts.skipped, counts.failed)
        run_document(root, d, rel, args, counts)
        r, s, f = (counts.run - before[0], counts.skipped - before[1], counts.failed - before[2])
        if r or s or f:
            print(f"{rel}: {r} run, {s} skipped, {f} failed")
            sys.stdout.flush()

    if counts.skips:
        print(f"skipped blocks ({len(counts.skips)}):")
        for s in counts.skips:
            print("  " + s)
    if args.failures_file:
        write_failures(args.failures_file, counts, names)
    tail_note = f", {counts.not_run} not run (their document had timed out or its shell had exited)" if counts.not_run else ""
    print(f"{counts.run} blocks run, {counts.skipped} skipped, {counts.failed} failed{tail_note}")
    return 1 if counts.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("run_doc_commands: interrupted (the documents' processes were stopped)", file=sys.stderr)
        sys.exit(130)
