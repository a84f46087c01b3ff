#!/usr/bin/env bash
# Configures and builds one preset (default: release) of CMakePresets.json.
# usage: scripts/build.sh [release|asan] [TARGET ...]   (no target: everything)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
shift || true
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset "$preset" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build --preset "$preset" -j "$jobs" --target "$@"
else
  cmake --build --preset "$preset" -j "$jobs"
fi
