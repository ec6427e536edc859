#!/usr/bin/env python3
"""Task upsertView(batch, staged, db): upsert the batch into the read view.

The view is the SQLite table the online banking front ends query instead of the
mainframe. An upsert keyed by txn_id makes the task idempotent: tasks run at
least once (docs/runtime.md), and a second attempt of a batch must not add rows."""
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the sample folder

import sqlite3

from mfcommon import fail, read_input, read_staged, reply

args = read_input()
batch_id, staged, db = args["batch"], args["staged"], args["db"]
txns = read_staged(staged)
try:
    # Three batches upsert at once: wait for the writer lock rather than fail.
    con = sqlite3.connect(db, timeout=30)
    with con:
        con.execute("""CREATE TABLE IF NOT EXISTS transactions (
                         txn_id TEXT PRIMARY KEY, account TEXT NOT NULL,
                         amount_cents INTEGER NOT NULL, currency TEXT NOT NULL,
                         booked_at TEXT NOT NULL, batch_id TEXT NOT NULL)""")
        con.executemany(
            """INSERT INTO transactions VALUES (:txn_id, :account, :amount_cents,
                                                :currency, :booked_at, :batch)
               ON CONFLICT(txn_id) DO UPDATE SET account = excluded.account,
                 amount_cents = excluded.amount_cents, currency = excluded.currency,
                 booked_at = excluded.booked_at, batch_id = excluded.batch_id""",
            [dict(t, batch=batch_id) for t in txns])
        rows = con.execute("SELECT COUNT(*) FROM transactions WHERE batch_id = ?",
                           (batch_id,)).fetchone()[0]
    con.close()
except sqlite3.OperationalError as e:
    fail("ViewLocked" if "locked" in str(e) else "ViewError", f"{db}: {e}")
reply({"batch": batch_id, "upserted": len(txns), "rows": rows})
