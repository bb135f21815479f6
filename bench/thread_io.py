#!/usr/bin/env python3
"""Per-thread CPU and I/O of one command, from /proc.

    bench/thread_io.py [--interval S] [--json OUT] -- COMMAND [ARG...]

Runs COMMAND, samples /proc/PID/task/*/stat and /proc/PID/task/*/io every
S seconds (0.05) until it exits, and prints each thread's last sample: CPU
(user, system), bytes handed to read and write calls (rchar, wchar), the
calls (syscr, syscw) and the bytes that reached or would reach the device
(read_bytes, write_bytes). A thread that ends between two samples loses at
most its last interval; the total is the sum of the threads' last samples.
feedd names no threads: the writer is the one that wrote the most.
"""

import argparse
import json
import subprocess
import sys
import time

import proc_tasks



def sample(pid):
    threads = {}
    for tid in proc_tasks.task_ids(pid):
        try:
            task = proc_tasks.read_task(pid, tid)
        except (OSError, ValueError):
            continue
        threads[tid] = {"user_s": task["user"], "sys_s": task["system"], **task["io"]}
    return threads


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--json", help="write every thread's last sample here")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    process = subprocess.Popen(command)
    last = {}
    while process.poll() is None:
        for tid, values in sample(process.pid).items():
            last[tid] = values
        time.sleep(args.interval)
    threads = sorted(last.items(), key=lambda item: -item[1].get("wchar", 0))
    keys = ("rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes")
    total = {k: sum(t.get(k, 0) for _, t in threads) for k in keys}
    total["user_s"] = sum(t["user_s"] for _, t in threads)
    total["sys_s"] = sum(t["sys_s"] for _, t in threads)
    print(f"{'thread':>8} {'user':>7} {'sys':>7} {'rchar MB':>10} {'wchar MB':>10} {'syscr':>9} {'syscw':>9} "
          f"{'read MB':>9} {'write MB':>9}", file=sys.stderr)
    for tid, t in threads + [("total", total)]:
        print(f"{tid:>8} {t['user_s']:7.2f} {t['sys_s']:7.2f} {t.get('rchar', 0) / 1e6:10.1f} "
              f"{t.get('wchar', 0) / 1e6:10.1f} {t.get('syscr', 0):9d} {t.get('syscw', 0):9d} "
              f"{t.get('read_bytes', 0) / 1e6:9.1f} {t.get('write_bytes', 0) / 1e6:9.1f}", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"threads": dict(threads), "total": total, "status": process.returncode}, out)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
