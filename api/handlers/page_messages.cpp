// GET /web/messages/{zh|en}: the words of the pages, from the one message
// catalogue (i18n/messages/{zh,en}.txt, the keys under "web."), as
// {"language": "zh", "messages": {"nav.bank": "难题库", ...}} without the
// prefix. Patterns keep their {name} placeholders; web/i18n/index.js fills them.
#include "api/handlers/common.h"
#include "api/handlers/handlers.h"

namespace expertmatch::api::handlers {

ApiResponse page_messages(const Call& c) {
  auto language = i18n::parse_language(c.params[0]);
  if (!language || c.params[0] != i18n::language_tag(*language))
    return error_response(404, "not_found", {"request.no_route", {{"path", c.path}}});
  const auto& catalogue = i18n::Catalogue::builtin();
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value messages(rapidjson::kObjectType);
  constexpr std::string_view kPrefix = "web.";
  for (const auto& key : catalogue.keys(*language)) {
    if (key.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    messages.AddMember(str(key.substr(kPrefix.size()), a),
                       str(catalogue.pattern(*language, key), a), a);
  }
  d.AddMember("language", rapidjson::StringRef(i18n::language_tag(*language)), a);
  d.AddMember("messages", messages, a);
  ApiResponse r = json(200, d);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace expertmatch::api::handlers
