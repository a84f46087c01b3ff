#!/usr/bin/env bash
# The pages' end-to-end tests (tests/web/run.mjs) in headless Chromium:
# Debian's chromium driven by playwright-core, installed from the lock file
# with `npm ci` (no browser is downloaded). Prints "N passed, M failed";
# screenshots go to BUILD_DIR/web-artifacts.
# usage: scripts/web-test.sh [BUILD_DIR]   (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
# npm ci again only when the lock file changed since the last install.
stamp=tests/web/node_modules/.installed-lock.json
if ! cmp -s tests/web/package-lock.json "$stamp" 2>/dev/null; then
  npm ci --prefix tests/web --no-audit --no-fund --loglevel=error
  cp tests/web/package-lock.json "$stamp"
fi
node tests/web/run.mjs --binary "$build/expertmatch" --out "$build/web-artifacts"
