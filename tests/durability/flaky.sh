#!/bin/sh
# Fails attempt 1 of every step with Throttled (deterministic: the attempt is
# the last field of the idempotency key), succeeds on the retry.
input=$(cat)
echo "$FLOW_IDEMPOTENCY_KEY" >> "$DURABILITY_LOG"
attempt=${FLOW_IDEMPOTENCY_KEY##*:}
if [ "$attempt" = "1" ]; then
    echo '{"error": "Throttled", "message": "try again"}'
    exit 0
fi
n=$(printf '%s' "$input" | sed 's/.*"n":\([0-9-]*\).*/\1/')
printf '{"n": %s}\n' "$n"
