#!/usr/bin/env python3
"""Interleaved timing for feedd's benchmark scripts.

    bench/measure.py --runs 7 [--warmup 1] [--json OUT] [--baseline NAME] \\
        NAME 'COMMAND' NAME 'COMMAND' ...

Runs every COMMAND (through `bash -c "exec COMMAND"`, stdout to /dev/null
unless the command redirects it) once per round, --runs rounds, rotating the
order each round so no tool always goes first or last. Measures per run the
wall time, the CPU time (user + system, the command and the children it
waited for) and the peak RSS, from wait4(). Prints the median, min and max of
each, and each command's median wall and CPU time as a ratio to --baseline
(default: the first NAME). A command that exits non-zero stops everything.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def run_once(command):
    started = time.perf_counter()
    process = subprocess.Popen(["bash", "-c", "exec " + command], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                                "rss_mib": usage.ru_maxrss / 1024}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--json", help="write every sample and the medians here")
    parser.add_argument("--baseline", help="NAME the ratios are against (default: the first)")
    parser.add_argument("pairs", nargs="+", help="NAME COMMAND NAME COMMAND ...")
    args = parser.parse_args(argv)
    if len(args.pairs) % 2:
        parser.error("give NAME COMMAND pairs")
    names = args.pairs[0::2]
    commands = dict(zip(names, args.pairs[1::2]))
    baseline = args.baseline or names[0]

    for _ in range(args.warmup):
        for name in names:
            code, _ = run_once(commands[name])
            if code != 0:
                print(f"measure: {name} failed (exit {code}): {commands[name][:200]}", file=sys.stderr)
                return 1
    samples = {name: [] for name in names}
    for round_index in range(args.runs):
        order = names[round_index % len(names):] + names[:round_index % len(names)]
        for name in order:
            code, sample = run_once(commands[name])
            if code != 0:
                print(f"measure: {name} failed (exit {code}) in round {round_index + 1}", file=sys.stderr)
                return 1
            samples[name].append(sample)
            print(f"  round {round_index + 1}/{args.runs} {name:<14} wall {sample['wall']:8.3f} s  "
                  f"cpu {sample['cpu']:8.3f} s  rss {sample['rss_mib']:7.1f} MiB", file=sys.stderr)

    summary = {}
    for name in names:
        summary[name] = {key: {"median": statistics.median(s[key] for s in samples[name]),
                               "min": min(s[key] for s in samples[name]),
                               "max": max(s[key] for s in samples[name])}
                         for key in ("wall", "cpu", "rss_mib")}
    base = summary[baseline]
    print(f"{'':<14} {'wall median':>12} {'(min-max)':>17} {'cpu median':>11} {'peak RSS':>10} "
          f"{'wall ratio':>11} {'cpu ratio':>10}")
    for name in names:
        s = summary[name]
        s["wall_ratio"] = s["wall"]["median"] / base["wall"]["median"]
        s["cpu_ratio"] = s["cpu"]["median"] / base["cpu"]["median"]
        print(f"{name:<14} {s['wall']['median']:10.3f} s {s['wall']['min']:7.3f}-{s['wall']['max']:<7.3f}s "
              f"{s['cpu']['median']:9.3f} s {s['rss_mib']['median']:6.1f} MiB "
              f"{s['wall_ratio']:10.2f}x {s['cpu_ratio']:9.2f}x")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"runs": args.runs, "baseline": baseline, "commands": commands, "samples": samples,
                       "summary": summary}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
