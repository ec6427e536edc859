#!/bin/sh
# Logs the attempt's idempotency key, then fails attempts 1..F (F = the "fails"
# argument) with the error named by "error", and answers {"n": N} after that.
# Deterministic: the attempt number is the last field of the key.
input=$(cat)
echo "$FLOW_IDEMPOTENCY_KEY" >> "$DURABILITY_LOG"
attempt=${FLOW_IDEMPOTENCY_KEY##*:}
n=$(printf '%s' "$input" | sed 's/.*"n":\([0-9-]*\).*/\1/')
fails=$(printf '%s' "$input" | sed 's/.*"fails":\([0-9]*\).*/\1/')
err=$(printf '%s' "$input" | sed 's/.*"error":"\([A-Za-z]*\)".*/\1/')
if [ "$attempt" -le "$fails" ]; then
    printf '{"error": "%s", "message": "attempt %s of step %s"}\n' "$err" "$attempt" "$n"
    exit 0
fi
printf '{"n": %s}\n' "$n"
