#!/usr/bin/env bash
# Memory of one bulk import through the API (issue 10 item 5): the demo corpus
# imported into a fresh data directory, `expertmatch serve` started on it,
# then one POST /api/v1/import/problems of the first LINES lines of a problems
# file (default: the full-size generated corpus of bench/load.sh). Prints the
# server's RSS when ready, its RSS every SAMPLE seconds while the import runs,
# the peak (VmHWM) and the RSS after; the import's wall time and the server's
# CPU time. Then a restart on that store: peak and ready RSS.
#
# usage: bench/import_rss.sh [--problems FILE] [--lines N] [--dir DIR] [--port P]
#                            [--build DIR] [--sample S]
set -euo pipefail
PROBLEMS=/tmp/expertmatch-load/corpus-20000-10-200000-1/problems.jsonl
LINES=100000 DIR=/tmp/expertmatch-import-rss PORT=18090 BUILD=build SAMPLE=5
while [ $# -gt 0 ]; do
  case $1 in
    --problems) PROBLEMS=$2 ;; --lines) LINES=$2 ;; --dir) DIR=$2 ;; --port) PORT=$2 ;;
    --build) BUILD=$2 ;; --sample) SAMPLE=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
EM=$BUILD/expertmatch
if [ ! -f "$PROBLEMS" ]; then
  "$BUILD/bench/expertmatch_gen_corpus" --out "$(dirname "$PROBLEMS")" --experts 20000 --works 10 \
    --problems 200000 --seed 1
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
say() { printf '%s  %s  [load %s]\n' "$(date -u +%H:%M:%S)" "$*" "$(load)"; }
rss() { awk '/VmRSS|VmHWM/ {printf "%s %.0f MB  ", $1, $2/1024}' "/proc/$1/status"; }

rm -rf "$DIR" && mkdir -p "$DIR"
BODY=$DIR/import.jsonl
head -n "$LINES" "$PROBLEMS" >"$BODY"
say "body: $LINES lines, $(stat -c %s "$BODY") bytes"
"$EM" import --data "$DIR/data" --experts corpus/quzhou/experts.jsonl \
  --problems corpus/quzhou/problems.jsonl >/dev/null 2>&1
TOKEN=$("$EM" token create --data "$DIR/data" --role admin --label import-rss --expires 1 |
  tail -1 | tr -d '[:space:]')

start_server() {
  EXPERTMATCH_IMPORT_LIMIT_BYTES=$((1 << 30)) EXPERTMATCH_READ_TIMEOUT_MS=600000 \
    "$EM" serve --data "$DIR/data" --listen "127.0.0.1:$PORT" >>"$DIR/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 900); do
    curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER" 2>/dev/null || { tail -5 "$DIR/serve.log" >&2; exit 1; }
    sleep 1
  done
}
start_server
trap 'kill $SERVER 2>/dev/null || true' EXIT
say "server ready: $(rss "$SERVER")"
ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
before=$(ticks)
t0=$(date +%s.%N)
curl -sS -o "$DIR/answer.json" -w '%{http_code}\n' -X POST \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' \
  --data-binary "@$BODY" "http://127.0.0.1:$PORT/api/v1/import/problems" >"$DIR/status" &
CURL=$!
while kill -0 "$CURL" 2>/dev/null; do
  sleep "$SAMPLE"
  say "during: $(rss "$SERVER")"
done
wait "$CURL" || true
t1=$(date +%s.%N)
say "answer $(cat "$DIR/status"): $(head -c 200 "$DIR/answer.json")"
awk -v a="$t0" -v b="$t1" -v t="$(($(ticks) - before))" -v hz="$(getconf CLK_TCK)" \
  'BEGIN {printf "import: %.0f s wall, server CPU %.1f s\n", b - a, t / hz}'
say "after import: $(rss "$SERVER")"
sleep 5
say "after import, 5 s later: $(rss "$SERVER")"
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
start_server
say "restart ready: $(rss "$SERVER")"
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
trap - EXIT
