#!/bin/sh
# Recreates feedd-v3.db: feedd-v1.db as the last schema-3 feedd left it,
# migrated and with every row in both of schema 3's search indexes, for the
# migration test to schema 5 (one index) and on. Built by the feedd of the commit
# that released schema 3's last form, so the fixture never drifts with later
# code. Needs the build dependencies (scripts/deps.txt), or FEEDD=path to a
# feedd already built from that commit.
#   usage: [FEEDD=...] tests/data/store/make-feedd-v3.sh   (from anywhere inside the repo)
set -eu
cd "$(dirname "$0")"
release=0fab92b
here=$(pwd)
work=$(mktemp -d)
trap 'git worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
if [ -z "${FEEDD:-}" ]; then
  git worktree add --detach "$work/src" "$release" >/dev/null
  cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$work/build" --target feedd >/dev/null
  FEEDD="$work/build/daemon/feedd"
fi
cp feedd-v1.db "$work/feedd-v3.db"
printf '[storage]\ndatabase = "%s"\nposts_dir = "%s"\n[[sources]]\nname = "美国之音"\nurl = "file://%s/none.xml"\n' \
  "$work/feedd-v3.db" "$work/_posts" "$work" >"$work/feedd.toml"
# Opening migrates to schema 3; `once` then indexes every row before it exits
# (its one source, a missing file, fails and is recorded as a failed poll).
"$FEEDD" once --config "$work/feedd.toml" --now 2021-04-17T02:56:40.156Z --quiet || true
sqlite3 "$work/feedd-v3.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
[ "$(sqlite3 "$work/feedd-v3.db" 'PRAGMA user_version')" = 3 ]
[ "$(sqlite3 "$work/feedd-v3.db" 'SELECT count(*) FROM entries WHERE search_indexed = 1')" = 3 ]
cp "$work/feedd-v3.db" "$here/feedd-v3.db"
