#!/bin/sh
# The dependency list cannot drift from the build: every package CMake looks
# for (find_package, pkg_check_modules) and every program the tests run has a
# line in scripts/deps.txt, and every package listed there is installed.
# A fresh Debian 12 machine only gets what that list names (scripts/deps.sh),
# so a dependency missing from it passes here and fails there.
# usage: deps_test.sh SOURCE_DIR
set -eu
source_dir=$1
list="$source_dir/scripts/deps.txt"
entries=$(sed -e 's/#.*//' "$list")
failures=0

# Packages CMake itself provides, needing no line.
builtin_packages="Threads"

cmake_files=$(find "$source_dir" -path "$source_dir/build*" -prune -o \
  \( -name CMakeLists.txt -o -name '*.cmake' \) -print)
# find_package(NAME ...) and pkg_check_modules(PREFIX ...): the first word.
used=$(sed -n -e 's/^[[:space:]]*find_package([[:space:]]*\([A-Za-z0-9_.+-]*\).*/\1/p' \
              -e 's/^[[:space:]]*pkg_check_modules([[:space:]]*\([A-Za-z0-9_.+-]*\).*/\1/p' $cmake_files | sort -u)
for name in $used; do
  case " $builtin_packages " in *" $name "*) continue ;; esac
  if ! printf '%s\n' "$entries" | grep -q "[[:space:]]cmake:$name\([[:space:]]\|$\)"; then
    echo "CMake looks for $name, but no line of scripts/deps.txt says cmake:$name"
    failures=$((failures + 1))
  fi
done

for program in $(printf '%s\n' "$entries" | grep -o 'program:[^[:space:]]*' | cut -d: -f2); do
  if ! command -v "$program" >/dev/null 2>&1; then
    echo "scripts/deps.txt names program $program, which is not on PATH"
    failures=$((failures + 1))
  fi
done

for package in $(printf '%s\n' "$entries" | sed -e '/^[[:space:]]*$/d' -e 's/^[[:space:]]*\([^[:space:]]*\).*/\1/'); do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    echo "scripts/deps.txt names $package, which is not installed (run scripts/deps.sh)"
    failures=$((failures + 1))
  fi
done

# Programs the test scripts and tests start by name must be listed too.
for program in jekyll git promtool microsocks tinyproxy sqlite3 file python3; do
  if ! printf '%s\n' "$entries" | grep -q "program:$program\([[:space:]]\|$\)"; then
    echo "the tests run $program, but no line of scripts/deps.txt says program:$program"
    failures=$((failures + 1))
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "$failures problem(s)"
  exit 1
fi
echo "$(echo "$used" | wc -w) CMake packages and every listed program and package accounted for"
