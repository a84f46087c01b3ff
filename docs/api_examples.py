#!/usr/bin/env python3
"""Regenerates the examples of docs/api.md against a live server.

usage: docs/api_examples.py BUILD_DIR > /tmp/examples.md

Imports the bundled demo corpus (corpus/quzhou) into a fresh data directory,
creates one token per role, starts `expertmatch serve` on a free port, runs
every curl command below and prints each with the response it really got.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(sys.argv[1], "expertmatch")
DATA = tempfile.mkdtemp(prefix="expertmatch-docs-")


def run(*args):
    return subprocess.run([BIN, *args], check=True, capture_output=True, text=True).stdout.strip()


run("import", "--data", DATA, "--experts", f"{ROOT}/corpus/quzhou/experts.jsonl",
    "--problems", f"{ROOT}/corpus/quzhou/problems.jsonl")
TOKENS = {
    "ADMIN": run("token", "create", "--data", DATA, "--role", "admin"),
    "COUNTY": run("token", "create", "--data", DATA, "--role", "county", "--scope", "柯城区"),
    "COORD": run("token", "create", "--data", DATA, "--role", "coordinator", "--scope", "柯城区/ws-1"),
    "ENT": run("token", "create", "--data", DATA, "--role", "enterprise", "--scope", "衢州市恒拓压缩机有限公司"),
    "OTHER": run("token", "create", "--data", DATA, "--role", "enterprise", "--scope", "常山县恒锐轴承有限公司"),
}
server = subprocess.Popen([BIN, "serve", "--data", DATA, "--listen", "127.0.0.1:0"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
first = server.stdout.readline()
PORT = re.search(r"127\.0\.0\.1:(\d+)", first).group(1)
BASE = f"http://127.0.0.1:{PORT}"


def show(title, text, cmd, max_lines=None, body_lines=None, binary=False):
    """cmd uses $ADMIN etc. and $BASE; printed with localhost:8080."""
    env = dict(os.environ, BASE=BASE, **TOKENS)
    out = subprocess.run(["bash", "-c", f"curl -s -i {cmd}"], env=env, capture_output=True).stdout
    if binary:
        head, _, raw = out.partition(b"\r\n\r\n")
        out = head.decode("utf-8") + "\r\n\r\n" + f"({len(raw)} bytes: an XLSX workbook, a zip of XML)"
    else:
        out = out.decode("utf-8")
    head, _, body = out.partition("\r\n\r\n")
    if head.startswith("HTTP/1.1 100"):
        head, _, body = body.partition("\r\n\r\n")
    status = head.split("\r\n")[0]
    keep = [h for h in head.split("\r\n")[1:]
            if h.split(":")[0].lower() in ("content-type", "location", "allow", "www-authenticate",
                                          "content-disposition")]
    try:
        body = json.dumps(json.loads(body), ensure_ascii=False, indent=2)
    except ValueError:
        pass
    lines = body.rstrip("\n").split("\n")
    if body_lines and len(lines) > body_lines:
        lines = lines[:body_lines] + [f"... ({len(body.splitlines()) - body_lines} more lines)"]
    shown = cmd.replace("$BASE", "http://localhost:8080")
    print(f"### {title}\n\n{text}\n\n```sh\ncurl {shown}\n```\n\n```\n{status}")
    for h in keep:
        print(h)
    print()
    print("\n".join(lines))
    print("```\n")


H = '-H "Authorization: Bearer $ADMIN"'
J = '-H "Content-Type: application/json"'
try:
    print("## Service\n")
    show("GET /healthz", "Liveness: the process answers. No token.", "$BASE/healthz")
    show("GET /readyz", "Readiness: 200 once the store is open and the index built (or the corpus "
         "is empty); 503 while shutting down. Without a token it says only ready or not; an admin "
         "token (or the operator listener, `metrics_listen`) adds the index state and the counts.",
         "$BASE/readyz")
    show("GET /readyz (admin)", "The same with an admin token.", f"{H} $BASE/readyz")
    show("GET /api/v1/whoami", "The caller's role and scope.",
         '-H "Authorization: Bearer $COORD" $BASE/api/v1/whoami')

    print("## Counties and enterprises\n")
    show("GET /api/v1/counties", "The configured counties (setting `counties`; by default Quzhou's "
         "six counties, cities and districts and 衢州智造新城). Every role.",
         '-H "Authorization: Bearer $ENT" $BASE/api/v1/counties')
    show("422 unknown county", "A problem, expert, plan or ledger naming a county outside the list "
         "is refused with the nearest known name (or the list when none is near); nothing is stored.",
         '-H "Authorization: Bearer $ADMIN" ' + J + " -d '{\"id\": \"js-900\", \"enterprise\": "
         "\"江山某企业\", \"county\": \"江山\", \"title\": \"轴承异响\", \"description\": \"\"}' "
         "$BASE/api/v1/problems")
    show("GET /api/v1/enterprises", "Registered enterprises and their county: admin all (`county=` "
         "filters), county and coordinator tokens their county's, an enterprise itself. An "
         "enterprise is registered with its first problem (import, or a submission by admin or its "
         "county's department) or explicitly below; its problems are then filed under that county "
         "only (422 otherwise), and an enterprise token must name a registered enterprise to submit.",
         "-H \"Authorization: Bearer $COUNTY\" \"$BASE/api/v1/enterprises?limit=2\"")
    show("POST /api/v1/enterprises", "Registers an enterprise: admin, or the county's department "
         "for its own county (`county` defaults to its scope). 409 if the name is registered.",
         '-H "Authorization: Bearer $COUNTY" ' + J + " -d '{\"name\": \"衢州市新登记机械有限公司\"}' "
         "$BASE/api/v1/enterprises")

    print("## Problems\n")
    show("POST /api/v1/problems", "An enterprise submits a problem. Its `enterprise` defaults to the "
         "token's scope and the service assigns the id (only admin chooses ids; anyone else sending one gets 422). Stored "
         "durably and indexed before the 201.",
         '-H "Authorization: Bearer $ENT" ' + J + " -d '{\"county\": \"柯城区\", \"title\": "
         "\"螺杆空压机排气温度高\", \"description\": \"37kW螺杆机夏季排气温度超过105℃跳停\", "
         "\"keywords\": [\"螺杆空压机\", \"散热\"], \"urgency\": 4}' $BASE/api/v1/problems")
    problem_id = json.loads(subprocess.run(
        ["bash", "-c", f"curl -s -H 'Authorization: Bearer {TOKENS['ADMIN']}' "
         f"'{BASE}/api/v1/problems?enterprise=%E8%A1%A2%E5%B7%9E%E5%B8%82%E6%81%92%E6%8B%93%E5%8E%8B%E7%BC%A9%E6%9C%BA%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8&sort=-submitted&limit=500'"],
        capture_output=True, text=True).stdout)["items"]
    problem_id = [p["id"] for p in problem_id if p["id"].startswith("p-")][0]
    show("GET /api/v1/problems/{id}", "One problem, if the caller may see it (404 otherwise, "
         "exactly as for an unknown id), with its `standing`: its status and a plain message for "
         "the enterprise (`county_follows_up` when no expert is a good match yet; `experts`: "
         "who works on it, the accepted experts and its key topic's leader unless rejected since, "
         "as the ledger and the plan say it).",
         f'-H "Authorization: Bearer $ENT" $BASE/api/v1/problems/{problem_id}')
    show("GET /api/v1/problems", "A page of the problems the caller may see. `q`: words that "
         "must all occur in the title, description, keywords or industry (compared after NFKC "
         "casefolding and Traditional -> Simplified, as plain substrings: 軸承 finds 轴承). "
         "Filters: `industry` (exactly), `county`, `enterprise`, `status` (submitted, "
         "matched, in_progress, solved, withdrawn, closed; open = the first three), `urgency`, `min_urgency`; `sort` = id, urgency or submitted, `-` for "
         "descending; `offset`, `limit` (default 50, at most 500). Any other parameter is a 400.",
         "-H \"Authorization: Bearer $COUNTY\" \"$BASE/api/v1/problems?q=%E7%A9%BA%E5%8E%8B%E6%9C%BA+%E6%B8%A9%E5%BA%A6&min_urgency=4&sort=-urgency&limit=1\"")
    show("PUT /api/v1/problems/{id} (a partial body)", "PUT replaces the whole record, so it "
         "names every field the client owns: `enterprise`, `county`, `industry`, `title`, "
         "`description`, `keywords`, `urgency` (null or [] clears one). A body without some is "
         "refused, listing them, and nothing changes. `submitted` and `status` are the "
         "server's: absent, they are kept (a status change is a 422: use `/status`). GET "
         "shows every field, so GET then PUT round-trips. 409 once it is no longer open.",
         '-X PUT -H "Authorization: Bearer $ENT" ' + J + " -d '{\"county\": \"柯城区\", "
         "\"enterprise\": \"衢州市恒拓压缩机有限公司\", \"title\": \"螺杆空压机夏季高温停机\", "
         "\"description\": \"37kW螺杆机夏季排气温度超过105℃跳停，冷却器已清洗\", \"urgency\": 5}' "
         f"$BASE/api/v1/problems/{problem_id}")
    show("PATCH /api/v1/problems/{id}", "A JSON Merge Patch (RFC 7396; `application/merge-patch+json` "
         "or `application/json`): the members it names change, null removes one, the rest stay. "
         "The result is validated as a whole record.",
         '-X PATCH -H "Authorization: Bearer $ENT" -H "Content-Type: application/merge-patch+json" '
         "-d '{\"description\": \"37kW螺杆机夏季排气温度超过105℃跳停，冷却器已清洗\", \"urgency\": 5}' "
         f"$BASE/api/v1/problems/{problem_id}")
    show("GET /api/v1/problems/{id}/matches", "Ranked experts with explanations (`k` from 1 to "
         "100, default 10; `terms[].positions` are byte offsets, `terms[].utf16_positions` the "
         "same spans in UTF-16 code units, see [Highlight positions](#highlight-positions)). "
         "Unavailable experts, conflicts of interest, experts a coordinator "
         "rejected for this problem and experts whose capacity is used elsewhere (accepted "
         "matches, approved key topics) are left out. Experts accepted for it come first "
         "(`review`: \"accepted\"); `remaining_capacity` counts every commitment, this one "
         "included, as in every view.",
         f'-H "Authorization: Bearer $ENT" "$BASE/api/v1/problems/{problem_id}/matches?k=2"')
    matches = json.loads(subprocess.run(
        ["bash", "-c", f"curl -s -H 'Authorization: Bearer {TOKENS['ADMIN']}' "
         f"'{BASE}/api/v1/problems/{problem_id}/matches?k=2'"], capture_output=True, text=True).stdout)
    first_expert = matches["matches"][0]["expert_id"]
    second_expert = matches["matches"][1]["expert_id"]

    print("## Reviews\n")
    show("POST /api/v1/problems/{id}/reviews", "A coordinator (or admin) accepts or rejects a "
         "proposed match. A rejection needs a `note`, and so does accepting a pair the service "
         "does not rate a good match (422, field `note`). An accepted match uses one unit of the "
         "expert's capacity while the problem is open and makes a submitted problem `matched`; a "
         "rejected expert is not proposed again for this problem, in matches or plans. 409 if the "
         "expert cannot be accepted (unavailable, conflict of interest) or the problem is not "
         "open; beyond the expert's capacity 409 names the commitments, unless the body says "
         "`\"override\": true` (stored with the review and logged).",
         '-H "Authorization: Bearer $COORD" ' + J + f" -d '{{\"expert_id\": \"{first_expert}\", "
         "\"decision\": \"accept\", \"note\": \"电话沟通后确认对口\"}' "
         f"$BASE/api/v1/problems/{problem_id}/reviews")
    show("POST /api/v1/problems/{id}/reviews (reject)", "",
         '-H "Authorization: Bearer $COORD" ' + J + f" -d '{{\"expert_id\": \"{second_expert}\", "
         "\"decision\": \"reject\", \"note\": \"研究方向不对口\"}' "
         f"$BASE/api/v1/problems/{problem_id}/reviews")
    show("GET /api/v1/problems/{id}/reviews", "The history, oldest first, and the decision in force "
         "per expert. Admin, county and coordinator tokens (403 for enterprises: the notes are "
         "internal).", f'-H "Authorization: Bearer $COUNTY" $BASE/api/v1/problems/{problem_id}/reviews')
    show("GET /api/v1/review-queue", "Good matches of the county's open problems that nobody has "
         "reviewed yet, most urgent problem first, then by score: what a coordinator decides "
         "next. `county` defaults to the caller's (another county is 403; admin: every county "
         "without it); `offset`, `limit`.",
         "-H \"Authorization: Bearer $COORD\" \"$BASE/api/v1/review-queue?limit=1\"", body_lines=40)
    show("POST /api/v1/problems/{id}/status", "A step of the problem's life: `in_progress` (once an "
         "expert is accepted), `solved` (with `outcome`: what was done, by whom, when), `closed` "
         "(unsolved, with a reason in `note`) or `withdrawn` (with a reason). Coordinators, the "
         "county and admin; an enterprise may only withdraw. 409 for a change the status does not "
         "allow (e.g. solved before any expert was accepted, or anything after solved).",
         '-H "Authorization: Bearer $COORD" ' + J + " -d '{\"status\": \"in_progress\", "
         "\"note\": \"专家已到企业现场\"}' " + f"$BASE/api/v1/problems/{problem_id}/status",
         body_lines=14)

    print("## Experts\n")
    show("POST /api/v1/experts", "Admin, or a county token for experts stationed in its county. "
         "The body is one expert in the exchange format.",
         '-H "Authorization: Bearer $ADMIN" ' + J + " -d '{\"id\": \"zjut-900\", \"name\": \"方晓\", "
         "\"organization\": \"浙江工业大学\", \"college\": \"机械工程学院\", \"title\": \"副教授\", "
         "\"fields\": [\"压缩机\", \"流体机械\"], \"counties\": [\"柯城区\"], \"capacity\": 1, "
         "\"works\": [{\"kind\": \"paper\", \"title\": \"螺杆压缩机排气温度控制\"}]}' $BASE/api/v1/experts")
    show("GET /api/v1/experts/{id}", "Expert profiles are readable by every role.",
         '-H "Authorization: Bearer $ENT" $BASE/api/v1/experts/zjut-900')
    show("GET /api/v1/experts", "`q`: words that must all occur in the name, research fields, "
         "bio or a work's title, abstract or keywords (normalised as for problems). Filters: "
         "`college`, `field` (one research field, exactly), `county`, `available` (true/false); "
         "`offset`, `limit`.",
         "-H \"Authorization: Bearer $ADMIN\" \"$BASE/api/v1/experts?field=%E6%B5%81%E4%BD%93%E6%9C%BA%E6%A2%B0&limit=1\"")
    show("PUT /api/v1/experts/{id} (a partial body)", "PUT replaces the whole expert, works "
         "included, so it names every field: `name`, `organization`, `college`, `title`, "
         "`birth_year`, `fields`, `bio`, `works`, `capacity`, `available`, `counties`, "
         "`conflicts`. A body without some (this one once wiped works, bio, title and "
         "organization and answered 200) is refused and changes nothing.",
         '-X PUT -H "Authorization: Bearer $COUNTY" ' + J + " -d '{\"name\": \"方晓\", "
         "\"college\": \"机械工程学院\", \"fields\": [\"压缩机\", \"流体机械\", \"余热回收\"], "
         "\"counties\": [\"柯城区\"], \"capacity\": 2}' $BASE/api/v1/experts/zjut-900")
    show("PATCH /api/v1/experts/{id}", "A JSON Merge Patch (RFC 7396): what it names changes, "
         "the works and everything else stay.",
         '-X PATCH -H "Authorization: Bearer $COUNTY" -H "Content-Type: application/merge-patch+json" '
         "-d '{\"fields\": [\"压缩机\", \"流体机械\", \"余热回收\"], \"capacity\": 2}' "
         "$BASE/api/v1/experts/zjut-900")
    show("GET /api/v1/experts/{id}/matches", "Ranked open problems for an expert, limited to the "
         "caller's county for county and coordinator tokens (403 for enterprises).",
         f'-H "Authorization: Bearer $COUNTY" "$BASE/api/v1/experts/{first_expert}/matches?k=1"')
    show("POST /api/v1/experts/{id}/deactivate", "Sets `available` to false: never proposed again.",
         '-X POST -H "Authorization: Bearer $ADMIN" $BASE/api/v1/experts/zjut-900/deactivate',
         body_lines=8)
    show("POST /api/v1/experts/{id}/reactivate", "Sets `available` back to true (admin, or the "
         "county of a stationed expert).",
         '-X POST -H "Authorization: Bearer $COUNTY" $BASE/api/v1/experts/zjut-900/reactivate',
         body_lines=8)

    print("## Ad-hoc matching\n")
    show("POST /api/v1/match", "Ranks experts for a text; stores nothing. Body: `text` and/or "
         "`title`, `description`, `keywords`; `k`; `filters`: `county`, `college`, `title`, "
         "`young_within_years`, `require_capacity`.",
         '-H "Authorization: Bearer $OTHER" ' + J + " -d '{\"text\": \"轴承外圈磨削烧伤发黑\", "
         "\"k\": 1, \"filters\": {\"require_capacity\": true}}' $BASE/api/v1/match")

    print("## Bulk import and export (admin)\n")
    show("POST /api/v1/import/experts", "JSON Lines (`application/x-ndjson`) in the exchange "
         "format; all or nothing: one bad line and nothing is stored (422 with every error and its "
         "line). Known ids are updated. The index is rebuilt from the whole corpus. Body limit: "
         "`import_limit_bytes` (64 MiB).",
         '-H "Authorization: Bearer $ADMIN" -H "Content-Type: application/x-ndjson" '
         "--data-binary $'{\"id\": \"zjut-901\", \"name\": \"周宁\", \"fields\": [\"茶叶加工\"]}\\n"
         "{\"id\": \"zjut-902\", \"name\": \"吴涛\", \"fields\": [\"特种纸\"]}\\n' "
         "$BASE/api/v1/import/experts")
    show("POST /api/v1/import/problems (one bad line)", "",
         '-H "Authorization: Bearer $ADMIN" -H "Content-Type: application/x-ndjson" '
         "--data-binary $'{\"id\": \"kc-900\", \"enterprise\": \"某企业\", \"county\": \"柯城区\", "
         "\"title\": \"t\", \"description\": \"\"}\\n{\"id\": \"kc-901\", \"enterprise\": \"某企业\", "
         "\"urgency\": 9}\\n' $BASE/api/v1/import/problems")
    show("GET /api/v1/export/problems", "Every problem as JSON Lines (also `/export/experts`).",
         '-H "Authorization: Bearer $ADMIN" $BASE/api/v1/export/problems', body_lines=2)
    show("POST /api/v1/problems/{id}/withdraw", "Withdraws a problem, with a reason in `note` "
         "(the same as `/status` with `withdrawn`): no longer matched; its accepted matches stop "
         "using capacity.",
         '-H "Authorization: Bearer $ENT" ' + J + " -d '{\"note\": \"厂家上门检修后已解决\"}' "
         f"$BASE/api/v1/problems/{problem_id}/withdraw", body_lines=14)
    show("GET /api/v1/problems/{id}/history", "The problem's record, oldest first: every "
         "change of its status (`kind` `status`: from, to, by whom, when, the note and (solved) "
         "the outcome) and, except for an enterprise (the notes are internal), every review of "
         "its pairs (`kind` `review`: by, at, `decision`, `expert_id`, `expert_name`, `note`, "
         "`override`, and `text` in the request's language); a reader of status changes only "
         "skips items whose `kind` is not `status`. Whoever may see the problem.", f'-H "Authorization: Bearer $ENT" $BASE/api/v1/problems/{problem_id}/history')

    print("## Workstation plans\n")
    kc = "%E6%9F%AF%E5%9F%8E%E5%8C%BA"  # 柯城区
    show("POST /api/v1/counties/{county}/plans", "Plans the county's workstation "
         "(docs/planning.md) and stores it as a draft: the team, every enterprise's key topics, "
         "reasons and diagnoses. Admin or the county's token (403 otherwise, coordinators "
         "included). The body is optional: `team_size` (exactly N) or `min_team`/`max_team` "
         "(within the settings `min_team_size`-`max_team_size`, 6-8, or the county's "
         "`county_team_size`; outside them 422), `topics` (1 or 2 per enterprise, default 2), `policy` (`prefer` "
         "stationed experts, default; `only`; `any`), `replan_approved` (default false: the "
         "county's approved team and topics are kept). The county's accepted matches are fixed key "
         "topics (`accepted`) with their experts on the team; rejected pairs are never proposed "
         "or suggested; other counties' approved key topics and accepted matches count against "
         "capacity. 422 for a county outside "
         "the configured list; 404 if no problem or expert names a known one. Planning runs on a worker thread and takes about a second "
         "on the demo corpus; other reads go on meanwhile, writes wait for it. Every text people "
         "read (`summary`, each `reason`, each diagnosis's `message`) is in the request's language "
         "(`Accept-Language`, else the `language` setting, else Chinese), with the phrases it was "
         "made of beside it as codes (`summary_codes`, `reason_codes`, `message_codes`: "
         "`[{\"key\": \"planner....\", \"args\": {...}}]`, an array argument being a list of "
         "phrases; keys in i18n/messages), and `status_text` beside `status`; a stored plan is "
         "rendered again in the language of whoever reads it.",
         '-H "Authorization: Bearer $COUNTY" ' + J + " -d '{\"team_size\": 6}' "
         f"$BASE/api/v1/counties/{kc}/plans", body_lines=70)
    plan_id = json.loads(subprocess.run(
        ["bash", "-c", f"curl -s -H 'Authorization: Bearer {TOKENS['ADMIN']}' "
         f"'{BASE}/api/v1/counties/{kc}/plans'"], capture_output=True, text=True).stdout)["items"][0]["id"]
    show("GET /api/v1/plans/{id}", "One stored plan, for admin and the county's county and "
         "coordinator tokens; 404 for anyone else, exactly as for an unknown id. An approved plan "
         "one of whose key topics' leaders a coordinator has rejected since has `needs_attention`: "
         "true, `status_text` 已批准，待县里处理 and one `attention` entry per such topic "
         "(`problem_id`, `expert_id`, `expert_name`, `rejected_by`, `rejected_at`, `note`, "
         "`working_experts` (who works on it now), and "
         "`message` naming them in the request's language); each key topic says `rejected`. It "
         "ends when the pair is accepted again or a new plan of the county is approved. Here in "
         "English (`Accept-Language: en`).",
         f'-H "Authorization: Bearer $COORD" -H "Accept-Language: en" $BASE/api/v1/plans/{plan_id}',
         body_lines=24)
    later = json.loads(subprocess.run(
        ["bash", "-c", f"curl -s -H 'Authorization: Bearer {TOKENS['ADMIN']}' "
         f"-H 'Content-Type: application/json' -d '{{\"team_size\": 7}}' "
         f"'{BASE}/api/v1/counties/{kc}/plans'"], capture_output=True, text=True).stdout)["id"]
    show("POST /api/v1/plans/{id}/approve", "Draft -> approved, by admin or the county's token "
         "(403 for its coordinators); the county's previously approved plan becomes "
         "`superseded`; the key topics' submitted or matched problems become `in_progress`. 409 "
         "if the plan is not a draft or is stale.",
         f'-X POST -H "Authorization: Bearer $COUNTY" $BASE/api/v1/plans/{plan_id}/approve',
         body_lines=10)
    show("POST /api/v1/plans/{id}/approve (stale)", "A draft made before a later decision (here: "
         "the approval above), or older than the county's approved plan, is stale: make a new "
         "plan.", f'-X POST -H "Authorization: Bearer $COUNTY" $BASE/api/v1/plans/{later}/approve')
    show("POST /api/v1/plans/{id}/discard", "Draft -> discarded (admin or the county's token); "
         "409 for any other plan.",
         f'-X POST -H "Authorization: Bearer $COUNTY" $BASE/api/v1/plans/{later}/discard',
         body_lines=10)
    show("GET /api/v1/counties/{county}/plans", "The county's plans, newest first, with their "
         "summaries (not the whole plan); `offset`, `limit`. Admin, the county's county and "
         "coordinator tokens; 403 for others.", f'-H "Authorization: Bearer $COORD" $BASE/api/v1/counties/{kc}/plans')
    show("GET /api/v1/plans/{id} (another's)", "An enterprise, or another county, sees no plan.",
         f'-H "Authorization: Bearer $ENT" $BASE/api/v1/plans/{plan_id}')
    show("GET /api/v1/plans/{id}?format=xlsx", "The plan as a workbook for the people who "
         "receive it: sheets 概况 (county, status, summary), 团队 (the team, with why each was "
         "chosen), 重点攻关课题 (each key topic: enterprise, problem, urgency, expert, score, "
         "evidence, reason), 未覆盖难题; headings, status and reasons in the request's language (as "
         "the JSON). A plan that needs the county's attention says so in 概况's status and one row "
         "per rejected leader, and its key topics get a column 待县里处理 with that text. Same "
         "readers as the JSON.",
         f'-H "Authorization: Bearer $COORD" "$BASE/api/v1/plans/{plan_id}?format=xlsx"',
         binary=True)
    show("GET /api/v1/plans/{id}?format=csv", "The same sheets as CSV (UTF-8 with a BOM, "
         "CRLF; each sheet's name on a line of its own, a blank line between sheets).",
         f'-H "Authorization: Bearer $COORD" "$BASE/api/v1/plans/{plan_id}?format=csv"',
         body_lines=6)

    print("## The county's ledger\n")
    show("GET /api/v1/counties/{county}/ledger", "The county's ledger (台账), from the records: "
         "problems submitted and how they stand, by status (read from each problem's status), "
         "in total, by industry (most first) and by month of submission (`year=YYYY` counts "
         "only that year's submissions); the experts stationed there (the city's ledger: every "
         "expert) with their key topics "
         "(approved plans; a key topic whose leader a coordinator rejected since is in no one's "
         "list), accepted matches and outcomes (their problems by status); and the 10 problems "
         "waiting longest for help (whatever the year), with days waited: open problems nobody "
         "works on (no accepted expert, no key topic), so not those in progress, unless a key "
         "topic's rejected leader left one with nobody. Admin, and "
         "the county's county and coordinator tokens (403 for others). `format=xlsx` or "
         "`format=csv` for files.",
         f'-H "Authorization: Bearer $COUNTY" "$BASE/api/v1/counties/{kc}/ledger?year=2025"',
         body_lines=60)
    show("GET /api/v1/counties/{county}/ledger?format=xlsx", "Sheets 概况, 按行业, 按月份, "
         "驻站专家, 久候难题 with Chinese headings; counts are numeric cells.",
         f'-H "Authorization: Bearer $COUNTY" "$BASE/api/v1/counties/{kc}/ledger?format=xlsx"',
         binary=True)
    show("GET /api/v1/ledger?format=csv", "The city's ledger (every configured county, with a "
         "row per county in 概况): admin only.",
         '-H "Authorization: Bearer $ADMIN" "$BASE/api/v1/ledger?format=csv&year=2025"',
         body_lines=12)

    print("## Errors\n")
    show("400 bad_request", "Malformed JSON, invalid UTF-8, a body that is not an object, bad "
         "query parameters.",
         '-H "Authorization: Bearer $ADMIN" ' + J + " -d '{\"id\": ' $BASE/api/v1/problems")
    show("400 bad_request (unknown query parameter)", "A parameter the route does not read is "
         "refused rather than ignored (a misspelt filter would otherwise return everything).",
         "-H \"Authorization: Bearer $ADMIN\" \"$BASE/api/v1/problems?county=%E5%B8%B8%E5%B1%B1%E5%8E%BF&page_size=5\"")
    show("401 unauthenticated", "No token, or an unknown one.", "$BASE/api/v1/problems")
    show("403 forbidden", "The role or scope does not allow the action.",
         '-H "Authorization: Bearer $ENT" ' + J + " -d '{\"enterprise\": \"别的企业\", \"county\": "
         "\"柯城区\", \"title\": \"t\", \"description\": \"\"}' $BASE/api/v1/problems")
    show("404 not_found", "Unknown, or another enterprise's problem: the same answer.",
         '-H "Authorization: Bearer $OTHER" $BASE/api/v1/problems/kc-001')
    show("405 method_not_allowed", "With an `Allow` header.",
         '-X DELETE -H "Authorization: Bearer $ADMIN" $BASE/api/v1/problems/kc-001')
    show("409 already_exists / conflict", "A duplicate id; a problem no longer open; an expert "
         "without capacity left; a stale plan.",
         '-H "Authorization: Bearer $ADMIN" ' + J + " -d '{\"id\": \"kc-001\", \"enterprise\": "
         "\"某企业\", \"county\": \"柯城区\", \"title\": \"t\", \"description\": \"\"}' "
         "$BASE/api/v1/problems")
    show("413 payload_too_large", "A body over `body_limit_bytes` (1 MiB); the connection closes.",
         '-H "Authorization: Bearer $ADMIN" ' + J + " --data-binary @<(head -c 1100000 /dev/zero) "
         "$BASE/api/v1/problems")
    show("415 unsupported_media_type", "JSON endpoints take `application/json`, import takes "
         "`application/x-ndjson`.",
         "-H \"Authorization: Bearer $ADMIN\" -H 'Content-Type: text/plain' -d 'x' $BASE/api/v1/problems")
    show("422 invalid_argument", "Valid JSON that fails validation; `field` names the first bad "
         "field, `details` lists all.",
         '-H "Authorization: Bearer $ADMIN" ' + J + " -d '{\"id\": \"kc-902\", \"enterprise\": "
         "\"某企业\", \"county\": \"柯城区\", \"title\": \"t\", \"description\": \"\", "
         "\"urgency\": \"high\"}' $BASE/api/v1/problems")
    print("## Metrics\n")
    show("GET /metrics", "Prometheus text format: requests by route template, method and status; "
         "a latency histogram by route (its `_bucket` lines left out here); connections; corpus and index sizes. "
         "An admin token, or none on the operator listener (`metrics_listen`). Label values come from a closed "
         "set: the route template or `unmatched`, the standard methods or `other`.",
         f"{H} $BASE/metrics | grep -v _bucket")
finally:
    server.terminate()
    server.wait()
    subprocess.run(["rm", "-rf", DATA])
