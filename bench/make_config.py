#!/usr/bin/env python3
"""A feedd config (and the same sources as JSON for bench/peers/node_once.js)
for SOURCES feeds served by bench/serve_corpus.py.

    bench/make_config.py --dir DIR --sources 1000 --port P [--hosts 50] \\
        [--corpus-files 1000] [--interval 15m] [--concurrency 16] [--per-host 2]
    bench/make_config.py --dir DIR --sources 100 --file-corpus CORPUS

Source i is http://127.0.0.(1 + i % HOSTS):P/feeds/(i % CORPUS_FILES).xml,
so consecutive sources sit on different addresses; with --file-corpus it is
file://CORPUS/feeds/(i % CORPUS_FILES).xml (no HTTP at all). Writes DIR/feedd.toml
(database DIR/feedd.db, posts DIR/_posts) and DIR/sources.json.
"""

import argparse
import json
import os
import sys

NAMES = ["美国之音", "联合早报", "德国之声", "法广", "BBC中文", "自由亚洲电台", "端传媒", "纽约时报中文网"]


def toml_string(text):
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string here


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--port", type=int)
    parser.add_argument("--file-corpus", help="file:// URLs into this corpus instead of HTTP")
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--corpus-files", type=int, help="files in the corpus (default: --sources)")
    parser.add_argument("--interval", default="15m")
    parser.add_argument("--source-interval", help="set every source's own interval (overrides the feeds' <ttl>)")
    parser.add_argument("--content", default="raw", choices=["raw", "sanitize"],
                        help="every source's content mode (default raw: posts byte for byte as the Node peer writes them)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--database", help="default DIR/feedd.db")
    parser.add_argument("--posts", help="default DIR/_posts")
    args = parser.parse_args(argv)
    if (args.port is None) == (args.file_corpus is None):
        parser.error("give --port or --file-corpus")
    files = args.corpus_files or args.sources
    os.makedirs(args.dir, exist_ok=True)
    database = args.database or os.path.join(os.path.abspath(args.dir), "feedd.db")
    posts = args.posts or os.path.join(os.path.abspath(args.dir), "_posts")

    sources = []
    for i in range(args.sources):
        name = f"{NAMES[i % len(NAMES)]}-{i:05d}"
        if args.file_corpus:
            url = f"file://{os.path.abspath(args.file_corpus)}/feeds/{i % files:05d}.xml"
        else:
            url = f"http://127.0.0.{1 + i % args.hosts}:{args.port}/feeds/{i % files:05d}.xml"
        sources.append({"name": name, "url": url, "tags": [name], "categories": [name]})

    lines = [
        "# Written by bench/make_config.py for a benchmark run.",
        "[storage]",
        f"database = {toml_string(database)}",
        f"posts_dir = {toml_string(posts)}",
        "",
        "[fetch]",
        f"concurrency = {args.concurrency}",
        f"per_host = {args.per_host}",
        'timeout = "60s"',
        "",
        "[schedule]",
        f'interval = "{args.interval}"',
        "",
    ]
    for source in sources:
        lines += ["[[sources]]", f"name = {toml_string(source['name'])}", f"url = {toml_string(source['url'])}",
                  f'content = "{args.content}"']
        if args.source_interval:
            lines.append(f'interval = "{args.source_interval}"')
        lines.append("")
    with open(os.path.join(args.dir, "feedd.toml"), "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    with open(os.path.join(args.dir, "sources.json"), "w", encoding="utf-8") as out:
        json.dump(sources, out, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
