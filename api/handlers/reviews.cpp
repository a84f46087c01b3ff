// Coordinators' decisions on proposed matches, and the queue of matches
// waiting for one.
#include "api/handlers/handlers.h"

#include <map>

#include "api/handlers/common.h"
#include "api/handlers/values.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

ApiResponse create_review(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  // Who reviewed and when are the server's: a review cannot be backdated or
  // put in another coordinator's name.
  if (!check_members(doc, {"expert_id", "decision", "note", "override"},
                     {"id", "problem_id", "reviewer", "created_at"}, &error)) {
    auto visible = c.context.service.get_problem(c.who, c.params[0]);
    if (!visible) return from_status(visible.status());
    return error;
  }
  std::string expert_id, decision, note;
  bool capacity_override = false;
  if (!member_string(doc, "expert_id", &expert_id, &error) ||
      !member_string(doc, "decision", &decision, &error) ||
      !member_string(doc, "note", &note, &error, 4000))
    return error;
  if (auto it = doc.FindMember("override"); it != doc.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsBool())
      return error_response(422, "invalid_argument", "field.not_bool", "override");
    capacity_override = it->value.GetBool();
  }
  // Whether the problem is visible decides before the body's content does.
  auto visible = c.context.service.get_problem(c.who, c.params[0]);
  if (!visible) return from_status(visible.status());
  if (expert_id.empty())
    return error_response(422, "invalid_argument", "field.required", "expert_id");
  if (decision.empty())
    return error_response(422, "invalid_argument", "field.required", "decision");
  bool recorded = true;
  auto r = c.context.service.add_review(c.who, c.params[0], expert_id, decision, note,
                                        capacity_override, &recorded);
  if (!r) return from_status(r.status());
  rapidjson::Document d;
  // 200 with the review in force when the decision was that already.
  return json(recorded ? 201 : 200, review_value(*r, d.GetAllocator()));
}

ApiResponse list_reviews(const Call& c) {
  auto reviews = c.context.service.reviews(c.who, c.params[0]);
  if (!reviews) return from_status(reviews.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("problem_id", str(c.params[0], a), a);
  Value arr(rapidjson::kArrayType);
  std::map<std::string, std::string> in_force;
  for (const auto& r : *reviews) {
    arr.PushBack(review_value(r, a), a);
    in_force[r.expert_id] = r.decision;
  }
  d.AddMember("reviews", arr, a);
  Value force(rapidjson::kObjectType);
  for (const auto& [expert, decision] : in_force)
    force.AddMember(str(expert, a), str(decision, a), a);
  d.AddMember("in_force", force, a);
  return json(200, d);
}

ApiResponse review_queue(const Call& c) {
  ReviewQueueQuery q;
  ApiResponse error;
  if (!page_params(c, &q.offset, &q.limit, &error)) return error;
  q.county = query_str(c, "county");
  std::optional<ExpensiveSlots::Slot> slot;  // it ranks every open problem of the county
  if (!admit_expensive(c, &slot, &error)) return error;
  auto page = c.context.service.review_queue(c.who, q);
  if (!page) return from_status(page.status());
  return page_response<QueueEntry>(*page, q.offset, q.limit, c.context.config.max_page_bytes,
                                   [](const QueueEntry& e, Alloc& a) {
                                     Value v(rapidjson::kObjectType);
                                     v.AddMember("problem", problem_value(e.problem, a), a);
                                     Value m = expert_match_value(e.match, a);
                                     m.AddMember("review", Value(rapidjson::kNullType), a);
                                     m.AddMember("remaining_capacity", e.remaining_capacity, a);
                                     v.AddMember("match", m, a);
                                     return v;
                                   });
}

}  // namespace expertmatch::api::handlers
