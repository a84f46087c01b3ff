// The problem bank (企业难题库): create, read, list, update, withdraw.
#include "api/handlers/handlers.h"

#include "api/handlers/common.h"
#include "api/handlers/values.h"
#include "corpus/exchange_format.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

ApiResponse one_problem(int status, const Problem& p) {
  rapidjson::Document d;
  Value v = problem_value(p, d.GetAllocator());
  ApiResponse r = json(status, v);
  if (status == 201) r.headers.emplace_back("Location", "/api/v1/problems/" + p.id);
  return r;
}

}  // namespace

ApiResponse create_problem(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  auto& a = doc.GetAllocator();
  bool id_given = doc.HasMember("id");
  if (c.who.role == Role::kEnterprise) {
    if (!id_given) doc.AddMember("id", "pending", a);  // replaced by the service
    if (!doc.HasMember("enterprise")) doc.AddMember("enterprise", str(c.who.scope, a), a);
  }
  if (c.who.role == Role::kCounty && !doc.HasMember("county"))
    doc.AddMember("county", str(c.who.scope, a), a);
  Problem p;
  std::vector<FieldError> errors;
  if (!problem_from_json(doc, "body", 0, &p, &errors)) return from_status(Status::invalid(errors));
  auto created = c.context.service.create_problem(c.who, std::move(p), id_given);
  if (!created) return from_status(created.status());
  return one_problem(201, *created);
}

ApiResponse get_problem(const Call& c) {
  auto p = c.context.service.get_problem(c.who, c.params[0]);
  if (!p) return from_status(p.status());
  return one_problem(200, *p);
}

ApiResponse list_problems(const Call& c) {
  ProblemQuery q;
  ApiResponse error;
  if (!page_params(c, &q.offset, &q.limit, &error)) return error;
  if (!query_int(c, "urgency", 1, 5, &q.urgency, &error)) return error;
  if (!query_int(c, "min_urgency", 1, 5, &q.min_urgency, &error)) return error;
  q.county = query_str(c, "county");
  q.enterprise = query_str(c, "enterprise");
  if (auto s = query_str(c, "status")) {
    q.status = parse_problem_status(*s);
    if (!q.status) return bad_query("status", "status must be open, withdrawn or solved");
  }
  if (auto s = query_str(c, "sort")) q.sort = *s;
  auto page = c.context.service.list_problems(c.who, q);
  if (!page) {
    if (page.status().code() == ErrorCode::kInvalidArgument)
      return bad_query("sort", page.status().field_errors().front().reason);
    return from_status(page.status());
  }
  return page_response<Problem>(*page, q.offset, q.limit, problem_value);
}

ApiResponse update_problem(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  if (!bind_path_id(&doc, c.params[0], &error)) return error;
  Problem p;
  std::vector<FieldError> errors;
  if (!problem_from_json(doc, "body", 0, &p, &errors)) {
    // A caller that may not see the problem learns nothing, not even that its body was wrong.
    auto visible = c.context.service.get_problem(c.who, c.params[0]);
    if (!visible) return from_status(visible.status());
    return from_status(Status::invalid(errors));
  }
  auto updated = c.context.service.update_problem(c.who, std::move(p));
  if (!updated) return from_status(updated.status());
  return one_problem(200, *updated);
}

ApiResponse withdraw_problem(const Call& c) {
  auto p = c.context.service.withdraw_problem(c.who, c.params[0]);
  if (!p) return from_status(p.status());
  return one_problem(200, *p);
}
}  // namespace expertmatch::api::handlers
