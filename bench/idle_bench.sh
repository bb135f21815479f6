#!/bin/sh
# Daemon at rest: `feedd run` with SOURCES loopback sources (100 ms latency,
# 127.0.0.1-50), each with a 15-minute interval, after a `feedd once` has
# polled them all (so the store holds every entry and validator, as a daemon
# that has run a while does). Measures the daemon's CPU time (user + system,
# all threads, from /proc/PID/stat) and RSS over WINDOW seconds, after SETTLE
# seconds for start-up.
#
# By default the schedule the filling pass saved (every source due 15 min
# +-10% after it) is rewritten, in the store, into the steady state of a
# daemon that has run for a while: next polls spread evenly over one interval
# from the start of the window, so a 300 s window holds a third of them (333
# conditional polls, all 304). --all-polls spreads them over the window
# instead (every source polled inside it: three times the steady rate);
# --no-polls keeps the saved schedule, so the window has no poll at all (pure
# idle: timers and the event loop).
#
#   bench/idle_bench.sh [--sources N] [--window SECONDS] [--settle SECONDS]
#                       [--all-polls | --no-polls] [--short]
#
# Defaults: 1,000 sources, a 300 s window, 10 s settle. --short: 30 s window.
# FEEDD=path/to/feedd picks the binary (default: Release build in build-bench/).
set -eu
. "$(dirname "$0")/lib.sh"

sources=1000 entries=30 window=300 settle=10 hosts=50 seed=1 latency=0.1 polls=steady
while [ $# -gt 0 ]; do
  case "$1" in
    --sources) sources=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --short) window=30; shift ;;
    --no-polls) polls=none; shift ;;
    --all-polls) polls=all; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) say "idle_bench: unknown argument $1"; exit 2 ;;
  esac
done

ensure_python
feedd=$(feedd_binary)
work=${BENCH_WORK:-/tmp/feedd-bench}
corpus="$work/corpus-$sources-$entries-$seed"
run="$work/idle"
mkdir -p "$work"
[ -f "$corpus/manifest.json" ] || $PY "$BENCH_DIR/gen_corpus.py" --out "$corpus" --files "$sources" --entries "$entries" --seed "$seed"

rm -rf "$run" && mkdir -p "$run"
server_pid="" feedd_pid=""
cleanup() {
  [ -n "$feedd_pid" ] && kill "$feedd_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
$PY "$BENCH_DIR/serve_corpus.py" --corpus "$corpus" --hosts "$hosts" --latency "$latency" \
  --max-seconds $((window + settle + 900)) --ready-file "$run/port" 2>"$run/server.log" &
server_pid=$!
i=0
while [ ! -s "$run/port" ]; do
  i=$((i + 1)); [ $i -gt 600 ] && { say "idle_bench: server did not start"; exit 1; }
  sleep 0.1
done
port=$(cat "$run/port")
stats() { $PY -c "import json,urllib.request; print(json.dumps(json.load(urllib.request.urlopen('http://127.0.0.1:$port/_stats?reset=1'))))"; }

$PY "$BENCH_DIR/make_config.py" --dir "$run" --sources "$sources" --port "$port" --hosts "$hosts" --source-interval 15m
say "idle_bench: filling the store with one feedd once ($sources sources)"
fill_start=$(date +%s)
"$feedd" once --config "$run/feedd.toml" --quiet 2>"$run/once.log"
if [ "$polls" != none ]; then
  apt_install sqlite3
  start=$(( ($(date +%s) + settle) * 1000 ))
  if [ "$polls" = steady ]; then span=900000; else span=$((window * 1000)); fi
  # Source ids are 1..N in config order; next polls at start + k * span / N.
  sqlite3 "$run/feedd.db" "UPDATE sources SET next_poll_ms = $start + (id - 1) * $span / (SELECT count(*) FROM sources)"
fi
say "idle_bench: filled in $(( $(date +%s) - fill_start )) s"

"$feedd" run --config "$run/feedd.toml" 2>"$run/run.log" &
feedd_pid=$!
sleep "$settle"
kill -0 "$feedd_pid" 2>/dev/null || { say "idle_bench: feedd run exited"; tail "$run/run.log" >&2; exit 1; }
stats >/dev/null

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$feedd_pid/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$feedd_pid/status"; }
start_ticks=$(cpu_ticks)
start_rss=$(rss_kib)
max_rss=$start_rss
elapsed=0
while [ $elapsed -lt "$window" ]; do
  sleep 1
  elapsed=$((elapsed + 1))
  now=$(rss_kib)
  [ "$now" -gt "$max_rss" ] && max_rss=$now
done
end_ticks=$(cpu_ticks)
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$feedd_pid/status")
server=$(stats)
kill -TERM "$feedd_pid"
wait "$feedd_pid" || true
feedd_pid=""

machine_info
$PY - "$start_ticks" "$end_ticks" "$ticks" "$window" "$start_rss" "$max_rss" "$hwm" "$server" "$sources" <<'EOF'
import json, sys
t0, t1, hz, window, rss0, rss_max, hwm = (int(x) for x in sys.argv[1:8])
server, sources = json.loads(sys.argv[8]), int(sys.argv[9])
cpu = (t1 - t0) / hz
print(f"feedd run, {sources} sources at 15m: CPU {cpu:.2f} s over {window} s idle "
      f"({100 * cpu / window:.2f}% of one core); RSS {rss0 / 1024:.1f} MiB at the start of the window, "
      f"{rss_max / 1024:.1f} MiB at most during it; peak RSS since start-up (VmHWM, includes start-up) {hwm / 1024:.1f} MiB")
print(f"polls during the window: {server['requests']} ({', '.join(f'{k}: {v}' for k, v in sorted(server['status'].items())) or 'none'})")
print("targets: CPU < 1 s over 300 s: {}; RSS < 50 MiB: {}".format(
    ("met" if cpu < 1 else "MISSED") if window >= 300 else f"(window {window} s; run without --short)",
    "met" if rss_max < 50 * 1024 else "MISSED"))
EOF
nopolls=""; [ "$polls" = none ] && nopolls=" --no-polls"; [ "$polls" = all ] && nopolls=" --all-polls"
echo "reproduce: bench/idle_bench.sh --sources $sources --window $window --settle $settle$nopolls"
