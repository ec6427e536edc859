#!/usr/bin/env python3
"""Task openTicket(postId, author, score, priority): open a support ticket for
an angry post. The "ticket system" is a JSON-lines file named by TICKETS_FILE
in the worker's environment (exec tasks inherit flowrun's environment,
docs/tasks.md), the way the real system's address would be configured.

Idempotent: the ticket id is derived from the post, so a retried or re-run
attempt finds the ticket it opened instead of opening a second one."""
import fcntl
import json
import os
import sys

args = json.load(sys.stdin)
path = os.environ.get("TICKETS_FILE")
if not path:
    print(json.dumps({"error": "NotConfigured", "message": "TICKETS_FILE is not set"}))
    sys.exit(0)
ticket = {"ticket": f"SUP-{args['postId']}", "postId": args["postId"], "author": args["author"],
          "score": args["score"], "priority": args["priority"]}
with open(path, "a+", encoding="utf-8") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    known = {json.loads(line)["ticket"] for line in f if line.strip()}
    if ticket["ticket"] not in known:
        f.write(json.dumps(ticket, sort_keys=True) + "\n")
print(json.dumps({"ticket": ticket["ticket"], "opened": ticket["ticket"] not in known}))
