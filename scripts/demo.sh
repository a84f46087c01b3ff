#!/usr/bin/env bash
# README command 1: installs what is missing, builds (Release), loads the
# bundled Quzhou demo corpus into ./data, builds the index, shows the top
# experts for the most urgent problems, and starts the HTTP service on
# 127.0.0.1:8080 with a fresh admin token (Ctrl-C stops it cleanly).
# Only the program is built here, not the tests, benchmarks and fuzzers.
# EXPERTMATCH_LISTEN=HOST:PORT serves elsewhere; EXPERTMATCH_DATA=DIR keeps
# the data elsewhere; the access log goes to DIR/../expertmatch-access.log
# unless EXPERTMATCH_ACCESS_LOG says otherwise ("-" for the terminal).
# Idempotent: a second run reuses the build, re-imports (updating by id) and
# reuses the index when the records have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${EXPERTMATCH_DATA:-data}
LISTEN=${EXPERTMATCH_LISTEN:-127.0.0.1:8080}
# One line a request would bury the password and token printed below.
export EXPERTMATCH_ACCESS_LOG=${EXPERTMATCH_ACCESS_LOG:-$(dirname "$DATA")/expertmatch-access.log}

bash scripts/install-deps.sh
bash scripts/build.sh release expertmatch
./build/expertmatch import --data "$DATA" \
  --experts corpus/quzhou/experts.jsonl --problems corpus/quzhou/problems.jsonl
./build/expertmatch index --data "$DATA"
./build/expertmatch demo --data "$DATA" --problems 2 --top 3
token=$(./build/expertmatch token create --data "$DATA" --role admin --label demo 2>/dev/null)
# A sign-in account for the pages; its password is shown on the run that creates it.
if ./build/expertmatch account list --data "$DATA" | cut -f1 | grep -qx demo-admin; then
  account="demo-admin (password shown when it was created; make another with 'expertmatch account create')"
else
  password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$password" |
    ./build/expertmatch account create --data "$DATA" --username demo-admin --role admin 2>/dev/null
  account="demo-admin, password $password (shown once)"
fi
cat <<MSG

expertmatch: starting the service on http://$LISTEN (data in $DATA/, access log $EXPERTMATCH_ACCESS_LOG)
pages: http://$LISTEN/  sign in as $account
admin token (shown once): $token
try:
  curl -s -H 'Authorization: Bearer $token' 'http://$LISTEN/api/v1/problems/cs-001/matches?k=3'
  curl -s -G -H 'Authorization: Bearer $token' 'http://$LISTEN/api/v1/problems' --data-urlencode 'county=常山县' -d limit=5
MSG
exec ./build/expertmatch serve --data "$DATA" --listen "$LISTEN"
