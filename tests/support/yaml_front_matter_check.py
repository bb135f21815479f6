#!/usr/bin/python3
"""Reads feedd posts the way Jekyll does and checks the front matter.

usage: yaml_front_matter_check.py POST [POST ...]

PyYAML resolves plain scalars by YAML 1.1 rules, as Jekyll's Psych does, so a
value that comes back as a bool, number, date or null here would also be
misread on a site. Every value must be a string (tags and categories lists of
strings) and `date` a timestamp. When POST.json exists next to a post, its
values must match the parsed ones exactly ("date" given as ISO 8601 text).
Exits 0 when every post passes, 1 otherwise.
"""

import datetime
import json
import os
import sys

import yaml

TEXT_KEYS = ("layout", "title", "author", "from")
LIST_KEYS = ("tags", "categories")
ALL_KEYS = {"date", *TEXT_KEYS, *LIST_KEYS}


def front_matter(path):
    with open(path, encoding="utf-8", newline="") as post:
        # Split on "\n" only: str.splitlines would also break at U+2028 and
        # friends, which is exactly what the writer must not leave raw.
        lines = post.read().split("\n")
    if lines[0] != "---":
        raise ValueError("does not start with ---")
    return yaml.safe_load("\n".join(lines[1:lines.index("---", 1)]))


def problems(path):
    data = front_matter(path)
    if not isinstance(data, dict) or set(data) != ALL_KEYS:
        yield f"keys are {sorted(data) if isinstance(data, dict) else data!r}"
        return
    for key in TEXT_KEYS:
        if not isinstance(data[key], str):
            yield f"{key} read as {data[key]!r}"
    for key in LIST_KEYS:
        if not (isinstance(data[key], list) and all(isinstance(v, str) for v in data[key])):
            yield f"{key} read as {data[key]!r}"
    if not isinstance(data["date"], datetime.datetime):
        yield f"date read as {data['date']!r}"

    sidecar = path + ".json"
    if not os.path.exists(sidecar):
        return
    with open(sidecar, encoding="utf-8") as f:
        expected = json.load(f)
    if "date" in expected:
        expected["date"] = datetime.datetime.fromisoformat(expected["date"].replace("Z", "+00:00"))
    for key, value in expected.items():
        if data.get(key) != value:
            yield f"{key} read as {data.get(key)!r}, expected {value!r}"


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    failed = False
    for path in paths:
        try:
            found = list(problems(path))
        except (OSError, ValueError, yaml.YAMLError) as error:
            found = [str(error)]
        for problem in found:
            print(f"{path}: {problem}")
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
