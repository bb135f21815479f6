#!/usr/bin/env python3
"""Loopback feed server for feedd's end-to-end benchmarks (stdlib only).

Serves CORPUS/feeds/NAME at /feeds/NAME on 127.0.0.1 .. 127.0.0.HOSTS (one
port, the same on every address), so a client's per-host limit applies as it
would across real sites. Every response, 200 or 304, waits --latency first.
Responses carry a strong ETag (a hash of the bytes) and a Last-Modified;
If-None-Match / If-Modified-Since that match answer 304 with no body.
HTTP/1.1 with keep-alive, Content-Length, no compression.

Bounded: binds loopback addresses only (127.0.0.0/8), exits by itself after
--max-seconds, and on SIGTERM/SIGINT.

    bench/serve_corpus.py --corpus /tmp/corpus --hosts 50 --ready-file /tmp/ready

The ready file gets the port once every address listens. GET /_stats (any
address) returns the counts as JSON; /_stats?reset=1 also zeroes them. They
include the most connections ever open at once, in all and per address.
"""

import argparse
import hashlib
import http.server
import ipaddress
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.requests = 0
        self.status = {}
        self.body_bytes = 0
        self.open_now = 0
        self.open_max = 0
        self.per_host_now = {}
        self.per_host_max = 0

    def snapshot(self):
        return {"requests": self.requests, "status": dict(self.status), "body_bytes": self.body_bytes,
                "max_concurrent": self.open_max, "max_concurrent_per_host": self.per_host_max}

    def begin(self, host):
        with self.lock:
            self.open_now += 1
            self.open_max = max(self.open_max, self.open_now)
            now = self.per_host_now.get(host, 0) + 1
            self.per_host_now[host] = now
            self.per_host_max = max(self.per_host_max, now)

    def end(self, host, status, body_bytes):
        with self.lock:
            self.open_now -= 1
            self.per_host_now[host] -= 1
            self.requests += 1
            self.status[str(status)] = self.status.get(str(status), 0) + 1
            self.body_bytes += body_bytes


class Corpus:
    """The documents, read once and kept with their validators."""

    def __init__(self, folder):
        self.folder = os.path.join(folder, "feeds")
        self.lock = threading.Lock()
        self.cache = {}
        # Fixed, so a restarted server still answers 304 to what it served before.
        self.last_modified = "Sat, 17 Apr 2021 03:00:00 GMT"

    def get(self, name):
        with self.lock:
            found = self.cache.get(name)
        if found is not None:
            return found
        if "/" in name or name.startswith("."):
            return None
        try:
            with open(os.path.join(self.folder, name), "rb") as f:
                data = f.read()
        except OSError:
            return None
        etag = '"' + hashlib.sha1(data).hexdigest()[:20] + '"'
        head = data[:512]
        kind = "application/atom+xml" if b"<feed" in head else "application/rss+xml"
        found = (data, etag, kind + "; charset=utf-8")
        with self.lock:
            self.cache[name] = found
        return found


def make_handler(corpus, stats, latency):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "feedd-bench"
        sys_version = ""

        def log_message(self, *args):  # quiet: a run makes tens of thousands of requests
            pass

        def do_GET(self):
            host = self.server.server_address[0]
            target = urllib.parse.urlsplit(self.path)
            if target.path == "/_stats":
                body = json.dumps(stats.snapshot()).encode()
                if "reset=1" in target.query:
                    with stats.lock:
                        stats.reset()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            stats.begin(host)
            status, sent = 500, 0
            try:
                if latency > 0:
                    time.sleep(latency)
                doc = corpus.get(target.path[len("/feeds/"):]) if target.path.startswith("/feeds/") else None
                if doc is None:
                    status = 404
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data, etag, content_type = doc
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if (inm is not None and etag in [t.strip() for t in inm.split(",")]) or (
                        inm is None and ims == corpus.last_modified):
                    status = 304
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", corpus.last_modified)
                    self.end_headers()
                    return
                status = 200
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", corpus.last_modified)
                self.end_headers()
                self.wfile.write(data)
                sent = len(data)
            finally:
                stats.end(host, status, sent)

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, help="folder made by gen_corpus.py")
    parser.add_argument("--hosts", type=int, default=50, help="listen on 127.0.0.1..127.0.0.N (default 50, max 254)")
    parser.add_argument("--port", type=int, default=0, help="port on every address (default: a free one)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each response (default 0.1)")
    parser.add_argument("--max-seconds", type=float, default=1800, help="exit after this long (default 1800)")
    parser.add_argument("--ready-file", help="write the port here once listening")
    args = parser.parse_args(argv)
    if not 1 <= args.hosts <= 254:
        parser.error("--hosts must be 1..254")

    corpus = Corpus(args.corpus)
    stats = Stats()
    handler = make_handler(corpus, stats, args.latency)
    addresses = [f"127.0.0.{i}" for i in range(1, args.hosts + 1)]
    assert all(ipaddress.ip_address(a).is_loopback for a in addresses)

    servers = []
    port = args.port
    for attempt in range(20):  # a port free on the first address may be taken on another
        try:
            first = Server((addresses[0], port), handler)
            port = first.server_address[1]
            servers = [first] + [Server((a, port), handler) for a in addresses[1:]]
            break
        except OSError:
            for s in servers:
                s.server_close()
            servers = []
            if args.port:
                raise
            port = 0
    if not servers:
        print("serve_corpus: no port free on every address", file=sys.stderr)
        return 1

    # Read every document once now, so the first timed pass does not pay for it.
    for name in sorted(os.listdir(corpus.folder)):
        if name.endswith(".xml"):
            corpus.get(name)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True) for s in servers]
    for t in threads:
        t.start()
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.replace(args.ready_file + ".tmp", args.ready_file)
    print(f"serve_corpus: {len(corpus.cache)} documents on 127.0.0.1-{addresses[-1]}:{port}, "
          f"latency {args.latency * 1000:.0f} ms", file=sys.stderr)
    stop.wait(args.max_seconds)
    for s in servers:
        s.shutdown()
        s.server_close()
    print(f"serve_corpus: stopped; {json.dumps(stats.snapshot())}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
