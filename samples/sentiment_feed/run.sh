#!/usr/bin/env bash
# Runs the sentiment_feed sample for real: starts the toy sentiment service on
# 127.0.0.1 (a free port; warming up, it answers 503 to its first 2 requests),
# points the http task at it (SENTIMENT_URL), classifies feed.jsonl (12
# posts, 4 at a time) and shows the "feed.classified" events of the live feed;
# then a worker runs the trigger on that feed, which opens support tickets for
# the angriest posts.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
FLOWC=${FLOWC:-$repo/build/tools/flowc}
FLOWRUN=${FLOWRUN:-$repo/build/tools/flowrun}
out=${SAMPLE_OUT:-$PWD/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
db=${FLOW_DB:-$out/flow.db}

# The service: our own process, stopped by its PID whatever happens next.
service_pid=
stop_service() { if [ -n "$service_pid" ]; then kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi; }
trap stop_service EXIT
trap 'exit 130' INT TERM # exit through the EXIT trap
rm -f "$out/service.port"
python3 "$here/sentiment_service.py" --port-file "$out/service.port" --warmup 2 2>"$out/service.log" &
service_pid=$!
for _ in $(seq 100); do # up to 10 s: the port file appears once it listens
  [ -s "$out/service.port" ] && break
  kill -0 "$service_pid" 2>/dev/null || { echo "sentiment service died:" >&2; cat "$out/service.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$out/service.port" ] || { echo "sentiment service did not start within 10 s" >&2; exit 1; }
port=$(cat "$out/service.port")
echo "sentiment service listening on 127.0.0.1:$port (pid $service_pid)"

# The http task's URL is "${SENTIMENT_URL}/v1/score": the endpoint comes from
# the environment of the flowrun processes that send the requests.
export SENTIMENT_URL="http://127.0.0.1:$port"
"$FLOWC" --check "$here/sentiment_feed.flow"
# Deployed first: a new trigger only sees events appended after its deployment.
"$FLOWRUN" deploy "$here/sentiment_feed.flow" --db "$db"

echo "== classify the feed"
"$FLOWRUN" run "$here/sentiment_feed.flow" --db "$db" --workflow classifyFeed --input "{\"feed\": \"$here/feed.jsonl\", \"concurrency\": 4}"
run=$("$FLOWRUN" list --db "$db" --workflow classifyFeed --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')

echo "== the trigger on the live feed: tickets for the angriest posts"
tickets=$out/tickets.jsonl
rm -f "$tickets"
TICKETS_FILE=$tickets "$FLOWRUN" work --db "$db" --until-idle
sort "$tickets"
"$FLOWRUN" list --db "$db" --workflow escalate

echo "== flowrun events --type feed.classified"
"$FLOWRUN" events --db "$db" --type feed.classified --limit 0 | tee "$out/events.txt"
echo "== flowrun events --type support.ticket"
"$FLOWRUN" events --db "$db" --type support.ticket --limit 0

echo "== what the service and the history saw"
python3 "$here/show_feed.py" "$FLOWRUN" "$db" "$run" "$port"
