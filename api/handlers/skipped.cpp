// Records set aside (admin): rows in the store that break the exchange
// format's rules and records the index could not take. Each is also named in
// the server's log when it is met; this is where an admin finds them later.
#include "api/handlers/common.h"
#include "api/handlers/handlers.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

ApiResponse list_skipped_records(const Call& c) {
  auto skipped = c.context.service.skipped_records(c.who);
  if (!skipped) return from_status(skipped.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  Value items(rapidjson::kArrayType);
  for (const auto& r : *skipped) {
    Value v(rapidjson::kObjectType);
    v.AddMember("kind", str(r.kind, a), a);
    v.AddMember("id", str(r.id, a), a);
    v.AddMember("reason", str(r.reason, a), a);
    items.PushBack(v, a);
  }
  d.AddMember("total", static_cast<uint64_t>(skipped->size()), a);
  d.AddMember("items", items, a);
  return json(200, d);
}

}  // namespace expertmatch::api::handlers
