// The configured counties (corpus/counties.h): GET /api/v1/counties.
#include "api/handlers/handlers.h"

#include "api/handlers/common.h"

namespace expertmatch::api::handlers {

ApiResponse list_counties(const Call& c) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value items(rapidjson::kArrayType);
  for (const auto& name : c.context.service.counties().names()) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("name", str(name, a), a);
    items.PushBack(v, a);
  }
  d.AddMember("items", items, a);
  return json(200, d);
}

}  // namespace expertmatch::api::handlers
