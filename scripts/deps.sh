#!/bin/sh
# Installs what feedd needs to build and test, from Debian 12's own packages:
# the first word of every line of scripts/deps.txt. Skips apt entirely when
# everything is already there (fast, works offline).
# lintian is optional: tests/system/package_test.sh runs it when present, but it
# pulls in ~130 packages.
set -eu
cd "$(dirname "$0")"
packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/^[[:space:]]*\([^[:space:]]*\).*/\1/' deps.txt)
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
