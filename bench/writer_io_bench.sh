#!/bin/sh
# The writer's bytes per entry: one `feedd once` first pass over the e2e
# corpus (bench/e2e_bench.sh's server, config and latency) per build and
# round, builds alternating, each sampled by bench/thread_io.py. Prints per
# build the medians of the writer thread's (the thread that wrote the most)
# bytes written and read per entry, its CPU, and the process's CPU.
#
#   bench/writer_io_bench.sh [--sources N] [--entries M] [--runs R] LABEL=BINARY...
set -eu
. "$(dirname "$0")/lib.sh"

sources=300 entries=30 runs=3 latency=0.1 hosts=50 seed=1 builds=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sources) sources=$2; shift 2 ;;
    --entries) entries=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *=*) builds="$builds $1"; shift ;;
    *) say "writer_io_bench: unknown argument $1"; exit 2 ;;
  esac
done
[ -n "$builds" ] || { say "writer_io_bench: name at least one LABEL=BINARY"; exit 2; }

ensure_python
work=${BENCH_WORK:-/tmp/feedd-bench}
corpus="$work/corpus-$sources-$entries-$seed"
run="$work/writer-io"
mkdir -p "$work"
[ -f "$corpus/manifest.json" ] || $PY "$BENCH_DIR/gen_corpus.py" --out "$corpus" --files "$sources" --entries "$entries" --seed "$seed"
rm -rf "$run" && mkdir -p "$run"
serve_corpus "$corpus" "$run" "$hosts" "$latency"

machine_info
r=1
while [ $r -le "$runs" ]; do
  order=$(echo $builds | awk -v k=$((r - 1)) '{n = NF; for (i = 0; i < n; i++) printf "%s ", $((i + k) % n + 1)}')
  for build in $order; do
    label=${build%%=*} binary=${build#*=}
    dir="$run/$label-$r"
    mkdir -p "$dir/_posts"
    $PY "$BENCH_DIR/make_config.py" --dir "$dir" --sources "$sources" --port "$port" --hosts "$hosts" \
      --concurrency 64 --per-host 2 --content raw
    sync
    say "$label round $r ($(uptime | sed 's/.*load/load/'))"
    $PY "$BENCH_DIR/thread_io.py" --json "$dir/io.json" -- "$binary" once --config "$dir/feedd.toml" 2>"$dir/log" \
      || { say "writer_io_bench: $label once failed"; tail "$dir/log" >&2; exit 1; }
    grep -A20 '^  thread' "$dir/log" | head -4 >&2 || true
    rm -f "$dir"/feedd.db "$dir"/feedd.db-wal "$dir"/feedd.db-shm
  done
  r=$((r + 1))
done

$PY - "$run" "$((sources * entries))" $builds <<'PYEOF'
import json, statistics, sys, glob
run, entries, builds = sys.argv[1], int(sys.argv[2]), [b.split("=")[0] for b in sys.argv[3:]]
print(f"{'build':<10}{'writer wchar/entry':>20}{'write_bytes/entry':>19}{'rchar/entry':>13}{'writer CPU':>12}"
      f"{'(user+sys)':>16}{'process CPU':>13}   rounds")
for label in builds:
    rows = []
    for path in sorted(glob.glob(f"{run}/{label}-*/io.json")):
        sample = json.load(open(path))
        writer = max(sample["threads"].values(), key=lambda t: t.get("wchar", 0))
        total = sample["total"]
        rows.append((writer["wchar"] / entries, writer["write_bytes"] / entries, writer["rchar"] / entries,
                     writer["user_s"] + writer["sys_s"], writer["user_s"], writer["sys_s"],
                     total["user_s"] + total["sys_s"]))
    med = [statistics.median(r[i] for r in rows) for i in range(7)]
    print(f"{label:<10}{med[0] / 1024:17.1f} KiB{med[1] / 1024:16.1f} KiB{med[2] / 1024:10.1f} KiB"
          f"{med[3]:11.2f}s  ({med[4]:.2f}+{med[5]:.2f}){med[6]:12.2f}s   {len(rows)}")
    for r in rows:
        print(f"{'':<10}{r[0] / 1024:17.1f} KiB{r[1] / 1024:16.1f} KiB{r[2] / 1024:10.1f} KiB{r[3]:11.2f}s"
              f"  ({r[4]:.2f}+{r[5]:.2f}){r[6]:12.2f}s")
PYEOF
rm -rf "$run"/*-[0-9]*/_posts
