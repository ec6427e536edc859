#!/usr/bin/env python3
"""A durable step: logs "STEP ATTEMPT KEY" to steps.log (its side effect), optionally
sleeps sleepMs, and returns {"name", "v": n * 2}."""
import time
from common import attempt, key, log, read_input, reply

args = read_input()
log("steps.log", "%s %s %s" % (args["name"], attempt(), key()))
if args.get("sleepMs"):
    time.sleep(args["sleepMs"] / 1000.0)
reply({"name": args["name"], "v": args.get("n", 0) * 2})
