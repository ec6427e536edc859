#!/usr/bin/env python3
"""Task publishAnalytics(db, out): export the per-account totals as JSON for
the reporting team, once every batch is in."""
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the sample folder

import json
import sqlite3

from mfcommon import fail, read_input, reply, write_atomically

args = read_input()
db, out = args["db"], args["out"]
try:
    con = sqlite3.connect(db, timeout=30)
    rows = con.execute("SELECT account, txn_count, amount_cents FROM account_totals "
                       "ORDER BY account").fetchall()
    con.close()
except sqlite3.OperationalError as e:
    # No batch succeeded: there is no table yet.
    if "no such table" not in str(e):
        fail("AnalyticsError", f"{db}: {e}")
    rows = []
accounts = [{"account": a, "transactions": n, "amountCents": c} for a, n, c in rows]
write_atomically(out, json.dumps({"accounts": accounts}, indent=1, sort_keys=True) + "\n")
reply({"file": out, "accounts": len(accounts),
       "transactions": sum(a["transactions"] for a in accounts),
       "amountCents": sum(a["amountCents"] for a in accounts)})
