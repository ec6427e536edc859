#!/usr/bin/env bash
# run.sh — expense approval for real, with the days shortened to seconds through
# the request's `timing` (24 h -> 3 s, ...). Three requests:
#   A  the approver is silent, it escalates, the manager approves by signal;
#      no receipt comes, so a reminder goes out; the file closes.
#   B  nobody answers at all: auto-rejected by policy (`flowrun run`).
#   C  decision and receipt are signalled BEFORE the run waits for them: a
#      signal sent early is kept and consumed when the run gets there.
#   samples/approval/run.sh          (any cwd; outputs under $SAMPLE_OUT, default ./out)
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
wf="$here/approval.flow"

flow() { "$FLOWRUN" "$@"; }
step() { printf '\n== %s\n' "$*"; }

# Poll until a command succeeds (bounded: 15 s), instead of sleeping blindly.
wait_for() {
    local what=$1
    shift
    for _ in $(seq 150); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "run.sh: timed out waiting for $what" >&2
    return 1
}
# A field of `flowrun status RUN --json` (dotted path), compact JSON for objects.
run_field() {
    flow status "$1" --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k)
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))' "$2"
}
run_is() { [ "$(run_field "$1" "$2")" = "$3" ]; }
# True when `flowrun status RUN` shows step N waiting for the decision; keeps
# that very output in $SAMPLE_OUT/status.txt, so what is printed is what matched.
decision_wait_at() {
    flow status "$1" >"$SAMPLE_OUT/status.txt" &&
        grep -q -E "^ +step $2 +signal \"decision\"" "$SAMPLE_OUT/status.txt"
}
mailed() { grep -q -F "$1" "$SAMPLE_OUT/mail.log" 2>/dev/null; }

request() { # request ID AMOUNT TIMING_JSON
    printf '{"id": "%s", "amount": %s, "currency": "EUR", "description": "team dinner",
  "requester": "sam@example.com", "approver": "ana@example.com", "manager": "maria@example.com",
  "timing": %s}' "$1" "$2" "$3"
}

resumer=""
stop_resumer() {
    if [ -n "$resumer" ]; then
        kill "$resumer" 2>/dev/null || true
        wait "$resumer" 2>/dev/null || true
        resumer=""
    fi
}
trap stop_resumer EXIT

"$FLOWC" --check "$wf"

step "A: exp-1 (240 EUR) filed; the approver has 3 s (24 h in production)"
a=$(flow start "$wf" --input "$(request exp-1 240 '{"decision": 3000, "receipt": 1000, "closeAfter": 2500}')")
echo "started $a"
flow resume "$a" >"$SAMPLE_OUT/resume-a.out" &
resumer=$!
wait_for "the approver's mail" mailed "Please approve expense exp-1"
wait_for "the decision wait" decision_wait_at "$a" 2
cat "$SAMPLE_OUT/status.txt"

step "A: the approver is silent; escalated to the manager"
wait_for "the escalation mail" mailed "Escalated: please approve expense exp-1"
wait_for "the manager's decision wait" decision_wait_at "$a" 4
grep -E '^status|signal "decision"' "$SAMPLE_OUT/status.txt"
flow signal "$a" decision '{"approved": true, "by": "maria@example.com", "comment": "ok, client dinner"}'
echo "signalled: maria approves"

step "A: paid; no receipt, so a reminder; closed when the window ends"
wait "$resumer" # `flowrun resume` exits when the run has finished
resumer=""
echo "A: $(run_field "$a" status) $(run_field "$a" result)"

step "B: exp-2 (120 EUR), nobody answers at all"
flow run "$wf" --input "$(request exp-2 120 '{"decision": 1000, "receipt": 1000, "closeAfter": 1500}')" >"$SAMPLE_OUT/run-b.out"
b=$(flow list --json | python3 -c '
import json, sys
print([r["id"] for r in json.load(sys.stdin) if r["id"] != sys.argv[1]][0])' "$a")
echo "B: $(run_field "$b" status) $(run_field "$b" result)"

step "C: exp-3 (35 EUR), approved and receipt sent before the run even asks"
c=$(flow start "$wf" --input "$(request exp-3 35 '{"decision": 2000, "receipt": 1000, "closeAfter": 1500}')")
flow signal "$c" decision '{"approved": true, "by": "ana@example.com"}'
flow signal "$c" receipt '{"url": "https://receipts.example/exp-3.pdf"}'
flow resume "$c" >/dev/null
echo "C: $(run_field "$c" status) $(run_field "$c" result)"

step "the mail log"
sed 's/^\[[^]]*\] //' "$SAMPLE_OUT/mail.log"

step "the payments ledger (no payment for B)"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    p = json.loads(line)["payment"]
    print(p["paymentId"], p["amount"], p["currency"], "to", p["to"], "approved by", p["approvedBy"])' \
    "$SAMPLE_OUT/payments.jsonl"

step "closed files"
for f in "$SAMPLE_OUT"/closed/*.json; do cat "$f"; done

step "flowrun list"
flow list

step "flowrun history $a"
flow history "$a"
