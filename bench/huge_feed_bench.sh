#!/bin/sh
# One huge feed (issue 11): a feed of ENTRIES small items (100,000 by
# default, about 8 MB), served on loopback by bench/serve_corpus.py, stored
# by `feedd once` into an empty store. Measures, with /usr/bin/time -v, the
# wall time, the CPU time and the peak RSS of each run; the ingest rate is
# the entries over the wall time before the search index catch-up `once`
# logs, and over the whole run.
#
#   bench/huge_feed_bench.sh [--entries N] [--runs R] [--short]
#
# Defaults: 100,000 entries, 3 runs (--short: 20,000 entries, 1 run).
# Targets (issue 11): peak RSS under 64 MB, at least 10,000 entries/s.
# FEEDD=path/to/feedd picks the binary (default: Release build in build-bench/);
# BENCH_TAG=name keeps a run's files apart from another's (two builds);
# BENCH_KEEP_POSTS=1 leaves the post folders for the caller to delete.
set -eu
. "$(dirname "$0")/lib.sh"

entries=100000 runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --entries) entries=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --short) entries=20000 runs=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) say "huge_feed_bench: unknown argument $1"; exit 2 ;;
  esac
done

ensure_python
ensure_time
apt_install sqlite3
feedd=$(feedd_binary)
work=${BENCH_WORK:-/tmp/feedd-bench}/huge${BENCH_TAG:+-$BENCH_TAG}
rm -rf "$work" && mkdir -p "$work"
$PY "$BENCH_DIR/gen_huge_feed.py" --out "$work/corpus" --entries "$entries"

$PY "$BENCH_DIR/serve_corpus.py" --corpus "$work/corpus" --hosts 1 --latency 0 --max-seconds 3600 \
  --ready-file "$work/ready" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
port=$(cat "$work/ready")

results="$work/results.tsv"
printf 'round\twall_s\tcpu_s\tpeak_rss_kib\tstored\tindex_s\n' >"$results"
machine_info
r=1
while [ "$r" -le "$runs" ]; do
  dir="$work/run-$r"
  $PY "$BENCH_DIR/make_config.py" --dir "$dir" --sources 1 --hosts 1 --corpus-files 1 --port "$port"
  sync
  /usr/bin/time -v -o "$dir/time" "$feedd" once --config "$dir/feedd.toml" 2>"$dir/log" ||
    { say "huge_feed_bench: feedd once failed"; tail "$dir/log" >&2; exit 1; }
  stored=$(sqlite3 "$dir/feedd.db" "SELECT count(*) FROM entries")
  posts=$(find "$dir/_posts" -type f | wc -l)
  [ "$stored" -eq "$entries" ] && [ "$posts" -eq "$entries" ] ||
    { say "huge_feed_bench: round $r stored $stored rows and $posts posts, not $entries"; exit 1; }
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time" |
    awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}')
  user=$(sed -n 's/.*User time (seconds): //p' "$dir/time")
  system=$(sed -n 's/.*System time (seconds): //p' "$dir/time")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time")
  index_s=$(search_index_seconds "$dir/log")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$wall" "$(awk -v u="$user" -v s="$system" 'BEGIN {print u + s}')" \
    "$rss" "$stored" "$index_s" >>"$results"
  tail -n1 "$results" | awk -F'\t' '{printf "  round %s: %d entries in %.2f s (%.2f s of it search index), cpu %.2f s, peak RSS %.1f MiB\n", $1, $5, $2, $6, $3, $4 / 1024}' >&2
  r=$((r + 1))
done
# Only now: 100,000 inodes freed before a round make ext4 scan past them for
# minutes while it allocates the next round's (the system time of the round
# after a deletion doubled). Rounds of two builds compared in one session
# should leave a few minutes between sessions too (see BENCHMARKS.md), or
# keep them all (BENCH_KEEP_POSTS=1) and delete them afterwards.
[ -n "${BENCH_KEEP_POSTS:-}" ] || rm -rf "$work"/run-*/_posts

$PY - "$results" <<'PYEOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = lambda key: statistics.median(float(r[key]) for r in rows)
entries = int(rows[0]["stored"])
stored_s = statistics.median(float(r["wall_s"]) - float(r["index_s"]) for r in rows)
print(f"{entries:,} entries, median of {len(rows)}: wall {med('wall_s'):.2f} s ({entries / med('wall_s'):,.0f} entries/s "
      f"counted to the exit; stored in {stored_s:.2f} s, {entries / stored_s:,.0f} entries/s, then search index "
      f"{med('index_s'):.2f} s), cpu {med('cpu_s'):.2f} s, peak RSS {med('peak_rss_kib') / 1024:.1f} MiB")
PYEOF
echo "samples: $results"
echo "reproduce: bench/huge_feed_bench.sh --entries $entries --runs $runs"
