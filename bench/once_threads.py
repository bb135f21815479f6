#!/usr/bin/env python3
"""CPU of each thread of `feedd once` (user + sys seconds, from
/proc/PID/task/*/stat sampled every 0.05 s until the process exits), for
one or more feedd binaries in interleaved rounds over file:// sources of a
bench corpus (no HTTP: only feedd's own threads are measured). Prints each
round's first eight threads by creation order (start time, then id) and the
medians per thread position. The threads are not named: which is which is told by what they
do (the writer: most system time; the parsers: the ingest workers, created
together, about equal).

    bench/once_threads.py --corpus DIR --sources 300 --runs 3 LABEL=BINARY...
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import proc_tasks

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
SHOWN = 8  # the long-lived threads come first; the others are short (post files' and the like)


def thread_times(pid):
    times = {}
    for tid in proc_tasks.task_ids(pid):
        try:
            task = proc_tasks.read_task(pid, tid)
        except (OSError, ValueError):
            continue
        # Ordered by start time, not by id: thread ids wrap around.
        times[(task["start"], int(tid))] = (task["user"], task["system"])
    return times


def one_pass(binary, corpus, sources, content):
    work = tempfile.mkdtemp(prefix="thread-cpu-", dir=os.environ.get("BENCH_WORK", "/tmp"))
    try:
        os.makedirs(f"{work}/_posts")
        subprocess.run([sys.executable, f"{BENCH_DIR}/make_config.py", "--dir", work, "--sources", str(sources),
                        "--file-corpus", corpus, "--content", content], check=True, stdout=subprocess.DEVNULL)
        process = subprocess.Popen([binary, "once", "--config", f"{work}/feedd.toml"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = {}
        while process.poll() is None:
            seen.update(thread_times(process.pid))
            time.sleep(0.05)
        if process.returncode != 0:
            raise SystemExit(f"{binary} once exited with {process.returncode}")
        return [seen[tid] for tid in sorted(seen)]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--content", default="raw", choices=["raw", "sanitize"])
    parser.add_argument("binaries", nargs="+", help="LABEL=BINARY")
    args = parser.parse_args()
    binaries = [b.split("=", 1) for b in args.binaries]
    results = {label: [] for label, _ in binaries}
    for r in range(args.runs):
        order = binaries[r % len(binaries):] + binaries[:r % len(binaries)]
        for label, binary in order:
            threads = one_pass(binary, args.corpus, args.sources, args.content)
            results[label].append(threads)
            shown = "  ".join(f"{u + s:.2f} ({u:.2f}+{s:.2f})" for u, s in threads[:SHOWN])
            rest = sum(u + s for u, s in threads[SHOWN:])
            print(f"round {r + 1} {label:8} total {sum(u + s for u, s in threads):.2f} s: {shown}  "
                  f"+ {len(threads) - SHOWN} more {rest:.2f}", flush=True)
    for label, runs in results.items():
        count = min(SHOWN, min(len(threads) for threads in runs))
        medians = [statistics.median(threads[i][0] + threads[i][1] for threads in runs) for i in range(count)]
        total = statistics.median(sum(u + s for u, s in threads) for threads in runs)
        print(f"median {label:8} total {total:.2f} s; by thread: " + "  ".join(f"{m:.2f}" for m in medians))


if __name__ == "__main__":
    main()
