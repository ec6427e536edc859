#!/bin/sh
# Logs the attempt's idempotency key (the side effect the test counts), then
# answers {"n": <the n argument>}.
input=$(cat)
echo "$FLOW_IDEMPOTENCY_KEY" >> "$DURABILITY_LOG"
n=$(printf '%s' "$input" | sed 's/.*"n":\([0-9-]*\).*/\1/')
printf '{"n": %s}\n' "$n"
