#!/usr/bin/env python3
"""storePhoto task: record the photo of a product in the catalogue.

The "catalogue" is one JSON file per product under $SAMPLE_OUT/photos/
(default ./out/photos). Writing the same record again is harmless, which is
what makes this task safe to run more than once (tasks are at-least-once).

stdin:  {"product": {...}, "photo": {"url", ...}, "photographer": {"id", ...}}
stdout: {"path": "<file written>", "url": "..."}"""
import json
import os
import sys

args = json.load(sys.stdin)
product, photo, who = args.get("product"), args.get("photo"), args.get("photographer")
if not product or not photo or not isinstance(photo.get("url"), str):
    print(json.dumps({"error": "BadPhoto", "message": "product and photo.url are required"}))
    sys.exit(0)

out = os.path.join(os.environ.get("SAMPLE_OUT") or "./out", "photos")
os.makedirs(out, exist_ok=True)
path = os.path.join(out, f"{product['id']}.json")
record = {"productId": product["id"], "name": product.get("name"),
          "url": photo["url"], "photographer": (who or {}).get("id")}
tmp = path + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    json.dump(record, f, sort_keys=True)
    f.write("\n")
os.replace(tmp, path)  # atomic: a reader never sees half a record
print(json.dumps({"path": path, "url": photo["url"]}))
