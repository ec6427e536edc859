#!/bin/sh
# sendSms task: "sends" a text message by appending it to $SAMPLE_OUT/sms.log
# (a stand-in for the SMS provider's API; one line per message).
#
# stdin: {"to": "+1-555-0101", "text": "..."}; stdout: {"messageId": "..."}.
# Tasks run at least once: a retried or resumed attempt carries the same
# FLOW_IDEMPOTENCY_KEY, so a message whose key is already in the log is not
# sent twice (a real provider gets the key as its idempotency header).
set -eu
out="${SAMPLE_OUT:-./out}"
mkdir -p "$out"
input=$(cat)
key="${FLOW_IDEMPOTENCY_KEY:-no-key}"
log="$out/sms.log"
if [ -f "$log" ] && grep -q -F "key=$key " "$log"; then
    printf '{"messageId": "%s", "duplicate": true}\n' "$key"
    exit 0
fi
# python3 only to pull two fields out of the JSON safely (no jq on the box).
# A message without a recipient or a text is a bug upstream, not a provider
# hiccup: report it by name so the retry policy (TaskFailed) does not retry it.
if ! line=$(printf '%s' "$input" | python3 -c '
import json, sys
a = json.load(sys.stdin)
to, text = a.get("to"), a.get("text")
if not to or not text:
    sys.exit(3)
print(f"to={to} text={json.dumps(text)}")'); then
    echo '{"error": "BadMessage", "message": "an SMS needs \"to\" and \"text\""}'
    exit 0
fi
printf 'key=%s %s\n' "$key" "$line" >> "$log"
printf '{"messageId": "%s"}\n' "$key"
