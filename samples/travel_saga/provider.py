#!/usr/bin/env python3
"""The travel providers of travel_saga.flow, simulated: one script, the action
and the kind of booking come from the task's args.

    provider.py book flight|hotel|car      stdin {"trip": {...}}
    provider.py cancel flight|hotel|car    stdin {"reservation": {...}, "trip": {...}}
    provider.py audit                      stdin {"record": {...}}

Reservations go to TRIP.outDir/reservations.jsonl, an append-only journal (one
line per booking or cancellation, so the order of the saga is visible), and the
audit trail to TRIP.outDir/audit.jsonl.

Like real booking APIs, the providers deduplicate on the idempotency key: a
reservation's id is derived from the run and step of FLOW_IDEMPOTENCY_KEY
(RUN:STEP:ATTEMPT, docs/tasks.md), without the attempt, so a retried or re-run
booking returns the same reservation instead of booking twice, and cancelling
a cancelled reservation is a no-op.

trip.simulate drives the failures run.sh and a demo need, deterministically:
  {"failAt": "car"}          booking that kind answers NoAvailability
  {"cancelBusy": ["hotel"]}  cancelling that kind answers ProviderUnavailable on
                             its first attempt (the workflow retries it)
  {"cancelBroken": ["hotel"]} cancelling that kind always answers ProviderUnavailable
"""
import fcntl
import hashlib
import json
import os
import sys

PREFIX = {"flight": "FL", "hotel": "HT", "car": "CR"}


def reply(value):
    print(json.dumps(value, sort_keys=True))
    sys.exit(0)


def fail(name, message):
    reply({"error": name, "message": message})


def append_once(path, record, seen):
    """Append `record` as one line unless a line for which seen(line) holds
    is there already; the check and the write happen under one lock."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        if any(seen(json.loads(line)) for line in f if line.strip()):
            return
        f.write(json.dumps(record, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


key = os.environ.get("FLOW_IDEMPOTENCY_KEY", "local:0:1")
run_step, _, attempt = key.rpartition(":")
attempt = int(attempt) if attempt.isdigit() else 1
action = sys.argv[1] if len(sys.argv) > 1 else ""
kind = sys.argv[2] if len(sys.argv) > 2 else ""
args = json.load(sys.stdin)

if action == "audit":
    # Keyed by run and step like the reservations: a re-run attempt of the
    # audit must not file the trip twice.
    rec = dict(args["record"], auditKey=run_step)
    append_once(os.path.join(rec["outDir"], "audit.jsonl"), rec, lambda e: e.get("auditKey") == run_step)
    reply({"audited": rec["tripId"]})

if kind not in PREFIX or action not in ("book", "cancel"):
    fail("BadRequest", f"usage: provider.py book|cancel flight|hotel|car, got {sys.argv[1:]}")
trip = args["trip"]
sim = trip.get("simulate") or {}
ledger = os.path.join(trip["outDir"], "reservations.jsonl")

if action == "book":
    if sim.get("failAt") == kind:
        fail("NoAvailability", f"no {kind} available in {trip['to']} on {trip['depart']}")
    rid = f"{PREFIX[kind]}-{hashlib.sha256(run_step.encode()).hexdigest()[:8].upper()}"
    append_once(ledger, {"event": "booked", "kind": kind, "reservation": rid, "trip": trip["tripId"]},
                lambda e: e["reservation"] == rid and e["event"] == "booked")
    reply({"kind": kind, "id": rid, "trip": trip["tripId"]})

# cancel
res = args["reservation"]
if kind in (sim.get("cancelBroken") or []):
    fail("ProviderUnavailable", f"{kind} provider down, {res['id']} still booked")
if kind in (sim.get("cancelBusy") or []) and attempt == 1:
    fail("ProviderUnavailable", f"{kind} provider busy, try again")
append_once(ledger, {"event": "cancelled", "kind": kind, "reservation": res["id"], "trip": trip["tripId"]},
            lambda e: e["reservation"] == res["id"] and e["event"] == "cancelled")
reply({"kind": kind, "id": res["id"], "cancelled": True})
