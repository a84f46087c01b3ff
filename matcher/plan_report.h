// Renderings of workstation plans: readable text (CLI) and JSON (CLI --json,
// the HTTP API, the plan store's body). Pure functions, no I/O.
#pragma once

#include "i18n/messages.h"

#include <string>

#include "corpus/spreadsheet.h"
#include "corpus/status.h"
#include "matcher/planner.h"

namespace expertmatch {

// A readable report: summary, team with reasons, key topics by enterprise,
// enterprises without topics, uncovered problems, diagnoses.
// The report for officials, in `language` (headings and labels from the
// message catalogue; the planner's reason sentences are English for now).
std::string plan_to_text(const WorkstationPlan& plan,
                         i18n::Language language = i18n::Language::kZh);
std::string city_plan_to_text(const CityPlan& plan, i18n::Language language = i18n::Language::kZh);

// One JSON object (UTF-8, compact). Field names follow the C++ members
// ("county", "team": [{"expert_id", "reason", "can_solve": [...]}, ...],
// "key_topics", "enterprises", "uncovered", "diagnoses": [{"kind", "subject",
// "message"}], "score", "summary", "options").
std::string plan_to_json(const WorkstationPlan& plan);
// {"counties": [plan...], "topics_per_expert": {"id": n}}
std::string city_plan_to_json(const CityPlan& plan);

// A stored plan (plan_to_json's output, as PlanStore keeps it) as worksheets
// with Chinese headings: 概况 (county, status, summary), 团队 (the team with
// reasons), 重点攻关课题 (key topics with expert, evidence and reasons),
// 未覆盖难题. `status` is the plan's status name. kCorruption if the JSON is
// not a plan.
Result<std::vector<Sheet>> plan_sheets(const std::string& plan_json, const std::string& status);

}  // namespace expertmatch
