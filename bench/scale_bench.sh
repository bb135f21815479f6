#!/bin/sh
# Scale: `feedd run` with SOURCES loopback sources (issue 17, target 5), in
# the steady state of a daemon that has polled them all before: every source
# has the server's ETag and its next poll, and the polls due are spread
# evenly over one interval, so nearly every poll is a 304 (every 100th feed
# changes every 10 minutes and brings a new entry).
#
# The feeds are served by bench/scale_server.py on HOSTS loopback addresses
# x PORTS ports (20 x 5 = 100 servers, 1,000 sources each at 100,000), so
# fetch.per_host applies to each as it would across sites. The daemon runs
# SETTLE seconds first (start-up: config, store, schedule), then WINDOW
# seconds are measured:
#   lateness: the server records when each feed was asked for; the store was
#     prefilled with source k due at START + k * INTERVAL / SOURCES, so the
#     first request for k in the window minus that time is how late it came
#     (a source due in the window that never came counts as late by the time
#     left, and is named "missed");
#   CPU (user + system, all threads, /proc/PID/stat), RSS and open file
#     descriptors, sampled every 5 s; /metrics is scraped every 15 s as a
#     Prometheus would.
#
# Time is not sped up: what loads the daemon is the poll rate, SOURCES /
# INTERVAL (100,000 at 30 min = 55.6 polls/s), and the number of sources it
# holds. A window of WINDOW seconds at that rate is WINDOW * 55.6 polls, the
# same polls an hour of a 1/(3600/WINDOW)-size daemon would do; --sources
# 10000 --interval 3m gives the same rate with a tenth of the sources.
#
#   bench/scale_bench.sh [--sources N] [--interval 30m] [--window S] [--settle S] [--short]
#
# Defaults: 100,000 sources at 30m, settle 120 s, window 600 s. --short:
# 10,000 sources, settle 30 s, window 60 s.
# FEEDD=path/to/feedd picks the binary (default: Release build in build-bench/).
set -eu
. "$(dirname "$0")/lib.sh"

sources=100000 interval=30m window=600 settle=120 hosts=20 ports=5
while [ $# -gt 0 ]; do
  case "$1" in
    --sources) sources=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --short) sources=10000 settle=30 window=60; shift ;;
    -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
    *) say "scale_bench: unknown argument $1"; exit 2 ;;
  esac
done
case "$interval" in
  *m) interval_ms=$(( ${interval%m} * 60000 )) ;;
  *s) interval_ms=$(( ${interval%s} * 1000 )) ;;
  *) say "scale_bench: --interval as 30m or 90s"; exit 2 ;;
esac

ensure_python
feedd=$(feedd_binary)
work=${BENCH_WORK:-/tmp/feedd-bench}/scale
rm -rf "$work" && mkdir -p "$work"
port=18700
server_pid="" feedd_pid=""
cleanup() {
  if [ -n "$feedd_pid" ]; then kill "$feedd_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
$PY "$BENCH_DIR/scale_server.py" --hosts "$hosts" --ports "$ports" --port "$port" --record "$work/requests.txt" \
  --max-seconds $((window + settle + 1200)) --ready-file "$work/ready" 2>"$work/server.log" &
server_pid=$!
i=0
while [ ! -s "$work/ready" ]; do
  i=$((i + 1)); [ $i -gt 600 ] && { say "scale_bench: server did not start"; exit 1; }
  sleep 0.1
done
http_get() { $PY -c "import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())" "$1"; }

# The schema from a pass over the first source, then every row as a daemon
# that ran before leaves it.
$PY "$BENCH_DIR/scale_config.py" config --dir "$work" --sources "$sources" --port "$port" --hosts "$hosts" \
  --ports "$ports" --interval "$interval" --first-only --output first.toml
"$feedd" once --config "$work/first.toml" --quiet 2>"$work/once.log"
$PY "$BENCH_DIR/scale_config.py" config --dir "$work" --sources "$sources" --port "$port" --hosts "$hosts" \
  --ports "$ports" --interval "$interval"
start_ms=$(( ($(date +%s) + settle) * 1000 ))
$PY "$BENCH_DIR/scale_config.py" prefill --dir "$work" --sources "$sources" --port "$port" --hosts "$hosts" \
  --ports "$ports" --start-ms "$start_ms" --span-ms "$interval_ms"
http_get "http://127.0.0.1:$port/_dump" >/dev/null
: >"$work/requests.txt"

ticks=$(getconf CLK_TCK)
launch_ms=$(date +%s%3N)
: >"$work/run.log"
"$feedd" run --config "$work/feedd.toml" 2>"$work/run.log" &
feedd_pid=$!
# Start-up: until the log says it runs, then until the schedule is armed
# (`feedd sources` answers from the live schedule only then).
while ! grep -q "running: " "$work/run.log"; do
  kill -0 "$feedd_pid" 2>/dev/null || { say "scale_bench: feedd run exited"; tail "$work/run.log" >&2; exit 1; }
  sleep 0.1
done
running_ms=$(date +%s%3N)
running_cpu=$(awk '{print $14 + $15}' "/proc/$feedd_pid/stat")
sleep $(( (start_ms - $(date +%s%3N)) / 1000 > 0 ? (start_ms - $(date +%s%3N)) / 1000 : 0 ))
kill -0 "$feedd_pid" 2>/dev/null || { say "scale_bench: feedd run exited"; tail "$work/run.log" >&2; exit 1; }
settled_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$feedd_pid/status")
settled_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$feedd_pid/status")

sample() {  # seconds-into-window
  printf '%s %s %s %s\n' "$1" "$(awk '{print $14 + $15}' "/proc/$feedd_pid/stat")" \
    "$(awk '/^VmRSS/ {print $2}' "/proc/$feedd_pid/status")" "$(ls "/proc/$feedd_pid/fd" | wc -l)" >>"$work/samples.txt"
}
window_start_ms=$(date +%s%3N)
: >"$work/samples.txt"
: >"$work/scrapes.txt"
elapsed=0
sample 0
while [ $elapsed -lt "$window" ]; do
  sleep 5
  elapsed=$((elapsed + 5))
  kill -0 "$feedd_pid" 2>/dev/null || { say "scale_bench: feedd run exited"; tail "$work/run.log" >&2; exit 1; }
  if [ $((elapsed % 15)) -eq 0 ]; then
    t0=$(date +%s%3N)
    bytes=$(http_get "http://127.0.0.1:$((port - 1))/metrics" | wc -c)
    echo "$(( $(date +%s%3N) - t0 )) $bytes" >>"$work/scrapes.txt"
  fi
  sample "$elapsed"
done
window_end_ms=$(date +%s%3N)
http_get "http://127.0.0.1:$port/_dump" >/dev/null
server=$(http_get "http://127.0.0.1:$port/_stats")
kill -TERM "$feedd_pid"
wait "$feedd_pid" || true
feedd_pid=""
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

machine_info
$PY - "$work" "$sources" "$interval_ms" "$start_ms" "$window_start_ms" "$window_end_ms" "$launch_ms" "$running_ms" \
  "$running_cpu" "$ticks" "$settled_rss" "$settled_hwm" "$server" "$load_before" "$load_after" <<'EOF'
import json, statistics, sys
work = sys.argv[1]
sources, interval_ms, start_ms, w0, w1, launch, running, running_cpu, hz, rss0, hwm0 = (int(x) for x in sys.argv[2:13])
server, load_before, load_after = json.loads(sys.argv[13]), sys.argv[14], sys.argv[15]

def scheduled(k):
    return start_ms + k * interval_ms // sources

first = {}
for line in open(f"{work}/requests.txt"):
    k, ms, status = line.split()
    first.setdefault(int(k), int(ms))
# Sources due in the window, 10 s before its end at the latest (a poll
# takes a moment to arrive).
due = [k for k in range(sources) if w0 <= scheduled(k) <= w1 - 10000]
late, missed = [], 0
for k in due:
    if k in first:
        late.append((first[k] - scheduled(k)) / 1000)
    else:
        missed += 1
        late.append((w1 - scheduled(k)) / 1000)
late.sort()
def pct(p):
    return late[min(len(late) - 1, int(p / 100 * len(late)))] if late else float("nan")

samples = [tuple(int(x) for x in line.split()) for line in open(f"{work}/samples.txt")]
window = (samples[-1][0] - samples[0][0])
cpu = (samples[-1][1] - samples[0][1]) / hz
per_interval = [(b[1] - a[1]) / hz / (b[0] - a[0]) for a, b in zip(samples, samples[1:])]
rss = [s[2] / 1024 for s in samples]
fds = [s[3] for s in samples]
scrapes = [tuple(int(x) for x in line.split()) for line in open(f"{work}/scrapes.txt")]
rate = sources / (interval_ms / 1000)
print(f"feedd run, {sources} sources at {interval_ms // 60000} min ({rate:.1f} polls/s due), "
      f"window {window} s after {(w0 - launch) / 1000:.0f} s of start-up and settling")
print(f"start-up: 'running' logged after {(running - launch) / 1000:.2f} s ({running_cpu / hz:.2f} s CPU); "
      f"RSS {rss0 / 1024:.1f} MiB when the window opened, peak so far {hwm0 / 1024:.1f} MiB")
print(f"lateness over {len(due)} polls due: median {statistics.median(late) if late else float('nan'):.3f} s, "
      f"p90 {pct(90):.3f} s, p99 {pct(99):.3f} s, max {late[-1] if late else float('nan'):.3f} s; "
      f"missed {missed}; early (< -0.1 s) {sum(1 for x in late if x < -0.1)}")
print(f"CPU {cpu:.2f} s over {window} s = {100 * cpu / window:.2f}% of one core "
      f"(per 5 s: median {100 * statistics.median(per_interval):.1f}%, max {100 * max(per_interval):.1f}%)")
# Keep-alive connections open as the polls reach more servers (one idle
# connection each, HOSTS x PORTS of them) and then hold: growth is the last
# quarter holding more than a few beyond what the second quarter did.
quarter = max(1, len(fds) // 4)
first_half_max, last_quarter_max = max(fds[:2 * quarter]), max(fds[-quarter:])
second_quarter_max = max(fds[quarter:2 * quarter])
print("fds every 60 s: " + " ".join(f"{s[0]}s:{s[3]}" for s in samples if s[0] % 60 == 0))
print(f"RSS median {statistics.median(rss):.1f} MiB, max {max(rss):.1f} MiB (first half median "
      f"{statistics.median(rss[:len(rss) // 2]):.1f}, last quarter median {statistics.median(rss[-quarter:]):.1f}); "
      f"fds first {fds[0]}, last {fds[-1]}, max in the first half {first_half_max}, in the last quarter {last_quarter_max}")
if scrapes:
    print(f"/metrics: {len(scrapes)} scrapes, median {statistics.median(s[0] for s in scrapes)} ms, "
          f"{scrapes[-1][1]} bytes")
print(f"server: {server['requests']} requests ({', '.join(f'{k}: {v}' for k, v in sorted(server['status'].items()))}), "
      f"most connections open at once {server['connections_max']}")
print(f"load average before {load_before}, after {load_after}")
ok = lambda c: "met" if c else "MISSED"
print(f"targets: p99 lateness < 5 s: {ok(pct(99) < 5 and missed == 0)}; CPU < 10%: {ok(cpu / window < 0.10)}; "
      f"RSS < 256 MiB: {ok(max(rss) < 256)}; "
      f"no fd growth after the connections warmed up: {ok(last_quarter_max <= second_quarter_max + 3)}")
EOF
echo "reproduce: bench/scale_bench.sh --sources $sources --interval $interval --window $window --settle $settle"
