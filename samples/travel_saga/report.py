#!/usr/bin/env python3
"""run.sh's view of what the saga left behind (not a task): the reservation
journal and the audit trail of OUT_DIR, one readable line per record, and a
check that each trip ended in a consistent state.

Usage: report.py OUT_DIR"""
import json
import os
import sys

out = sys.argv[1]


def lines(name):
    with open(os.path.join(out, name), encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


journal, audit = lines("reservations.jsonl"), lines("audit.jsonl")
print("reservations.jsonl:")
for e in journal:
    print(f"  {e['trip']} {e['event']:9} {e['kind']:6} {e['reservation']}")
print("audit.jsonl:")
for a in audit:
    failure = f" after {a['failure']['step']} failed ({a['failure']['error']})" if a["failure"] else ""
    print(f"  {a['tripId']} {a['outcome']}{failure}; booked [{', '.join(a['booked'])}];"
          f" cancelled [{', '.join(a['cancelled'])}]; stuck {len(a['stuck'])}")

# Consistency: a confirmed trip holds its three bookings; any other trip holds
# none, and was unwound newest first.
problems = []
for a in audit:
    mine = [e for e in journal if e["trip"] == a["tripId"]]
    held = {e["reservation"] for e in mine if e["event"] == "booked"} - \
        {e["reservation"] for e in mine if e["event"] == "cancelled"}
    booked_kinds = [e["kind"] for e in mine if e["event"] == "booked"]
    cancelled_kinds = [e["kind"] for e in mine if e["event"] == "cancelled"]
    if a["outcome"] == "confirmed":
        ok = len(held) == 3 and not cancelled_kinds
    else:
        ok = not held and cancelled_kinds == booked_kinds[::-1] == a["cancelled"]
    print(f"check: {a['tripId']} {a['outcome']}, holds {len(held)} reservations"
          f"{', cancelled in reverse order: ' + ' then '.join(cancelled_kinds) if cancelled_kinds else ''}"
          f" [{'ok' if ok else 'INCONSISTENT'}]")
    if not ok:
        problems.append(a["tripId"])
if len(audit) != len({a["tripId"] for a in audit}):
    problems.append("a trip has more than one audit record")
sys.exit(1 if problems else 0)
