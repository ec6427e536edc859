"""Shared by the e2e task scripts: where to log, the attempt facts, time."""
import json
import os
import sys
import time


def e2e_dir():
    # The runner gives every flowrun process the test's temp dir.
    return os.environ.get("E2E_DIR", ".")


def log(name, line):
    with open(os.path.join(e2e_dir(), name), "a") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def key():
    return os.environ.get("FLOW_IDEMPOTENCY_KEY", "")


def attempt():
    # The key is RUN:STEP:ATTEMPT (docs/tasks.md).
    parts = key().split(":")
    return parts[-1] if len(parts) == 3 else "?"


def now_ms():
    return int(time.time() * 1000)


def read_input():
    data = sys.stdin.read()
    return json.loads(data) if data.strip() else None


def reply(value):
    json.dump(value, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
