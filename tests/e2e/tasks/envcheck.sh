#!/bin/sh
# Reports the attempt facts DESIGN §1 promises in the environment.
cat > /dev/null
printf '{"run":"%s","step":"%s","attempt":"%s","key":"%s"}\n' \
  "$FLOW_RUN_ID" "$FLOW_STEP_ID" "$FLOW_ATTEMPT" "$FLOW_IDEMPOTENCY_KEY"
