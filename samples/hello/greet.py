#!/usr/bin/env python3
"""The `greet` task of hello.flow: one JSON object on stdin ({"name": ...}),
one JSON value on stdout. A non-zero exit or {"error": NAME, ...} is a failure."""
import json
import sys

args = json.load(sys.stdin)
name = args.get("name")
if not isinstance(name, str) or not name:
    print(json.dumps({"error": "BadInput", "message": "name must be a non-empty string"}))
    sys.exit(0)
print(json.dumps({"message": f"Hello, {name}!"}))
