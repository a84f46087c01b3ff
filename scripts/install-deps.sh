#!/usr/bin/env bash
# Installs the Debian 12 packages expertmatch needs, only those missing.
# Run as root (or with sudo available). Idempotent.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format python3
  libboost-dev libboost-system-dev
  libfaiss-dev libopenblas-dev liblapack-dev
  libicu-dev icu-devtools rapidjson-dev libsqlite3-dev libstemmer-dev libxlsxwriter-dev
  libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # scripts/fuzz.sh: clang, libFuzzer (libclang_rt.fuzzer for clang-14 is in
  # libclang-rt-14-dev) and llvm-symbolizer (llvm) for readable crash reports.
  clang libclang-rt-14-dev llvm
  # scripts/web-test.sh: the pages' browser tests (playwright-core from npm
  # drives Debian's headless chromium; no browser is downloaded). A CJK font so
  # that the screenshots show Chinese, not empty boxes.
  chromium fonts-wqy-microhei
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node and npm: Debian's packages only where the commands are missing. An image
# that ships Node from elsewhere (e.g. NodeSource's nodejs, which bundles npm)
# conflicts with Debian's npm package, so the commands decide, not dpkg.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
