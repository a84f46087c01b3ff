// Renderings of workstation plans: readable text (CLI) and JSON (CLI --json,
// the HTTP API, the plan store's body), in a language of the message
// catalogue (Chinese by default). Pure functions, no I/O; thread-safe (the
// catalogue is immutable once loaded).
#pragma once

#include "i18n/messages.h"

#include <map>
#include <string>

#include "corpus/spreadsheet.h"
#include "corpus/status.h"
#include "matcher/planner.h"

namespace expertmatch {

// A plan's phrases in `language`: each phrase's catalogue pattern with its
// arguments (list arguments joined by "planner.list_separator"); a text's
// phrases joined by "planner.clause_separator". A key missing from the
// catalogue renders as the key itself.
std::string render(const PlanPhrase& phrase, i18n::Language language);
std::string render(const PlanText& text, i18n::Language language);
// A plan status ("draft", "approved", "superseded", "discarded") as people
// read it (草稿, ...); an unknown name as it is.
std::string plan_status_text(const std::string& status, i18n::Language language);

// A readable report: summary, team with reasons, key topics by enterprise,
// enterprises without topics, uncovered problems, diagnoses; the report for
// officials, everything but the data (names, titles, ids) in `language`.
std::string plan_to_text(const WorkstationPlan& plan,
                         i18n::Language language = i18n::Language::kZh);
std::string city_plan_to_text(const CityPlan& plan, i18n::Language language = i18n::Language::kZh);

// One JSON object (UTF-8, compact). Field names follow the C++ members
// ("county", "team": [{"expert_id", "reason", "can_solve": [...]}, ...],
// "key_topics", "enterprises", "uncovered", "diagnoses": [{"kind", "subject",
// "message"}], "score", "summary", "options"). Every text a person reads
// ("summary", "reason", "message") is rendered in `language`, and beside it
// "<name>_codes" holds the phrases it was made of, machine-readable:
// [{"key": "planner.topic.first", "args": {"enterprise": "...", "urgency":
// "5", "items": [phrase, ...]}}] (an array argument is a list of phrases).
// Key topics also say "evidence_kind": "work", "field" or "".
std::string plan_to_json(const WorkstationPlan& plan,
                         i18n::Language language = i18n::Language::kZh);
// {"counties": [plan...], "topics_per_expert": {"id": n}}
std::string city_plan_to_json(const CityPlan& plan, i18n::Language language = i18n::Language::kZh);

// plan_to_json's output (or a city's) with every text re-rendered in
// `language` from its "_codes"; a text without codes (a plan stored before
// they existed) stays as it is; JSON that does not parse is returned as is.
std::string localize_plan_json(const std::string& plan_json, i18n::Language language);

// A stored plan (plan_to_json's output, as PlanStore keeps it) as worksheets,
// headings and texts in `language`: 概况 (county, status, summary), 团队 (the
// team with reasons), 重点攻关课题 (key topics with expert, evidence and
// reasons), 未覆盖难题. `status` is the plan's status name (or
// "approved_attention": approved, waiting for the county). `attention` maps a
// key topic's (problem id, expert id) to a text saying why the county must
// reassign it; when it is not empty the key topics get a column 待县里处理
// with that text (empty for the other topics), and the summary a row per text.
// kCorruption if the JSON is not a plan.
Result<std::vector<Sheet>> plan_sheets(
    const std::string& plan_json, const std::string& status,
    i18n::Language language = i18n::Language::kZh,
    const std::map<std::pair<std::string, std::string>, std::string>& attention = {});

}  // namespace expertmatch
