#!/bin/sh
# The whole test suite, as CI runs it: dependencies, a warnings-as-errors
# build, then every test through ctest.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFEEDD_WERROR=ON
cmake --build build -j2
ctest --test-dir build --output-on-failure --timeout 900
