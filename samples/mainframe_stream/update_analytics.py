#!/usr/bin/env python3
"""Task updateAnalytics(batch, staged, db): per-account aggregates of one batch.

Each batch replaces its own rows (account, batch) in account_batch_totals, and
the per-account totals are a view summing them. Replacing instead of adding is
what makes a re-run attempt harmless: "balance += x" twice would be wrong."""
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the sample folder

import sqlite3

from mfcommon import fail, read_input, read_staged, reply

args = read_input()
batch_id, staged, db = args["batch"], args["staged"], args["db"]
per_account = {}
for t in read_staged(staged):
    n, cents = per_account.get(t["account"], (0, 0))
    per_account[t["account"]] = (n + 1, cents + t["amount_cents"])
try:
    con = sqlite3.connect(db, timeout=30)
    with con:
        con.execute("""CREATE TABLE IF NOT EXISTS account_batch_totals (
                         account TEXT NOT NULL, batch_id TEXT NOT NULL,
                         txn_count INTEGER NOT NULL, amount_cents INTEGER NOT NULL,
                         PRIMARY KEY (account, batch_id))""")
        con.execute("""CREATE VIEW IF NOT EXISTS account_totals AS
                         SELECT account, SUM(txn_count) AS txn_count,
                                SUM(amount_cents) AS amount_cents
                         FROM account_batch_totals GROUP BY account""")
        con.execute("DELETE FROM account_batch_totals WHERE batch_id = ?", (batch_id,))
        con.executemany("INSERT INTO account_batch_totals VALUES (?, ?, ?, ?)",
                        [(a, batch_id, n, c) for a, (n, c) in sorted(per_account.items())])
    con.close()
except sqlite3.OperationalError as e:
    fail("AnalyticsLocked" if "locked" in str(e) else "AnalyticsError", f"{db}: {e}")
reply({"batch": batch_id, "accounts": len(per_account),
       "count": sum(n for n, _ in per_account.values()),
       "amountCents": sum(c for _, c in per_account.values())})
