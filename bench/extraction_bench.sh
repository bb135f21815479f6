#!/bin/sh
# Article extraction benchmark: `feedd extract --json` (auto mode) and
# Debian's readability-lxml over the 181 pages of the article extraction
# benchmark in ../shared/extraction (read in place, nothing copied into the
# repository), both scored by the benchmark's own evaluate.py; CPU per page
# (median) for both; the worst pages for feedd. See BENCHMARKS.md.
#
#   bench/extraction_bench.sh [BENCHMARK_DIR]
#
# FEEDD and EXTRACTION_CPU name prebuilt binaries (default: the Release
# build in build-bench/).
set -eu
. "$(dirname "$0")/lib.sh"

data=${1:-$REPO_DIR/../shared/extraction/article-extraction-benchmark}
[ -f "$data/ground-truth.json" ] || { say "no benchmark at $data"; exit 1; }
data=$(cd "$data" && pwd)
apt_install python3 python3-readability python3-lxml
feedd=$(feedd_binary)
cpu_tool=${EXTRACTION_CPU:-$(bench_tool extraction_cpu)}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pages" "$work/output"
for page in "$data"/html/*.html.gz; do
  gzip -dc "$page" >"$work/pages/$(basename "$page" .gz)"
done
ln -s "$data/ground-truth.json" "$work/ground-truth.json"

machine_info
say "feedd extract --json over $(ls "$work/pages" | wc -l) pages"
"$feedd" extract --json "$work"/pages/*.html >"$work/feedd.jsonl"
say "CPU per page (feedd)"
"$cpu_tool" "$work"/pages/*.html >"$work/feedd_cpu.txt"
say "readability-lxml (same pages)"
$PY "$BENCH_DIR/extraction_score.py" "$data" "$work"
