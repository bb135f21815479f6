#!/usr/bin/env python3
"""One RSS 2.0 feed of N small entries (issue 11: a 100,000-entry, 7 MB feed).

    bench/gen_huge_feed.py --out CORPUS --entries 100000

Writes CORPUS/feeds/00000.xml, as bench/serve_corpus.py serves it: each item
a short title and a unique link, about 70 bytes of XML (7 MB for 100,000),
no date (each is dated when first seen). Deterministic.
"""

import argparse
import os
import sys


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--entries", type=int, default=100000)
    args = parser.parse_args(argv)
    os.makedirs(os.path.join(args.out, "feeds"), exist_ok=True)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
             "<title>大量条目</title><link>https://huge.example/</link><description>bench</description>\n"]
    for i in range(args.entries):
        parts.append(f"<item><title>条目 {i}</title><link>https://huge.example/a/{i}</link></item>\n")
    parts.append("</channel></rss>\n")
    path = os.path.join(args.out, "feeds", "00000.xml")
    with open(path, "w", encoding="utf-8") as out:
        out.write("".join(parts))
    print(f"{path}: {args.entries} entries, {os.path.getsize(path) / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
