#!/usr/bin/env python3
"""run.sh's ground truth: recompute everything from the feed and compare it with
what the workflow wrote and reported. Not a task. Exits 1 on any mismatch.

Usage: check_mirror.py FEED OUT_DIR RESULT.json HISTORY.json CONCURRENCY"""
import gzip
import hashlib
import json
import os
import sqlite3
import sys

feed, out, result_file, history_file, cap = sys.argv[1:6]
cap = int(cap)
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)
    return ok


with open(feed, encoding="utf-8") as f:
    txns = [json.loads(line) for line in f if line.strip()]
truth = {}
for t in txns:
    n, c = truth.get(t["account"], (0, 0))
    truth[t["account"]] = (n + 1, c + t["amount_cents"])
net = sum(t["amount_cents"] for t in txns)
print(f"feed: {len(txns)} transactions, {len(truth)} accounts, net {net} cents")

with open(result_file, encoding="utf-8") as f:
    result = json.load(f)
check(result["status"] == "complete", f"workflow status {result['status']}")
check(result["transactionsMirrored"] == len(txns), "workflow mirrored count")
check(result["amountCents"] == net, "workflow amount")
check(result["analyticsAmountCents"] == net, "workflow analytics amount")

# The read view: one row per transaction, same amounts.
con = sqlite3.connect(os.path.join(out, "view.db"))
rows = dict(con.execute("SELECT txn_id, amount_cents FROM transactions").fetchall())
view_accounts = con.execute("SELECT COUNT(DISTINCT account) FROM transactions").fetchone()[0]
con.close()
same = check(rows == {t["txn_id"]: t["amount_cents"] for t in txns}, "view.db rows differ from the feed")
print(f"view.db: {len(rows)} rows, {view_accounts} accounts, net {sum(rows.values())} cents"
      f" [{'matches' if same else 'DIFFERS FROM'} the feed]")

# The analytics aggregates, in the database and in the published JSON.
con = sqlite3.connect(os.path.join(out, "analytics.db"))
agg = {a: (n, c) for a, n, c in con.execute("SELECT account, txn_count, amount_cents FROM account_totals")}
con.close()
with open(os.path.join(out, "account_totals.json"), encoding="utf-8") as f:
    published = {a["account"]: (a["transactions"], a["amountCents"]) for a in json.load(f)["accounts"]}
ok_agg = check(agg == truth, "analytics.db totals differ from the feed")
ok_pub = check(published == truth, "account_totals.json differs from the feed")
matching = sum(1 for a, v in truth.items() if agg.get(a) == v and published.get(a) == v)
print(f"analytics: {matching} of {len(truth)} per-account totals match the feed"
      f" [{'ok' if ok_agg and ok_pub else 'MISMATCH'}]")

# The archive: every batch once, gzip of exactly its slice of the feed.
archive = os.path.join(out, "archive")
files = sorted(x for x in os.listdir(archive) if x.endswith(".jsonl.gz"))
archived = []
for name in files:
    with gzip.open(os.path.join(archive, name), "rt", encoding="utf-8") as g:
        archived += [json.loads(line) for line in g if line.strip()]
check(archived == txns, "the archive is not the feed, in order")
check(len(files) == result["batches"], "one archive file per batch")
print(f"archive: {len(files)} files, {len(archived)} transactions"
      f" [{'same as the feed' if archived == txns else 'DIFFERS'}]")

# The history: the retries really happened with back-off, and the cap held.
with open(history_file, encoding="utf-8") as f:
    hist = json.load(f)
step_batch, fetch_steps = {}, set()
for h in hist:
    if h["kind"] == "task.scheduled" and h["name"] != "planBatches":
        b = h["detail"]["args"].get("batch")
        if h["name"] == "fetchBatch":
            fetch_steps.add(h["step"])
            b = b["id"]
        step_batch[h["step"]] = b
busy = [h for h in hist if h["kind"] == "task.failed" and h["name"] == "fetchBatch"]
retries = [h for h in hist if h["kind"] == "task.retry-scheduled" and h["name"] == "fetchBatch"]
check(len(busy) == result["busyRetries"] == len(retries), "busy failures vs retries vs result")
check(all(h["detail"]["error"] == "MainframeBusy" for h in busy), "a fetch failed with another error")
# interval 500ms, backoffRate 2, maxDelay 2s: the nth retry of a batch waits 500ms * 2^(n-1).
delays = sorted({(h["detail"]["retry"], h["detail"]["delayMs"]) for h in retries})
check(all(d == min(500 * 2 ** (n - 1), 2000) for n, d in delays), f"back-off delays {delays}")
# A batch is in flight from its fetch being scheduled to its last consumer's result.
spans = {}
for h in hist:
    b = step_batch.get(h["step"])
    if b is None or h["kind"] not in ("task.scheduled", "task.completed"):
        continue
    lo, hi = spans.get(b, (h["seq"], h["seq"]))
    spans[b] = (min(lo, h["seq"]), max(hi, h["seq"]))
peak = max(sum(1 for lo, hi in spans.values() if lo <= s <= hi) for s, _ in spans.values())
check(peak <= cap, f"{peak} batches in flight, cap {cap}")
print(f"history: {len(busy)} MainframeBusy answers retried, back-off "
      f"{'/'.join(str(d) + 'ms' for _, d in delays) or 'none'}, at most {peak} batches in flight (cap {cap})")

if problems:
    print("MISMATCH: " + "; ".join(problems))
    sys.exit(1)
print("check: every store matches the feed")
