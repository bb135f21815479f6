"""The threads of a running process as Linux's /proc shows them: shared by
the bench tools that split a feedd run's CPU and I/O per thread
(thread_cpu.py, thread_io.py, once_threads.py)."""

import os

TICKS = os.sysconf("SC_CLK_TCK")


def task_ids(pid):
    """The ids of the process's threads now; none once it has ended."""
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def read_task(pid, tid):
    """One thread: its name ("comm"), user and system CPU seconds, its start
    ("start", clock ticks since boot: ids wrap around, start times do not)
    and the counters of its io file ("io": rchar, wchar, syscr, syscw,
    read_bytes, write_bytes; empty where the file cannot be read). Raises
    OSError (or ValueError on a half-read file) once the thread has ended."""
    base = f"/proc/{pid}/task/{tid}"
    with open(f"{base}/stat") as f:
        stat = f.read()
    # comm is in parentheses and may hold spaces; the fields follow its last ')'.
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    io = {}
    try:
        with open(f"{base}/io") as f:
            for line in f:
                key, value = line.split(":")
                io[key] = int(value)
    except OSError:
        pass
    return {"comm": comm, "user": int(fields[11]) / TICKS, "system": int(fields[12]) / TICKS,
            "start": int(fields[19]), "io": io}
