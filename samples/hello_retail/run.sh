#!/usr/bin/env bash
# run.sh — hello_retail for real: deploy the trigger, publish a new product,
# let a worker text a photographer, answer as the photographer would, and look
# at the event log and the run's history. No mocks; about two seconds.
#
#   samples/hello_retail/run.sh          (any cwd; outputs under $SAMPLE_OUT, default ./out)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
FLOWC=${FLOWC:-$repo/build/tools/flowc}
FLOWRUN=${FLOWRUN:-$repo/build/tools/flowrun}
SAMPLE_OUT=${SAMPLE_OUT:-$PWD/out}
mkdir -p "$SAMPLE_OUT"
SAMPLE_OUT=$(cd "$SAMPLE_OUT" && pwd) # the tasks run in flowrun's cwd: make it absolute
FLOW_DB=${FLOW_DB:-$SAMPLE_OUT/flow.db}
export SAMPLE_OUT FLOW_DB

flow() { "$FLOWRUN" "$@"; }
step() { printf '\n== %s\n' "$*"; }

# Field of the run's `flowrun status --json`, e.g. status, waiting.0.name.
run_field() {
    flow status "$1" --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k)
print(v)' "$2"
}
step "compile and deploy"
"$FLOWC" --check "$here/hello_retail.flow"
flow deploy "$here/hello_retail.flow"

step "the catalogue publishes two new products"
product_event=$(flow emit product.created \
    '{"id": "p-100", "name": "Trail running shoe", "category": "shoes"}')
echo "product.created p-100 -> event $product_event"
# A supplier import that comes with its own photo: the trigger's filter skips it.
imported=$(flow emit product.created \
    '{"id": "p-101", "name": "Desk lamp", "category": "home", "photoUrl": "https://supplier.example/lamp.jpg"}')
echo "product.created p-101 (has a photo) -> event $imported"

# A worker does what is due and stops once every run waits for the outside
# world (here: the photographer; the hour's deadline does not keep it busy).
# In production `flowrun serve` keeps working instead.
flow work --until-idle
run=$(flow list --workflow photographProduct --json | python3 -c '
import json, sys
runs = json.load(sys.stdin)
print(runs[0]["id"] if len(runs) == 1 else "")')
[ -n "$run" ] || { echo "run.sh: the trigger did not start exactly one run" >&2; exit 1; }
echo "trigger started run $run"

step "status while the photographer has the hour"
flow status "$run"

step "the SMS that was sent"
sed 's/^key=[^ ]* //' "$SAMPLE_OUT/sms.log"

step "a photo of another product arrives: it does not concern this run"
flow emit photo.received '{"productId": "p-999", "url": "https://cdn.example/p-999.jpg"}' >/dev/null
flow work --until-idle
echo "run $run is still $(run_field "$run" status) for $(run_field "$run" waiting.0.name)"

step "the photographer sends the photo of p-100"
flow emit photo.received \
    '{"productId": "p-100", "url": "https://cdn.example/p-100.jpg", "photographerId": "ph-ana"}' >/dev/null
flow work --until-idle
echo "run $run: $(run_field "$run" status)"
echo "result: $(flow status "$run" --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["result"], sort_keys=True))')"

step "the catalogue record"
cat "$SAMPLE_OUT/photos/p-100.json"

step "flowrun events"
flow events

step "flowrun events --unmatched"
flow events --unmatched

step "flowrun history $run"
flow history "$run"
