#!/bin/sh
# The machine's floor for issue 17's targets 1 and 4 (BENCHMARKS.md, "The
# machine's floor for targets 1 and 4"): the device's own rates, then
# bench/ingest_floor (plain SQLite, no feedd code) layer by layer, each
# layer once a round in rotating order, medians over the rounds.
#
#   BENCH_WORK=DIR bench/ingest_floor.sh --store COPY.db [--runs 3] [--entries 10000] [--binary PATH]
#                                        [--layers "NAME ..."]
#
# --store: a COPY of the 1,000,000-row store (bench/store_prefill.cpp's); it
# is written in place and grows by the rows of every round (about 7 GB over
# three rounds of 10,000 a layer). Post folders go to $BENCH_WORK/floor-posts
# and are deleted at the end; so are the device test's files.
set -eu

store=""
runs=3
entries=10000
binary=build-floor/bench/ingest_floor
layers="files files_nosync bare indexed indexed_mem posts overlap overlap_nosync slim keys rollback rollback_bare best best_slim first_pass first_pass_wal first_pass_slim first_pass_best"
while [ $# -gt 0 ]; do
  case "$1" in
    --store) store=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --entries) entries=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$store" ] || { echo "--store COPY.db is required" >&2; exit 2; }
work=${BENCH_WORK:-/tmp/feedd-bench}
posts=$work/floor-posts
results=$work/floor-results.txt
mkdir -p "$posts"
: > "$results"

# Target 1's shape: a first pass into an empty store of feedd's schema.
empty=$work/floor-empty.db
rm -f "$empty" "$empty-wal" "$empty-shm"
sqlite3 "$store" .schema | grep -v '^CREATE TABLE sqlite_' | sqlite3 "$empty"
sqlite3 "$empty" "PRAGMA journal_mode = WAL; ATTACH '$store' AS full; INSERT INTO sources SELECT * FROM full.sources;" > /dev/null

head -c 1G /dev/urandom > /dev/shm/floor-random-$$.bin

record() {  # layer, then the tool's output line
  echo "$1 $2 load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$results"
}

device() {
  dd_out=$(dd if=/dev/shm/floor-random-$$.bin of="$work/floor-dd.bin" bs=1M conv=fdatasync 2>&1 | tail -1)
  rm -f "$work/floor-dd.bin"
  record dd "$dd_out"
}

slim="--content 2050 --raw 2369 --search 0"
keys="--content 0 --raw 0 --search 0"
round=1
while [ "$round" -le "$runs" ]; do
  device
  # The order rotates by one layer a round, so no layer always follows the same one.
  # shellcheck disable=SC2086 # one word a layer
  set -- $layers
  count=$#
  all="$*"
  shift $(( (round - 1) % count ))
  order=$(echo "$* $all" | cut -d' ' -f1-"$count")
  for name in $order; do
    folder=$posts/$name-$round
    mkdir -p "$folder"
    case "$name" in
      files) args="--posts $folder" ;;
      files_nosync) args="--posts $folder --nosync" ;;
      overlap_nosync) args="--db $store --posts $folder --overlap --nosync" ;;
      bare) args="--db $store --table bare" ;;
      indexed) args="--db $store" ;;
      indexed_mem) args="--db $store --temp-memory" ;;
      posts) args="--db $store --posts $folder" ;;
      overlap) args="--db $store --posts $folder --overlap" ;;
      slim) args="--db $store --posts $folder --overlap $slim" ;;
      keys) args="--db $store --posts $folder --overlap $keys" ;;
      rollback) args="--db $store --posts $folder --overlap --journal delete" ;;
      rollback_bare) args="--db $store --table bare --journal delete" ;;
      # The cheapest durable layout measured: no index, appended pages not
      # journaled, posts on their own thread.
      best) args="--db $store --table bare --journal delete --posts $folder --overlap" ;;
      best_slim) args="--db $store --table bare --journal delete --posts $folder --overlap $slim" ;;
      first_pass*)
        cp "$empty" "$work/floor-pass.db"
        args="--db $work/floor-pass.db --posts $folder --overlap --entries 30000 --per-source 30"
        # Rows left in the WAL at the end (durable there): the bytes a pass must
        # make durable before it exits, without the copy into the database.
        case "$name" in
          first_pass_wal) args="$args --autocheckpoint 0" ;;
          first_pass_slim) args="$args --autocheckpoint 0 $slim" ;;
          first_pass_best) args="$args --table bare --journal delete $slim" ;;
        esac ;;
    esac
    # shellcheck disable=SC2086 # the arguments are split on purpose
    record "$name" "$(nice "$binary" --entries "$entries" $args)"
    rm -f "$work/floor-pass.db" "$work/floor-pass.db-wal" "$work/floor-pass.db-shm"
  done
  round=$((round + 1))
done
# The store is left in WAL mode, as feedd expects it.
sqlite3 "$store" "PRAGMA journal_mode = WAL" > /dev/null
rm -rf "$posts" /dev/shm/floor-random-$$.bin "$empty" "$empty-wal" "$empty-shm"
sync
echo "results in $results"
