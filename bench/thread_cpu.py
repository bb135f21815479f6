#!/usr/bin/env python3
"""Runs a command and reports its wall time, CPU time and peak RSS (from
wait4, like /usr/bin/time) and, per thread name, the CPU time and I/O its
threads had when last seen in /proc.

    bench/thread_cpu.py --out FILE [--every 0.02] -- COMMAND ARG...

FILE gets one line of JSON: {"wall": s, "cpu": s, "rss_kib": n, "exit": code,
"threads": {comm: {"cpu": s, "user": s, "system": s, "read_calls": n,
"write_calls": n, "read_bytes": n, "write_bytes": n, "count": tids}}}.
Threads of one name (a pool) are summed; "busiest_unnamed" is the CPU of
the busiest thread that kept the process's own name, the main thread aside. /proc is read every --every
seconds, so a thread loses at most that much CPU from the moment it was last
read to its end; the process-wide figures from wait4 are exact.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import proc_tasks



def read_task(pid, tid):
    task = proc_tasks.read_task(pid, tid)
    io = task["io"]
    return {"comm": task["comm"], "user": task["user"], "system": task["system"], "read_calls": io.get("syscr", 0),
            "write_calls": io.get("syscw", 0), "read_bytes": io.get("read_bytes", 0),
            "write_bytes": io.get("write_bytes", 0)}


def sample(pid, seen):
    for tid in proc_tasks.task_ids(pid):
        try:
            seen[tid] = read_task(pid, tid)
        except (OSError, ValueError):
            pass  # the thread ended between the listing and the read


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--every", type=float, default=0.02)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    started = time.perf_counter()
    process = subprocess.Popen(command)
    seen = {}
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid != 0:
            break
        sample(process.pid, seen)
        time.sleep(args.every)
    wall = time.perf_counter() - started
    threads = {}
    for task in seen.values():
        total = threads.setdefault(task["comm"], {"cpu": 0.0, "user": 0.0, "system": 0.0, "read_calls": 0,
                                                  "write_calls": 0, "read_bytes": 0, "write_bytes": 0, "count": 0})
        for key in ("user", "system", "read_calls", "write_calls", "read_bytes", "write_bytes"):
            total[key] += task[key]
        total["cpu"] = total["user"] + total["system"]
        total["count"] += 1
    # A build that names no thread: its busiest thread other than the main
    # one (for feedd, the writer, as perf shows), for comparison only.
    own = seen.get(str(process.pid), {}).get("comm")
    unnamed = [t["user"] + t["system"] for tid, t in seen.items() if t["comm"] == own and tid != str(process.pid)]
    code = os.waitstatus_to_exitcode(status)
    with open(args.out, "w") as f:
        json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_kib": usage.ru_maxrss, "exit": code,
                   "threads": threads, "busiest_unnamed": max(unnamed, default=0.0)}, f)
        f.write("\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
