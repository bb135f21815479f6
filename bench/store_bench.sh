#!/bin/sh
# Store: ingest rate (entries/s into SQLite + post files) of the real feedd
# with PREFILL entries already stored, against the same ingest into an empty
# store. Each round ingests a fresh corpus of SOURCES x ENTRIES new entries
# through `feedd once` over file:// URLs (no HTTP, so the writer is what is
# measured), once into an empty store and once into the pre-filled one, in
# rotating order.
#
#   bench/store_bench.sh [--prefill N] [--sources K] [--entries E] [--runs R] [--content-bytes B]
#                        [--compare LABEL=BINARY] [--label LABEL] [--nosync] [--short]
#
# Defaults: 1,000,000 entries pre-filled (about 2 KiB of content and 2 KiB of
# raw item each), 100 sources x 30 entries per round, 5 rounds. Fewer sources
# with more entries each (--sources 10 --entries 1000) measure the writer's
# cost per entry rather than per poll (start-up, schedule, 100 polls). --short:
# 100,000 pre-filled, 20 sources, 2 rounds. The pre-filled database is built
# once by bench/store_prefill.cpp through feedd::Store and kept in $BENCH_WORK
# (default /tmp/feedd-bench) for later runs; it holds rows only, no post files.
# It is used IN PLACE, not copied (a copy of a multi-GB file per round would
# cost more than the round): every round adds its rows to it (the corpus'
# 2-10 KiB bodies, about 15 KB a row), so it grows from run to run; the
# script says by how much. Copy a shared store into your own $BENCH_WORK first.
# --compare LABEL=BINARY: another feedd (main's, say) in the same rounds,
# interleaved with the first (named by --label, default "feedd"), each with a
# corpus of its own, into a copy of the pre-filled store made at the start
# (so the two may have different schemas: make the one with the older
# schema the first, FEEDD=, so that the kept template stays at it).
# --nosync runs feedd under eatmydata (fsync made a no-op): the ingest rate
# apart from the disk's flush latency.
# No round follows a deletion of posts: ext4 without a journal will not
# reuse an inode freed in the last 60 s (360 s while its inode table block
# is dirty) and makes every creation search past such inodes, which cost
# the rounds after a deletion of thousands of posts up to 2x. So each
# round's posts stay in a folder of their own until the last round is over,
# then all are deleted and synced at once; a run that starts within 360 s of
# that waits for the rest first (after a 90 s wait the first two rounds'
# post files still cost 3-10x the CPU of the later ones). Other sessions'
# deletions on the same file system are out of its hands.
# Per round it records the wall time, CPU and peak RSS of the process and
# the CPU of its writer thread (feedd-writer, from /proc: bench/thread_cpu.py;
# for a feedd whose threads have no names, its busiest thread but the main one).
# FEEDD=path/to/feedd picks the binary (default: Release build in build-bench/).
set -eu
. "$(dirname "$0")/lib.sh"

prefill=1000000 sources=100 entries=30 runs=5 content=2048 wrap="" label=feedd extra_label="" extra_feedd=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefill) prefill=$2; shift 2 ;;
    --sources) sources=$2; shift 2 ;;
    --entries) entries=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --content-bytes) content=$2; shift 2 ;;
    --compare) extra_label=${2%%=*} extra_feedd=${2#*=}; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --short) prefill=100000 sources=20 runs=2; shift ;;
    --nosync) wrap=eatmydata; shift ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
    *) say "store_bench: unknown argument $1"; exit 2 ;;
  esac
done
[ "$extra_label" != "$label" ] || { say "store_bench: --compare needs a label other than $label"; exit 2; }

ensure_python
ensure_time
apt_install sqlite3
[ -n "$wrap" ] && apt_install eatmydata
feedd=$(feedd_binary)
work=${BENCH_WORK:-/tmp/feedd-bench}
run="$work/store"
template="$work/prefilled-$prefill-$content.db"
deleted_stamp="$work/posts-deleted-at"
labels="$label${extra_label:+ $extra_label}"
mkdir -p "$work"

binary_of() {  # label
  if [ "$1" = "$label" ]; then printf '%s\n' "$feedd"; else printf '%s\n' "$extra_feedd"; fi
}

# The pre-filled store each feedd writes into: --compare's gets a copy of the
# template made afresh by each run, so that two feedds with different schemas
# (one upgrades the store, the other could not open it then) each start from
# the same rows.
template_of() {  # label
  if [ "$1" = "$label" ]; then printf '%s\n' "$template"; else printf '%s\n' "$work/compare-$1.db"; fi
}

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

# Posts an earlier run left behind (it deletes its own at its end; these
# are from one that failed), then the wait after the last deletion of posts.
if ls -d "$run"/*-[0-9]*/_posts >/dev/null 2>&1; then rm -rf "$run"/*-[0-9]*/_posts; sync; date +%s >"$deleted_stamp"; fi
rm -rf "$run" && mkdir -p "$run"
if [ -f "$deleted_stamp" ]; then
  wait_s=$(( $(cat "$deleted_stamp") + 360 - $(date +%s) ))
  if [ "$wait_s" -gt 0 ]; then
    say "store_bench: posts were deleted less than 360 s ago; waiting $wait_s s so that ext4 reuses their inodes"
    sleep "$wait_s"
  fi
fi

if [ -n "$extra_label" ]; then
  say "store_bench: copying the template for $extra_label"
  rm -f "$(template_of "$extra_label")"* && cp "$template" "$(template_of "$extra_label")"
fi
# The kept store must still open with each feedd (the schema may have moved on).
for name in $labels; do
  printf '[storage]\ndatabase = "%s"\nposts_dir = "%s"\n' "$(template_of "$name")" "$run/check/_posts" >"$run/check.toml"
  "$(binary_of "$name")" once --config "$run/check.toml" --quiet 2>"$run/check.log" || {
    say "store_bench: $name ($(binary_of "$name")) cannot use $(template_of "$name"):"; cat "$run/check.log" >&2
    say "store_bench: delete it (and its -wal, -shm, .lock) so the next run builds it afresh"; exit 1; }
done
results="$run/results.tsv"
printf 'feedd\tstore\tround\twall_s\tcpu_s\tpeak_rss_kib\tnew_entries\tindex_s\twriter_cpu_s\n' >"$results"

# ingest LABEL STORE ROUND CORPUS: one timed `feedd once` into an empty or the pre-filled store.
ingest() {
  name=$1 store=$2 round=$3 corpus=$4
  dir="$run/$name-$store-$round"
  mkdir -p "$dir"
  if [ "$store" = prefilled ]; then db=$(template_of "$name"); else db="$dir/feedd.db"; fi
  $PY "$BENCH_DIR/make_config.py" --dir "$dir" --sources "$sources" --file-corpus "$corpus" --database "$db"
  before=$(sqlite3 "$db" "SELECT count(*) FROM entries" 2>/dev/null || echo 0)
  sync
  $PY "$BENCH_DIR/thread_cpu.py" --out "$dir/usage.json" -- $wrap "$(binary_of "$name")" once --config "$dir/feedd.toml" 2>"$dir/log" ||
    { say "store_bench: $name once failed"; tail "$dir/log" >&2; exit 1; }
  after=$(sqlite3 "$db" "SELECT count(*) FROM entries")
  [ $((after - before)) -eq $((sources * entries)) ] ||
    { say "store_bench: $name $store round $round stored $((after - before)) new entries, not $((sources * entries))"; exit 1; }
  # The empty store goes at once (a few big files, no inodes to speak of);
  # its posts stay until the end.
  [ "$store" = prefilled ] || rm -f "$db" "$db-wal" "$db-shm" "$db.lock"
  # `once` indexes the new rows for search after storing them and says how
  # long that took; the ingest rate is over the rest.
  index_s=$(search_index_seconds "$dir/log")
  $PY - "$dir/usage.json" "$name" "$store" "$round" $((after - before)) "$index_s" >>"$results" <<'EOF'
import json, sys
u = json.load(open(sys.argv[1]))
# A feedd from before the threads had names: its busiest unnamed thread.
writer = u["threads"].get("feedd-writer", {}).get("cpu", u.get("busiest_unnamed", float("nan")))
print("\t".join(sys.argv[2:5] + [f"{u['wall']:.3f}", f"{u['cpu']:.2f}", str(u["rss_kib"])] + sys.argv[5:7] + [f"{writer:.2f}"]))
EOF
  tail -n1 "$results" | awk -F'\t' '{printf "  %-8s %-9s round %s: %6d new entries stored in %6.2f s (%.0f entries/s), then indexed for search in %.2f s; cpu %.2f s (writer %.2f s), rss %.1f MiB\n", $1, $2, $3, $7, $4 - $8, $7 / ($4 - $8), $8, $5, $9, $6 / 1024}' >&2
}

machine_info
rows_at_start=$(sqlite3 "$template" "SELECT count(*) FROM entries")
say "store${wrap:+ (feedd under eatmydata: no fsync)}: $rows_at_start entries pre-filled ($(du -h "$template" | cut -f1), used in place: every round adds its rows); $sources sources x $entries new entries per round; $labels"
# Entries the kept store has never seen: a corpus seed it has not had yet, one per round and feedd.
corpora=""
r=1
while [ $r -le "$runs" ]; do
  for name in $labels; do
    used=$(cat "$template.rounds" 2>/dev/null || echo 0)
    echo $((used + 1)) >"$template.rounds"
    corpus="$work/corpus-$sources-$entries-store$((used + 1))"
    [ -f "$corpus/manifest.json" ] || $PY "$BENCH_DIR/gen_corpus.py" --out "$corpus" --files "$sources" --entries "$entries" --seed $((100 + used + 1)) 2>/dev/null
    corpora="$corpora $corpus"
    echo "$corpus" >"$run/corpus-$name-$r"
  done
  r=$((r + 1))
done
# Each round runs every (feedd, store) pair once, the order rotating from round to round.
pairs=""
for name in $labels; do pairs="$pairs $name:empty $name:prefilled"; done
r=1
while [ $r -le "$runs" ]; do
  order=$(echo $pairs | awk -v k=$((r - 1)) '{for (i = 0; i < NF; i++) printf "%s ", $((i + k) % NF + 1)}')
  for pair in $order; do ingest "${pair%%:*}" "${pair#*:}" "$r" "$(cat "$run/corpus-${pair%%:*}-$r")"; done
  r=$((r + 1))
done
rows_at_end=$(sqlite3 "$template" "SELECT count(*) FROM entries")

$PY - "$results" "$prefill" $labels <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
labels = sys.argv[3:]
rate = {}
for label in labels:
    for store in ("empty", "prefilled"):
        sel = [r for r in rows if r["feedd"] == label and r["store"] == store]
        stored = [float(r["wall_s"]) - float(r["index_s"]) for r in sel]
        rates = [int(r["new_entries"]) / s for r, s in zip(sel, stored)]
        rate[label, store] = statistics.median(rates)
        wall = statistics.median(float(r["wall_s"]) for r in sel)
        index = statistics.median(float(r["index_s"]) for r in sel)
        cpu = statistics.median(float(r["cpu_s"]) for r in sel)
        writer = statistics.median(float(r["writer_cpu_s"]) for r in sel)
        rss = statistics.median(int(r["peak_rss_kib"]) for r in sel) / 1024
        per_entry = writer / statistics.median(int(r["new_entries"]) for r in sel) * 1000
        print(f"{label:<8} {store:<9}: {rate[label, store]:,.0f} entries/s stored (median of {len(sel)}, "
              f"{min(rates):,.0f}-{max(rates):,.0f}; stored in {statistics.median(stored):.2f} s, "
              f"then search index {index:.2f} s; wall {wall:.2f} s, cpu {cpu:.2f} s, "
              f"writer {writer:.2f} s = {per_entry:.3f} ms/entry, peak RSS {rss:.1f} MiB)")
    print(f"{label:<8} pre-filled ({int(sys.argv[2]):,} entries) / empty ingest rate: "
          f"{rate[label, 'prefilled'] / rate[label, 'empty']:.2f}x")
for label in labels[1:]:
    for store in ("empty", "prefilled"):
        print(f"{labels[0]} / {label} ({store}): {rate[labels[0], store] / rate[label, store]:.2f}x the rate")
EOF
say "store_bench: the pre-filled store went from $rows_at_start to $rows_at_end entries ($(du -h "$template" | cut -f1))"
# At the end only, all at once: see the comment at the top.
say "store_bench: deleting this run's posts ($(du -sh "$run" | cut -f1)) and corpora"
rm -rf "$run"/*-[0-9]*/_posts $corpora
[ -z "$extra_label" ] || rm -f "$(template_of "$extra_label")"*
sync
date +%s >"$deleted_stamp"
echo "samples: $results"
echo "reproduce: FEEDD=$feedd bench/store_bench.sh --prefill $prefill --sources $sources --entries $entries --runs $runs --content-bytes $content${wrap:+ --nosync}${extra_label:+ --label $label --compare $extra_label=$extra_feedd}"
