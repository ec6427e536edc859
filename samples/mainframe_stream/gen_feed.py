#!/usr/bin/env python3
"""Writes the sample's transaction feed: what the mainframe's nightly extract
would hand over, as JSON lines. Usage: gen_feed.py OUT.jsonl [COUNT]

The generator is a fixed linear congruential one (not `random`), so the feed,
and therefore the totals expected.txt checks, are the same on every machine
and every Python version."""
import json
import sys

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
state = 20261127


def nxt(n):
    global state
    state = (state * 1103515245 + 12345) % 2**31
    return state % n


with open(out, "w", encoding="utf-8") as f:
    for i in range(count):
        account = f"ACC-{nxt(40) + 1:04d}"
        # Mostly card payments (debits), some salaries and refunds (credits).
        amount = -(nxt(20000) + 100) if nxt(4) else nxt(250000) + 1000
        minute = i * 3
        txn = {
            "txn_id": f"T{i + 1:06d}",
            "account": account,
            "amount_cents": amount,
            "currency": "EUR",
            "booked_at": f"2026-11-26T{minute // 60 % 24:02d}:{minute % 60:02d}:00Z",
        }
        f.write(json.dumps(txn, sort_keys=True) + "\n")
print(f"wrote {count} transactions to {out}", file=sys.stderr)
