// Workstation plans: run, read, approve, discard, list (docs/planning.md).
#include "api/handlers/handlers.h"

#include <algorithm>
#include <map>

#include "api/handlers/common.h"
#include "api/handlers/values.h"
#include "corpus/spreadsheet.h"
#include "matcher/plan_report.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

// The language people read the plan in: Accept-Language, else the
// `language` setting, else Chinese (as for error messages).
i18n::Language reader_language(const Call& c) {
  return i18n::negotiate(
      c.request.accept_language,
      i18n::parse_language(c.context.config.language).value_or(i18n::Language::kZh));
}

// The status as people read it: an approved plan with a rejected leader
// says it waits for the county.
std::string status_text(const PlanRecord& r, bool attention, i18n::Language language) {
  return plan_status_text(attention ? "approved_attention" : plan_status_name(r.status), language);
}

bool is_rejected(const std::vector<TopicAttention>& attention, const std::string& problem,
                 const std::string& expert) {
  return std::any_of(attention.begin(), attention.end(), [&](const TopicAttention& t) {
    return t.problem_id == problem && t.expert_id == expert;
  });
}

Value attention_value(const std::vector<TopicAttention>& attention, i18n::Language language,
                      Alloc& a) {
  Value out(rapidjson::kArrayType);
  for (const auto& t : attention) {
    Value v(rapidjson::kObjectType);
    v.AddMember("problem_id", str(t.problem_id, a), a);
    v.AddMember("expert_id", str(t.expert_id, a), a);
    v.AddMember("expert_name", str(t.expert_name, a), a);
    v.AddMember("rejected_by", str(t.rejection.reviewer, a), a);
    v.AddMember("rejected_at", str(t.rejection.created_at, a), a);
    v.AddMember("note", str(t.rejection.note, a), a);
    v.AddMember("working_experts", strings(t.working, a), a);
    v.AddMember("message", str(i18n::tr(language, t.message), a), a);
    out.PushBack(v, a);
  }
  return out;
}

// A plan record: "status" the code, "status_text" as people read it, "stale"
// for a draft approve would refuse (a later decision) and "stale_reason" what
// approve would say (null if not stale), "needs_attention" and
// "attention" for an approved plan whose key topic lost its leader to a
// coordinator's rejection (each key topic says "rejected"); the plan's texts
// in `language` beside their "_codes".
Value plan_record_value(const PlanRecord& r, bool with_plan, const Status& staleness,
                        const std::vector<TopicAttention>& attention, i18n::Language language,
                        Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("id", static_cast<int64_t>(r.id), a);
  v.AddMember("status", str(plan_status_name(r.status), a), a);
  v.AddMember("stale", !staleness.is_ok(), a);
  v.AddMember("stale_reason",
              staleness.is_ok() ? Value(rapidjson::kNullType)
                                : str(i18n::tr(language, staleness.user_message()), a),
              a);
  v.AddMember("status_text", str(status_text(r, !attention.empty(), language), a), a);
  v.AddMember("needs_attention", !attention.empty(), a);
  v.AddMember("attention", attention_value(attention, language, a), a);
  v.AddMember("county", str(r.county, a), a);
  v.AddMember("created_at", str(r.created_at, a), a);
  auto optional = [&](const std::string& s) {
    return s.empty() ? Value(rapidjson::kNullType) : str(s, a);
  };
  v.AddMember("approved_at", optional(r.approved_at), a);
  v.AddMember("approved_by", optional(r.approved_by), a);
  v.AddMember("discarded_at", optional(r.discarded_at), a);
  v.AddMember("discarded_by", optional(r.discarded_by), a);
  if (!with_plan) {
    // A list shows who and what at a glance; the plan itself has the reasons.
    v.AddMember("members", strings(r.members, a), a);
    Value topics(rapidjson::kArrayType);
    for (const auto& [problem, expert] : r.topics) {
      Value t(rapidjson::kObjectType);
      t.AddMember("problem_id", str(problem, a), a);
      t.AddMember("expert_id", str(expert, a), a);
      t.AddMember("rejected", is_rejected(attention, problem, expert), a);
      topics.PushBack(t, a);
    }
    v.AddMember("key_topics", topics, a);
  }
  rapidjson::Document body(&a);
  const std::string localized = localize_plan_json(r.body_json, language);
  body.Parse(localized.c_str(), localized.size());
  if (body.HasParseError() || !body.IsObject()) {
    // plan_to_json wrote the body; should it be unreadable, "plan" is null, not a 500.
    v.AddMember("plan", Value(rapidjson::kNullType), a);
    return v;
  }
  if (with_plan) {
    if (auto topics = body.FindMember("key_topics");
        topics != body.MemberEnd() && topics->value.IsArray())
      for (auto& t : topics->value.GetArray()) {
        if (!t.IsObject() || !t.HasMember("problem_id") || !t.HasMember("expert_id") ||
            !t["problem_id"].IsString() || !t["expert_id"].IsString())
          continue;
        t.AddMember("rejected",
                    is_rejected(attention, t["problem_id"].GetString(), t["expert_id"].GetString()),
                    a);
      }
    v.AddMember("plan", Value(body, a), a);
  } else if (body.HasMember("summary") && body["summary"].IsString()) {
    v.AddMember("summary", Value(body["summary"], a), a);
    if (body.HasMember("summary_codes"))
      v.AddMember("summary_codes", Value(body["summary_codes"], a), a);
  }
  return v;
}

ApiResponse one_plan(const Call& c, int status, const PlanRecord& r) {
  Status stale = c.context.service.plan_staleness(r);
  if (!stale && stale.code() != ErrorCode::kConflict) return from_status(stale);
  rapidjson::Document d;
  const i18n::Language language = reader_language(c);
  ApiResponse out =
      json(status, plan_record_value(r, true, stale, c.context.service.plan_attention(r), language,
                                     d.GetAllocator()));
  out.headers.emplace_back("Content-Language", i18n::language_tag(language));
  if (status == 201) out.headers.emplace_back("Location", "/api/v1/plans/" + std::to_string(r.id));
  return out;
}

// A plan id from the path: digits only; anything else names no plan.
std::optional<long long> plan_id(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(s);
}

ApiResponse no_such_plan(const std::string& id) {
  return error_response(404, "not_found", {"plan.not_found", {{"id", id}}});
}

// The optional body of POST /counties/{county}/plans; false (with `error`) if
// invalid. Team sizes must lie within `sizes` (the county's settings), which
// are also the default.
bool plan_options_from_body(const ApiRequest& req, std::pair<int, int> sizes,
                            PlanRunOptions* options, ApiResponse* error) {
  PlanningOptions& p = options->planning;
  p.min_team_size = sizes.first;
  p.max_team_size = sizes.second;
  if (req.body.empty()) return true;  // all defaults
  rapidjson::Document doc;
  if (!parse_json_body(req, &doc, error)) return false;
  static const char* const kKnown[] = {"team_size", "min_team", "max_team",
                                       "topics",    "policy",   "replan_approved"};
  for (const auto& m : doc.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (std::none_of(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return name == k; })) {
      *error = error_response(
          422, "invalid_argument",
          {"field.unknown",
           {{"known", "team_size, min_team, max_team, topics, policy, replan_approved"}}},
          name);
      return false;
    }
  }
  std::optional<int> team, min_team, max_team, topics;
  const auto [lo, hi] = sizes;
  for (auto [name, out] : {std::pair{"team_size", &team}, std::pair{"min_team", &min_team},
                           std::pair{"max_team", &max_team}}) {
    if (member_int(doc, name, lo, hi, out, error)) continue;
    *error = error_response(
        422, "invalid_argument",
        {"plan.team_size_range", {{"lo", std::to_string(lo)}, {"hi", std::to_string(hi)}}}, name);
    return false;
  }
  if (!member_int(doc, "topics", 1, 2, &topics, error)) return false;
  if (team && (min_team || max_team)) {
    *error = error_response(422, "invalid_argument", "plan.team_size_or_range", "team_size");
    return false;
  }
  if (team) p.min_team_size = p.max_team_size = *team;
  if (min_team) p.min_team_size = *min_team;
  if (max_team) p.max_team_size = *max_team;
  if (p.min_team_size > p.max_team_size) {
    *error = error_response(422, "invalid_argument",
                            {"plan.min_above_max", {{"max", std::to_string(p.max_team_size)}}},
                            "min_team");
    return false;
  }
  if (topics) p.max_topics_per_enterprise = *topics;
  if (auto it = doc.FindMember("policy"); it != doc.MemberEnd() && !it->value.IsNull()) {
    std::optional<CountyPolicy> policy;
    if (it->value.IsString()) policy = parse_county_policy(it->value.GetString());
    if (!policy) {
      *error = error_response(422, "invalid_argument",
                              {"field.one_of", {{"values", "prefer, only, any"}}}, "policy");
      return false;
    }
    p.county_policy = *policy;
  }
  if (auto it = doc.FindMember("replan_approved"); it != doc.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsBool()) {
      *error = error_response(422, "invalid_argument", "field.not_bool", "replan_approved");
      return false;
    }
    options->keep_approved = !it->value.GetBool();
  }
  return true;
}

// The planner's option names, as the body spells them.
ApiResponse plan_error(const Status& s) {
  if (s.code() != ErrorCode::kInvalidArgument || s.field_errors().empty()) return from_status(s);
  static const std::map<std::string, std::string> kBodyName = {
      {"min_team_size", "min_team"},
      {"max_team_size", "max_team"},
      {"max_topics_per_enterprise", "topics"}};
  std::vector<FieldError> errors = s.field_errors();
  for (auto& e : errors)
    if (auto it = kBodyName.find(e.field); it != kBodyName.end()) e.field = it->second;
  return from_status(Status::invalid(std::move(errors)));
}

}  // namespace

ApiResponse create_plan(const Call& c) {
  const std::string& county = c.params[0];
  PlanRunOptions options;
  ApiResponse error;
  if (!plan_options_from_body(c.request, team_size_range(c.context.config, county), &options,
                              &error)) {
    // Whoever may not plan here learns that first, whatever the body says.
    if (!can_write_plans(c.who, county))
      return from_status(c.context.service.create_plan(c.who, county, {}).status());
    return error;
  }
  std::optional<ExpensiveSlots::Slot> slot;
  if (can_write_plans(c.who, county) && !admit_expensive(c, &slot, &error)) return error;
  auto made = c.context.service.create_plan(c.who, county, std::move(options));
  if (!made) return plan_error(made.status());
  return one_plan(c, 201, *made);
}

ApiResponse get_plan(const Call& c) {
  std::string format;
  ApiResponse error;
  if (!report_format(c, &format, &error)) return error;
  auto id = plan_id(c.params[0]);
  if (!id) return no_such_plan(c.params[0]);
  auto plan = c.context.service.get_plan(c.who, *id);
  if (!plan) return from_status(plan.status());
  if (format == "json") return one_plan(c, 200, *plan);
  // Rejected leaders' topics are marked where the county reads them.
  std::map<std::pair<std::string, std::string>, std::string> marks;
  for (const auto& t : c.context.service.plan_attention(*plan))
    marks[{t.problem_id, t.expert_id}] = i18n::tr(reader_language(c), t.message);
  auto sheets = plan_sheets(plan->body_json,
                            marks.empty() ? plan_status_name(plan->status) : "approved_attention",
                            reader_language(c), marks);
  if (!sheets) return from_status(sheets.status());
  // 方案-江山市-12.xlsx
  std::string filename = "方案-" + plan->county + "-" + std::to_string(plan->id) + "." + format;
  if (format == "csv") return file_response("text/csv; charset=utf-8", filename, to_csv(*sheets));
  auto bytes = to_xlsx(*sheets, reader_language(c));
  if (!bytes) return from_status(bytes.status());
  return file_response("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       filename, std::move(*bytes));
}

ApiResponse approve_plan(const Call& c) {
  auto id = plan_id(c.params[0]);
  if (!id) return no_such_plan(c.params[0]);
  auto plan = c.context.service.approve_plan(c.who, *id);
  if (!plan) return from_status(plan.status());
  return one_plan(c, 200, *plan);
}

ApiResponse discard_plan(const Call& c) {
  auto id = plan_id(c.params[0]);
  if (!id) return no_such_plan(c.params[0]);
  auto plan = c.context.service.discard_plan(c.who, *id);
  if (!plan) return from_status(plan.status());
  return one_plan(c, 200, *plan);
}

ApiResponse list_plans(const Call& c) {
  size_t offset, limit;
  ApiResponse error;
  if (!page_params(c, &offset, &limit, &error)) return error;
  auto plans = c.context.service.list_plans(c.who, c.params[0], offset, limit);
  if (!plans) return from_status(plans.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("county", str(c.params[0], a), a);
  Value items(rapidjson::kArrayType);
  for (const auto& plan : plans->items) {
    Status stale = c.context.service.plan_staleness(plan);
    if (!stale && stale.code() != ErrorCode::kConflict) return from_status(stale);
    items.PushBack(plan_record_value(plan, false, stale, c.context.service.plan_attention(plan),
                                     reader_language(c), a),
                   a);
  }
  d.AddMember("items", items, a);
  d.AddMember("total", static_cast<uint64_t>(plans->total), a);
  d.AddMember("offset", static_cast<uint64_t>(offset), a);
  d.AddMember("limit", static_cast<uint64_t>(limit), a);
  return json(200, d);
}

}  // namespace expertmatch::api::handlers
