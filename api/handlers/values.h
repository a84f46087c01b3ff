// JSON renderings of the domain's records and matches, as every endpoint
// shows them (docs/api.md). Values are allocated with the caller's allocator.
#pragma once

#include <rapidjson/document.h>

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

}  // namespace expertmatch::api::handlers
