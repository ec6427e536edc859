#!/usr/bin/env python3
"""Task fetchBatch(batch, feed, stagingDir, busyPattern): read one batch from
the mainframe and stage it as JSON lines for the three consumers.

The mainframe is simulated by the feed file. Its transaction gateway answers
MainframeBusy when the batch window is saturated; here that happens on the
first busyPattern[seq % len] attempts of a batch, counted from the attempt
number in FLOW_IDEMPOTENCY_KEY, so a run is busy at the same places every time.
The workflow retries MainframeBusy with back-off; anything else is a real error."""
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the sample folder

import json
import os

from mfcommon import FIELDS, attempt_number, fail, read_input, reply, write_atomically

args = read_input()
batch, feed, staging = args["batch"], args["feed"], args["stagingDir"]
pattern = args.get("busyPattern") or [0]
attempt = attempt_number()

busy_for = pattern[batch["seq"] % len(pattern)]
if attempt <= busy_for:
    fail("MainframeBusy",
         f"CICS region busy, batch {batch['id']} attempt {attempt} of the busy window {busy_for}")

first, count = batch["offset"], batch["count"]
txns = []
with open(feed, encoding="utf-8") as f:
    for n, line in enumerate(x for x in f if x.strip()):
        if n < first:
            continue
        if n >= first + count:
            break
        try:
            txn = json.loads(line)
        except json.JSONDecodeError as e:
            fail("BadRecord", f"feed line {n + 1}: {e}")
        missing = [k for k in FIELDS if k not in txn]
        if missing or not isinstance(txn.get("amount_cents"), int):
            fail("BadRecord", f"feed line {n + 1}: missing or bad {missing or ['amount_cents']}")
        txns.append(txn)
if len(txns) != count:
    fail("BadRecord", f"batch {batch['id']}: expected {count} records, the feed has {len(txns)}")

path = os.path.join(staging, f"{batch['id']}.jsonl")
write_atomically(path, "".join(json.dumps(t, sort_keys=True) + "\n" for t in txns))
reply({"batch": batch["id"], "staged": path, "count": len(txns),
       "amountCents": sum(t["amount_cents"] for t in txns), "attempt": attempt})
