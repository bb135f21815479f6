#!/bin/sh
# End to end: one `feedd once` over SOURCES loopback sources x ENTRIES entries
# behind 100 ms of latency, spread over 127.0.0.1-127.0.0.50 (wall time,
# entries/s, peak RSS), then a second pass where every source answers 304
# (must write nothing). The same two passes by bench/peers/node_once.js
# (rss-parser, same limits, same post files). Fresh store each round; feedd
# and Node alternate which goes first.
#
#   bench/e2e_bench.sh [--sources N] [--entries M] [--runs R] [--latency S]
#                      [--concurrency C] [--content raw|sanitize] [--nosync]
#                      [--compare LABEL=BINARY] [--short]
#
# Defaults: 1,000 sources x 30 entries, 5 rounds, 0.1 s, 64 transfers at once
# (fetch.concurrency's default; 2 per host, fetch.per_host's default, for both
# tools). With 100 ms per response a pass needs at least SOURCES x 0.1 s / C:
# 1.6 s at 64, 6.25 s at 16. --short: 100 x 30, 2 rounds.
# --nosync adds a third contender, feedd under eatmydata (fsync and friends
# made no-ops, as the Node script never calls them): what feedd costs apart
# from making every post durable before its row commits. --compare adds
# another feedd binary under LABEL (an A/B test of a change to feedd).
# --content: feedd's content mode for every source; raw (the default here)
# writes posts byte for byte the same as the Node script, sanitize (feedd's
# default) also cleans each entry's HTML.
# FEEDD=path/to/feedd picks the binary (default: Release build in build-bench/).
set -eu
. "$(dirname "$0")/lib.sh"

sources=1000 entries=30 runs=5 latency=0.1 hosts=50 seed=1 tools="feedd node" concurrency=64 extra_label="" extra_feedd="" content=raw
while [ $# -gt 0 ]; do
  case "$1" in
    --sources) sources=$2; shift 2 ;;
    --entries) entries=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --latency) latency=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --content) content=$2; shift 2 ;;
    --short) sources=100 runs=2; shift ;;
    --nosync) tools="$tools feedd-nosync"; shift ;;
    --compare) extra_label=${2%%=*} extra_feedd=${2#*=}; tools="$tools $extra_label"; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) say "e2e_bench: unknown argument $1"; exit 2 ;;
  esac
done

ensure_python
ensure_time
ensure_rss_parser
case $tools in *nosync*) apt_install eatmydata ;; esac
feedd=$(feedd_binary)
work=${BENCH_WORK:-/tmp/feedd-bench}
corpus="$work/corpus-$sources-$entries-$seed"
run="$work/e2e"
mkdir -p "$work"
[ -f "$corpus/manifest.json" ] || $PY "$BENCH_DIR/gen_corpus.py" --out "$corpus" --files "$sources" --entries "$entries" --seed "$seed"

rm -rf "$run" && mkdir -p "$run"
serve_corpus "$corpus" "$run" "$hosts" "$latency"
stats() { $PY -c "import json,urllib.request; print(json.dumps(json.load(urllib.request.urlopen('http://127.0.0.1:$port/_stats?reset=1'))))"; }

results="$run/results.tsv"
printf 'tool\tround\tpass\twall_s\tcpu_s\tpeak_rss_kib\tposts_changed\trequests\tstatus\tmax_per_host\tindex_s\n' >"$results"

# pass TOOL ROUND PASS DIR: one timed pass; appends a line to results.
pass() {
  tool=$1 round=$2 name=$3 dir=$4
  touch "$dir/marker"
  sleep 0.01  # the marker's mtime must be older than any write of the pass
  stats >/dev/null
  case $tool in
    feedd-nosync) /usr/bin/time -f '%e %U %S %M' -o "$dir/time-$name" eatmydata "$feedd" once --config "$dir/feedd.toml" \
             2>"$dir/log-$name" || { say "e2e_bench: feedd once failed"; tail "$dir/log-$name" >&2; exit 1; } ;;
    feedd) /usr/bin/time -f '%e %U %S %M' -o "$dir/time-$name" "$feedd" once --config "$dir/feedd.toml" \
             2>"$dir/log-$name" || { say "e2e_bench: feedd once failed"; tail "$dir/log-$name" >&2; exit 1; } ;;
    "$extra_label") /usr/bin/time -f '%e %U %S %M' -o "$dir/time-$name" "$extra_feedd" once --config "$dir/feedd.toml" \
             2>"$dir/log-$name" || { say "e2e_bench: $extra_label once failed"; tail "$dir/log-$name" >&2; exit 1; } ;;
    node) /usr/bin/time -f '%e %U %S %M' -o "$dir/time-$name" node "$BENCH_DIR/peers/node_once.js" \
            --sources "$dir/sources.json" --posts "$dir/_posts" --state "$dir/state.json" \
            --concurrency "$concurrency" --per-host 2 \
            2>"$dir/log-$name" || { say "e2e_bench: node_once failed"; tail "$dir/log-$name" >&2; exit 1; } ;;
  esac
  changed=$(find "$dir/_posts" -type f -newer "$dir/marker" | wc -l)
  server=$(stats)
  # feedd's `once` indexes for search after the posts are out and says how
  # long that took: the rest of its wall time is the pass itself.
  index_s=$(search_index_seconds "$dir/log-$name")
  set -- $(tail -n1 "$dir/time-$name")
  $PY - "$server" "$tool" "$round" "$name" "$1" "$2" "$3" "$4" "$changed" "$index_s" >>"$results" <<'EOF'
import json, sys
s = json.loads(sys.argv[1])
tool, rnd, name, wall, user, system, rss, changed, index_s = sys.argv[2:]
status = ",".join(f"{k}:{v}" for k, v in sorted(s["status"].items()))
print(f"{tool}\t{rnd}\t{name}\t{wall}\t{float(user) + float(system):.2f}\t{rss}\t{changed}\t{s['requests']}\t{status}\t{s['max_concurrent_per_host']}\t{index_s}")
EOF
  tail -n1 "$results" | awk -F'\t' '{printf "  %-5s round %s %-6s wall %6.2f s  cpu %6.2f s  rss %6.1f MiB  posts changed %6s  requests %s (%s), max %s per host, search index %s s\n", $1, $2, $3, $4, $5, $6 / 1024, $7, $8, $9, $10, $11}' >&2
}

machine_info
say "corpus: $sources sources x $entries entries, $(du -sh "$corpus/feeds" | cut -f1); server on 127.0.0.1-127.0.0.$hosts:$port, latency ${latency}s, concurrency $concurrency, 2 per host, content $content"
r=1
while [ $r -le "$runs" ]; do
  # Rotate who goes first.
  order=$(echo $tools | awk -v k=$(( (r - 1) )) '{n = NF; for (i = 0; i < n; i++) printf "%s ", $((i + k) % n + 1)}')
  for tool in $order; do
    # A folder per round, all deleted at the end: ext4 skips inodes freed in
    # the last 60-300 s when it allocates, and scanning past tens of
    # thousands of them would bill the next contender for the last one's rm.
    dir="$run/$tool-$r"
    mkdir -p "$dir/_posts"
    $PY "$BENCH_DIR/make_config.py" --dir "$dir" --sources "$sources" --port "$port" --hosts "$hosts" \
      --concurrency "$concurrency" --per-host 2 --content "$content"
    sync
    pass "$tool" "$r" first "$dir"
    pass "$tool" "$r" second "$dir"
    # The database (about 630 MiB a round at 1,000 x 30) is not what ext4's
    # inode reuse is about: freed now, a 3-round comparison fits the disk.
    rm -f "$dir"/feedd.db "$dir"/feedd.db-wal "$dir"/feedd.db-shm
  done
  r=$((r + 1))
done

$PY - "$results" "$sources" "$entries" $tools <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
entries = int(sys.argv[2]) * int(sys.argv[3])
tools = sys.argv[4:]
med = {}
for tool in tools:
    for name in ("first", "second"):
        sel = [r for r in rows if r["tool"] == tool and r["pass"] == name]
        med[tool, name] = {k: statistics.median(float(r[k]) for r in sel)
                           for k in ("wall_s", "cpu_s", "peak_rss_kib", "posts_changed", "index_s")}
        med[tool, name]["pass_s"] = statistics.median(float(r["wall_s"]) - float(r["index_s"]) for r in sel)
        med[tool, name]["max_changed"] = max(int(r["posts_changed"]) for r in sel)
        med[tool, name]["n"] = len(sel)
print(f"{'':<19}{'wall':>9}{'entries/s':>11}{'cpu':>9}{'peak RSS':>11}{'posts changed':>15}")
for (tool, name), m in med.items():
    eps = f"{entries / m['wall_s']:,.0f}" if name == "first" else "-"
    print(f"{tool + ' ' + name:<19}{m['wall_s']:8.2f}s{eps:>11}{m['cpu_s']:8.2f}s{m['peak_rss_kib'] / 1024:8.1f} MiB"
          f"{m['max_changed']:>15.0f}   (median of {m['n']})")
    if m["index_s"] > 0:
        print(f"{'  of which index':<19}{m['index_s']:8.2f}s   (posts and rows stored after {m['pass_s']:.2f} s)")
for tool in tools[1:]:
    for name in ("first", "second"):
        print(f"{tool}/feedd {name} pass: wall {med[tool, name]['wall_s'] / med['feedd', name]['wall_s']:.2f}x, "
              f"cpu {med[tool, name]['cpu_s'] / med['feedd', name]['cpu_s']:.2f}x, "
              f"peak RSS {med[tool, name]['peak_rss_kib'] / med['feedd', name]['peak_rss_kib']:.2f}x")
f1, f2 = med["feedd", "first"], med["feedd", "second"]
rss = max(f1["peak_rss_kib"], f2["peak_rss_kib"]) / 1024
print("targets: first pass < 15 s: {} ({:.2f} s to exit, posts and rows stored after {:.2f} s); "
      "second < 3 s with zero writes: {} ({:.2f} s, {} posts changed); "
      "peak RSS < 100 MiB: {} ({:.1f} MiB)".format(
          "met" if f1["wall_s"] < 15 else "MISSED", f1["wall_s"], f1["pass_s"],
          "met" if f2["wall_s"] < 3 and f2["max_changed"] == 0 else "MISSED", f2["wall_s"], f2["max_changed"],
          "met" if rss < 100 else "MISSED", rss))
EOF
rm -rf "$run"/*-[0-9]*/_posts
echo "samples: $results"
nosync=""; case $tools in *nosync*) nosync=" --nosync" ;; esac
[ -n "$extra_label" ] && nosync="$nosync --compare $extra_label=$extra_feedd"
echo "reproduce: bench/e2e_bench.sh --sources $sources --entries $entries --runs $runs --latency $latency --concurrency $concurrency --content $content$nosync"
