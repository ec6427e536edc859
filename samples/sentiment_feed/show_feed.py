#!/usr/bin/env python3
"""run.sh's summary (not a task): what the service counted, what the run's
history recorded, and every classified post once, sorted by post id (the live
feed's order depends on which request answers first), with the run the
trigger started for it, if any.

Usage: show_feed.py FLOWRUN DB RUN_ID PORT"""
import json
import subprocess
import sys
import urllib.request

flowrun, db, run, port = sys.argv[1:5]


def flowrun_json(*args):
    return json.loads(subprocess.run([flowrun, *args, "--db", db, "--json"], check=True,
                                     capture_output=True).stdout)


stats = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5))
print(f"service: {stats['requests']} scoring requests, {stats['unavailable']} answered 503")

history = flowrun_json("history", run)
failed = [e for e in history if e["kind"] == "task.failed" and e["name"] == "scoreSentiment"]
retried = [e for e in history if e["kind"] == "task.retry-scheduled" and e["name"] == "scoreSentiment"]
emitted = [e for e in history if e["kind"] == "event.emitted"]
errors = ", ".join(sorted({e["detail"]["error"] for e in failed})) or "none"
print(f"history: {len(failed)} scoreSentiment attempts failed ({errors}), {len(retried)} retried;"
      f" {len(emitted)} events emitted")

events = flowrun_json("events", "--type", "feed.classified", "--limit", "0")
for e in sorted(events, key=lambda e: e["payload"]["postId"]):
    p = e["payload"]
    started = [c["run"] for c in e["consumers"] if c["kind"] == "trigger" and c.get("run")]
    escalated = f", escalated by run {started[0]}" if started else ""
    print(f"classified {p['postId']} {p['author']:6} {p['label']:8} {p['score']:+.4f}"
          f" (event {e['id']}, run {e['run']}{escalated})")
