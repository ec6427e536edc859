#!/usr/bin/env python3
"""Test helper: writes argv[1] bytes of stdout BEFORE reading stdin, then reads all
of stdin. An executor that writes all of stdin before reading stdout would deadlock
here (both pipes full). Prints {"pad": "xxx...", "inputBytes": N}."""
import sys

out = sys.stdout.buffer
out.write(b'{"pad": "' + b"x" * int(sys.argv[1]) + b'", ')
out.flush()
n = len(sys.stdin.buffer.read())
out.write(b'"inputBytes": %d}' % n)
out.flush()
