#!/bin/sh
# Peak RSS and wall time of `feedd once` archiving one large enclosure with
# media = "local", for this build and another (main's), in alternating rounds.
#   bench/enclosure_bench.sh [--mib N] [--rounds N] [--compare OTHER_FEEDD]
# The episode (N MiB, default 48) and its feed are served by Python's
# http.server on loopback. media_max_file is raised to N + 16 MiB so that a
# build whose enclosures share the image cap (main before enclosure_max_file)
# archives it too. Peak RSS is GNU time's %M for the feedd process itself.
set -eu
. "$(dirname "$0")/lib.sh"
ensure_python
ensure_time
mib=48 rounds=3 other=""
while [ $# -gt 0 ]; do
  case "$1" in
    --mib) mib=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --compare) other=$2; shift 2 ;;
    *) say "unknown option $1"; exit 2 ;;
  esac
done
mine=${FEEDD:-$REPO_DIR/build/daemon/feedd}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www"
$PY - "$work/www/episode.mp3" "$mib" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"ID3\x04\x00\x00\x00\x00\x00\x00")
    block = b"e" * (1 << 20)
    for _ in range(int(sys.argv[2])):
        f.write(block)
PY
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/www/feed.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>pod</title><item><title>Episode</title>
<link>http://127.0.0.1:$port/episode</link><pubDate>Sun, 01 Mar 2026 01:00:00 GMT</pubDate>
<description>One.</description><enclosure url="http://127.0.0.1:$port/episode.mp3" type="audio/mpeg"/></item>
</channel></rss>
XML
(cd "$work/www" && exec $PY -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
sleep 1
one_round() {  # label binary
  run="$work/run-$1"
  rm -rf "$run"; mkdir -p "$run"
  printf '[storage]\ndatabase = "db/feedd.db"\nposts_dir = "posts"\nmedia_dir = "media"\n[archive]\nmedia = "local"\nmedia_max_file = "%dMiB"\n[[sources]]\nname = "pod"\nurl = "http://127.0.0.1:%s/feed.xml"\nenclosures = true\n' \
    $((mib + 16)) "$port" > "$run/feedd.toml"
  /usr/bin/time -f "%e %U %S %M" -o "$run/time" "$2" once --config "$run/feedd.toml" --force 2>"$run/err" || true
  kept=$(ls "$run/media" 2>/dev/null | wc -l)
  read -r wall user sys rss < "$run/time"
  printf '%s wall %ss cpu %.2fs peak_rss %d KiB kept %s\n' "$1" "$wall" "$(echo "$user + $sys" | bc)" "$rss" "$kept"
}
i=0
while [ $i -lt "$rounds" ]; do
  one_round mine "$mine"
  [ -n "$other" ] && one_round other "$other"
  i=$((i + 1))
done
