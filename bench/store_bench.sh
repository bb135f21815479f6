#!/bin/sh
# Store: ingest rate (entries/s into SQLite + post files) of the real feedd
# with PREFILL entries already stored, against the same ingest into an empty
# store. Each round ingests a fresh corpus of SOURCES x 30 new entries
# through `feedd once` over file:// URLs (no HTTP, so the writer is what is
# measured), once into an empty store and once into the pre-filled one, in
# alternating order. The pre-filled store grows by a round's entries each round
# (under 1% of it).
#
#   bench/store_bench.sh [--prefill N] [--sources K] [--entries E] [--runs R] [--content-bytes B] [--short]
#
# Defaults: 1,000,000 entries pre-filled (about 2 KiB of content and 2 KiB of
# raw item each), 100 sources x 30 entries per round, 5 rounds. Fewer sources
# with more entries each (--sources 10 --entries 1000) measure the writer's
# cost per entry rather than per poll (start-up, schedule, 100 polls). --short:
# 100,000 pre-filled, 20 sources, 2 rounds. The pre-filled database is built
# once by bench/store_prefill.cpp through feedd::Store (so the search indexes
# are filled by their triggers) and kept in $BENCH_WORK (default
# /tmp/feedd-bench) for later runs; it holds rows only, no post files.
# --nosync runs feedd under eatmydata (fsync made a no-op): the ingest rate
# apart from the disk's flush latency.
# FEEDD=path/to/feedd picks the binary (default: Release build in build-bench/).
set -eu
. "$(dirname "$0")/lib.sh"

prefill=1000000 sources=100 entries=30 runs=5 content=2048 wrap=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefill) prefill=$2; shift 2 ;;
    --sources) sources=$2; shift 2 ;;
    --entries) entries=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --content-bytes) content=$2; shift 2 ;;
    --short) prefill=100000 sources=20 runs=2; shift ;;
    --nosync) wrap=eatmydata; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) say "store_bench: unknown argument $1"; exit 2 ;;
  esac
done

ensure_python
ensure_time
apt_install sqlite3
[ -n "$wrap" ] && apt_install eatmydata
feedd=$(feedd_binary)
work=${BENCH_WORK:-/tmp/feedd-bench}
run="$work/store"
template="$work/prefilled-$prefill-$content.db"
mkdir -p "$work"

if [ ! -f "$template" ]; then
  say "store_bench: building a store with $prefill entries in $template (bench/store_prefill.cpp)"
  prefill_tool=$(bench_tool store_prefill)
  rm -f "$template.partial" "$template.partial-wal" "$template.partial-shm" "$template.rounds"
  start=$(date +%s)
  "$prefill_tool" --db "$template.partial" --entries "$prefill" --content-bytes "$content"
  count=$(sqlite3 "$template.partial" "SELECT count(*) FROM entries")
  [ "$count" -ge "$prefill" ] || { say "store_bench: prefill made $count entries, not $prefill"; exit 1; }
  mv "$template.partial" "$template"
  rm -f "$template.partial"*
  say "store_bench: built in $(( $(date +%s) - start )) s, $(du -h "$template" | cut -f1)"
fi

rm -rf "$run" && mkdir -p "$run"
# The kept store must still open with this feedd (the schema may have moved on).
printf '[storage]\ndatabase = "%s"\nposts_dir = "%s"\n' "$template" "$run/check/_posts" >"$run/check.toml"
"$feedd" once --config "$run/check.toml" --quiet 2>"$run/check.log" || {
  say "store_bench: this feedd cannot use $template:"; cat "$run/check.log" >&2
  say "store_bench: delete it (and its -wal, -shm, .lock) so the next run builds it afresh"; exit 1; }
# Used in place (a copy of a multi-GB file per run would cost more than the
# run): each round adds its entries, under 1% of the pre-filled ones.
results="$run/results.tsv"
printf 'store\tround\twall_s\tcpu_s\tpeak_rss_kib\tnew_entries\tindex_s\n' >"$results"

# ingest STORE ROUND CORPUS: one timed `feedd once` into an empty or the pre-filled store.
ingest() {
  store=$1 round=$2 corpus=$3
  dir="$run/$store-$round"
  rm -rf "$dir" && mkdir -p "$dir"
  if [ "$store" = prefilled ]; then db="$template"; else db="$dir/feedd.db"; fi
  $PY "$BENCH_DIR/make_config.py" --dir "$dir" --sources "$sources" --file-corpus "$corpus" --database "$db"
  before=$(sqlite3 "$db" "SELECT count(*) FROM entries" 2>/dev/null || echo 0)
  sync
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time" $wrap "$feedd" once --config "$dir/feedd.toml" 2>"$dir/log" ||
    { say "store_bench: feedd once failed"; tail "$dir/log" >&2; exit 1; }
  after=$(sqlite3 "$db" "SELECT count(*) FROM entries")
  [ $((after - before)) -eq $((sources * entries)) ] ||
    { say "store_bench: $store round $round stored $((after - before)) new entries, not $((sources * entries))"; exit 1; }
  # `once` indexes the new rows for search after storing them and says how
  # long that took; the ingest rate is over the rest.
  index_s=$(search_index_seconds "$dir/log")
  set -- $(cat "$dir/time")
  printf '%s\t%s\t%s\t%.2f\t%s\t%s\t%s\n' "$store" "$round" "$1" "$(awk -v u="$2" -v s="$3" 'BEGIN {print u + s}')" "$4" $((after - before)) "$index_s" >>"$results"
  tail -n1 "$results" | awk -F'\t' '{printf "  %-9s round %s: %6d new entries stored in %6.2f s (%.0f entries/s), then indexed for search in %.2f s; cpu %.2f s, rss %.1f MiB\n", $1, $2, $6, $3 - $7, $6 / ($3 - $7), $7, $4, $5 / 1024}' >&2
}

machine_info
say "store${wrap:+ (feedd under eatmydata: no fsync)}: $(sqlite3 "$template" "SELECT count(*) FROM entries") entries pre-filled ($(du -h "$template" | cut -f1)); $sources sources x $entries new entries per round"
r=1
while [ $r -le "$runs" ]; do
  # Entries the kept store has never seen: a corpus seed it has not had yet.
  used=$(cat "$template.rounds" 2>/dev/null || echo 0)
  echo $((used + 1)) >"$template.rounds"
  corpus="$work/corpus-$sources-$entries-store$((used + 1))"
  [ -f "$corpus/manifest.json" ] || $PY "$BENCH_DIR/gen_corpus.py" --out "$corpus" --files "$sources" --entries "$entries" --seed $((100 + used + 1)) 2>/dev/null
  if [ $((r % 2)) -eq 1 ]; then order="empty prefilled"; else order="prefilled empty"; fi
  for store in $order; do ingest "$store" "$r" "$corpus"; done
  r=$((r + 1))
done

$PY - "$results" "$prefill" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
rate = {}
for store in ("empty", "prefilled"):
    sel = [r for r in rows if r["store"] == store]
    stored = [float(r["wall_s"]) - float(r["index_s"]) for r in sel]
    rate[store] = statistics.median(int(r["new_entries"]) / s for r, s in zip(sel, stored))
    wall = statistics.median(float(r["wall_s"]) for r in sel)
    index = statistics.median(float(r["index_s"]) for r in sel)
    cpu = statistics.median(float(r["cpu_s"]) for r in sel)
    rss = statistics.median(int(r["peak_rss_kib"]) for r in sel) / 1024
    print(f"{store:<9}: {rate[store]:,.0f} entries/s stored (median of {len(sel)}; stored in {statistics.median(stored):.2f} s, "
          f"then search index {index:.2f} s; wall {wall:.2f} s, cpu {cpu:.2f} s, peak RSS {rss:.1f} MiB)")
print(f"pre-filled ({int(sys.argv[2]):,} entries) / empty ingest rate: {rate['prefilled'] / rate['empty']:.2f}x")
EOF
rm -rf "$run"/*-[0-9]*/_posts  # at the end: see e2e_bench.sh on ext4 and freed inodes
echo "samples: $results"
echo "reproduce: bench/store_bench.sh --prefill $prefill --sources $sources --entries $entries --runs $runs --content-bytes $content${wrap:+ --nosync}"
