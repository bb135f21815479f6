#!/usr/bin/python3
"""The Python feedparser peer of `feedd parse --json`: parses every FILE in
one process and prints one JSON object per file per line, with the fields
feedd prints (format, version, title, link, ..., entries[...]).

Run with Debian's interpreter (/usr/bin/python3) and python3-feedparser;
feedparser's defaults apply (HTML sanitizing and relative URI resolution on),
as feedd's default sanitize mode does for `parse --json`.
"""
import json
import sys
import time

import feedparser


def when(struct):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", struct) if struct else None


def content_of(entry):
    items = entry.get("content") or []
    return items[0].get("value") if items else None


def entry_json(entry):
    return {
        "title": entry.get("title"),
        "url": entry.get("link"),
        "guid": entry.get("id"),
        "published": when(entry.get("published_parsed")),
        "updated": when(entry.get("updated_parsed")),
        "author": entry.get("author"),
        "summary": entry.get("summary"),
        "content": content_of(entry),
        "categories": [tag.get("term") for tag in entry.get("tags", [])],
    }


def main(paths):
    ok = True
    out = sys.stdout
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        parsed = feedparser.parse(data)
        if parsed.bozo and not parsed.entries:
            print(f"feedparser_parse: {path}: {parsed.bozo_exception}", file=sys.stderr)
            ok = False
            continue
        feed = parsed.feed
        version = parsed.get("version") or ""
        out.write(json.dumps({
            "format": "atom" if version.startswith("atom") else ("rss" if version else None),
            "version": version or None,
            "title": feed.get("title"),
            "link": feed.get("link"),
            "description": feed.get("subtitle"),
            "language": feed.get("language"),
            "updated": when(feed.get("updated_parsed")),
            "recovered": bool(parsed.bozo),
            "entries": [entry_json(e) for e in parsed.entries],
        }, ensure_ascii=False))
        out.write("\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
