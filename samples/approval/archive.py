#!/usr/bin/env python3
"""archive task: close an expense file once its dispute window is over.

Writes the final record to $SAMPLE_OUT/closed/<id>.json (overwriting it is
harmless, so a repeated attempt is fine).

stdin:  {"request": {...}, "summary": {...}}
stdout: {"path": "<file written>"}"""
import json
import os
import sys

args = json.load(sys.stdin)
req, summary = args.get("request") or {}, args.get("summary") or {}
if not req.get("id"):
    print(json.dumps({"error": "BadRequest", "message": "request.id is missing"}))
    sys.exit(0)
out = os.path.join(os.environ.get("SAMPLE_OUT") or "./out", "closed")
os.makedirs(out, exist_ok=True)
path = os.path.join(out, f"{req['id']}.json")
tmp = path + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    json.dump({"id": req["id"], **summary}, f, sort_keys=True)
    f.write("\n")
os.replace(tmp, path)
print(json.dumps({"path": path}))
