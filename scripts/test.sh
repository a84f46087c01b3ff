#!/usr/bin/env bash
# README command 2: installs what is missing, builds, checks formatting, runs
# every test through CTest, the pages' browser tests (scripts/web-test.sh),
# then each fuzz target for a short fixed run
# (scripts/fuzz.sh; FUZZ_RUNS inputs a target, default 20000).
# usage: scripts/test.sh            Release build
#        scripts/test.sh --asan     Debug build with AddressSanitizer and UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
preset=release
if [ "${1:-}" = "--asan" ]; then preset=asan; fi

bash scripts/install-deps.sh
bash scripts/check-format.sh
bash scripts/build.sh "$preset"
ctest --preset "$preset" -j "$(nproc 2>/dev/null || echo 2)"
if [ "$preset" = asan ]; then bash scripts/web-test.sh build-asan; else bash scripts/web-test.sh build; fi
bash scripts/fuzz.sh "${FUZZ_RUNS:-20000}"
