// JSON renderings of the domain's records and matches, as every endpoint
// shows them (docs/api.md). Values are allocated with the caller's allocator.
#pragma once

#include <rapidjson/document.h>

#include <string_view>
#include <vector>

#include "api/handlers/common.h"
#include "corpus/model.h"
#include "corpus/store.h"
#include "matcher/matcher.h"

namespace expertmatch::api::handlers {

// A problem as the exchange format writes it, with its status.
rapidjson::Value problem_value(const Problem& p, Alloc& a);
// An expert as the exchange format writes it, every field present, with
// "verified" (Expert::verified: the city's confirmation, kept by the store).
rapidjson::Value expert_value(const Expert& e, Alloc& a);
// An expert ranked for a problem, with its explanation.
rapidjson::Value expert_match_value(const ExpertMatch& m, Alloc& a);
// A problem ranked for an expert, with its explanation.
rapidjson::Value problem_match_value(const ProblemMatch& m, Alloc& a);
rapidjson::Value review_value(const Review& r, Alloc& a);
// {"from", "to", "by", "at", "note", "outcome"}
rapidjson::Value transition_value(const ProblemTransition& t, i18n::Language language, Alloc& a);

// What a record's edit changed since the city last confirmed it (docs/api.md,
// "GET /api/v1/experts/{id}/changes"): {"id", "verified", "confirmed_version_kept",
// "changes": [{"field", "confirmed", "current"}]}, one entry for each field
// (member of the rendered record, in `current`'s order, then any only in
// `confirmed`) but the `skipped` names, whose value differs between
// `confirmed` (the kept version) and `current`, both rendered alike
// (expert_value, problem_value). Without a kept version (nullptr) a record
// the city has not confirmed lists every such field with "confirmed": null,
// and a confirmed one none.
rapidjson::Value changes_value(const std::string& id, bool verified,
                               const rapidjson::Value& current, const rapidjson::Value* confirmed,
                               const std::vector<std::string_view>& skipped, Alloc& a);

}  // namespace expertmatch::api::handlers
