#!/usr/bin/env bash
# Builds the libFuzzer targets under fuzz/ with clang (build-fuzz/, AddressSanitizer
# and UBSan) and runs each for a fixed number of inputs on its seed corpus
# fuzz/corpus/<target>/. Any crash fails the script; libFuzzer writes the input
# to build-fuzz/crashes/<target>/. fuzz/README.md describes longer runs.
# usage: scripts/fuzz.sh [RUNS]     RUNS inputs per target (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20000}"
jobs="$(nproc 2>/dev/null || echo 2)"

CC="${CC:-clang}" CXX="${CXX:-clang++}" cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEXPERTMATCH_FUZZ=ON -DEXPERTMATCH_BUILD_TESTS=OFF -DEXPERTMATCH_BUILD_BENCH=OFF >/dev/null

# Every target named in fuzz/CMakeLists.txt, so a new one is run without editing this script.
mapfile -t targets < <(sed -n 's/^expertmatch_fuzzer(\([a-z_]*\) .*/\1/p' fuzz/CMakeLists.txt)
cmake --build build-fuzz -j "$jobs" --target "${targets[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$PWD/fuzz/ubsan.supp}"
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/crashes/$t" "build-fuzz/corpus/$t"
  # New inputs go to build-fuzz/corpus/<target> (first directory); the seeds stay as written.
  "build-fuzz/fuzz/$t" -runs="$runs" -max_len=16384 -timeout=25 -rss_limit_mb=2048 \
    -artifact_prefix="build-fuzz/crashes/$t/" -print_final_stats=1 \
    "build-fuzz/corpus/$t" "fuzz/corpus/$t" 2>"build-fuzz/$t.log" ||
    { tail -n 60 "build-fuzz/$t.log"; echo "fuzz: $t FAILED (input in build-fuzz/crashes/$t/)"; exit 1; }
  echo "fuzz: $t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$t.log" |
    grep -o '[0-9]*$') inputs, no crash"
done
