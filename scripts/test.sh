#!/bin/sh
# The whole test suite, as CI runs it: dependencies, a warnings-as-errors
# build, then every test through ctest; then the same suite built again with
# AddressSanitizer and UndefinedBehaviorSanitizer (build-asan); then the
# libFuzzer targets, briefly each (scripts/fuzz.sh). Any finding fails.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFEEDD_WERROR=ON
cmake --build build -j2
ctest --test-dir build --output-on-failure --timeout 900

# Sanitizers: a report aborts the process, which fails its test (a feedd run
# by a test exits non-zero, a leak included). Tests labelled no_asan are left
# out here: fault_load measures peak RSS and polls/s, which ASan's shadow
# memory and quarantine make meaningless (and 4x slower); it runs above.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFEEDD_SANITIZE=ON -DFEEDD_WERROR=ON
cmake --build build-asan -j2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure --timeout 1800 --label-exclude no_asan

scripts/fuzz.sh
