#!/usr/bin/env python3
"""A toy sentiment service for the sentiment_feed sample: a lexicon scorer
behind a small JSON HTTP API (what a team would run before buying a model).

    POST /v1/score  {"text": "...", "lang": "en"}  ->  {"score": -1..1, "hits": {...}}
    GET  /stats                                    ->  {"requests": N, "unavailable": N}

Usage: sentiment_service.py --port-file FILE [--warmup N] [--port P]
Binds 127.0.0.1 only. Port 0 (the default) lets the kernel pick a free port;
the port actually bound is written to FILE once the server listens, which is
how run.sh knows the service is up and where. While "warming up", the first N
scoring requests answer 503 with {"error": "ServiceUnavailable"}, the body the
Flow http task turns into an error named ServiceUnavailable (docs/tasks.md).
"""
import argparse
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POSITIVE = {"love", "great", "excellent", "fast", "friendly", "happy", "amazing", "recommend",
            "smooth", "helpful", "easy", "thanks", "perfect", "good", "best", "fixed"}
NEGATIVE = {"hate", "terrible", "slow", "broken", "angry", "awful", "refund", "worst", "crash",
            "crashes", "rude", "bad", "never", "waiting", "lost", "useless", "disappointed"}
NEGATORS = {"not", "no", "isn't", "wasn't", "don't", "didn't", "never"}

lock = threading.Lock()
stats = {"requests": 0, "unavailable": 0}


def score(text):
    """(positive - negative) / (positive + negative + 1) over lexicon hits, a
    negator flipping the next word ("not good" counts as negative). The +1
    keeps a single word from making a post as extreme as a rant."""
    words = re.findall(r"[a-z']+", text.lower())
    pos = neg = 0
    for i, w in enumerate(words):
        flipped = i > 0 and words[i - 1] in NEGATORS
        if w in POSITIVE:
            pos, neg = (pos, neg + 1) if flipped else (pos + 1, neg)
        elif w in NEGATIVE and w not in NEGATORS:
            pos, neg = (pos + 1, neg) if flipped else (pos, neg + 1)
    total = pos + neg
    return round((pos - neg) / (total + 1), 4), {"positive": pos, "negative": neg}


class Handler(BaseHTTPRequestHandler):
    server_version = "toy-sentiment/1.0"

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                return self.answer(200, dict(stats))
        self.answer(404, {"error": "NotFound", "message": self.path})

    def do_POST(self):
        if self.path != "/v1/score":
            return self.answer(404, {"error": "NotFound", "message": self.path})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            text = body["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
        except (ValueError, KeyError, TypeError) as e:
            return self.answer(400, {"error": "BadRequest", "message": str(e)})
        with lock:
            stats["requests"] += 1
            warming = stats["requests"] <= self.server.warmup
            if warming:
                stats["unavailable"] += 1
        if warming:
            return self.answer(503, {"error": "ServiceUnavailable", "message": "model warming up"})
        s, hits = score(text)
        self.answer(200, {"score": s, "hits": hits})

    def log_message(self, fmt, *args):  # one line per request on stderr
        sys.stderr.write("sentiment: " + fmt % args + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=0)
    opts = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    server.warmup = opts.warmup
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(tmp, opts.port_file)  # run.sh never reads half a port number
    server.serve_forever()


if __name__ == "__main__":
    main()
