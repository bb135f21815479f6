#!/bin/sh
# The Debian package as `cpack -G DEB` builds it (cmake/Packaging.cmake): the
# files it holds, its control data and maintainer scripts, lintian's verdict,
# and the unpacked binary running.
#
#   sh package_test.sh BUILD_DIR SOURCE_DIR [CPACK]
#
# Everything happens in a scratch folder: the package is built there and
# unpacked with `dpkg -x`, never installed, and no maintainer script runs.
# Lintian runs when installed (not in scripts/deps.sh: it pulls in ~130
# packages); its errors fail the test, warnings and notes are only shown.
# Exit 77 (skipped) when dpkg-deb or dpkg-shlibdeps (package dpkg-dev) is
# missing.
set -eu

build_dir=$1
source_dir=$2
cpack=${3:-cpack}

for tool in dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found (apt-get install dpkg-dev)"; exit 77; }
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/feedd-package-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# --- 1. build ----------------------------------------------------------------
"$cpack" -G DEB --config "$build_dir/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" 2>&1 \
  || { cat "$scratch/cpack.log"; fail "cpack -G DEB"; }
set -- "$scratch"/out/feedd_*.deb
[ $# -eq 1 ] && [ -f "$1" ] || { ls -l "$scratch/out"; fail "want exactly one feedd_*.deb"; }
deb=$1
echo "built $(basename "$deb")"

# --- 2. contents -------------------------------------------------------------
dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$scratch/contents"
has() { grep -qx "$1" "$scratch/contents" || { cat "$scratch/contents"; fail "package lacks $1"; }; }
has /usr/bin/feedd
has /etc/feedd/feedd.toml
has /usr/share/man/man1/feedd.1.gz
has /usr/share/man/man5/feedd.toml.5.gz
has /usr/share/bash-completion/completions/feedd
has /usr/share/doc/feedd/copyright
has /usr/share/doc/feedd/changelog.Debian.gz
has /usr/share/doc/feedd/feedd.example.toml
unit=$(grep -x -e /lib/systemd/system/feedd.service -e /usr/lib/systemd/system/feedd.service "$scratch/contents") \
  || fail "package has no feedd.service in /lib/systemd/system or /usr/lib/systemd/system"
! grep -q -e '^/usr/local' -e '^/var' -e '^/home' "$scratch/contents" || fail "package has files under /usr/local, /var or /home"
pass "contents: binary, $unit, conffile, man pages, completion, doc"

# --- 3. control ---------------------------------------------------------------
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = feedd ] || fail "Package: $(field Package)"
[ "$(field Section)" = net ] || fail "Section: $(field Section)"
echo "$(field Maintainer)" | grep -q '^[^<>]\+ <[^@<> ]\+@[^@<> ]\+>$' || fail "Maintainer: '$(field Maintainer)' is not NAME <ADDRESS>"
[ -n "$(field Description)" ] || fail "no Description:"
depends=$(field Depends)
echo "Depends: $depends"
for library in libc6 libcurl4 libpugixml1v5 libxml2 libsqlite3-0 libsystemd0 libfmt libspdlog libstdc++6 tzdata; do
  echo "$depends" | grep -q -e "\(^\|, \)$library" || fail "Depends lacks $library"
done

dpkg-deb --control "$deb" "$scratch/control"
grep -qx /etc/feedd/feedd.toml "$scratch/control/conffiles" || fail "/etc/feedd/feedd.toml is not a conffile"
for script in postinst prerm postrm; do
  [ -x "$scratch/control/$script" ] || fail "no executable $script"
  sh -n "$scratch/control/$script" || fail "$script: syntax error"
  grep -q '^set -e' "$scratch/control/$script" || fail "$script has no set -e"
done
for script in postinst postrm; do
  # daemon-reload only where systemd runs (not in a chroot or an image build).
  grep -B3 'systemctl --system daemon-reload' "$scratch/control/$script" | grep -q '\[ -d /run/systemd/system \]' \
    || fail "$script: daemon-reload not guarded by [ -d /run/systemd/system ]"
done
pass "control: Section net, Depends from dpkg-shlibdeps, conffile, maintainer scripts"

# The licence the repository carries (LICENSE, MIT) is the one the package states.
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/feedd/copyright >"$scratch/copyright"
grep -qx 'License: Expat' "$scratch/copyright" || { cat "$scratch/copyright"; fail "copyright does not state the MIT (Expat) licence"; }
grep -q 'Permission is hereby granted, free of charge' "$scratch/copyright" || fail "copyright lacks the licence text"
pass "copyright: MIT (Expat), with its text"

# --- 4. unpacked: the binary runs, the files are the build's -----------------
root=$scratch/root
dpkg -x "$deb" "$root"
feedd=$root/usr/bin/feedd
version=$("$feedd" --version) || fail "$feedd --version"
echo "$version"
upstream=$(field Version | sed 's/-[^-]*$//')
[ "$version" = "feedd $upstream" ] || fail "feedd --version says '$version', package Version is $(field Version)"
"$feedd" check --config "$root/etc/feedd/feedd.toml" >"$scratch/check.txt" 2>&1 \
  || { cat "$scratch/check.txt"; fail "the packaged /etc/feedd/feedd.toml does not pass feedd check"; }
cmp -s "$root/etc/feedd/feedd.toml" "$source_dir/config/feedd.example.toml" \
  || fail "/etc/feedd/feedd.toml is not config/feedd.example.toml"
cmp -s "$root$unit" "$source_dir/systemd/feedd.service" || fail "$unit differs from systemd/feedd.service"
grep -qx 'ExecStart=/usr/bin/feedd run --config /etc/feedd/feedd.toml' "$root$unit" || fail "ExecStart= is not /usr/bin/feedd"
gzip -dc "$root/usr/share/man/man1/feedd.1.gz" >"$scratch/feedd.1"
"$feedd" help --man | cmp -s - "$scratch/feedd.1" || fail "packaged feedd.1 is not what the packaged binary writes"
"$feedd" completion bash | cmp -s - "$root/usr/share/bash-completion/completions/feedd" \
  || fail "packaged completion is not what the packaged binary writes"
file_type=$(file -b "$feedd" 2>/dev/null || echo unknown)
case $file_type in *"not stripped"*) fail "the packaged binary is not stripped" ;; esac
pass "unpacked: $version, config passes check, unit and pages match"

# --- 5. lintian ----------------------------------------------------------------
if command -v lintian >/dev/null 2>&1; then
  set +e
  lintian --pedantic --display-info "$deb" >"$scratch/lintian.txt" 2>&1
  set -e
  grep -v 'running with root privileges' "$scratch/lintian.txt" || true
  if grep -q '^E: ' "$scratch/lintian.txt"; then
    fail "lintian reports errors"
  fi
  pass "lintian: no errors ($(grep -c '^W: ' "$scratch/lintian.txt" || true) warnings)"
else
  echo "note: lintian not installed; skipped (apt-get install lintian)"
fi

echo "PASS: $(basename "$deb")"
