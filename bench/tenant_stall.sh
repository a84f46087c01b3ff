#!/usr/bin/env bash
# Does one county's long read stall the other tenants? (issue 10 follow-up)
# Builds the demo corpus plus EXTRA open problems in 常山县 (copies of the demo
# problems' text under 常山县's enterprises), starts `expertmatch serve`, and
# while 常山县's plan run (then its review queue) is in flight, has a second
# tenant (the 柯城区 county token) reads (GET /problems/kc-001) and writes
# (POST /problems in 柯城区), each in its own loop every 0.2 s. Each long
# request runs alone first, then with the other tenant. Prints the long
# request's duration and the other tenant's read and write latencies meanwhile
# (count, median, max). Figures only: nothing here is a pass/fail test.
#
# usage: bench/tenant_stall.sh [--extra N] [--writers W] [--dir DIR] [--port P] [--bin PATH]
# Defaults: 500 extra problems, 1 write loop, DIR /tmp/expertmatch-stall, port
# 18797, ./build/expertmatch. With W write loops a waiting writer each holds a
# worker thread (the pool has worker_threads + expensive_queue = 10).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA=500 WRITERS=1 DIR=/tmp/expertmatch-stall PORT=18797 EM=build/expertmatch
while [ $# -gt 0 ]; do
  case "$1" in
    --extra) EXTRA=$2 ;; --writers) WRITERS=$2 ;; --dir) DIR=$2 ;; --port) PORT=$2 ;; --bin) EM=$2 ;;
    -h|--help) sed -n "2,14p" "$0"; exit 0 ;;
    *) echo "tenant_stall.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
load() { cut -d' ' -f1-3 /proc/loadavg; }
rm -rf "$DIR" && mkdir -p "$DIR"
python3 - "$EXTRA" "$DIR/problems.jsonl" <<'PY'
import json, sys
extra, out = int(sys.argv[1]), sys.argv[2]
demo = [json.loads(l) for l in open("corpus/quzhou/problems.jsonl", encoding="utf-8")]
mine = sorted({p["enterprise"] for p in demo if p["county"] == "常山县"})
with open(out, "w", encoding="utf-8") as f:
    for p in demo:
        f.write(json.dumps(p, ensure_ascii=False) + "\n")
    for i in range(extra):
        p = dict(demo[i % len(demo)])
        p["id"] = "cs-x%04d" % i
        p["county"] = "常山县"
        p["enterprise"] = mine[i % len(mine)]
        f.write(json.dumps(p, ensure_ascii=False) + "\n")
PY
DATA=$DIR/data
"$EM" import --data "$DATA" --experts corpus/quzhou/experts.jsonl --problems "$DIR/problems.jsonl" \
  2>&1 | grep -v '^warning' | tail -1
"$EM" index --data "$DATA" 2>&1 | tail -1
token() { "$EM" token create --data "$DATA" "$@" --expires 1 | tail -1 | tr -d '[:space:]'; }
PLANNER=$(token --role county --scope 常山县)
OTHER=$(token --role county --scope 柯城区)
# No open-problem or daily quota: the other tenant's writes must all be
# stored (a 409 would be cheaper than a write).
EXPERTMATCH_MAX_OPEN_PROBLEMS_PER_ENTERPRISE=0 EXPERTMATCH_MAX_PROBLEMS_PER_ENTERPRISE_PER_DAY=0 "$EM" serve --data "$DATA" --listen "127.0.0.1:$PORT" >"$DIR/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { echo "tenant_stall.sh: the server stopped:" >&2; tail -3 "$DIR/serve.log" >&2; exit 1; }
  sleep 0.5
done
URL=http://127.0.0.1:$PORT/api/v1
echo "machine: $(nproc) CPUs; 常山县 has $((EXTRA + 55)) open problems; $WRITERS write loop(s); $(basename "$EM")"

# The other tenant's loop: KIND (reads or writes) every 0.2 s while PID runs,
# one line "HTTP_CODE SECONDS" a request into DIR/KIND.
other_tenant() {
  local kind=$1 pid=$2 n=0 body
  while kill -0 "$pid" 2>/dev/null; do
    n=$((n + 1))
    if [ "$kind" = reads ]; then
      curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $OTHER" \
        "$URL/problems/kc-001" >>"$DIR/reads"
    else
      body="{\"enterprise\":\"衢州市恒拓压缩机有限公司\",\"county\":\"柯城区\",\"title\":\"压缩机测试 $pid $n\",\"description\":\"排气温度高，夏天停机。\",\"urgency\":3}"
      curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -X POST -H "Authorization: Bearer $OTHER" \
        -H 'Content-Type: application/json' --data "$body" "$URL/problems" >>"$DIR/writes"
    fi
    sleep 0.2
  done
}

# measure NAME METHOD PATH [alone]: runs the long request and, unless
# "alone", the other tenant's reads and writes (two loops) until it has answered.
measure() {
  local name=$1 method=$2 path=$3 alone=${4:-}
  : >"$DIR/reads"
  : >"$DIR/writes"
  curl -sS -o "$DIR/long.json" -w '%{http_code} %{time_total}\n' -X "$method" \
    -H "Authorization: Bearer $PLANNER" "$URL$path" >"$DIR/long" &
  local long=$! others=()
  if [ -z "$alone" ]; then
    sleep 0.2
    other_tenant reads $long &
    others+=($!)
    for _ in $(seq 1 "$WRITERS"); do
      other_tenant writes $long &
      others+=($!)
    done
  fi
  wait $long || true
  for p in "${others[@]}"; do wait "$p"; done
  read -r code secs <"$DIR/long"
  printf '%s%s: HTTP %s in %.1f s  [load %s]\n' "$name" "${alone:+ (alone)}" "$code" "$secs" "$(load)"
  [ -n "$alone" ] && return 0
  for kind in reads writes; do
    sort -k2 -g "$DIR/$kind" | awk -v k="$kind" '
      { s[NR] = $2; c[$1]++ }
      END { if (NR == 0) { printf "  other tenant %s: none\n", k; exit }
            codes = ""; for (x in c) codes = codes x "x" c[x] " "
            printf "  other tenant %s meanwhile: %d (%s), median %.3f s, max %.3f s\n",
                   k, NR, codes, s[int((NR + 1) / 2)], s[NR] }'
  done
}
PLAN_PATH="/counties/%E5%B8%B8%E5%B1%B1%E5%8E%BF/plans"
measure "plan run (POST /counties/常山县/plans)" POST "$PLAN_PATH" alone
measure "plan run (POST /counties/常山县/plans)" POST "$PLAN_PATH"
grep -o '"stale":[a-z]*' "$DIR/long.json" | head -1 || true
measure "review queue (GET /review-queue)" GET "/review-queue?limit=5" alone
measure "review queue (GET /review-queue)" GET "/review-queue?limit=5"
