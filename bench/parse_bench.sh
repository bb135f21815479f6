#!/bin/sh
# Parse throughput: `feedd parse --json` against Python's feedparser (Debian's
# python3-feedparser) and rss-parser (npm), each parsing the same corpus files
# in ONE process, interleaved rounds, medians and ratios.
#
#   bench/parse_bench.sh [--files N] [--entries M] [--runs R] [--seed S] [--short] [--compare BIN]
#
# Defaults: 200 files x 30 entries (~6,000 entries, ~40 MiB), 7 rounds.
# --short: 30 files x 30 entries, 3 rounds (a smoke test).
# FEEDD=path/to/feedd picks the binary (default: Release build in build-bench/).
# --compare BIN: another feedd (main's, say) timed in the same rounds as
# "feedd-compare", its output checked to be the same bytes.
set -eu
. "$(dirname "$0")/lib.sh"

files=200 entries=30 runs=7 seed=1 compare=
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files=$2; shift 2 ;;
    --entries) entries=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --short) files=30 entries=30 runs=3; shift ;;
    --compare) compare=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) say "parse_bench: unknown argument $1"; exit 2 ;;
  esac
done

ensure_feedparser
ensure_rss_parser
feedd=$(feedd_binary)
work=${BENCH_WORK:-/tmp/feedd-bench}
corpus="$work/corpus-$files-$entries-$seed"
[ -f "$corpus/manifest.json" ] || $PY "$BENCH_DIR/gen_corpus.py" --out "$corpus" --files "$files" --entries "$entries" --seed "$seed"
list="$corpus/feeds/*.xml"

# Once, untimed: every tool must read every file and find every entry.
for tool in feedd feedparser rss-parser; do
  case $tool in
    feedd) "$feedd" parse --json $list >"$work/parse-$tool.jsonl" ;;
    feedparser) $PY "$BENCH_DIR/peers/feedparser_parse.py" $list >"$work/parse-$tool.jsonl" ;;
    rss-parser) node "$BENCH_DIR/peers/rss_parser_parse.js" $list >"$work/parse-$tool.jsonl" ;;
  esac
  $PY - "$work/parse-$tool.jsonl" "$tool" "$files" "$entries" <<'EOF'
import json, sys
path, tool, files, entries = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
docs = [json.loads(line) for line in open(path, encoding="utf-8")]
found = sum(len(d["entries"]) for d in docs)
if len(docs) != files or found != files * entries:
    sys.exit(f"parse_bench: {tool} printed {len(docs)} documents and {found} entries, expected {files} and {files * entries}")
EOF
done

if [ -n "$compare" ]; then
  "$compare" parse --json $list >"$work/parse-feedd-compare.jsonl"
  cmp -s "$work/parse-feedd.jsonl" "$work/parse-feedd-compare.jsonl" ||
    { say "parse_bench: $feedd and $compare print different bytes"; exit 1; }
  say "feedd and feedd-compare ($compare) print the same bytes"
fi

machine_info
say "corpus: $files files x $entries entries, $(du -sh "$corpus/feeds" | cut -f1) ($corpus)"
$PY "$BENCH_DIR/measure.py" --runs "$runs" --json "$work/parse-results.json" \
  feedd "$feedd parse --json $list" \
  rss-parser "node $BENCH_DIR/peers/rss_parser_parse.js $list" \
  feedparser "$PY $BENCH_DIR/peers/feedparser_parse.py $list" \
  ${compare:+feedd-compare "$compare parse --json $list"}
$PY - "$work/parse-results.json" "$files" "$entries" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
n = int(sys.argv[2]) * int(sys.argv[3])
for name in s:
    print(f"{name}: {n / s[name]['wall']['median']:,.0f} entries/s")
def judged(name, key, target):
    ratio = s[name][key]
    return f"{ratio:.2f}x (>= {target}x: {'met' if ratio >= target else 'MISSED'})"
print(f"issue 17 targets: rss-parser/feedd wall {judged('rss-parser', 'wall_ratio', 10)}, "
      f"CPU {judged('rss-parser', 'cpu_ratio', 5)}; feedparser/feedd wall {judged('feedparser', 'wall_ratio', 50)}, "
      f"CPU {s['feedparser']['cpu_ratio']:.2f}x")
if "feedd-compare" in s:
    print(f"feedd-compare/feedd: wall {s['feedd-compare']['wall_ratio']:.2f}x, CPU {s['feedd-compare']['cpu_ratio']:.2f}x")
EOF
echo "reproduce: FEEDD=$feedd bench/parse_bench.sh --files $files --entries $entries --runs $runs --seed $seed${compare:+ --compare $compare}"
