// The problem bank (企业难题库): create, read, list and search, replace (PUT),
// merge-patch (PATCH, RFC 7396); a problem's life (status changes, withdraw,
// history).
#include "api/handlers/handlers.h"

#include <algorithm>

#include "api/handlers/common.h"
#include "api/handlers/values.h"
#include "corpus/exchange_format.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

ApiResponse one_problem(int status, const Problem& p) {
  rapidjson::Document d;
  return record_response(status, problem_value(p, d.GetAllocator()), "/api/v1/problems/" + p.id);
}

// The fields a PUT must give: every field the client owns. `submitted` and
// `status` are the server's (kept when absent).
const std::vector<const char*> kProblemFields = {"enterprise",  "county",   "industry", "title",
                                                 "description", "keywords", "urgency"};

// What the API renders on a problem besides its fields (GET's "standing";
// the history has its own route): never stored as an unknown field, where it
// would stand beside, or pass for, the server's own.
const std::vector<const char*> kRenderedMembers = {"standing", "history"};

Status server_owned(const std::string& field) {
  return Status::invalid({FieldError{"body", 0, field, "field.server_owned"}});
}

// A record from `doc`, refusing a status change: that is the workflow's job.
// `submitted` is the service's too: only an admin (who also imports history)
// may set another date than the stored one.
Result<Problem> problem_from_body(const Principal& who, const rapidjson::Value& doc,
                                  const Problem& current) {
  Problem p;
  std::vector<FieldError> errors;
  if (!problem_from_json(doc, "body", 0, &p, &errors)) return Status::invalid(errors);
  if (doc.HasMember("status") && p.status != current.status)
    return Status::invalid({FieldError{
        "body",
        0,
        "status",
        {"problem.status_by_transition", {{"status", problem_status_name(current.status)}}}}});
  if (who.role != Role::kAdmin && !p.submitted.empty() && p.submitted != current.submitted)
    return server_owned("submitted");
  return p;
}

// The edited record's confirmation: what an admin gave, else the current
// one (the service unconfirms a non-admin's change of the text). Anyone else
// may send back the current value (GET then PUT) but not change it; a PUT of
// the whole record (`whole_record`) may also send true on a record whose
// edit awaits the city (echoes_confirmation: a repeated PUT).
Result<Problem> with_verified(const Principal& who, Result<Problem> p, std::optional<bool> verified,
                              const Problem& current, bool whole_record) {
  if (!p) return p;
  if (who.role != Role::kAdmin &&
      !echoes_confirmation(verified, current.verified,
                           whole_record && !current.verified && !current.confirmed_json.empty()))
    return Status::invalid({FieldError{
        "body", 0, "verified",
        current.verified ? "field.verified_city_confirmed" : "field.verified_city_awaiting"}});
  p->verified = who.role == Role::kAdmin ? verified.value_or(current.verified) : current.verified;
  return p;
}

// The first member of `doc` the API renders itself, or "".
std::string rendered_member(const rapidjson::Value& doc) {
  for (const char* name : kRenderedMembers)
    if (doc.HasMember(name)) return name;
  return "";
}

}  // namespace

ApiResponse create_problem(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  auto& a = doc.GetAllocator();
  bool id_given = doc.HasMember("id");
  // A new problem is submitted today: its date and status are the service's
  // (an admin may file one with its historical date; its status still starts
  // at submitted and moves by the workflow, which records every step).
  if (c.who.role != Role::kAdmin && doc.HasMember("submitted"))
    return server_owned_field("submitted");
  if (doc.HasMember("status")) return server_owned_field("status");
  if (std::string name = rendered_member(doc); !name.empty()) return server_owned_field(name);
  // Only the city (admin) confirms a problem (Problem::verified): what
  // anyone else files is not learned from until it does.
  std::optional<bool> verified;
  if (Status taken = take_verified(doc, &verified); !taken) return from_status(taken);
  if (verified && *verified && c.who.role != Role::kAdmin) return server_owned_field("verified");
  if (c.who.role != Role::kAdmin && !id_given)
    doc.AddMember("id", "pending", a);  // replaced by the service
  if (c.who.role == Role::kEnterprise) {
    if (!doc.HasMember("enterprise")) doc.AddMember("enterprise", str(c.who.scope, a), a);
    // A registered enterprise's problems go to its county's bank.
    if (!doc.HasMember("county"))
      if (auto county = c.context.service.enterprise_county(c.who.scope))
        doc.AddMember("county", str(*county, a), a);
  }
  if (c.who.role == Role::kCounty && !doc.HasMember("county"))
    doc.AddMember("county", str(c.who.scope, a), a);
  Problem p;
  std::vector<FieldError> errors;
  if (!problem_from_json(doc, "body", 0, &p, &errors)) return from_status(Status::invalid(errors));
  p.verified = verified.value_or(c.who.role == Role::kAdmin);
  auto created = c.context.service.create_problem(c.who, std::move(p), id_given);
  if (!created) return from_status(created.status());
  return one_problem(201, *created);
}

ApiResponse get_problem(const Call& c) {
  auto s = c.context.service.standing(c.who, c.params[0]);
  if (!s) return from_status(s.status());
  rapidjson::Document d;
  auto& a = d.GetAllocator();
  Value v = problem_value(s->problem, a);
  // Where it stands, in words the enterprise reads.
  Value standing(rapidjson::kObjectType);
  standing.AddMember("status", str(problem_status_name(s->problem.status), a), a);
  standing.AddMember("message", str(i18n::tr(c.language, s->message), a), a);
  standing.AddMember("county_follows_up", s->county_follows_up, a);
  standing.AddMember("accepted_experts", strings(s->accepted_experts, a), a);
  standing.AddMember("experts", strings(s->experts, a), a);
  v.AddMember("standing", standing, a);
  return json(200, v);
}

ApiResponse list_problems(const Call& c) {
  ProblemQuery q;
  ApiResponse error;
  if (!page_params(c, &q.offset, &q.limit, &error)) return error;
  if (!query_int(c, "urgency", 1, 5, &q.urgency, &error)) return error;
  if (!query_int(c, "min_urgency", 1, 5, &q.min_urgency, &error)) return error;
  q.text = query_str(c, "q");
  q.industry = query_str(c, "industry");
  q.county = query_str(c, "county");
  q.enterprise = query_str(c, "enterprise");
  if (auto s = query_str(c, "status")) {
    if (*s == "open") {
      q.open_only = true;  // submitted, matched or in_progress
    } else {
      q.status = parse_problem_status(*s);
      if (!q.status)
        return bad_query(
            "status",
            {"query.one_of",
             {{"name", "status"},
              {"values", "open, submitted, matched, in_progress, solved, withdrawn, closed"}}});
    }
  }
  if (auto s = query_str(c, "sort")) q.sort = *s;
  if (!query_bool(c, "verified", &q.verified, &error)) return error;
  std::optional<ExpensiveSlots::Slot> slot;  // a scan of every record: a per-caller bound
  if (!admit_list(c, &slot, &error)) return error;
  auto page = c.context.service.list_problems(c.who, q);
  if (!page) {
    if (page.status().code() == ErrorCode::kInvalidArgument) {
      const FieldError& e = page.status().field_errors().front();
      return bad_query(e.field, reason_message(e));  // sort or q
    }
    return from_status(page.status());
  }
  return page_response<Problem>(*page, q.offset, q.limit, c.context.config.max_page_bytes,
                                problem_value);
}

ApiResponse update_problem(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  if (!bind_path_id(&doc, c.params[0], &error)) return error;
  // GET's rendering goes back unchanged (GET then PUT round-trips): what the
  // API adds is dropped here, never stored.
  for (const char* name : kRenderedMembers) doc.RemoveMember(name);
  std::optional<bool> verified;
  if (Status taken = take_verified(doc, &verified); !taken) return from_status(taken);
  // Validated only once the caller is known to see the problem: one that may
  // not learns nothing, not even that its body was wrong.
  ProblemEdit edit = [&doc, &c, verified](const Problem& current) -> Result<Problem> {
    Status complete = require_members(doc, kProblemFields);
    if (!complete) return complete;
    return with_verified(c.who, problem_from_body(c.who, doc, current), verified, current, true);
  };
  auto updated = c.context.service.update_problem(c.who, c.params[0], edit);
  if (!updated) return from_status(updated.status());
  return one_problem(200, *updated);
}

ApiResponse patch_problem(const Call& c) {
  rapidjson::Document patch;
  ApiResponse error;
  if (!parse_json_body(c.request, &patch, &error, /*merge_patch=*/true)) return error;
  std::optional<bool> verified;
  if (Status taken = take_verified(patch, &verified); !taken) return from_status(taken);
  ProblemEdit edit = [&patch, &c, verified](const Problem& current) -> Result<Problem> {
    rapidjson::Document doc;
    if (Status patched = merge_patched(current, patch, c.params[0], &doc); !patched) return patched;
    if (patch.IsObject())
      if (std::string name = rendered_member(patch); !name.empty()) return server_owned(name);
    return with_verified(c.who, problem_from_body(c.who, doc, current), verified, current, false);
  };
  auto updated = c.context.service.update_problem(c.who, c.params[0], edit);
  if (!updated) return from_status(updated.status());
  return one_problem(200, *updated);
}

namespace {

// The body of a status change: {"status"?, "note", "outcome"}; false (with
// `error`) if invalid. `status` is preset for POST .../withdraw.
bool status_request(const Call& c, bool status_given, StatusRequest* out, ApiResponse* error) {
  rapidjson::Document doc;
  if (c.request.body.empty() && status_given) {
    doc.SetObject();
  } else if (!parse_json_body(c.request, &doc, error)) {
    return false;
  }
  static const char* const kKnown[] = {"status", "note", "outcome"};
  for (const auto& m : doc.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (std::none_of(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return name == k; })) {
      *error = error_response(422, "invalid_argument",
                              {"field.unknown", {{"known", "status, note, outcome"}}}, name);
      return false;
    }
  }
  std::string status;
  if (!member_string(doc, "status", &status, error) ||
      !member_string(doc, "note", &out->note, error, 4000) ||
      !member_string(doc, "outcome", &out->outcome, error, 4000))
    return false;
  if (status_given) {
    if (!status.empty() && status != problem_status_name(out->to)) {
      *error = error_response(422, "invalid_argument", {"field.one_of", {{"values", "withdrawn"}}},
                              "status");
      return false;
    }
    return true;
  }
  auto parsed = parse_problem_status(status);
  if (status.empty() || status == "open" || !parsed) {
    *error = error_response(
        422, "invalid_argument",
        {"field.one_of", {{"values", "in_progress, solved, closed, withdrawn"}}}, "status");
    return false;
  }
  out->to = *parsed;
  return true;
}

ApiResponse status_changed(const Call& c, const StatusRequest& request) {
  auto t = c.context.service.change_status(c.who, c.params[0], request);
  if (!t) return from_status(t.status());
  auto p = c.context.service.get_problem(c.who, c.params[0]);
  if (!p) return from_status(p.status());
  return one_problem(200, *p);
}

}  // namespace

ApiResponse change_problem_status(const Call& c) {
  StatusRequest request;
  ApiResponse error;
  if (!status_request(c, false, &request, &error)) {
    // Whoever may not see the problem learns nothing from its body.
    auto visible = c.context.service.get_problem(c.who, c.params[0]);
    if (!visible) return from_status(visible.status());
    return error;
  }
  return status_changed(c, request);
}

ApiResponse withdraw_problem(const Call& c) {
  StatusRequest request;
  request.to = ProblemStatus::kWithdrawn;
  ApiResponse error;
  if (!status_request(c, true, &request, &error)) {
    auto visible = c.context.service.get_problem(c.who, c.params[0]);
    if (!visible) return from_status(visible.status());
    return error;
  }
  return status_changed(c, request);
}

ApiResponse problem_changes(const Call& c) {
  auto p = c.context.service.get_problem(c.who, c.params[0]);
  if (!p) return from_status(p.status());
  rapidjson::Document d;
  auto& a = d.GetAllocator();
  const Value current = problem_value(*p, a);
  std::optional<Value> confirmed;
  if (auto version = confirmed_version_seen_by(c.who, *p))
    confirmed.emplace(problem_value(*version, a));
  // The text the city confirms (title, keywords, description: what the
  // model learns from); a status, an urgency or an industry needs no
  // confirmation.
  std::vector<std::string_view> skipped;
  for (const auto& m : current.GetObject())
    if (m.name != "title" && m.name != "keywords" && m.name != "description")
      skipped.emplace_back(m.name.GetString(), m.name.GetStringLength());
  if (confirmed)
    for (const auto& m : confirmed->GetObject())
      if (m.name != "title" && m.name != "keywords" && m.name != "description")
        skipped.emplace_back(m.name.GetString(), m.name.GetStringLength());
  return json(200, changes_value(p->id, p->verified, current, confirmed ? &*confirmed : nullptr,
                                 skipped, a));
}

ApiResponse problem_history(const Call& c) {
  auto h = c.context.service.history(c.who, c.params[0]);
  if (!h) return from_status(h.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("problem_id", str(c.params[0], a), a);
  // One record, oldest first: status changes and reviews by time (UTC
  // stamps of one format compare as strings); a review and the change it
  // caused share a transaction, and the decision comes first.
  Value items(rapidjson::kArrayType);
  size_t t = 0, r = 0;
  while (t < h->transitions.size() || r < h->reviews.size()) {
    if (r < h->reviews.size() &&
        (t == h->transitions.size() || h->reviews[r].created_at <= h->transitions[t].at)) {
      const Review& x = h->reviews[r++];
      Value v(rapidjson::kObjectType);
      v.AddMember("kind", "review", a);
      v.AddMember("by", str(x.reviewer, a), a);
      v.AddMember("at", str(x.created_at, a), a);
      v.AddMember("decision", str(x.decision, a), a);
      v.AddMember("expert_id", str(x.expert_id, a), a);
      const std::string& name = h->expert_names[x.expert_id];
      v.AddMember("expert_name", str(name, a), a);
      v.AddMember("note", str(x.note, a), a);
      v.AddMember("override", x.capacity_override, a);
      i18n::Message text =
          i18n::Message(x.decision == "accept" ? "history.review.accept" : "history.review.reject",
                        {{"name", name}, {"expert_id", x.expert_id}, {"note", x.note}})
              .with("reviewer", actor_in_words(x.reviewer));
      v.AddMember("text", str(i18n::tr(c.language, text), a), a);
      items.PushBack(v, a);
    } else {
      Value v = transition_value(h->transitions[t++], c.language, a);
      v.AddMember("kind", "status", a);
      items.PushBack(v, a);
    }
  }
  d.AddMember("items", items, a);
  return json(200, d);
}

}  // namespace expertmatch::api::handlers
