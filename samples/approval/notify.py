#!/usr/bin/env python3
"""notify task: e-mail someone about an expense request.

A stand-in for the mail service: each message is one line appended to
$SAMPLE_OUT/mail.log (default ./out/mail.log).

stdin:  {"to": "ana@example.com", "subject": "...", "body": "..."}
stdout: {"messageId": "..."}

Tasks run at least once: a retried or resumed attempt carries the same
FLOW_IDEMPOTENCY_KEY, and a message whose key is already in the log is not sent
again (a real mail API gets the key as its idempotency header)."""
import json
import os
import sys

args = json.load(sys.stdin)
to, subject = args.get("to"), args.get("subject")
if not isinstance(to, str) or "@" not in to or not subject:
    print(json.dumps({"error": "BadAddress", "message": f"cannot mail {to!r}"}))
    sys.exit(0)

out = os.environ.get("SAMPLE_OUT") or "./out"
os.makedirs(out, exist_ok=True)
log = os.path.join(out, "mail.log")
key = os.environ.get("FLOW_IDEMPOTENCY_KEY", "no-key")
try:
    with open(log, encoding="utf-8") as f:
        if any(line.startswith(f"[{key}] ") for line in f):
            print(json.dumps({"messageId": key, "duplicate": True}))
            sys.exit(0)
except FileNotFoundError:
    pass
with open(log, "a", encoding="utf-8") as f:
    f.write(f"[{key}] to={to} subject={json.dumps(subject)}\n")
print(json.dumps({"messageId": key}))
