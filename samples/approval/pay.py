#!/usr/bin/env python3
"""pay task: reimburse an approved expense.

A stand-in for the payments API: one JSON line per payment appended to
$SAMPLE_OUT/payments.jsonl. Paying twice is the one thing this task must never
do, so it is idempotent on FLOW_IDEMPOTENCY_KEY: a repeated attempt (after a
crash, tasks run at least once) gets the payment it already made.

stdin:  {"request": {"id", "amount", "currency", "requester"}, "approvedBy": "..."}
stdout: {"paymentId": "pay-...", "amount": ..., "currency": ...}
errors: {"error": "InvalidAmount"} for an amount that is not a positive number."""
import json
import os
import sys

args = json.load(sys.stdin)
req = args.get("request") or {}
amount = req.get("amount")
if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount <= 0:
    print(json.dumps({"error": "InvalidAmount", "message": f"cannot pay {amount!r}"}))
    sys.exit(0)

out = os.environ.get("SAMPLE_OUT") or "./out"
os.makedirs(out, exist_ok=True)
ledger = os.path.join(out, "payments.jsonl")
key = os.environ.get("FLOW_IDEMPOTENCY_KEY", "no-key")
try:
    with open(ledger, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["key"] == key:
                print(json.dumps(row["payment"]))
                sys.exit(0)
except FileNotFoundError:
    pass

payment = {"paymentId": f"pay-{req.get('id')}", "amount": amount,
           "currency": req.get("currency", "EUR"), "to": req.get("requester"),
           "approvedBy": args.get("approvedBy")}
with open(ledger, "a", encoding="utf-8") as f:
    f.write(json.dumps({"key": key, "payment": payment}, sort_keys=True) + "\n")
print(json.dumps(payment))
