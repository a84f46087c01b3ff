// The expert pool: create, read, list, update, deactivate.
#include "api/handlers/handlers.h"

#include "api/handlers/common.h"
#include "api/handlers/values.h"
#include "corpus/exchange_format.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

ApiResponse one_expert(int status, const Expert& e) {
  rapidjson::Document d;
  Value v = expert_value(e, d.GetAllocator());
  ApiResponse r = json(status, v);
  if (status == 201) r.headers.emplace_back("Location", "/api/v1/experts/" + e.id);
  return r;
}

}  // namespace

ApiResponse create_expert(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  Expert e;
  std::vector<FieldError> errors;
  if (!expert_from_json(doc, "body", 0, &e, &errors)) return from_status(Status::invalid(errors));
  auto created = c.context.service.create_expert(c.who, std::move(e));
  if (!created) return from_status(created.status());
  return one_expert(201, *created);
}

ApiResponse get_expert(const Call& c) {
  auto e = c.context.service.get_expert(c.who, c.params[0]);
  if (!e) return from_status(e.status());
  return one_expert(200, *e);
}

ApiResponse list_experts(const Call& c) {
  ExpertQuery q;
  ApiResponse error;
  if (!page_params(c, &q.offset, &q.limit, &error)) return error;
  q.college = query_str(c, "college");
  q.field = query_str(c, "field");
  q.county = query_str(c, "county");
  if (auto s = query_str(c, "available")) {
    if (*s != "true" && *s != "false")
      return bad_query("available", "available must be true or false");
    q.available = *s == "true";
  }
  auto page = c.context.service.list_experts(c.who, q);
  if (!page) return from_status(page.status());
  return page_response<Expert>(*page, q.offset, q.limit, expert_value);
}

ApiResponse update_expert(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  if (!bind_path_id(&doc, c.params[0], &error)) return error;
  Expert e;
  std::vector<FieldError> errors;
  if (!expert_from_json(doc, "body", 0, &e, &errors)) return from_status(Status::invalid(errors));
  auto updated = c.context.service.update_expert(c.who, std::move(e));
  if (!updated) return from_status(updated.status());
  return one_expert(200, *updated);
}

ApiResponse deactivate_expert(const Call& c) {
  auto e = c.context.service.deactivate_expert(c.who, c.params[0]);
  if (!e) return from_status(e.status());
  return one_expert(200, *e);
}

}  // namespace expertmatch::api::handlers
