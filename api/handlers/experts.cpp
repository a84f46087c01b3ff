// The expert pool: create, read, list and search, replace (PUT), merge-patch
// (PATCH, RFC 7396), deactivate and reactivate.
#include "api/handlers/handlers.h"

#include "api/handlers/common.h"
#include "api/handlers/values.h"
#include "corpus/exchange_format.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

ApiResponse one_expert(int status, const Expert& e) {
  rapidjson::Document d;
  return record_response(status, expert_value(e, d.GetAllocator()), "/api/v1/experts/" + e.id);
}

// Every field of an expert: a PUT names them all (null or [] clears one), so
// a body with some fields is refused rather than erasing the others.
const std::vector<const char*> kExpertFields = {
    "name", "organization", "college",  "title",     "birth_year", "fields",
    "bio",  "works",        "capacity", "available", "counties",   "conflicts"};

Result<Expert> expert_from_body(const rapidjson::Value& doc) {
  Expert e;
  std::vector<FieldError> errors;
  if (!expert_from_json(doc, "body", 0, &e, &errors)) return Status::invalid(errors);
  return e;
}

// The edited record's confirmation as sent: admin's value, else the current
// one where the sent value only echoes a read (a repeated PUT of a record the
// county's first PUT left awaiting the city was refused; a PATCH names what
// it changes, so there only the current value is an echo); any other value
// is passed on, for check_expert_write to refuse (403, field "verified").
bool edited_verified(const Principal& who, std::optional<bool> sent, const Expert& current,
                     bool whole_record) {
  if (who.role != Role::kAdmin &&
      echoes_confirmation(sent, current.verified, whole_record && awaits_city(current)))
    return current.verified;
  return sent.value_or(current.verified);
}

ApiResponse expert_result(const Result<Expert>& e) {
  if (!e) return from_status(e.status());
  return one_expert(200, *e);
}

}  // namespace

ApiResponse create_expert(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  std::optional<bool> verified;
  if (Status taken = take_verified(doc, &verified); !taken) return from_status(taken);
  Expert e;
  std::vector<FieldError> errors;
  if (!expert_from_json(doc, "body", 0, &e, &errors)) return from_status(Status::invalid(errors));
  auto created = c.context.service.create_expert(c.who, std::move(e), verified);
  if (!created) return from_status(created.status());
  return one_expert(201, *created);
}

ApiResponse get_expert(const Call& c) {
  return expert_result(c.context.service.get_expert(c.who, c.params[0]));
}

ApiResponse list_experts(const Call& c) {
  ExpertQuery q;
  ApiResponse error;
  if (!page_params(c, &q.offset, &q.limit, &error)) return error;
  q.text = query_str(c, "q");
  q.college = query_str(c, "college");
  q.field = query_str(c, "field");
  q.county = query_str(c, "county");
  if (!query_bool(c, "available", &q.available, &error) ||
      !query_bool(c, "verified", &q.verified, &error))
    return error;
  std::optional<ExpensiveSlots::Slot> slot;  // a scan of every record: a per-caller bound
  if (!admit_list(c, &slot, &error)) return error;
  auto page = c.context.service.list_experts(c.who, q);
  if (!page) {
    if (page.status().code() == ErrorCode::kInvalidArgument) {
      const FieldError& e = page.status().field_errors().front();
      return bad_query(e.field, reason_message(e));  // q
    }
    return from_status(page.status());
  }
  return page_response<Expert>(*page, q.offset, q.limit, c.context.config.max_page_bytes,
                               expert_value);
}

ApiResponse update_expert(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  if (!bind_path_id(&doc, c.params[0], &error)) return error;
  std::optional<bool> verified;
  if (Status taken = take_verified(doc, &verified); !taken) return from_status(taken);
  ExpertEdit edit = [&doc, &c, verified](const Expert& current) -> Result<Expert> {
    Status complete = require_members(doc, kExpertFields);
    if (!complete) return complete;
    auto e = expert_from_body(doc);
    if (e) e->verified = edited_verified(c.who, verified, current, true);
    return e;
  };
  return expert_result(c.context.service.update_expert(c.who, c.params[0], edit));
}

ApiResponse patch_expert(const Call& c) {
  rapidjson::Document patch;
  ApiResponse error;
  if (!parse_json_body(c.request, &patch, &error, /*merge_patch=*/true)) return error;
  std::optional<bool> verified;
  if (Status taken = take_verified(patch, &verified); !taken) return from_status(taken);
  ExpertEdit edit = [&patch, &c, verified](const Expert& current) -> Result<Expert> {
    rapidjson::Document doc;
    if (Status patched = merge_patched(current, patch, c.params[0], &doc); !patched) return patched;
    auto e = expert_from_body(doc);
    if (e) e->verified = edited_verified(c.who, verified, current, false);
    return e;
  };
  return expert_result(c.context.service.update_expert(c.who, c.params[0], edit));
}

ApiResponse expert_changes(const Call& c) {
  auto e = c.context.service.get_expert(c.who, c.params[0]);
  if (!e) return from_status(e.status());
  rapidjson::Document d;
  auto& a = d.GetAllocator();
  const Value current = expert_value(*e, a);
  std::optional<Value> confirmed;
  if (awaits_city(*e))
    if (auto version = parse_expert_json(e->confirmed_json, "confirmed version"))
      confirmed.emplace(expert_value(*version, a));
  // What awaits the city only: a county changes availability, capacity,
  // conflicts and its own station without it (access.h, keeps_confirmation),
  // and conflicts name enterprises the caller may not know.
  return json(
      200, changes_value(e->id, e->verified, current, confirmed ? &*confirmed : nullptr,
                         {"id", "verified", "available", "capacity", "conflicts", "counties"}, a));
}

ApiResponse deactivate_expert(const Call& c) {
  return expert_result(c.context.service.deactivate_expert(c.who, c.params[0]));
}

ApiResponse reactivate_expert(const Call& c) {
  return expert_result(c.context.service.reactivate_expert(c.who, c.params[0]));
}

}  // namespace expertmatch::api::handlers
