#!/usr/bin/env python3
"""Returns whether the pids in TAG.pid and TAG.child.pid still run: {"main": bool, "child": bool}."""
import os
from common import e2e_dir, read_input, reply


def alive(path):
    try:
        pid = int(open(os.path.join(e2e_dir(), path)).read())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purpose (its parent has not reaped it yet).
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


tag = read_input()["tag"]
reply({"main": alive(tag + ".pid"), "child": alive(tag + ".child.pid")})
