#!/usr/bin/env python3
"""Loopback feed server for bench/scale_bench.sh: ~100,000 feed paths on a few
addresses and ports, answering conditional requests with 304 (stdlib only).

Feed k lives at /f/K.xml on every address and port. Its ETag is "sK-vV",
where V is 0 for a steady feed; every --changing-th feed (k % N == 0) is a
busy one whose version moves every --change-seconds, so a poll of it after
that brings one new entry (a 200 with a body). If-None-Match equal to the
current ETag answers 304 with no body. HTTP/1.1 keep-alive, Content-Length.

Every feed request is recorded as (k, arrival time in ms, status); GET /_dump
on any address writes them to --record (one "k ms status" line each, the
ones since the last dump) and answers the count. GET /_stats answers the
counts as JSON.

Bounded: binds loopback addresses only (127.0.0.0/8), exits by itself after
--max-seconds, and on SIGTERM/SIGINT.

    bench/scale_server.py --hosts 20 --ports 5 --ready-file /tmp/ready --record /tmp/requests.txt

The ready file gets the first port once every socket listens (the ports are
consecutive from it).
"""

import argparse
import asyncio
import ipaddress
import json
import os
import signal
import sys
import time

FEED = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>scale {k}</title>'
        '<link>http://example.org/{k}/</link><description>bench feed {k}</description>{items}</channel></rss>\n')
ITEM = ('<item><title>entry {k}-{v}</title><link>http://example.org/{k}/{v}.html</link><guid>scale-{k}-{v}</guid>'
        '<pubDate>{date}</pubDate><description>text of entry {v} of feed {k}</description></item>')


class Feeds:
    def __init__(self, changing, change_seconds):
        self.changing = changing
        self.change_seconds = change_seconds
        self.start = time.time()

    def version(self, k):
        if self.changing <= 0 or k % self.changing != 0:
            return 0
        return int((time.time() - self.start) // self.change_seconds)

    def etag(self, k):
        return f'"s{k}-v{self.version(k)}"'

    def body(self, k):
        v = self.version(k)
        items = []
        for shown in range(max(0, v - 2), v + 1):  # the last three entries
            date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(self.start + shown * self.change_seconds))
            items.append(ITEM.format(k=k, v=shown, date=date))
        return FEED.format(k=k, items="".join(items)).encode()


class Server:
    def __init__(self, feeds, record_path):
        self.feeds = feeds
        self.record_path = record_path
        self.records = []
        self.status = {}
        self.connections = 0
        self.connections_max = 0

    async def handle(self, reader, writer):
        self.connections += 1
        self.connections_max = max(self.connections_max, self.connections)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                status, body, extra = self.answer(method, target, headers)
                reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
                out = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"] + extra
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
            pass
        finally:
            self.connections -= 1
            writer.close()

    def answer(self, method, target, headers):
        path = target.split("?", 1)[0]
        if path == "/_stats":
            stats = {"requests": sum(self.status.values()), "status": self.status,
                     "connections": self.connections, "connections_max": self.connections_max}
            return 200, json.dumps(stats).encode(), ["Content-Type: application/json"]
        if path == "/_dump":
            records, self.records = self.records, []
            with open(self.record_path, "a", encoding="ascii") as out:
                out.writelines(f"{k} {ms} {status}\n" for k, ms, status in records)
            return 200, str(len(records)).encode(), ["Content-Type: text/plain"]
        if not (path.startswith("/f/") and path.endswith(".xml")):
            return 404, b"", []
        k = int(path[3:-4])
        etag = self.feeds.etag(k)
        status = 304 if headers.get("if-none-match") == etag else 200
        self.records.append((k, int(time.time() * 1000), status))
        self.status[str(status)] = self.status.get(str(status), 0) + 1
        extra = [f"ETag: {etag}"]
        if status == 304:
            return 304, b"", extra
        body = self.feeds.body(k) if method == "GET" else b""
        return 200, body, extra + ["Content-Type: application/rss+xml; charset=utf-8"]


async def serve(args):
    server = Server(Feeds(args.changing, args.change_seconds), args.record)
    addresses = [f"127.0.0.{i}" for i in range(1, args.hosts + 1)]
    for address in addresses:
        assert ipaddress.ip_address(address).is_loopback
    listeners = []
    for p in range(args.ports):
        for address in addresses:
            listeners.append(await asyncio.start_server(server.handle, address, args.port + p, backlog=1024,
                                                        reuse_address=True))
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as out:
            out.write(f"{args.port}\n")
        os.replace(args.ready_file + ".tmp", args.ready_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except asyncio.TimeoutError:
        print("scale_server: --max-seconds reached, exiting", file=sys.stderr)
    for listener in listeners:
        listener.close()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=20, help="listen on 127.0.0.1..127.0.0.N (max 254)")
    parser.add_argument("--ports", type=int, default=5, help="consecutive ports from --port on each address")
    parser.add_argument("--port", type=int, default=18700)
    parser.add_argument("--changing", type=int, default=100, help="every Nth feed changes (0: none)")
    parser.add_argument("--change-seconds", type=float, default=600)
    parser.add_argument("--record", required=True)
    parser.add_argument("--ready-file")
    parser.add_argument("--max-seconds", type=float, default=3600)
    args = parser.parse_args(argv)
    if not 1 <= args.hosts <= 254:
        parser.error("--hosts must be 1..254")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
