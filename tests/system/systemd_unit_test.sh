#!/bin/sh
# The service as `cmake --install` lays it down: files in place, an existing
# /etc/feedd/feedd.toml left alone, the unit's sandbox rated 1.5 or lower by
# `systemd-analyze security`, `systemd-analyze verify` clean, and the installed
# example config accepted by `feedd check`.
#
#   sh systemd_unit_test.sh BUILD_DIR SOURCE_DIR [CMAKE]
#
# Everything is installed into scratch DESTDIRs; nothing outside them changes.
# Exit 77 (skipped) only when systemd-analyze is missing (Debian package
# `systemd`, which scripts/deps.sh installs).
set -eu

build_dir=$1
source_dir=$2
cmake=${3:-cmake}
max_exposure=15   # tenths: --threshold= compares against the exposure x 10

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze not found (apt-get install systemd)"
  exit 77
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/feedd-unit-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
[ -n "$prefix" ] || fail "no CMAKE_INSTALL_PREFIX in $build_dir/CMakeCache.txt"
bindir=$(sed -n 's/^CMAKE_INSTALL_BINDIR:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
case ${bindir:-bin} in /*) bindir=${bindir} ;; *) bindir=$prefix/${bindir:-bin} ;; esac
unitdir=$(sed -n 's/^FEEDD_SYSTEMD_UNITDIR:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
case ${unitdir:-lib/systemd/system} in /*) ;; *) unitdir=$prefix/${unitdir:-lib/systemd/system} ;; esac
echo "prefix $prefix, binary in $bindir, unit in $unitdir"

# --- 1. fresh install: every file where it belongs --------------------------
fresh=$scratch/fresh
DESTDIR=$fresh "$cmake" --install "$build_dir" >"$scratch/install.log" 2>&1 \
  || { cat "$scratch/install.log"; fail "cmake --install into $fresh"; }

binary=$fresh$bindir/feedd
unit=$fresh$unitdir/feedd.service
config=$fresh/etc/feedd/feedd.toml
doc_config=$(find "$fresh$prefix/share/doc/feedd" -name feedd.example.toml 2>/dev/null | head -n 1)
[ -x "$binary" ] || fail "no executable $binary"
[ -f "$unit" ] || fail "no unit $unit"
[ -f "$config" ] || fail "no config $config"
[ -n "$doc_config" ] || fail "no share/doc/feedd/feedd.example.toml under $fresh$prefix"
cmp -s "$config" "$source_dir/config/feedd.example.toml" || fail "$config is not config/feedd.example.toml"
cmp -s "$doc_config" "$source_dir/config/feedd.example.toml" || fail "$doc_config differs from the source"
pass "fresh install: binary, unit, /etc/feedd/feedd.toml, doc copy"

exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "$bindir/feedd run --config /etc/feedd/feedd.toml" ] \
  || fail "installed unit has ExecStart=$exec_start, want $bindir/feedd run --config /etc/feedd/feedd.toml"
# Apart from the ExecStart= path, the installed unit is systemd/feedd.service.
sed "s|^ExecStart=$bindir/feedd |ExecStart=/usr/bin/feedd |" "$unit" >"$scratch/unit.back"
cmp -s "$scratch/unit.back" "$source_dir/systemd/feedd.service" \
  || fail "installed unit differs from systemd/feedd.service beyond ExecStart="
pass "unit: ExecStart=$exec_start"

# --- 2. an existing config is never overwritten ------------------------------
keep=$scratch/keep
mkdir -p "$keep/etc/feedd"
printf '# the administrator'"'"'s own config\n' >"$keep/etc/feedd/feedd.toml"
cp "$keep/etc/feedd/feedd.toml" "$scratch/own.toml"
DESTDIR=$keep "$cmake" --install "$build_dir" >"$scratch/install-keep.log" 2>&1 \
  || { cat "$scratch/install-keep.log"; fail "cmake --install into $keep"; }
cmp -s "$keep/etc/feedd/feedd.toml" "$scratch/own.toml" || fail "existing /etc/feedd/feedd.toml was overwritten"
grep -q "Keeping existing config" "$scratch/install-keep.log" || fail "install did not say it kept the config"
[ -f "$keep$prefix/share/doc/feedd/feedd.example.toml" ] || fail "doc copy missing when the config was kept"
# A second install over the fresh tree keeps what the first one put there.
printf '\n# edited\n' >>"$config"
cp "$config" "$scratch/edited.toml"
DESTDIR=$fresh "$cmake" --install "$build_dir" >/dev/null 2>&1 || fail "second cmake --install"
cmp -s "$config" "$scratch/edited.toml" || fail "reinstall overwrote an edited config"
pass "existing config kept (pre-existing and after an edit)"

# --- 3. security: overall exposure <= 1.5 ------------------------------------
for candidate in "$source_dir/systemd/feedd.service" "$unit"; do
  set +e
  systemd-analyze security --offline=yes --threshold=$max_exposure "$candidate" >"$scratch/security.txt" 2>&1
  status=$?
  set -e
  score=$(sed -n 's/.*Overall exposure level for feedd\.service: \([0-9][0-9]*\.[0-9]\).*/\1/p' "$scratch/security.txt")
  [ -n "$score" ] || { cat "$scratch/security.txt"; fail "no exposure level for $candidate"; }
  echo "measured exposure for $candidate: $score"
  [ "$status" -eq 0 ] || { grep '✗' "$scratch/security.txt" || true; fail "exposure $score is over 1.5 (systemd-analyze exit $status)"; }
  # The threshold is already enforced above; check the parsed number too.
  tenths=$(echo "$score" | tr -d .)
  [ "$tenths" -le $max_exposure ] || fail "exposure $score > 1.5"
done
pass "security exposure $score <= 1.5"

# --- 4. verify --------------------------------------------------------------
# verify checks that ExecStart= exists on this machine, and the binary lives in
# the scratch DESTDIR. So verify the installed unit with only that path moved
# into the DESTDIR (the path itself was checked in step 1); everything else,
# including ExecReload's /bin/kill and the targets it refers to, is checked
# against this machine as it would be after a real install.
mkdir -p "$scratch/verify"
sed "s|^ExecStart=$bindir/feedd |ExecStart=$binary |" "$unit" >"$scratch/verify/feedd.service"
grep -q "^ExecStart=$binary run " "$scratch/verify/feedd.service" || fail "could not point ExecStart= at $binary"
set +e
(cd "$scratch/verify" && systemd-analyze verify --man=no ./feedd.service) >"$scratch/verify.txt" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ] || [ -s "$scratch/verify.txt" ]; then
  cat "$scratch/verify.txt"
  fail "systemd-analyze verify (exit $status) is not clean"
fi
pass "systemd-analyze verify: clean"

# --- 5. the installed config validates ---------------------------------------
"$binary" check --config "$config" >"$scratch/check.txt" 2>&1 \
  || { cat "$scratch/check.txt"; fail "feedd check --config $config"; }
grep -q '^database = "/var/lib/feedd/feedd.db"' "$config" || fail "example config: database is not /var/lib/feedd/feedd.db"
grep -q '^posts_dir = "/var/lib/feedd/_posts"' "$config" || fail "example config: posts_dir is not /var/lib/feedd/_posts"
pass "installed config passes feedd check"

echo "PASS: exposure $score, verify clean"
