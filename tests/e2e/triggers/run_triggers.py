#!/usr/bin/env python3
"""End-to-end tests of triggers, `flowrun deploy`, `flowrun work` and the
event-log CLI (issue 6, docs/events.md) through the real binaries.

usage: run_triggers.py FLOWRUN FLOWC [CASE...]

Each case gets a fresh temp dir and database, runs real flowrun/flowc
processes (bounded by timeouts) and reads the database with sqlite3 for what
the CLI does not print (runs.trigger_event). Prints `ok NAME` / `FAIL NAME:
why` and a summary; exit 1 when a case fails.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback

CMD_TIMEOUT = float(os.environ.get("E2E_CMD_TIMEOUT", "60"))

SHOP = r'''
task echo(x) = builtin("echo")
task work(x) = builtin("noop")

workflow fulfil(order) {
  const r = await echo(order)
  await emit("order.fulfilled", { id: order.id })
  return { version: 1, id: order.id }
}

workflow audit(e) {
  return { audited: e.id }
}

on "order.created" (e) => start fulfil(e)
on "order.fulfilled" (e) => start audit(e)
on "order.big" (e) when (e.total > 100) => start fulfil(e)
on "order.bad" (e) => { throw new Error("cannot handle order " + e.id) }
on "order.task" (e) => { work(e) }
'''

# Version 2: a line moved (keys do not depend on lines) and a new result.
SHOP_V2 = "// version 2\n\n" + SHOP.replace("version: 1", "version: 2")


class Failure(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Failure(why)


class Ctx:
    def __init__(self, name, flowrun, flowc):
        self.name = name
        self.flowrun = flowrun
        self.flowc = flowc
        self.dir = tempfile.mkdtemp(prefix="flow-trig-%s-" % name)
        self.db = os.path.join(self.dir, "flow.db")
        self.env = dict(os.environ)
        self.env.pop("FLOW_DB", None)
        self.procs = []

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run(self, *args, ok=True, timeout=CMD_TIMEOUT):
        p = subprocess.run([self.flowrun, *args, "--db", self.db], cwd=self.dir, env=self.env,
                           capture_output=True, text=True, timeout=timeout)
        if ok and p.returncode != 0:
            raise Failure("flowrun %s: exit %d\nstdout: %s\nstderr: %s" %
                          (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def json(self, *args):
        return json.loads(self.run(*args, "--json").stdout)

    def emit(self, type_, payload):
        return int(self.run("emit", type_, json.dumps(payload)).stdout.strip())

    def work(self):
        return self.run("work", "--until-idle")

    def sql(self, query, *params):
        con = sqlite3.connect(self.db, timeout=30)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def runs_of(self, event_id):
        return self.sql("SELECT id, workflow, status, module_hash, result FROM runs "
                        "WHERE trigger_event = ? ORDER BY id", event_id)

    def events(self):
        return {e["id"]: e for e in self.json("events", "--limit", "0")}

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def deploy_shop(ctx, text=SHOP):
    path = ctx.write("shop.flow", text)
    return ctx.run("deploy", path)


# ---- cases

def case_deploy_output(ctx):
    out = deploy_shop(ctx).stdout
    check("deployed " in out and " as module " in out, "no deploy line: " + out)
    check("workflow fulfil" in out and "workflow audit" in out, "workflows not listed: " + out)
    check('trigger  shop.flow:order.created#1  on "order.created"' in out,
          "trigger key not listed: " + out)
    deps = dict(ctx.sql("SELECT workflow, module_hash FROM deployments"))
    check(set(deps) == {"fulfil", "audit"}, "deployments: %r" % deps)
    # Idempotent: the same module again changes nothing.
    out2 = deploy_shop(ctx).stdout
    check(out2.split("\n")[0] == out.split("\n")[0], "redeploy printed another hash")
    check(dict(ctx.sql("SELECT workflow, module_hash FROM deployments")) == deps,
          "redeploying the same module moved a deployment")
    # Bad input: a missing file, a compile error (nothing deployed), no file.
    p = ctx.run("deploy", os.path.join(ctx.dir, "missing.flow"), ok=False)
    check(p.returncode == 2, "missing file: exit %d" % p.returncode)
    bad = ctx.write("bad.flow", 'workflow w(e) { return e }\non "x" (e) => start nope(e)\n')
    p = ctx.run("deploy", bad, ok=False)
    check(p.returncode == 1 and "nope" in p.stderr, "compile error: %d %s" % (p.returncode, p.stderr))
    p = ctx.run("deploy", ok=False)
    check(p.returncode == 2, "no file: exit %d" % p.returncode)


def case_trigger_starts_one_run(ctx):
    deploy_shop(ctx)
    ev = ctx.emit("order.created", {"id": 1})
    ctx.work()
    runs = ctx.runs_of(ev)
    check(len(runs) == 1, "runs for event %d: %r" % (ev, runs))
    run_id, wf, status, _, result = runs[0]
    check(wf == "fulfil" and status == "completed", "run %r" % (runs[0],))
    check(json.loads(result) == {"version": 1, "id": 1}, "result " + result)
    lst = {r["id"]: r for r in ctx.json("list")}
    check(run_id in lst and lst[run_id]["status"] == "completed", "list --json: %r" % lst)
    # The run records the event that started it: list, status and history show it.
    check(lst[run_id].get("triggerEvent") == ev, "list --json triggerEvent: %r" % lst[run_id])
    check(ctx.json("status", run_id).get("triggerEvent") == ev, "status --json triggerEvent")
    text = ctx.run("status", run_id).stdout
    check("trigger   event %d (order.created)" % ev in text, "status text: " + text)
    started = [h for h in ctx.json("history", run_id) if h["kind"] == "run.started"]
    check(len(started) == 1 and started[0].get("detail", {}).get("triggerEvent") == ev,
          "history run.started: %r" % started)
    text = ctx.run("history", run_id).stdout
    check("trigger event %d" % ev in text, "history text: " + text)
    # The run's emit triggered the audit workflow (event emitted by a workflow).
    evs = ctx.events()
    fulfilled = [e for e in evs.values() if e["type"] == "order.fulfilled"]
    check(len(fulfilled) == 1 and fulfilled[0].get("run") == run_id, "emitted: %r" % fulfilled)
    audit = ctx.runs_of(fulfilled[0]["id"])
    check(len(audit) == 1 and audit[0][1] == "audit" and audit[0][2] == "completed",
          "audit run: %r" % audit)
    # Consumers are listed with the runs they started.
    cons = evs[ev]["consumers"]
    check(len(cons) == 1 and cons[0]["kind"] == "trigger" and cons[0]["run"] == run_id and
          cons[0]["consumer"] == "shop.flow:order.created#1", "consumers: %r" % cons)
    text = ctx.run("events").stdout
    check("-> trigger shop.flow:order.created#1 started run " + run_id in text,
          "text output: " + text)
    # Working again starts nothing new.
    before = ctx.sql("SELECT count(*) FROM runs")[0][0]
    ctx.work()
    ctx.work()
    check(ctx.sql("SELECT count(*) FROM runs")[0][0] == before, "a second work started runs")


def case_filter_and_unmatched(ctx):
    deploy_shop(ctx)
    small = ctx.emit("order.big", {"id": 7, "total": 5})
    big = ctx.emit("order.big", {"id": 8, "total": 500})
    nobody = ctx.emit("nobody.listens", {"x": 1})
    ctx.work()
    check(ctx.runs_of(small) == [], "the filter was false but a run started")
    check(len(ctx.runs_of(big)) == 1, "the filter was true but runs: %r" % ctx.runs_of(big))
    unmatched = [e["id"] for e in ctx.json("events", "--unmatched")]
    check(small in unmatched and nobody in unmatched and big not in unmatched,
          "unmatched %r (small %d, big %d, nobody %d)" % (unmatched, small, big, nobody))
    typed = [e["id"] for e in ctx.json("events", "--unmatched", "--type", "order.big")]
    check(typed == [small], "--unmatched --type: %r" % typed)


def case_failures_recorded(ctx):
    deploy_shop(ctx)
    bad = ctx.emit("order.bad", {"id": 3})
    task = ctx.emit("order.task", {"id": 4})
    ctx.work()
    check(ctx.runs_of(bad) == [] and ctx.runs_of(task) == [], "a failed trigger started a run")
    evs = ctx.events()
    c = evs[bad]["consumers"]
    check(len(c) == 1 and "Error: cannot handle order 3" in c[0].get("error", ""),
          "throw not recorded: %r" % c)
    c = evs[task]["consumers"]
    check(len(c) == 1 and "can only start workflows" in c[0].get("error", ""),
          "task call not recorded: %r" % c)
    text = ctx.run("events", "--type", "order.bad").stdout
    check("failed: Error: cannot handle order 3" in text, "text output: " + text)
    unmatched = [e["id"] for e in ctx.json("events", "--unmatched")]
    check(bad not in unmatched, "a failed trigger's event counts as unmatched")
    # Never retried: another work leaves the one consumer row.
    ctx.work()
    check(len(ctx.events()[bad]["consumers"]) == 1, "the failure was retried")


def case_two_workers(ctx):
    deploy_shop(ctx)
    ids = [ctx.emit("order.created", {"id": 100 + i}) for i in range(30)]
    procs = [subprocess.Popen([ctx.flowrun, "work", "--until-idle", "--db", ctx.db], cwd=ctx.dir,
                              env=ctx.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    ctx.procs += procs
    for p in procs:
        out, err = p.communicate(timeout=CMD_TIMEOUT * 2)
        check(p.returncode == 0, "work exit %d: %s" % (p.returncode, err))
    # A run may have been left to the other worker's lease: finish everything.
    ctx.work()
    for ev in ids:
        runs = ctx.runs_of(ev)
        check(len(runs) == 1, "event %d started %d runs" % (ev, len(runs)))
        check(runs[0][2] == "completed", "run %r not completed" % (runs[0],))
    n = ctx.sql("SELECT count(*) FROM event_consumers WHERE consumer = "
                "'shop.flow:order.created#1'")[0][0]
    check(n == 30, "%d consumer rows for 30 events" % n)


def case_redeploy_takes_over(ctx):
    deploy_shop(ctx)
    old = ctx.emit("order.created", {"id": 1})
    ctx.work()
    v1 = ctx.runs_of(old)[0][3]
    # Appended while v1 was current but never dispatched: v2 takes it over.
    pending = ctx.emit("order.created", {"id": 2})
    out = deploy_shop(ctx, SHOP_V2).stdout
    check("shop.flow:order.created#1" in out, "v2 trigger key: " + out)
    new = ctx.emit("order.created", {"id": 3})
    ctx.work()
    check(len(ctx.runs_of(old)) == 1, "an old event fired again: %r" % ctx.runs_of(old))
    for ev in (pending, new):
        runs = ctx.runs_of(ev)
        check(len(runs) == 1 and runs[0][3] != v1 and json.loads(runs[0][4])["version"] == 2,
              "event %d: %r" % (ev, runs))
    # A trigger deployed for the first time ignores the events before it.
    ctx.emit("late.type", {"id": 9})
    late = ctx.write("late.flow", 'workflow lateWf(e) { return e }\n'
                                  'on "late.type" (e) => start lateWf(e)\n')
    ctx.run("deploy", late)
    after = ctx.emit("late.type", {"id": 10})
    ctx.work()
    lates = ctx.sql("SELECT trigger_event FROM runs WHERE workflow = 'lateWf'")
    check(lates == [(after,)], "late trigger runs: %r (expected only event %d)" % (lates, after))
    # Both apps' triggers are active: shop still fires.
    again = ctx.emit("order.created", {"id": 4})
    ctx.work()
    check(len(ctx.runs_of(again)) == 1, "shop's trigger stopped after deploying another module")


def case_triggers_only_module(ctx):
    deploy_shop(ctx)
    relay = ctx.write("relay.flow", 'on "ping" (e) => { emit("order.created", { id: e.n }) }\n')
    out = ctx.run("deploy", relay).stdout
    check("relay.flow:ping#1" in out, "deploy output: " + out)
    deps = [w for (w,) in ctx.sql("SELECT workflow FROM deployments")]
    check("@triggers:relay.flow" in deps, "deployments: %r" % deps)
    ping = ctx.emit("ping", {"n": 77})
    ctx.work()
    ctx.work()
    evs = ctx.events()
    created = [e for e in evs.values() if e["type"] == "order.created"]
    check(len(created) == 1 and created[0]["payload"] == {"id": 77}, "relayed: %r" % created)
    check(len(ctx.runs_of(created[0]["id"])) == 1, "relayed event started no run")
    check(evs[ping]["consumers"] and "error" not in evs[ping]["consumers"][0],
          "ping consumer: %r" % evs[ping]["consumers"])


def case_follow(ctx):
    ctx.emit("before", {"n": 0})
    p = subprocess.Popen([ctx.flowrun, "events", "--follow", "--db", ctx.db], cwd=ctx.dir,
                         env=ctx.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ctx.procs.append(p)
    lines = []
    got = threading.Event()

    def reader():
        for line in p.stdout:
            lines.append(line)
            if "follow.me" in line:
                got.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    deadline = time.time() + CMD_TIMEOUT
    while not any("before" in l for l in lines) and time.time() < deadline:
        time.sleep(0.05)
    check(any("before" in l for l in lines), "the existing event was not listed: %r" % lines)
    ev = ctx.emit("follow.me", {"n": 1})
    check(got.wait(CMD_TIMEOUT), "--follow did not print the new event: %r" % lines)
    check(any(l.startswith("%d  follow.me" % ev) for l in lines), "line: %r" % lines)
    p.terminate()  # SIGTERM: exits 0 after the current poll
    p.wait(timeout=CMD_TIMEOUT)
    check(p.returncode == 0, "events --follow exit %d after SIGTERM" % p.returncode)
    r = ctx.run("events", "--follow", "--json", ok=False)
    check(r.returncode == 2, "--follow --json: exit %d" % r.returncode)


def paused_work(ctx, where):
    """`flowrun work` stopped just before/after its first commit (the trigger
    dispatch), then killed with SIGKILL there."""
    env = dict(ctx.env)
    env["FLOW_TEST_PAUSE_%s_COMMIT" % where] = "1"
    p = subprocess.Popen([ctx.flowrun, "work", "--until-idle", "--db", ctx.db], cwd=ctx.dir,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ctx.procs.append(p)
    deadline = time.time() + CMD_TIMEOUT
    line = ""
    while time.time() < deadline:
        line = p.stderr.readline()
        if "paused" in line or not line:
            break
    check("paused" in line, "work did not pause %s its commit: %r" % (where, line))
    p.kill()
    p.wait(timeout=CMD_TIMEOUT)


def case_crash_during_dispatch(ctx):
    deploy_shop(ctx)
    ev = ctx.emit("order.created", {"id": 1})
    paused_work(ctx, "BEFORE")  # killed before the dispatch commit: nothing happened
    check(ctx.runs_of(ev) == [] and ctx.events()[ev]["consumers"] == [],
          "a dispatch killed before its commit left rows behind")
    ctx.work()
    runs = ctx.runs_of(ev)
    check(len(runs) == 1 and runs[0][2] == "completed", "after redo: %r" % runs)
    ev2 = ctx.emit("order.created", {"id": 2})
    paused_work(ctx, "AT")  # killed right after the dispatch commit
    runs = ctx.runs_of(ev2)
    check(len(runs) == 1, "after a kill at the commit: %r" % runs)
    ctx.work()
    runs = ctx.runs_of(ev2)
    check(len(runs) == 1, "a second work started the run again: %r" % runs)
    # The killed worker's lease names a dead process: the next work() claims
    # the run at once and finishes it.
    check(runs[0][2] == "completed", "the triggered run did not complete: %r" % runs)


def case_work_claims_runs_nobody_drives(ctx):
    """`flowrun work` picks up runs that no process drives and that do not only
    wait for timers and signals: one made by `flowrun start` (its first task
    not yet run), one whose `flowrun run` was killed with a task in flight, one
    cancelled while nobody held it; a sleeping run stays parked."""
    path = ctx.write("jobs.flow", r'''
task slow(x) = exec("./slow.sh", { timeout: 30s })

workflow job(n) {
  const r = await slow(n)
  return { n: n, out: r.out }
}

workflow napper(n) {
  try { await sleep(1h) } finally { await emit("napper.done", { n: n }) }
  return n
}
''')
    script = ctx.write("slow.sh", "#!/bin/sh\n"
                       "read input\n"
                       "echo $$ >> \"$(dirname \"$0\")/calls\"\n"
                       "[ -f \"$(dirname \"$0\")/hang\" ] && sleep 30\n"
                       "echo \"{\\\"out\\\": $input}\"\n")
    os.chmod(script, 0o755)
    started = ctx.run("start", path, "--workflow", "job", "--input", "1").stdout.strip()
    napper = ctx.run("start", path, "--workflow", "napper", "--input", "3").stdout.strip()
    # A `flowrun run` killed while its task runs (the task hangs until killed).
    open(os.path.join(ctx.dir, "hang"), "w").close()
    p = subprocess.Popen([ctx.flowrun, "run", path, "--workflow", "job", "--input", "2",
                          "--db", ctx.db], cwd=ctx.dir, env=ctx.env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    ctx.procs.append(p)
    deadline = time.time() + CMD_TIMEOUT
    while time.time() < deadline and len(ctx.sql(
            "SELECT id FROM runs WHERE workflow = 'job' AND input = '[2]'")) == 0:
        time.sleep(0.05)
    while time.time() < deadline and not os.path.exists(os.path.join(ctx.dir, "calls")):
        time.sleep(0.05)
    os.killpg(p.pid, 9)  # flowrun and its task process: nothing is left running
    p.wait(timeout=CMD_TIMEOUT)
    os.remove(os.path.join(ctx.dir, "hang"))
    killed = ctx.sql("SELECT id FROM runs WHERE workflow = 'job' AND input = '[2]'")[0][0]
    ctx.run("cancel", napper)
    ctx.work()
    status = dict(ctx.sql("SELECT id, status FROM runs"))
    check(status[started] == "completed", "the started run: %r" % status)
    check(status[killed] == "completed", "the run whose flowrun was killed: %r" % status)
    check(status[napper] == "cancelled", "the run cancelled while idle: %r" % status)
    check([json.loads(r[0]) for r in ctx.sql("SELECT result FROM runs WHERE id IN (?, ?) "
                                             "ORDER BY input", started, killed)]
          == [{"n": 1, "out": {"x": 1}}, {"n": 2, "out": {"x": 2}}], "results: %r" % ctx.sql("SELECT input, result FROM runs"))
    done = [e for e in ctx.json("events", "--limit", "0") if e["type"] == "napper.done"]
    check(len(done) == 1, "the cancelled run's finally emitted once: %r" % done)
    # A sleeping run is parked once a worker lets it go: workers find its
    # timer by themselves, nobody needs to claim it.
    sleeper = ctx.run("start", path, "--workflow", "napper", "--input", "4").stdout.strip()
    w = subprocess.Popen([ctx.flowrun, "work", "--db", ctx.db], cwd=ctx.dir, env=ctx.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx.procs.append(w)
    deadline = time.time() + CMD_TIMEOUT
    row = None
    while time.time() < deadline:
        row = ctx.sql("SELECT status, parked, lease_owner FROM runs WHERE id = ?", sleeper)
        if row == [("waiting", 1, None)]:
            break
        time.sleep(0.05)
    w.terminate()
    check(w.wait(timeout=CMD_TIMEOUT) == 0, "flowrun work after SIGTERM")
    row = ctx.sql("SELECT status, parked, lease_owner FROM runs WHERE id = ?", sleeper)
    check(row == [("waiting", 1, None)], "a sleeping run after work: %r" % row)


def case_until_idle_and_waits_for_outside_input(ctx):
    """`work --until-idle` does not sit through the deadline of a wait for a signal or
    an event (it would take an hour here: the command's timeout fails the case), and a
    later `work` delivers the event to the waiting run, which no process holds."""
    path = ctx.write("wait.flow", '''
workflow photo(id) {
  const e = await waitForEvent("photo.received", { match: { product: id }, timeout: 1h })
  return { got: e.url }
}
workflow approve() {
  return await signal("ok", { timeout: 24h })
}
''')
    rid = ctx.run("start", path, "--workflow", "photo", "--input", "7").stdout.strip()
    sid = ctx.run("start", path, "--workflow", "approve").stdout.strip()
    ctx.work()
    ctx.work()
    status = dict(ctx.sql("SELECT id, status FROM runs"))
    check(status == {rid: "waiting", sid: "waiting"}, "before the event: %r" % status)
    ctx.emit("photo.received", {"product": 8, "url": "other"})
    ctx.emit("photo.received", {"product": 7, "url": "p7.jpg"})
    ctx.run("signal", sid, "ok", "true")
    ctx.work()
    rows = {r[0]: (r[1], r[2]) for r in ctx.sql("SELECT id, status, result FROM runs")}
    check(rows[rid] == ("completed", json.dumps({"got": "p7.jpg"}, separators=(",", ":"))),
          "the event reached the waiting run: %r" % rows)
    check(rows[sid] == ("completed", "true"), "the signal reached its run: %r" % rows)


def case_handlers_do_not_share_state(ctx):
    path = ctx.write("count.flow", 'let seen = 0\n'
                                   'workflow w(e) { return e }\n'
                                   'on "tick" (e) => { seen++; if (seen > 1) throw new Error("shared "'
                                   ' + seen); start w(e) }\n')
    ctx.run("deploy", path)
    ids = [ctx.emit("tick", {"n": i}) for i in range(3)]
    ctx.work()
    for ev in ids:
        check(len(ctx.runs_of(ev)) == 1, "event %d: %r %r" % (ev, ctx.runs_of(ev),
                                                               ctx.events()[ev]["consumers"]))


def case_backlog(ctx):
    """More events than one dispatch batch (256): one `work --until-idle` does
    them all, filtered ones and run-starting ones."""
    path = ctx.write("perf.flow", 'workflow w(e) { return e }\n'
                                  'on "a" (e) when (e.n < 0) => start w(e)\n'
                                  'on "b" (e) => start w(e)\n')
    ctx.run("deploy", path)
    con = sqlite3.connect(ctx.db, timeout=30)
    con.executemany("INSERT INTO events(type, payload, at) VALUES (?, ?, 0)",
                    [("a", '{"n":%d}' % i) for i in range(600)] +
                    [("b", '{"n":%d}' % i) for i in range(300)])
    con.commit()
    con.close()
    ctx.work()
    got = ctx.sql("SELECT count(*), sum(status = 'completed') FROM runs")[0]
    check(got == (300, 300), "runs (count, completed) = %r, expected 300" % (got,))
    pos = dict(ctx.sql("SELECT consumer, position FROM consumer_positions"))
    check(pos == {"perf.flow:a#1": 600, "perf.flow:b#1": 900}, "positions %r" % pos)


def case_compile_rejects_unknown_workflow(ctx):
    bad = ctx.write("nope.flow", 'workflow real(e) { return e }\non "x" (e) => start nope(e)\n')
    p = subprocess.run([ctx.flowc, "--check", bad], capture_output=True, text=True,
                       timeout=CMD_TIMEOUT)
    check(p.returncode != 0 and "undeclared name 'nope'" in p.stderr,
          "flowc accepted a trigger to a missing workflow: %d %s" % (p.returncode, p.stderr))
    fn = ctx.write("fn.flow", 'function f(e) { return e }\nworkflow w(e) { return e }\n'
                              'on "x" (e) => start f(e)\n')
    p = subprocess.run([ctx.flowc, "--check", fn], capture_output=True, text=True,
                       timeout=CMD_TIMEOUT)
    check(p.returncode != 0 and "needs a workflow" in p.stderr, "start of a function: " + p.stderr)


def case_work_usage(ctx):
    p = ctx.run("work", "extra", ok=False)
    check(p.returncode == 2, "work extra: exit %d" % p.returncode)
    p = ctx.run("work", "--until-idle")  # nothing deployed, empty log: returns at once
    check(p.returncode == 0, "empty work")


CASES = [(n[5:], f) for n, f in sorted(globals().items()) if n.startswith("case_")]


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    flowrun, flowc = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    only = set(sys.argv[3:])
    failed = 0
    for name, fn in CASES:
        if only and name not in only:
            continue
        ctx = Ctx(name, flowrun, flowc)
        t0 = time.time()
        try:
            fn(ctx)
            print("ok %s (%.1fs)" % (name, time.time() - t0), flush=True)
        except Failure as e:
            failed += 1
            print("FAIL %s: %s" % (name, e), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s: %s" % (name, traceback.format_exc()), flush=True)
        finally:
            ctx.cleanup()
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
