// Rankings: experts for a stored problem, problems for an expert, experts for a text.
#include "api/handlers/handlers.h"

#include <cstring>

#include "api/handlers/common.h"
#include "api/handlers/values.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

// A ranking of a stored record (GET .../matches): its k (?k=, 1..max_k,
// default_k when absent) and a slot under the per-caller bound on rankings
// (admit_ranking), held until the ranking is done. False, with `error`
// set, when either is refused.
bool ranking_request(const Call& c, int* k, std::optional<ExpensiveSlots::Slot>* slot,
                     ApiResponse* error) {
  std::optional<int> given;
  if (!query_int(c, "k", 1, c.context.config.max_k, &given, error)) return false;
  if (!admit_ranking(c, slot, error)) return false;
  *k = given.value_or(c.context.config.default_k);
  return true;
}

// "no_good_match": why none of the matches is good, or null when one is.
Value no_good_match_value(const std::optional<NoGoodMatch>& why, i18n::Language language,
                          rapidjson::Document::AllocatorType& a) {
  if (!why) return Value(rapidjson::kNullType);
  Value v(rapidjson::kObjectType);
  v.AddMember("reason", str(why->reason, a), a);
  v.AddMember("message", str(i18n::tr(language, why->message), a), a);
  return v;
}

}  // namespace

ApiResponse problem_matches(const Call& c) {
  int k;
  std::optional<ExpensiveSlots::Slot> slot;
  ApiResponse error;
  if (!ranking_request(c, &k, &slot, &error)) return error;
  auto m = c.context.service.problem_matches(c.who, c.params[0], k);
  if (!m) return from_status(m.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("problem_id", str(m->problem.id, a), a);
  Value arr(rapidjson::kArrayType);
  bool any_good = false;
  for (const auto& em : m->matches) {
    Value v = expert_match_value(em, a);
    PairState st = m->states[em.expert_id];
    if (st == PairState::kAccepted)
      v.AddMember("review", "accepted", a);
    else
      v.AddMember("review", Value(rapidjson::kNullType), a);
    v.AddMember("remaining_capacity", m->remaining[em.expert_id], a);
    any_good = any_good || em.good_match;
    arr.PushBack(v, a);
  }
  d.AddMember("matches", arr, a);
  d.AddMember("good_match_found", any_good, a);
  d.AddMember("no_good_match", no_good_match_value(m->no_good_match, c.language, a), a);
  d.AddMember("rejected_excluded", m->rejected_excluded, a);
  return json(200, d);
}

ApiResponse expert_matches(const Call& c) {
  int k;
  std::optional<ExpensiveSlots::Slot> slot;
  ApiResponse error;
  if (!ranking_request(c, &k, &slot, &error)) return error;
  auto m = c.context.service.expert_matches(c.who, c.params[0], k);
  if (!m) return from_status(m.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("expert_id", str(m->expert.id, a), a);
  d.AddMember("remaining_capacity", m->remaining_capacity, a);
  Value arr(rapidjson::kArrayType);
  for (const auto& pm : m->matches) arr.PushBack(problem_match_value(pm, a), a);
  d.AddMember("matches", arr, a);
  return json(200, d);
}

// Reads an optional string member; false (with `error`) if present but not a string.
ApiResponse match_text(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  // A misspelt member ("tittle", "keyword") was ignored, and the match made
  // on less text than the caller wrote: refused, as in every fixed-shape body.
  if (!check_members(doc, {"text", "title", "description", "keywords", "k", "filters"}, {}, &error))
    return error;
  std::optional<ExpensiveSlots::Slot> slot;  // ranking: a per-caller bound
  if (!admit_ranking(c, &slot, &error)) return error;
  TextQuery q;
  std::string text;
  if (!member_string(doc, "text", &text, &error) ||
      !member_string(doc, "title", &q.title, &error) ||
      !member_string(doc, "description", &q.description, &error))
    return error;
  if (!text.empty()) q.description = q.description.empty() ? text : q.description + "\n" + text;
  if (auto it = doc.FindMember("keywords"); it != doc.MemberEnd()) {
    if (!it->value.IsArray())
      return error_response(422, "invalid_argument", "field.not_string_array", "keywords");
    for (const auto& v : it->value.GetArray()) {
      if (!v.IsString())
        return error_response(422, "invalid_argument", "field.not_string_array", "keywords");
      q.keywords.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  if (q.title.empty() && q.description.empty() && q.keywords.empty())
    return error_response(422, "invalid_argument", "match.text_required", "text");
  q.k = c.context.config.default_k;
  if (auto it = doc.FindMember("k"); it != doc.MemberEnd()) {
    if (!it->value.IsInt() || it->value.GetInt() < 1 || it->value.GetInt() > c.context.config.max_k)
      return error_response(
          422, "invalid_argument",
          {"field.int_range", {{"lo", "1"}, {"hi", std::to_string(c.context.config.max_k)}}}, "k");
    q.k = it->value.GetInt();
  }
  if (auto it = doc.FindMember("filters"); it != doc.MemberEnd()) {
    if (!it->value.IsObject())
      return error_response(422, "invalid_argument", "field.not_object", "filters");
    const Value& f = it->value;
    // A misspelt filter would silently filter nothing: refused, like any unknown field.
    if (!check_members(f, {"county", "college", "title", "young_within_years", "require_capacity"},
                       {}, &error, "filters."))
      return error;
    std::string s;
    for (const char* name : {"county", "college", "title"}) {
      s.clear();
      if (!member_string(f, name, &s, &error)) {
        error = error_response(422, "invalid_argument", "field.not_string",
                               std::string("filters.") + name);
        return error;
      }
      if (s.empty()) continue;
      if (!std::strcmp(name, "county")) {
        // An unknown county (江山 for 江山市) is a 422 with the nearest name,
        // not an empty answer.
        Status known = c.context.service.counties().check(s, "filters.county");
        if (!known) return from_status(known);
        q.filters.county = s;
      }
      if (!std::strcmp(name, "college")) q.filters.college = s;
      if (!std::strcmp(name, "title")) q.filters.title = s;
    }
    if (auto y = f.FindMember("young_within_years"); y != f.MemberEnd()) {
      if (!y->value.IsInt() || y->value.GetInt() < 0)
        return error_response(422, "invalid_argument", "field.non_negative_int",
                              "filters.young_within_years");
      q.filters.young_within_years = y->value.GetInt();
    }
    if (auto r = f.FindMember("require_capacity"); r != f.MemberEnd()) {
      if (!r->value.IsBool())
        return error_response(422, "invalid_argument", "field.not_bool",
                              "filters.require_capacity");
      q.filters.require_capacity = r->value.GetBool();
    }
  }
  std::optional<NoGoodMatch> why;
  auto ranked = c.context.service.match_text(c.who, q, &why);
  if (!ranked) return from_status(ranked.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  Value arr(rapidjson::kArrayType);
  bool any_good = false;
  for (const auto& m : *ranked) {
    any_good = any_good || m.good_match;
    arr.PushBack(expert_match_value(m, a), a);
  }
  d.AddMember("matches", arr, a);
  d.AddMember("good_match_found", any_good, a);
  d.AddMember("no_good_match", no_good_match_value(why, c.language, a), a);
  return json(200, d);
}

}  // namespace expertmatch::api::handlers
