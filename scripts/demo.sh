#!/usr/bin/env bash
# README command 1: installs what is missing, builds (Release), loads the
# bundled Quzhou demo corpus into ./data, builds the index and runs the main job.
# Idempotent: a second run reuses the build, re-imports (updating by id) and
# reuses the index when the records have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${EXPERTMATCH_DATA:-data}

bash scripts/install-deps.sh
bash scripts/build.sh release
./build/expertmatch import --data "$DATA" \
  --experts corpus/quzhou/experts.jsonl --problems corpus/quzhou/problems.jsonl
./build/expertmatch demo --data "$DATA" --problems 3 --top 5
