#!/usr/bin/env python3
"""Fails `fails` times with {"error": ERROR} (default Throttled), then succeeds.
Counts its calls in flaky-NAME.count and logs each start time (ms) to flaky-NAME.times."""
import os
from common import e2e_dir, log, now_ms, read_input, reply

args = read_input()
name = args["name"]
path = os.path.join(e2e_dir(), "flaky-%s.count" % name)
count = int(open(path).read()) if os.path.exists(path) else 0
count += 1
with open(path, "w") as f:
    f.write(str(count))
log("flaky-%s.times" % name, str(now_ms()))
if count <= args.get("fails", 0):
    reply({"error": args.get("error", "Throttled"), "message": "call %d throttled" % count})
else:
    reply({"ok": True, "calls": count})
