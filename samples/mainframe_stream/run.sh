#!/usr/bin/env bash
# Runs the mainframe_stream sample for real: generates a 300-transaction feed,
# mirrors it (5 batches of 60, 3 at a time, the simulated mainframe busy on the
# first attempts of some batches), checks every store against the feed, then
# mirrors the same feed again to show that a re-run changes nothing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
FLOWC=${FLOWC:-$repo/build/tools/flowc}
FLOWRUN=${FLOWRUN:-$repo/build/tools/flowrun}
out=${SAMPLE_OUT:-$PWD/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
db=${FLOW_DB:-$out/flow.db}
concurrency=3

"$here/gen_feed.py" "$out/feed.jsonl" 300
"$FLOWC" "$here/mainframe_stream.flow" -o "$out/mainframe_stream.flowc"

job() { # busyPattern as JSON
  printf '{"feed": "%s", "outDir": "%s/mirror", "batchSize": 60, "concurrency": %s, "busyPattern": %s}' \
    "$out/feed.jsonl" "$out" "$concurrency" "$1"
}

echo "== run 1: mirror the feed (mainframe busy 0/1/2 times per batch)"
"$FLOWRUN" run "$out/mainframe_stream.flowc" --db "$db" --input "$(job '[0, 1, 2]')" >"$out/result1.json"
cat "$out/result1.json"
run1=$("$FLOWRUN" list --db "$db" --workflow mirrorFeed --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$FLOWRUN" history "$run1" --db "$db" --json >"$out/history1.json"
"$FLOWRUN" history "$run1" --db "$db" | grep -E 'run\.|MainframeBusy|retry-scheduled' | head -n 8
python3 "$here/check_mirror.py" "$out/feed.jsonl" "$out/mirror" "$out/result1.json" "$out/history1.json" "$concurrency"

echo "== run 2: the same feed again, mainframe not busy (upserts are idempotent)"
"$FLOWRUN" run "$out/mainframe_stream.flowc" --db "$db" --input "$(job '[0]')" >"$out/result2.json"
run2=$("$FLOWRUN" list --db "$db" --workflow mirrorFeed --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
[ "$run2" != "$run1" ] || { echo "run 2 did not start a new run" >&2; exit 1; }
"$FLOWRUN" history "$run2" --db "$db" --json >"$out/history2.json"
python3 "$here/check_mirror.py" "$out/feed.jsonl" "$out/mirror" "$out/result2.json" "$out/history2.json" "$concurrency"
