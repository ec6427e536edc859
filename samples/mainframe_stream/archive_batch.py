#!/usr/bin/env python3
"""Task archiveBatch(batch, staged, archiveDir): keep the batch as it came from
the mainframe, gzipped, with its SHA-256 (auditors ask for both).

The archive file is named by batch id and written atomically, so a retried or
re-run attempt rewrites the same file instead of adding a second copy."""
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the sample folder

import gzip
import hashlib
import os

from mfcommon import read_input, read_staged, reply, write_atomically

args = read_input()
batch_id, staged, archive_dir = args["batch"], args["staged"], args["archiveDir"]
with open(staged, "rb") as f:
    raw = f.read()
path = os.path.join(archive_dir, f"{batch_id}.jsonl.gz")
os.makedirs(archive_dir, exist_ok=True)
tmp = f"{path}.tmp-{os.getpid()}"
# mtime=0: the same batch always gives the same bytes.
with gzip.GzipFile(tmp, "wb", mtime=0) as g:
    g.write(raw)
os.replace(tmp, path)
reply({"batch": batch_id, "file": path, "count": len(read_staged(staged)),
       "sha256": hashlib.sha256(raw).hexdigest()})
