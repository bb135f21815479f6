# Shared by the bench/*.sh scripts (sourced, not run). They install their own
# peers when missing, so scripts/deps.sh and the test command stay lean.

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
# Debian's interpreter: python3-feedparser lives there, whatever else is on PATH.
PY=/usr/bin/python3

say() { printf '%s\n' "$*" >&2; }

apt_install() {  # package...
  missing=""
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
  done
  [ -z "$missing" ] && return 0
  say "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

ensure_python() { apt_install python3; }
ensure_time() { apt_install time; }
ensure_feedparser() { apt_install python3 python3-feedparser; }

# rss-parser at the version bench/peers/package-lock.json pins.
ensure_rss_parser() {
  command -v node >/dev/null 2>&1 || apt_install nodejs
  command -v npm >/dev/null 2>&1 || apt_install npm
  if [ ! -f "$BENCH_DIR/peers/node_modules/rss-parser/package.json" ]; then
    say "installing rss-parser into bench/peers/node_modules (npm ci)"
    # In the folder: npm 11's `ci --prefix` no longer finds the lock file.
    (cd "$BENCH_DIR/peers" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
}

# Brings TARGET up to date in the Release build in build-bench/ (configured
# on first use; a no-op when nothing changed).
build_target() {  # target
  build="$REPO_DIR/build-bench"
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$REPO_DIR" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFEEDD_BUILD_BENCH=ON >&2
  fi
  cmake --build "$build" --target "$1" >&2 || { say "building $1 failed"; exit 1; }
}

# The feedd binary: $FEEDD, else the Release build in build-bench/.
feedd_binary() {
  if [ -n "${FEEDD:-}" ]; then printf '%s\n' "$FEEDD"; return; fi
  build_target feedd
  printf '%s\n' "$REPO_DIR/build-bench/daemon/feedd"
}

# A helper program from bench/CMakeLists.txt, from the same build.
bench_tool() {  # target
  build_target "$1"
  printf '%s\n' "$REPO_DIR/build-bench/bench/$1"
}

# Seconds `feedd once` spent bringing the search index up to date after its
# pass, from its log; 0 when it logged none.
search_index_seconds() {  # log
  seconds=$(sed -n 's/.* indexed for search in \([0-9.]*\) s$/\1/p' "$1" | tail -n1)
  printf '%s\n' "${seconds:-0}"
}

machine_info() {
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
  printf 'machine: %s, nproc %s, %s RAM, %s, load average %s\n' "$cpu" "$(nproc)" "$mem" \
    "$(uname -sr)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# Starts bench/serve_corpus.py on CORPUS (127.0.0.1-127.0.0.HOSTS, LATENCY
# seconds before each response), its port and log in RUN; kills it on exit.
# Sets server_pid and port.
serve_corpus() {  # corpus run hosts latency
  server_pid=""
  trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT INT TERM
  $PY "$BENCH_DIR/serve_corpus.py" --corpus "$1" --hosts "$3" --latency "$4" \
    --max-seconds 3600 --ready-file "$2/port" 2>"$2/server.log" &
  server_pid=$!
  i=0
  while [ ! -s "$2/port" ]; do
    i=$((i + 1)); [ $i -gt 600 ] && { say "serve_corpus: server did not start"; cat "$2/server.log" >&2; exit 1; }
    kill -0 "$server_pid" 2>/dev/null || { say "serve_corpus: server died"; cat "$2/server.log" >&2; exit 1; }
    sleep 0.1
  done
  port=$(cat "$2/port")
}
