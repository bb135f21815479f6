#!/usr/bin/env python3
"""Config and store for bench/scale_bench.sh: SOURCES feeds on the loopback
server bench/scale_server.py, and a store in the steady state of a daemon
that has polled them all before.

    bench/scale_config.py config --dir DIR --sources 100000 --port P [--hosts 20] [--ports 5] [--interval 30m]
    bench/scale_config.py prefill --dir DIR --sources 100000 --port P --start-ms MS --span-ms MS

Source k is http://127.0.0.(1 + k % HOSTS):(P + (k // HOSTS) % PORTS)/f/K.xml,
so HOSTS x PORTS servers (per-host limits apply to each) hold SOURCES / (HOSTS x
PORTS) sources each. `config` writes DIR/feedd.toml (database DIR/feedd.db,
posts DIR/_posts, /metrics on 127.0.0.1:P-1). `prefill` runs after a store
exists (feedd once over a config of its first source made the schema) and
writes every source's row as a daemon leaves it: polled before, with the
server's ETag for a steady feed, next poll at START + k * SPAN / SOURCES, so
the polls due are spread evenly over SPAN (one interval: the steady state).
"""

import argparse
import os
import sqlite3
import sys


def name_of(k):
    return f"scale-{k:06d}"


def url_of(k, port, hosts, ports):
    return f"http://127.0.0.{1 + k % hosts}:{port + (k // hosts) % ports}/f/{k}.xml"


def write_config(args):
    os.makedirs(args.dir, exist_ok=True)
    root = os.path.abspath(args.dir)
    lines = [
        "# Written by bench/scale_config.py for bench/scale_bench.sh.",
        "[storage]",
        f'database = "{root}/feedd.db"',
        f'posts_dir = "{root}/_posts"',
        "",
        "[fetch]",
        f"concurrency = {args.concurrency}",
        f"per_host = {args.per_host}",
        'timeout = "30s"',
        "",
        "[schedule]",
        f'interval = "{args.interval}"',
        "",
        "[http]",
        f'listen = "127.0.0.1:{args.port - 1}"',
        "",
    ]
    count = args.first_only and 1 or args.sources
    for k in range(count):
        lines += ["[[sources]]", f'name = "{name_of(k)}"', f'url = "{url_of(k, args.port, args.hosts, args.ports)}"', ""]
    path = os.path.join(args.dir, args.output)
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))


def prefill(args):
    db = sqlite3.connect(os.path.join(args.dir, "feedd.db"))
    rows = []
    for k in range(args.sources):
        url = url_of(k, args.port, args.hosts, args.ports)
        etag = f'"s{k}-v0"'
        rows.append((name_of(k), url, url, etag, args.start_ms + k * args.span_ms // args.sources,
                     args.start_ms - args.span_ms))
    with db:
        db.executemany(
            "INSERT INTO sources (name, url, polled_url, etag, next_poll_ms, state, last_success_ms) "
            "VALUES (?1, ?2, ?3, ?4, ?5, 'ok', ?6) ON CONFLICT(name) DO UPDATE SET url = ?2, polled_url = ?3, "
            "etag = ?4, next_poll_ms = ?5, state = 'ok', consecutive_failures = 0, last_success_ms = ?6", rows)
    db.close()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["config", "prefill"])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--sources", type=int, default=100000)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--ports", type=int, default=5)
    parser.add_argument("--interval", default="30m")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--first-only", action="store_true", help="config: only source 0 (to make the store)")
    parser.add_argument("--output", default="feedd.toml")
    parser.add_argument("--start-ms", type=int)
    parser.add_argument("--span-ms", type=int)
    args = parser.parse_args(argv)
    if args.what == "config":
        write_config(args)
    else:
        prefill(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
