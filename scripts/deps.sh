#!/bin/sh
# Installs what feedd needs to build and test, from Debian 12's own packages.
# Skips apt entirely when everything is already there (fast, works offline).
set -eu
# prometheus is here for promtool, which checks the /metrics format.
# clang and libclang-rt-14-dev build the libFuzzer targets (scripts/fuzz.sh).
# lintian is optional: tests/package_test.sh runs it when present, but it pulls in
# ~130 packages.
packages="g++ cmake ninja-build pkg-config
  libcurl4-openssl-dev libpugixml-dev libxml2-dev libsqlite3-dev
  libspdlog-dev libfmt-dev libboost-dev libtomlplusplus-dev libsystemd-dev
  nlohmann-json3-dev libhowardhinnant-date-dev tzdata ca-certificates
  doctest-dev libyaml-cpp-dev python3 python3-yaml sqlite3
  systemd
  dpkg-dev groff-base man-db
  jekyll git
  prometheus
  clang libclang-rt-14-dev"
missing=""
for package in $packages; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
  echo "Installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi
