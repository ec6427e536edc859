#!/usr/bin/env python3
"""pickPhotographer task: choose who gets asked to photograph a new product.

stdin:  {"product": {"id", "name", "category"}, "tried": ["ph-ana", ...]}
stdout: the photographer {"id", "name", "phone"}, or null when everyone on the
        roster has already been asked (the workflow then gives up).

Photographers who list the product's category come first (they have the props
and the lighting for it), then the others, each group in roster order. The
roster is roster.json next to this script; $PHOTOGRAPHER_ROSTER overrides it
(so a team can point staging at its own list)."""
import json
import os
import sys

args = json.load(sys.stdin)
product = args.get("product") or {}
tried = set(args.get("tried") or [])
if not isinstance(product.get("id"), (str, int)):
    print(json.dumps({"error": "BadProduct", "message": "product.id is missing"}))
    sys.exit(0)

path = os.environ.get("PHOTOGRAPHER_ROSTER") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "roster.json")
try:
    with open(path, encoding="utf-8") as f:
        roster = json.load(f)["photographers"]
except (OSError, ValueError, KeyError) as e:
    # Not retryable by waiting: somebody has to fix the roster.
    print(json.dumps({"error": "RosterUnavailable", "message": f"{path}: {e}"}))
    sys.exit(0)

category = product.get("category")
candidates = [p for p in roster if p["id"] not in tried]
# sorted() is stable: roster order is kept inside each group.
candidates.sort(key=lambda p: 0 if category in p.get("categories", []) else 1)
if not candidates:
    print("null")
else:
    p = candidates[0]
    print(json.dumps({"id": p["id"], "name": p["name"], "phone": p["phone"]}))
