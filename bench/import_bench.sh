#!/bin/sh
# import-posts: how long `feedd import-posts` takes to adopt an archive of
# COUNT old-style posts (bench/gen_old_posts.py: ~10% broken front matter,
# ~6% unreadable, ~4% duplicates by URL), into an empty store, and how long a
# second run (everything already known) takes. Each round starts from an
# empty store over the same files; a sha256 of every file before and after
# confirms that no byte changed. Target (issue 15): 10,000 posts in under 30 s.
#
#   bench/import_bench.sh [--count N] [--runs R] [--short]
#
# Defaults: 10,000 posts, 3 rounds. --short: 2,000 posts, 1 round.
# FEEDD=path/to/feedd picks the binary (default: Release build in build-bench/).
set -eu
. "$(dirname "$0")/lib.sh"

count=10000 runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --short) count=2000 runs=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) say "import_bench: unknown argument $1"; exit 2 ;;
  esac
done

ensure_python
ensure_time
feedd=$(feedd_binary)
work=${BENCH_WORK:-/tmp/feedd-bench}/import
rm -rf "$work"
mkdir -p "$work"
"$PY" "$BENCH_DIR/gen_old_posts.py" "$work/_posts" "$count" --manifest "$work/manifest.json"
printf '[storage]\ndatabase = "state/feedd.db"\nposts_dir = "_posts"\n' > "$work/feedd.toml"
(cd "$work/_posts" && find . -maxdepth 1 -type f -print0 | sort -z | xargs -0 sha256sum) > "$work/before.sha256"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: > "$work/first" ; : > "$work/second"
round=1
while [ "$round" -le "$runs" ]; do
  rm -rf "$work/state"
  /usr/bin/time -f '%e %U %S' -o "$work/time1" "$feedd" import-posts "$work/_posts" --config "$work/feedd.toml" \
    > "$work/out1" 2> "$work/err1" || [ $? -eq 1 ]
  /usr/bin/time -f '%e %U %S' -o "$work/time2" "$feedd" import-posts "$work/_posts" --config "$work/feedd.toml" \
    > "$work/out2" 2> "$work/err2" || [ $? -eq 1 ]
  tail -n1 "$work/time1" >> "$work/first"
  tail -n1 "$work/time2" >> "$work/second"
  say "round $round: $(tail -n1 "$work/out1" | tr -d '\n'); again: $(tail -n1 "$work/out2" | tr -d '\n')"
  round=$((round + 1))
done
(cd "$work/_posts" && find . -maxdepth 1 -type f -print0 | sort -z | xargs -0 sha256sum) > "$work/after.sha256"
cmp -s "$work/before.sha256" "$work/after.sha256" || { say "import_bench: FILES CHANGED"; exit 1; }

machine_info
printf 'posts: %s files (%s)\n' "$(ls "$work/_posts" | wc -l)" "$(tail -n1 "$work/out1")"
printf 'first import:  wall %s s, user %s s, sys %s s (median of %s)\n' "$(cut -d' ' -f1 "$work/first" | median)" \
  "$(cut -d' ' -f2 "$work/first" | median)" "$(cut -d' ' -f3 "$work/first" | median)" "$runs"
printf 'second import: wall %s s, user %s s, sys %s s (median of %s)\n' "$(cut -d' ' -f1 "$work/second" | median)" \
  "$(cut -d' ' -f2 "$work/second" | median)" "$(cut -d' ' -f3 "$work/second" | median)" "$runs"
printf 'no file changed (sha256 of every file before and after)\n'
printf 'rerun: bench/import_bench.sh --count %s --runs %s\n' "$count" "$runs"
