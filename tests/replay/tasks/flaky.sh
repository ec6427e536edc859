#!/bin/sh
# Fails with Throttled while FLOW_ATTEMPT <= the input's "fails", then succeeds
# (stateless: the engine numbers the attempts).
input=$(cat)
fails=$(printf '%s' "$input" | sed -n 's/.*"fails":\([0-9]*\).*/\1/p')
if [ "${FLOW_ATTEMPT:-1}" -le "${fails:-0}" ]; then
  echo "{\"error\": \"Throttled\", \"message\": \"attempt $FLOW_ATTEMPT throttled\"}"
else
  echo "{\"ok\": true, \"attempt\": $FLOW_ATTEMPT}"
fi
