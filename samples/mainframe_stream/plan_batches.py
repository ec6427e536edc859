#!/usr/bin/env python3
"""Task planBatches(feed, batchSize): cut the feed into batches.

Returns batch descriptors (offset + count into the feed), not the transactions
themselves: the workflow's state, snapshots and history stay small however big
the feed is, and each batch reads its own slice (a "claim check")."""
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the sample folder

from mfcommon import fail, read_input, reply

args = read_input()
feed, size = args.get("feed"), args.get("batchSize")
if not isinstance(size, int) or size < 1:
    fail("BadRequest", f"batchSize must be a positive integer, not {size!r}")
try:
    with open(feed, encoding="utf-8") as f:
        lines = sum(1 for line in f if line.strip())
except (OSError, TypeError) as e:
    fail("FeedUnavailable", f"cannot read feed {feed!r}: {e}")

batches = []
for seq, offset in enumerate(range(0, lines, size)):
    batches.append({"id": f"B{seq + 1:04d}", "seq": seq, "offset": offset,
                    "count": min(size, lines - offset)})
reply({"transactions": lines, "batches": batches})
