#!/usr/bin/env python3
"""Issue 6 benchmark, process part: the event log, triggers and `flowrun serve`
through real processes and real HTTP on 127.0.0.1 (the in-process figures
come from flow_events_bench).

  python3 bench/events/run.py --flowrun build/tools/flowrun [--procs 1,3]
      [--clients 1,8,32] [--batch 1,10] [--seconds 3] [--dispatch 2000] [--latency 200]
      [--conn keepalive,new] [--loadgen build/bench/flow_post_load] [--repeat 3] [--dir PARENT] [--keep] [--json-only]

Measured, each with 1 and 3 `flowrun serve` processes on one database:
  appends   K client processes POST /events {"type","payload"} for
            --seconds, each over one keep-alive connection or a new connection
            per POST (--conn), one event per POST or an array of --batch
            events: events/s (201s counted, then checked against the
            log's row count). Clients set TCP_NODELAY;
  dispatch  `on "bench.tick" (e) => start tick(e)`, tick = one builtin("noop")
            step. The serves are started and idle; N events are then put in
            the log in ONE transaction (so they appear at once) and the time
            until N runs of tick completed is taken: events/s dispatched.
            Also `flowrun work --until-idle` over N events (one process).
            Every run is checked: exactly N runs, N distinct trigger events;
  latency   one client POSTs /events one at a time (a random pause between),
            then polls GET /events?since=ID-1&limit=1 (the consumer row names
            the run) and GET /runs/RUN/history: p50/p99 of (at of the first
            task.started row - the POST's send time). `at` is whole milliseconds,
            so a figure is good to about +-1 ms.
Reference measured in the same run, on the same disk (--dir): the fsync rate
(a preallocated 1 MiB file, 4 KiB pwrite + fsync, as bench/runtime does).
Best and median of --repeat runs per figure; the load average is printed.
The last line is one JSON object.
"""
import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TICK_FLOW = """task noop(x) = builtin("noop")

workflow tick(e) {
  await noop(e.order)
  return e.order
}

on "bench.tick" (e) => start tick(e)
"""

PAYLOAD = {"order": 0, "sku": "SKU-000123", "qty": 2, "price": 19.99,
           "customer": "c-4711", "note": "benchmark"}


class NotMeasured(Exception):
    """A part that cannot run here (the reason is reported, not a number)."""


# ------------------------------------------------------------------ reference

def fsync_rate(directory, seconds):
    path = os.path.join(directory, "fsync-probe.bin")
    block, blocks = 4096, 256
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        buf = b"f" * block
        for i in range(blocks):
            os.pwrite(fd, buf, i * block)
        os.fsync(fd)
        n = 0
        t0 = time.perf_counter()
        while True:
            os.pwrite(fd, buf, (n % blocks) * block)
            os.fsync(fd)
            n += 1
            if time.perf_counter() - t0 >= seconds:
                break
        return n / (time.perf_counter() - t0)
    finally:
        os.close(fd)
        os.unlink(path)


# ------------------------------------------------------------------ processes

class Serve:
    """One `flowrun serve` process; stops it with SIGTERM (exit 0 expected)."""

    def __init__(self, flowrun, db, files=(), workers=1):
        self.proc = subprocess.Popen(
            [flowrun, "serve", *files, "--db", db, "--http", "127.0.0.1:0",
             "--workers", str(workers)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.port = None
        line = [None]

        def read_first():
            line[0] = self.proc.stdout.readline()

        t = threading.Thread(target=read_first, daemon=True)
        t.start()
        t.join(30)
        text = line[0] or ""
        if not text.startswith("listening on http://"):
            self.proc.kill()
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            raise NotMeasured("flowrun serve did not start: %r %s" % (text, err.strip()[-300:]))
        self.port = int(text.strip().rsplit(":", 1)[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_serves(flowrun, db, n, files=()):
    serves = []
    try:
        for k in range(n):
            # Only the first deploys: the others serve what is deployed.
            serves.append(Serve(flowrun, db, files if k == 0 else ()))
    except BaseException:
        for s in serves:
            s.stop()
        raise
    return serves


def stop_serves(serves):
    codes = [s.stop() for s in serves]
    bad = [c for c in codes if c != 0]
    if bad:
        print("warning: serve exit codes %s" % codes, file=sys.stderr)


def connect(port):
    """A client connection with TCP_NODELAY, so that the client adds no
    Nagle delay of its own (http.client sends a POST's headers and body in
    two writes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def request(conn, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, data


def db_query(db, sql, args=()):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------ appends

def _client(port, seconds, start_at, out, keepalive, batch):
    conn = connect(port)
    one = {"type": "bench.append", "payload": PAYLOAD}
    body = json.dumps(one if batch == 1 else [one] * batch)
    while time.time() < start_at:
        time.sleep(0.001)
    ok = errors = 0
    t_end = start_at + seconds
    while time.time() < t_end:
        if not keepalive:
            conn.close()
            conn = connect(port)
        try:
            status, _ = request(conn, "POST", "/events", body)
        except (ConnectionError, http.client.HTTPException):
            # The server closed an idle keep-alive connection (a starved client
            # process on a loaded machine): counted, then a new connection.
            status = 0
            conn.close()
            conn = connect(port)
        if status == 201:
            ok += batch
        else:
            errors += 1
    out.put((ok, errors, time.time() - start_at))
    conn.close()


def bench_appends_loadgen(loadgen, flowrun, directory, procs, clients, seconds, batch, tag):
    """The same over keep-alive connections, with the C++ load generator
    (flow_post_load: K threads; python clients cost more CPU than the server)."""
    db = os.path.join(directory, "appends-gen-p%d-c%d-b%d-%s.db" % (procs, clients, batch, tag))
    serves = start_serves(flowrun, db, procs)
    try:
        gens = [subprocess.Popen([loadgen, "--port", str(serves[k].port), "--clients",
                                  str(max(1, clients // procs)), "--seconds", str(seconds),
                                  "--batch", str(batch)], stdout=subprocess.PIPE, text=True)
                for k in range(procs)]
        results = [json.loads(g.communicate(timeout=seconds + 60)[0]) for g in gens]
    finally:
        stop_serves(serves)
    ok = sum(r["events"] for r in results)
    errors = sum(r["errors"] for r in results)
    elapsed = max(r["seconds"] for r in results)
    stored = db_query(db, "SELECT count(*) FROM events WHERE type = 'bench.append'")[0][0]
    if stored != ok:
        raise RuntimeError("appends: %d events acknowledged but the log holds %d" % (ok, stored))
    return {"events": ok, "errors": errors, "seconds": elapsed, "events_per_s": ok / elapsed}


def bench_appends(flowrun, directory, procs, clients, seconds, keepalive, batch, tag):
    db = os.path.join(directory, "appends-p%d-c%d-%s-b%d-%s.db"
                      % (procs, clients, "ka" if keepalive else "new", batch, tag))
    serves = start_serves(flowrun, db, procs)
    try:
        out = mp.Queue()
        start_at = time.time() + 0.5
        workers = [mp.Process(target=_client,
                              args=(serves[k % procs].port, seconds, start_at, out, keepalive,
                                    batch))
                   for k in range(clients)]
        for w in workers:
            w.start()
        results = [out.get(timeout=seconds + 60) for _ in workers]
        for w in workers:
            w.join()
    finally:
        stop_serves(serves)
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    elapsed = max(r[2] for r in results)
    stored = db_query(db, "SELECT count(*) FROM events WHERE type = 'bench.append'")[0][0]
    if stored != ok:
        raise RuntimeError("appends: %d POSTs answered 201 but the log holds %d" % (ok, stored))
    return {"events": ok, "errors": errors, "seconds": elapsed, "events_per_s": ok / elapsed}


# ------------------------------------------------------------------ dispatch

def deploy(flowrun, db, flow_file):
    r = subprocess.run([flowrun, "deploy", flow_file, "--db", db],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise NotMeasured("flowrun deploy failed (%d): %s" % (r.returncode, r.stderr.strip()[-300:]))


def put_events(db, n, first=0):
    """Appends n bench.tick events in one transaction (the row Store::appendEvent
    writes), so that a worker sees them all at once."""
    con = sqlite3.connect(db, timeout=30)
    try:
        now = int(time.time() * 1000)
        with con:
            con.executemany(
                "INSERT INTO events(type, payload, at) VALUES ('bench.tick', ?, ?)",
                ((json.dumps(dict(PAYLOAD, order=first + i)), now) for i in range(n)))
    finally:
        con.close()


def check_runs(db, n):
    runs, distinct, done = db_query(
        db, "SELECT count(*), count(DISTINCT trigger_event), "
            "sum(status = 'completed') FROM runs WHERE workflow = 'tick'")[0]
    if runs != n or distinct != n or done != n:
        raise RuntimeError("dispatch: %s runs of tick, %s distinct trigger events, %s completed; "
                           "expected %d of each" % (runs, distinct, done, n))


def completed(db):
    return db_query(db, "SELECT count(*) FROM runs WHERE workflow = 'tick' "
                        "AND status = 'completed'")[0][0]


def bench_dispatch_work(flowrun, directory, flow_file, n, tag):
    db = os.path.join(directory, "dispatch-work-%s.db" % tag)
    deploy(flowrun, db, flow_file)
    put_events(db, n)
    t0 = time.perf_counter()
    r = subprocess.run([flowrun, "work", "--until-idle", "--db", db],
                       capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise NotMeasured("flowrun work --until-idle failed (%d): %s"
                          % (r.returncode, r.stderr.strip()[-300:]))
    check_runs(db, n)
    return {"events": n, "seconds": elapsed, "events_per_s": n / elapsed,
            "work_stats": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""}


def bench_dispatch_serve(flowrun, directory, flow_file, procs, n, tag):
    db = os.path.join(directory, "dispatch-serve-p%d-%s.db" % (procs, tag))
    deploy(flowrun, db, flow_file)
    serves = start_serves(flowrun, db, procs)
    try:
        time.sleep(0.3)  # every worker has opened its Engine and is idle
        t0 = time.perf_counter()
        put_events(db, n)
        deadline = t0 + max(120, n / 20)
        while completed(db) < n:
            if time.perf_counter() > deadline:
                raise RuntimeError("dispatch: only %d of %d runs completed" % (completed(db), n))
            time.sleep(0.02)
        elapsed = time.perf_counter() - t0
    finally:
        stop_serves(serves)
    check_runs(db, n)
    return {"events": n, "seconds": elapsed, "events_per_s": n / elapsed}


# ------------------------------------------------------------------ latency

def bench_latency(flowrun, directory, flow_file, procs, samples, tag):
    db = os.path.join(directory, "latency-p%d-%s.db" % (procs, tag))
    deploy(flowrun, db, flow_file)
    serves = start_serves(flowrun, db, procs)
    step_ms, done_ms, seen_ms, post_ms = [], [], [], []
    rng = random.Random(42)
    try:
        conns = [connect(s.port) for s in serves]
        time.sleep(0.3)
        for i in range(samples + 3):
            time.sleep(0.005 + rng.random() * 0.05)  # decorrelate from the workers' polls
            conn = conns[i % procs]
            body = json.dumps({"type": "bench.tick", "payload": dict(PAYLOAD, order=i)})
            sent = time.time() * 1000.0
            status, data = request(conn, "POST", "/events", body)
            posted = time.time() * 1000.0
            if status != 201:
                raise RuntimeError("POST /events: %d %s" % (status, data[:200]))
            eid = json.loads(data)["id"]
            run = None
            step = done = None
            seen = None
            t0 = time.time()
            while done is None:
                if time.time() - t0 > 20:
                    raise RuntimeError("latency: event %d: no completed run after 20 s" % eid)
                if run is None:
                    st, d = request(conn, "GET", "/events?since=%d&limit=1" % (eid - 1))
                    evs = json.loads(d) if st == 200 else []
                    for c in (evs[0].get("consumers", []) if evs else []):
                        if c.get("run"):
                            run = c["run"]
                if run is not None:
                    st, d = request(conn, "GET", "/runs/%s/history" % run)
                    rows = json.loads(d) if st == 200 else []
                    for h in rows:
                        if step is None and h["kind"] == "task.started":
                            step = h["at"]
                            seen = time.time() * 1000.0
                        if h["kind"] == "task.completed":
                            done = h["at"]
                if done is None:
                    time.sleep(0.001)
            if i < 3:
                continue  # warm-up: module load, first statements
            step_ms.append(step - sent)
            done_ms.append(done - sent)
            seen_ms.append(seen - sent)
            post_ms.append(posted - sent)
        for c in conns:
            c.close()
    finally:
        stop_serves(serves)

    def pct(v, p):
        v = sorted(v)
        return v[min(len(v) - 1, int(p * len(v)))]

    return {"samples": len(step_ms),
            "post_ms_p50": pct(post_ms, 0.5),
            "first_step_p50_ms": pct(step_ms, 0.5), "first_step_p99_ms": pct(step_ms, 0.99),
            "first_step_done_p50_ms": pct(done_ms, 0.5),
            "first_step_done_p99_ms": pct(done_ms, 0.99),
            "seen_p50_ms": pct(seen_ms, 0.5), "seen_p99_ms": pct(seen_ms, 0.99)}


# ------------------------------------------------------------------ main

def summarize(runs, key, higher_better=True):
    vals = [r[key] for r in runs]
    best = max(vals) if higher_better else min(vals)
    return best, statistics.median(vals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--flowrun", required=True)
    ap.add_argument("--dir", default=os.environ.get("TMPDIR", "/tmp"))
    ap.add_argument("--procs", default="1,3")
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--batch", default="1,10",
                    help="events per POST /events (1: one object; N: an array of N)")
    ap.add_argument("--conn", default="keepalive,new",
                    help="client connections for the appends: keepalive, new (one per POST)")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--dispatch", type=int, default=2000)
    ap.add_argument("--latency", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="appends,dispatch,latency")
    ap.add_argument("--loadgen", default=None,
                    help="flow_post_load (built in build/bench): also measure appends with it")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json-only", action="store_true")
    a = ap.parse_args()
    flowrun = os.path.abspath(a.flowrun)
    if not os.access(flowrun, os.X_OK):
        sys.exit("run.py: error: %s is not an executable flowrun" % a.flowrun)
    procs = [int(x) for x in a.procs.split(",")]
    clients = [int(x) for x in a.clients.split(",")]
    batches = [int(x) for x in a.batch.split(",")]
    only = set(a.only.split(","))
    conn_modes = [m == "keepalive" for m in a.conn.split(",") if m in ("keepalive", "new")]
    directory = tempfile.mkdtemp(prefix="flow-events-run.", dir=a.dir)
    flow_file = os.path.join(directory, "events.flow")
    with open(flow_file, "w") as f:
        f.write(TICK_FLOW)
    out = {"bench": "events-serve", "load1_start": os.getloadavg()[0]}
    log = (lambda *x: None) if a.json_only else print
    try:
        out["fsync_per_s"] = fsync_rate(directory, 1.5)
        log("reference: fsync %.0f/s (%s), load %.2f" % (out["fsync_per_s"], a.dir,
                                                         out["load1_start"]))
        parts = {}

        def attempt(name, fn):
            try:
                runs = [fn(k) for k in range(a.repeat)]
                parts[name] = runs
                return runs
            except NotMeasured as e:
                parts[name] = {"not_measured": str(e)}
                log("%-40s not measured: %s" % (name, e))
                return None

        if "appends" in only:
            log("\n%-34s %12s %12s %10s" % ("POST /events", "best ev/s", "median ev/s",
                                            "best/fsync"))
            for p in procs:
                for c in clients:
                    for ka in conn_modes:
                        for bt in batches:
                            name = "appends_p%d_c%d_%s_b%d" % (
                                p, c, "keepalive" if ka else "newconn", bt)
                            runs = attempt(name, lambda k: bench_appends(
                                flowrun, directory, p, c, a.seconds, ka, bt, str(k)))
                            if runs:
                                b, m = summarize(runs, "events_per_s")
                                log("%-34s %12.0f %12.0f %10.2f" % (
                                    "%d serve, %d cl, %s, %d/POST" % (
                                        p, c, "keep-alive" if ka else "new conn", bt),
                                    b, m, b / out["fsync_per_s"]))
            for p in procs if a.loadgen else []:
                for c in clients:
                    for bt in batches:
                        name = "appends_p%d_c%d_loadgen_b%d" % (p, c, bt)
                        runs = attempt(name, lambda k: bench_appends_loadgen(
                            os.path.abspath(a.loadgen), flowrun, directory, p, c, a.seconds,
                            bt, str(k)))
                        if runs:
                            b, m = summarize(runs, "events_per_s")
                            log("%-34s %12.0f %12.0f %10.2f" % (
                                "%d serve, %d C++ cl, %d/POST" % (p, c, bt),
                                b, m, b / out["fsync_per_s"]))
        if "dispatch" in only:
            log("\n%-34s %12s %12s %10s" % ("trigger dispatch (%d events)" % a.dispatch,
                                            "best ev/s", "median ev/s", "best/fsync"))
            runs = attempt("dispatch_work", lambda k: bench_dispatch_work(
                flowrun, directory, flow_file, a.dispatch, str(k)))
            if runs:
                b, m = summarize(runs, "events_per_s")
                log("%-34s %12.0f %12.0f %10.2f" % ("flowrun work --until-idle", b, m,
                                                    b / out["fsync_per_s"]))
            for p in procs:
                runs = attempt("dispatch_serve_p%d" % p, lambda k: bench_dispatch_serve(
                    flowrun, directory, flow_file, p, a.dispatch, str(k)))
                if runs:
                    b, m = summarize(runs, "events_per_s")
                    log("%-34s %12.0f %12.0f %10.2f" % ("%d serve process(es)" % p, b, m,
                                                        b / out["fsync_per_s"]))
        if "latency" in only:
            log("\nPOST /events -> first step (ms, %d samples; history `at` is whole ms)"
                % a.latency)
            log("%-22s %10s %10s %10s %10s %10s" % ("", "p50 best", "p50 med", "p99 med",
                                                    "done p50", "POST p50"))
            for p in procs:
                runs = attempt("latency_p%d" % p, lambda k: bench_latency(
                    flowrun, directory, flow_file, p, a.latency, str(k)))
                if runs:
                    b, m = summarize(runs, "first_step_p50_ms", higher_better=False)
                    _, m99 = summarize(runs, "first_step_p99_ms", higher_better=False)
                    _, mdone = summarize(runs, "first_step_done_p50_ms", higher_better=False)
                    _, mpost = summarize(runs, "post_ms_p50", higher_better=False)
                    log("%-22s %10.1f %10.1f %10.1f %10.1f %10.2f" % (
                        "%d serve process(es)" % p, b, m, m99, mdone, mpost))
        out["parts"] = parts
        out["load1_end"] = os.getloadavg()[0]
        log("\nload average at the end: %.2f" % out["load1_end"])
    finally:
        if a.keep:
            log("kept %s" % directory)
        else:
            shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
