"""Shared helpers of the mainframe_stream task scripts (not a task itself).

Every task follows the exec protocol of docs/tasks.md: one JSON object on stdin,
one JSON value on stdout, {"error": NAME, "message": ...} for a failure the
workflow's retry policy can match on.
"""
import json
import os
import sys

# The fields a transaction of the mainframe extract must carry. A line without
# them is a data error, not a transient one: it is reported as BadRecord and
# never retried.
FIELDS = ("txn_id", "account", "amount_cents", "currency", "booked_at")


def read_input():
    return json.load(sys.stdin)


def reply(value):
    json.dump(value, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    sys.exit(0)


def fail(name, message):
    reply({"error": name, "message": message})


def attempt_number():
    """The attempt this process serves: the last part of RUN:STEP:ATTEMPT.

    flowrun gives every attempt FLOW_IDEMPOTENCY_KEY (docs/tasks.md); the
    attempt counter in it is what lets the simulated mainframe be busy on
    exactly the first attempts of a batch, the same way on every run."""
    key = os.environ.get("FLOW_IDEMPOTENCY_KEY", "")
    try:
        return int(key.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 1


def read_staged(path):
    """The transactions of a staged batch (JSON lines written by fetch_batch)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_atomically(path, text):
    """Write then rename, so a retried or re-run attempt never sees half a file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
