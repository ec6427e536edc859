#!/usr/bin/env python3
"""Test helper (tests/unit/TasksExec.test.cpp): reports what the executor gave it.

Prints one JSON object: its argv (without the program), the idempotency key, two
environment variables the test sets, and the parsed JSON it read on stdin.
"""
import json
import os
import sys

data = json.load(sys.stdin)
json.dump({
    "argv": sys.argv[1:],
    "key": os.environ.get("FLOW_IDEMPOTENCY_KEY"),
    "custom": os.environ.get("FLOW_TASKS_CUSTOM"),
    "overridden": os.environ.get("FLOW_TASKS_PARENT"),
    "hasPath": bool(os.environ.get("PATH")),
    "input": data,
}, sys.stdout)
