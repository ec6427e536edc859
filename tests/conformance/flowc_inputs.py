#!/usr/bin/env python3
"""flowrun on .flowc files: a good one runs, and so does one of an older format
version this build still reads (runs stay pinned to the modules they started
with); a newer format version, an older-version file using a newer opcode, a
flipped byte, a truncated file and an empty file are each refused with a clear
message and exit 2 (never a crash).

Usage: flowc_inputs.py FLOWC FLOWRUN
"""
import os
import struct
import subprocess
import sys
import tempfile

SRC = """
function greet(n) { return "hello " + n }
console.log(greet("flowc"))
workflow main(input) { return { ok: true, n: input } }
"""

# A loop whose test is a comparison compiles to a LoopIf* back-edge (format v3).
LOOP_SRC = """
let s = 0
for (let i = 0; i < 4; i++) s += i
console.log(s)
"""


def run(flowrun, path, *args):
    r = subprocess.run([flowrun, "run", path, *args], capture_output=True, timeout=60)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def main():
    flowc, flowrun = sys.argv[1], sys.argv[2]
    failures = []

    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    def relabelled(data, version, path):
        """A copy of the module `data` whose header says `version` (the
        version is outside the content hash), written to `path`."""
        with open(path, "wb") as f:
            f.write(data[:8] + struct.pack("<I", version) + data[12:])
        return path

    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "prog.flow")
        with open(src, "w") as f:
            f.write(SRC)
        good = os.path.join(d, "prog.flowc")
        subprocess.run([flowc, src, "-o", good], check=True)
        data = open(good, "rb").read()

        code, out, err = run(flowrun, good, "--input", "7")
        expect(code == 0 and out == 'hello flowc\n{\n  "ok": true,\n  "n": 7\n}\n',
               "a good .flowc runs (exit %d, out %r, err %r)" % (code, out, err))

        newer = relabelled(data, 99, os.path.join(d, "newer.flowc"))
        code, out, err = run(flowrun, newer)
        expect(code == 2 and "format v99" in err and out == "",
               "a newer format version is refused (exit %d, err %r)" % (code, err))

        # The header's version is outside the content hash: relabelling is
        # all an older compiler's output differs by for this program.
        for v in (1, 2):
            older = relabelled(data, v, os.path.join(d, "v%d.flowc" % v))
            code, out, err = run(flowrun, older, "--input", "7")
            expect(code == 0 and out == 'hello flowc\n{\n  "ok": true,\n  "n": 7\n}\n',
                   "a format v%d .flowc still runs (exit %d, out %r, err %r)" % (v, code, out, err))

        loop_src = os.path.join(d, "loop.flow")
        with open(loop_src, "w") as f:
            f.write(LOOP_SRC)
        loop = os.path.join(d, "loop.flowc")
        subprocess.run([flowc, loop_src, "-o", loop], check=True)
        ldata = open(loop, "rb").read()
        code, out, err = run(flowrun, loop)
        expect(code == 0 and out == "6\n", "a v3 loop runs (exit %d, out %r)" % (code, out))
        stale = relabelled(ldata, 2, os.path.join(d, "loop-v2.flowc"))
        code, out, err = run(flowrun, stale)
        expect(code == 2 and "LoopIfLtK is format v3; the file says v2" in err and out == "",
               "a v2 file with a v3 opcode is refused (exit %d, err %r)" % (code, err))

        flipped = os.path.join(d, "flipped.flowc")
        b = bytearray(data)
        b[len(b) // 2] ^= 0x40
        with open(flipped, "wb") as f:
            f.write(bytes(b))
        code, out, err = run(flowrun, flipped)
        expect(code == 2 and "corrupt bytecode" in err and out == "",
               "a flipped byte is refused (exit %d, err %r)" % (code, err))

        for name, content in (("truncated", data[: len(data) - 10]), ("empty", b""),
                              ("header-only", data[:20])):
            p = os.path.join(d, name + ".flowc")
            with open(p, "wb") as f:
                f.write(content)
            code, out, err = run(flowrun, p)
            expect(code == 2 and "flowrun: error:" in err and out == "",
                   "a %s file is refused (exit %d, err %r)" % (name, code, err))

        code, out, err = run(flowrun, os.path.join(d, "missing.flowc"))
        expect(code == 2 and "cannot read" in err, "a missing file (exit %d, err %r)" % (code, err))
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
