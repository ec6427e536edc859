#!/bin/sh
# A task that takes longer than the workflow gives it (Promise.race loses it):
# logs its attempt, then sleeps.
cat > /dev/null
echo "$FLOW_IDEMPOTENCY_KEY" >> "$DURABILITY_LOG"
sleep 5
echo '{"n": 0}'
