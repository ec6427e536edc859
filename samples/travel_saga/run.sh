#!/usr/bin/env bash
# Runs the travel_saga sample for real, twice: a trip that books fine, and one
# whose car booking fails (trip.simulate.failAt), so the hotel and the flight
# are cancelled in reverse order; the hotel provider is busy on the first
# cancellation attempt (trip.simulate.cancelBusy), which the saga retries.
# Then it shows the reservation journal, the audit trail and the failed run's history.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
FLOWC=${FLOWC:-$repo/build/tools/flowc}
FLOWRUN=${FLOWRUN:-$repo/build/tools/flowrun}
out=${SAMPLE_OUT:-$PWD/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
db=${FLOW_DB:-$out/flow.db}
trips=$out/trips
rm -f "$trips/reservations.jsonl" "$trips/audit.jsonl"

"$FLOWC" "$here/travel_saga.flow" -o "$out/travel_saga.flowc"

trip() { # id, extra JSON members
  printf '{"tripId": "%s", "traveler": "Ada Lovelace", "from": "LHR", "to": "LIS", "depart": "2026-12-04", "outDir": "%s"%s}' \
    "$1" "$trips" "$2"
}
last_run() {
  "$FLOWRUN" list --db "$db" --workflow bookTrip --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])'
}

echo "== trip TRIP-1001: every booking succeeds"
"$FLOWRUN" run "$out/travel_saga.flowc" --db "$db" --input "$(trip TRIP-1001 '')"

echo "== trip TRIP-1002: the car booking fails, the saga rolls back"
status=0
"$FLOWRUN" run "$out/travel_saga.flowc" --db "$db" \
  --input "$(trip TRIP-1002 ', "simulate": {"failAt": "car", "cancelBusy": ["hotel"]}')" \
  2>"$out/trip2.err" || status=$?
echo "flowrun run exited with status $status: $(grep -m1 '^Uncaught' "$out/trip2.err" || true)"
if [ "$status" -ne 1 ]; then
  cat "$out/trip2.err" >&2
  exit 1
fi
run2=$(last_run)
"$FLOWRUN" list --db "$db" --workflow bookTrip --limit 2
echo "== history of $run2 (tasks)"
"$FLOWRUN" history "$run2" --db "$db" | grep -E 'task\.(completed|failed|retry-scheduled)|run\.'

python3 "$here/report.py" "$trips"
