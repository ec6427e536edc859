#!/usr/bin/env python3
"""End-to-end tests of `flowrun serve` (issue 6): the long-running worker and its
JSON HTTP API, through the real binary.

usage: run_serve.py FLOWRUN [CASE...]

Every case: a fresh temp dir and --db file, real `flowrun serve` processes on
127.0.0.1 with a port the OS picks (--http 127.0.0.1:0; the test reads the
`listening on` line), real HTTP, real SIGTERM and kill -9 (only of processes
this script started, by pid). Every wait is bounded in time. Prints
`ok NAME (time)` / `FAIL NAME: why`, then a summary; exit 1 when a case fails.
"""
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
FLOWS = os.path.join(HERE, "flows")
APP = os.path.join(FLOWS, "app.flow")
TRIGGERS = os.path.join(FLOWS, "triggers.flow")
# Upper bounds only: nothing waits for them unless something is wrong.
TIMEOUT = float(os.environ.get("SERVE_TIMEOUT", "60"))


class Failure(Exception):
    pass


class Server:
    def __init__(self, proc, port, out_path, err_path):
        self.proc, self.port, self.out_path, self.err_path = proc, port, out_path, err_path

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()


class Ctx:
    def __init__(self, name, flowrun):
        self.name = name
        self.flowrun = flowrun
        self.dir = tempfile.mkdtemp(prefix="flow-serve-%s-" % name)
        self.db = os.path.join(self.dir, "flow.db")
        self.env = dict(os.environ)
        self.env.pop("FLOW_DB", None)
        self.servers = []

    # ---- processes
    def serve(self, *args, files=(APP,), workers=2):
        n = len(self.servers)
        out_path = os.path.join(self.dir, "serve%d.out" % n)
        err_path = os.path.join(self.dir, "serve%d.err" % n)
        argv = [self.flowrun, "serve", *files, "--db", self.db, "--http", "127.0.0.1:0",
                "--workers", str(workers), *args]
        with open(out_path, "w") as out, open(err_path, "w") as err:
            p = subprocess.Popen(argv, cwd=self.dir, env=self.env, stdout=out, stderr=err)
        s = Server(p, None, out_path, err_path)
        self.servers.append(s)
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            with open(out_path) as f:
                for line in f:
                    if line.startswith("listening on http://127.0.0.1:"):
                        s.port = int(line.strip().rsplit(":", 1)[1])
                        return s
            if p.poll() is not None:
                raise Failure("serve exited with %s before listening: %s"
                              % (p.returncode, s.stderr().strip()))
            time.sleep(0.02)
        raise Failure("serve printed no 'listening on' line within %ss" % TIMEOUT)

    def stop(self, s, sig=signal.SIGTERM, timeout=TIMEOUT):
        s.proc.send_signal(sig)
        try:
            return s.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure("serve did not exit within %ss of signal %d" % (timeout, sig))

    def cli(self, *args):
        p = subprocess.run([self.flowrun, *args, "--db", self.db], cwd=self.dir, env=self.env,
                           capture_output=True, text=True, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr

    def cleanup(self, keep=False):
        for s in self.servers:  # only what this case started, by pid
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        if not keep and not os.environ.get("SERVE_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- checks
    def check(self, cond, what):
        if not cond:
            raise Failure(what)

    def eq(self, got, want, what):
        self.check(got == want, "%s: got %r, want %r" % (what, got, want))

    def wait_for(self, what, pred, timeout=TIMEOUT, step=0.05):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(step)
        raise Failure("gave up waiting (%ss) for %s" % (timeout, what))


def request(port, method, path, body=None, headers=None, raw=None):
    """One HTTP request: (status, headers dict, JSON or text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        conn.request(method, path, body=data, headers=headers or {})
        r = conn.getresponse()
        text = r.read().decode()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()
    try:
        return r.status, hdrs, json.loads(text)
    except ValueError:
        return r.status, hdrs, text


def api(ctx, s, method, path, body=None, want=None, **kw):
    status, hdrs, out = request(s.port, method, path, body, **kw)
    if want is not None:
        ctx.eq(status, want, "%s %s status (body %r)" % (method, path, out))
        ctx.check(hdrs.get("content-type", "").startswith("application/json"),
                  "%s %s answers application/json (got %r)"
                  % (method, path, hdrs.get("content-type")))
    return status, out


def start(ctx, s, workflow, inp=None):
    _, out = api(ctx, s, "POST", "/runs", {"workflow": workflow, "input": inp}, want=201)
    ctx.check(isinstance(out, dict) and out.get("runId", "").startswith("r-"),
              "POST /runs answers {runId}: %r" % out)
    return out["runId"]


def run_of(ctx, s, rid):
    _, out = api(ctx, s, "GET", "/runs/" + rid, want=200)
    return out


def finished(ctx, s, rid, timeout=TIMEOUT):
    return ctx.wait_for("run %s to finish" % rid, lambda: (
        lambda r: r if r["status"] in ("completed", "failed", "cancelled") else None)(
        run_of(ctx, s, rid)), timeout)


def kinds(hist):
    return [h["kind"] for h in hist]


def once_each(ctx, rid, hist):
    """Each run completed once, each task step completed once (builtin tasks never fail
    here), each timer fired once: no continuation ran twice."""
    k = kinds(hist)
    ctx.eq(k.count("run.completed"), 1, "run %s: run.completed rows" % rid)
    for kind in ("task.completed", "timer.fired"):
        steps = [h["step"] for h in hist if h["kind"] == kind]
        ctx.eq(len(steps), len(set(steps)), "run %s: %s rows per step %r" % (rid, kind, steps))
    seqs = [h["seq"] for h in hist]
    ctx.eq(seqs, list(range(1, len(seqs) + 1)), "run %s: history seqs" % rid)


# ---------------------------------------------------------------- cases

def case_api(ctx):
    s = ctx.serve()
    rid = start(ctx, s, "quick", 5)
    r = finished(ctx, s, rid)
    ctx.eq(r["status"], "completed", "quick's status")
    ctx.eq(r.get("result"), {"out": 5}, "quick's result")
    # The API answers what the CLI's --json prints.
    rc, out, err = ctx.cli("status", rid, "--json")
    ctx.eq(rc, 0, "flowrun status (stderr %r)" % err)
    ctx.eq(run_of(ctx, s, rid), json.loads(out), "GET /runs/{id} vs flowrun status --json")
    _, hist = api(ctx, s, "GET", "/runs/%s/history" % rid, want=200)
    rc, out, _ = ctx.cli("history", rid, "--json")
    ctx.eq(hist, json.loads(out), "GET /runs/{id}/history vs flowrun history --json")
    once_each(ctx, rid, hist)
    rid2 = start(ctx, s, "quick", 6)
    finished(ctx, s, rid2)
    _, lst = api(ctx, s, "GET", "/runs", want=200)
    rc, out, _ = ctx.cli("list", "--json")
    ctx.eq(lst, json.loads(out), "GET /runs vs flowrun list --json")
    ctx.eq({x["id"] for x in lst}, {rid, rid2}, "GET /runs ids")
    _, lst = api(ctx, s, "GET", "/runs?status=completed&workflow=quick&limit=1", want=200)
    ctx.eq(len(lst), 1, "GET /runs?limit=1 length")
    _, lst = api(ctx, s, "GET", "/runs?status=failed", want=200)
    ctx.eq(lst, [], "GET /runs?status=failed")
    # Events.
    _, ev = api(ctx, s, "POST", "/events", {"type": "x.y", "payload": {"a": 1}}, want=201)
    ctx.check(isinstance(ev.get("id"), int), "POST /events answers {id}: %r" % ev)
    _, ev2 = api(ctx, s, "POST", "/events", {"type": "x.z"}, want=201)
    _, evs = api(ctx, s, "GET", "/events", want=200)
    ctx.eq([(e["id"], e["type"], e["payload"]) for e in evs],
           [(ev["id"], "x.y", {"a": 1}), (ev2["id"], "x.z", None)], "GET /events")
    _, evs = api(ctx, s, "GET", "/events?type=x.z", want=200)
    ctx.eq([e["id"] for e in evs], [ev2["id"]], "GET /events?type=")
    _, evs = api(ctx, s, "GET", "/events?since=%d" % ev["id"], want=200)
    ctx.eq([e["id"] for e in evs], [ev2["id"]], "GET /events?since=")
    _, evs = api(ctx, s, "GET", "/events?limit=1", want=200)
    ctx.eq(len(evs), 1, "GET /events?limit=1")
    ctx.eq(ctx.stop(s), 0, "serve's exit status after SIGTERM")


def case_signal(ctx):
    s = ctx.serve()
    rid = start(ctx, s, "approve", 1)
    r = ctx.wait_for("approve to wait for its signal", lambda: (
        lambda x: x if any(w.get("kind") == "signal" for w in x.get("waiting", [])) else None)(
        run_of(ctx, s, rid)))
    ctx.eq(r["status"], "waiting", "approve's status while it waits")
    _, out = api(ctx, s, "POST", "/runs/%s/signals/approve" % rid, {"by": "ada"}, want=202)
    r = finished(ctx, s, rid)
    ctx.eq(r.get("result"), {"approved": {"by": "ada"}, "n": 1}, "approve's result")
    # A signal to a finished run: 409, with a message.
    st, out = api(ctx, s, "POST", "/runs/%s/signals/approve" % rid, {}, want=409)
    ctx.check("error" in out, "409 has an error message: %r" % out)
    # An empty body is a null payload.
    rid2 = start(ctx, s, "approve", 2)
    api(ctx, s, "POST", "/runs/%s/signals/approve" % rid2, want=202)
    ctx.eq(finished(ctx, s, rid2).get("result"), {"approved": None, "n": 2}, "null payload")
    ctx.eq(ctx.stop(s), 0, "serve's exit status")


def case_cancel(ctx):
    s = ctx.serve()
    rid = start(ctx, s, "waiter")
    ctx.wait_for("waiter to wait", lambda: run_of(ctx, s, rid)["status"] == "waiting")
    time.sleep(0.3)  # let every worker evict it: the cancel must reach an idle run
    # As `curl -X POST URL` sends it: no body, no Content-Length (the library
    # answered 400 without calling the API).
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
    try:
        conn.putrequest("POST", "/runs/%s/cancel" % rid)
        conn.endheaders()
        r = conn.getresponse()
        out = json.loads(r.read().decode() or "null")
        ctx.eq(r.status, 202, "POST cancel without a body or Content-Length (body %r)" % out)
    finally:
        conn.close()
    r = finished(ctx, s, rid)
    ctx.eq(r["status"], "cancelled", "waiter's status after POST cancel")
    _, hist = api(ctx, s, "GET", "/runs/%s/history" % rid, want=200)
    k = kinds(hist)
    ctx.check("run.cancel-requested" in k and "run.cancelled" in k,
              "history records the cancel: %r" % k)
    ctx.check(any(h["kind"] == "task.completed" for h in hist),
              "the finally block's task ran: %r" % k)
    api(ctx, s, "POST", "/runs/%s/cancel" % rid, want=409)
    api(ctx, s, "POST", "/runs/r-nosuchrun/cancel", want=404)
    ctx.eq(ctx.stop(s), 0, "serve's exit status")


def case_bad_input(ctx):
    s = ctx.serve()
    for method, path, raw, want, what in [
        ("POST", "/runs", b"{not json", 400, "malformed JSON"),
        ("POST", "/runs", b"", 400, "empty body"),
        ("POST", "/runs", b"[1]", 400, "not an object"),
        ("POST", "/runs", b'{"workflow": 3}', 400, "workflow not a string"),
        ("POST", "/runs", b'{"workflow": "nope"}', 404, "unknown workflow"),
        ("POST", "/events", b'{"payload": 1}', 400, "event without a type"),
        ("POST", "/events", b'{"type": "a", ', 400, "malformed event JSON"),
        ("POST", "/runs/r-nosuchrun/signals/approve", b"{}", 404, "signal to an unknown run"),
        ("POST", "/runs/r-nosuchrun/signals/approve", b"{x", 400, "malformed signal payload"),
        ("GET", "/runs/r-nosuchrun", None, 404, "unknown run"),
        ("GET", "/runs/r-nosuchrun/history", None, 404, "history of an unknown run"),
        ("GET", "/runs?status=sleepy", None, 400, "unknown status"),
        ("GET", "/runs?limit=abc", None, 400, "non-numeric limit"),
        ("GET", "/events?since=-1", None, 400, "negative since"),
        ("GET", "/nowhere", None, 404, "unknown route"),
        ("GET", "/runs/a/b/c/d/e", None, 404, "unknown deeper route"),
        # Bytes that are not UTF-8, quoted in the message, made its JSON dump throw: 500.
        ("POST", "/events", b'{"type": "a", "payload": "\xff\xfe"}', 400, "invalid UTF-8"),
        ("POST", "/runs", b'{"workflow": "\xff"}', 400, "invalid UTF-8 name"),
        ("GET", "/runs/%FF", None, 404, "a run id that is not UTF-8"),
        ("POST", "/runs/%FF/cancel", None, 404, "cancel of a run id that is not UTF-8"),
        ("DELETE", "/runs", None, 405, "DELETE /runs"),
        ("PUT", "/events", b"{}", 405, "PUT /events"),
        ("GET", "/runs/r-1/cancel", None, 405, "GET on a POST route"),
        ("POST", "/runs/r-1", b"{}", 405, "POST on a GET route"),
    ]:
        st, out = api(ctx, s, method, path, raw=raw, want=want)
        ctx.check(isinstance(out, dict) and isinstance(out.get("error"), str) and out["error"],
                  "%s (%s %s) answers {error: message}: %r" % (what, method, path, out))
    _, hdrs, _ = request(s.port, "DELETE", "/runs")
    ctx.eq(hdrs.get("allow"), "GET, POST", "405's Allow header")
    _, _, out = request(s.port, "POST", "/runs", raw=b'{"workflow": "nope"}')
    ctx.check("quick" in out["error"], "unknown workflow lists the deployed ones: %r" % out)
    # Bodies over the 1 MiB cap: a real one, and one only announced by Content-Length.
    big = json.dumps({"type": "big", "payload": "x" * (1 << 20)}).encode()
    api(ctx, s, "POST", "/events", raw=big, want=413)
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
    conn.putrequest("POST", "/events")
    conn.putheader("Content-Length", str(50 << 20))
    conn.endheaders()
    conn.send(b'{"type": "a"}')
    r = conn.getresponse()
    ctx.eq(r.status, 413, "a Content-Length of 50 MiB")
    ctx.check("error" in json.loads(r.read().decode()), "413 has a JSON error")
    conn.close()
    # Just under the cap is fine.
    ok = json.dumps({"type": "big", "payload": "x" * ((1 << 20) - 100)}).encode()
    api(ctx, s, "POST", "/events", raw=ok, want=201)
    _, evs = api(ctx, s, "GET", "/events?type=big", want=200)
    ctx.eq(len(evs), 1, "only the event under the cap is stored")
    # JSON nested deeper than the store keeps: 400 naming the value. A 400,000-deep
    # payload (under the 1 MiB cap) crashed the whole server (the JSON serializer's
    # recursion on an HTTP thread); 1e400 was a 500.
    def nest(n):
        return "[" * n + "]" * n
    for method, path, raw, needle in [
        ("POST", "/events", '{"type": "d", "payload": %s}' % nest(400000), "the request body"),
        ("POST", "/events", '{"type": "d", "payload": %s}' % nest(513), "the payload"),
        ("POST", "/events", '[{"type": "d"}, {"type": "d", "payload": %s}]' % nest(512 + 1),
         "the request body"),
        ("POST", "/runs", '{"workflow": "quick", "input": %s}' % nest(513), "the input"),
        ("POST", "/runs/r-nosuchrun/signals/go", nest(513), "the signal payload"),
    ]:
        _, out = api(ctx, s, method, path, raw=raw.encode(), want=400)
        ctx.check(out.get("error", "").startswith(needle + " is nested deeper than 512 levels"),
                  "%s %s nested too deep: %r" % (method, path, out))
    api(ctx, s, "POST", "/runs", raw=b'{"workflow": "quick", "input": 1e400}', want=400)
    _, evs = api(ctx, s, "GET", "/events?type=d", want=200)
    ctx.eq(evs, [], "refused deep payloads appended nothing")
    rid = start(ctx, s, "quick", json.loads(nest(512)))
    ctx.eq(finished(ctx, s, rid)["status"], "completed", "a run whose input nests 512 deep")
    # The server still works after all that.
    ctx.eq(finished(ctx, s, start(ctx, s, "quick", 1))["status"], "completed", "quick after")
    ctx.eq(ctx.stop(s), 0, "serve's exit status")

    # Bad command lines: clear messages, exit 2, nothing served.
    for args, want in [(["--workers", "0"], "--workers"), (["--http", "nope"], "--http"),
                       (["--bogus"], "unknown option"), (["--token", ""], "--token"),
                       (["--max-tasks", "zz"], "--max-tasks takes an integer from 1 to 1024")]:
        p = subprocess.run([ctx.flowrun, "serve", "--db", ctx.db, *args], capture_output=True,
                           text=True, timeout=TIMEOUT)
        ctx.eq(p.returncode, 2, "serve %s exit status" % args)
        ctx.check(want in p.stderr, "serve %s says %r: %r" % (args, want, p.stderr))
    p = subprocess.run([ctx.flowrun, "serve", os.path.join(ctx.dir, "missing.flow"), "--db",
                        ctx.db, "--http", "127.0.0.1:0"], capture_output=True, text=True,
                       timeout=TIMEOUT)
    ctx.check(p.returncode != 0 and "missing.flow" in p.stderr,
              "serve of a missing file fails clearly: %d %r" % (p.returncode, p.stderr))


def case_connections(ctx):
    """The listening socket: a client slow to send, or reusing a pooled connection after a
    pause, is answered (the keep-alive timeout is 5 s; it was 1 s and CI met it); the port is
    this server's alone; SIGTERM ends idle connections at once instead of waiting them out."""
    s = ctx.serve()

    def post(conn, k):
        conn.request("POST", "/events", body=json.dumps({"type": "c.one", "payload": k}).encode())
        r = conn.getresponse()
        return r.status, json.loads(r.read().decode())
    slow = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
    slow.connect()
    pooled = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
    ctx.eq(post(pooled, 1)[0], 201, "a first POST on the pooled connection")
    time.sleep(2)
    ctx.eq(post(slow, 2)[0], 201, "a request sent 2 s after connecting")
    ctx.eq(post(pooled, 3)[0], 201, "a request on a connection idle for 2 s")
    # A second server on the same port is refused (SO_REUSEPORT let it bind and share
    # the clients with this one, each with its own database).
    other = os.path.join(ctx.dir, "other.db")
    p = subprocess.run([ctx.flowrun, "serve", "--db", other, "--http", "127.0.0.1:%d" % s.port],
                       cwd=ctx.dir, env=ctx.env, capture_output=True, text=True, timeout=TIMEOUT)
    ctx.eq(p.returncode, 2, "a second serve on the port exits 2 (stderr %r)" % p.stderr)
    ctx.check("address in use" in p.stderr, "it says the address is in use: %r" % p.stderr)
    # Idle connections (one answered, one that never sent) do not hold up SIGTERM for
    # their 5 s keep-alive.
    silent = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
    silent.connect()
    t0 = time.time()
    ctx.eq(ctx.stop(s), 0, "serve's exit status after SIGTERM")
    took = time.time() - t0
    ctx.check(took < 4, "serve stopped without waiting out idle connections (%.1fs)" % took)
    for conn, what in [(slow, "slow"), (pooled, "pooled"), (silent, "silent")]:
        # End of stream, or a reset: a connection still in the listen queue when the
        # listener closed (the silent one, just connected) is reset by the kernel.
        try:
            got = conn.sock.recv(16)
        except ConnectionResetError:
            got = b""
        ctx.eq(got, b"", "the %s connection is closed by the server" % what)
        conn.close()


def case_token(ctx):
    s = ctx.serve("--token", "s3cret")
    for hdrs, what in [({}, "no token"), ({"Authorization": "Bearer wrong"}, "wrong token"),
                       ({"Authorization": "Bearer s3cret2"}, "longer token"),
                       ({"Authorization": "Bearer s3cre"}, "prefix of the token"),
                       ({"Authorization": "s3cret"}, "no Bearer")]:
        st, h, out = request(s.port, "GET", "/runs", headers=hdrs)
        ctx.eq(st, 401, "GET /runs with %s" % what)
        ctx.check(isinstance(out, dict) and "error" in out, "401 has a JSON error: %r" % out)
        ctx.eq(h.get("www-authenticate"), "Bearer", "401's WWW-Authenticate")
    # Unauthenticated bodies are refused before they are read (401, not 413).
    st, _, _ = request(s.port, "POST", "/events", raw=b"x" * ((1 << 20) + 10))
    ctx.eq(st, 401, "an oversized unauthenticated body")
    st, _, _ = request(s.port, "GET", "/nowhere")
    ctx.eq(st, 401, "an unknown route without the token")
    good = {"Authorization": "Bearer s3cret"}
    st, _, out = request(s.port, "GET", "/runs", headers=good)
    ctx.eq(st, 200, "GET /runs with the token")
    st, _, out = request(s.port, "POST", "/runs", {"workflow": "quick", "input": 2}, headers=good)
    ctx.eq(st, 201, "POST /runs with the token")
    ctx.eq(ctx.stop(s), 0, "serve's exit status")


def case_sigterm(ctx):
    """SIGTERM: exit 0, leases released, and the waiting run finishes under another serve."""
    s = ctx.serve()
    rid = start(ctx, s, "approve", 3)
    ctx.wait_for("approve to wait", lambda: run_of(ctx, s, rid)["status"] == "waiting")
    t0 = time.time()
    ctx.eq(ctx.stop(s), 0, "serve's exit status after SIGTERM")
    ctx.check(time.time() - t0 < 10, "serve stops promptly (%.1fs)" % (time.time() - t0))
    ctx.check("stopped" in s.stderr(), "serve says it stopped: %r" % s.stderr())
    with sqlite3.connect(ctx.db) as db:
        leases = db.execute("SELECT id, lease_owner FROM runs WHERE lease_owner IS NOT NULL"
                            ).fetchall()
    ctx.eq(leases, [], "leases held after SIGTERM")
    rc, out, err = ctx.cli("status", rid, "--json")
    ctx.eq(json.loads(out)["status"], "waiting", "the run waits after serve stopped")
    s2 = ctx.serve()
    api(ctx, s2, "POST", "/runs/%s/signals/approve" % rid, "late", want=202)
    ctx.eq(finished(ctx, s2, rid).get("result"), {"approved": "late", "n": 3},
           "the run finishes under the second serve")
    # SIGINT works the same.
    ctx.eq(ctx.stop(s2, signal.SIGINT), 0, "serve's exit status after SIGINT")


def case_timers(ctx):
    """A timer that fell due while no serve ran fires when one starts."""
    s = ctx.serve()
    rid = start(ctx, s, "napper", 9)
    ctx.eq(ctx.stop(s), 0, "serve's exit status")
    rc, out, _ = ctx.cli("status", rid, "--json")
    st = json.loads(out)
    ctx.eq(st["status"], "waiting", "napper waits for its timer")
    due = [w["due"] for w in st["waiting"] if w.get("kind") == "timer"]
    ctx.eq(len(due), 1, "one timer pending: %r" % st["waiting"])
    # Let it fall due with nothing running.
    while time.time() * 1000 < due[0] + 300:
        time.sleep(0.05)
    rc, out, _ = ctx.cli("status", rid, "--json")
    ctx.eq(json.loads(out)["status"], "waiting", "nothing fired the timer without a serve")
    s2 = ctx.serve(files=())  # nothing to deploy: the run is pinned to its module
    r = finished(ctx, s2, rid, timeout=20)
    ctx.eq(r.get("result"), {"woke": 9}, "napper's result")
    _, hist = api(ctx, s2, "GET", "/runs/%s/history" % rid, want=200)
    once_each(ctx, rid, hist)
    ctx.eq(ctx.stop(s2), 0, "serve's exit status")


def case_triggers(ctx):
    """POST /events starts the triggered run, exactly once, visible as the consumer."""
    s = ctx.serve(files=(APP, TRIGGERS))
    _, ev = api(ctx, s, "POST", "/events", {"type": "order.placed", "payload": {"n": 7}},
                want=201)

    def consumer():
        _, evs = api(ctx, s, "GET", "/events?type=order.placed", want=200)
        cs = evs[0].get("consumers", []) if evs else []
        return cs[0] if cs else None
    c = ctx.wait_for("the trigger to consume the event", consumer)
    ctx.check(c.get("run") and "error" not in c, "the trigger started a run: %r" % c)
    r = finished(ctx, s, c["run"])
    ctx.eq(r.get("result"), {"order": 7}, "the triggered run's result")
    _, lst = api(ctx, s, "GET", "/runs?workflow=placed", want=200)
    ctx.eq(len(lst), 1, "one run per event")
    ctx.eq(ctx.stop(s), 0, "serve's exit status")


def case_wait_event(ctx):
    """A run started over HTTP that waits for an event gets the one posted over HTTP."""
    s = ctx.serve()
    rid = start(ctx, s, "eventer", 4)
    ctx.wait_for("eventer to wait for its event", lambda: any(
        w.get("kind") == "event" for w in run_of(ctx, s, rid).get("waiting", [])))
    api(ctx, s, "POST", "/events", {"type": "pay.done", "payload": {"n": 5, "amount": 1}},
        want=201)
    api(ctx, s, "POST", "/events", {"type": "pay.done", "payload": {"n": 4, "amount": 10}},
        want=201)
    ctx.eq(finished(ctx, s, rid).get("result"), {"paid": 10}, "eventer's result")
    ctx.eq(ctx.stop(s), 0, "serve's exit status")


def case_cluster(ctx):
    """3 serve processes on one database, kill -9 one under load: every run completes
    exactly once."""
    servers = [ctx.serve(workers=2) for _ in range(3)]
    ids = []
    for k, s in enumerate(servers):
        for i in range(30):
            ids.append((start(ctx, s, "load", k * 100 + i), k * 100 + i))
    victim = servers[1]

    def victim_holds():
        with sqlite3.connect(ctx.db, timeout=10) as db:
            return db.execute("SELECT count(*) FROM runs WHERE lease_owner LIKE ?",
                              ("%d:%%" % victim.proc.pid,)).fetchone()[0]
    # Kill it while it holds runs (mid-flight), so they must be taken over.
    held = ctx.wait_for("the victim to hold a run", victim_holds, timeout=20, step=0.01)
    victim.proc.kill()
    victim.proc.wait()
    survivors = [servers[0], servers[2]]
    deadline = time.time() + 90
    pending = {rid for rid, _ in ids}
    while pending and time.time() < deadline:
        _, lst = api(ctx, survivors[0], "GET", "/runs?status=completed&limit=1000", want=200)
        pending -= {x["id"] for x in lst}
        time.sleep(0.2)
    if pending:
        r = run_of(ctx, survivors[0], sorted(pending)[0])
        raise Failure("%d runs never completed, e.g. %r" % (len(pending), r))
    for rid, n in ids:
        r = run_of(ctx, survivors[1], rid)
        ctx.eq(r.get("result"), n + 3, "run %s's result" % rid)
        _, hist = api(ctx, survivors[0], "GET", "/runs/%s/history" % rid, want=200)
        once_each(ctx, rid, hist)
        ctx.eq(kinds(hist).count("task.completed"), 6, "run %s: task.completed rows" % rid)
        ctx.eq(kinds(hist).count("timer.fired"), 3, "run %s: timer.fired rows" % rid)
    ctx.check(held > 0, "the victim held runs when it was killed")
    for s in survivors:
        ctx.eq(ctx.stop(s), 0, "a survivor's exit status")


def case_event_batches(ctx):
    """POST /events with an array appends atomically; concurrent POSTs (which the
    server commits in groups) each get their own id, and every event is in the log."""
    s = ctx.serve()
    _, out = api(ctx, s, "POST", "/events",
                 [{"type": "b.one", "payload": {"i": i}} for i in range(3)], want=201)
    ids = out.get("ids")
    ctx.check(isinstance(ids, list) and len(ids) == 3, "an array answers {ids}: %r" % out)
    ctx.eq(ids, list(range(ids[0], ids[0] + 3)), "a batch's ids are consecutive")
    _, evs = api(ctx, s, "GET", "/events?type=b.one", want=200)
    ctx.eq([(e["id"], e["payload"]) for e in evs], [(ids[i], {"i": i}) for i in range(3)],
           "the batch in the log, in order")
    # A bad element rejects the whole request: nothing of it is appended.
    for raw, want, what in [
        (b"[]", 400, "an empty array"),
        (json.dumps([{"type": "b.two"}, {"payload": 1}]).encode(), 400, "an element without a type"),
        (json.dumps([{"type": "b.two"}, 7]).encode(), 400, "an element that is not an object"),
        (json.dumps([{"type": "b.two"}] * 1001).encode(), 413, "more than 1000 events"),
    ]:
        _, out = api(ctx, s, "POST", "/events", raw=raw, want=want)
        ctx.check(isinstance(out.get("error"), str), "%s answers {error}: %r" % (what, out))
    _, evs = api(ctx, s, "GET", "/events?type=b.two", want=200)
    ctx.eq(evs, [], "rejected batches appended nothing")
    # 24 clients at once, each over its own keep-alive connection.
    errors, got = [], []
    lock = threading.Lock()

    def client(k):
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=TIMEOUT)
        try:
            for j in range(10):
                conn.request("POST", "/events", body=json.dumps(
                    {"type": "b.many", "payload": {"k": k, "j": j}}).encode())
                r = conn.getresponse()
                body = json.loads(r.read().decode())
                with lock:
                    if r.status != 201:
                        errors.append((r.status, body))
                    else:
                        got.append((body["id"], k, j))
        finally:
            conn.close()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    ctx.eq(errors, [], "concurrent POST /events errors")
    ctx.eq(len({g[0] for g in got}), 240, "240 concurrent POSTs got 240 distinct ids")
    _, evs = api(ctx, s, "GET", "/events?type=b.many&limit=1000", want=200)
    ctx.eq(sorted((e["id"], e["payload"]["k"], e["payload"]["j"]) for e in evs), sorted(got),
           "every acknowledged event is in the log with its payload")
    ctx.eq(ctx.stop(s), 0, "serve's exit status after SIGTERM")


CASES = [
    ("api", case_api),
    ("signal", case_signal),
    ("cancel", case_cancel),
    ("event-batches", case_event_batches),
    ("connections", case_connections),
    ("bad-input", case_bad_input),
    ("token", case_token),
    ("sigterm", case_sigterm),
    ("timers", case_timers),
    ("triggers", case_triggers),
    ("wait-event", case_wait_event),
    ("cluster", case_cluster),
]


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    flowrun = os.path.abspath(sys.argv[1])
    only = set(sys.argv[2:])
    unknown = only - {n for n, _ in CASES}
    if unknown:
        print("unknown case(s): %s" % ", ".join(sorted(unknown)), file=sys.stderr)
        return 2
    failed, t_all = [], time.time()
    for name, fn in CASES:
        if only and name not in only:
            continue
        ctx = Ctx(name, flowrun)
        t0 = time.time()
        try:
            fn(ctx)
            print("ok %s (%.1fs)" % (name, time.time() - t0), flush=True)
        except Failure as e:
            failed.append(name)
            print("FAIL %s: %s  [temp dir %s]" % (name, e, ctx.dir), flush=True)
        except Exception:
            failed.append(name)
            print("FAIL %s: exception\n%s  [temp dir %s]" % (name, traceback.format_exc(),
                                                          ctx.dir), flush=True)
        ctx.cleanup(keep=name in failed)  # a failed case keeps its temp dir
    print("%d cases, %d failed, %.1fs" % (len(only) or len(CASES), len(failed),
                                          time.time() - t_all))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
