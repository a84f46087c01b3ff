// Registered enterprises and their county: GET and POST /api/v1/enterprises.
#include "api/handlers/handlers.h"

#include "api/handlers/common.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

Value enterprise_value(const EnterpriseRecord& e, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("name", str(e.name, a), a);
  v.AddMember("county", str(e.county, a), a);
  v.AddMember("registered_at", str(e.registered_at, a), a);
  return v;
}

}  // namespace

ApiResponse list_enterprises(const Call& c) {
  size_t offset, limit;
  ApiResponse error;
  if (!page_params(c, &offset, &limit, &error)) return error;
  auto all = c.context.service.enterprises(c.who, query_str(c, "county"));
  if (!all) return from_status(all.status());
  Page<EnterpriseRecord> page;
  page.total = all->size();
  for (size_t i = offset; i < all->size() && i < offset + limit; ++i)
    page.items.push_back((*all)[i]);
  return page_response<EnterpriseRecord>(page, offset, limit, c.context.config.max_page_bytes,
                                         enterprise_value);
}

ApiResponse create_enterprise(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  if (!check_members(doc, {"name", "county"}, {"registered_at"}, &error)) return error;
  std::string name, county = c.who.role == Role::kCounty ? c.who.scope : "";
  if (!member_string(doc, "name", &name, &error, 256) ||
      !member_string(doc, "county", &county, &error, 256))
    return error;
  auto r = c.context.service.register_enterprise(c.who, name, county);
  if (!r) return from_status(r.status());
  rapidjson::Document d;
  ApiResponse out = json(201, enterprise_value(*r, d.GetAllocator()));
  return out;
}

}  // namespace expertmatch::api::handlers
